/*
 * Connection-table tests on a real EAL (rte_hash and mempools need it):
 * both directions hash, the TCP state machine moves dest counters, the
 * timer wheel expires, FullNAT ports belong to their worker, and a full
 * pool refuses instead of breaking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ipvs.h"
#include "ipvs_conn.h"
#include "lcore.h"

#define NW 2
#define POOL 1024

static struct ipvs_dest *dest;

static int setup(void **state)
{
	static struct dpvs_conf conf;

	(void)state;
	conf_defaults(&conf);
	conf.nworkers = NW;
	conf.workers[0].lcore = 1;
	conf.workers[1].lcore = 2;
	conf.conn_pool_size = POOL;
	if (lcore_roles_init(&conf) < 0 || ipvs_conn_init(&conf) < 0)
		return -1;
	dest = rte_zmalloc("dest", sizeof(*dest), 0);
	dest->stats = rte_zmalloc("st", sizeof(*dest->stats) * NW, 0);
	dest->refcnt = 1;
	return dest && dest->stats ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ipvs_conn_flush_all();
	ipvs_conn_fini();
	return 0;
}

static struct ipvs_conn tmpl_of(uint8_t fwd, uint16_t cport)
{
	struct ipvs_conn c = {
		.caddr = 0x0a000002, .cport = cport,
		.vaddr = 0x0a000064, .vport = 80,
		.daddr = 0x0a00010b, .dport = 8080,
		.laddr = 0x0a000164, .lport = (uint16_t)(2000 + cport),
		.proto = IPPROTO_TCP, .fwd = fwd, .state = CS_NONE, .dest = dest,
	};

	return c;
}

static struct conn_tuple tup(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp)
{
	struct conn_tuple t = { s, d, sp, dp, IPPROTO_TCP };

	return t;
}

static void test_both_directions_hash(void **state)
{
	struct ipvs_conn t = tmpl_of(DPVS_FWD_FNAT, 1000), *c;
	struct conn_tuple in = tup(t.caddr, t.cport, t.vaddr, t.vport);
	struct conn_tuple out = tup(t.daddr, t.dport, t.laddr, t.lport);
	enum conn_dir dir;

	(void)state;
	c = ipvs_conn_new(0, &t);
	assert_non_null(c);
	assert_ptr_equal(ipvs_conn_lookup(0, &in, &dir), c);
	assert_int_equal(dir, DIR_IN);
	assert_ptr_equal(ipvs_conn_lookup(0, &out, &dir), c);
	assert_int_equal(dir, DIR_OUT);
	/* Another worker's table does not have it: no sharing. */
	assert_null(ipvs_conn_lookup(1, &in, &dir));
	assert_int_equal(dest->refcnt, 2);
}

static void test_dr_has_no_reply_key(void **state)
{
	struct ipvs_conn t = tmpl_of(DPVS_FWD_DR, 1001);
	struct conn_tuple out = tup(t.daddr, t.dport, t.caddr, t.cport);
	enum conn_dir dir;

	(void)state;
	assert_non_null(ipvs_conn_new(0, &t));
	assert_null(ipvs_conn_lookup(0, &out, &dir));
}

static void test_tcp_states_move_counters(void **state)
{
	struct ipvs_conn t = tmpl_of(DPVS_FWD_NAT, 1002), *c;
	uint32_t act0 = dest->cnt.active, inact0 = dest->cnt.inactive;

	(void)state;
	c = ipvs_conn_new(1, &t);
	assert_non_null(c);
	assert_int_equal(dest->cnt.inactive, inact0 + 1);
	ipvs_conn_update(c, DIR_IN, 0x02, false);        /* SYN */
	assert_int_equal(c->state, CS_SYN_RECV);
	ipvs_conn_update(c, DIR_OUT, 0x12, false);       /* SYN+ACK */
	ipvs_conn_update(c, DIR_IN, 0x10, false);        /* ACK */
	assert_int_equal(c->state, CS_ESTABLISHED);
	assert_int_equal(dest->cnt.active, act0 + 1);
	assert_int_equal(dest->cnt.inactive, inact0);
	ipvs_conn_update(c, DIR_IN, 0x11, false);        /* FIN+ACK */
	assert_int_equal(c->state, CS_CLOSE_WAIT);
	assert_int_equal(dest->cnt.active, act0);
	ipvs_conn_update(c, DIR_OUT, 0x04, false);       /* RST */
	assert_int_equal(c->state, CS_CLOSE);
	assert_string_equal(ipvs_conn_state_name(c->state), "CLOSE");
}

static void test_wheel_expires(void **state)
{
	struct dpvs_timeouts old, t = { .tcp = 1, .tcp_fin = 1, .udp = 1 };
	struct ipvs_conn tm = tmpl_of(DPVS_FWD_NAT, 1003), *c;
	struct conn_tuple in = tup(tm.caddr, tm.cport, tm.vaddr, tm.vport);
	enum conn_dir dir;
	uint32_t ref0;

	(void)state;
	ipvs_conn_get_timeouts(&old);
	assert_int_equal(old.tcp, 900);
	tm.state = CS_UDP;
	tm.proto = IPPROTO_UDP;
	in.proto = IPPROTO_UDP;
	ipvs_conn_set_timeouts(&t);
	c = ipvs_conn_new(1, &tm);
	assert_non_null(c);
	ref0 = dest->refcnt;
	assert_true(ipvs_conn_expires_in(c) <= 1);
	/* The wheel runs on each worker's lcore; this test plays worker 1. */
	for (int i = 0; i < 40 && ipvs_conn_lookup(1, &in, &dir); i++) {
		usleep(100000);
		ipvs_conn_job_for(1);
	}
	assert_null(ipvs_conn_lookup(1, &in, &dir));
	assert_int_equal(dest->refcnt, ref0 - 1);
	ipvs_conn_set_timeouts(&old);
}

static void test_fnat_ports_belong_to_their_worker(void **state)
{
	struct ipvs_laddr l = { .addr = 0x0a000164 };
	unsigned seen[NW] = { 0 };

	(void)state;
	assert_int_equal(ipvs_port_pools_init(&l, NW), 0);
	for (unsigned w = 0; w < NW; w++) {
		uint16_t p;

		while ((p = ipvs_port_get(&l, w)) != 0) {
			assert_int_equal(p % NW, w);
			assert_true(p >= 1024);
			seen[w]++;
		}
	}
	/* Every port 1024..65535 is somebody's, once. */
	assert_int_equal(seen[0] + seen[1], 65536 - 1024);
	ipvs_port_put(&l, 1, 4097);
	assert_int_equal(ipvs_port_get(&l, 1), 4097);
	ipvs_port_pools_free(&l);
}

static void test_full_pool_refuses(void **state)
{
	unsigned made = 0;

	(void)state;
	for (unsigned i = 0; i < POOL + 10; i++) {
		struct ipvs_conn t = tmpl_of(DPVS_FWD_NAT, (uint16_t)(20000 + i));

		if (ipvs_conn_new(0, &t))
			made++;
	}
	assert_true(made < POOL + 10);
	assert_true(made > POOL / 2);
}

#define PAGE_CONNS 300
#define PAGE_PORT 40000

static void count_ours(const struct ipvs_conn *c, void *arg)
{
	unsigned *seen = arg;

	if (c->cport >= PAGE_PORT && c->cport < PAGE_PORT + PAGE_CONNS)
		seen[c->cport - PAGE_PORT]++;
	seen[PAGE_CONNS]++;
}

/* Small pages, resumed from their cursors, visit every conn once. */
static void test_walk_pages_resume(void **state)
{
	unsigned seen[PAGE_CONNS + 1] = { 0 }, pages = 0, last;
	uint32_t cursor = 0;

	(void)state;
	for (unsigned i = 0; i < PAGE_CONNS; i++) {
		struct ipvs_conn t = tmpl_of(DPVS_FWD_DR,
					     (uint16_t)(PAGE_PORT + i));

		assert_non_null(ipvs_conn_new(i % NW, &t));
	}
	do {
		last = seen[PAGE_CONNS];
		cursor = ipvs_conn_walk_page(cursor, 50, 7, count_ours, seen);
		assert_true(seen[PAGE_CONNS] - last <= 7);
		assert_true(++pages < POOL);
	} while (cursor);
	for (unsigned i = 0; i < PAGE_CONNS; i++)
		assert_int_equal(seen[i], 1);
	assert_true(pages >= PAGE_CONNS / 7);
	/* A cursor past the pool (a client's mistake) is just the end. */
	last = seen[PAGE_CONNS];
	assert_int_equal(ipvs_conn_walk_page(UINT32_MAX, 50, 7, count_ours,
					     seen), 0);
	assert_int_equal(seen[PAGE_CONNS], last);
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_ipvs_conn", "--no-huge", "-m", "128", "--no-pci",
			"--lcores", "0@0,(1-2)@1", "--file-prefix", prefix,
			"--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_directions_hash),
		cmocka_unit_test(test_dr_has_no_reply_key),
		cmocka_unit_test(test_tcp_states_move_counters),
		cmocka_unit_test(test_wheel_expires),
		cmocka_unit_test(test_fnat_ports_belong_to_their_worker),
		cmocka_unit_test(test_walk_pages_resume),
		cmocka_unit_test(test_full_pool_refuses),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_ipvs_conn_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("ipvs_conn", tests, setup, teardown);
	rte_eal_cleanup();
	return rc;
}
