/*
 * The neighbour table, master side, on a real EAL (rte_hash, the entry
 * array, the real aging tick): learning, static entries, confirmation,
 * expiry of what nobody uses, eviction when full, and churn of many
 * times the table's size.  Sending (ARP probes, the resolution queues)
 * is the workers' and is covered by ha-tests/netstack/test_neigh.py.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ip.h>

#include "core/conf.h"
#include "core/lcore.h"
#include "core/msgbus.h"
#include "net/neigh.h"
#include "net/pktstats.h"

/* RTE_IPV4 shifts a signed int: UB from 128.x on. */
#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			  ((uint32_t)(c) << 8) | (uint32_t)(d))

#define MAX 16                 /* neigh.max_entries' minimum */
#define IP(i) (IP4(10, 0, 1, 0) + (uint32_t)(i))

static struct dpvs_conf conf;

static struct rte_ether_addr mac_of(unsigned i)
{
	struct rte_ether_addr m = { { 0x02, 0, 0, 0, (uint8_t)(i >> 8),
				      (uint8_t)i } };

	return m;
}

struct found {
	unsigned n;
	struct neigh_info last;
	uint32_t want;
	bool hit;
};

static void find_cb(const struct neigh_info *ni, void *arg)
{
	struct found *f = arg;

	f->n++;
	if (ni->ip == f->want) {
		f->last = *ni;
		f->hit = true;
	}
}

/* The entry for ip (false if none); *n: how many entries in all. */
static bool lookup(uint32_t ip, struct neigh_info *out, unsigned *n)
{
	struct found f = { .want = ip };

	neigh_walk(find_cb, &f);
	if (out && f.hit)
		*out = f.last;
	if (n)
		*n = f.n;
	return f.hit;
}

static unsigned count(void)
{
	unsigned n;

	lookup(0, NULL, &n);
	return n;
}

static void learn(unsigned i)
{
	struct rte_ether_addr m = mac_of(i);

	assert_int_equal(neigh_update(IP(i), 0, &m, false), 0);
}

static void clear(void)
{
	for (unsigned i = 0; i < 4 * MAX; i++)
		neigh_delete(IP(i), 0);
	assert_int_equal(count(), 0);
}

static void test_learn_and_static(void **state)
{
	struct rte_ether_addr m = mac_of(99);
	struct neigh_info ni;

	(void)state;
	learn(1);
	assert_true(lookup(IP(1), &ni, NULL));
	assert_int_equal(ni.state, NEIGH_REACHABLE);
	assert_int_equal(ni.port, 0);
	assert_memory_equal(ni.mac.addr_bytes, mac_of(1).addr_bytes, 6);
	assert_int_equal(ni.age_s, 0);
	/* A static entry replaces the learnt MAC ... */
	assert_int_equal(neigh_update(IP(1), 0, &m, true), 0);
	assert_true(lookup(IP(1), &ni, NULL));
	assert_int_equal(ni.state, NEIGH_PERMANENT);
	assert_memory_equal(ni.mac.addr_bytes, m.addr_bytes, 6);
	/* ... and what ARP says later does not change it. */
	learn(1);
	assert_true(lookup(IP(1), &ni, NULL));
	assert_int_equal(ni.state, NEIGH_PERMANENT);
	assert_memory_equal(ni.mac.addr_bytes, m.addr_bytes, 6);
	/* The same address on another port is another neighbour. */
	assert_int_equal(neigh_update(IP(1), 1, &m, false), 0);
	assert_int_equal(count(), 2);
	assert_int_equal(neigh_delete(IP(1), 1), 0);
	assert_int_equal(neigh_delete(IP(1), 0), 0);
	assert_int_equal(neigh_delete(IP(1), 0), -ENOENT);
	assert_false(lookup(IP(1), NULL, NULL));
}

/* neigh.reachable_s = 1: STALE after a second, gone after three unused. */
static void test_expiry_of_unused(void **state)
{
	struct rte_ether_addr m = mac_of(7);
	struct neigh_info ni;

	(void)state;
	learn(2);
	learn(3);
	assert_int_equal(neigh_update(IP(4), 0, &m, true), 0);
	neigh_expire(NULL);
	assert_true(lookup(IP(2), &ni, NULL));
	assert_int_equal(ni.state, NEIGH_REACHABLE);
	usleep(1300 * 1000);
	neigh_expire(NULL);
	assert_true(lookup(IP(2), &ni, NULL));
	assert_int_equal(ni.state, NEIGH_STALE);
	assert_true(ni.age_s >= 1);
	/* An ARP for us confirms it again. */
	learn(3);
	neigh_expire(NULL);
	assert_true(lookup(IP(3), &ni, NULL));
	assert_int_equal(ni.state, NEIGH_REACHABLE);
	usleep(2000 * 1000);
	neigh_expire(NULL);
	assert_false(lookup(IP(2), NULL, NULL));     /* 3.3 s unused: gone */
	assert_true(lookup(IP(3), &ni, NULL));       /* 2 s: stale */
	assert_int_equal(ni.state, NEIGH_STALE);
	assert_true(lookup(IP(4), &ni, NULL));       /* static: forever */
	assert_int_equal(ni.state, NEIGH_PERMANENT);
	clear();
}

static uint64_t stat_sum(unsigned idx)
{
	uint64_t v[PKTSTATS_N];

	pktstats_sum(v);
	return v[idx];
}

static void test_full_table_evicts_unused(void **state)
{
	uint64_t evicted = stat_sum(PKTSTATS_IDX_neigh_evicted);

	(void)state;
	neigh_expire(NULL);   /* a fresh tick for the eviction pass */
	for (unsigned i = 0; i < MAX; i++)
		learn(i);
	assert_int_equal(count(), MAX);
	/* Nobody sends to them: the newcomer takes an idle one's place. */
	learn(MAX);
	assert_true(lookup(IP(MAX), NULL, NULL));
	assert_true(count() <= MAX);
	assert_true(stat_sum(PKTSTATS_IDX_neigh_evicted) > evicted);
	clear();
}

static void test_full_of_static_refuses(void **state)
{
	uint64_t full = stat_sum(PKTSTATS_IDX_neigh_table_full);
	struct rte_ether_addr m = mac_of(1);

	(void)state;
	neigh_expire(NULL);
	for (unsigned i = 0; i < MAX; i++) {
		m = mac_of(i);
		assert_int_equal(neigh_update(IP(i), 0, &m, true), 0);
	}
	assert_int_equal(neigh_update(IP(MAX), 0, &m, true), -ENOSPC);
	assert_int_equal(neigh_update(IP(MAX), 0, &m, false), -ENOSPC);
	assert_int_equal(stat_sum(PKTSTATS_IDX_neigh_table_full), full + 2);
	assert_int_equal(count(), MAX);
	/* One deleted: its slot is usable again. */
	assert_int_equal(neigh_delete(IP(3), 0), 0);
	neigh_expire(NULL);
	assert_int_equal(neigh_update(IP(MAX), 0, &m, true), 0);
	clear();
}

/* 100 times the table through add and delete: every slot comes back. */
static void test_churn(void **state)
{
	(void)state;
	for (unsigned round = 0; round < 100; round++) {
		for (unsigned i = 0; i < MAX; i++)
			learn(round + i);
		assert_int_equal(count(), MAX);
		for (unsigned i = 0; i < MAX; i++)
			assert_int_equal(neigh_delete(IP(round + i), 0), 0);
		assert_int_equal(count(), 0);
		neigh_expire(NULL);   /* the master's tick reclaims slots */
	}
	for (unsigned i = 0; i < MAX; i++) {
		struct rte_ether_addr m = mac_of(i);

		assert_int_equal(neigh_update(IP(i), 0, &m, true), 0);
	}
	clear();
}

static int setup(void **state)
{
	struct msgbus_params p = { .ring_size = 64, .pool_size = 256,
				   .timeout_ms = 1000 };

	(void)state;
	conf_defaults(&conf);
	conf.nworkers = 0;
	conf.neigh_max = MAX;
	conf.neigh_reachable_s = 1;
	if (lcore_roles_init(&conf) < 0 || msgbus_init(&p) < 0)
		return -1;
	return neigh_init(&conf);
}

static int teardown(void **state)
{
	(void)state;
	neigh_fini();
	msgbus_fini();
	return 0;
}

int main(void)
{
	char prefix[64], path[96];
	char *eal[] = { "test_neigh", "--no-huge", "-m", "256", "--no-pci",
			"--lcores", "0@0", "--file-prefix", prefix,
			"--no-shconf", "--no-telemetry", "--log-level", "warning",
			NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_and_static),
		cmocka_unit_test(test_expiry_of_unused),
		cmocka_unit_test(test_full_table_evicts_unused),
		cmocka_unit_test(test_full_of_static_refuses),
		cmocka_unit_test(test_churn),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_neigh_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("neigh", tests, setup, teardown);
	rte_eal_cleanup();
	/* EAL makes its runtime folder even without a shared config. */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	rmdir(path);
	return rc;
}
