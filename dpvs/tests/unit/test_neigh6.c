/*
 * The IPv6 neighbour table on a real EAL (rte_hash, the entry array,
 * the message bus, the aging tick): learning, static entries, expiry,
 * the per-worker queue of packets waiting for a next hop (its NS, its
 * flush, its timeout and its bound), eviction when full, churn of many
 * times the table's size and the learn budget.  The port and the wire
 * are faked (test_nd_fakes.h); NDP itself is test_ndisc's.
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

#include "core/conf.h"
#include "core/lcore.h"
#include "core/msgbus.h"
#include "net/ndisc.h"
#include "net/neigh6.h"
#include "net/pktstats.h"
#include "test_nd_fakes.h"

#define MAX 16                 /* neigh.max_entries6's minimum */
#define QLEN 4

static struct dpvs_conf conf;

static struct in6_addr ip_of(unsigned i)
{
	struct in6_addr a = fake_in6("2001:db8::");

	a.s6_addr[13] = (uint8_t)(i >> 16);
	a.s6_addr[14] = (uint8_t)(i >> 8);
	a.s6_addr[15] = (uint8_t)i;
	return a;
}

static struct rte_ether_addr mac_of(unsigned i)
{
	struct rte_ether_addr m = { { 0x02, 0, 0, (uint8_t)(i >> 16),
				      (uint8_t)(i >> 8), (uint8_t)i } };

	return m;
}

struct found {
	unsigned n;
	struct in6_addr want;
	struct neigh6_info last;
	bool hit;
};

static void find_cb(const struct neigh6_info *ni, void *arg)
{
	struct found *f = arg;

	f->n++;
	if (memcmp(&ni->ip, &f->want, sizeof(f->want)) == 0) {
		f->last = *ni;
		f->hit = true;
	}
}

static bool lookup(unsigned i, struct neigh6_info *out)
{
	struct found f = { .want = ip_of(i) };

	neigh6_walk(find_cb, &f);
	if (out && f.hit)
		*out = f.last;
	return f.hit;
}

static unsigned count(void)
{
	struct found f = { .want = ip_of(0xffffff) };
	uint32_t used, size;

	neigh6_walk(find_cb, &f);
	neigh6_usage(&used, &size);
	assert_int_equal(used, f.n);
	assert_int_equal(size, MAX);
	return f.n;
}

static void learn(unsigned i)
{
	struct in6_addr a = ip_of(i);
	struct rte_ether_addr m = mac_of(i);

	assert_int_equal(neigh6_update(&a, FAKE_PORT, &m, false), 0);
}

static void forget(unsigned i)
{
	struct in6_addr a = ip_of(i);

	neigh6_delete(&a, FAKE_PORT);
}

static void clear(void)
{
	for (unsigned i = 0; i < 4 * MAX; i++)
		forget(i);
	assert_int_equal(count(), 0);
	fake_drain();
}

static uint64_t stat(unsigned idx)
{
	uint64_t v[PKTSTATS_N];

	pktstats_sum(v);
	return v[idx];
}

#define STAT(name) stat(PKTSTATS_IDX_##name)

static void test_learn_and_static(void **state)
{
	struct rte_ether_addr m = mac_of(99);
	struct in6_addr a = ip_of(1);
	struct neigh6_info ni;

	(void)state;
	learn(1);
	assert_true(lookup(1, &ni));
	assert_int_equal(ni.state, NEIGH_REACHABLE);
	assert_int_equal(ni.port, FAKE_PORT);
	assert_memory_equal(ni.mac.addr_bytes, mac_of(1).addr_bytes, 6);
	assert_int_equal(neigh6_update(&a, FAKE_PORT, &m, true), 0);
	learn(1);     /* what NDP says later leaves a static entry alone */
	assert_true(lookup(1, &ni));
	assert_int_equal(ni.state, NEIGH_PERMANENT);
	assert_memory_equal(ni.mac.addr_bytes, m.addr_bytes, 6);
	/* The key is (address, port): a link-local hop per port. */
	assert_int_equal(neigh6_update(&a, 1, &m, false), 0);
	assert_int_equal(count(), 2);
	assert_int_equal(neigh6_delete(&a, 1), 0);
	assert_int_equal(neigh6_delete(&a, FAKE_PORT), 0);
	assert_int_equal(neigh6_delete(&a, FAKE_PORT), -ENOENT);
	assert_int_equal(count(), 0);
}

/* neigh.reachable_s = 1: STALE after a second, gone after three unused. */
static void test_expiry_of_unused(void **state)
{
	struct rte_ether_addr m = mac_of(7);
	struct in6_addr a = ip_of(4);
	struct neigh6_info ni;

	(void)state;
	learn(2);
	learn(3);
	assert_int_equal(neigh6_update(&a, FAKE_PORT, &m, true), 0);
	usleep(1300 * 1000);
	neigh6_expire(NULL);
	assert_true(lookup(2, &ni));
	assert_int_equal(ni.state, NEIGH_STALE);
	learn(3);
	neigh6_expire(NULL);
	assert_true(lookup(3, &ni));
	assert_int_equal(ni.state, NEIGH_REACHABLE);
	usleep(2000 * 1000);
	neigh6_expire(NULL);
	assert_false(lookup(2, NULL));
	assert_true(lookup(3, &ni));
	assert_int_equal(ni.state, NEIGH_STALE);
	assert_true(lookup(4, &ni));
	assert_int_equal(ni.state, NEIGH_PERMANENT);
	clear();
}

static struct rte_mbuf *packet(uint8_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(fake_pool());
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, 40);
	assert_non_null(p);
	memset(p, tag, rte_pktmbuf_data_len(m));
	p[0] = 0x60;
	return m;
}

static unsigned ns_sent(void)
{
	unsigned n = 0;

	while (fake_count(FAKE_TX)) {
		struct rte_mbuf *m = fake_take(FAKE_TX);

		if (rte_pktmbuf_mtod(m, const uint8_t *)[54] == 135)
			n++;
		rte_pktmbuf_free(m);
	}
	return n;
}

/* Held until the NA, one NS for them all, then sent behind an Ethernet header. */
static void test_queue_then_flush(void **state)
{
	struct in6_addr nh = ip_of(5);
	struct rte_ether_addr mac = mac_of(5);
	static const uint8_t hdr[14] = { 0x02, 0, 0, 0, 0, 5, 0x02, 0, 0, 0, 0, 1,
					 0x86, 0xdd };
	uint64_t queued = STAT(neigh6_queued), sent = STAT(nd_ns_sent);

	(void)state;
	for (uint8_t i = 0; i < 3; i++)
		neigh6_output(0, packet(i), &nh, FAKE_PORT);
	assert_int_equal(STAT(neigh6_queued), queued + 3);
	assert_int_equal(STAT(nd_ns_sent), sent + 1);
	assert_int_equal(ns_sent(), 1);
	neigh6_pending_job(NULL);
	assert_int_equal(fake_count(FAKE_TX), 0);
	assert_int_equal(neigh6_update(&nh, FAKE_PORT, &mac, false), 0);
	assert_int_equal(neigh6_pending_job(NULL), 3);
	for (uint8_t i = 0; i < 3; i++) {
		struct rte_mbuf *m = fake_take(FAKE_TX);
		const uint8_t *p;

		assert_non_null(m);
		p = rte_pktmbuf_mtod(m, const uint8_t *);
		assert_int_equal(rte_pktmbuf_pkt_len(m), 54);
		assert_memory_equal(p, hdr, sizeof(hdr));
		assert_int_equal(p[15], i);    /* in order */
		rte_pktmbuf_free(m);
	}
	/* Resolved: straight out. */
	neigh6_output(0, packet(9), &nh, FAKE_PORT);
	assert_int_equal(fake_count(FAKE_TX), 1);
	clear();
}

static void test_queue_bound_and_timeout(void **state)
{
	struct in6_addr nh = ip_of(6);
	uint64_t full = STAT(neigh6_full), timeout = STAT(neigh6_timeout);

	(void)state;
	for (uint8_t i = 0; i < QLEN + 2; i++)
		neigh6_output(0, packet(i), &nh, FAKE_PORT);
	assert_int_equal(STAT(neigh6_full), full + 2);
	/* neigh.resolve_ms = 100: the held ones go, counted. */
	usleep(250 * 1000);
	neigh6_pending_job(NULL);
	assert_int_equal(STAT(neigh6_timeout), timeout + QLEN);
	assert_int_equal(neigh6_pending_job(NULL), 0);
	/* A next hop that never answers costs pool nothing afterwards. */
	fake_drain();
	assert_true(rte_mempool_avail_count(fake_pool()) > 2000);
}

static void test_full_table_evicts_unused(void **state)
{
	uint64_t evicted = stat(PKTSTATS_IDX_neigh_evicted);

	(void)state;
	neigh6_expire(NULL);
	for (unsigned i = 0; i < MAX; i++)
		learn(i);
	assert_int_equal(count(), MAX);
	learn(MAX);
	assert_true(lookup(MAX, NULL));
	assert_true(count() <= MAX);
	assert_true(stat(PKTSTATS_IDX_neigh_evicted) > evicted);
	clear();
}

static void test_full_of_static_refuses(void **state)
{
	struct rte_ether_addr m = mac_of(1);
	struct in6_addr a;

	(void)state;
	neigh6_expire(NULL);
	for (unsigned i = 0; i < MAX; i++) {
		a = ip_of(i);
		m = mac_of(i);
		assert_int_equal(neigh6_update(&a, FAKE_PORT, &m, true), 0);
	}
	a = ip_of(MAX);
	assert_int_equal(neigh6_update(&a, FAKE_PORT, &m, true), -ENOSPC);
	forget(3);
	neigh6_expire(NULL);
	assert_int_equal(neigh6_update(&a, FAKE_PORT, &m, true), 0);
	clear();
}

/*
 * Ten times the table of new neighbours through eviction, then a hundred
 * times through add and delete: every slot comes back.
 */
static void test_churn(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 10 * MAX; i++) {
		learn(1000 + i);
		if (i % MAX == MAX - 1)
			neigh6_expire(NULL);
	}
	assert_true(count() <= MAX);
	assert_true(lookup(1000 + 10 * MAX - 1, NULL));
	for (unsigned i = 0; i < 10 * MAX; i++)
		forget(1000 + i);
	assert_int_equal(count(), 0);
	for (unsigned round = 0; round < 100; round++) {
		for (unsigned i = 0; i < MAX; i++)
			learn(round + i);
		assert_int_equal(count(), MAX);
		for (unsigned i = 0; i < MAX; i++)
			forget(round + i);
		neigh6_expire(NULL);
	}
	assert_int_equal(count(), 0);
}

/* neigh.learn_rate 10 a second: one piece of news a tenth, the rest counted. */
static void test_learn_budget(void **state)
{
	uint64_t limited = STAT(nd_learn_limited);
	unsigned news = 0;

	(void)state;
	usleep(120 * 1000);
	for (unsigned i = 0; i < 8; i++) {
		struct in6_addr a = ip_of(20 + i);
		struct rte_ether_addr m = mac_of(20 + i);

		if (neigh6_confirm(0, &a, FAKE_PORT, &m, true, true, false) ==
		    NEIGH_HEARD_NEWS)
			news++;
	}
	msgbus_process();
	assert_int_equal(news, 1);
	assert_int_equal(STAT(nd_learn_limited), limited + 7);
	assert_int_equal(count(), 1);
	usleep(120 * 1000);
	{
		struct in6_addr a = ip_of(40);
		struct rte_ether_addr m = mac_of(40);

		assert_int_equal(neigh6_confirm(0, &a, FAKE_PORT, &m, true, true, false),
				 NEIGH_HEARD_NEWS);
	}
	msgbus_process();
	assert_true(lookup(40, NULL));
	clear();
}

/* A reload (net6_apply -> ndisc_set_params) puts a new budget into effect. */
static void test_reload_takes_the_new_budget(void **state)
{
	unsigned news = 0;

	(void)state;
	conf.neigh_learn_rate = 1000;      /* 100 a tenth of a second */
	ndisc_set_params(&conf);
	usleep(120 * 1000);
	for (unsigned i = 0; i < 8; i++) {
		struct in6_addr a = ip_of(50 + i);
		struct rte_ether_addr m = mac_of(50 + i);

		if (neigh6_confirm(0, &a, FAKE_PORT, &m, true, true, false) ==
		    NEIGH_HEARD_NEWS)
			news++;
	}
	msgbus_process();
	conf.neigh_learn_rate = 10;
	ndisc_set_params(&conf);
	assert_int_equal(news, 8);
	assert_int_equal(count(), 8);
	clear();
}

static int setup(void **state)
{
	struct msgbus_params p = { .ring_size = 64, .pool_size = 256,
				   .timeout_ms = 1000 };

	(void)state;
	conf_defaults(&conf);
	conf.nworkers = 0;
	conf.neigh6_max = MAX;
	conf.neigh_reachable_s = 1;
	conf.neigh_queue_len = QLEN;
	conf.neigh_resolve_ms = 100;
	conf.neigh_learn_rate = 10;
	conf.ip6_max_addrs = 16;
	if (fake_init() < 0 || lcore_roles_init(&conf) < 0 || msgbus_init(&p) < 0 ||
	    neigh6_init(&conf) < 0 || ndisc_init(&conf) < 0)
		return -1;
	fake_addr("2001:db8::1", 64, 0);   /* the NS's source */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ndisc_fini();
	neigh6_fini();
	msgbus_fini();
	fake_fini();
	return 0;
}

int main(void)
{
	char prefix[64], path[96];
	char *eal[] = { "test_neigh6", "--no-huge", "-m", "256", "--no-pci",
			"--lcores", "0@0", "--file-prefix", prefix,
			"--no-shconf", "--no-telemetry", "--log-level", "warning",
			NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_and_static),
		cmocka_unit_test(test_expiry_of_unused),
		cmocka_unit_test(test_queue_then_flush),
		cmocka_unit_test(test_queue_bound_and_timeout),
		cmocka_unit_test(test_full_table_evicts_unused),
		cmocka_unit_test(test_full_of_static_refuses),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_learn_budget),
		cmocka_unit_test(test_reload_takes_the_new_budget),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_neigh6_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("neigh6", tests, setup, teardown);
	rte_eal_cleanup();
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	rmdir(path);
	return rc;
}
