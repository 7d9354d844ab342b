/*
 * FullNAT replies found by local address and port (issue 16): a conn's
 * reply through its port's slot, the slot given back and reused, churn
 * at many times a worker's ports, a synced conn whose port another
 * holds keeps a reply key, the table of local addresses through many
 * adds and removals, and the connection pool at sizes the config takes.
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
#include "core/lcore.h"

#define NW 2
#define POOL 4096

static struct dpvs_conf conf;
static struct ipvs_dest *dest;
static struct ipvs_laddr *laddr;

static int init_pool(uint32_t n)
{
	conf.conn_pool_size = n;
	return ipvs_conn_init(&conf);
}

static int setup(void **state)
{
	(void)state;
	conf_defaults(&conf);
	conf.nworkers = NW;
	conf.workers[0].lcore = 1;
	conf.workers[1].lcore = 2;
	if (lcore_roles_init(&conf) < 0 || init_pool(POOL) < 0)
		return -1;
	dest = rte_zmalloc("dest", sizeof(*dest), 0);
	laddr = rte_zmalloc("laddr", sizeof(*laddr), 0);
	if (!dest || !laddr)
		return -1;
	dest->stats = rte_zmalloc("st", sizeof(*dest->stats) * NW, 0);
	dest->refcnt = 1;
	dest->af = dest->vaf = AF_INET;
	dest->addr = inet_v4(0x0a00010b);
	laddr->af = AF_INET;
	laddr->addr = inet_v4(0x0a000164);
	laddr->refcnt = 1;
	return dest->stats && ipvs_port_pools_init(laddr, NW) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ipvs_conn_flush_all();
	ipvs_conn_fini();
	return 0;
}

/* A FullNAT conn of worker w from client port cport, to server port dport. */
static struct ipvs_conn fnat(unsigned w, uint16_t cport, uint16_t dport)
{
	struct ipvs_conn c = {
		.caddr = 0x0b000002, .cport = cport,
		.vaddr = 0x0a000064, .vport = 80,
		.daddr = dest->addr.in4, .dport = dport,
		.laddr = laddr->addr.in4, .lport = ipvs_port_get(laddr, w),
		.proto = IPPROTO_TCP, .fwd = IPVS_FWD_FNAT, .state = CS_NONE,
		.dest = dest, .lobj = laddr,
	};

	return c;
}

static struct conn_tuple reply_of(const struct ipvs_conn *c)
{
	struct conn_tuple t = { c->daddr, c->laddr, c->dport, c->lport,
				c->proto };

	return t;
}

static struct ipvs_conn *find(unsigned w, struct conn_tuple t,
			      enum conn_dir *dir)
{
	return ipvs_conn_lookup(w, &t, dir);
}

static void test_reply_by_port(void **state)
{
	struct ipvs_conn t = fnat(1, 1000, 8080), *c;
	struct conn_tuple r = reply_of(&t), other;
	enum conn_dir dir = DIR_IN;
	const uint32_t *slot;

	(void)state;
	c = ipvs_conn_new(1, &t);
	assert_non_null(c);
	slot = ipvs_port_owner(laddr, 1, t.lport);
	assert_non_null(slot);
	assert_int_not_equal(*slot, 0);
	assert_ptr_equal(find(1, r, &dir), c);
	assert_int_equal(dir, DIR_OUT);
	/* Not w's port, another server, another protocol: no conn. */
	assert_null(find(0, r, &dir));
	assert_null(ipvs_port_owner(laddr, 0, t.lport));
	other = r;
	other.saddr++;
	assert_null(find(1, other, &dir));
	other = r;
	other.sport++;
	assert_null(find(1, other, &dir));
	other = r;
	other.proto = IPPROTO_UDP;
	assert_null(find(1, other, &dir));
	other = r;
	other.daddr++;   /* not a local address */
	assert_null(find(1, other, &dir));
	/* The slot is given back with the conn, and the port with it. */
	assert_true(ipvs_conn_evict_for_port(1, &laddr, 1));
	assert_int_equal(*slot, 0);
	assert_null(find(1, r, &dir));
}

static union inet_addr a6(uint16_t last)
{
	union inet_addr a = { .b = { 0x20, 0x01, 0x0d, 0xb8 } };

	a.b[14] = (uint8_t)(last >> 8);
	a.b[15] = (uint8_t)last;
	return a;
}

/* A FullNAT v6 conn's reply, by its v6 local address and port. */
static void test_reply_by_port6(void **state)
{
	struct ipvs_dest *d6 = rte_zmalloc("d6", sizeof(*d6), 0);
	struct ipvs_laddr *l6 = rte_zmalloc("l6", sizeof(*l6), 0);
	struct ipvs_conn t = { .cport = 5000, .vport = 80, .dport = 8080,
			       .proto = IPPROTO_TCP, .fwd = IPVS_FWD_FNAT,
			       .state = CS_NONE }, *c;
	struct conn_tuple6 r;
	enum conn_dir dir = DIR_IN;

	(void)state;
	assert_non_null(d6);
	assert_non_null(l6);
	d6->stats = rte_zmalloc("st6", sizeof(*d6->stats) * NW, 0);
	d6->refcnt = 1;
	d6->af = d6->vaf = AF_INET6;
	d6->addr = a6(0x9002);
	d6->vaddr = a6(0x100);
	l6->af = AF_INET6;
	l6->addr = a6(0xa001);
	l6->refcnt = 1;
	assert_int_equal(ipvs_port_pools_init(l6, NW), 0);
	t.caddr6 = a6(0x4001).in6;
	t.dest = d6;
	t.lobj = l6;
	t.lport = ipvs_port_get(l6, 1);
	c = ipvs_conn_new(1, &t);
	assert_non_null(c);
	assert_int_not_equal(*ipvs_port_owner(l6, 1, t.lport), 0);
	r = (struct conn_tuple6){ d6->addr.in6, l6->addr.in6, t.dport, t.lport,
				  IPPROTO_TCP };
	assert_ptr_equal(ipvs_conn_lookup6(1, &r, &dir), c);
	assert_int_equal(dir, DIR_OUT);
	r.saddr.s6_addr[15]++;   /* another server */
	assert_null(ipvs_conn_lookup6(1, &r, &dir));
	r.saddr.s6_addr[15]--;
	r.dport = (uint16_t)(t.lport + NW);   /* a port no conn holds */
	assert_null(ipvs_conn_lookup6(1, &r, &dir));
	r.dport = t.lport;
	assert_true(ipvs_conn_evict_for_port(1, &l6, 1));
	assert_null(ipvs_conn_lookup6(1, &r, &dir));
	assert_int_equal(*ipvs_port_owner(l6, 1, t.lport), 0);
}

/*
 * Many times a worker's ports in churn: each new conn takes the oldest
 * port, its slot names it, and the conn that held the port before is
 * found by neither direction.
 */
static void test_slot_churn(void **state)
{
	struct ipvs_conn *prev = NULL, prev_t = { 0 };
	enum conn_dir dir;

	(void)state;
	for (unsigned i = 0; i < 10 * (65536 - 1024) / NW; i++) {
		struct ipvs_conn t = fnat(1, (uint16_t)(2000 + i % 30000),
					  (uint16_t)(8000 + i % 7)), *c;
		struct conn_tuple in = { t.caddr, t.vaddr, t.cport, t.vport,
					 t.proto };

		assert_int_not_equal(t.lport, 0);
		c = ipvs_conn_new(1, &t);
		assert_non_null(c);
		assert_ptr_equal(find(1, reply_of(&t), &dir), c);
		assert_ptr_equal(ipvs_conn_lookup(1, &in, &dir), c);
		if (prev)
			assert_null(find(1, reply_of(&prev_t), &dir));
		/* The oldest embryo, c itself: its port goes back. */
		assert_true(ipvs_conn_evict_for_port(1, &laddr, 1));
		assert_null(find(1, reply_of(&t), &dir));
		assert_null(ipvs_conn_lookup(1, &in, &dir));
		prev = c;
		prev_t = t;
	}
	ipvs_conn_job_for(1);
	assert_int_equal(ipvs_conn_count(1), 0);
}

/*
 * A conn synced from the peer names a port a stale conn of this LB
 * holds: it is installed with a reply key, both are found, and a third
 * with the holder's very reply tuple is refused.
 */
static void test_synced_conn_on_a_held_port(void **state)
{
	struct ipvs_conn h = fnat(0, 3000, 8080), s, dup, *hc, *sc;
	enum conn_dir dir;

	(void)state;
	h.state = CS_ESTABLISHED;
	hc = ipvs_conn_new(0, &h);
	assert_non_null(hc);
	s = h;
	s.cport = 3001;
	s.dport = 8081;
	s.flags = CONN_F_SYNCED;
	assert_int_equal(ipvs_port_want(laddr, 0, h.lport), 0);
	s.flags |= CONN_F_PORT_WANT;
	sc = ipvs_conn_new(0, &s);
	assert_non_null(sc);
	assert_ptr_equal(find(0, reply_of(&h), &dir), hc);
	assert_ptr_equal(find(0, reply_of(&s), &dir), sc);
	assert_int_equal(dir, DIR_OUT);
	dup = h;
	dup.cport = 3002;
	dup.flags = CONN_F_SYNCED;
	assert_null(ipvs_conn_new(0, &dup));
	assert_int_equal(rte_errno, EEXIST);
	/* Gone, the keyed one leaves the holder alone. */
	ipvs_conn_flush_all();
	assert_null(find(0, reply_of(&h), &dir));
	assert_null(find(0, reply_of(&s), &dir));
	assert_int_equal(ipvs_conn_count(0), 0);
}

/*
 * Local addresses come and go (services added and removed): each one
 * present is found by address, each one gone is not, through the
 * table's rebuilds.
 */
static void test_local_addresses_churn(void **state)
{
	enum { N = 40, ROUNDS = 12 };
	struct ipvs_laddr *l = rte_zmalloc("ls", sizeof(*l) * N, 0);

	(void)state;
	assert_non_null(l);
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < N; i++) {
			l[i].af = AF_INET;
			l[i].addr = inet_v4(0x0c000000 + r * N + i);
			assert_int_equal(ipvs_port_pools_init(&l[i], NW), 0);
		}
		for (unsigned i = 0; i < N; i++) {
			assert_non_null(ipvs_port_owner_find(AF_INET, &l[i].addr,
							     1, 1025));
			assert_null(ipvs_port_owner_find(AF_INET, &l[i].addr,
							 1, 1024));
			assert_null(ipvs_port_owner_find(AF_INET6, &l[i].addr,
							 1, 1025));
		}
		for (unsigned i = 0; i < N; i++)
			ipvs_port_pools_free(&l[i]);
		/* The next add sweeps the unused sets out. */
		assert_int_equal(ipvs_port_pools_init(&l[0], NW), 0);
		for (unsigned i = 1; i < N; i++)
			assert_null(ipvs_port_owner_find(AF_INET, &l[i].addr,
							 1, 1025));
		assert_non_null(ipvs_port_owner_find(AF_INET, &l[0].addr, 1,
						     1025));
		ipvs_port_pools_free(&l[0]);
	}
	/* The fixture's own address survived every sweep. */
	assert_non_null(ipvs_port_owner_find(AF_INET, &laddr->addr, 1, 1025));
	rte_free(l);
}

/*
 * The pool at sizes the config takes (ipvs.conn_pool_size 1024 .. 2^26;
 * the largest is the start-up checks' to refuse on a small machine):
 * exactly n established conns, whatever n, and none more.
 */
static void test_pool_sizes(void **state)
{
	static const uint32_t sizes[] = { 1024, 1025, 3000, 4096 };

	(void)state;
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint32_t n = sizes[k], made = 0, size, used;

		ipvs_conn_flush_all();
		ipvs_conn_fini();
		assert_int_equal(init_pool(n), 0);
		assert_int_equal(ipvs_port_pools_init(laddr, NW), 0);
		ipvs_conn_pool_usage(&size, &used);
		assert_int_equal(size, n);
		assert_int_equal(used, 0);
		for (unsigned i = 0; i < n + 10; i++) {
			unsigned w = i % NW;
			struct ipvs_conn t = fnat(w, (uint16_t)(1024 + i / NW),
						  8080);

			t.state = CS_ESTABLISHED;
			if (ipvs_conn_new(w, &t))
				made++;
			else
				ipvs_port_put(laddr, w, t.lport);
		}
		assert_int_equal(made, n);
		ipvs_conn_pool_usage(&size, &used);
		assert_int_equal(used, n);
		assert_true(ipvs_conn_mem_need(&conf) > (uint64_t)n * 64);
	}
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_conn_lport", "--no-huge", "-m", "256", "--no-pci",
			"--lcores", "0@0,(1-2)@1", "--file-prefix", prefix,
			"--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_by_port),
		cmocka_unit_test(test_reply_by_port6),
		cmocka_unit_test(test_slot_churn),
		cmocka_unit_test(test_synced_conn_on_a_held_port),
		cmocka_unit_test(test_local_addresses_churn),
		cmocka_unit_test(test_pool_sizes),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_conn_lport_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("conn_lport", tests, setup, teardown);
	rte_eal_cleanup();
	return rc;
}
