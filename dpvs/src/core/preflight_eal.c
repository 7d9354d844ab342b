/*
 * The EAL arguments the start-up checks need (preflight.h): memory,
 * hugepages or not, the PCI devices and the lcore-to-CPU map, parsed the
 * way the EAL reads them, without running it.
 */
#include "preflight.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of option `name` at argv[*i] ("--x v", "--x=v", "-xv"). */
static const char *opt_val(const char *name, int argc, char *const *argv,
			   int *i)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=' && name[1] == '-')
		return a + n + 1;
	if (a[n] == '\0')
		return *i + 1 < argc ? argv[++*i] : NULL;
	return name[1] != '-' ? a + n : NULL;
}

int pf_pci_addr(const char *s, char *out, size_t len)
{
	unsigned dom = 0, bus, dev, fn;
	char tail;
	int n = 0;

	if (sscanf(s, "%x:%x:%x.%x%n", &dom, &bus, &dev, &fn, &n) != 4 &&
	    (dom = 0, n = 0, sscanf(s, "%x:%x.%x%n", &bus, &dev, &fn, &n) != 3))
		return -1;
	tail = s[n];
	if ((tail && tail != ',') || !isxdigit((unsigned char)s[0]) ||
	    dom > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return -1;
	snprintf(out, len, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

static void add_pci(struct pf_eal *e, const char *addr, const char *from)
{
	for (unsigned i = 0; i < e->npci; i++)
		if (!strcmp(e->pci[i].addr, addr))
			return;
	if (e->npci == PF_MAX_PCI)
		return;
	snprintf(e->pci[e->npci].addr, PF_PCI_LEN, "%s", addr);
	snprintf(e->pci[e->npci].from, sizeof(e->pci[0].from), "%s", from);
	e->npci++;
}

void pf_eal_add_conf_devices(struct pf_eal *e, const struct dpvs_conf *c)
{
	char addr[PF_PCI_LEN], from[48];

	for (uint32_t i = 0; i < c->ndevices; i++) {
		if (pf_pci_addr(c->devices[i].devargs, addr, sizeof(addr)) < 0)
			continue;
		snprintf(from, sizeof(from), "netif.devices %s",
			 c->devices[i].name);
		add_pci(e, addr, from);
	}
}

/* One number or a-b at *p, into [lo, hi]. */
static int parse_range(const char **p, unsigned *lo, unsigned *hi)
{
	char *end;
	unsigned long a = strtoul(*p, &end, 10), b = a;

	if (end == *p)
		return -1;
	if (*end == '-') {
		const char *q = end + 1;

		b = strtoul(q, &end, 10);
		if (end == q || b < a)
			return -1;
	}
	if (b >= PF_MAX_CPUS)
		return -1;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	*p = end;
	return 0;
}

/* A --lcores set: "n", "a-b" or "(n,a-b,...)"; *group if in brackets. */
static int parse_set(const char **p, pf_cpuset set, bool *group)
{
	unsigned lo, hi;

	*group = **p == '(';
	if (!*group) {
		if (parse_range(p, &lo, &hi) < 0)
			return -1;
		for (unsigned i = lo; i <= hi; i++)
			pf_cpu_set(set, i);
		return 0;
	}
	(*p)++;
	for (;;) {
		if (parse_range(p, &lo, &hi) < 0)
			return -1;
		for (unsigned i = lo; i <= hi; i++)
			pf_cpu_set(set, i);
		if (**p == ')')
			break;
		if (*(*p)++ != ',')
			return -1;
	}
	(*p)++;
	return 0;
}

static int map_lcores(struct pf_eal *e, const pf_cpuset lset, bool group,
		      const pf_cpuset cset, bool have_cpus)
{
	for (unsigned lc = 0; lc < PF_MAX_CPUS; lc++) {
		if (!pf_cpu_isset(lset, lc))
			continue;
		if (lc >= PF_MAX_LCORES)
			return -1;
		e->lcore_on[lc] = true;
		memset(e->lcore_cpus[lc], 0, sizeof(pf_cpuset));
		if (have_cpus || group)
			memcpy(e->lcore_cpus[lc], have_cpus ? cset : lset,
			       sizeof(pf_cpuset));
		else
			pf_cpu_set(e->lcore_cpus[lc], lc);
	}
	return 0;
}

/* --lcores: element[,element], element = lcore_set[@cpu_set]. */
static int parse_lcores(struct pf_eal *e, const char *s)
{
	const char *p = s;

	while (*p) {
		pf_cpuset lset = { 0 }, cset = { 0 };
		bool group, cgroup, at = false;

		if (parse_set(&p, lset, &group) < 0)
			return -1;
		if (*p == '@') {
			p++;
			at = true;
			if (parse_set(&p, cset, &cgroup) < 0)
				return -1;
		}
		if (map_lcores(e, lset, group, cset, at) < 0)
			return -1;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	return 0;
}

/* -c: a hexadecimal mask of lcores, each on the CPU of its number. */
static int parse_mask(struct pf_eal *e, const char *s)
{
	pf_cpuset set = { 0 };
	size_t n;
	unsigned bit = 0;

	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	n = strlen(s);
	if (n == 0)
		return -1;
	for (size_t i = n; i-- > 0; bit += 4) {
		int v;

		if (!isxdigit((unsigned char)s[i]))
			return -1;
		v = isdigit((unsigned char)s[i]) ? s[i] - '0' :
		    tolower((unsigned char)s[i]) - 'a' + 10;
		for (unsigned b = 0; b < 4; b++)
			if (v >> b & 1)
				pf_cpu_set(set, bit + b);
	}
	return map_lcores(e, set, false, set, false);
}

static int parse_lcore_opt(struct pf_eal *e, const char *opt, const char *v)
{
	pf_cpuset set = { 0 };
	int rc;

	e->lcores_given = true;
	snprintf(e->lcores_arg, sizeof(e->lcores_arg), "%s %s", opt, v);
	memset(e->lcore_on, 0, sizeof(e->lcore_on));
	if (!strcmp(opt, "-c"))
		return parse_mask(e, v);
	if (!strcmp(opt, "--lcores"))
		return parse_lcores(e, v);
	rc = pf_cpulist_parse(v, set);
	return rc < 0 ? rc : map_lcores(e, set, false, set, false);
}

static int parse_mem(struct pf_eal *e, const char *opt, const char *v)
{
	char *end;
	const char *p = v;
	uint64_t sum = 0;

	do {
		unsigned long long mb = strtoull(p, &end, 10);

		if (end == p)
			return -1;
		sum += mb;
		p = *end == ',' ? end + 1 : end;
	} while (*end == ',' && strcmp(opt, "-m"));
	if (*end)
		return -1;
	e->mem_mb = sum;
	snprintf(e->mem_from, sizeof(e->mem_from), "%s %s", opt, v);
	return 0;
}

static const char *const allow_opts[] = { "--allow", "--pci-whitelist",
					  "-a", "-w", NULL };
static const char *const lcore_opts[] = { "--lcores", "-l", "-c", NULL };
static const char *const mem_opts[] = { "--socket-mem", "-m", NULL };

/* argv[*i] against opts; 1 with *v and *name set if one matched. */
static int match(const char *const *opts, int argc, char *const *argv,
		 int *i, const char **name, const char **v)
{
	for (int k = 0; opts[k]; k++) {
		int j = *i;

		*v = opt_val(opts[k], argc, argv, &j);
		if (*v) {
			*i = j;
			*name = opts[k];
			return 1;
		}
	}
	return 0;
}

static void parse_one(struct pf_eal *e, int argc, char *const *argv, int *i)
{
	const char *name, *v;
	char addr[PF_PCI_LEN];

	if (!strcmp(argv[*i], "--no-huge"))
		e->no_huge = true;
	else if (!strcmp(argv[*i], "--no-pci"))
		e->no_pci = true;
	else if (match(allow_opts, argc, argv, i, &name, &v)) {
		if (pf_pci_addr(v, addr, sizeof(addr)) == 0)
			add_pci(e, addr, name);
	} else if (match(lcore_opts, argc, argv, i, &name, &v)) {
		if (parse_lcore_opt(e, name, v) < 0) {
			e->lcores_unread = true;
			snprintf(e->unread, sizeof(e->unread), "EAL option %s "
				 "\"%s\": not understood, the lcore check is "
				 "skipped", name, v);
		}
	} else if (match(mem_opts, argc, argv, i, &name, &v)) {
		if (parse_mem(e, name, v) < 0)
			snprintf(e->unread, sizeof(e->unread), "EAL option %s "
				 "\"%s\": not a number of megabytes, the memory "
				 "checks use the estimate", name, v);
	}
}

int pf_eal_parse(struct pf_eal *e, int argc, char *const *argv, char *err,
		 size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->lcore_cpus = calloc(PF_MAX_LCORES, sizeof(pf_cpuset));
	if (!e->lcore_cpus) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < argc; i++)
		parse_one(e, argc, argv, &i);
	return 0;
}

void pf_eal_free(struct pf_eal *e)
{
	free(e->lcore_cpus);
	e->lcore_cpus = NULL;
}
