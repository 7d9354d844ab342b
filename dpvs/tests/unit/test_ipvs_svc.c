/*
 * The service table on a real EAL, with a real reader on another lcore
 * (RCU, as a worker): a snapshot a reader holds stays whole across an
 * edit or a delete, and the master goes on only once the reader let go;
 * what is replaced or deleted is then freed (the DPDK heap comes back to
 * where it was); a real server referenced by a connection outlives its
 * service; key slots come back, for many times the table's size.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "core/lcore.h"
#include "core/rcu.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_ports.h"
#include "ipvs/ipvs_svc_priv.h"

#define READER 1                /* the reader's lcore */
#define VIP 0x0a000064
#define RS1 0x0a00010b
#define RS2 0x0a00010c
#define TCP 6
#define CHURN_ROUNDS 20         /* churn: times the table's size */
#define HOLD_MS 50              /* a reader's hold: far longer than a publish */

/* Blocks allocated on the DPDK heap: bytes would move with padding. */
static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;

	rte_malloc_get_socket_stats(0, &st);
	return st.alloc_count;
}

static struct ipvs_svc_conf svc_conf(uint32_t vip, uint16_t vport,
				     const char *sched)
{
	struct ipvs_svc_conf c = { .proto = TCP, .af = AF_INET, .vip.in4 = vip,
				   .vport = vport };

	snprintf(c.sched, sizeof(c.sched), "%s", sched);
	return c;
}

static struct ipvs_dest_conf dest_conf(uint32_t addr, uint8_t fwd,
				       int32_t weight)
{
	struct ipvs_dest_conf c = { .af = AF_INET, .addr.in4 = addr, .port = 8080, .fwd = fwd,
				    .weight = weight };

	return c;
}

/* 2001:db8::<n>, 2001:db8:1::<n> for real servers. */
static union inet_addr v6(uint16_t net, uint32_t n)
{
	union inet_addr a = { .b = { 0x20, 0x01, 0x0d, 0xb8 } };

	a.b[4] = (uint8_t)(net >> 8);
	a.b[5] = (uint8_t)net;
	a.b[12] = (uint8_t)(n >> 24);
	a.b[13] = (uint8_t)(n >> 16);
	a.b[14] = (uint8_t)(n >> 8);
	a.b[15] = (uint8_t)n;
	return a;
}

static struct ipvs_svc_conf svc6_conf(uint32_t n, uint16_t vport,
				      const char *sched)
{
	struct ipvs_svc_conf c = { .proto = TCP, .af = AF_INET6, .vip = v6(0, n),
				   .vport = vport };

	snprintf(c.sched, sizeof(c.sched), "%s", sched);
	return c;
}

static struct ipvs_dest_conf dest6_conf(uint32_t n, uint8_t fwd, int32_t weight)
{
	struct ipvs_dest_conf c = { .af = AF_INET6, .addr = v6(1, n), .port = 8080,
				    .fwd = fwd, .weight = weight };

	return c;
}

/* A v6 service with two v6 real servers, FullNAT and NAT. */
static struct ipvs_service *two_dest_svc6(uint32_t n, uint16_t vport)
{
	struct ipvs_svc_conf c = svc6_conf(n, vport, "rr");
	struct ipvs_dest_conf d1 = dest6_conf(11, IPVS_FWD_FNAT, 1);
	struct ipvs_dest_conf d2 = dest6_conf(12, IPVS_FWD_NAT, 2);
	struct ipvs_service *s;

	if (ipvs_svc_add(&c) != 0)
		return NULL;
	s = ipvs_svc_get(TCP, AF_INET6, &c.vip, vport);
	if (!s || ipvs_dest_add(s, &d1) != 0 || ipvs_dest_add(s, &d2) != 0)
		return NULL;
	return s;
}

/* A service with two real servers: RS1 by FullNAT, RS2 by NAT. */
static struct ipvs_service *two_dest_svc(uint32_t vip, uint16_t vport)
{
	struct ipvs_svc_conf c = svc_conf(vip, vport, "rr");
	struct ipvs_dest_conf d1 = dest_conf(RS1, IPVS_FWD_FNAT, 1);
	struct ipvs_dest_conf d2 = dest_conf(RS2, IPVS_FWD_NAT, 2);
	struct ipvs_service *s;

	if (ipvs_svc_add(&c) != 0)
		return NULL;
	s = ipvs_svc_get(TCP, AF_INET, INET_V4P(vip), vport);
	if (!s || ipvs_dest_add(s, &d1) != 0 || ipvs_dest_add(s, &d2) != 0)
		return NULL;
	return s;
}

/*
 * A worker's view held for HOLD_MS: what it reads of the snapshot it
 * took, and whether the master came back from its change meanwhile.
 */
struct hold {
	uint16_t vport;
	bool v6;                     /* the service of two_dest_svc6(1, vport) */
	int holding;                 /* the reader has its snapshot */
	int released;                /* ... and has let go */
	int master_back;             /* the master's change returned */
	int master_back_early;       /* ... while the reader still held it */
	unsigned ndests;             /* read through the hold */
	int32_t weight2;
	uint32_t addr2;
	uint32_t vip;
};

static int hold_snapshot(void *arg)
{
	struct hold *h = arg;
	const struct ipvs_service *s;
	const struct svc_snap *sn;
	uint64_t end;

	rcu_register(READER);
	if (h->v6) {
		union inet_addr vip = v6(0, 1);

		s = ipvs_svc_lookup6(TCP, &vip.in6, h->vport);
	} else {
		s = ipvs_svc_lookup(TCP, VIP, h->vport);
	}
	sn = __atomic_load_n(&s->snap, __ATOMIC_ACQUIRE);
	__atomic_store_n(&h->holding, 1, __ATOMIC_RELEASE);
	end = rte_get_tsc_cycles() + rte_get_tsc_hz() * HOLD_MS / 1000;
	while (rte_get_tsc_cycles() < end) {
		if (__atomic_load_n(&h->master_back, __ATOMIC_ACQUIRE))
			h->master_back_early = 1;
		h->vip = s->vip.in4;
		h->ndests = sn->ss.ndests;
		h->weight2 = sn->ss.dests[1].weight;
		h->addr2 = sn->dests[1]->addr.in4;
		rte_pause();
	}
	__atomic_store_n(&h->released, 1, __ATOMIC_RELEASE);
	rcu_unregister(READER);
	return 0;
}

static void start_hold_af(struct hold *h, uint16_t vport, bool is_v6)
{
	memset(h, 0, sizeof(*h));
	h->vport = vport;
	h->v6 = is_v6;
	assert_int_equal(rte_eal_remote_launch(hold_snapshot, h, READER), 0);
	while (!__atomic_load_n(&h->holding, __ATOMIC_ACQUIRE))
		rte_pause();
}

static void start_hold(struct hold *h, uint16_t vport)
{
	start_hold_af(h, vport, false);
}

/* Called the moment the master's change returned. */
static void end_hold(struct hold *h)
{
	int released = __atomic_load_n(&h->released, __ATOMIC_ACQUIRE);

	__atomic_store_n(&h->master_back, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(READER);
	assert_true(released);
	assert_false(h->master_back_early);
}

static void test_snapshot_outlives_an_edit(void **state)
{
	struct ipvs_dest_conf heavier = dest_conf(RS2, IPVS_FWD_NAT, 5);
	struct ipvs_service *s = two_dest_svc(VIP, 80);
	size_t before;
	struct hold h;

	(void)state;
	assert_non_null(s);
	before = heap_used();
	start_hold(&h, 80);
	assert_int_equal(ipvs_dest_edit(s, &heavier), 0);
	/*
	 * An edit frees nothing the old snapshot names, so it does not wait
	 * for the reader: the old snapshot is kept, retired, meanwhile.
	 */
	assert_false(__atomic_load_n(&h.released, __ATOMIC_ACQUIRE));
	rte_eal_wait_lcore(READER);
	/* The reader saw the old snapshot, whole, to the end. */
	assert_int_equal(h.ndests, 2);
	assert_int_equal(h.weight2, 2);
	assert_int_equal(s->snap->ss.dests[1].weight, 5);
	/* Its grace period over, the old one is freed: the new one is the same size. */
	ipvs_snap_quiesce();
	assert_int_equal(heap_used(), before);
	assert_int_equal(ipvs_svc_del(TCP, AF_INET, INET_V4P(VIP), 80), 0);
}

static void test_snapshot_outlives_a_dest_delete(void **state)
{
	struct ipvs_service *s = two_dest_svc(VIP, 81);
	struct hold h;

	(void)state;
	assert_non_null(s);
	start_hold(&h, 81);
	assert_int_equal(ipvs_dest_del(s, AF_INET, INET_V4P(RS2), 8080), 0);
	end_hold(&h);
	assert_int_equal(h.ndests, 2);
	assert_int_equal(h.addr2, RS2);
	assert_int_equal(s->ndests, 1);
	assert_int_equal(s->snap->ss.ndests, 1);
	assert_int_equal(ipvs_svc_del(TCP, AF_INET, INET_V4P(VIP), 81), 0);
}

static void test_snapshot_outlives_its_service(void **state)
{
	size_t before = heap_used();
	uint32_t used, size;
	struct hold h;

	(void)state;
	assert_non_null(two_dest_svc(VIP, 82));
	start_hold(&h, 82);
	assert_int_equal(ipvs_svc_del(TCP, AF_INET, INET_V4P(VIP), 82), 0);
	end_hold(&h);
	assert_int_equal(h.vip, VIP);
	assert_int_equal(h.ndests, 2);
	assert_int_equal(h.addr2, RS2);
	assert_null(ipvs_svc_get(TCP, AF_INET, INET_V4P(VIP), 82));
	/* Service, snapshot and both servers freed; the key slot is back. */
	assert_int_equal(heap_used(), before);
	ipvs_svc_usage(&used, &size);
	assert_int_equal(used, 0);
}

/* A connection's reference keeps a deleted server, NAT-counted, alive. */
static void test_dest_reference_outlives_its_service(void **state)
{
	size_t before = heap_used();
	struct ipvs_service *s = two_dest_svc(VIP, 83);
	struct ipvs_dest *d;

	(void)state;
	assert_non_null(s);
	assert_int_equal(ipvs_nat_dests, 1);
	d = s->dests->next;
	assert_int_equal(d->addr.in4, RS2);
	__atomic_add_fetch(&d->refcnt, 1, __ATOMIC_RELAXED); /* as a conn */
	assert_int_equal(ipvs_svc_del(TCP, AF_INET, INET_V4P(VIP), 83), 0);
	/* NAT replies of its connections still need the hand-over. */
	assert_int_equal(ipvs_nat_dests, 1);
	assert_int_equal(d->refcnt, 1);
	assert_int_equal(d->addr.in4, RS2);
	ipvs_dest_put(d);
	assert_int_equal(ipvs_nat_dests, 0);
	assert_int_equal(heap_used(), before);
}

/* Changing a server's method moves it in and out of the NAT count. */
static void test_edit_moves_the_nat_count(void **state)
{
	struct ipvs_dest_conf fnat = dest_conf(RS2, IPVS_FWD_FNAT, 2);
	struct ipvs_dest_conf nat = dest_conf(RS1, IPVS_FWD_NAT, 1);
	struct ipvs_service *s = two_dest_svc(VIP, 84);

	(void)state;
	assert_non_null(s);
	assert_int_equal(ipvs_nat_dests, 1);
	assert_int_equal(ipvs_dest_edit(s, &fnat), 0);
	assert_int_equal(ipvs_nat_dests, 0);
	assert_int_equal(ipvs_dest_edit(s, &nat), 0);
	assert_int_equal(ipvs_nat_dests, 1);
	assert_int_equal(ipvs_dest_del(s, AF_INET, INET_V4P(RS1), 8080), 0);
	assert_int_equal(ipvs_nat_dests, 0);
	assert_int_equal(ipvs_svc_del(TCP, AF_INET, INET_V4P(VIP), 84), 0);
}

/*
 * A worker looking services up the whole time the master churns: every
 * service it finds is the one it asked for, with a snapshot.
 */
struct churn_reader {
	uint32_t nsvc;
	int stop;
	uint64_t found;
	uint64_t wrong;
};

static int churn_read(void *arg)
{
	struct churn_reader *r = arg;
	uint32_t i = 0;

	rcu_register(READER);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		uint32_t vip = VIP + i % r->nsvc;
		struct ipvs_service *s = ipvs_svc_lookup(TCP, vip, 90);

		if (s) {
			const struct svc_snap *sn =
				__atomic_load_n(&s->snap, __ATOMIC_ACQUIRE);

			r->found++;
			if (s->vip.in4 != vip || !sn || sn->ss.ndests > 2)
				r->wrong++;
		}
		rcu_quiescent(READER);
		i++;
	}
	rcu_unregister(READER);
	return 0;
}

static void churn_round(uint32_t n)
{
	struct ipvs_svc_conf extra = svc_conf(VIP + n, 90, "rr");
	uint32_t used, size;

	for (uint32_t i = 0; i < n; i++)
		assert_non_null(two_dest_svc(VIP + i, 90));
	/* Full at exactly its configured size. */
	assert_int_equal(ipvs_svc_add(&extra), -ENOSPC);
	ipvs_svc_usage(&used, &size);
	assert_int_equal(used, n);
	assert_int_equal(size, n);
	for (uint32_t i = 0; i < n; i++) {
		struct ipvs_svc_conf c = svc_conf(VIP + i, 90, "wlc");

		assert_int_equal(ipvs_svc_edit(&c), 0);
	}
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(ipvs_svc_del(TCP, AF_INET, INET_V4P(VIP + i), 90), 0);
}

static void churn(uint32_t n)
{
	struct churn_reader r = { .nsvc = n };
	uint32_t used, size;
	size_t before;

	ipvs_svc_table_fini();
	assert_int_equal(ipvs_svc_table_init(n), 0);
	before = heap_used();
	assert_int_equal(rte_eal_remote_launch(churn_read, &r, READER), 0);
	for (unsigned round = 0; round < CHURN_ROUNDS; round++)
		churn_round(n);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(READER);
	assert_true(r.found > 0);
	assert_int_equal(r.wrong, 0);
	ipvs_svc_usage(&used, &size);
	assert_int_equal(used, 0);
	assert_int_equal(ipvs_nat_dests, 0);
	assert_int_equal(heap_used(), before);
}

/* The smallest table the config accepts, and an odd size. */
static void test_churn_gives_key_slots_back(void **state)
{
	(void)state;
	churn(16);
	churn(1000);
}

/*
 * IPv6 services: their own table, found by the workers' lookup6 and by
 * get, edited and deleted like v4 ones; a v4 VIP whose bytes match a
 * v6 one's is another service.
 */
static void test_v6_service_lifecycle(void **state)
{
	struct ipvs_svc_conf c = svc6_conf(1, 80, "rr");
	struct ipvs_svc_conf v4 = svc_conf(0x20010db8, 80, "rr");
	union inet_addr vip = v6(0, 1);
	size_t before = heap_used();
	struct ipvs_service *s;
	char n[IPVS_NAME_LEN];
	uint32_t used, size;

	(void)state;
	assert_int_equal(ipvs_svc_add(&c), 0);
	assert_int_equal(ipvs_svc_add(&c), -EEXIST);
	assert_int_equal(ipvs_svc_add(&v4), 0);
	s = ipvs_svc_lookup6(TCP, &vip.in6, 80);
	assert_non_null(s);
	assert_ptr_equal(ipvs_svc_get(TCP, AF_INET6, &vip, 80), s);
	assert_ptr_not_equal(ipvs_svc_lookup(TCP, 0x20010db8, 80), s);
	assert_null(ipvs_svc_lookup6(TCP, &vip.in6, 81));
	assert_null(ipvs_svc_lookup6(17, &vip.in6, 80));
	assert_int_equal(s->af, AF_INET6);
	assert_memory_equal(&s->vip, &vip, sizeof(vip));
	assert_int_equal(s->netmask, 128);
	assert_int_equal(s->snap->af, AF_INET6);
	assert_int_equal(s->snap->plen6, 128);
	assert_string_equal(ipvs_svc_str(s, n, sizeof(n)), "TCP [2001:db8::1]:80");
	ipvs_svc_usage(&used, &size);
	assert_int_equal(used, 2);
	/* Edited in place: the same object, a new snapshot. */
	c.netmask = 64;
	snprintf(c.sched, sizeof(c.sched), "sh");
	assert_int_equal(ipvs_svc_edit(&c), 0);
	assert_string_equal(s->sched, "sh");
	assert_int_equal(s->snap->plen6, 64);
	assert_int_equal(ipvs_svc_del(TCP, AF_INET6, &vip, 80), 0);
	assert_int_equal(ipvs_svc_del(TCP, AF_INET6, &vip, 80), -ENOENT);
	assert_int_equal(ipvs_svc_edit(&c), -ENOENT);
	assert_null(ipvs_svc_lookup6(TCP, &vip.in6, 80));
	assert_non_null(ipvs_svc_lookup(TCP, 0x20010db8, 80));
	assert_int_equal(ipvs_svc_del(TCP, AF_INET, INET_V4P(0x20010db8), 80), 0);
	assert_int_equal(heap_used(), before);
}

/* What a v6 service refuses, and that a refusal leaves nothing behind. */
static void test_v6_service_refusals(void **state)
{
	struct ipvs_svc_conf c = svc6_conf(2, 80, "rr");
	size_t before = heap_used();
	uint32_t used, size;

	(void)state;
	c.netmask = 129;
	assert_int_equal(ipvs_svc_add(&c), -EINVAL);
	c.netmask = 0;
	c.af = 7;
	assert_int_equal(ipvs_svc_add(&c), -EAFNOSUPPORT);
	assert_null(ipvs_svc_get(TCP, 7, &c.vip, 80));
	assert_int_equal(ipvs_svc_del(TCP, 7, &c.vip, 80), -ENOENT);
	c.af = AF_INET6;
	c.vip.b[0] = 0xff;         /* multicast */
	assert_int_equal(ipvs_svc_add(&c), -EINVAL);
	memset(&c.vip, 0, sizeof(c.vip));
	assert_int_equal(ipvs_svc_add(&c), -EINVAL);
	c = svc6_conf(2, 80, "nosuch");
	assert_int_equal(ipvs_svc_add(&c), -ENOENT);
	c = svc6_conf(2, 80, "rr");
	c.flags = IPVS_SVC_F_PROXY_V1 | IPVS_SVC_F_PROXY_V2;
	assert_int_equal(ipvs_svc_add(&c), -EINVAL);
	c.flags = 0;
	assert_int_equal(ipvs_svc_add(&c), 0);
	c.netmask = 200;
	assert_int_equal(ipvs_svc_edit(&c), -EINVAL);
	assert_int_equal(ipvs_svc_get(TCP, AF_INET6, &c.vip, 80)->netmask, 128);
	ipvs_svc_flush();
	ipvs_svc_usage(&used, &size);
	assert_int_equal(used, 0);
	assert_int_equal(heap_used(), before);
}

/*
 * Real servers: the service's family for every method; NAT64 (a v4
 * server of a v6 service) by FullNAT only, and an edit cannot move it
 * off FullNAT; every other pair is refused and leaves nothing behind.
 */
static void test_dest_family_rules(void **state)
{
	static const uint8_t fwds[] = { IPVS_FWD_FNAT, IPVS_FWD_DR, IPVS_FWD_NAT,
					IPVS_FWD_TUN };
	struct ipvs_svc_conf c4 = svc_conf(VIP, 85, "rr"), c6 = svc6_conf(5, 85, "rr");
	struct ipvs_service *s4, *s6;
	struct ipvs_dest_conf d;
	size_t before = heap_used();

	(void)state;
	assert_int_equal(ipvs_svc_add(&c4), 0);
	assert_int_equal(ipvs_svc_add(&c6), 0);
	s4 = ipvs_svc_get(TCP, AF_INET, &c4.vip, 85);
	s6 = ipvs_svc_get(TCP, AF_INET6, &c6.vip, 85);
	for (unsigned i = 0; i < sizeof(fwds); i++) {
		d = dest6_conf(20 + i, fwds[i], 1);
		assert_int_equal(ipvs_dest_add(s4, &d), -EAFNOSUPPORT);
		assert_int_equal(ipvs_dest_add(s6, &d), 0);
		d = dest_conf(RS1 + i, fwds[i], 1);
		assert_int_equal(ipvs_dest_add(s4, &d), 0);
		assert_int_equal(ipvs_dest_add(s6, &d),
				 fwds[i] == IPVS_FWD_FNAT ? 0 : -EAFNOSUPPORT);
		d.af = 0;
		assert_int_equal(ipvs_dest_add(s6, &d), -EAFNOSUPPORT);
		d.af = 7;
		assert_int_equal(ipvs_dest_add(s4, &d), -EAFNOSUPPORT);
	}
	assert_int_equal(s4->ndests, 4);
	assert_int_equal(s6->ndests, 5);
	assert_int_equal(s6->snap->ss.ndests, 5);
	/* The schedulers' view carries each server's family and address. */
	d = dest6_conf(20, IPVS_FWD_FNAT, 1);
	assert_int_equal(s6->snap->ss.dests[0].af, AF_INET6);
	assert_memory_equal(s6->snap->ss.dests[0].addr6, &d.addr, 16);
	assert_int_equal(s6->snap->ss.dests[1].af, AF_INET);
	assert_int_equal(s6->snap->ss.dests[1].addr, RS1);
	/* The NAT64 server stays FullNAT. */
	d = dest_conf(RS1, IPVS_FWD_NAT, 3);
	assert_int_equal(ipvs_dest_edit(s6, &d), -EAFNOSUPPORT);
	assert_int_equal(s6->dests->next->af, AF_INET);
	assert_int_equal(s6->dests->next->fwd, IPVS_FWD_FNAT);
	assert_int_equal(s6->dests->next->weight, 1);
	d.fwd = IPVS_FWD_FNAT;
	assert_int_equal(ipvs_dest_edit(s6, &d), 0);
	assert_int_equal(s6->dests->next->weight, 3);
	/* A v6 server on a multicast or unspecified address. */
	d = dest6_conf(30, IPVS_FWD_FNAT, 1);
	d.addr.b[0] = 0xff;
	assert_int_equal(ipvs_dest_add(s6, &d), -EINVAL);
	memset(&d.addr, 0, sizeof(d.addr));
	assert_int_equal(ipvs_dest_add(s6, &d), -EINVAL);
	/* Found by family and address: the v6 server, not a v4 look-alike. */
	d = dest6_conf(20, IPVS_FWD_FNAT, 1);
	assert_int_equal(ipvs_dest_add(s6, &d), -EEXIST);
	assert_int_equal(ipvs_dest_del(s6, AF_INET, &d.addr, 8080), -ENOENT);
	assert_int_equal(ipvs_dest_del(s6, AF_INET6, &d.addr, 8080), 0);
	assert_int_equal(ipvs_dest_del(s6, AF_INET6, &d.addr, 8080), -ENOENT);
	assert_int_equal(ipvs_dest_del(s6, AF_INET, INET_V4P(RS1), 8080), 0);
	assert_int_equal(s6->ndests, 3);
	ipvs_svc_flush();
	assert_int_equal(ipvs_nat_dests, 0);
	assert_int_equal(heap_used(), before);
}

/*
 * Local addresses: v4 ones for any service, v6 ones for v6 services;
 * the snapshot lists the v4 ones first (what v4 and NAT64 conns pick
 * from), then the v6 ones; the limit counts both.
 */
static void test_laddr_family_rules(void **state)
{
	struct ipvs_svc_conf c4 = svc_conf(VIP, 86, "rr"), c6 = svc6_conf(6, 86, "rr");
	union inet_addr a6 = v6(2, 100), m6 = v6(2, 1);
	struct ipvs_service *s4, *s6;
	size_t before = heap_used();
	unsigned i;

	(void)state;
	assert_int_equal(ipvs_svc_add(&c4), 0);
	assert_int_equal(ipvs_svc_add(&c6), 0);
	s4 = ipvs_svc_get(TCP, AF_INET, &c4.vip, 86);
	s6 = ipvs_svc_get(TCP, AF_INET6, &c6.vip, 86);
	assert_int_equal(ipvs_laddr_add(s4, AF_INET6, &a6, 0), -EAFNOSUPPORT);
	assert_int_equal(ipvs_laddr_add(s4, 7, &a6, 0), -EAFNOSUPPORT);
	assert_int_equal(ipvs_laddr_add(s6, AF_INET6, &a6, 0), 0);
	assert_int_equal(ipvs_laddr_add(s6, AF_INET6, &a6, 0), -EEXIST);
	assert_int_equal(ipvs_laddr_add(s6, AF_INET, INET_V4P(0x0a000164), 0), 0);
	assert_int_equal(ipvs_laddr_add(s4, 0, INET_V4P(0x0a000164), 0), 0);
	m6.b[0] = 0xff;
	assert_int_equal(ipvs_laddr_add(s6, AF_INET6, &m6, 0), -EINVAL);
	assert_int_equal(s6->snap->nladdr, 1);
	assert_int_equal(s6->snap->nladdr6, 1);
	assert_int_equal(s6->snap->laddrs[0]->af, AF_INET);
	assert_int_equal(s6->snap->laddrs[1]->af, AF_INET6);
	assert_true(inet_addr_eq(&s6->snap->laddrs[1]->addr, &a6));
	assert_int_equal(s4->snap->nladdr, 1);
	assert_int_equal(s4->snap->nladdr6, 0);
	/* The v6 address's ports are its own, found by family and address. */
	assert_true(ipvs_port_set_in_use(AF_INET6, &a6));
	assert_false(ipvs_port_set_in_use(AF_INET, &a6));
	assert_true(ipvs_port_set_used(0x0a000164));
	for (i = 2; i < IPVS_MAX_LADDR; i++) {
		union inet_addr a = v6(2, 200 + i);

		assert_int_equal(ipvs_laddr_add(s6, AF_INET6, &a, 0), 0);
	}
	m6 = v6(2, 999);
	assert_int_equal(ipvs_laddr_add(s6, AF_INET6, &m6, 0), -ENOSPC);
	assert_int_equal(ipvs_laddr_add(s6, AF_INET, INET_V4P(0x0a000165), 0), -ENOSPC);
	assert_int_equal(s6->snap->nladdr + s6->snap->nladdr6, IPVS_MAX_LADDR);
	assert_int_equal(ipvs_laddr_del(s6, AF_INET, &a6), -ENOENT);
	assert_int_equal(ipvs_laddr_del(s6, AF_INET6, &a6), 0);
	assert_int_equal(ipvs_laddr_del(s6, AF_INET6, &a6), -ENOENT);
	assert_int_equal(s6->snap->nladdr6, IPVS_MAX_LADDR - 2);
	m6 = v6(2, 202);
	assert_true(ipvs_port_set_in_use(AF_INET6, &m6));
	ipvs_svc_flush();
	assert_false(ipvs_port_set_in_use(AF_INET6, &m6));
	ipvs_port_sets_fini();     /* the master's sweep of unused port sets */
	assert_int_equal(heap_used(), before);
}

/* A worker holding a v6 service's snapshot keeps it whole past its delete. */
static void test_v6_snapshot_outlives_its_service(void **state)
{
	union inet_addr vip = v6(0, 1);
	size_t before = heap_used();
	struct hold h;

	(void)state;
	assert_non_null(two_dest_svc6(1, 87));
	start_hold_af(&h, 87, true);
	assert_int_equal(ipvs_svc_del(TCP, AF_INET6, &vip, 87), 0);
	end_hold(&h);
	assert_int_equal(h.ndests, 2);
	assert_int_equal(h.weight2, 2);
	assert_null(ipvs_svc_lookup6(TCP, &vip.in6, 87));
	assert_int_equal(heap_used(), before);
}

/* The v4 names in the log are what they always were. */
static void test_names_of_both_families(void **state)
{
	union inet_addr a6 = v6(1, 0x11);
	char n[IPVS_NAME_LEN];

	(void)state;
	assert_string_equal(ipvs_addr_str(AF_INET, INET_V4P(RS1), 80, n, sizeof(n)),
			    "10.0.1.11:80");
	assert_string_equal(ipvs_addr_str(AF_INET, INET_V4P(RS1), 0, n, sizeof(n)),
			    "10.0.1.11");
	assert_string_equal(ipvs_addr_str(AF_INET6, &a6, 80, n, sizeof(n)),
			    "[2001:db8:1::11]:80");
	assert_string_equal(ipvs_addr_str(AF_INET6, &a6, 0, n, sizeof(n)),
			    "2001:db8:1::11");
	memset(&a6, 0xff, sizeof(a6));
	a6.b[0] = 0x20;
	assert_string_equal(ipvs_addr_str(AF_INET6, &a6, 65535, n, sizeof(n)),
			    "[20ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

/*
 * A worker looking services of both families up while the master
 * churns both: max_services bounds the two tables together.
 */
struct churn6_reader {
	uint32_t nsvc;               /* of each family */
	int stop;
	uint64_t found;
	uint64_t wrong;
};

static int churn6_read(void *arg)
{
	struct churn6_reader *r = arg;
	uint32_t i = 0;

	rcu_register(READER);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		union inet_addr vip = v6(0, 1 + i % r->nsvc);
		struct ipvs_service *s = i & 1 ?
			ipvs_svc_lookup6(TCP, &vip.in6, 90) :
			ipvs_svc_lookup(TCP, VIP + i % r->nsvc, 90);

		if (s) {
			const struct svc_snap *sn =
				__atomic_load_n(&s->snap, __ATOMIC_ACQUIRE);
			bool ok = i & 1 ? s->af == AF_INET6 &&
				  inet_addr_eq(&s->vip, &vip) :
				  s->af == AF_INET && s->vip.in4 == VIP + i % r->nsvc;

			r->found++;
			if (!ok || !sn || sn->ss.ndests > 2)
				r->wrong++;
		}
		rcu_quiescent(READER);
		i++;
	}
	rcu_unregister(READER);
	return 0;
}

static void churn6_round(uint32_t half)
{
	struct ipvs_svc_conf extra4 = svc_conf(VIP + half, 90, "rr");
	struct ipvs_svc_conf extra6 = svc6_conf(1 + half, 90, "rr");
	uint32_t used, size;

	for (uint32_t i = 0; i < half; i++) {
		assert_non_null(two_dest_svc(VIP + i, 90));
		assert_non_null(two_dest_svc6(1 + i, 90));
	}
	/* One limit over both tables: each refuses once the sum is full. */
	assert_int_equal(ipvs_svc_add(&extra4), -ENOSPC);
	assert_int_equal(ipvs_svc_add(&extra6), -ENOSPC);
	ipvs_svc_usage(&used, &size);
	assert_int_equal(used, 2 * half);
	for (uint32_t i = 0; i < half; i++) {
		struct ipvs_svc_conf c = svc6_conf(1 + i, 90, "mh");

		assert_int_equal(ipvs_svc_edit(&c), 0);
	}
	for (uint32_t i = 0; i < half; i++) {
		union inet_addr vip = v6(0, 1 + i);

		assert_int_equal(ipvs_svc_del(TCP, AF_INET6, &vip, 90), 0);
		assert_int_equal(ipvs_svc_del(TCP, AF_INET, INET_V4P(VIP + i), 90), 0);
	}
}

static void churn6(uint32_t n)
{
	struct churn6_reader r = { .nsvc = n / 2 };
	uint32_t used, size;
	size_t before;

	ipvs_svc_table_fini();
	assert_int_equal(ipvs_svc_table_init(n), 0);
	before = heap_used();
	assert_int_equal(rte_eal_remote_launch(churn6_read, &r, READER), 0);
	for (unsigned round = 0; round < CHURN_ROUNDS; round++)
		churn6_round(n / 2);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(READER);
	assert_true(r.found > 0);
	assert_int_equal(r.wrong, 0);
	ipvs_svc_usage(&used, &size);
	assert_int_equal(used, 0);
	assert_int_equal(size, n);
	assert_int_equal(ipvs_nat_dests, 0);
	assert_int_equal(heap_used(), before);
}

static void test_churn_both_families(void **state)
{
	(void)state;
	churn6(16);
	churn6(1000);
}

/* A failed test leaves no service behind for the next. */
static int flush(void **state)
{
	(void)state;
	ipvs_svc_flush();
	return 0;
}

static int setup(void **state)
{
	static struct dpvs_conf conf;

	(void)state;
	conf_defaults(&conf);
	conf.nworkers = 1;
	conf.workers[0].lcore = READER;
	if (lcore_roles_init(&conf) < 0 || rcu_init() < 0)
		return -1;
	return ipvs_svc_table_init(64);
}

static int teardown(void **state)
{
	(void)state;
	ipvs_svc_table_fini();
	rcu_fini();
	return 0;
}

int main(void)
{
	char prefix[64], dir[96];
	char *eal[] = { "test_ipvs_svc", "--no-huge", "-m", "64", "--no-pci",
			"--no-shconf", "--no-telemetry", "--lcores", "0@0,1@1",
			"--file-prefix", prefix, "--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_snapshot_outlives_an_edit, flush),
		cmocka_unit_test_teardown(test_snapshot_outlives_a_dest_delete, flush),
		cmocka_unit_test_teardown(test_snapshot_outlives_its_service, flush),
		cmocka_unit_test_teardown(test_dest_reference_outlives_its_service, flush),
		cmocka_unit_test_teardown(test_edit_moves_the_nat_count, flush),
		cmocka_unit_test_teardown(test_churn_gives_key_slots_back, flush),
		cmocka_unit_test_teardown(test_v6_service_lifecycle, flush),
		cmocka_unit_test_teardown(test_v6_service_refusals, flush),
		cmocka_unit_test_teardown(test_v6_snapshot_outlives_its_service, flush),
		cmocka_unit_test_teardown(test_names_of_both_families, flush),
		cmocka_unit_test_teardown(test_dest_family_rules, flush),
		cmocka_unit_test_teardown(test_laddr_family_rules, flush),
		cmocka_unit_test_teardown(test_churn_both_families, flush),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_ipvs_svc_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("ipvs_svc", tests, setup, teardown);
	rte_eal_cleanup();
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	rmdir(dir);
	return rc;
}
