/*
 * Start-up checks (docs/dpvs.md, "Start-up checks"): what the EAL would
 * otherwise fail on with a cryptic message, found before it runs and
 * told as one line each (what is wrong, the numbers, the fix).
 *
 * Three small parts: the EAL arguments parsed into what the checks need
 * (preflight_eal.c), the host read from /proc and /sys under an
 * injectable root (preflight_sys.c), and pure decisions over both
 * (preflight.c).  No DPDK: unit-tested against fake trees.
 */
#ifndef DPVS_PREFLIGHT_H
#define DPVS_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define PF_MAX_CPUS 1024
#define PF_MAX_LCORES (CONF_MAX_LCORE + 1)
#define PF_MAX_PCI 32
#define PF_MAX_HUGE_SIZES 4
#define PF_PCI_LEN 16          /* "0000:00:00.0" */
/* The EAL's memory with --no-huge and no -m (MEMSIZE_IF_NO_HUGE_PAGE). */
#define PF_NO_HUGE_DEFAULT_MB 64

typedef uint64_t pf_cpuset[PF_MAX_CPUS / 64];

static inline void pf_cpu_set(pf_cpuset s, unsigned cpu)
{
	if (cpu < PF_MAX_CPUS)
		s[cpu / 64] |= 1ull << (cpu % 64);
}

static inline bool pf_cpu_isset(const pf_cpuset s, unsigned cpu)
{
	return cpu < PF_MAX_CPUS && (s[cpu / 64] >> (cpu % 64)) & 1;
}

/* Problems found, one line each; errors fail the start, warnings not. */
struct pf_report {
	char buf[8192];
	size_t off;
	unsigned nerr;
	unsigned nwarn;
};

void pf_error(struct pf_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pf_warn(struct pf_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- the EAL arguments (preflight_eal.c) ---- */

struct pf_pci {
	char addr[PF_PCI_LEN];   /* full form, DDDD:BB:DD.F */
	char from[48];           /* where it is named: "-a", "netif.devices dpdk0" */
};

struct pf_eal {
	bool no_huge;
	bool no_pci;
	uint64_t mem_mb;         /* -m, or the sum of --socket-mem; 0: neither */
	char mem_from[32];       /* "-m 256", "--socket-mem 1024,1024" */
	bool lcores_given;       /* -l, -c or --lcores among them */
	char lcores_arg[64];     /* as given, for messages */
	bool lcore_on[PF_MAX_LCORES];
	pf_cpuset *lcore_cpus;   /* [PF_MAX_LCORES]: the CPUs each runs on */
	unsigned npci;
	struct pf_pci pci[PF_MAX_PCI];
	char unread[160];        /* an option the checks could not read */
	bool lcores_unread;      /* then the lcore check is skipped */
};

/*
 * Parses argv (the EAL's, without argv[0]); an option it cannot read is
 * left to the EAL and named in e->unread.  -1 only without memory.
 */
int pf_eal_parse(struct pf_eal *e, int argc, char *const *argv, char *err,
		 size_t errlen);
void pf_eal_free(struct pf_eal *e);
/* Normalises a PCI address (BB:DD.F gets domain 0000); -1 if not one. */
int pf_pci_addr(const char *s, char *out, size_t len);
/* Adds the PCI devices of netif.devices to e->pci. */
void pf_eal_add_conf_devices(struct pf_eal *e, const struct dpvs_conf *c);

/* ---- the host (preflight_sys.c) ---- */

struct pf_huge {
	uint64_t kb;             /* page size */
	uint64_t nr;             /* reserved */
	uint64_t free;
	bool mounted;            /* a hugetlbfs of this size is mounted */
};

enum pf_pci_state { PCI_MISSING, PCI_NO_DRIVER, PCI_BOUND };

struct pf_sys {
	unsigned nhuge;
	struct pf_huge huge[PF_MAX_HUGE_SIZES];
	uint64_t default_huge_kb;    /* Hugepagesize in /proc/meminfo */
	uint64_t mem_available_kb;   /* MemAvailable; 0 = unknown */
	pf_cpuset cpus;              /* the CPUs this process may run on */
	bool iommu;                  /* an IOMMU groups devices */
	bool vfio_pci;               /* the vfio-pci module is loaded */
	bool vfio_noiommu;           /* vfio's enable_unsafe_noiommu_mode */
	char devbind[128];           /* dpdk-devbind.py's path, "" if absent */
};

/* Reads the host under root ("" for the real one). */
void pf_sys_read(const char *root, struct pf_sys *s);
/* A PCI device's state and, if bound, its driver's name. */
enum pf_pci_state pf_pci_driver(const char *root, const char *addr,
				char *drv, size_t len);
/* Parses a CPU list such as "0-3,8"; -1 if malformed. */
int pf_cpulist_parse(const char *s, pf_cpuset set);

/* ---- the decisions (preflight.c) ---- */

/* DPDK memory the configuration needs, estimated by its owners. */
struct pf_mem_need {
	uint64_t conns;          /* what grows with ipvs.conn_pool_size */
	uint64_t other;          /* packet mbufs and the rest */
};

struct pf_input {
	const struct dpvs_conf *conf;
	const struct pf_eal *eal;
	const struct pf_sys *sys;
	struct pf_mem_need need;
	const char *root;        /* for the PCI devices' drivers */
};

void pf_check_hugepages(const struct pf_input *in, struct pf_report *r);
void pf_check_memory(const struct pf_input *in, struct pf_report *r);
void pf_check_pci(const struct pf_input *in, struct pf_report *r);
void pf_check_lcores(const struct pf_input *in, struct pf_report *r);
/* Every check; returns the number of errors. */
unsigned preflight_run(const struct pf_input *in, struct pf_report *r);

#endif
