/*
 * IPv6 connections on a real EAL, in the tables test_ipvs_conn covers
 * for v4: the 16-byte key (v4 bytes pinned, v6 digest), lookups both
 * ways, NAT64's v4 reply key, forced digest collisions, references that
 * keep a deleted server's addresses, churn of many times the pool, and
 * the local ports of v6 addresses.
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

#include "core/lcore.h"
#include "ipvs/conn_digest.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_conn_int.h"
#include "ipvs/ipvs_fwd.h"
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

/* A v4 NAT conn of client 10.0.0.2:cport. */
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

/*
 * A v6 local address has its own ports, by family and address: not
 * those of a v4 address whose 16 stored bytes are the same, but those
 * of another laddr object of the same v6 address (two services).
 * Worker w hands out only ports p % NW == w, as for v4.
 */
static void test_v6_laddr_ports_by_family_and_worker(void **state)
{
	struct ipvs_laddr l4 = { .addr.in4 = 0x0a000164, .af = AF_INET };
	struct ipvs_laddr l6 = { .addr = l4.addr, .af = AF_INET6 }, l6b = l6;
	unsigned n6 = 0, n4 = 0;
	uint16_t p;

	(void)state;
	assert_int_equal(ipvs_port_pools_init(&l4, NW), 0);
	assert_int_equal(ipvs_port_pools_init(&l6, NW), 0);
	assert_int_equal(ipvs_port_pools_init(&l6b, NW), 0);
	assert_ptr_not_equal(l6.pset, l4.pset);
	assert_ptr_equal(l6.pset, l6b.pset);
	while ((p = ipvs_port_get(&l4, 0)) != 0)
		n4++;
	for (unsigned w = 0; w < NW; w++)
		while ((p = ipvs_port_get(&l6, w)) != 0) {
			assert_int_equal(p % NW, w);
			n6++;
		}
	assert_int_equal(n4, (65536 - 1024) / NW);
	assert_int_equal(n6, 65536 - 1024);
	/* Shared with the other service's object of the same address. */
	assert_int_equal(ipvs_port_get(&l6b, 1), 0);
	ipvs_port_put(&l6, 1, 5001);
	assert_int_equal(ipvs_port_get(&l6b, 1), 5001);
	assert_true(ipvs_port_set_in_use(AF_INET6, &l6.addr));
	ipvs_port_pools_free(&l6);
	ipvs_port_pools_free(&l6b);
	assert_false(ipvs_port_set_in_use(AF_INET6, &l6.addr));
	assert_true(ipvs_port_set_in_use(AF_INET, &l4.addr));
	ipvs_port_pools_free(&l4);
}

/* ---- IPv6 connections ---- */

/* 2001:db8:<net>::<n>. */
static struct in6_addr a6(uint16_t net, uint16_t n)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8 } };

	a.s6_addr[4] = (uint8_t)(net >> 8);
	a.s6_addr[5] = (uint8_t)net;
	a.s6_addr[14] = (uint8_t)(n >> 8);
	a.s6_addr[15] = (uint8_t)n;
	return a;
}

/* A real server of a v6 service (server family af), as ipvs_dest_add makes. */
static struct ipvs_dest *dest6_new(uint8_t af, uint8_t fwd)
{
	struct ipvs_dest *d = rte_zmalloc("dest6", sizeof(*d), 0);

	assert_non_null(d);
	d->stats = rte_zmalloc("st6", sizeof(*d->stats) * NW, 0);
	assert_non_null(d->stats);
	d->af = af;
	d->vaf = AF_INET6;
	d->fwd = fwd;
	d->addr = af == AF_INET ? inet_v4(0x0a00010b) : inet_v6(&(struct in6_addr){
		.s6_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x0b } });
	d->vaddr = inet_v6(&(struct in6_addr){
		.s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 } });
	d->refcnt = 1;               /* the service's list */
	return d;
}

static struct ipvs_laddr *laddr_new(uint8_t af, uint16_t n)
{
	struct ipvs_laddr *l = rte_zmalloc("l6", sizeof(*l), 0);

	assert_non_null(l);
	l->af = af;
	if (af == AF_INET)
		l->addr = inet_v4(0x0a000200u + n);
	else {
		struct in6_addr x = a6(2, n);

		l->addr = inet_v6(&x);
	}
	l->refcnt = 1;
	assert_int_equal(ipvs_port_pools_init(l, NW), 0);
	return l;
}

/* A v6 conn of client 2001:db8:9::<client>:cport on worker w. */
static struct ipvs_conn tmpl6(struct ipvs_dest *d, struct ipvs_laddr *l,
			      uint16_t client, uint16_t cport, unsigned w)
{
	struct ipvs_conn c = { .cport = cport, .vport = 80, .dport = 8080,
			       .proto = IPPROTO_TCP, .fwd = d->fwd,
			       .state = CS_NONE, .dest = d, .lobj = l };

	c.caddr6 = a6(9, client);
	if (l)
		c.lport = ipvs_port_get(l, w);
	return c;
}

static struct conn_tuple6 tup6_in(const struct ipvs_conn *c)
{
	return (struct conn_tuple6){ c->caddr6, ipvs_conn_vaddr(c)->in6, c->cport,
				     c->vport, c->proto };
}

static struct conn_tuple6 tup6_out(const struct ipvs_conn *c)
{
	const union inet_addr *l = ipvs_conn_laddr(c);

	return (struct conn_tuple6){ ipvs_conn_daddr(c)->in6,
				     l ? l->in6 : c->caddr6, c->dport,
				     l ? c->lport : c->cport, c->proto };
}

static void laddr_free(struct ipvs_laddr *l)
{
	assert_int_equal(l->refcnt, 1);
	ipvs_laddr_put(l);
}

static void dest_free(struct ipvs_dest *d)
{
	assert_int_equal(d->refcnt, 1);
	ipvs_dest_put(d);
}

/* A v4 key is what it always was, bit for bit; the conn keeps its layout. */
static void test_v4_key_bytes_unchanged(void **state)
{
	static const uint8_t want[16] = { 0x02, 0x00, 0x00, 0x0a, 0x64, 0x00, 0x00, 0x0a,
					  0xd2, 0x04, 0x50, 0x00, 0x06, 0x00, 0x00, 0x00 };
	struct conn_key k;

	(void)state;
	memset(&k, 0xee, sizeof(k));
	key_of(&k, IPPROTO_TCP, 0x0a000002, 1234, 0x0a000064, 80);
	assert_memory_equal(&k, want, sizeof(want));
	assert_int_equal(offsetof(struct ipvs_conn, caddr), 0);
	assert_int_equal(offsetof(struct ipvs_conn, vaddr), 4);
	assert_int_equal(offsetof(struct ipvs_conn, laddr), 8);
	assert_int_equal(offsetof(struct ipvs_conn, daddr), 12);
	assert_int_equal(offsetof(struct ipvs_conn, cport), 16);
	assert_int_equal(sizeof(struct ipvs_conn), 80);   /* issue 16: links as 32-bit pool references */
}

/* SipHash as the reference computes it (2-4 vectors of the paper). */
static void test_siphash_reference(void **state)
{
	uint8_t key[16], msg[15];

	(void)state;
	for (unsigned i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(conn_siphash(2, 4, key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(conn_siphash(2, 4, key, msg, 1) == 0x74f839c593dc67fdull);
	assert_true(conn_siphash(2, 4, key, msg, 15) == 0xa129ca6149be45e5ull);
	/* 1-3 is another function of the same input. */
	assert_true(conn_siphash(1, 3, key, msg, 15) != 0xa129ca6149be45e5ull);
}

/*
 * v6 FullNAT, NAT and DR conns: found from the client's tuple and (but
 * DR) the server's reply, in the right direction; any other address is
 * a miss; the key is a v6 one (af), not the v4 one of the same bytes.
 */
static void test_v6_new_lookup_both_dirs(void **state)
{
	static const uint8_t fwds[] = { IPVS_FWD_FNAT, IPVS_FWD_NAT, IPVS_FWD_DR };

	(void)state;
	ipvs_conn_flush_all();   /* what the tests before left */
	for (unsigned i = 0; i < sizeof(fwds); i++) {
		struct ipvs_dest *d = dest6_new(AF_INET6, fwds[i]);
		struct ipvs_laddr *l = fwds[i] == IPVS_FWD_FNAT ? laddr_new(AF_INET6, 1) : NULL;
		struct ipvs_conn t = tmpl6(d, l, 1, 40000, 1), *c;
		struct conn_tuple6 in, out;
		enum conn_dir dir;

		c = ipvs_conn_new(1, &t);
		assert_non_null(c);
		assert_true(ipvs_conn_is_v6(c));
		in = tup6_in(c);
		out = tup6_out(c);
		assert_ptr_equal(ipvs_conn_lookup6(1, &in, &dir), c);
		assert_int_equal(dir, DIR_IN);
		assert_null(ipvs_conn_lookup6(0, &in, &dir));
		if (fwds[i] == IPVS_FWD_DR) {
			assert_null(ipvs_conn_lookup6(1, &out, &dir));
		} else {
			assert_ptr_equal(ipvs_conn_lookup6(1, &out, &dir), c);
			assert_int_equal(dir, DIR_OUT);
		}
		in.saddr.s6_addr[15] ^= 1;
		assert_null(ipvs_conn_lookup6(1, &in, &dir));
		in = tup6_in(c);
		in.daddr.s6_addr[3] ^= 1;
		assert_null(ipvs_conn_lookup6(1, &in, &dir));
		in = tup6_in(c);
		in.sport++;
		assert_null(ipvs_conn_lookup6(1, &in, &dir));
		assert_int_equal(ipvs_conn_count(1), 1);
		ipvs_conn_flush_all();
		assert_int_equal(ipvs_conn_count(1), 0);
		if (l)
			laddr_free(l);
		dest_free(d);
	}
}

/*
 * NAT64: the client's side is a v6 key, the server's reply an exact v4
 * one, which the v4 lookup finds; the v6 lookup never sees it.
 */
static void test_nat64_out_key_is_v4(void **state)
{
	struct ipvs_dest *d = dest6_new(AF_INET, IPVS_FWD_FNAT);
	struct ipvs_laddr *l = laddr_new(AF_INET, 7);
	struct ipvs_conn t = tmpl6(d, l, 2, 40001, 0), *c;
	struct conn_tuple6 in;
	struct conn_tuple out;
	enum conn_dir dir;

	(void)state;
	c = ipvs_conn_new(0, &t);
	assert_non_null(c);
	in = tup6_in(c);
	assert_ptr_equal(ipvs_conn_lookup6(0, &in, &dir), c);
	assert_int_equal(dir, DIR_IN);
	out = tup(0x0a00010b, 8080, 0x0a000207, c->lport);
	assert_ptr_equal(ipvs_conn_lookup(0, &out, &dir), c);
	assert_int_equal(dir, DIR_OUT);
	assert_int_equal(c->lport % NW, 0);
	assert_int_equal(ipvs_conn_laddr(c)->in4, 0x0a000207);
	ipvs_conn_flush_all();
	laddr_free(l);
	dest_free(d);
}

/* Two bits of digest: clients 2001:db8:9::n and ::n+4 collide. */
static uint64_t digest2(const struct in6_addr *s, const struct in6_addr *d)
{
	return (s->s6_addr[15] ^ d->s6_addr[15]) & 3;
}

/*
 * A digest collision: the lookup of the other client is a miss, and
 * its new conn is refused (EEXIST) and counted as a clash; a true
 * duplicate is refused but not counted as one.
 */
static void test_v6_digest_collision_is_a_miss(void **state)
{
	struct ipvs_dest *d = dest6_new(AF_INET6, IPVS_FWD_NAT);
	struct ipvs_conn t = tmpl6(d, NULL, 1, 40002, 1), u = t, *c;
	uint64_t clash0 = pktstats[rte_lcore_id()].ipvs6_digest_clash;
	struct conn_tuple6 in;
	enum conn_dir dir;

	(void)state;
	ipvs_conn_flush_all();
	conn_digest_set_test_fn(digest2);
	c = ipvs_conn_new(1, &t);
	assert_non_null(c);
	u.caddr6 = a6(9, 5);
	in = tup6_in(&u);
	assert_null(ipvs_conn_lookup6(1, &in, &dir));
	in = tup6_in(c);
	assert_ptr_equal(ipvs_conn_lookup6(1, &in, &dir), c);
	rte_errno = 0;
	assert_null(ipvs_conn_new(1, &u));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(pktstats[rte_lcore_id()].ipvs6_digest_clash, clash0 + 1);
	assert_null(ipvs_conn_new(1, &t));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(pktstats[rte_lcore_id()].ipvs6_digest_clash, clash0 + 1);
	/* Another client port: another key, no clash. */
	u.cport++;
	assert_non_null(ipvs_conn_new(1, &u));
	assert_int_equal(ipvs_conn_count(1), 2);
	conn_digest_set_test_fn(NULL);
	ipvs_conn_flush_all();
	dest_free(d);
}

/*
 * A real server deleted while a conn uses it: the conn's reference keeps
 * the object, so its addresses stay readable and the conn found, until
 * the conn goes and frees it.
 */
static void test_v6_dest_deleted_keeps_addresses(void **state)
{
	struct ipvs_dest *d = dest6_new(AF_INET6, IPVS_FWD_FNAT);
	struct ipvs_laddr *l = laddr_new(AF_INET6, 3);
	struct ipvs_conn t = tmpl6(d, l, 3, 40003, 1), *c;
	struct in6_addr rs = d->addr.in6;
	struct conn_tuple6 out;
	enum conn_dir dir;

	(void)state;
	c = ipvs_conn_new(1, &t);
	assert_non_null(c);
	assert_int_equal(d->refcnt, 2);
	ipvs_dest_put(d);                /* ipvs_dest_del's drop of the list's */
	ipvs_laddr_put(l);
	assert_int_equal(d->refcnt, 1);
	assert_memory_equal(&ipvs_conn_daddr(c)->in6, &rs, sizeof(rs));
	out = tup6_out(c);
	assert_ptr_equal(ipvs_conn_lookup6(1, &out, &dir), c);
	ipvs_conn_flush_all();           /* the last reference: both freed */
}

/*
 * Ten times the pool in v6 and v4 conns over both workers: every one is
 * found both ways while it lives, and everything comes back.
 */
static void test_v6_churn_10x_pool(void **state)
{
	struct ipvs_dest *d = dest6_new(AF_INET6, IPVS_FWD_FNAT);
	struct ipvs_laddr *l = laddr_new(AF_INET6, 4);
	uint32_t size, in_use, fr, total;
	unsigned made = 0;

	(void)state;
	ipvs_conn_flush_all();
	for (unsigned round = 0; made < 10 * POOL; round++) {
		for (unsigned n = 0; n < POOL / 2 - 8; n++)
			for (unsigned w = 0; w < NW; w++) {
				struct ipvs_conn t = tmpl6(d, l, (uint16_t)(n + 100 * round),
							   (uint16_t)(1024 + n), w), *c;
				struct ipvs_conn v4 = tmpl_of(IPVS_FWD_NAT, (uint16_t)(2000 + n));
				struct conn_tuple6 in, out;
				enum conn_dir dir;

				c = ipvs_conn_new(w, &t);
				assert_non_null(c);
				in = tup6_in(c);
				out = tup6_out(c);
				assert_ptr_equal(ipvs_conn_lookup6(w, &in, &dir), c);
				assert_ptr_equal(ipvs_conn_lookup6(w, &out, &dir), c);
				made++;
				if (n % 8 == 0 && ipvs_conn_new(w, &v4))
					made++;
			}
		ipvs_conn_flush_all();
		ipvs_conn_pool_usage(&size, &in_use);
		assert_int_equal(in_use, 0);
	}
	assert_int_equal(d->refcnt, 1);
	assert_int_equal(l->refcnt, 1);
	ipvs_port_usage(l, &fr, &total);
	assert_int_equal(fr, total);
	laddr_free(l);
	dest_free(d);
}

/* A TCP header with flags, for ipvs_conn_update. */
static const struct rte_tcp_hdr *seg(uint8_t flags)
{
	static struct rte_tcp_hdr h;

	h.tcp_flags = flags;
	return &h;
}

/* A conn of t's client, its SYN seen: embryonic, listed as known or not. */
static struct ipvs_conn *syn_of(const struct ipvs_conn *t)
{
	struct ipvs_conn *c = ipvs_conn_new(1, t);

	assert_non_null(c);
	ipvs_conn_update(c, DIR_IN, seg(0x02), false);
	assert_true(c->flags & CONN_F_EMBRYO);
	return c;
}

/*
 * Early drop remembers a v6 client by its /64: after a handshake, a new
 * conn from another host of that /64 is a known client's, one from
 * another /64 of the same /32 is not.
 */
static void test_v6_known_client_by_64(void **state)
{
	struct ipvs_dest *d = dest6_new(AF_INET6, IPVS_FWD_NAT);
	struct ipvs_conn t = tmpl6(d, NULL, 1, 41000, 1), *c;

	(void)state;
	ipvs_conn_flush_all();
	t.caddr6.s6_addr[7] = 0x64;            /* 2001:db8:9:64::1 */
	c = syn_of(&t);
	assert_false(c->flags & CONN_F_KNOWN);
	ipvs_conn_update(c, DIR_OUT, seg(0x12), false);   /* SYN+ACK */
	ipvs_conn_update(c, DIR_IN, seg(0x10), false);    /* ACK */
	assert_int_equal(c->state, CS_ESTABLISHED);
	t.cport++;
	t.caddr6.s6_addr[15] = 0x99;           /* same /64, another host */
	assert_true(syn_of(&t)->flags & CONN_F_KNOWN);
	t.cport++;
	t.caddr6.s6_addr[7] = 0x65;            /* same /32, another /64 */
	assert_false(syn_of(&t)->flags & CONN_F_KNOWN);
	ipvs_conn_flush_all();
	dest_free(d);
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_ipvs_conn6", "--no-huge", "-m", "128", "--no-pci",
			"--lcores", "0@0,(1-2)@1", "--file-prefix", prefix,
			"--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_key_bytes_unchanged),
		cmocka_unit_test(test_siphash_reference),
		cmocka_unit_test(test_v6_laddr_ports_by_family_and_worker),
		cmocka_unit_test(test_v6_new_lookup_both_dirs),
		cmocka_unit_test(test_nat64_out_key_is_v4),
		cmocka_unit_test(test_v6_digest_collision_is_a_miss),
		cmocka_unit_test(test_v6_dest_deleted_keeps_addresses),
		cmocka_unit_test(test_v6_churn_10x_pool),
		cmocka_unit_test(test_v6_known_client_by_64),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_ipvs_conn6_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("ipvs_conn6", tests, setup, teardown);
	rte_eal_cleanup();
	return rc;
}
