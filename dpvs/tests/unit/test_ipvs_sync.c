/*
 * Connection sync, the data plane: the real daemon in process on a
 * net_ring port (as test_ipvs_golden), its two workers played here.
 * The producer: which packets make a record (a fake clock: a conn's
 * last-record tick moved back), ring full.  The installer: the owner per
 * forwarding mode and sender worker count, update in place, a local conn
 * replaced, every refusal, this LB's timeouts, the directory's hand-over
 * of a client packet on the wrong worker, churn past the rings' and the
 * directory's sizes with nothing left behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "core/lcore.h"
#include "core/rcu.h"
#include "dpvs_ops.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_conn_int.h"
#include "ipvs/ipvs_sync.h"
#include "ipvs/sync_dir.h"
#include "net/netif.h"
#include "net/pktstats.h"
#include "../fuzz/fuzz_daemon.h"

#define FRAME_MAX 256
#define RING 8192          /* sync.ring_size's default */
#define NW FUZZ_NWORKERS

static struct rte_mempool *pool;
static struct rte_ring *rings[NW];
static uint16_t port_id;
static struct rte_ether_addr port_mac;

struct frame {
	uint8_t b[FRAME_MAX];
	uint16_t len;
};

/* ---- set-up through the control ops (as test_ipvs_golden) ---- */

static void op(uint32_t code, struct wbuf *b)
{
	assert_int_equal(fuzz_op_wb(code, b), DPVS_OK);
}

static void addr(const char *ip, uint8_t plen, uint32_t flags)
{
	struct dpvs_addr a = { "dpdk0", inet_addr(ip), plen, flags };
	struct wbuf b;

	wb_init(&b);
	wire_enc_addr(&b, &a);
	op(DPVS_OP_ADDR_ADD, &b);
}

static void neigh(const char *ip)
{
	struct dpvs_neigh n = { "dpdk0", inet_addr(ip), { 2, 0, 0, 0, 1, 0 },
				DPVS_NEIGH_PERMANENT, 0 };
	struct wbuf b;

	n.mac[5] = (uint8_t)(ntohl(inet_addr(ip)) & 0xff);
	wb_init(&b);
	wire_enc_neigh(&b, &n);
	op(DPVS_OP_NEIGH_ADD, &b);
}

static struct dpvs_service svc(uint8_t proto, const char *vip, uint16_t port)
{
	struct dpvs_service s = { .proto = proto, .vip = inet_addr(vip),
				  .vport = port, .sched = "rr" };
	struct wbuf b;

	wb_init(&b);
	wire_enc_svc(&b, &s);
	op(DPVS_OP_SVC_ADD, &b);
	return s;
}

static void dest(const struct dpvs_service *s, const char *ip, uint16_t port,
		 uint32_t fwd, int weight)
{
	struct dpvs_dest d = { .proto = s->proto, .vip = s->vip,
			       .vport = s->vport, .addr = inet_addr(ip),
			       .port = port, .fwd = fwd, .weight = weight };
	struct wbuf b;

	wb_init(&b);
	wire_enc_dest(&b, &d);
	op(DPVS_OP_DEST_ADD, &b);
}

static void laddr(const struct dpvs_service *s, const char *ip)
{
	struct dpvs_laddr l = { .proto = s->proto, .vip = s->vip,
				.vport = s->vport, .addr = inet_addr(ip),
				.ifname = "dpdk0" };
	struct wbuf b;

	wb_init(&b);
	wire_enc_laddr(&b, &l);
	op(DPVS_OP_LADDR_ADD, &b);
}

static uint32_t ip4(const char *s)
{
	return ntohl(inet_addr(s));
}

/* ---- frames ---- */

static void frame_l4(struct frame *f, uint8_t proto, uint32_t src, uint16_t sp,
		     uint32_t dst, uint16_t dp, uint8_t flags)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f->b;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	size_t l4len = proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) :
					      sizeof(struct rte_udp_hdr);

	memset(f, 0, sizeof(*f));
	eh->dst_addr = port_mac;
	eh->src_addr = (struct rte_ether_addr){ { 2, 0, 0, 0, 1, 2 } };
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len));
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (proto == IPPROTO_TCP) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		th->src_port = rte_cpu_to_be_16(sp);
		th->dst_port = rte_cpu_to_be_16(dp);
		th->data_off = 5 << 4;
		th->tcp_flags = flags;
		th->rx_win = RTE_BE16(65535);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else {
		struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

		uh->src_port = rte_cpu_to_be_16(sp);
		uh->dst_port = rte_cpu_to_be_16(dp);
		uh->dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
	}
	f->len = (uint16_t)(sizeof(*eh) + sizeof(*ip) + l4len);
}

/* ---- the workers ---- */

static void run_worker(unsigned w)
{
	unsigned lc = lcore_workers()[w];

	RTE_PER_LCORE(_lcore_id) = lc;
	rcu_register(lc);
	lcore_loop_once();
	rcu_unregister(lc);
	RTE_PER_LCORE(_lcore_id) = rte_get_main_lcore();
}

static void run_workers(unsigned loops)
{
	for (unsigned i = 0; i < loops; i++)
		for (unsigned w = 0; w < NW; w++)
			run_worker(w);
}

/* IPv4 frames sent (ARP left out); the first's destination in *dst. */
static unsigned take_sent(uint32_t *dst)
{
	struct rte_mbuf *m;
	unsigned got = 0;

	for (unsigned q = 0; q < NW; q++)
		while (rte_ring_dequeue(rings[q], (void **)&m) == 0) {
			const struct rte_ether_hdr *eh =
				rte_pktmbuf_mtod(m, const void *);

			if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
				const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);

				if (!got++ && dst)
					*dst = rte_be_to_cpu_32(ip->dst_addr);
			}
			rte_pktmbuf_free(m);
		}
	return got;
}

/*
 * f received on worker w, then the other runs twice (a hand-over, and
 * the rx job that flushes what it sent); the frames sent.  A queue's
 * ring is its rx and tx: w run again would take back what it sent.
 */
static unsigned rx_on(unsigned w, const struct frame *f, uint32_t *dst)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, f->len), f->b, f->len);
	m->port = port_id;
	assert_int_equal(rte_ring_enqueue(rings[w], m), 0);
	run_worker(w);
	run_worker(!w);
	run_worker(!w);
	return take_sent(dst);
}

static unsigned tcp_in(unsigned w, const char *vip, uint32_t caddr,
		       uint16_t cport, uint8_t flags)
{
	struct frame f;

	frame_l4(&f, IPPROTO_TCP, caddr, cport, ip4(vip), 80, flags);
	return rx_on(w, &f, NULL);
}

/* ---- helpers ---- */

#define CLIENT 0x0a000002u   /* 10.0.0.2 */

static struct ipvs_sync_rec rec(uint8_t fwd, uint32_t caddr, uint16_t cport,
				const char *vip, const char *rs, uint16_t dport,
				uint8_t state)
{
	struct ipvs_sync_rec r = {
		.rtype = IPVS_SYNC_CONN, .proto = IPPROTO_TCP, .fwd = fwd,
		.state = state, .caddr = caddr, .cport = cport,
		.vaddr = ip4(vip), .vport = 80, .daddr = ip4(rs), .dport = dport,
		.timeout_s = 900,
	};

	if (fwd == IPVS_FWD_FNAT)
		r.laddr = ip4("10.0.1.200");
	return r;
}

static struct ipvs_conn *find(unsigned w, const struct ipvs_sync_rec *r)
{
	struct conn_tuple t = { r->caddr, r->vaddr, r->cport, r->vport, r->proto };
	enum conn_dir dir;

	return ipvs_conn_lookup(w, &t, &dir);
}

static struct ipvs_sync_stats stats(void)
{
	struct ipvs_sync_stats s;

	ipvs_sync_stats(&s);
	return s;
}

/* Posts r and lets the workers install it. */
static void post(const struct ipvs_sync_rec *r, unsigned sender_nw)
{
	assert_int_equal(ipvs_sync_post(r, sender_nw), 0);
	run_workers(1);
}

static unsigned drain_all(unsigned w, struct ipvs_sync_rec *out, unsigned max)
{
	unsigned n = 0, k;

	while (n < max && (k = ipvs_sync_drain(w, out + n, max - n)) > 0)
		n += k;
	return n;
}

static void params(uint16_t th0, uint16_t th1, bool embryonic)
{
	struct ipvs_sync_params p = { { th0, th1 }, 60, embryonic, false };

	ipvs_sync_set_params(&p);
}

static struct ipvs_dest *dest_of(const char *vip, uint16_t vport,
				 uint8_t proto, const char *rs)
{
	struct ipvs_service *s = ipvs_svc_get(proto, ip4(vip), vport);

	assert_non_null(s);
	for (struct ipvs_dest *d = s->dests; d; d = d->next)
		if (d->addr == ip4(rs))
			return d;
	fail_msg("no real server %s", rs);
	return NULL;
}

/*
 * Clients on 10.0.0.0/24, real servers on 10.0.1.0/24.  VIPs: .100
 * FullNAT (two servers, local address .200), .101 NAT, .102 DR, .103
 * TUN, .104 UDP FullNAT (local address .201), .105 DR persistent (two
 * servers).
 */
static int setup(void **state)
{
	const struct netif_port *p;
	struct dpvs_service s;

	(void)state;
	fuzz_daemon_start("sync", "net_ring0", NULL);
	p = netif_port_by_name("dpdk0");
	rings[0] = rte_ring_lookup("ETH_RXTX0_net_ring0");
	rings[1] = rte_ring_lookup("ETH_RXTX1_net_ring0");
	pool = rte_pktmbuf_pool_create("sync_rx", 255, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	if (!p || !rings[0] || !rings[1] || !pool)
		return -1;
	port_id = p->id;
	port_mac = p->mac;
	addr("10.0.0.1", 24, 0);
	addr("10.0.1.1", 24, 0);
	for (unsigned i = 100; i <= 105; i++) {
		char vip[16];

		snprintf(vip, sizeof(vip), "10.0.0.%u", i);
		addr(vip, 32, 0);
	}
	addr("10.0.1.200", 32, DPVS_ADDR_F_SAPOOL);
	addr("10.0.1.201", 32, DPVS_ADDR_F_SAPOOL);
	neigh("10.0.0.2");
	for (unsigned i = 11; i <= 15; i++) {
		char rs[16];

		snprintf(rs, sizeof(rs), "10.0.1.%u", i);
		neigh(rs);
	}
	s = svc(IPPROTO_TCP, "10.0.0.100", 80);
	dest(&s, "10.0.1.11", 8080, DPVS_FWD_FNAT, 1);
	dest(&s, "10.0.1.15", 8080, DPVS_FWD_FNAT, 0);
	laddr(&s, "10.0.1.200");
	s = svc(IPPROTO_TCP, "10.0.0.101", 80);
	dest(&s, "10.0.1.12", 8080, DPVS_FWD_NAT, 1);
	s = svc(IPPROTO_TCP, "10.0.0.102", 80);
	dest(&s, "10.0.1.13", 0, DPVS_FWD_DR, 1);
	s = svc(IPPROTO_TCP, "10.0.0.103", 80);
	dest(&s, "10.0.1.14", 0, DPVS_FWD_TUN, 1);
	s = svc(IPPROTO_UDP, "10.0.0.104", 53);
	dest(&s, "10.0.1.11", 5353, DPVS_FWD_FNAT, 1);
	laddr(&s, "10.0.1.201");
	s = (struct dpvs_service){ .proto = IPPROTO_TCP,
				   .vip = inet_addr("10.0.0.105"), .vport = 80,
				   .sched = "rr", .flags = DPVS_SVC_F_PERSISTENT,
				   .timeout = 300 };
	{
		struct wbuf b;

		wb_init(&b);
		wire_enc_svc(&b, &s);
		op(DPVS_OP_SVC_ADD, &b);
	}
	dest(&s, "10.0.1.13", 0, DPVS_FWD_DR, 1);
	dest(&s, "10.0.1.14", 0, DPVS_FWD_DR, 1);
	return 0;
}

static int before(void **state)
{
	(void)state;
	ipvs_sync_set_roles(0);
	params(3, 50, false);
	return 0;
}

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
	c = find(0, &out[0]);
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
	params(3, 50, true);
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
	params(0, 50, false);
	assert_int_equal(udp_in(1, 42002, 120), 0);
	/* FullNAT: the local address and port travel. */
	params(1, 0, false);
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
	struct ipvs_sync_stats s0 = stats();
	struct frame f;
	struct ipvs_conn *c;
	struct ipvs_sync_rec key = { .proto = IPPROTO_UDP, .caddr = CLIENT,
				     .cport = 42010, .vaddr = ip4("10.0.0.104"),
				     .vport = 53 };
	struct rte_udp_hdr uh = { 0 };

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	params(1, 1, false);
	frame_l4(&f, IPPROTO_UDP, CLIENT, 42010, ip4("10.0.0.104"), 53, 0);
	rx_on(0, &f, NULL);
	drain_all(0, out, RING);
	c = find(0, &key);
	assert_non_null(c);
	for (unsigned i = 0; i < RING + 10; i++)
		ipvs_conn_update(c, DIR_IN, &uh, false);
	assert_int_equal(stats().out_ring_full - s0.out_ring_full, 10);
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
	struct ipvs_sync_rec r = rec(IPVS_FWD_FNAT, CLIENT, 43000, "10.0.0.100",
				     "10.0.1.11", 8080, CS_ESTABLISHED);
	struct ipvs_dest *d = dest_of("10.0.0.100", 80, IPPROTO_TCP, "10.0.1.11");
	struct ipvs_sync_stats s0 = stats();
	uint32_t act0 = d->cnt.active;
	uint64_t conns0 = d->stats[0].conns + d->stats[1].conns;
	struct ipvs_conn *c;
	struct frame f;
	uint32_t dst;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.lport = 3001;
	r.widx = 0;
	post(&r, 2);
	assert_null(find(0, &r));
	c = find(1, &r);
	assert_non_null(c);
	assert_true(c->flags & CONN_F_SYNCED);
	assert_true(c->flags & CONN_F_PORT_RSV);
	assert_true(ipvs_port_reserved(c->lobj, 1, 3001));
	assert_int_equal(c->state, CS_ESTABLISHED);
	assert_int_equal(d->cnt.active, act0 + 1);
	/* Not a new connection in the counters: it was counted on the peer. */
	assert_int_equal(d->stats[0].conns + d->stats[1].conns, conns0);
	assert_int_equal(stats().installed - s0.installed, 1);
	assert_int_equal(stats().synced_conns - s0.synced_conns, 1);
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
	struct ipvs_sync_rec nat = rec(IPVS_FWD_NAT, CLIENT, 43010, "10.0.0.101",
				       "10.0.1.12", 8080, CS_ESTABLISHED);
	struct ipvs_sync_rec dr = rec(IPVS_FWD_DR, CLIENT + 1, 43011, "10.0.0.102",
				      "10.0.1.13", 80, CS_ESTABLISHED);
	struct ipvs_sync_rec tun = rec(IPVS_FWD_TUN, CLIENT, 43012, "10.0.0.103",
				       "10.0.1.14", 80, CS_SYN_RECV);
	struct conn_tuple reply = { ip4("10.0.1.12"), CLIENT, 8080, 43010,
				    IPPROTO_TCP };

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	nat.widx = 1;
	post(&nat, 2);
	assert_non_null(find(1, &nat));
	assert_int_equal(ipvs_conn_nat_owner(&reply), 1);
	/* Three workers there: the guess is CLIENT + 1 = 10.0.0.3, odd. */
	dr.widx = 2;
	post(&dr, 3);
	assert_non_null(find(1, &dr));
	assert_null(find(0, &dr));
	/* One worker there, widx 0: 10.0.0.2 is even. */
	post(&tun, 1);
	assert_non_null(find(0, &tun));
	assert_true(find(0, &tun)->flags & CONN_F_INACTIVE);
	/* The same sender worker count: its worker, whatever the address. */
	tun.cport = 43013;
	tun.widx = 1;
	post(&tun, 2);
	assert_non_null(find(1, &tun));
}

/* A second record of a synced conn updates it; the dest's counts follow. */
static void test_install_updates_in_place(void **state)
{
	struct ipvs_sync_rec r = rec(IPVS_FWD_DR, CLIENT, 43020, "10.0.0.102",
				     "10.0.1.13", 80, CS_ESTABLISHED);
	struct ipvs_dest *d = dest_of("10.0.0.102", 80, IPPROTO_TCP, "10.0.1.13");
	struct ipvs_sync_stats s0 = stats();
	uint32_t act0 = d->cnt.active, inact0 = d->cnt.inactive;
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	post(&r, 2);
	c = find(0, &r);
	assert_non_null(c);
	assert_int_equal(d->cnt.active, act0 + 1);
	r.state = CS_FIN_WAIT;
	r.timeout_s = 7;
	post(&r, 2);
	assert_ptr_equal(find(0, &r), c);
	assert_int_equal(c->state, CS_FIN_WAIT);
	assert_int_equal(d->cnt.active, act0);
	assert_int_equal(d->cnt.inactive, inact0 + 1);
	/* This LB's timeout for FIN_WAIT (120 s), not the sender's 7. */
	assert_true(ipvs_conn_expires_in(c) > 100);
	assert_int_equal(stats().updated - s0.updated, 1);
	assert_int_equal(stats().installed - s0.installed, 1);
}

/* A conn this LB made itself (a partition) gives way to the peer's. */
static void test_install_replaces_local_conn(void **state)
{
	struct ipvs_sync_rec r = rec(IPVS_FWD_DR, CLIENT, 43030, "10.0.0.102",
				     "10.0.1.13", 80, CS_ESTABLISHED);
	struct ipvs_sync_stats s0 = stats();
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER | IPVS_SYNC_BACKUP);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43030, RTE_TCP_SYN_FLAG), 1);
	c = find(0, &r);
	assert_non_null(c);
	assert_false(c->flags & CONN_F_SYNCED);
	post(&r, 2);
	c = find(0, &r);
	assert_non_null(c);
	assert_true(c->flags & CONN_F_SYNCED);
	assert_int_equal(c->state, CS_ESTABLISHED);
	assert_int_equal(stats().replaced - s0.replaced, 1);
	/* The replacement is on its way: the conn still forwards. */
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43030, RTE_TCP_ACK_FLAG), 1);
}

/* Every refusal is counted, and nothing is installed. */
static void test_install_refusals(void **state)
{
	struct ipvs_sync_rec r = rec(IPVS_FWD_FNAT, CLIENT, 43040, "10.0.0.100",
				     "10.0.1.11", 8080, CS_ESTABLISHED);
	struct ipvs_sync_rec bad;
	struct ipvs_sync_stats s0 = stats(), s;
	struct ipvs_conn *local;
	uint32_t size, used0, used;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER | IPVS_SYNC_BACKUP);
	ipvs_conn_pool_usage(&size, &used0);
	r.lport = 3041;
	bad = r;
	bad.vport = 99;
	post(&bad, 2);                                   /* no_service */
	bad = r;
	bad.daddr = ip4("10.0.1.99");
	post(&bad, 2);                                   /* no_dest */
	bad = r;
	bad.fwd = IPVS_FWD_NAT;
	post(&bad, 2);                                   /* no_dest: its mode */
	bad = r;
	bad.laddr = ip4("10.0.1.99");
	post(&bad, 2);                                   /* no_laddr */
	ipvs_conn_pool_usage(&size, &used);
	assert_true(used <= used0);   /* the wheel may free earlier tests' */
	/* A local conn holds worker 0's next port; a record naming it. */
	assert_int_equal(tcp_in(0, "10.0.0.100", CLIENT, 43042, RTE_TCP_SYN_FLAG), 1);
	local = find(0, &(struct ipvs_sync_rec){ .proto = IPPROTO_TCP,
		.caddr = CLIENT, .cport = 43042, .vaddr = ip4("10.0.0.100"),
		.vport = 80 });
	assert_non_null(local);
	bad = r;
	bad.cport = 43043;
	bad.lport = local->lport;
	bad.daddr = local->daddr;                        /* its reply tuple */
	post(&bad, 2);                                   /* port_busy, clash */
	assert_null(find(0, &bad));
	bad.cport = 43044;
	bad.daddr = local->daddr == ip4("10.0.1.11") ? ip4("10.0.1.15") :
						       ip4("10.0.1.11");
	post(&bad, 2);                                   /* port_busy, installed */
	assert_non_null(find(0, &bad));
	assert_false(find(0, &bad)->flags & CONN_F_PORT_RSV);
	s = stats();
	assert_int_equal(s.no_service - s0.no_service, 1);
	assert_int_equal(s.no_dest - s0.no_dest, 2);
	assert_int_equal(s.no_laddr - s0.no_laddr, 1);
	assert_int_equal(s.port_busy - s0.port_busy, 2);
	assert_int_equal(s.clash - s0.clash, 1);
	assert_int_equal(s.installed - s0.installed, 1);
	assert_int_equal(s.processed - s0.processed, 6);
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

/* A full install ring refuses at the post, counted; the rest installs. */
static void test_in_ring_full(void **state)
{
	struct ipvs_sync_rec r = rec(IPVS_FWD_DR, CLIENT, 0, "10.0.0.102",
				     "10.0.1.13", 80, CS_ESTABLISHED);
	struct ipvs_sync_stats s0 = stats(), s;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.vport = 99;   /* refused when installed: no service, no conn made */
	for (unsigned i = 0; i < RING; i++)
		assert_int_equal(ipvs_sync_post(&r, 2), 0);
	assert_int_equal(ipvs_sync_post(&r, 2), -ENOBUFS);
	r.widx = 1;
	assert_int_equal(ipvs_sync_post(&r, 2), 0);      /* the other ring */
	s = stats();
	assert_int_equal(s.in_ring_full - s0.in_ring_full, 1);
	run_workers(RING / 256 + 1);
	s = stats();
	assert_int_equal(s.processed - s0.processed, RING + 1);
	assert_int_equal(s.no_service - s0.no_service, RING + 1);
}

/* Synced conns expire by this LB's timeouts, whatever the sender said. */
static void test_install_expires_by_own_timeouts(void **state)
{
	struct ipvs_timeouts old, quick = { .tcp = 1, .tcp_fin = 1, .udp = 1 };
	struct ipvs_sync_rec r = rec(IPVS_FWD_NAT, CLIENT, 43050, "10.0.0.101",
				     "10.0.1.12", 8080, CS_ESTABLISHED);
	struct ipvs_sync_stats s0;
	unsigned i;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	ipvs_conn_get_timeouts(&old);
	ipvs_conn_set_timeouts(&quick);
	s0 = stats();
	r.timeout_s = 5000;
	post(&r, 1);
	assert_non_null(find(0, &r));
	assert_int_equal(stats().synced_conns, s0.synced_conns + 1);
	for (i = 0; i < 40 && find(0, &r); i++) {
		usleep(100000);
		run_workers(1);
	}
	assert_null(find(0, &r));
	assert_int_equal(stats().synced_conns, s0.synced_conns);
	ipvs_conn_set_timeouts(&old);
}

/*
 * A client packet reaching a worker other than its synced conn's is
 * handed to the owner once and forwarded once; one of a tuple the owner
 * does not have is handed over once and dropped there, never passed on.
 */
static void test_directory_handover(void **state)
{
	struct ipvs_sync_rec r = rec(IPVS_FWD_DR, CLIENT, 43060, "10.0.0.102",
				     "10.0.1.13", 80, CS_ESTABLISHED);
	unsigned lc0 = lcore_workers()[0], lc1 = lcore_workers()[1];
	uint64_t ho0 = pktstats[lc0].ipvs_handover;
	uint64_t drop1 = pktstats[lc1].ipvs_no_conn;
	struct ipvs_sync_stats s0 = stats();
	uint32_t dst = 0;
	struct conn_key key;

	(void)state;
	key_of(&key, IPPROTO_TCP, CLIENT, 43061, ip4("10.0.0.102"), 80);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.widx = 1;
	post(&r, 2);
	assert_non_null(find(1, &r));
	assert_true(sync_dir_count() >= 1);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43060,
				RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG), 1);
	assert_int_equal(find(1, &r)->state, CS_FIN_WAIT);
	assert_null(find(0, &r));
	assert_int_equal(stats().handover - s0.handover, 1);
	assert_int_equal(pktstats[lc0].ipvs_handover - ho0, 1);
	/* An entry whose conn is not on its owner: one hop, then dropped. */
	assert_int_equal(sync_dir_add(&key, 1), 0);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43061, RTE_TCP_ACK_FLAG), 0);
	run_workers(3);
	assert_int_equal(take_sent(&dst), 0);
	assert_int_equal(stats().handover - s0.handover, 2);
	assert_int_equal(pktstats[lc1].ipvs_no_conn - drop1, 1);
	sync_dir_del(&key, 1);
	/* Not in the directory: no hand-over, the usual drop. */
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43061, RTE_TCP_ACK_FLAG), 0);
	assert_int_equal(stats().handover - s0.handover, 2);
}

/* sync.backup_only: a BACKUP without MASTER makes no conn. */
static void test_backup_only(void **state)
{
	struct ipvs_sync_params p = { { 3, 50 }, 60, false, true };
	struct ipvs_sync_stats s0 = stats();

	(void)state;
	ipvs_sync_set_params(&p);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	assert_int_equal(tcp_in(0, "10.0.0.102", CLIENT, 43070, RTE_TCP_SYN_FLAG), 0);
	assert_int_equal(stats().backup_only - s0.backup_only, 1);
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
	c = find(w, &k);
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
	struct ipvs_sync_rec c = rec(IPVS_FWD_DR, 0x0a00000a, 44010, "10.0.0.105",
				     "10.0.1.13", 80, CS_ESTABLISHED);
	struct ipvs_sync_stats s0 = stats();
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
	post(&t, 2);
	post(&c, 2);
	assert_int_equal(stats().installed - s0.installed, 2);
	for (uint16_t p = 0; p < 4; p++) {
		assert_int_equal(server_for(0x0a000009, (uint16_t)(44020 + p)),
				 ip4("10.0.1.14"));
		assert_int_equal(server_for(0x0a00000a, (uint16_t)(44030 + p)),
				 ip4("10.0.1.13"));
	}
	/* A template of a service that is not persistent here is refused. */
	t.vaddr = ip4("10.0.0.102");
	t.daddr = ip4("10.0.1.13");
	post(&t, 2);
	assert_int_equal(stats().no_service - s0.no_service, 1);
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
	struct ipvs_sync_rec r = rec(IPVS_FWD_DR, CLIENT, 0, "10.0.0.102",
				     "10.0.1.13", 80, CS_ESTABLISHED);
	struct ipvs_sync_stats s0, s1;

	(void)state;
	sync_dir_fini();   /* a small one in its place */
	assert_int_equal(sync_dir_init(64, sizeof(struct conn_key)), 0);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	s0 = stats();
	for (unsigned i = 0; i < 300; i++) {
		r.cport = (uint16_t)(45000 + i);
		assert_int_equal(ipvs_sync_post(&r, 2), 0);
	}
	run_workers(2);
	s1 = stats();
	assert_int_equal(s1.installed - s0.installed, 300);
	assert_true(s1.dir_full - s0.dir_full > 0);
	assert_int_equal(sync_dir_count() + (s1.dir_full - s0.dir_full), 300);
	r.cport = 45299;
	assert_non_null(find(0, &r));
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
	struct ipvs_sync_rec r = rec(IPVS_FWD_FNAT, 0, 0, "10.0.0.100",
				     "10.0.1.11", 8080, CS_SYN_RECV);
	struct ipvs_service *s = ipvs_svc_get(IPPROTO_TCP, ip4("10.0.0.100"), 80);
	uint32_t size, used, free_ports, total, free0;
	struct ipvs_sync_stats s0, s1;
	unsigned n = 3 * RING;

	(void)state;
	ipvs_conn_flush_all();
	ipvs_port_usage(s->laddrs, &free0, &total);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	s0 = stats();
	post_many(&r, 0, n);
	s1 = stats();
	assert_int_equal(s1.processed - s0.processed, n);
	assert_int_equal(s1.installed - s0.installed, n);
	assert_int_equal(s1.full - s0.full, 0);
	assert_int_equal(s1.port_busy - s0.port_busy, 0);
	assert_true(sync_dir_count() <= 2048 && sync_dir_count() > 1000);
	assert_true(sync_dir_count() < sync_dir_size());
	/* Established conns are never evicted: the pool fills, counted. */
	r.state = CS_ESTABLISHED;
	post_many(&r, n, 4096);
	s1 = stats();
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
	assert_int_equal(stats().synced_conns, 0);
	ipvs_port_usage(s->laddrs, &free_ports, &total);
	assert_int_equal(free_ports, free0);
	for (unsigned p = 1024; p < 65536; p++)
		assert_false(ipvs_port_reserved(s->laddrs, p % NW, (uint16_t)p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_producer_tcp, before),
		cmocka_unit_test_setup(test_producer_embryonic, before),
		cmocka_unit_test_setup(test_producer_udp_threshold, before),
		cmocka_unit_test_setup(test_out_ring_full, before),
		cmocka_unit_test_setup(test_install_fnat, before),
		cmocka_unit_test_setup(test_install_owner_per_mode, before),
		cmocka_unit_test_setup(test_install_updates_in_place, before),
		cmocka_unit_test_setup(test_install_replaces_local_conn, before),
		cmocka_unit_test_setup(test_install_refusals, before),
		cmocka_unit_test_setup(test_in_ring_full, before),
		cmocka_unit_test_setup(test_install_expires_by_own_timeouts, before),
		cmocka_unit_test_setup(test_directory_handover, before),
		cmocka_unit_test_setup(test_backup_only, before),
		cmocka_unit_test_setup(test_templates, before),
		cmocka_unit_test_setup(test_directory_full, before),
		cmocka_unit_test_setup(test_churn_leaves_nothing, before),
	};

	return cmocka_run_group_tests_name("ipvs_sync", tests, setup, NULL);
}
