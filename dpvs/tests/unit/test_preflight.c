/*
 * The start-up checks against fake /proc and /sys trees in a temporary
 * folder: each check's failing side (the message names the numbers and
 * the fix) and its passing side.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/preflight.h"

#define MB (1ull << 20)

static char root[256];

static void mkdirs(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s%s", root, rel);
	for (char *s = p + strlen(root) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	snprintf(p, sizeof(p), "%s%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void bind_to(const char *addr, const char *drv)
{
	char dev[256], link[PATH_MAX + 256];

	snprintf(dev, sizeof(dev), "/sys/bus/pci/devices/%s", addr);
	mkdirs(dev);
	if (!drv)
		return;
	snprintf(link, sizeof(link), "%s%s/driver", root, dev);
	unlink(link);
	snprintf(dev, sizeof(dev), "../../../bus/pci/drivers/%s", drv);
	assert_int_equal(symlink(dev, link), 0);
}

/* A host with 2 CPUs, 8 GB available, 2 MB pages: none reserved. */
static int setup(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(root, sizeof(root), "/tmp/test_preflight.%d", getpid());
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	mkdir(root, 0755);
	put("/proc/meminfo", "MemTotal: 16000000 kB\nMemAvailable: 8388608 kB\n"
	    "Hugepagesize:       2048 kB\n");
	put("/proc/mounts", "proc /proc proc rw 0 0\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
	put("/sys/devices/system/cpu/online", "0-1\n");
	mkdirs("/sys/kernel/iommu_groups");
	mkdirs("/sys/class/iommu");
	put("/usr/bin/dpdk-devbind.py", "#!/usr/bin/python3\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd);
}

/* One master (lcore 0) and n workers on lcores 1..n. */
static void conf_workers(struct dpvs_conf *c, unsigned n)
{
	memset(c, 0, sizeof(*c));
	c->master_lcore = 0;
	c->nworkers = n;
	for (unsigned i = 0; i < n; i++)
		c->workers[i].lcore = i + 1;
	c->conn_pool_size = 131072;
}

struct run {
	struct dpvs_conf conf;
	struct pf_eal eal;
	struct pf_sys sys;
	struct pf_report rep;
	struct pf_input in;
};

static struct run *run_checks(struct run *r, int argc, char **argv,
			      uint64_t conns_mb, uint64_t other_mb)
{
	char err[128];

	memset(&r->rep, 0, sizeof(r->rep));
	assert_int_equal(pf_eal_parse(&r->eal, argc, argv, err, sizeof(err)), 0);
	pf_eal_add_conf_devices(&r->eal, &r->conf);
	pf_sys_read(root, &r->sys);
	r->in = (struct pf_input){ .conf = &r->conf, .eal = &r->eal,
		.sys = &r->sys, .root = root,
		.need = { conns_mb * MB, other_mb * MB } };
	preflight_run(&r->in, &r->rep);
	pf_eal_free(&r->eal);
	return r;
}

static void has(const struct run *r, const char *text)
{
	if (!strstr(r->rep.buf, text))
		fail_msg("\"%s\" not in:\n%s", text, r->rep.buf);
}

/* ---- hugepages ---- */

static void test_no_hugepages_reserved(void **state)
{
	struct run r;
	char *argv[] = { "-m", "256" };

	(void)state;
	conf_workers(&r.conf, 1);
	run_checks(&r, 2, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 2);
	has(&r, "needs 256 MB (-m 256), 128 pages of 2048 kB; 0 are reserved, "
	    "0 free: echo 128 > /sys/kernel/mm/hugepages/hugepages-2048kB/"
	    "nr_hugepages");
	has(&r, "no hugetlbfs is mounted, the EAL cannot use any: mount -t "
	    "hugetlbfs none /dev/hugepages");
}

static void test_hugepages_partly_used(void **state)
{
	struct run r;
	char *argv[] = { "--socket-mem=128,128" };

	(void)state;
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "100\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "40\n");
	put("/proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,"
	    "pagesize=2M 0 0\n");
	conf_workers(&r.conf, 1);
	run_checks(&r, 1, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 1);
	/* 128 pages needed free, 40 are: 60 in use + 128. */
	has(&r, "needs 256 MB (--socket-mem 128,128), 128 pages of 2048 kB; "
	    "100 are reserved, 40 free: echo 188 > ");
}

static void test_hugepages_enough_and_mounted(void **state)
{
	struct run r;
	char *argv[] = { "-m", "256" };

	(void)state;
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "128\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "128\n");
	put("/proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw 0 0\n");
	conf_workers(&r.conf, 1);
	run_checks(&r, 2, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
	assert_int_equal(r.rep.nwarn, 0);
	/* Without -m the estimate decides: 300 MB do not fit in 256. */
	run_checks(&r, 0, NULL, 200, 100);
	assert_int_equal(r.rep.nerr, 1);
	has(&r, "needs 300 MB (estimated for the pools), 150 pages");
}

static void test_unmounted_size_is_a_warning(void **state)
{
	struct run r;
	char *argv[] = { "-m", "256" };

	(void)state;
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "128\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "128\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "2\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "2\n");
	put("/proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw 0 0\n");
	conf_workers(&r.conf, 1);
	run_checks(&r, 2, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
	assert_int_equal(r.rep.nwarn, 1);
	has(&r, "warning: hugepages: 2 pages of 1048576 kB are reserved but no "
	    "hugetlbfs of that size is mounted");
}

static void test_enough_only_in_an_unmounted_size(void **state)
{
	struct run r;
	char *argv[] = { "-m", "1024" };

	(void)state;
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "128\n");
	put("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "128\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "2\n");
	put("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "2\n");
	put("/proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw 0 0\n");
	conf_workers(&r.conf, 1);
	run_checks(&r, 2, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 1);
	has(&r, "error: hugepages: the configuration needs 1024 MB (-m 1024); "
	    "enough are free, but not in a size with a hugetlbfs mounted");
	has(&r, "mount -t hugetlbfs -o pagesize=1048576K none "
	    "/dev/hugepages-1048576kB");
}

static void test_no_huge_skips_hugepages(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "-m", "256" };

	(void)state;
	conf_workers(&r.conf, 1);
	run_checks(&r, 3, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
}

/* ---- memory ---- */

static void test_pools_do_not_fit_in_m(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "-m", "256" };

	(void)state;
	conf_workers(&r.conf, 1);
	r.conf.conn_pool_size = 4194304;
	run_checks(&r, 3, argv, 2000, 100);
	assert_int_equal(r.rep.nerr, 1);
	/* (224 - 100) / 2000 of the pool, in 1024s. */
	has(&r, "memory: the pools need about 2100 MB (2000 MB for "
	    "ipvs.conn_pool_size 4194304), -m 256 gives 256 MB: lower "
	    "ipvs.conn_pool_size to about 259072, or give -m 2625");
}

static void test_no_huge_default_is_64_mb(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge" };

	(void)state;
	conf_workers(&r.conf, 1);
	run_checks(&r, 1, argv, 10, 100);
	assert_int_equal(r.rep.nerr, 1);
	has(&r, "--no-huge without -m gives 64 MB: give -m 138");
	run_checks(&r, 1, argv, 10, 40);
	assert_int_equal(r.rep.nerr, 0);
}

static void test_m_beyond_available_memory(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "-m", "16384" };

	(void)state;
	conf_workers(&r.conf, 1);
	run_checks(&r, 3, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 1);
	has(&r, "memory: -m 16384 asks for 16384 MB of ordinary memory, but "
	    "only 8192 MB are available (MemAvailable in /proc/meminfo)");
}

/* ---- PCI devices, vfio, IOMMU ---- */

static void test_device_on_a_kernel_driver(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "-a", "0000:00:03.0" };

	(void)state;
	bind_to("0000:00:03.0", "virtio-pci");
	conf_workers(&r.conf, 1);
	run_checks(&r, 3, argv, 10, 10);
	has(&r, "error: PCI device 0000:00:03.0 (-a) is bound to the kernel's "
	    "virtio-pci, not to a DPDK driver: /usr/bin/dpdk-devbind.py "
	    "--bind=vfio-pci 0000:00:03.0");
	/* And vfio-pci, which that line binds it to, is missing. */
	has(&r, "vfio: the vfio-pci module is not loaded: modprobe vfio-pci");
	has(&r, "vfio: no IOMMU (/sys/kernel/iommu_groups is empty): add "
	    "intel_iommu=on iommu=pt");
	assert_int_equal(r.rep.nerr, 3);
}

static void test_device_missing_or_unbound(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "--allow=0000:07:00.0,txq_inline=0" };

	(void)state;
	bind_to("0000:00:04.0", NULL);
	conf_workers(&r.conf, 1);
	r.conf.ndevices = 1;
	snprintf(r.conf.devices[0].name, CONF_NAME_LEN, "dpdk0");
	snprintf(r.conf.devices[0].devargs, CONF_DEVARGS_LEN, "00:04.0");
	run_checks(&r, 2, argv, 10, 10);
	has(&r, "PCI device 0000:07:00.0 (--allow) does not exist on this "
	    "machine");
	has(&r, "PCI device 0000:00:04.0 (netif.devices dpdk0) is bound to no "
	    "driver: /usr/bin/dpdk-devbind.py --bind=vfio-pci 0000:00:04.0");
}

static void test_device_on_vfio_with_iommu(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "-a", "0000:00:03.0" };

	(void)state;
	bind_to("0000:00:03.0", "vfio-pci");
	mkdirs("/sys/module/vfio_pci");
	mkdirs("/sys/kernel/iommu_groups/7");
	conf_workers(&r.conf, 1);
	run_checks(&r, 3, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
	assert_int_equal(r.rep.nwarn, 0);
	/* uio drivers need no IOMMU. */
	bind_to("0000:00:03.0", "igb_uio");
	rmdir(strcat(strcpy((char[PATH_MAX]){ 0 }, root),
		     "/sys/kernel/iommu_groups/7"));
	run_checks(&r, 3, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
}

static void test_vfio_noiommu_is_a_warning(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "-w", "0000:00:03.0" };

	(void)state;
	bind_to("0000:00:03.0", "vfio-pci");
	mkdirs("/sys/module/vfio_pci");
	put("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
	conf_workers(&r.conf, 1);
	run_checks(&r, 3, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
	assert_int_equal(r.rep.nwarn, 1);
	has(&r, "vfio: no IOMMU, vfio runs in no-IOMMU mode");
}

static void test_no_pci_hides_a_configured_device(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "--no-pci" };

	(void)state;
	bind_to("0000:00:03.0", "igb_uio");
	conf_workers(&r.conf, 1);
	r.conf.ndevices = 1;
	snprintf(r.conf.devices[0].name, CONF_NAME_LEN, "dpdk0");
	snprintf(r.conf.devices[0].devargs, CONF_DEVARGS_LEN, "0000:00:03.0");
	run_checks(&r, 2, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 1);
	has(&r, "--no-pci in the EAL arguments hides it");
	/* A vdev is no PCI device. */
	snprintf(r.conf.devices[0].devargs, CONF_DEVARGS_LEN, "net_null0");
	run_checks(&r, 2, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
}

/* ---- lcores ---- */

static void test_more_lcores_than_cpus(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge" };

	(void)state;
	conf_workers(&r.conf, 4);
	run_checks(&r, 1, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 1);
	has(&r, "lcores: 2, 3, 4 run on CPUs this process may not run on (it "
	    "has CPU 0, 1; unless --lcores maps them, lcore n runs on CPU n)");
	/* Mapped onto the two CPUs: fine. */
	char *mapped[] = { "--no-huge", "--lcores", "0@0,(1-4)@1" };
	run_checks(&r, 3, mapped, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
	char *bad[] = { "--no-huge", "--lcores=0@0,(1-4)@(1,5)" };
	run_checks(&r, 2, bad, 10, 10);
	has(&r, "lcores: 1, 2, 3, 4 run on CPUs this process may not run on");
}

static void test_workers_outside_the_eal_list(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "-l", "0-1" };

	(void)state;
	conf_workers(&r.conf, 2);
	run_checks(&r, 3, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 1);
	has(&r, "lcores: 2 (workers.master_lcore or workers.lcores) not in the "
	    "EAL's -l 0-1");
	char *mask[] = { "--no-huge", "-c", "0x3" };
	conf_workers(&r.conf, 1);
	run_checks(&r, 3, mask, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
}

static void test_unreadable_lcores_are_left_to_the_eal(void **state)
{
	struct run r;
	char *argv[] = { "--no-huge", "--lcores", "0@0,(1-4@1" };

	(void)state;
	conf_workers(&r.conf, 4);
	run_checks(&r, 3, argv, 10, 10);
	assert_int_equal(r.rep.nerr, 0);
	assert_int_equal(r.rep.nwarn, 1);
	has(&r, "EAL option --lcores \"0@0,(1-4@1\": not understood");
}

/* ---- parsing ---- */

static void test_pci_addresses(void **state)
{
	char out[PF_PCI_LEN];

	(void)state;
	assert_int_equal(pf_pci_addr("0000:3b:00.1", out, sizeof(out)), 0);
	assert_string_equal(out, "0000:3b:00.1");
	assert_int_equal(pf_pci_addr("3B:00.1,txq=2", out, sizeof(out)), 0);
	assert_string_equal(out, "0000:3b:00.1");
	assert_int_equal(pf_pci_addr("net_null0", out, sizeof(out)), -1);
	assert_int_equal(pf_pci_addr("00:00.9", out, sizeof(out)), -1);
	assert_int_equal(pf_pci_addr("0000:00:00.1x", out, sizeof(out)), -1);
}

static void test_cpu_lists(void **state)
{
	pf_cpuset s = { 0 };

	(void)state;
	assert_int_equal(pf_cpulist_parse("0-2,8,70\n", s), 0);
	assert_true(pf_cpu_isset(s, 2) && pf_cpu_isset(s, 8) &&
		    pf_cpu_isset(s, 70));
	assert_false(pf_cpu_isset(s, 3));
	assert_int_equal(pf_cpulist_parse("3-1", s), -1);
	assert_int_equal(pf_cpulist_parse("a", s), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_no_hugepages_reserved),
		T(test_hugepages_partly_used),
		T(test_hugepages_enough_and_mounted),
		T(test_unmounted_size_is_a_warning),
		T(test_enough_only_in_an_unmounted_size),
		T(test_no_huge_skips_hugepages),
		T(test_pools_do_not_fit_in_m),
		T(test_no_huge_default_is_64_mb),
		T(test_m_beyond_available_memory),
		T(test_device_on_a_kernel_driver),
		T(test_device_missing_or_unbound),
		T(test_device_on_vfio_with_iommu),
		T(test_vfio_noiommu_is_a_warning),
		T(test_no_pci_hides_a_configured_device),
		T(test_more_lcores_than_cpus),
		T(test_workers_outside_the_eal_list),
		T(test_unreadable_lcores_are_left_to_the_eal),
		T(test_pci_addresses),
		T(test_cpu_lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
