/*
 * The start-up checks' decisions (preflight.h): pure functions of the
 * configuration, the EAL arguments and the host as read, each problem
 * one line naming the numbers and the fix.
 */
#include "preflight.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MB (1ull << 20)

static void add(struct pf_report *r, const char *kind, const char *fmt,
		va_list ap)
{
	int n;

	if (r->off + 1 >= sizeof(r->buf))
		return;
	n = snprintf(r->buf + r->off, sizeof(r->buf) - r->off, "%s: ", kind);
	if (n > 0)
		r->off += (size_t)n;
	if (r->off + 1 < sizeof(r->buf)) {
		n = vsnprintf(r->buf + r->off, sizeof(r->buf) - r->off, fmt, ap);
		if (n > 0)
			r->off += (size_t)n;
	}
	if (r->off + 1 >= sizeof(r->buf))
		r->off = sizeof(r->buf) - 2;
	r->buf[r->off++] = '\n';
	r->buf[r->off] = '\0';
}

void pf_error(struct pf_report *r, const char *fmt, ...)
{
	va_list ap;

	r->nerr++;
	va_start(ap, fmt);
	add(r, "error", fmt, ap);
	va_end(ap);
}

void pf_warn(struct pf_report *r, const char *fmt, ...)
{
	va_list ap;

	r->nwarn++;
	va_start(ap, fmt);
	add(r, "warning", fmt, ap);
	va_end(ap);
}

static uint64_t mb_ceil(uint64_t bytes)
{
	return (bytes + MB - 1) / MB;
}

/* ---- hugepages ---- */

static const struct pf_huge *huge_size(const struct pf_sys *s, uint64_t kb)
{
	for (unsigned i = 0; i < s->nhuge; i++)
		if (s->huge[i].kb == kb)
			return &s->huge[i];
	return s->nhuge ? &s->huge[0] : NULL;
}

/* Free hugepage memory the EAL can use: sizes with a mount. */
static uint64_t huge_usable(const struct pf_sys *s)
{
	uint64_t b = 0;

	for (unsigned i = 0; i < s->nhuge; i++)
		if (s->huge[i].mounted)
			b += s->huge[i].free * s->huge[i].kb * 1024;
	return b;
}

/* How much the EAL will take, and what says so. */
static uint64_t mem_wanted(const struct pf_input *in, const char **why)
{
	if (in->eal->mem_mb) {
		*why = in->eal->mem_from;
		return in->eal->mem_mb * MB;
	}
	*why = "estimated for the pools";
	return in->need.conns + in->need.other;
}

static void warn_unmounted(const struct pf_sys *s, struct pf_report *r)
{
	for (unsigned i = 0; i < s->nhuge; i++)
		if (s->huge[i].nr && !s->huge[i].mounted)
			pf_warn(r, "hugepages: %llu pages of %llu kB are reserved "
				"but no hugetlbfs of that size is mounted, so "
				"the EAL cannot use them: mount -t hugetlbfs "
				"-o pagesize=%lluK none /dev/hugepages-%llukB",
				(unsigned long long)s->huge[i].nr,
				(unsigned long long)s->huge[i].kb,
				(unsigned long long)s->huge[i].kb,
				(unsigned long long)s->huge[i].kb);
}

static uint64_t huge_free(const struct pf_sys *s, bool *mounted)
{
	uint64_t b = 0;

	*mounted = false;
	for (unsigned i = 0; i < s->nhuge; i++) {
		b += s->huge[i].free * s->huge[i].kb * 1024;
		*mounted |= s->huge[i].mounted;
	}
	return b;
}

void pf_check_hugepages(const struct pf_input *in, struct pf_report *r)
{
	const struct pf_sys *s = in->sys;
	const char *why;
	uint64_t want, kb, pages, nr, nfree, all_free;
	const struct pf_huge *h;
	bool mounted;

	if (in->eal->no_huge)
		return;
	want = mem_wanted(in, &why);
	if (huge_usable(s) >= want) {
		warn_unmounted(s, r);
		return;
	}
	h = huge_size(s, s->default_huge_kb ? s->default_huge_kb : 2048);
	kb = h ? h->kb : 2048;
	nr = h ? h->nr : 0;
	nfree = h ? h->free : 0;
	pages = (want + kb * 1024 - 1) / (kb * 1024);
	all_free = huge_free(s, &mounted);
	if (all_free >= want && mounted) {
		pf_error(r, "hugepages: the configuration needs %llu MB (%s); "
			 "enough are free, but not in a size with a hugetlbfs "
			 "mounted:", (unsigned long long)mb_ceil(want), why);
		warn_unmounted(s, r);
		return;
	}
	if (all_free < want)
		pf_error(r, "hugepages: the configuration needs %llu MB (%s), "
			 "%llu pages of %llu kB; %llu are reserved, %llu free: "
			 "echo %llu > /sys/kernel/mm/hugepages/hugepages-%llukB/"
			 "nr_hugepages (or, without hugepages' speed, --no-huge "
			 "-m MB in global.eal_args)",
			 (unsigned long long)mb_ceil(want), why,
			 (unsigned long long)pages, (unsigned long long)kb,
			 (unsigned long long)nr, (unsigned long long)nfree,
			 (unsigned long long)(nr - nfree + pages),
			 (unsigned long long)kb);
	if (!mounted)
		pf_error(r, "hugepages: no hugetlbfs is mounted, the EAL cannot "
			 "use any: mount -t hugetlbfs none /dev/hugepages");
}

/* ---- memory for the pools ---- */

/* The memory the EAL will have; 0 when the hugepage check decides. */
static uint64_t mem_given(const struct pf_input *in, char *from, size_t len)
{
	if (in->eal->mem_mb) {
		snprintf(from, len, "%s", in->eal->mem_from);
		return in->eal->mem_mb * MB;
	}
	if (in->eal->no_huge) {
		snprintf(from, len, "--no-huge without -m");
		return PF_NO_HUGE_DEFAULT_MB * MB;
	}
	return 0;
}

static void check_available(const struct pf_input *in, uint64_t given,
			    const char *from, struct pf_report *r)
{
	uint64_t avail = in->sys->mem_available_kb * 1024;

	if (!in->eal->no_huge || !avail || given <= avail)
		return;
	pf_error(r, "memory: %s asks for %llu MB of ordinary memory, but only "
		 "%llu MB are available (MemAvailable in /proc/meminfo): lower "
		 "-m or free memory", from, (unsigned long long)mb_ceil(given),
		 (unsigned long long)(avail / MB));
}

void pf_check_memory(const struct pf_input *in, struct pf_report *r)
{
	char from[48];
	uint64_t given = mem_given(in, from, sizeof(from));
	uint64_t need = in->need.conns + in->need.other;
	uint64_t fit = 0;

	if (!given)
		return;
	check_available(in, given, from, r);
	if (need <= given)
		return;
	/* An eighth of the memory for the EAL's own, which is not estimated. */
	if (given - given / 8 > in->need.other && in->need.conns)
		fit = (given - given / 8 - in->need.other) *
		      in->conf->conn_pool_size / in->need.conns / 1024 * 1024;
	if (fit >= 1024)
		pf_error(r, "memory: the pools need about %llu MB (%llu MB for "
			 "ipvs.conn_pool_size %u), %s gives %llu MB: lower "
			 "ipvs.conn_pool_size to about %llu, or give -m %llu",
			 (unsigned long long)mb_ceil(need),
			 (unsigned long long)mb_ceil(in->need.conns),
			 in->conf->conn_pool_size, from,
			 (unsigned long long)(given / MB),
			 (unsigned long long)fit,
			 (unsigned long long)mb_ceil(need + need / 4));
	else
		pf_error(r, "memory: the pools need about %llu MB (%llu MB for "
			 "ipvs.conn_pool_size %u, %llu MB for packet mbufs and "
			 "the rest), %s gives %llu MB: give -m %llu",
			 (unsigned long long)mb_ceil(need),
			 (unsigned long long)mb_ceil(in->need.conns),
			 in->conf->conn_pool_size,
			 (unsigned long long)mb_ceil(in->need.other), from,
			 (unsigned long long)(given / MB),
			 (unsigned long long)mb_ceil(need + need / 4));
}

/* ---- PCI devices, vfio and the IOMMU ---- */

/* Drivers the EAL's PCI PMDs work through (mlx: the kernel's own). */
static bool dpdk_driver(const char *drv)
{
	static const char *const ok[] = { "vfio-pci", "igb_uio",
		"uio_pci_generic", "mlx5_core", "mlx4_core", NULL };

	for (int i = 0; ok[i]; i++)
		if (!strcmp(drv, ok[i]))
			return true;
	return false;
}

static const char *devbind(const struct pf_sys *s)
{
	return s->devbind[0] ? s->devbind : "dpdk-devbind.py (Debian package "
	       "dpdk)";
}

/* Checks one device; true if it is (or is to be) driven by vfio-pci. */
static bool check_device(const struct pf_input *in, const struct pf_pci *p,
			 struct pf_report *r)
{
	char drv[64];

	switch (pf_pci_driver(in->root, p->addr, drv, sizeof(drv))) {
	case PCI_MISSING:
		pf_error(r, "PCI device %s (%s) does not exist on this machine: "
			 "%s --status lists the network devices", p->addr,
			 p->from, devbind(in->sys));
		return false;
	case PCI_NO_DRIVER:
		pf_error(r, "PCI device %s (%s) is bound to no driver: %s "
			 "--bind=vfio-pci %s", p->addr, p->from,
			 devbind(in->sys), p->addr);
		return true;
	case PCI_BOUND:
		break;
	}
	if (dpdk_driver(drv))
		return !strcmp(drv, "vfio-pci");
	pf_error(r, "PCI device %s (%s) is bound to the kernel's %s, not to a "
		 "DPDK driver: %s --bind=vfio-pci %s", p->addr, p->from, drv,
		 devbind(in->sys), p->addr);
	return true;
}

static void check_vfio(const struct pf_sys *s, struct pf_report *r)
{
	if (!s->vfio_pci)
		pf_error(r, "vfio: the vfio-pci module is not loaded: modprobe "
			 "vfio-pci (and add vfio-pci to /etc/modules)");
	if (s->iommu)
		return;
	if (s->vfio_noiommu) {
		pf_warn(r, "vfio: no IOMMU, vfio runs in no-IOMMU mode: the NIC's "
			"DMA is not isolated and can write anywhere in memory");
		return;
	}
	pf_error(r, "vfio: no IOMMU (/sys/kernel/iommu_groups is empty): add "
		 "intel_iommu=on iommu=pt (AMD: amd_iommu=on iommu=pt) to the "
		 "kernel command line and reboot, or, with no IOMMU, modprobe "
		 "vfio enable_unsafe_noiommu_mode=1 (no DMA isolation: the NIC "
		 "can write anywhere in memory)");
}

void pf_check_pci(const struct pf_input *in, struct pf_report *r)
{
	const struct pf_eal *e = in->eal;
	bool vfio = false;

	for (unsigned i = 0; i < e->npci; i++) {
		if (e->no_pci && !strncmp(e->pci[i].from, "netif", 5))
			pf_error(r, "PCI device %s (%s): --no-pci in the EAL "
				 "arguments hides it: remove --no-pci from "
				 "global.eal_args", e->pci[i].addr,
				 e->pci[i].from);
		vfio |= check_device(in, &e->pci[i], r);
	}
	if (vfio)
		check_vfio(in->sys, r);
}

/* ---- lcores and CPUs ---- */

/* "1, 3, 4" from a set, into buf. */
static void list_of(const bool *set, unsigned n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && off + 1 < len; i++)
		if (set[i]) {
			int k = snprintf(buf + off, len - off, "%s%u",
					 off ? ", " : "", i);

			off += k > 0 ? (size_t)k : 0;
		}
}

static void cpus_of(const pf_cpuset set, char *buf, size_t len)
{
	bool on[PF_MAX_CPUS];

	for (unsigned c = 0; c < PF_MAX_CPUS; c++)
		on[c] = pf_cpu_isset(set, c);
	list_of(on, PF_MAX_CPUS, buf, len);
}

/* The lcores the configuration runs: the master and every worker. */
static void wanted_lcores(const struct dpvs_conf *c, bool *want)
{
	memset(want, 0, sizeof(bool) * PF_MAX_LCORES);
	want[c->master_lcore % PF_MAX_LCORES] = true;
	for (uint32_t i = 0; i < c->nworkers; i++)
		want[c->workers[i].lcore % PF_MAX_LCORES] = true;
}

/* An lcore runs on a CPU this process may not use. */
static bool lcore_missing(const struct pf_input *in, unsigned lc)
{
	const pf_cpuset *cpus = &in->eal->lcore_cpus[lc];

	if (!in->eal->lcores_given)
		return !pf_cpu_isset(in->sys->cpus, lc);
	for (unsigned c = 0; c < PF_MAX_CPUS; c++)
		if (pf_cpu_isset(*cpus, c) && !pf_cpu_isset(in->sys->cpus, c))
			return true;
	return false;
}

void pf_check_lcores(const struct pf_input *in, struct pf_report *r)
{
	const struct pf_eal *e = in->eal;
	bool want[PF_MAX_LCORES], off[PF_MAX_LCORES] = { false },
	     gone[PF_MAX_LCORES] = { false }, any_off = false, any_gone = false;
	char l1[512], l2[512];
	pf_cpuset none = { 0 };

	wanted_lcores(in->conf, want);
	for (unsigned lc = 0; lc < PF_MAX_LCORES; lc++) {
		if (e->lcores_given && want[lc] && !e->lcore_on[lc]) {
			off[lc] = any_off = true;
			continue;
		}
		if ((e->lcores_given ? e->lcore_on[lc] : want[lc]) &&
		    memcmp(in->sys->cpus, none, sizeof(none)) &&
		    lcore_missing(in, lc))
			gone[lc] = any_gone = true;
	}
	cpus_of(in->sys->cpus, l2, sizeof(l2));
	if (any_off) {
		list_of(off, PF_MAX_LCORES, l1, sizeof(l1));
		pf_error(r, "lcores: %s (workers.master_lcore or workers.lcores) "
			 "not in the EAL's %s: add them there, or leave -l, -c "
			 "and --lcores out and dpvs passes its own",
			 l1, e->lcores_arg);
	}
	if (!any_gone)
		return;
	list_of(gone, PF_MAX_LCORES, l1, sizeof(l1));
	pf_error(r, "lcores: %s run on CPUs this process may not run on (it "
		 "has CPU %s; unless --lcores maps them, lcore n runs on CPU "
		 "n): use fewer workers, or map lcores onto CPUs in "
		 "global.eal_args, e.g. \"--lcores\", \"0@0,(1-%u)@1\"", l1,
		 l2, in->conf->nworkers ? in->conf->nworkers : 1);
}

unsigned preflight_run(const struct pf_input *in, struct pf_report *r)
{
	if (in->eal->unread[0])
		pf_warn(r, "%s", in->eal->unread);
	if (!in->eal->lcores_unread)
		pf_check_lcores(in, r);
	pf_check_pci(in, r);
	pf_check_hugepages(in, r);
	pf_check_memory(in, r);
	return r->nerr;
}
