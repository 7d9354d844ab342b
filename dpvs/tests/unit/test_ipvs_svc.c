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
	s = ipvs_svc_lookup(TCP, VIP, h->vport);
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

static void start_hold(struct hold *h, uint16_t vport)
{
	memset(h, 0, sizeof(*h));
	h->vport = vport;
	assert_int_equal(rte_eal_remote_launch(hold_snapshot, h, READER), 0);
	while (!__atomic_load_n(&h->holding, __ATOMIC_ACQUIRE))
		rte_pause();
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
	end_hold(&h);
	/* The reader saw the old snapshot, whole, to the end. */
	assert_int_equal(h.ndests, 2);
	assert_int_equal(h.weight2, 2);
	assert_int_equal(s->snap->ss.dests[1].weight, 5);
	/* The old snapshot was freed: the new one is the same size. */
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
	assert_true(heap_used() > before);
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
	assert_true(heap_used() > before);
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
