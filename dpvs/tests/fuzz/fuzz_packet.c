/*
 * libFuzzer target for the real packet path: the daemon runs in this
 * process (fuzz_daemon.c) on a net_ring port whose queue q is one ring
 * for both rx and tx.  Set-up goes through the real control ops:
 * addresses, a default route, neighbours, and FullNAT, NAT, DR and TUN
 * services with real servers and local addresses, in both families
 * (setup_v6: the same methods on 2001:db8::100-103, and NAT64 on
 * 2001:db8::104: IPv4 real servers and local address behind it).
 *
 * Each input is up to 8 records { u8 flags; u16 len; u8 frame[len] }.
 * Each frame is copied into an mbuf (the rest of its buffer poisoned
 * for ASan while it is processed, as the NIC wrote only len bytes; not
 * for held frames), put on the chosen worker's
 * rx ring, and that worker runs one pass of its real loop (netif_rx_job
 * -> eth -> arp/ipv4 -> ipvs, handover, timers...), then the other
 * worker (handovers); the master's jobs run after ARP frames and at the
 * end.  What they sent is taken off the rings, checked and freed.
 * Connections live on across inputs, in the real tables, with timeouts
 * of a few seconds.
 *
 * flags: F_WORKER2 rx on the second worker; F_HOLD leave the frame on
 * the ring, so that the next pass takes several in one burst (the
 * burst-wide connection lookup); F_NIC_CSUM rx IP checksum
 * flag set as a NIC would (GOOD or BAD, truthfully); F_OUR_MAC put the
 * port's MAC as destination; F_REPLY / F_ICMP_ERR ignore the frame but
 * for its first byte (TCP flags) and send instead the reply to, or an
 * ICMP error about, the last IPv4 frame the daemon sent, as the real
 * server or router there would; F_CTRL ignores the frame but for its
 * first byte, which picks a control op from a menu (delete a real
 * server, a local address, a service, a neighbour, a VIP, the default
 * route; quiesce a server, edit a service, add an unresolved server,
 * short timeouts, zero, a connection list) to run between the packets
 * with the workers answering; after such an input the set-up is
 * rebuilt (connections stay, referring to what was deleted).
 *
 * Checks besides the sanitizers: every IPv4 frame sent has a valid
 * header (version, length, checksum), every IPv6 one a version and a
 * payload length that fit, and no mbuf leaks from either pool.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <sanitizer/asan_interface.h>

#include "dpvs_ops.h"
#include "fuzz_daemon.h"
#include "core/lcore.h"
#include "core/msgbus.h"
#include "net/netif.h"
#include "core/rcu.h"

#define MAX_FRAMES 8
#define POOL_SIZE 2047
/* Held at most: neighbour queues (64 x 4), handover rings drain each pass. */
#define IN_USE_MAX 512

enum {
	F_WORKER2 = 0x01,
	F_NIC_CSUM = 0x02,
	F_OUR_MAC = 0x04,
	F_REPLY = 0x08,
	F_ICMP_ERR = 0x10,
	F_HOLD = 0x40,
	F_CTRL = 0xe0,   /* all three bits: an op costs a repair */
};

struct menu_op {
	uint32_t op;
	struct wbuf req;
};

static struct fuzz_port dev;   /* dpdk0 */
static uint8_t last_tx[256];
static uint16_t last_len;
static struct menu_op menu[16];
static unsigned nmenu;
static bool dirty;

/* ---- set-up through the control ops ---- */

/*
 * Repairing after F_CTRL inputs: what still exists is fine, anything
 * else sends rebuild() to a full rebuild (where every op must succeed).
 */
static bool repairing, repair_failed;

static void must(uint32_t op, struct wbuf *b, const char *what)
{
	uint32_t st = fuzz_op_wb(op, b);

	if (repairing) {
		if (st != DPVS_OK && st != DPVS_EEXIST)
			repair_failed = true;
		return;
	}
	if (st != DPVS_OK) {
		fprintf(stderr, "fuzz_packet: set-up %s failed (%u)\n", what, st);
		abort();
	}
}

static void addr(const char *ip, uint8_t plen, uint32_t flags)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .addr = inet_addr(ip),
				.plen = plen, .flags = flags };
	struct wbuf b;

	wb_init(&b);
	wire_enc_addr(&b, &a);
	must(DPVS_OP_ADDR_ADD, &b, ip);
}

static void neigh(const char *ip, uint8_t last)
{
	struct dpvs_neigh n = { .ifname = "dpdk0", .ip = inet_addr(ip),
				.mac = { 2, 0, 0, 0, 1, last },
				.state = DPVS_NEIGH_PERMANENT };
	struct wbuf b;

	wb_init(&b);
	wire_enc_neigh(&b, &n);
	must(DPVS_OP_NEIGH_ADD, &b, ip);
}

static struct dpvs_service svc(uint8_t proto, const char *vip, uint16_t port,
			       const char *sched, uint32_t flags)
{
	struct dpvs_service s = { .proto = proto, .vip = inet_addr(vip),
				  .vport = port, .flags = flags, .timeout = 5,
				  .netmask = inet_addr("255.255.255.0") };
	struct wbuf b;

	snprintf(s.sched, sizeof(s.sched), "%s", sched);
	wb_init(&b);
	wire_enc_svc(&b, &s);
	must(DPVS_OP_SVC_ADD, &b, vip);
	return s;
}

static void dest(const struct dpvs_service *s, const char *ip, uint32_t fwd)
{
	struct dpvs_dest d = { .proto = s->proto, .vip = s->vip,
			       .vport = s->vport, .addr = inet_addr(ip),
			       .port = fwd == DPVS_FWD_DR ? 0 : 8080,
			       .fwd = fwd, .weight = 3 };
	struct wbuf b;

	wb_init(&b);
	wire_enc_dest(&b, &d);
	must(DPVS_OP_DEST_ADD, &b, ip);
}

static void laddr(const struct dpvs_service *s, const char *ip)
{
	struct dpvs_laddr l = { .proto = s->proto, .vip = s->vip,
				.vport = s->vport, .addr = inet_addr(ip),
				.ifname = "dpdk0" };
	struct wbuf b;

	wb_init(&b);
	wire_enc_laddr(&b, &l);
	must(DPVS_OP_LADDR_ADD, &b, ip);
}

static void setup_net(void)
{
	struct dpvs_route r = { .ifname = "dpdk0", .type = DPVS_RT_GATEWAY,
				.gw = inet_addr("10.0.0.254") };
	struct dpvs_timeouts t = { 3, 2, 2 };
	struct wbuf b;

	addr("10.0.0.1", 24, 0);
	addr("10.0.1.1", 24, 0);
	for (int i = 0; i < 4; i++) {
		char vip[16];

		snprintf(vip, sizeof(vip), "10.0.0.%d", 100 + i);
		addr(vip, 32, 0);
	}
	addr("10.0.1.200", 32, DPVS_ADDR_F_SAPOOL);
	addr("10.0.1.201", 32, DPVS_ADDR_F_SAPOOL);
	wb_init(&b);
	wire_enc_route(&b, &r);
	must(DPVS_OP_ROUTE_ADD, &b, "default route");
	neigh("10.0.0.254", 0xfe);
	neigh("10.0.0.2", 2);
	neigh("10.0.1.11", 11);
	neigh("10.0.1.12", 12);
	neigh("10.0.1.13", 13);
	/* 10.0.1.14 stays unresolved: its packets wait for ARP. */
	wb_init(&b);
	wire_enc_timeouts(&b, &t);
	must(DPVS_OP_TIMEOUT_SET, &b, "timeouts");
}

static void setup_services(void)
{
	struct dpvs_service s;

	s = svc(IPPROTO_TCP, "10.0.0.100", 80, "rr", 0);
	dest(&s, "10.0.1.11", DPVS_FWD_FNAT);
	dest(&s, "10.0.1.14", DPVS_FWD_FNAT);
	laddr(&s, "10.0.1.200");
	laddr(&s, "10.0.1.201");
	/* seq/ack/SACK shifted, a header inserted into the first segment */
	s = svc(IPPROTO_TCP, "10.0.0.100", 443, "rr", DPVS_SVC_F_PROXY_V2);
	dest(&s, "10.0.1.11", DPVS_FWD_FNAT);
	laddr(&s, "10.0.1.200");
	s = svc(IPPROTO_UDP, "10.0.0.100", 53, "wrr", 0);
	dest(&s, "10.0.1.12", DPVS_FWD_FNAT);
	laddr(&s, "10.0.1.200");
	s = svc(IPPROTO_TCP, "10.0.0.101", 80, "wlc", DPVS_SVC_F_PERSISTENT);
	dest(&s, "10.0.1.11", DPVS_FWD_NAT);
	dest(&s, "10.0.1.12", DPVS_FWD_NAT);
	s = svc(IPPROTO_UDP, "10.0.0.101", 53, "sh", DPVS_SVC_F_SCHED_PORT);
	dest(&s, "10.0.1.12", DPVS_FWD_NAT);
	s = svc(IPPROTO_TCP, "10.0.0.102", 80, "mh", DPVS_SVC_F_SCHED_FALLBACK);
	dest(&s, "10.0.1.13", DPVS_FWD_DR);
	dest(&s, "10.0.1.11", DPVS_FWD_DR);
	s = svc(IPPROTO_TCP, "10.0.0.103", 80, "conhash", 0);
	dest(&s, "10.0.1.12", DPVS_FWD_TUN);
}

/* ---- IPv6: clients 2001:db8::/64, servers 2001:db8:1::/64 ---- */

static struct in6_addr a6(const char *ip)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, ip, &a) != 1)
		abort();
	return a;
}

static void addr6(const char *ip, uint8_t plen, uint32_t flags)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .af = AF_INET6,
				.addr6 = a6(ip), .plen = plen,
				.flags = flags | DPVS_ADDR_F_NODAD };
	struct wbuf b;

	wb_init(&b);
	wire_enc_addr(&b, &a);
	must(DPVS_OP_ADDR_ADD, &b, ip);
}

static void neigh6(const char *ip, uint8_t last)
{
	struct dpvs_neigh n = { .ifname = "dpdk0", .af = AF_INET6,
				.ip6 = a6(ip), .mac = { 2, 0, 0, 0, 1, last },
				.state = DPVS_NEIGH_PERMANENT };
	struct wbuf b;

	wb_init(&b);
	wire_enc_neigh(&b, &n);
	must(DPVS_OP_NEIGH_ADD, &b, ip);
}

static struct dpvs_service svc6(uint8_t proto, const char *vip, uint16_t port)
{
	struct dpvs_service s = { .proto = proto, .af = AF_INET6,
				  .vip6 = a6(vip), .vport = port,
				  .sched = "rr" };
	struct wbuf b;

	wb_init(&b);
	wire_enc_svc(&b, &s);
	must(DPVS_OP_SVC_ADD, &b, vip);
	return s;
}

/* A v4 ip under a v6 service is NAT64's. */
static void dest6(const struct dpvs_service *s, const char *ip, uint32_t fwd)
{
	struct dpvs_dest d = { .proto = s->proto, .vaf = AF_INET6,
			       .vip6 = s->vip6, .vport = s->vport,
			       .af = AF_INET6,
			       .port = fwd == DPVS_FWD_DR ? 0 : 8080,
			       .fwd = fwd, .weight = 3 };
	struct wbuf b;

	if (strchr(ip, ':'))
		d.addr6 = a6(ip);
	else
		d.af = AF_INET, d.addr = inet_addr(ip);
	wb_init(&b);
	wire_enc_dest(&b, &d);
	must(DPVS_OP_DEST_ADD, &b, ip);
}

static void laddr6(const struct dpvs_service *s, const char *ip)
{
	struct dpvs_laddr l = { .proto = s->proto, .vaf = AF_INET6,
				.vip6 = s->vip6, .vport = s->vport,
				.af = AF_INET6, .ifname = "dpdk0" };
	struct wbuf b;

	if (strchr(ip, ':'))
		l.addr6 = a6(ip);
	else
		l.af = AF_INET, l.addr = inet_addr(ip);
	wb_init(&b);
	wire_enc_laddr(&b, &l);
	must(DPVS_OP_LADDR_ADD, &b, ip);
}

/*
 * [::100]:80 and UDP 53 FullNAT, ::101 NAT, ::102 DR, ::103 TUN; NAT64
 * [::104]:80 and UDP 53 to 10.0.1.11-12 from 10.0.1.200 (setup_net's):
 * the replies and ICMPv4 errors of F_REPLY / F_ICMP_ERR go through its
 * 4-to-6 translation when NAT64 sent the last IPv4 frame.
 */
static void setup_v6(void)
{
	static const char *const vips[] = { "2001:db8::100", "2001:db8::101",
					    "2001:db8::102", "2001:db8::103",
					    "2001:db8::104" };
	struct dpvs_service s;

	addr6("2001:db8::1", 64, 0);
	addr6("2001:db8:1::1", 64, 0);
	for (unsigned i = 0; i < RTE_DIM(vips); i++)
		addr6(vips[i], 128, 0);
	addr6("2001:db8:1::200", 128, DPVS_ADDR_F_SAPOOL);
	neigh6("2001:db8::2", 2);
	neigh6("2001:db8:1::11", 11);
	neigh6("2001:db8:1::12", 12);
	neigh6("2001:db8:1::13", 13);
	s = svc6(IPPROTO_TCP, vips[0], 80);
	dest6(&s, "2001:db8:1::11", DPVS_FWD_FNAT);
	laddr6(&s, "2001:db8:1::200");
	s = svc6(IPPROTO_UDP, vips[0], 53);
	dest6(&s, "2001:db8:1::12", DPVS_FWD_FNAT);
	laddr6(&s, "2001:db8:1::200");
	s = svc6(IPPROTO_TCP, vips[1], 80);
	dest6(&s, "2001:db8:1::11", DPVS_FWD_NAT);
	dest6(&s, "2001:db8:1::12", DPVS_FWD_NAT);
	s = svc6(IPPROTO_TCP, vips[2], 80);
	dest6(&s, "2001:db8:1::13", DPVS_FWD_DR);
	s = svc6(IPPROTO_TCP, vips[3], 80);
	dest6(&s, "2001:db8:1::12", DPVS_FWD_TUN);
	s = svc6(IPPROTO_TCP, vips[4], 80);
	dest6(&s, "10.0.1.11", DPVS_FWD_FNAT);
	dest6(&s, "10.0.1.14", DPVS_FWD_FNAT);
	laddr6(&s, "10.0.1.200");
	s = svc6(IPPROTO_UDP, vips[4], 53);
	dest6(&s, "10.0.1.12", DPVS_FWD_FNAT);
	laddr6(&s, "10.0.1.200");
}

static void menu_add(uint32_t op, struct wbuf *req)
{
	menu[nmenu].op = op;
	menu[nmenu++].req = *req;
	wb_init(req);
}

static void menu_dest(uint32_t op, uint8_t proto, const char *vip,
		      uint16_t vport, const char *ip, uint32_t fwd, int weight)
{
	struct dpvs_dest d = { .proto = proto, .vip = inet_addr(vip),
			       .vport = vport, .addr = inet_addr(ip),
			       .port = 8080, .fwd = fwd, .weight = weight };
	struct wbuf b;

	wb_init(&b);
	wire_enc_dest(&b, &d);
	menu_add(op, &b);
}

static void menu_misc(void)
{
	struct dpvs_service fn = { .proto = IPPROTO_TCP,
				   .vip = inet_addr("10.0.0.100"), .vport = 80 };
	struct dpvs_service nat = { .proto = IPPROTO_TCP,
				    .vip = inet_addr("10.0.0.101"), .vport = 80,
				    .sched = "lblcr" };   /* per-worker tables */
	struct dpvs_laddr l = { .proto = IPPROTO_TCP, .vip = fn.vip, .vport = 80,
				.addr = inet_addr("10.0.1.200"), .ifname = "dpdk0" };
	struct dpvs_neigh n = { .ifname = "dpdk0", .ip = inet_addr("10.0.1.11"),
				.state = DPVS_NEIGH_PERMANENT };
	struct dpvs_addr vip = { .ifname = "dpdk0", .addr = fn.vip, .plen = 32 };
	struct dpvs_addr la = { .ifname = "dpdk0", .addr = l.addr, .plen = 32,
				 .flags = DPVS_ADDR_F_SAPOOL };
	struct dpvs_route r = { .ifname = "dpdk0", .type = DPVS_RT_GATEWAY,
				.gw = inet_addr("10.0.0.254") };
	struct dpvs_timeouts t = { 1, 1, 1 };
	struct wbuf b;

	wb_init(&b);
	wire_enc_laddr(&b, &l);
	menu_add(DPVS_OP_LADDR_DEL, &b);
	wire_enc_svc(&b, &fn);
	menu_add(DPVS_OP_SVC_DEL, &b);
	menu_add(DPVS_OP_SVC_FLUSH, &b);
	wire_enc_neigh(&b, &n);
	menu_add(DPVS_OP_NEIGH_DEL, &b);
	wire_enc_addr(&b, &vip);
	menu_add(DPVS_OP_ADDR_DEL, &b);
	wire_enc_addr(&b, &la);
	menu_add(DPVS_OP_ADDR_DEL, &b);
	wire_enc_svc(&b, &nat);
	menu_add(DPVS_OP_SVC_EDIT, &b);
	wire_enc_route(&b, &r);
	menu_add(DPVS_OP_ROUTE_DEL, &b);
	wire_enc_timeouts(&b, &t);
	menu_add(DPVS_OP_TIMEOUT_SET, &b);
	menu_add(DPVS_OP_ZERO, &b);
	menu_add(DPVS_OP_CONN_LIST, &b);
	menu_add(DPVS_OP_WORKER_STATS, &b);
}

/* The control ops an input may run between its packets (F_CTRL). */
static void setup_menu(void)
{
	menu_dest(DPVS_OP_DEST_DEL, IPPROTO_TCP, "10.0.0.100", 80, "10.0.1.11",
		  DPVS_FWD_FNAT, 0);
	menu_dest(DPVS_OP_DEST_EDIT, IPPROTO_TCP, "10.0.0.100", 80, "10.0.1.11",
		  DPVS_FWD_FNAT, 0);
	menu_dest(DPVS_OP_DEST_DEL, IPPROTO_TCP, "10.0.0.101", 80, "10.0.1.12",
		  DPVS_FWD_NAT, 0);
	menu_dest(DPVS_OP_DEST_ADD, IPPROTO_TCP, "10.0.0.100", 80, "10.0.1.15",
		  DPVS_FWD_FNAT, 9);
	menu_misc();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{

	(void)argc;
	(void)argv;
	fuzz_daemon_start("packet", "net_ring0", NULL);
	if (fuzz_port_open(&dev, "fuzz_rx", POOL_SIZE) < 0) {
		fprintf(stderr, "fuzz_packet: no port, rings or pool\n");
		exit(1);
	}
	setup_net();
	setup_services();
	setup_v6();
	setup_menu();
	return 0;
}

/* ---- one frame ---- */

/*
 * Frames whose tails are poisoned, until their pass is over: the daemon
 * may take a dropped frame's mbuf again for a packet of its own (an
 * ICMPv6 error is built in the frame's pool) and rightly write past the
 * old frame's end.  A held frame is not poisoned: it may be dropped and
 * its mbuf taken again within the burst's own pass.
 */
static struct rte_mbuf *poisoned[MAX_FRAMES + 1];
static unsigned npoisoned;

static void unpoison_passed(void)
{
	for (unsigned i = 0; i < npoisoned; i++)
		ASAN_UNPOISON_MEMORY_REGION(poisoned[i]->buf_addr,
					    poisoned[i]->buf_len);
	npoisoned = 0;
}

static void poison_tail(struct rte_mbuf *m)
{
	char *end = rte_pktmbuf_mtod(m, char *) + m->data_len;
	char *buf_end = (char *)m->buf_addr + m->buf_len;

	ASAN_POISON_MEMORY_REGION(end, (size_t)(buf_end - end));
}

static struct rte_mbuf *mbuf_of(const uint8_t *frame, uint16_t len,
				uint8_t flags)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dev.pool);
	struct rte_ipv4_hdr *ip;

	if (!m)
		return NULL;
	ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
	if (len > rte_pktmbuf_tailroom(m))
		len = rte_pktmbuf_tailroom(m);
	memcpy(rte_pktmbuf_append(m, len), frame, len);
	m->port = dev.id;
	if ((flags & F_OUR_MAC) && len >= 6)
		rte_ether_addr_copy(&dev.mac, rte_pktmbuf_mtod(m, void *));
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
				     sizeof(struct rte_ether_hdr));
	/* A NIC flags the checksum only of a header it could parse. */
	if ((flags & F_NIC_CSUM) && len >= 34 && (ip->version_ihl >> 4) == 4 &&
	    rte_ipv4_hdr_len(ip) >= 20 &&
	    rte_ipv4_hdr_len(ip) + sizeof(struct rte_ether_hdr) <= len)
		m->ol_flags |= rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)) == 0xffff ?
				       RTE_MBUF_F_RX_IP_CKSUM_GOOD :
				       RTE_MBUF_F_RX_IP_CKSUM_BAD;
	if (!(flags & F_HOLD) && npoisoned < RTE_DIM(poisoned)) {
		poison_tail(m);
		poisoned[npoisoned++] = m;
	}
	return m;
}

static volatile bool serving;

/* Answers the master's messages while it runs its jobs. */
static int serve_msgs(void *arg)
{
	unsigned lc = rte_lcore_id();

	(void)arg;
	rcu_register(lc);
	while (__atomic_load_n(&serving, __ATOMIC_ACQUIRE)) {
		msgbus_process();
		rcu_quiescent(lc);
		/* Both workers share a CPU (--lcores): let the other run. */
		sched_yield();
	}
	rcu_unregister(lc);
	return 0;
}

/*
 * The master's jobs and control ops may wait for the workers (gathers,
 * RCU): they answer meanwhile, as in their loops.
 */
static void on_master(void (*fn)(unsigned arg), unsigned arg)
{
	__atomic_store_n(&serving, true, __ATOMIC_RELEASE);
	for (unsigned w = 0; w < FUZZ_NWORKERS; w++)
		if (rte_eal_remote_launch(serve_msgs, NULL,
					  lcore_workers()[w]) != 0)
			abort();
	fn(arg);
	__atomic_store_n(&serving, false, __ATOMIC_RELEASE);
	rte_eal_mp_wait_lcore();
}

static void master_pass(unsigned arg)
{
	(void)arg;
	lcore_loop_once();
}

static void menu_run(unsigned i)
{
	struct menu_op *m = &menu[i % nmenu];

	fuzz_op(m->op, m->req.data, m->req.len, NULL);
}

/* Undoes the menu's edits and its added server. */
static void undo_edits(void)
{
	struct dpvs_service nat = { .proto = IPPROTO_TCP,
				    .vip = inet_addr("10.0.0.101"), .vport = 80,
				    .sched = "wlc", .flags = DPVS_SVC_F_PERSISTENT,
				    .timeout = 5,
				    .netmask = inet_addr("255.255.255.0") };
	struct dpvs_dest d = { .proto = IPPROTO_TCP,
			       .vip = inet_addr("10.0.0.100"), .vport = 80,
			       .addr = inet_addr("10.0.1.11"), .port = 8080,
			       .fwd = DPVS_FWD_FNAT, .weight = 3 };
	struct wbuf b;

	wb_init(&b);
	wire_enc_dest(&b, &d);
	must(DPVS_OP_DEST_EDIT, &b, "dest weight");
	d.addr = inet_addr("10.0.1.15");
	wire_enc_dest(&b, &d);
	if (fuzz_op_wb(DPVS_OP_DEST_DEL, &b) == DPVS_EINVAL)
		repair_failed = true;
	wire_enc_svc(&b, &nat);
	must(DPVS_OP_SVC_EDIT, &b, "nat service");
}

/*
 * Re-adds what is missing (a full rebuild costs most of a second: the
 * mh and conhash tables are rebuilt with each server).
 */
static void rebuild(unsigned arg)
{
	(void)arg;
	repairing = true;
	repair_failed = false;
	setup_net();
	setup_services();
	setup_v6();
	undo_edits();
	repairing = false;
	if (!repair_failed)
		return;
	fuzz_daemon_reset();
	setup_net();
	setup_services();
	setup_v6();
}

static void check_sent6(struct rte_mbuf *m, uint32_t avail)
{
	const struct rte_ipv6_hdr *ip6 =
		rte_pktmbuf_mtod_offset(m, const void *, sizeof(struct rte_ether_hdr));

	if (avail < sizeof(*ip6) ||
	    (rte_be_to_cpu_32(ip6->vtc_flow) >> 28) != 6 ||
	    sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len) >
		    m->pkt_len - sizeof(struct rte_ether_hdr)) {
		fprintf(stderr, "fuzz_packet: sent a malformed IPv6 frame\n");
		rte_pktmbuf_dump(stderr, m, m->data_len);
		abort();
	}
}

static void check_sent(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, void *);
	const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
	uint32_t avail = m->data_len - (uint32_t)sizeof(*eh), hlen;

	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
	    m->data_len >= sizeof(*eh)) {
		check_sent6(m, avail);
		return;
	}
	if (m->data_len < sizeof(*eh) + sizeof(*ip) ||
	    eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return;
	hlen = rte_ipv4_hdr_len(ip);
	if ((ip->version_ihl >> 4) != 4 || hlen < sizeof(*ip) || hlen > avail ||
	    rte_raw_cksum(ip, hlen) != 0xffff ||
	    rte_be_to_cpu_16(ip->total_length) > avail) {
		fprintf(stderr, "fuzz_packet: sent a malformed IPv4 frame\n");
		rte_pktmbuf_dump(stderr, m, m->data_len);
		abort();
	}
	last_len = (uint16_t)RTE_MIN(m->data_len, sizeof(last_tx));
	memcpy(last_tx, eh, last_len);
}

static void drain_sent(void)
{
	struct rte_mbuf *m;

	for (unsigned q = 0; q < FUZZ_NWORKERS; q++)
		while (rte_ring_dequeue(dev.rings[q], (void **)&m) == 0) {
			ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
			check_sent(m);
			rte_pktmbuf_free(m);
		}
}

static void check_pools(void)
{
	if (rte_mempool_in_use_count(dev.pool) > IN_USE_MAX ||
	    rte_mempool_in_use_count(netif_pktpool()) > IN_USE_MAX + 1024) {
		fprintf(stderr, "fuzz_packet: mbufs leak: %u + %u in use\n",
			rte_mempool_in_use_count(dev.pool),
			rte_mempool_in_use_count(netif_pktpool()));
		abort();
	}
}

/* ---- replies to what the daemon sent ---- */

static uint16_t reply_of(uint8_t *f, uint8_t tcp_flags)
{
	struct rte_ether_hdr *eh = (void *)f;
	struct rte_ipv4_hdr *ip = (void *)(eh + 1);
	uint32_t hlen, a;
	uint16_t *ports, p;

	if (last_len < sizeof(*eh) + sizeof(*ip))
		return 0;
	memcpy(f, last_tx, last_len);
	hlen = rte_ipv4_hdr_len(ip);
	if (last_len < sizeof(*eh) + hlen + 20)
		return 0;
	ports = (void *)((char *)ip + hlen);
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	p = ports[0];
	ports[0] = ports[1];
	ports[1] = p;
	if (ip->next_proto_id == IPPROTO_TCP)
		((struct rte_tcp_hdr *)ports)->tcp_flags = tcp_flags;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return last_len;
}

static uint16_t icmp_error_of(uint8_t *f, uint8_t code)
{
	struct rte_ether_hdr *eh = (void *)f;
	struct rte_ipv4_hdr *ip = (void *)(eh + 1);
	const struct rte_ipv4_hdr *sent = (const void *)(last_tx + sizeof(*eh));
	uint32_t quote = rte_ipv4_hdr_len(sent) + 8;
	uint8_t *ic = (uint8_t *)(ip + 1);

	if (last_len < sizeof(*eh) + quote)
		return 0;
	memset(f, 0, sizeof(*eh) + sizeof(*ip) + 8);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = sent->dst_addr;
	ip->dst_addr = sent->src_addr;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + 8 + quote));
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic[0] = 3; /* destination unreachable */
	ic[1] = code;
	memcpy(ic + 8, sent, quote);
	((uint16_t *)ic)[1] = (uint16_t)~rte_raw_cksum(ic, 8 + quote);
	return (uint16_t)(sizeof(*eh) + sizeof(*ip) + 8 + quote);
}

/*
 * Worker w's pass first: what it hands over is taken by the other.  The
 * master's jobs (neighbours learnt, gathers, expiry) run after ARP and
 * at the end of the input.
 */
static void run_all(unsigned w, bool master)
{
	fuzz_run_worker(w);
	fuzz_run_worker(1 - w);
	if (master)
		on_master(master_pass, 0);
	drain_sent();
	unpoison_passed();
}

static bool is_arp(const uint8_t *frame, uint16_t len)
{
	return len >= 14 && frame[12] == 0x08 && frame[13] == 0x06;
}

static void one_frame(uint8_t flags, const uint8_t *frame, uint16_t len)
{
	uint8_t made[512];
	unsigned w = flags & F_WORKER2 ? 1 : 0;
	struct rte_mbuf *m;

	if ((flags & F_CTRL) == F_CTRL) {
		run_all(0, false); /* held frames come first */
		on_master(menu_run, len ? frame[0] : 0);
		dirty = true;
		drain_sent();
		return;
	}
	if (flags & (F_REPLY | F_ICMP_ERR)) {
		uint8_t b = len ? frame[0] : 0;

		len = flags & F_REPLY ? reply_of(made, b) : icmp_error_of(made, b);
		if (!len)
			return;
		frame = made;
		flags |= F_OUR_MAC;
	}
	m = mbuf_of(frame, len, flags);
	if (!m)
		return;
	if (rte_ring_enqueue(dev.rings[w], m) != 0) {
		rte_pktmbuf_free(m);
		return;
	}
	if (flags & F_HOLD)
		return;
	run_all(w, is_arp(frame, len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	for (int n = 0; n < MAX_FRAMES && off + 3 <= size; n++) {
		uint8_t flags = data[off];
		uint16_t len = (uint16_t)(data[off + 1] << 8 | data[off + 2]);

		off += 3;
		if (len > size - off)
			len = (uint16_t)(size - off);
		one_frame(flags, data + off, len);
		off += len;
	}
	run_all(0, true); /* frames still held, the master's jobs */
	if (dirty) {
		on_master(rebuild, 0);
		dirty = false;
		drain_sent();
	}
	check_pools();
	return 0;
}
