/*
 * Connection sync, the data plane, past the installer on the in-process
 * daemon (test_ipvs_sync_env.c): the directory's hand-over of a client
 * packet on the wrong worker, sync.backup_only, persistence templates,
 * a full directory, churn past the rings' and the directory's sizes
 * with nothing left behind, churn of stale conns whose ports records
 * reuse.
 */
#include <errno.h>

#include <rte_tcp.h>

#include "core/lcore.h"
#include "ipvs/ipvs_conn_int.h"
#include "ipvs/sync_dir.h"
#include "net/pktstats.h"
#include "test_ipvs_sync_env.h"

/*
 * A client packet reaching a worker other than its synced conn's is
 * handed to the owner once and forwarded once; one of a tuple the owner
 * does not have is handed over once and dropped there, never passed on.
 */
static void test_directory_handover(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_DR, CLIENT, 43060,
					  "10.0.0.102", "10.0.1.13", 80,
					  CS_ESTABLISHED);
	unsigned lc0 = lcore_workers()[0], lc1 = lcore_workers()[1];
	uint64_t ho0 = pktstats[lc0].ipvs_handover;
	uint64_t drop1 = pktstats[lc1].ipvs_no_conn;
	struct ipvs_sync_stats s0 = sync_counts();
	uint32_t dst = 0;
	struct conn_key key;

	(void)state;
	key_of(&key, IPPROTO_TCP, CLIENT, 43061, ip4("10.0.0.102"), 80);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.widx = 1;
	post_and_install(&r, 2);
	assert_non_null(find_conn(1, &r));
	assert_true(sync_dir_count() >= 1);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43060,
				RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG), 1);
	assert_int_equal(find_conn(1, &r)->state, CS_FIN_WAIT);
	assert_null(find_conn(0, &r));
	assert_int_equal(sync_counts().handover - s0.handover, 1);
	assert_int_equal(pktstats[lc0].ipvs_handover - ho0, 1);
	/* An entry whose conn is not on its owner: one hop, then dropped. */
	assert_int_equal(sync_dir_add(&key, 1), 0);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43061, RTE_TCP_ACK_FLAG), 0);
	run_workers(3);
	assert_int_equal(take_sent(&dst), 0);
	assert_int_equal(sync_counts().handover - s0.handover, 2);
	assert_int_equal(pktstats[lc1].ipvs_no_conn - drop1, 1);
	sync_dir_del(&key, 1);
	/* Not in the directory: no hand-over, the usual drop. */
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43061, RTE_TCP_ACK_FLAG), 0);
	assert_int_equal(sync_counts().handover - s0.handover, 2);
}

/*
 * A later record of a synced conn goes to the worker that holds it,
 * whatever its owner guess says now (the peer restarted with another
 * worker count): updated there, never a second copy elsewhere.
 */
static void test_record_follows_its_conn(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_DR, CLIENT, 43100,
					  "10.0.0.102", "10.0.1.13", 80,
					  CS_ESTABLISHED);
	struct ipvs_sync_stats s0 = sync_counts();
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.widx = 2;
	post_and_install(&r, 3);   /* three workers there: 10.0.0.2 is even */
	c = find_conn(0, &r);
	assert_non_null(c);
	r.widx = 1;
	r.state = CS_FIN_WAIT;
	post_and_install(&r, 2);   /* as many as here: its worker would be 1 */
	assert_null(find_conn(1, &r));
	assert_ptr_equal(find_conn(0, &r), c);
	assert_int_equal(c->state, CS_FIN_WAIT);
	assert_int_equal(sync_counts().updated - s0.updated, 1);
	assert_int_equal(sync_counts().installed - s0.installed, 1);
}

/* sync.backup_only: a BACKUP without MASTER makes no conn. */
static void test_backup_only(void **state)
{
	struct ipvs_sync_params p = { { 3, 50 }, 60, false, true };
	struct ipvs_sync_stats s0 = sync_counts();

	(void)state;
	ipvs_sync_set_params(&p);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43070, RTE_TCP_SYN_FLAG), 0);
	assert_int_equal(sync_counts().backup_only - s0.backup_only, 1);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP | IPVS_SYNC_MASTER);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43070, RTE_TCP_SYN_FLAG), 1);
	p.backup_only = false;
	ipvs_sync_set_params(&p);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43071, RTE_TCP_SYN_FLAG), 1);
}

/* The real server a new conn of client caddr to the persistent VIP gets. */
static uint32_t server_for(uint32_t caddr, uint16_t cport)
{
	struct ipvs_sync_rec k = { .proto = IPPROTO_TCP, .caddr = caddr,
				   .cport = cport, .vaddr = ip4("10.0.0.105"),
				   .vport = 80 };
	unsigned w = caddr % NW;   /* a worker; the pin is the LB's */
	struct ipvs_conn *c;

	assert_int_equal(tcp_in(w, "10.0.0.105", caddr, cport, RTE_TCP_SYN_FLAG), 1);
	c = find_conn(w, &k);
	assert_non_null(c);
	return c->daddr;
}

/*
 * Persistence: the MASTER sends a template when it pins a client; the
 * BACKUP pins the client from a template record or from a synced conn,
 * so after a failover the client keeps its real server.
 */
static void test_templates(void **state)
{
	struct ipvs_sync_rec out[8], t;
	struct ipvs_sync_rec c = conn_rec(IPVS_FWD_DR, 0x0a00000a, 44010,
					  "10.0.0.105", "10.0.1.13", 80,
					  CS_ESTABLISHED);
	struct ipvs_sync_stats s0 = sync_counts();
	uint32_t first;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	first = server_for(0x0a000008, 44000);
	assert_int_equal(drain_all(0, out, 8), 1);
	assert_int_equal(out[0].rtype, IPVS_SYNC_TMPL);
	assert_int_equal(out[0].caddr, 0x0a000008);
	assert_int_equal(out[0].vaddr, ip4("10.0.0.105"));
	assert_int_equal(out[0].daddr, first);
	assert_int_equal(out[0].dport, 80);
	assert_int_equal(out[0].timeout_s, 300);
	/* Pinned: no new template, the same server. */
	assert_int_equal(server_for(0x0a000008, 44001), first);
	assert_int_equal(drain_all(0, out, 8), 0);
	/* The BACKUP: a template for 10.0.0.9 on .14, a conn of .10 on .13. */
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	t = out[0];
	t.caddr = 0x0a000009;
	t.daddr = ip4("10.0.1.14");
	post_and_install(&t, 2);
	post_and_install(&c, 2);
	assert_int_equal(sync_counts().installed - s0.installed, 2);
	for (uint16_t p = 0; p < 4; p++) {
		assert_int_equal(server_for(0x0a000009, (uint16_t)(44020 + p)),
				 ip4("10.0.1.14"));
		assert_int_equal(server_for(0x0a00000a, (uint16_t)(44030 + p)),
				 ip4("10.0.1.13"));
	}
	/* A template of a service that is not persistent here is refused. */
	t.vaddr = ip4("10.0.0.102");
	t.daddr = ip4("10.0.1.13");
	post_and_install(&t, 2);
	assert_int_equal(sync_counts().no_service - s0.no_service, 1);
}

/* Posts n records r (cport and lport varied by i0 + k), installing as it goes. */
static void post_many(struct ipvs_sync_rec *r, unsigned i0, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		unsigned i = i0 + k;

		r->caddr = 0x0b000000u + i / 50000;
		r->cport = (uint16_t)(1024 + i % 50000);
		r->lport = (uint16_t)(1024 + i % 60000);
		while (ipvs_sync_post(r, 2) == -ENOBUFS)
			run_workers(1);
	}
	run_workers(RING / 256 + 2);
}

/*
 * A full directory: the conns are installed anyway, counted; client
 * packets reaching their owners directly still find them.
 */
static void test_directory_full(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_DR, CLIENT, 0, "10.0.0.102",
					  "10.0.1.13", 80, CS_ESTABLISHED);
	struct ipvs_sync_stats s0, s1;

	(void)state;
	sync_dir_fini();   /* a small one in its place */
	assert_int_equal(sync_dir_init(64, sizeof(struct conn_key)), 0);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	s0 = sync_counts();
	for (unsigned i = 0; i < 300; i++) {
		r.cport = (uint16_t)(45000 + i);
		assert_int_equal(ipvs_sync_post(&r, 2), 0);
	}
	run_workers(2);
	s1 = sync_counts();
	assert_int_equal(s1.installed - s0.installed, 300);
	assert_true(s1.dir_full - s0.dir_full > 0);
	assert_int_equal(sync_dir_count() + (s1.dir_full - s0.dir_full), 300);
	{
		uint32_t used, size;

		ipvs_sync_dir_usage(&used, &size);
		assert_int_equal(used, sync_dir_count());
		assert_int_equal(size, 64);
	}
	r.cport = 45299;
	assert_non_null(find_conn(0, &r));
	/* The usual one is made again at the next start. */
	sync_dir_fini();
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	assert_true(sync_dir_size() > 64);
}

/*
 * Churn: many times the rings' and the directory's sizes of half-open
 * FullNAT conns, each new one evicting the oldest (the pool holds 2,048),
 * then established ones until the pool is full; flushed, nothing is left:
 * no object, no directory entry, no reserved port.
 */
static void test_churn_leaves_nothing(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_FNAT, 0, 0, "10.0.0.100",
					  "10.0.1.11", 8080, CS_SYN_RECV);
	struct ipvs_service *s = ipvs_svc_get(IPPROTO_TCP, AF_INET, INET_V4P(ip4("10.0.0.100")), 80);
	uint32_t size, used, free_ports, total, free0;
	struct ipvs_sync_stats s0, s1;
	unsigned n = 3 * RING;

	(void)state;
	ipvs_conn_flush_all();
	ipvs_port_usage(s->laddrs, &free0, &total);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	s0 = sync_counts();
	post_many(&r, 0, n);
	s1 = sync_counts();
	assert_int_equal(s1.processed - s0.processed, n);
	assert_int_equal(s1.installed - s0.installed, n);
	assert_int_equal(s1.full - s0.full, 0);
	assert_int_equal(s1.port_busy - s0.port_busy, 0);
	assert_true(sync_dir_count() <= 2048 && sync_dir_count() > 1000);
	assert_true(sync_dir_count() < sync_dir_size());
	/* Established conns are never evicted: the pool fills, counted. */
	r.state = CS_ESTABLISHED;
	post_many(&r, n, 4096);
	s1 = sync_counts();
	assert_true(s1.full - s0.full > 0);
	assert_int_equal(s1.installed + s1.full - (s0.installed + s0.full),
			 n + 4096);
	assert_int_equal(s1.port_busy - s0.port_busy, 0);
	ipvs_port_usage(s->laddrs, &free_ports, &total);
	assert_true(free_ports < free0);
	ipvs_conn_flush_all();
	ipvs_conn_pool_usage(&size, &used);
	assert_int_equal(used, 0);
	assert_int_equal(sync_dir_count(), 0);
	assert_int_equal(sync_counts().synced_conns, 0);
	ipvs_port_usage(s->laddrs, &free_ports, &total);
	assert_int_equal(free_ports, free0);
	for (unsigned p = 1024; p < 65536; p++)
		assert_false(ipvs_port_reserved(s->laddrs, p % NW, (uint16_t)p));
}

/*
 * Churn of a second failover's case: rounds of stale FullNAT conns this
 * LB made, whose local ports the peer's records reuse, half to the same
 * real server (replaced), half to another (the port wanted); released
 * in either order (flushed), nothing is left: every port free, none
 * reserved, no directory entry.
 */
static void test_churn_stale_ports(void **state)
{
	struct ipvs_service *s = ipvs_svc_get(IPPROTO_TCP, AF_INET, INET_V4P(ip4("10.0.0.100")), 80);
	struct ipvs_sync_stats s0, s1;
	uint32_t free0, fr, total;

	(void)state;
	ipvs_conn_flush_all();
	ipvs_port_usage(s->laddrs, &free0, &total);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	s0 = sync_counts();
	for (unsigned round = 0; round < 20; round++) {
		for (unsigned k = 0; k < 50; k++) {
			uint16_t cport = (uint16_t)(46000 + round * 50 + k);
			struct ipvs_sync_rec r = conn_rec(IPVS_FWD_FNAT, CLIENT,
				(uint16_t)(cport + 2000), "10.0.0.100",
				k & 1 ? "10.0.1.15" : "10.0.1.11", 8080,
				k & 2 ? CS_ESTABLISHED : CS_FIN_WAIT);
			struct ipvs_sync_rec l = { .proto = IPPROTO_TCP,
				.caddr = CLIENT, .cport = cport,
				.vaddr = ip4("10.0.0.100"), .vport = 80 };

			assert_int_equal(tcp_in(0, "10.0.0.100", CLIENT, cport,
						RTE_TCP_SYN_FLAG), 1);
			assert_non_null(find_conn(0, &l));
			r.lport = find_conn(0, &l)->lport;
			post_and_install(&r, 2);
			assert_non_null(find_conn(0, &r));
		}
		ipvs_conn_flush_all();
		ipvs_port_usage(s->laddrs, &fr, &total);
		assert_int_equal(fr, free0);
		assert_int_equal(sync_dir_count(), 0);
	}
	s1 = sync_counts();
	assert_int_equal(s1.replaced - s0.replaced, 500);
	assert_int_equal(s1.port_busy - s0.port_busy, 500);
	assert_int_equal(s1.installed - s0.installed, 1000);
	assert_int_equal(s1.clash - s0.clash, 0);
	for (unsigned p = 1024; p < 65536; p++)
		assert_false(ipvs_port_reserved(s->laddrs, p % NW, (uint16_t)p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_directory_handover, sync_env_before),
		cmocka_unit_test_setup(test_record_follows_its_conn, sync_env_before),
		cmocka_unit_test_setup(test_backup_only, sync_env_before),
		cmocka_unit_test_setup(test_templates, sync_env_before),
		cmocka_unit_test_setup(test_directory_full, sync_env_before),
		cmocka_unit_test_setup(test_churn_leaves_nothing, sync_env_before),
		cmocka_unit_test_setup(test_churn_stale_ports, sync_env_before),
	};

	return cmocka_run_group_tests_name("ipvs_sync_dir", tests, sync_env_setup, NULL);
}
