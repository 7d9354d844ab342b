/*
 * Connection sync, the data plane: the producer and the installer on
 * the in-process daemon (test_ipvs_sync_env.c).  The producer: which
 * packets make a record (a fake clock: a conn's last-record tick moved
 * back), ring full.  The installer: the owner per forwarding mode and
 * sender worker count, update in place, a local conn replaced, every
 * refusal, a second failover's stale conns (a reply tuple replaced, a
 * held port wanted), a full install ring, this LB's timeouts.
 */
#include <errno.h>
#include <unistd.h>

#include <rte_tcp.h>
#include <rte_udp.h>

#include <arpa/inet.h>

#include "ipvs/ipvs_conn_int.h"
#include "dpvs_ops.h"
#include "test_inproc.h"
#include "test_ipvs_sync_env.h"

/* ---- the producer ---- */

/*
 * DR (input only): nothing at the SYN, a record at ESTABLISHED, none for
 * a packet that changes nothing, one per later state change; a refresh
 * once the last record is older than min(refresh, timeout / 2).
 */
static void test_producer_tcp(void **state)
{
	struct ipvs_sync_rec out[8];
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 41000, RTE_TCP_SYN_FLAG), 1);
	assert_int_equal(drain_all(0, out, 8), 0);
	tcp_in(0, "10.0.0.102", CLIENT, 41000, RTE_TCP_ACK_FLAG);
	assert_int_equal(drain_all(0, out, 8), 1);
	assert_int_equal(out[0].rtype, IPVS_SYNC_CONN);
	assert_int_equal(out[0].state, CS_ESTABLISHED);
	assert_int_equal(out[0].fwd, IPVS_FWD_DR);
	assert_int_equal(out[0].proto, IPPROTO_TCP);
	assert_int_equal(out[0].caddr, CLIENT);
	assert_int_equal(out[0].cport, 41000);
	assert_int_equal(out[0].vaddr, ip4("10.0.0.102"));
	assert_int_equal(out[0].vport, 80);
	assert_int_equal(out[0].daddr, ip4("10.0.1.13"));
	assert_int_equal(out[0].dport, 80);
	assert_int_equal(out[0].laddr, 0);
	assert_int_equal(out[0].lport, 0);
	assert_int_equal(out[0].widx, 0);
	assert_int_equal(out[0].flags & IPVS_SYNC_F_INACTIVE, 0);
	assert_true(out[0].timeout_s > 890 && out[0].timeout_s <= 900);
	tcp_in(0, "10.0.0.102", CLIENT, 41000, RTE_TCP_ACK_FLAG);
	assert_int_equal(drain_all(0, out, 8), 0);
	/* The clock: its last record 61 s ago; refresh_s is 60. */
	c = find_conn(0, &out[0]);
	assert_non_null(c);
	c->sync_tick -= 61;
	tcp_in(0, "10.0.0.102", CLIENT, 41000, RTE_TCP_ACK_FLAG);
	assert_int_equal(drain_all(0, out, 8), 1);
	c->sync_tick -= 59;
	tcp_in(0, "10.0.0.102", CLIENT, 41000, RTE_TCP_ACK_FLAG);
	assert_int_equal(drain_all(0, out, 8), 0);
	/* FIN: FIN_WAIT, sent; then CLOSE (10 s: refreshed after 5). */
	tcp_in(0, "10.0.0.102", CLIENT, 41000, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(drain_all(0, out, 8), 1);
	assert_int_equal(out[0].state, CS_FIN_WAIT);
	assert_true(out[0].flags & IPVS_SYNC_F_INACTIVE);
	tcp_in(0, "10.0.0.102", CLIENT, 41000, RTE_TCP_RST_FLAG);
	assert_int_equal(drain_all(0, out, 8), 1);
	assert_int_equal(out[0].state, CS_CLOSE);
	c->sync_tick -= 6;
	tcp_in(0, "10.0.0.102", CLIENT, 41000, RTE_TCP_RST_FLAG);
	assert_int_equal(drain_all(0, out, 8), 1);
	/* Without the MASTER role, nothing. */
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	tcp_in(0, "10.0.0.102", CLIENT, 41001, RTE_TCP_SYN_FLAG);
	tcp_in(0, "10.0.0.102", CLIENT, 41001, RTE_TCP_ACK_FLAG);
	assert_int_equal(drain_all(0, out, 8), 0);
}

/* sync.embryonic: a TCP conn is sent at its SYN, inactive. */
static void test_producer_embryonic(void **state)
{
	struct ipvs_sync_rec out[8];

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	producer_params(3, 50, true);
	tcp_in(0, "10.0.0.102", CLIENT, 41002, RTE_TCP_SYN_FLAG);
	assert_int_equal(drain_all(0, out, 8), 1);
	assert_int_equal(out[0].state, CS_SYN_RECV);
	assert_true(out[0].flags & IPVS_SYNC_F_INACTIVE);
}

static unsigned udp_in(unsigned w, uint16_t cport, unsigned n)
{
	struct ipvs_sync_rec out[8];
	unsigned recs = 0;
	struct frame f;

	frame_l4(&f, IPPROTO_UDP, CLIENT, cport, ip4("10.0.0.104"), 53, 0);
	for (unsigned i = 0; i < n; i++) {
		rx_on(w, &f, NULL);
		recs += drain_all(w, out, 8);
	}
	return recs;
}

/* UDP: at the 3rd packet, then every 50th; [0, x]: only by refresh. */
static void test_producer_udp_threshold(void **state)
{
	struct ipvs_sync_rec out[8];
	struct frame f;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	assert_int_equal(udp_in(1, 42000, 2), 0);
	assert_int_equal(udp_in(1, 42000, 1), 1);
	assert_int_equal(udp_in(1, 42000, 49), 0);
	assert_int_equal(udp_in(1, 42000, 1), 1);
	assert_int_equal(udp_in(1, 42000, 50), 1);
	/* A one-packet exchange is never sent. */
	assert_int_equal(udp_in(1, 42001, 1), 0);
	producer_params(0, 50, false);
	assert_int_equal(udp_in(1, 42002, 120), 0);
	/* FullNAT: the local address and port travel. */
	producer_params(1, 0, false);
	frame_l4(&f, IPPROTO_UDP, CLIENT, 42004, ip4("10.0.0.104"), 53, 0);
	rx_on(0, &f, NULL);
	assert_int_equal(drain_all(0, out, 8), 1);
	assert_int_equal(out[0].laddr, ip4("10.0.1.201"));
	assert_int_equal(out[0].lport % NW, 0);
	assert_int_equal(out[0].fwd, IPVS_FWD_FNAT);
	assert_int_equal(out[0].state, CS_UDP);
	assert_int_equal(out[0].daddr, ip4("10.0.1.11"));
	assert_int_equal(out[0].dport, 5353);
}

/*
 * A full ring drops the record, counted, and never blocks; the next
 * packet tries again.  UDP at every packet, through ipvs_conn_update as
 * the worker runs it.
 */
static void test_out_ring_full(void **state)
{
	static struct ipvs_sync_rec out[RING + 16];
	struct ipvs_sync_stats s0 = sync_counts();
	struct frame f;
	struct ipvs_conn *c;
	struct ipvs_sync_rec key = { .proto = IPPROTO_UDP, .caddr = CLIENT,
				     .cport = 42010, .vaddr = ip4("10.0.0.104"),
				     .vport = 53 };
	struct rte_udp_hdr uh = { 0 };

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	producer_params(1, 1, false);
	frame_l4(&f, IPPROTO_UDP, CLIENT, 42010, ip4("10.0.0.104"), 53, 0);
	rx_on(0, &f, NULL);
	drain_all(0, out, RING);
	c = find_conn(0, &key);
	assert_non_null(c);
	for (unsigned i = 0; i < RING + 10; i++)
		ipvs_conn_update(c, DIR_IN, &uh, false);
	assert_int_equal(sync_counts().out_ring_full - s0.out_ring_full, 10);
	assert_int_equal(drain_all(0, out, RING + 16), RING);
	ipvs_conn_update(c, DIR_IN, &uh, false);
	assert_int_equal(drain_all(0, out, 16), 1);
}

/* ---- the installer ---- */

/*
 * FullNAT: the owner is the local port's worker, whatever the sender's;
 * the port is reserved there; replies to it, received on the other
 * worker, reach the client.
 */
static void test_install_fnat(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_FNAT, CLIENT, 43000,
					  "10.0.0.100", "10.0.1.11", 8080,
					  CS_ESTABLISHED);
	struct ipvs_dest *d = dest_of("10.0.0.100", 80, IPPROTO_TCP, "10.0.1.11");
	struct ipvs_sync_stats s0 = sync_counts();
	uint32_t act0 = d->cnt.active;
	uint64_t conns0 = d->stats[0].conns + d->stats[1].conns;
	struct ipvs_conn *c;
	struct frame f;
	uint32_t dst;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.lport = 3001;
	r.widx = 0;
	post_and_install(&r, 2);
	assert_null(find_conn(0, &r));
	c = find_conn(1, &r);
	assert_non_null(c);
	assert_true(c->flags & CONN_F_SYNCED);
	assert_true(c->flags & CONN_F_PORT_RSV);
	assert_true(ipvs_port_reserved(c->lobj, 1, 3001));
	assert_int_equal(c->state, CS_ESTABLISHED);
	assert_int_equal(d->cnt.active, act0 + 1);
	/* Not a new connection in the counters: it was counted on the peer. */
	assert_int_equal(d->stats[0].conns + d->stats[1].conns, conns0);
	assert_int_equal(sync_counts().installed - s0.installed, 1);
	assert_int_equal(sync_counts().synced_conns - s0.synced_conns, 1);
	frame_l4(&f, IPPROTO_TCP, ip4("10.0.1.11"), 8080, ip4("10.0.1.200"),
		 3001, RTE_TCP_ACK_FLAG);
	assert_int_equal(rx_on(0, &f, &dst), 1);
	assert_int_equal(dst, CLIENT);
}

/*
 * NAT, DR, TUN: the sender's worker when it has as many, else the
 * client's address modulo ours.  NAT's reply tuple names the owner.
 */
static void test_install_owner_per_mode(void **state)
{
	struct ipvs_sync_rec nat = conn_rec(IPVS_FWD_NAT, CLIENT, 43010,
					    "10.0.0.101", "10.0.1.12", 8080,
					    CS_ESTABLISHED);
	struct ipvs_sync_rec dr = conn_rec(IPVS_FWD_DR, CLIENT + 1, 43011,
					   "10.0.0.102", "10.0.1.13", 80,
					   CS_ESTABLISHED);
	struct ipvs_sync_rec tun = conn_rec(IPVS_FWD_TUN, CLIENT, 43012,
					    "10.0.0.103", "10.0.1.14", 80,
					    CS_SYN_RECV);
	struct conn_tuple reply = { ip4("10.0.1.12"), CLIENT, 8080, 43010,
				    IPPROTO_TCP };

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	nat.widx = 1;
	post_and_install(&nat, 2);
	assert_non_null(find_conn(1, &nat));
	assert_int_equal(ipvs_conn_nat_owner(&reply), 1);
	/* Three workers there: the guess is CLIENT + 1 = 10.0.0.3, odd. */
	dr.widx = 2;
	post_and_install(&dr, 3);
	assert_non_null(find_conn(1, &dr));
	assert_null(find_conn(0, &dr));
	/* One worker there, widx 0: 10.0.0.2 is even. */
	post_and_install(&tun, 1);
	assert_non_null(find_conn(0, &tun));
	assert_true(find_conn(0, &tun)->flags & CONN_F_INACTIVE);
	/* The same sender worker count: its worker, whatever the address. */
	tun.cport = 43013;
	tun.widx = 1;
	post_and_install(&tun, 2);
	assert_non_null(find_conn(1, &tun));
}

/* A second record of a synced conn updates it; the dest's counts follow. */
static void test_install_updates_in_place(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_DR, CLIENT, 43020,
					  "10.0.0.102", "10.0.1.13", 80,
					  CS_ESTABLISHED);
	struct ipvs_dest *d = dest_of("10.0.0.102", 80, IPPROTO_TCP, "10.0.1.13");
	struct ipvs_sync_stats s0 = sync_counts();
	uint32_t act0 = d->cnt.active, inact0 = d->cnt.inactive;
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	post_and_install(&r, 2);
	c = find_conn(0, &r);
	assert_non_null(c);
	assert_int_equal(d->cnt.active, act0 + 1);
	r.state = CS_FIN_WAIT;
	r.timeout_s = 7;
	post_and_install(&r, 2);
	assert_ptr_equal(find_conn(0, &r), c);
	assert_int_equal(c->state, CS_FIN_WAIT);
	assert_int_equal(d->cnt.active, act0);
	assert_int_equal(d->cnt.inactive, inact0 + 1);
	/* This LB's timeout for FIN_WAIT (120 s), not the sender's 7. */
	assert_true(ipvs_conn_expires_in(c) > 100);
	assert_int_equal(sync_counts().updated - s0.updated, 1);
	assert_int_equal(sync_counts().installed - s0.installed, 1);
}

/* A conn this LB made itself (a partition) gives way to the peer's. */
static void test_install_replaces_local_conn(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_DR, CLIENT, 43030,
					  "10.0.0.102", "10.0.1.13", 80,
					  CS_ESTABLISHED);
	struct ipvs_sync_stats s0 = sync_counts();
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER | IPVS_SYNC_BACKUP);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43030, RTE_TCP_SYN_FLAG), 1);
	c = find_conn(0, &r);
	assert_non_null(c);
	assert_false(c->flags & CONN_F_SYNCED);
	post_and_install(&r, 2);
	c = find_conn(0, &r);
	assert_non_null(c);
	assert_true(c->flags & CONN_F_SYNCED);
	assert_int_equal(c->state, CS_ESTABLISHED);
	assert_int_equal(sync_counts().replaced - s0.replaced, 1);
	/* The replacement is on its way: the conn still forwards. */
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43030, RTE_TCP_ACK_FLAG), 1);
}

/* Every refusal is counted, and nothing is installed. */
static void test_install_refusals(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_FNAT, CLIENT, 43040,
					  "10.0.0.100", "10.0.1.11", 8080,
					  CS_ESTABLISHED);
	struct ipvs_sync_rec bad;
	struct ipvs_sync_stats s0 = sync_counts(), s;
	uint32_t size, used0, used;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER | IPVS_SYNC_BACKUP);
	ipvs_conn_pool_usage(&size, &used0);
	r.lport = 3041;
	bad = r;
	bad.vport = 99;
	post_and_install(&bad, 2);                       /* no_service */
	bad = r;
	bad.daddr = ip4("10.0.1.99");
	post_and_install(&bad, 2);                       /* no_dest */
	bad = r;
	bad.fwd = IPVS_FWD_NAT;
	post_and_install(&bad, 2);                       /* no_dest: its mode */
	bad = r;
	bad.laddr = ip4("10.0.1.99");
	post_and_install(&bad, 2);                       /* no_laddr */
	ipvs_conn_pool_usage(&size, &used);
	assert_true(used <= used0);   /* the wheel may free earlier tests' */
	s = sync_counts();
	assert_int_equal(s.no_service - s0.no_service, 1);
	assert_int_equal(s.no_dest - s0.no_dest, 2);
	assert_int_equal(s.no_laddr - s0.no_laddr, 1);
	assert_int_equal(s.installed - s0.installed, 0);
	assert_int_equal(s.processed - s0.processed, 4);
	/* Records no worker can hold are refused at the post. */
	bad = r;
	bad.rtype = 9;
	assert_int_equal(ipvs_sync_post(&bad, 2), -EINVAL);
	bad = r;
	bad.proto = 47;
	assert_int_equal(ipvs_sync_post(&bad, 2), -EINVAL);
	bad = r;
	bad.fwd = IPVS_FWD_MAX;
	assert_int_equal(ipvs_sync_post(&bad, 2), -EINVAL);
	bad = r;
	bad.state = CS_UDP;                              /* not a TCP state */
	assert_int_equal(ipvs_sync_post(&bad, 2), -EINVAL);
	bad.state = CS_MAX;
	assert_int_equal(ipvs_sync_post(&bad, 2), -EINVAL);
	bad = r;
	bad.lport = 0;
	assert_int_equal(ipvs_sync_post(&bad, 2), -EINVAL);
}

/* ---- a second failover: the peer wins over this LB's stale conns ---- */

/* A FullNAT conn this LB makes on worker 0, established. */
static struct ipvs_conn *local_fnat(uint16_t cport)
{
	struct ipvs_sync_rec k = { .proto = IPPROTO_TCP, .caddr = CLIENT,
				   .cport = cport, .vaddr = ip4("10.0.0.100"),
				   .vport = 80 };
	struct ipvs_conn *c;

	assert_int_equal(tcp_in(0, "10.0.0.100", CLIENT, cport, RTE_TCP_SYN_FLAG), 1);
	tcp_in(0, "10.0.0.100", CLIENT, cport, RTE_TCP_ACK_FLAG);
	c = find_conn(0, &k);
	assert_non_null(c);
	assert_false(c->flags & CONN_F_SYNCED);
	assert_int_equal(c->daddr, ip4("10.0.1.11"));   /* .15 has weight 0 */
	return c;
}

/* Runs the workers until worker w has no conn of client port cport at vip. */
static void wait_gone(unsigned w, const char *vip, uint16_t cport)
{
	struct ipvs_sync_rec k = { .proto = IPPROTO_TCP, .caddr = CLIENT,
				   .cport = cport, .vaddr = ip4(vip),
				   .vport = 80 };

	for (unsigned i = 0; i < 50 && find_conn(w, &k); i++) {
		usleep(100000);
		run_workers(1);
	}
	assert_null(find_conn(w, &k));
}

/* How many times worker w's pool of l hands out port, the pool left as it was. */
static unsigned times_handed_out(struct ipvs_laddr *l, unsigned w,
				 uint16_t port)
{
	static uint16_t got[65536];
	unsigned n = 0, hits = 0;
	uint16_t p;

	while ((p = ipvs_port_get(l, w)) != 0) {
		got[n++] = p;
		hits += p == port;
	}
	for (unsigned i = 0; i < n; i++)
		ipvs_port_put(l, w, got[i]);
	return hits;
}

/*
 * This LB, BACKUP again after its time as MASTER, still has a conn of
 * then; the peer's new conn reuses its local port to the same real
 * server.  The record replaces the stale conn (its reply tuple is the
 * record's) and holds the port.  A NAT conn of another worker holding
 * a record's tuples gives way too (the record goes to that worker).
 */
static void test_install_replaces_reply_holder(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_FNAT, CLIENT, 43081,
					  "10.0.0.100", "10.0.1.11", 8080,
					  CS_ESTABLISHED);
	struct ipvs_sync_rec nat = conn_rec(IPVS_FWD_NAT, CLIENT, 43083,
					    "10.0.0.101", "10.0.1.12", 8080,
					    CS_ESTABLISHED);
	struct ipvs_sync_stats s0 = sync_counts(), s;
	struct conn_tuple reply;
	struct ipvs_conn *c;
	enum conn_dir dir;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.lport = local_fnat(43080)->lport;
	post_and_install(&r, 2);
	c = find_conn(0, &r);
	assert_non_null(c);
	assert_true(c->flags & CONN_F_SYNCED);
	assert_true(c->flags & CONN_F_PORT_RSV);
	assert_true(ipvs_port_reserved(c->lobj, 0, r.lport));
	wait_gone(0, "10.0.0.100", 43080);   /* replaced: gone at once */
	reply = (struct conn_tuple){ ip4("10.0.1.11"), ip4("10.0.1.200"), 8080,
				     r.lport, IPPROTO_TCP };
	assert_ptr_equal(ipvs_conn_lookup(0, &reply, &dir), c);
	assert_int_equal(dir, DIR_OUT);
	/* NAT: this LB's conn on worker 1, the sender's guess worker 0. */
	assert_int_equal(tcp_in(1, "10.0.0.101", CLIENT, 43083, RTE_TCP_SYN_FLAG), 1);
	assert_non_null(find_conn(1, &nat));
	nat.widx = 0;
	post_and_install(&nat, 2);
	assert_null(find_conn(0, &nat));
	c = find_conn(1, &nat);
	assert_non_null(c);
	assert_true(c->flags & CONN_F_SYNCED);
	s = sync_counts();
	assert_int_equal(s.replaced - s0.replaced, 2);
	assert_int_equal(s.installed - s0.installed, 2);
	assert_int_equal(s.clash - s0.clash, 0);
	assert_int_equal(s.port_busy - s0.port_busy, 0);
}

/*
 * The peer's new conn reuses the local port of a stale conn here, to
 * another real server: installed without the port (port_busy); when the
 * stale conn expires the port is reserved for the synced conn, so no
 * new conn gets it; free again (once) when the synced conn ends.
 */
static void test_install_wants_held_port(void **state)
{
	struct ipvs_timeouts old, quick = { .tcp = 1 };
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_FNAT, CLIENT, 43091,
					  "10.0.0.100", "10.0.1.15", 8080,
					  CS_FIN_WAIT);
	struct ipvs_service *svc = ipvs_svc_get(IPPROTO_TCP, AF_INET, INET_V4P(ip4("10.0.0.100")), 80);
	struct ipvs_laddr *l = svc->laddrs;
	struct ipvs_sync_stats s0, s;
	uint32_t free0, fr, total;
	struct ipvs_conn *c;

	(void)state;
	ipvs_conn_flush_all();
	ipvs_conn_get_timeouts(&old);
	ipvs_port_usage(l, &free0, &total);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	s0 = sync_counts();
	r.lport = local_fnat(43090)->lport;
	post_and_install(&r, 2);
	c = find_conn(0, &r);
	assert_non_null(c);
	assert_false(c->flags & CONN_F_PORT_RSV);
	s = sync_counts();
	assert_int_equal(s.port_busy - s0.port_busy, 1);
	assert_int_equal(s.installed - s0.installed, 1);
	assert_int_equal(s.replaced - s0.replaced, 0);
	/* The stale conn expires: the port stays the synced conn's. */
	ipvs_conn_set_timeouts(&quick);
	tcp_in(0, "10.0.0.100", CLIENT, 43090, RTE_TCP_ACK_FLAG);   /* due in 1 s */
	wait_gone(0, "10.0.0.100", 43090);
	assert_ptr_equal(find_conn(0, &r), c);
	assert_true(ipvs_port_reserved(l, 0, r.lport));
	ipvs_port_usage(l, &fr, &total);
	assert_int_equal(fr, free0 - 1);
	assert_int_equal(times_handed_out(l, 0, r.lport), 0);
	/* The synced conn ends: free again, handed out once. */
	quick.tcp_fin = 1;
	ipvs_conn_set_timeouts(&quick);
	post_and_install(&r, 2);
	wait_gone(0, "10.0.0.100", 43091);
	ipvs_conn_set_timeouts(&old);
	assert_false(ipvs_port_reserved(l, 0, r.lport));
	ipvs_port_usage(l, &fr, &total);
	assert_int_equal(fr, free0);
	assert_int_equal(times_handed_out(l, 0, r.lport), 1);
}

/* A full install ring refuses at the post, counted; the rest installs. */
static void test_in_ring_full(void **state)
{
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_DR, CLIENT, 0, "10.0.0.102",
					  "10.0.1.13", 80, CS_ESTABLISHED);
	struct ipvs_sync_stats s0 = sync_counts(), s;
	uint32_t used, size;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.vport = 99;   /* refused when installed: no service, no conn made */
	for (unsigned i = 0; i < RING; i++)
		assert_int_equal(ipvs_sync_post(&r, 2), 0);
	assert_int_equal(ipvs_sync_post(&r, 2), -ENOBUFS);
	ipvs_sync_ring_usage(&used, &size);
	assert_int_equal(used, RING);
	/* Out and in, v4 and v6 (ipv6.enable): four rings a worker. */
	assert_int_equal(size, 4 * NW * RING);
	r.widx = 1;
	assert_int_equal(ipvs_sync_post(&r, 2), 0);      /* the other ring */
	s = sync_counts();
	assert_int_equal(s.in_ring_full - s0.in_ring_full, 1);
	run_workers(RING / 256 + 1);
	s = sync_counts();
	assert_int_equal(s.processed - s0.processed, RING + 1);
	assert_int_equal(s.no_service - s0.no_service, RING + 1);
	ipvs_sync_ring_usage(&used, &size);
	assert_int_equal(used, 0);
}

/* Synced conns expire by this LB's timeouts, whatever the sender said. */
static void test_install_expires_by_own_timeouts(void **state)
{
	struct ipvs_timeouts old, quick = { .tcp = 1, .tcp_fin = 1, .udp = 1 };
	struct ipvs_sync_rec r = conn_rec(IPVS_FWD_NAT, CLIENT, 43050,
					  "10.0.0.101", "10.0.1.12", 8080,
					  CS_ESTABLISHED);
	struct ipvs_sync_stats s0;
	unsigned i;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	ipvs_conn_get_timeouts(&old);
	ipvs_conn_set_timeouts(&quick);
	s0 = sync_counts();
	r.timeout_s = 5000;
	post_and_install(&r, 1);
	assert_non_null(find_conn(0, &r));
	assert_int_equal(sync_counts().synced_conns, s0.synced_conns + 1);
	for (i = 0; i < 40 && find_conn(0, &r); i++) {
		usleep(100000);
		run_workers(1);
	}
	assert_null(find_conn(0, &r));
	assert_int_equal(sync_counts().synced_conns, s0.synced_conns);
	ipvs_conn_set_timeouts(&old);
}

static void svc_proxy(uint32_t flags)
{
	struct dpvs_service s = { .proto = IPPROTO_TCP,
				  .vip = inet_addr("10.0.0.100"), .vport = 80,
				  .sched = "rr", .flags = flags };
	struct wbuf b;

	wb_init(&b);
	wire_enc_svc(&b, &s);
	inproc_op(DPVS_OP_SVC_EDIT, &b);
}

/*
 * PROXY protocol: an established conn's record carries the client's
 * isn1, from which the peer makes the same shift; without it (a
 * half-open conn) none, and a later record gives it.
 */
static void test_proxy_protocol_shift_synced(void **state)
{
	struct ipvs_sync_rec out[4], r;
	struct ipvs_conn *c;

	(void)state;
	svc_proxy(DPVS_SVC_F_PROXY_V2);
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	producer_params(3, 50, true);
	tcp_in(0, "10.0.0.100", CLIENT, 44000, RTE_TCP_SYN_FLAG);
	assert_int_equal(drain_all(0, out, 4), 1);
	assert_int_equal(out[0].flags & IPVS_SYNC_F_PP, 0);
	tcp_in(0, "10.0.0.100", CLIENT, 44000, RTE_TCP_ACK_FLAG);
	assert_int_equal(drain_all(0, out, 4), 1);
	assert_true(out[0].flags & IPVS_SYNC_F_PP);
	assert_int_equal(out[0].reserved, 1);   /* the SYN's seq 0, plus 1 */
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r = conn_rec(IPVS_FWD_FNAT, CLIENT, 44001, "10.0.0.100", "10.0.1.11",
		     8080, CS_SYN_RECV);
	r.lport = 3003;
	r.flags = IPVS_SYNC_F_INACTIVE;
	post_and_install(&r, 2);
	c = find_conn(1, &r);
	assert_non_null(c);
	assert_int_equal(c->pp.len, 0);
	r.state = CS_ESTABLISHED;
	r.flags = IPVS_SYNC_F_PP;
	r.reserved = 0xfffffff0;
	post_and_install(&r, 2);
	assert_ptr_equal(find_conn(1, &r), c);
	assert_int_equal(c->pp.len, 28);
	assert_int_equal(c->pp.ver, 2);
	assert_int_equal(c->pp.isn1, 0xfffffff0);
	svc_proxy(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_producer_tcp, sync_env_before),
		cmocka_unit_test_setup(test_producer_embryonic, sync_env_before),
		cmocka_unit_test_setup(test_producer_udp_threshold, sync_env_before),
		cmocka_unit_test_setup(test_out_ring_full, sync_env_before),
		cmocka_unit_test_setup(test_install_fnat, sync_env_before),
		cmocka_unit_test_setup(test_install_owner_per_mode, sync_env_before),
		cmocka_unit_test_setup(test_install_updates_in_place, sync_env_before),
		cmocka_unit_test_setup(test_install_replaces_local_conn, sync_env_before),
		cmocka_unit_test_setup(test_install_refusals, sync_env_before),
		cmocka_unit_test_setup(test_install_replaces_reply_holder, sync_env_before),
		cmocka_unit_test_setup(test_install_wants_held_port, sync_env_before),
		cmocka_unit_test_setup(test_in_ring_full, sync_env_before),
		cmocka_unit_test_setup(test_install_expires_by_own_timeouts, sync_env_before),
		cmocka_unit_test_setup(test_proxy_protocol_shift_synced, sync_env_before),
	};

	return cmocka_run_group_tests_name("ipvs_sync", tests, sync_env_setup, NULL);
}
