/*
 * FullNAT64 (ipvs/ipvs_xmit64.c) on a NAT64 conn against golden packets:
 * what it hands to ipv4_output / ipv6_output is compared byte for byte
 * with packets built from scratch (test_nat64_pkt.h): the client's SYN
 * with its MSS clamped, the server's SYN-ACK, a reply too big for the
 * client's side, UDP without a checksum, and ICMP errors both ways.
 * The layers around it (routes, ports, output) are stand-ins that
 * record what they are handed; the translation and the counters are
 * the real ones.  A conn with a PROXY v2 header gets it on the IPv4
 * side, naming the v6 client and VIP, with the shift both ways.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>

#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_fwd.h"
#include "ipvs/ipvs_xmit64.h"
#include "ipvs/proxy_proto.h"
#include "net/ipv4.h"
#include "net/ipv6.h"
#include "net/netif.h"
#include "net/pktstats.h"
#include "net/route.h"
#include "net/route6.h"
#include "test_nat64_pkt.h"

/* ---- stand-ins: port 0 faces the clients (v6), port 1 the servers (v4) ---- */

static struct netif_port ports[2] = { { .used = true, .id = 0, .mtu = 1500 },
				      { .used = true, .id = 1, .mtu = 1500 } };
static const struct route_entry rt4 = { .prefix = 0x0a000200, .plen = 24, .port = 1 };
static struct route6_entry rt6 = { .plen = 64, .port = 0 };

struct sent {
	struct rte_mbuf *m;
	int af;
	uint32_t dst4;
	struct in6_addr dst6;
};
static struct sent sent;

const struct route_entry *route_lookup(uint32_t dst)
{
	(void)dst;
	return &rt4;
}

const struct route6_entry *route6_lookup(const struct in6_addr *dst)
{
	(void)dst;
	return &rt6;
}

const struct netif_port *netif_port(uint16_t id)
{
	return id < 2 ? &ports[id] : NULL;
}

struct rte_mempool *netif_pktpool(void)
{
	return pool;
}

bool ipv4_output(unsigned lc, struct rte_mbuf *m, uint32_t dst)
{
	(void)lc;
	assert_null(sent.m);
	sent = (struct sent){ m, AF_INET, dst, { { { 0 } } } };
	return true;
}

bool ipv6_output(unsigned lc, struct rte_mbuf *m, const struct in6_addr *dst)
{
	(void)lc;
	assert_null(sent.m);
	sent = (struct sent){ .m = m, .af = AF_INET6, .dst6 = *dst };
	return true;
}

/* ---- the conn ---- */

static struct ipvs_pcstats stats[1];
static struct ipvs_dest dest;
static struct ipvs_laddr laddr;
static struct ipvs_conn conn;

static void conn_setup(uint8_t proto)
{
	rte_pktmbuf_free(sent.m);   /* a failed case's leftover */
	sent.m = NULL;
	dest = (struct ipvs_dest){ .af = AF_INET, .vaf = AF_INET6, .port = DPORT,
				   .fwd = IPVS_FWD_FNAT, .stats = stats };
	dest.addr.in4 = RS;
	memcpy(&dest.vaddr.in6, vip, 16);
	laddr = (struct ipvs_laddr){ .af = AF_INET, .port_id = 1 };
	laddr.addr.in4 = LADDR;
	conn = (struct ipvs_conn){ .cport = CPORT, .vport = VPORT, .lport = LPORT,
				   .dport = DPORT, .proto = proto, .fwd = IPVS_X_FNAT64,
				   .dest = &dest, .lobj = &laddr };
	memcpy(&conn.caddr6, client, 16);
	memset(stats, 0, sizeof(stats));
	memset(&pktstats[rte_lcore_id()], 0, sizeof(pktstats[0]));
	ports[0].mtu = ports[1].mtu = 1500;
}

static unsigned lc(void)
{
	return rte_lcore_id();
}

/* As conn_xmit() calls ipvs_xmit[IPVS_X_FNAT64]; m at its L3 header. */
static void xmit(struct rte_mbuf *m, uint16_t in_port, bool in, uint32_t l4_off)
{
	void *l3 = rte_pktmbuf_mtod(m, void *);
	void *l4 = rte_pktmbuf_mtod_offset(m, void *, l4_off);

	m->port = in_port;
	if (in)
		ipvs_fnat64_in(lc(), &conn, m, l3, l4);
	else
		ipvs_fnat64_out(lc(), &conn, m, l3, l4);
}

static void assert_sent4(const struct pkt *want, uint32_t dst)
{
	assert_non_null(sent.m);
	assert_int_equal(sent.af, AF_INET);
	assert_int_equal(sent.dst4, dst);
	assert_pkt(sent.m, want);
	assert_sums4(rte_pktmbuf_mtod(sent.m, uint8_t *));
	rte_pktmbuf_free(sent.m);
	sent.m = NULL;
}

static void assert_sent6(const struct pkt *want, const uint8_t *dst)
{
	assert_non_null(sent.m);
	assert_int_equal(sent.af, AF_INET6);
	assert_memory_equal(&sent.dst6, dst, 16);
	assert_pkt(sent.m, want);
	assert_sums6(rte_pktmbuf_mtod(sent.m, uint8_t *));
	rte_pktmbuf_free(sent.m);
	sent.m = NULL;
}

/* A TCP segment of the conn both ways: v6 client side, v4 server side. */
static void seg6(struct pkt *o, bool from_client, uint8_t flags, uint16_t mss, uint32_t n)
{
	uint8_t l4[2048];
	struct v6 h = { from_client ? client : vip, from_client ? vip : client, 0, 60,
			P_TCP, 0, NULL, 0, 0 };
	uint32_t len = from_client ? tcp(l4, CPORT, VPORT, flags, mss, n) :
				     tcp(l4, VPORT, CPORT, flags, mss, n);

	mk6(o, &h, l4, len, true);
}

static void seg4(struct pkt *o, bool from_client, uint8_t flags, uint16_t mss, uint32_t n,
		 uint16_t id, bool df)
{
	uint8_t l4[2048];
	struct v4 h = { from_client ? LADDR : RS, from_client ? RS : LADDR, 0, 60, P_TCP,
			id, df };
	uint32_t len = from_client ? tcp(l4, LPORT, DPORT, flags, mss, n) :
				     tcp(l4, DPORT, LPORT, flags, mss, n);

	mk4(o, &h, l4, len, true);
}

/* v4 IDs run per lcore: read the one the translation used. */
static uint16_t sent_id(void)
{
	return get16(rte_pktmbuf_mtod(sent.m, uint8_t *) + 4);
}

/* ---- cases ---- */

/* MSS = min(v6 MTU - 60, v4 MTU - 40), whichever side is smaller. */
static void test_syn_mss_clamped_both_sides(void **state)
{
	static const uint16_t mtu6[3] = { 1500, 1400, 1500 }, mtu4[3] = { 1500, 1500, 1300 };
	static const uint16_t want[3] = { 1440, 1340, 1260 };
	struct pkt in, out;

	(void)state;
	conn_setup(P_TCP);
	for (unsigned i = 0; i < 3; i++) {
		ports[0].mtu = mtu6[i];
		ports[1].mtu = mtu4[i];
		seg6(&in, true, 0x02, 1460, 0);
		xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 0, true, 40);
		seg4(&out, true, 0x02, want[i], 0, sent_id(), false);
		assert_sent4(&out, RS);
		seg4(&in, false, 0x12, 1460, 0, 0, true);
		xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 1, false, 20);
		seg6(&out, false, 0x12, want[i], 0);
		assert_sent6(&out, client);
	}
	/* A smaller MSS is left alone. */
	seg6(&in, true, 0x02, 1000, 0);
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 0, true, 40);
	seg4(&out, true, 0x02, 1000, 0, sent_id(), false);
	assert_sent4(&out, RS);
}

/* Data both ways: a full-sized segment from the client leaves with DF. */
static void test_data_both_ways(void **state)
{
	struct pkt in, out;

	(void)state;
	conn_setup(P_TCP);
	seg6(&in, true, 0x10, 0, 1420);
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 0, true, 40);
	seg4(&out, true, 0x10, 0, 1420, 0, true);
	assert_sent4(&out, RS);
	seg4(&in, false, 0x10, 0, 1440, 0, true);   /* 1480 + 20 = the v6 MTU */
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 1, false, 20);
	seg6(&out, false, 0x10, 0, 1440);
	assert_sent6(&out, client);
	assert_int_equal(pktstats[lc()].nat64_too_big, 0);
}

/* 20 bytes too big for the client's side: Frag Needed with DF, else dropped. */
static void test_reply_too_big(void **state)
{
	struct pkt in;
	const uint8_t *e;

	(void)state;
	conn_setup(P_TCP);
	seg4(&in, false, 0x10, 0, 1441, 0, true);
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 1, false, 20);
	assert_int_equal(sent.af, AF_INET);
	assert_int_equal(sent.dst4, RS);
	e = rte_pktmbuf_mtod(sent.m, const uint8_t *);
	assert_int_equal(e[20], 3);                  /* dest unreachable */
	assert_int_equal(e[21], 4);                  /* fragmentation needed */
	assert_int_equal(get16(e + 26), 1480);       /* the v6 MTU less 20 */
	assert_int_equal(get16(e + 12) << 16 | get16(e + 14), LADDR);
	assert_sums4(e);
	rte_pktmbuf_free(sent.m);
	sent.m = NULL;
	seg4(&in, false, 0x10, 0, 1441, 0, false);
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 1, false, 20);
	assert_null(sent.m);
	assert_int_equal(pktstats[lc()].nat64_too_big, 1);
}

/* A server's UDP without a checksum reaches the client with one, counted. */
static void test_udp_zero_csum_counted(void **state)
{
	struct pkt p4, p6;

	(void)state;
	conn_setup(P_UDP);
	server_seg(&p4, &p6, 0, P_UDP, 100, false);
	xmit(mbuf_of(&p4, RTE_PKTMBUF_HEADROOM), 1, false, 20);
	assert_sent6(&p6, client);
	assert_int_equal(pktstats[lc()].nat64_csum, 1);
}

/* A router by the server says our packet was too big: the client hears PTB. */
static void test_frag_needed_relayed_as_ptb(void **state)
{
	struct pkt c6p, c4p, e4, e6;

	(void)state;
	conn_setup(P_TCP);
	ports[0].mtu = 9000;
	client_seg(&c6p, &c4p, 0, 0, P_TCP, 1452, 0);
	err4(&e4, 3, 4, 1400, &c4p, 28);
	err6(&e6, 2, 0, 1420, &c6p, 48);
	ipvs_fnat64_icmp_out(lc(), 0, &conn, mbuf_of(&e4, RTE_PKTMBUF_HEADROOM));
	assert_sent6(&e6, client);
	assert_int_equal(stats[0].outpkts, 1);
}

/* A router by the client says our reply was too big: the server hears it. */
static void test_ptb_relayed_as_frag_needed(void **state)
{
	struct pkt s4, s6, e4, e6;
	uint8_t l4[256];
	struct v6 h6 = { router6, vip, 0, 64, P_ICMP6, 0, NULL, 0, 0 };
	struct v4 h4 = { LADDR, RS, 0, 64, P_ICMP, 0, false };
	struct rte_mbuf *m;
	struct ipv6_pkt p;
	uint32_t n;

	(void)state;
	conn_setup(P_TCP);
	server_seg(&s4, &s6, 0, P_TCP, 1400, true);
	n = icmp(l4, 2, 0, 1400, &s6, 48);
	mk6(&e6, &h6, l4, n, true);
	n = icmp(l4, 3, 4, 1380, &s4, 28);
	mk4(&e4, &h4, l4, n, true);
	m = mbuf_of(&e6, RTE_PKTMBUF_HEADROOM);
	p = parse(m);
	ipvs_fnat64_icmp_in(lc(), 0, &conn, m, &p);
	assert_sent4(&e4, RS);
	assert_int_equal(stats[0].inpkts, 1);
}

/* Untranslatable errors and fragments go nowhere, each counted. */
static void test_drops_counted(void **state)
{
	struct pkt c6p, c4p, e4, p4, p6;

	(void)state;
	conn_setup(P_TCP);
	client_seg(&c6p, &c4p, 0, 0, P_TCP, 0, 0);
	err4(&e4, 5, 1, 0, &c4p, 28);                /* a redirect */
	ipvs_fnat64_icmp_out(lc(), 0, &conn, mbuf_of(&e4, RTE_PKTMBUF_HEADROOM));
	err4(&e4, 3, 3, 0, &c4p, 24);                /* quote too short */
	ipvs_fnat64_icmp_out(lc(), 0, &conn, mbuf_of(&e4, RTE_PKTMBUF_HEADROOM));
	assert_null(sent.m);
	assert_int_equal(pktstats[lc()].nat64_bad_icmp, 2);
	server_seg(&p4, &p6, 0, P_TCP, 64, true);
	p4.b[6] |= 0x20;                             /* MF */
	xmit(mbuf_of(&p4, RTE_PKTMBUF_HEADROOM), 1, false, 20);
	assert_null(sent.m);
	assert_int_equal(pktstats[lc()].nat64_frag, 1);
	server_seg(&p4, &p6, 0, P_TCP, 64, true);
	xmit(mbuf_of(&p4, 18), 1, false, 20);        /* no room for the v6 header */
	assert_null(sent.m);
	assert_int_equal(pktstats[lc()].nat64_no_room, 1);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/* A TCP segment with its own seq, ack and payload; v6: the client's side. */
static void pseg(struct pkt *o, bool v6, bool from_client, uint8_t flags, uint32_t seq,
		 uint32_t ack, uint16_t mss, const void *pay, uint32_t plen)
{
	uint8_t l4[2048];
	uint32_t hl = v6 ? tcp(l4, from_client ? CPORT : VPORT, from_client ? VPORT : CPORT,
			       flags, mss, 0) :
			   tcp(l4, from_client ? LPORT : DPORT, from_client ? DPORT : LPORT,
			       flags, mss, 0);
	struct v6 h6 = { from_client ? client : vip, from_client ? vip : client, 0, 60,
			 P_TCP, 0, NULL, 0, 0 };
	struct v4 h4 = { from_client ? LADDR : RS, from_client ? RS : LADDR, 0, 60, P_TCP,
			 0, !from_client };

	put32(l4 + 4, seq);
	put32(l4 + 8, ack);
	if (plen)
		memcpy(l4 + hl, pay, plen);
	if (v6)
		mk6(o, &h6, l4, hl + plen, true);
	else
		mk4(o, &h4, l4, hl + plen, true);
}

/* The client's segment leaves as want, with the ID the translation chose. */
static void assert_sent4_id(struct pkt *want)
{
	assert_non_null(sent.m);
	put16(want->b + 4, sent_id());
	put16(want->b + 10, 0);
	put16(want->b + 10, fold_not(sum_be(want->b, 20)));
	assert_sent4(want, RS);
}

static void test_proxy_v2_names_the_v6_client(void **state)
{
	static const uint8_t hdr[52] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x21, 0x00, 0x24,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
		0x9c, 0x40, 0x00, 0x50 };
	uint8_t first[52 + 7];
	struct pkt in, out;

	(void)state;
	conn_setup(P_TCP);
	pp_init6(&conn.pp, PP_V2, client, CPORT, vip, VPORT);
	memcpy(first, hdr, sizeof(hdr));
	memcpy(first + sizeof(hdr), "GET /\r\n", 7);
	pseg(&in, true, true, 0x02, 1000, 0, 1460, NULL, 0);
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 0, true, 40);
	pseg(&out, false, true, 0x02, 1000, 0, 1440, NULL, 0);
	assert_sent4_id(&out);
	/* The client learns an MSS 52 bytes lower: a full segment + header fits. */
	pseg(&in, false, false, 0x12, 5000, 1001, 1460, NULL, 0);
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 1, false, 20);
	pseg(&out, true, false, 0x12, 5000, 1001, 1440 - 52, NULL, 0);
	assert_sent6(&out, client);
	/* The first segment, and its retransmission, carry the header. */
	for (int i = 0; i < 2; i++) {
		pseg(&in, true, true, 0x18, 1001, 5001, 0, "GET /\r\n", 7);
		xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 0, true, 40);
		pseg(&out, false, true, 0x18, 1001, 5001, 0, first, sizeof(first));
		assert_sent4_id(&out);
	}
	assert_int_equal(pktstats[lc()].ipvs_pp_sent, 2);
	/* The server's acknowledgement of it all, in the client's terms. */
	pseg(&in, false, false, 0x10, 5001, 1001 + 52 + 7, 0, NULL, 0);
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 1, false, 20);
	pseg(&out, true, false, 0x10, 5001, 1008, 0, NULL, 0);
	assert_sent6(&out, client);
	/* Later client data: shifted by the header. */
	pseg(&in, true, true, 0x18, 1008, 5001, 0, "x", 1);
	xmit(mbuf_of(&in, RTE_PKTMBUF_HEADROOM), 0, true, 40);
	pseg(&out, false, true, 0x18, 1008 + 52, 5001, 0, "x", 1);
	assert_sent4_id(&out);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_ipvs_golden64", "--no-huge", "-m", "64", "--no-pci",
			"--file-prefix", prefix, "--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_mss_clamped_both_sides),
		cmocka_unit_test(test_data_both_ways),
		cmocka_unit_test(test_reply_too_big),
		cmocka_unit_test(test_udp_zero_csum_counted),
		cmocka_unit_test(test_frag_needed_relayed_as_ptb),
		cmocka_unit_test(test_ptb_relayed_as_frag_needed),
		cmocka_unit_test(test_drops_counted),
		cmocka_unit_test(test_proxy_v2_names_the_v6_client),
	};
	int rc;

	inet_pton(AF_INET6, "2001:db8::c", client);
	inet_pton(AF_INET6, "2001:db8::100", vip);
	inet_pton(AF_INET6, "2001:db8::1", router6);
	snprintf(prefix, sizeof(prefix), "test_ipvs_golden64_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("nat64", 64, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM,
				       SOCKET_ID_ANY);
	if (!pool)
		return 1;
	rc = cmocka_run_group_tests_name("ipvs_golden64", tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
