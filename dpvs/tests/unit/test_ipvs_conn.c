/*
 * Connection-table tests on a real EAL (rte_hash and mempools need it):
 * both directions hash, the TCP state machine moves dest counters, the
 * timer wheel expires, FullNAT ports belong to their worker, a full pool
 * evicts half-open conns (early drop) and refuses only when every conn
 * is established.
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
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_tcp.h>

#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_fwd.h"
#include "ipvs/ipvs_proto.h"
#include "core/lcore.h"
#include "net/pktstats.h"

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

/* A TCP header with flags, for ipvs_conn_update. */
static const struct rte_tcp_hdr *seg(uint8_t flags)
{
	static struct rte_tcp_hdr h;

	h.tcp_flags = flags;
	return &h;
}

static struct conn_tuple tup(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp)
{
	struct conn_tuple t = { s, d, sp, dp, IPPROTO_TCP };

	return t;
}

static void test_both_directions_hash(void **state)
{
	struct ipvs_conn t = tmpl_of(IPVS_FWD_FNAT, 1000), *c;
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
	struct ipvs_conn t = tmpl_of(IPVS_FWD_DR, 1001);
	struct conn_tuple out = tup(t.daddr, t.dport, t.caddr, t.cport);
	enum conn_dir dir;

	(void)state;
	assert_non_null(ipvs_conn_new(0, &t));
	assert_null(ipvs_conn_lookup(0, &out, &dir));
}

static void test_tcp_states_move_counters(void **state)
{
	struct ipvs_conn t = tmpl_of(IPVS_FWD_NAT, 1002), *c;
	uint32_t act0 = dest->cnt.active, inact0 = dest->cnt.inactive;

	(void)state;
	c = ipvs_conn_new(1, &t);
	assert_non_null(c);
	assert_int_equal(dest->cnt.inactive, inact0 + 1);
	ipvs_conn_update(c, DIR_IN, seg(0x02), false);        /* SYN */
	assert_int_equal(c->state, CS_SYN_RECV);
	ipvs_conn_update(c, DIR_OUT, seg(0x12), false);       /* SYN+ACK */
	ipvs_conn_update(c, DIR_IN, seg(0x10), false);        /* ACK */
	assert_int_equal(c->state, CS_ESTABLISHED);
	assert_int_equal(dest->cnt.active, act0 + 1);
	assert_int_equal(dest->cnt.inactive, inact0);
	ipvs_conn_update(c, DIR_IN, seg(0x11), false);        /* FIN+ACK */
	assert_int_equal(c->state, CS_CLOSE_WAIT);
	assert_int_equal(dest->cnt.active, act0);
	ipvs_conn_update(c, DIR_OUT, seg(0x04), false);       /* RST */
	assert_int_equal(c->state, CS_CLOSE);
	assert_string_equal(ipvs_conn_state_name(c->state), "CLOSE");
}

static void test_wheel_expires(void **state)
{
	struct ipvs_timeouts old, t = { .tcp = 1, .tcp_fin = 1, .udp = 1 };
	struct ipvs_conn tm = tmpl_of(IPVS_FWD_NAT, 1003), *c;
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

/*
 * A connection due more than one lap of the wheel ahead is re-filed
 * into the slot being drained; the wheel must still advance past it, so
 * that a short-lived conn behind it expires on time, and the long one
 * stays with its full time left.
 */
static void test_wheel_advances_past_long_timeouts(void **state)
{
	struct ipvs_timeouts old, t = { .tcp = 4098, .tcp_fin = 1, .udp = 4 };
	struct ipvs_conn lt = tmpl_of(IPVS_FWD_NAT, 1004), ut, *lc, *uc;
	struct conn_tuple lin = tup(lt.caddr, lt.cport, lt.vaddr, lt.vport);
	struct conn_tuple uin;
	enum conn_dir dir;
	int i;

	(void)state;
	ipvs_conn_get_timeouts(&old);
	ipvs_conn_set_timeouts(&t);
	lt.state = CS_ESTABLISHED;
	lc = ipvs_conn_new(0, &lt);
	assert_non_null(lc);
	ut = tmpl_of(IPVS_FWD_NAT, 1005);
	ut.proto = IPPROTO_UDP;
	ut.state = CS_UDP;
	uin = tup(ut.caddr, ut.cport, ut.vaddr, ut.vport);
	uin.proto = IPPROTO_UDP;
	uc = ipvs_conn_new(0, &ut);
	assert_non_null(uc);
	/* The long conn's slot comes up after 2 s, the UDP one's after 4. */
	for (i = 0; i < 100 && ipvs_conn_lookup(0, &uin, &dir); i++) {
		usleep(100000);
		ipvs_conn_job_for(0);
	}
	assert_null(ipvs_conn_lookup(0, &uin, &dir));
	assert_ptr_equal(ipvs_conn_lookup(0, &lin, &dir), lc);
	assert_true(ipvs_conn_expires_in(lc) > 4098 - 15);
	/* And it keeps advancing: a new short conn expires too. */
	uc = ipvs_conn_new(0, &ut);
	assert_non_null(uc);
	for (i = 0; i < 100 && ipvs_conn_lookup(0, &uin, &dir); i++) {
		usleep(100000);
		ipvs_conn_job_for(0);
	}
	assert_null(ipvs_conn_lookup(0, &uin, &dir));
	assert_ptr_equal(ipvs_conn_lookup(0, &lin, &dir), lc);
	ipvs_conn_set_timeouts(&old);
}

/*
 * NAT: one client ip:port to two VIPs that share a real server ip:port
 * makes one reply tuple.  The second conn is refused; the first keeps
 * its reply key, also when a clashing conn's key would be freed.
 */
static void test_nat_reply_key_is_never_replaced(void **state)
{
	struct ipvs_conn a = tmpl_of(IPVS_FWD_NAT, 1006), b = a, *ca;
	struct conn_tuple out = tup(a.daddr, a.dport, a.caddr, a.cport);
	enum conn_dir dir;

	(void)state;
	b.vaddr = a.vaddr + 1;
	ca = ipvs_conn_new(1, &a);
	assert_non_null(ca);
	rte_errno = 0;
	assert_null(ipvs_conn_new(1, &b));
	assert_int_equal(rte_errno, EEXIST);
	assert_ptr_equal(ipvs_conn_lookup(1, &out, &dir), ca);
	assert_int_equal(dir, DIR_OUT);
}

/*
 * The same, the two conns on different workers: the shared registry of
 * NAT reply tuples refuses the second and names the first's worker, and
 * once the first expired the second is made.
 */
static void test_nat_reply_key_clashes_across_workers(void **state)
{
	struct ipvs_conn a = tmpl_of(IPVS_FWD_NAT, 1007), b = a, *cb;
	struct conn_tuple out = tup(a.daddr, a.dport, a.caddr, a.cport);
	struct ipvs_timeouts old, quick = { .udp = 1 };
	enum conn_dir dir;
	int i;

	(void)state;
	ipvs_conn_get_timeouts(&old);
	ipvs_conn_set_timeouts(&quick);
	a.proto = b.proto = out.proto = IPPROTO_UDP;
	a.state = b.state = CS_UDP;
	b.vaddr = a.vaddr + 1;
	assert_non_null(ipvs_conn_new(0, &a));
	rte_errno = 0;
	assert_null(ipvs_conn_new(1, &b));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(ipvs_conn_nat_owner(&out), 0);
	for (i = 0; i < 50 && ipvs_conn_lookup(0, &out, &dir); i++) {
		usleep(100000);
		ipvs_conn_job_for(0);
	}
	assert_int_equal(ipvs_conn_nat_owner(&out), -1);
	cb = ipvs_conn_new(1, &b);
	assert_non_null(cb);
	assert_int_equal(ipvs_conn_nat_owner(&out), 1);
	assert_ptr_equal(ipvs_conn_lookup(1, &out, &dir), cb);
	ipvs_conn_set_timeouts(&old);
}

/*
 * A NAT conn that is over (a client's RST: CLOSE) gives its reply tuple
 * to a new conn of the same worker: the client reused its port towards
 * another VIP of the same server ip:port, and the server takes the new
 * SYN.  The old conn is evicted.
 */
static void test_nat_reply_goes_from_a_conn_that_is_over(void **state)
{
	struct ipvs_conn a = tmpl_of(IPVS_FWD_NAT, 1010), b = a, *ca, *cb;
	struct conn_tuple in = tup(a.caddr, a.cport, a.vaddr, a.vport);
	struct conn_tuple out = tup(a.daddr, a.dport, a.caddr, a.cport);
	enum conn_dir dir;

	(void)state;
	a.state = b.state = CS_ESTABLISHED;
	b.vaddr = a.vaddr + 1;
	ca = ipvs_conn_new(1, &a);
	assert_non_null(ca);
	assert_null(ipvs_conn_new(1, &b));   /* live: it keeps its replies */
	ipvs_conn_update(ca, DIR_IN, seg(RTE_TCP_RST_FLAG), false);
	assert_int_equal(ca->state, CS_CLOSE);
	cb = ipvs_conn_new(1, &b);
	assert_non_null(cb);
	assert_ptr_equal(ipvs_conn_lookup(1, &out, &dir), cb);
	assert_int_equal(dir, DIR_OUT);
	assert_null(ipvs_conn_lookup(1, &in, &dir));
	assert_int_equal(ipvs_conn_nat_owner(&out), 1);
}

/*
 * The same across workers: the registry passes the tuple on, the old
 * conn misses for replies (its worker hands them to the registry's
 * owner) but keeps its client side, and its expiry leaves the new
 * conn's claim alone.  A conn that opens again (a SYN) holds its tuple
 * again.
 */
static void test_nat_reply_goes_across_workers_from_a_conn_that_is_over(
	void **state)
{
	struct ipvs_conn a = tmpl_of(IPVS_FWD_NAT, 1011), b = a, *ca, *cb;
	struct conn_tuple in = tup(a.caddr, a.cport, a.vaddr, a.vport);
	struct conn_tuple out = tup(a.daddr, a.dport, a.caddr, a.cport);
	uint32_t close_s = ipvs_proto_tcp.timeouts[CS_CLOSE];
	enum conn_dir dir;
	int i;

	(void)state;
	a.state = b.state = CS_ESTABLISHED;
	b.vaddr = a.vaddr + 1;
	ca = ipvs_conn_new(0, &a);
	assert_non_null(ca);
	ipvs_conn_update(ca, DIR_IN, seg(RTE_TCP_RST_FLAG), false);
	ipvs_conn_update(ca, DIR_IN, seg(RTE_TCP_SYN_FLAG), false);
	assert_int_equal(ca->state, CS_SYN_RECV);
	rte_errno = 0;
	assert_null(ipvs_conn_new(1, &b));   /* opened again: holds it */
	assert_int_equal(rte_errno, EEXIST);
	ipvs_proto_tcp.timeouts[CS_CLOSE] = 1;
	ipvs_conn_update(ca, DIR_IN, seg(RTE_TCP_ACK_FLAG), false);
	ipvs_conn_update(ca, DIR_IN, seg(RTE_TCP_RST_FLAG), false);
	assert_int_equal(ca->state, CS_CLOSE);
	cb = ipvs_conn_new(1, &b);
	assert_non_null(cb);
	assert_int_equal(ipvs_conn_nat_owner(&out), 1);
	assert_null(ipvs_conn_lookup(0, &out, &dir));
	assert_ptr_equal(ipvs_conn_lookup(0, &in, &dir), ca);
	assert_ptr_equal(ipvs_conn_lookup(1, &out, &dir), cb);
	for (i = 0; i < 50 && ipvs_conn_lookup(0, &in, &dir); i++) {
		usleep(100000);
		ipvs_conn_job_for(0);
	}
	assert_null(ipvs_conn_lookup(0, &in, &dir));
	assert_int_equal(ipvs_conn_nat_owner(&out), 1);
	assert_ptr_equal(ipvs_conn_lookup(1, &out, &dir), cb);
	ipvs_proto_tcp.timeouts[CS_CLOSE] = close_s;
}

static void test_fnat_ports_belong_to_their_worker(void **state)
{
	struct ipvs_laddr l = { .addr.in4 = 0x0a000164, .af = AF_INET };
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
	/* Oldest first, round the ring many times. */
	for (unsigned i = 0; i < 4 * 65536; i++) {
		ipvs_port_put(&l, 1, (uint16_t)(1025 + 2 * (i % 1000)));
		ipvs_port_put(&l, 1, 4099);
		assert_int_equal(ipvs_port_get(&l, 1), 1025 + 2 * (i % 1000));
		assert_int_equal(ipvs_port_get(&l, 1), 4099);
	}
	assert_int_equal(ipvs_port_get(&l, 1), 0);
	ipvs_port_pools_free(&l);
}

/* Every port worker w's pool hands out, until it is empty, counted by port. */
static unsigned drain_pool(struct ipvs_laddr *l, unsigned w, uint8_t *seen)
{
	unsigned n = 0;
	uint16_t p;

	while ((p = ipvs_port_get(l, w)) != 0) {
		seen[p]++;
		n++;
	}
	return n;
}

/*
 * A FullNAT port reserved for a conn installed from the HA peer is never
 * handed out while reserved, whether it was queued or popped meanwhile;
 * released, it is queued once; a port handed out cannot be reserved.
 */
static void test_port_reservation(void **state)
{
	static uint8_t seen[65536];
	struct ipvs_laddr l = { .addr.in4 = 0x0a000170, .af = AF_INET };
	uint32_t free0, free1, total;
	unsigned n;

	(void)state;
	memset(seen, 0, sizeof(seen));
	assert_int_equal(ipvs_port_pools_init(&l, NW), 0);
	ipvs_port_usage(&l, &free0, &total);
	/* Worker 1's queue starts 1025, 1027, 1029... */
	assert_int_equal(ipvs_port_reserve(&l, 1, 1027), 0);
	assert_true(ipvs_port_reserved(&l, 1, 1027));
	assert_int_equal(ipvs_port_reserve(&l, 1, 1027), -EBUSY);
	assert_int_equal(ipvs_port_reserve(&l, 1, 1026), -EINVAL);   /* worker 0's */
	assert_int_equal(ipvs_port_reserve(&l, 1, 1023), -EINVAL);
	assert_int_equal(ipvs_port_reserve(&l, 1, 40001), 0);
	ipvs_port_usage(&l, &free1, &total);
	assert_int_equal(free1, free0 - 2);
	assert_int_equal(ipvs_port_get(&l, 1), 1025);
	assert_int_equal(ipvs_port_get(&l, 1), 1029);   /* 1027 skipped */
	/* Handed out: not reservable. */
	assert_int_equal(ipvs_port_reserve(&l, 1, 1025), -EBUSY);
	/* 1027 was popped while reserved; released, it goes to the back. */
	ipvs_port_unreserve(&l, 1, 1027);
	ipvs_port_unreserve(&l, 1, 1027);   /* twice: still queued once */
	assert_false(ipvs_port_reserved(&l, 1, 1027));
	/* 40001 is still queued: released there, it stays queued once. */
	ipvs_port_unreserve(&l, 1, 40001);
	ipvs_port_usage(&l, &free1, &total);
	assert_int_equal(free1, free0 - 2);   /* 1025 and 1029 handed out */
	n = drain_pool(&l, 1, seen);
	assert_int_equal(n, (65536 - 1024) / 2 - 2);
	assert_int_equal(seen[1027], 1);
	assert_int_equal(seen[40001], 1);
	assert_int_equal(seen[1025] + seen[1029], 0);
	/* Reserved while everything is handed out but 1025: only it is free. */
	ipvs_port_put(&l, 1, 1025);
	assert_int_equal(ipvs_port_reserve(&l, 1, 1025), 0);
	assert_int_equal(ipvs_port_get(&l, 1), 0);
	ipvs_port_unreserve(&l, 1, 1025);
	assert_int_equal(ipvs_port_get(&l, 1), 1025);
	assert_int_equal(ipvs_port_get(&l, 1), 0);
	ipvs_port_pools_free(&l);
}

/*
 * A port a stale conn holds and a synced conn wants: released, it is
 * reserved for the wanter instead of queued, and queued once when the
 * wanter ends; a want withdrawn first leaves the release as usual.  One
 * wanter a port; a queued port is not wanted (it is reserved).  Churn:
 * many times the pool's size, both orders.
 */
static void test_port_wanted(void **state)
{
	static uint8_t seen[65536];
	struct ipvs_laddr l = { .addr.in4 = 0x0a000171, .af = AF_INET };
	uint32_t free0, fr, total;
	unsigned n;
	uint16_t p;

	(void)state;
	memset(seen, 0, sizeof(seen));
	assert_int_equal(ipvs_port_pools_init(&l, NW), 0);
	ipvs_port_usage(&l, &free0, &total);
	p = ipvs_port_get(&l, 1);
	assert_int_equal(p, 1025);
	assert_int_equal(ipvs_port_want(&l, 1, 1027), -EBUSY);   /* queued */
	assert_int_equal(ipvs_port_want(&l, 1, 1026), -EINVAL);  /* worker 0's */
	assert_int_equal(ipvs_port_want(&l, 1, p), 0);
	assert_int_equal(ipvs_port_want(&l, 1, p), -EBUSY);      /* one wanter */
	ipvs_port_put(&l, 1, p);
	assert_true(ipvs_port_reserved(&l, 1, p));
	assert_int_equal(ipvs_port_handed(&l), 1);
	ipvs_port_usage(&l, &fr, &total);
	assert_int_equal(fr, free0 - 1);
	n = drain_pool(&l, 1, seen);
	assert_int_equal(n, (65536 - 1024) / 2 - 1);
	assert_int_equal(seen[p], 0);
	for (unsigned q = 1027; q < 65536; q += 2)
		ipvs_port_put(&l, 1, (uint16_t)q);
	ipvs_port_unwant(&l, 1, p);   /* the wanter ends: free, queued once */
	assert_false(ipvs_port_reserved(&l, 1, p));
	ipvs_port_usage(&l, &fr, &total);
	assert_int_equal(fr, free0);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(drain_pool(&l, 1, seen), (65536 - 1024) / 2);
	assert_int_equal(seen[p], 1);
	for (unsigned q = 1025; q < 65536; q += 2)
		ipvs_port_put(&l, 1, (uint16_t)q);
	/* Withdrawn before the release: queued as usual. */
	p = ipvs_port_get(&l, 1);
	assert_int_equal(ipvs_port_want(&l, 1, p), 0);
	ipvs_port_unwant(&l, 1, p);
	ipvs_port_put(&l, 1, p);
	assert_false(ipvs_port_reserved(&l, 1, p));
	assert_int_equal(ipvs_port_handed(&l), 1);
	/* Churn: three times the pool, the holder or the wanter first. */
	for (unsigned i = 0; i < 3 * 32256; i++) {
		p = ipvs_port_get(&l, 1);
		assert_int_not_equal(p, 0);
		assert_int_equal(ipvs_port_want(&l, 1, p), 0);
		if (i & 1) {
			ipvs_port_put(&l, 1, p);
			assert_true(ipvs_port_reserved(&l, 1, p));
			ipvs_port_unwant(&l, 1, p);
		} else {
			ipvs_port_unwant(&l, 1, p);
			ipvs_port_put(&l, 1, p);
		}
	}
	assert_int_equal(ipvs_port_handed(&l), 1 + 3 * 32256 / 2);
	ipvs_port_usage(&l, &fr, &total);
	assert_int_equal(fr, free0);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(drain_pool(&l, 1, seen), (65536 - 1024) / 2);
	for (unsigned q = 1025; q < 65536; q += 2) {
		assert_int_equal(seen[q], 1);
		assert_false(ipvs_port_reserved(&l, 1, (uint16_t)q));
	}
	ipvs_port_pools_free(&l);
}

/* A half-open conn; NAT and DR (input only) by turns. */
static struct ipvs_conn *embryo(unsigned w, uint16_t cport)
{
	bool dr = cport & 1;
	struct ipvs_conn t = tmpl_of(dr ? IPVS_FWD_DR : IPVS_FWD_NAT, cport), *c;

	c = ipvs_conn_new(w, &t);
	if (c)
		ipvs_conn_update(c, DIR_IN, seg(0x02), dr);   /* SYN */
	return c;
}

static bool present(unsigned w, uint16_t cport)
{
	struct conn_tuple in = tup(0x0a000002, cport, 0x0a000064, 80);
	enum conn_dir dir;

	return ipvs_conn_lookup(w, &in, &dir) != NULL;
}

/*
 * A SYN flood fills the pool with half-open conns: each new one evicts
 * the oldest (counted); established ones and a client that sent its SYN
 * again stay.
 */
static void test_full_pool_evicts_oldest_embryo(void **state)
{
	struct ipvs_conn est = tmpl_of(IPVS_FWD_NAT, 30000), *r;
	uint64_t ev0 = pktstats[rte_lcore_id()].ipvs_embryonic_evicted;
	unsigned i;

	(void)state;
	est.state = CS_ESTABLISHED;
	assert_non_null(ipvs_conn_new(0, &est));
	r = embryo(0, 30001);
	assert_non_null(embryo(0, 30002));
	ipvs_conn_update(r, DIR_IN, seg(0x02), true);    /* its SYN again (DR) */
	for (i = 0; i < 4 * POOL && present(0, 30002); i++)
		assert_non_null(embryo(0, (uint16_t)(40000 + i)));
	assert_false(present(0, 30002));
	assert_true(i > POOL / 4);
	assert_true(present(0, 30001));
	assert_true(present(0, 30000));
	assert_true(present(0, (uint16_t)(40000 + i - 1)));
	/* Many times the pool in churn: every new SYN still gets in (ports
	 * clear of the earlier tests' conns, whose tuples would clash). */
	for (i = 0; i < 8 * POOL; i++)
		assert_non_null(embryo(0, (uint16_t)(2000 + i % 18000)));
	assert_true(pktstats[rte_lcore_id()].ipvs_embryonic_evicted - ev0 >= 8 * POOL);
	assert_true(present(0, 30000));
	assert_false(present(0, 30001));
}

/* Established conns are never evicted: once they fill the pool, new ones are refused. */
static void test_full_pool_of_established_refuses(void **state)
{
	unsigned made = 0;

	(void)state;
	for (unsigned i = 0; i < POOL + 10; i++) {
		struct ipvs_conn t = tmpl_of(IPVS_FWD_NAT, (uint16_t)(20000 + i));

		t.state = CS_ESTABLISHED;
		if (ipvs_conn_new(0, &t))
			made++;
	}
	assert_true(made < POOL + 10);
	assert_true(made > POOL / 4);   /* worker 1 holds its share */
	assert_true(present(0, 30000));
	assert_true(present(0, 20000));
	assert_null(embryo(0, 30003));
}

static struct ipvs_conn *from(unsigned w, uint32_t caddr, uint16_t cport)
{
	struct ipvs_conn t = tmpl_of(IPVS_FWD_NAT, cport), *c;

	t.caddr = caddr;
	c = ipvs_conn_new(w, &t);
	if (c)
		ipvs_conn_update(c, DIR_IN, seg(0x02), false);   /* SYN */
	return c;
}

/* A client that completed a handshake outlives a spoofed flood's embryos. */
static void test_known_client_evicted_last(void **state)
{
	struct conn_tuple known = tup(0x0a000003, 31001, 0x0a000064, 80);
	struct conn_tuple other = tup(0x0a000004, 31002, 0x0a000064, 80);
	struct ipvs_conn *c;
	enum conn_dir dir;

	(void)state;
	c = from(1, 0x0a000003, 31000);
	assert_non_null(c);
	ipvs_conn_update(c, DIR_OUT, seg(0x12), false);   /* SYN+ACK */
	ipvs_conn_update(c, DIR_IN, seg(0x10), false);    /* ACK */
	assert_int_equal(c->state, CS_ESTABLISHED);
	assert_non_null(from(1, 0x0a000003, 31001));
	assert_non_null(from(1, 0x0a000004, 31002));
	/* Spoofed sources, many times the pool. */
	for (uint32_t i = 0; i < 4 * POOL; i++)
		assert_non_null(from(1, 0xc6120000 + i, 1024));
	assert_non_null(ipvs_conn_lookup(1, &known, &dir));
	assert_null(ipvs_conn_lookup(1, &other, &dir));
}

/* Out of FullNAT ports: the oldest embryo holding one of the address's gives it back. */
static void test_port_eviction(void **state)
{
	struct ipvs_laddr *l = rte_zmalloc("l", sizeof(*l), 0);
	struct ipvs_laddr *other = rte_zmalloc("o", sizeof(*other), 0);
	struct ipvs_conn t = tmpl_of(IPVS_FWD_FNAT, 50000), *old, *c;
	uint16_t p;

	(void)state;
	l->addr = inet_v4(0x0a000165);
	other->addr = inet_v4(0x0a000166);
	l->refcnt = other->refcnt = 1;
	assert_int_equal(ipvs_port_pools_init(l, NW), 0);
	assert_int_equal(ipvs_port_pools_init(other, NW), 0);
	while (ipvs_port_get(l, 1) != 0)
		;
	/* Nothing holds a port of l yet. */
	assert_false(ipvs_conn_evict_for_port(1, &l, 1));
	ipvs_port_put(l, 1, 4001);
	t.lobj = l;
	t.laddr = l->addr.in4;
	t.lport = ipvs_port_get(l, 1);
	old = ipvs_conn_new(1, &t);
	assert_non_null(old);
	assert_int_equal(l->refcnt, 2);
	assert_int_equal(ipvs_port_get(l, 1), 0);
	assert_false(ipvs_conn_evict_for_port(1, &other, 1));
	assert_true(ipvs_conn_evict_for_port(1, &l, 1));
	assert_int_equal(l->refcnt, 1);
	p = ipvs_port_get(l, 1);
	assert_int_equal(p, 4001);
	/* The next conn takes the evicted one's object. */
	t.cport = 50001;
	t.lport = p;
	c = ipvs_conn_new(1, &t);
	assert_ptr_equal(c, old);
	assert_true(present(1, 50001));
	assert_false(present(1, 50000));
}

/*
 * Churn past the pool's size while conns a lap ahead keep coming round:
 * each round's short conns all go, the long ones stay, and shutdown
 * frees everything (the list being drained too).
 */
static void test_wheel_churn_and_flush(void **state)
{
	struct ipvs_timeouts old, t = { .tcp = 4097, .tcp_fin = 1, .udp = 1 };
	uint32_t base, size, in_use;
	enum conn_dir dir;

	(void)state;
	ipvs_conn_flush_all();   /* the pool full from the test before */
	ipvs_conn_get_timeouts(&old);
	ipvs_conn_set_timeouts(&t);
	for (uint16_t i = 0; i < 50; i++) {
		struct ipvs_conn l = tmpl_of(IPVS_FWD_NAT, (uint16_t)(40000 + i));

		l.state = CS_ESTABLISHED;
		assert_non_null(ipvs_conn_new(1, &l));
	}
	base = ipvs_conn_count(1);
	assert_int_equal(base, 50);
	for (int round = 0; round < 3; round++) {
		unsigned made = 0;

		for (uint16_t i = 0; i < POOL; i++) {
			struct ipvs_conn u = tmpl_of(IPVS_FWD_NAT, (uint16_t)(50000 + i));

			u.proto = IPPROTO_UDP;
			u.state = CS_UDP;
			made += ipvs_conn_new(1, &u) != NULL;
		}
		assert_true(made > POOL / 2);
		for (int i = 0; i < 60 && ipvs_conn_count(1) > base; i++) {
			usleep(100000);
			ipvs_conn_job_for(1);
		}
		assert_int_equal(ipvs_conn_count(1), base);
	}
	for (uint16_t i = 0; i < 50; i++) {
		struct ipvs_conn l = tmpl_of(IPVS_FWD_NAT, (uint16_t)(40000 + i));
		struct conn_tuple in = tup(l.caddr, l.cport, l.vaddr, l.vport);

		assert_non_null(ipvs_conn_lookup(1, &in, &dir));
	}
	ipvs_conn_flush_all();
	ipvs_conn_pool_usage(&size, &in_use);
	assert_int_equal(in_use, 0);
	ipvs_conn_set_timeouts(&old);
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
		struct ipvs_conn t = tmpl_of(IPVS_FWD_DR,
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

/*
 * A conn that closes goes by its closing state's timeout, not by the
 * established deadline it was filed under (900 s, or days).
 */
static void test_closing_conn_expires_by_its_new_timeout(void **state)
{
	struct ipvs_timeouts old, t = { .tcp = 900, .tcp_fin = 1, .udp = 300 };
	struct ipvs_conn tm = tmpl_of(IPVS_FWD_NAT, 45000), *c;
	struct conn_tuple in = tup(tm.caddr, tm.cport, tm.vaddr, tm.vport);
	enum conn_dir dir;
	int i;

	(void)state;
	ipvs_conn_get_timeouts(&old);
	ipvs_conn_set_timeouts(&t);
	tm.state = CS_ESTABLISHED;
	c = ipvs_conn_new(1, &tm);
	assert_non_null(c);
	ipvs_conn_update(c, DIR_IN, seg(0x10), false);          /* ACK: 900 s */
	ipvs_conn_update(c, DIR_OUT, seg(0x11), false);         /* FIN: 1 s */
	assert_int_equal(c->state, CS_FIN_WAIT);
	for (i = 0; i < 50 && ipvs_conn_lookup(1, &in, &dir); i++) {
		usleep(100000);
		ipvs_conn_job_for(1);
	}
	assert_null(ipvs_conn_lookup(1, &in, &dir));
	ipvs_conn_set_timeouts(&old);
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
		cmocka_unit_test(test_wheel_advances_past_long_timeouts),
		cmocka_unit_test(test_nat_reply_key_is_never_replaced),
		cmocka_unit_test(test_nat_reply_key_clashes_across_workers),
		cmocka_unit_test(test_nat_reply_goes_from_a_conn_that_is_over),
		cmocka_unit_test(
			test_nat_reply_goes_across_workers_from_a_conn_that_is_over),
		cmocka_unit_test(test_fnat_ports_belong_to_their_worker),
		cmocka_unit_test(test_port_reservation),
		cmocka_unit_test(test_port_wanted),
		cmocka_unit_test(test_port_eviction),
		cmocka_unit_test(test_known_client_evicted_last),
		cmocka_unit_test(test_full_pool_evicts_oldest_embryo),
		cmocka_unit_test(test_full_pool_of_established_refuses),
		cmocka_unit_test(test_wheel_churn_and_flush),
		cmocka_unit_test(test_closing_conn_expires_by_its_new_timeout),
		cmocka_unit_test(test_walk_pages_resume),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_ipvs_conn_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("ipvs_conn", tests, setup, teardown);
	rte_eal_cleanup();
	return rc;
}
