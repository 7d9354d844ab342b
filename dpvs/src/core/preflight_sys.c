/*
 * The host as the start-up checks see it (preflight.h): hugepages and
 * their mounts, available memory, CPUs, IOMMU, vfio and PCI drivers,
 * read from /proc and /sys under a root that unit tests point at a fake
 * tree.  Unreadable files read as "absent", never as an error.
 */
#include "preflight.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static FILE *open_at(const char *root, const char *path)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", root, path);
	return fopen(full, "r");
}

static bool exists_at(const char *root, const char *path)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", root, path);
	return access(full, F_OK) == 0;
}

static uint64_t read_u64(const char *root, const char *path)
{
	FILE *f = open_at(root, path);
	unsigned long long v = 0;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

/* A directory with at least one entry besides . and .. */
static bool dir_has_entries(const char *root, const char *path)
{
	char full[PATH_MAX];
	struct dirent *de;
	DIR *d;
	bool any = false;

	snprintf(full, sizeof(full), "%s%s", root, path);
	d = opendir(full);
	if (!d)
		return false;
	while (!any && (de = readdir(d)))
		any = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return any;
}

static void read_meminfo(const char *root, struct pf_sys *s)
{
	FILE *f = open_at(root, "/proc/meminfo");
	char line[256];
	unsigned long long v;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "MemAvailable: %llu kB", &v) == 1)
			s->mem_available_kb = v;
		else if (sscanf(line, "Hugepagesize: %llu kB", &v) == 1)
			s->default_huge_kb = v;
	}
	fclose(f);
}

/* "pagesize=2M" (K, M, G) in a mount's options, in kB; 0 if absent. */
static uint64_t mount_pagesize_kb(const char *opts)
{
	const char *p = strstr(opts, "pagesize=");
	char *end;
	uint64_t v;

	if (!p)
		return 0;
	v = strtoull(p + 9, &end, 10);
	switch (*end) {
	case 'G': case 'g': return v << 20;
	case 'M': case 'm': return v << 10;
	case 'K': case 'k': return v;
	default: return v >> 10;
	}
}

static void read_mounts(const char *root, struct pf_sys *s)
{
	FILE *f = open_at(root, "/proc/mounts");
	char dev[256], dir[PATH_MAX], type[64], opts[512];

	if (!f)
		return;
	while (fscanf(f, "%255s %4095s %63s %511s %*s %*s", dev, dir, type,
		      opts) == 4) {
		uint64_t kb;

		if (strcmp(type, "hugetlbfs"))
			continue;
		kb = mount_pagesize_kb(opts);
		if (!kb)
			kb = s->default_huge_kb;
		for (unsigned i = 0; i < s->nhuge; i++)
			if (s->huge[i].kb == kb)
				s->huge[i].mounted = true;
	}
	fclose(f);
}

static void read_hugepages(const char *root, struct pf_sys *s)
{
	char full[PATH_MAX], path[PATH_MAX];
	struct dirent *de;
	unsigned long long kb;
	DIR *d;

	snprintf(full, sizeof(full), "%s/sys/kernel/mm/hugepages", root);
	d = opendir(full);
	if (!d)
		return;
	while ((de = readdir(d)) && s->nhuge < PF_MAX_HUGE_SIZES) {
		struct pf_huge *h = &s->huge[s->nhuge];

		if (sscanf(de->d_name, "hugepages-%llukB", &kb) != 1)
			continue;
		h->kb = kb;
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/"
			 "nr_hugepages", de->d_name);
		h->nr = read_u64(root, path);
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/"
			 "free_hugepages", de->d_name);
		h->free = read_u64(root, path);
		s->nhuge++;
	}
	closedir(d);
}

int pf_cpulist_parse(const char *s, pf_cpuset set)
{
	const char *p = s;

	while (*p && *p != '\n') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			return -1;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p || b < a)
				return -1;
		}
		if (b >= PF_MAX_CPUS)
			return -1;
		for (unsigned long c = a; c <= b; c++)
			pf_cpu_set(set, (unsigned)c);
		p = *end == ',' ? end + 1 : end;
		if (*end && *end != ',' && *end != '\n')
			return -1;
	}
	return 0;
}

/*
 * The online CPUs, not this process's affinity: EAL pins each lcore's
 * thread itself, so a parent's taskset (make bench pins its script to
 * CPU 0) does not bind it.  A cgroup cpuset would; EAL then refuses the
 * start with its own message.
 */
static void read_cpus(const char *root, struct pf_sys *s)
{
	FILE *f = open_at(root, "/sys/devices/system/cpu/online");
	char line[4096];

	if (!f || !fgets(line, sizeof(line), f) ||
	    pf_cpulist_parse(line, s->cpus) < 0)
		memset(s->cpus, 0, sizeof(s->cpus));
	if (f)
		fclose(f);
}

static void find_devbind(const char *root, struct pf_sys *s)
{
	static const char *const where[] = {
		"/usr/bin/dpdk-devbind.py", "/usr/sbin/dpdk-devbind.py",
		"/usr/local/bin/dpdk-devbind.py",
		"/usr/share/dpdk/usertools/dpdk-devbind.py", NULL };

	for (int i = 0; where[i]; i++)
		if (exists_at(root, where[i])) {
			snprintf(s->devbind, sizeof(s->devbind), "%s", where[i]);
			return;
		}
}

void pf_sys_read(const char *root, struct pf_sys *s)
{
	FILE *f;
	char c = 0;

	memset(s, 0, sizeof(*s));
	read_meminfo(root, s);
	read_hugepages(root, s);
	read_mounts(root, s);
	read_cpus(root, s);
	s->iommu = dir_has_entries(root, "/sys/kernel/iommu_groups") ||
		   dir_has_entries(root, "/sys/class/iommu");
	s->vfio_pci = exists_at(root, "/sys/module/vfio_pci");
	f = open_at(root, "/sys/module/vfio/parameters/"
		    "enable_unsafe_noiommu_mode");
	if (f) {
		s->vfio_noiommu = fscanf(f, " %c", &c) == 1 &&
				  (c == 'Y' || c == 'y' || c == '1');
		fclose(f);
	}
	find_devbind(root, s);
}

enum pf_pci_state pf_pci_driver(const char *root, const char *addr,
				char *drv, size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;
	const char *base;

	drv[0] = '\0';
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s", root, addr);
	if (access(path, F_OK) < 0)
		return PCI_MISSING;
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices/%s/driver", root,
		 addr);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return PCI_NO_DRIVER;
	link[n] = '\0';
	base = strrchr(link, '/');
	snprintf(drv, len, "%s", base ? base + 1 : link);
	return PCI_BOUND;
}
