/*
 * NAT64 translation (net/nat64.c) against golden packets: each case
 * builds the packet dpvs receives and the packet it must send, both
 * independently and byte by byte with checksums summed in full here,
 * then compares what the translation made of the first with the
 * second.  Every output's checksums are also verified by recomputation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "net/ipv6_parse.h"
#include "net/nat64.h"

#include "test_nat64_pkt.h"

static const struct nat64_v4 to_rs = { LADDR, RS, LPORT, DPORT, 0 };
static const struct nat64_v6 *to_client(uint16_t mtu)
{
	static struct nat64_v6 a;

	memcpy(&a.saddr, vip, 16);
	memcpy(&a.daddr, client, 16);
	a.sport = VPORT;
	a.dport = CPORT;
	a.mtu = mtu;
	return &a;
}

static void check_6to4(const struct pkt *in, const struct pkt *want, uint16_t id)
{
	struct rte_mbuf *m = mbuf_of(in, RTE_PKTMBUF_HEADROOM);
	struct ipv6_pkt p = parse(m);

	assert_int_equal(nat64_6to4(m, &p, &to_rs, id), NAT64_OK);
	assert_pkt(m, want);
	assert_sums4(rte_pktmbuf_mtod(m, uint8_t *));
	rte_pktmbuf_free(m);
}

static void check_4to6(const struct pkt *in, const struct pkt *want, uint16_t mtu6)
{
	struct rte_mbuf *m = mbuf_of(in, RTE_PKTMBUF_HEADROOM);

	assert_int_equal(nat64_4to6(m, to_client(mtu6)), NAT64_OK);
	assert_pkt(m, want);
	assert_sums6(rte_pktmbuf_mtod(m, uint8_t *));
	rte_pktmbuf_free(m);
}

/* ---- TCP and UDP ---- */

static void test_tcp_syn_6to4(void **state)
{
	struct pkt p6, p4;

	(void)state;
	client_seg(&p6, &p4, 0, 0x12345, P_TCP, 0, 0x1234);
	check_6to4(&p6, &p4, 0x1234);
	client_seg(&p6, &p4, 0, 0x12345, P_TCP, 1000, 0x1235);
	check_6to4(&p6, &p4, 0x1235);
}

static void test_tcp_synack_4to6(void **state)
{
	struct pkt p4, p6;

	(void)state;
	server_seg(&p4, &p6, 0, P_TCP, 0, true);
	check_4to6(&p4, &p6, 1500);
	server_seg(&p4, &p6, 0, P_TCP, 1400, true);
	check_4to6(&p4, &p6, 1500);
}

/* RFC 7915 5.1: DF clear (and our ID) up to 1260 bytes, DF set (ID 0) above. */
static void test_df_rule_1260(void **state)
{
	struct pkt p6, p4;

	(void)state;
	client_seg(&p6, &p4, 0, 1, P_UDP, 1260 - 28, 0x4242);
	assert_int_equal(p4.len, 1260);
	assert_int_equal(get16(p4.b + 6), 0);
	check_6to4(&p6, &p4, 0x4242);
	client_seg(&p6, &p4, 0, 1, P_UDP, 1261 - 28, 0x4242);
	assert_int_equal(get16(p4.b + 6), 0x4000);
	assert_int_equal(get16(p4.b + 4), 0);
	check_6to4(&p6, &p4, 0x4242);
}

static void test_tclass_tos(void **state)
{
	struct pkt a, b;

	(void)state;
	client_seg(&a, &b, 0xb8, 0xfffff, P_TCP, 10, 1);     /* EF both ways */
	assert_int_equal(b.b[1], 0xb8);
	check_6to4(&a, &b, 1);
	server_seg(&a, &b, 0x2a, P_TCP, 10, true);  /* ECN bits kept too */
	assert_int_equal(get16(b.b) & 0x0ff0, 0x02a0);
	check_4to6(&a, &b, 1500);
}

/* HBH, Destination Options and an atomic fragment: none reaches IPv4. */
static void test_ext_headers_dropped(void **state)
{
	static const uint8_t ext[24] = {
		60, 0, 1, 4, 0, 0, 0, 0,          /* HBH: PadN */
		44, 0, 1, 4, 0, 0, 0, 0,          /* Destination Options: PadN */
		P_TCP, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef,  /* Fragment, offset 0, M 0 */
	};
	uint8_t l4[256];
	uint32_t n = tcp(l4, CPORT, VPORT, 0x02, 1440, 104);
	struct v6 h = { client, vip, 0, 57, P_TCP, 0, ext, sizeof(ext), 0 };
	struct pkt p6, p4, plain;
	struct rte_mbuf *m;
	struct ipv6_pkt p;

	(void)state;
	client_seg(&plain, &p4, 0, 0, P_TCP, 104, 9);
	mk6(&p6, &h, l4, n, true);
	check_6to4(&p6, &p4, 9);
	/* A real fragment has no ports to translate. */
	p6.b[40 + 16 + 3] = 1;               /* M set */
	m = mbuf_of(&p6, RTE_PKTMBUF_HEADROOM);
	p = parse(m);
	assert_int_equal(nat64_6to4(m, &p, &to_rs, 9), NAT64_DROP_FRAG);
	rte_pktmbuf_free(m);
}

/* RFC 7915 4.5: IPv6 needs the checksum IPv4 UDP may leave out. */
static void test_udp_zero_csum_computed(void **state)
{
	struct pkt p4, p6;

	(void)state;
	server_seg(&p4, &p6, 0, P_UDP, 333, false);
	assert_int_equal(get16(p4.b + 26), 0);
	check_4to6(&p4, &p6, 1500);
	server_seg(&p4, &p6, 0, P_UDP, 333, true);   /* and a real one kept right */
	check_4to6(&p4, &p6, 1500);
}

/* ---- ICMP errors ---- */

static void check_err4to6(uint8_t type, uint8_t code, uint32_t info, uint8_t t6, uint8_t c6,
			  uint32_t i6, uint16_t mtu6)
{
	struct pkt c6p, c4p, e4, e6;

	client_seg(&c6p, &c4p, 0, 0, P_TCP, 1452, 0);
	err4(&e4, type, code, info, &c4p, 20 + 8);
	err6(&e6, t6, c6, i6, &c6p, 40 + 8);
	check_4to6(&e4, &e6, mtu6);
}

static void test_fragneeded_to_ptb_plus20_min1280(void **state)
{
	(void)state;
	check_err4to6(3, 4, 1400, 2, 0, 1420, 1500);
	check_err4to6(3, 4, 1400, 2, 0, 1400, 1400);   /* the v6 port's MTU caps it */
	check_err4to6(3, 4, 1000, 2, 0, 1280, 1500);   /* never under IPv6's minimum */
	/* MTU 0 (RFC 1191): the plateau under the quoted 1496 bytes, 1492. */
	check_err4to6(3, 4, 0, 2, 0, 1512, 9000);
	assert_int_equal(nat64_plateau(1500), 1492);
	assert_int_equal(nat64_plateau(60), 68);
}

static void test_port_unreach(void **state)
{
	(void)state;
	check_err4to6(3, 3, 0, 1, 4, 0, 1500);
	check_err4to6(3, 1, 0, 1, 0, 0, 1500);      /* host: no route */
	check_err4to6(3, 13, 0, 1, 1, 0, 1500);     /* admin prohibited */
	check_err4to6(11, 0, 0, 3, 0, 0, 1500);     /* time exceeded */
	check_err4to6(12, 0, 9u << 24, 4, 0, 6, 1500); /* param problem: protocol */
}

static void test_proto_unreach_to_param_problem(void **state)
{
	(void)state;
	check_err4to6(3, 2, 0, 4, 1, 6, 1500);
}

/* An ICMPv6 error from a router on the client's side about our reply. */
static void check_err6to4(uint8_t type, uint8_t code, uint32_t info, uint8_t t4, uint8_t c4,
			  uint32_t i4, uint16_t mtu4)
{
	struct pkt s4, s6, e4, e6;
	uint8_t l4[2048];
	uint32_t n;
	struct v6 h6 = { router6, vip, 0, 64, P_ICMP6, 0, NULL, 0, 0 };
	struct v4 h4 = { LADDR, RS, 0, 64, P_ICMP, 0x99, false };
	struct nat64_v4 a = to_rs;
	struct rte_mbuf *m;
	struct ipv6_pkt p;

	server_seg(&s4, &s6, 0, P_TCP, 1400, true);
	n = icmp(l4, type, code, info, &s6, 40 + 8);
	mk6(&e6, &h6, l4, n, true);
	n = icmp(l4, t4, c4, i4, &s4, 20 + 8);
	mk4(&e4, &h4, l4, n, true);
	a.mtu = mtu4;
	m = mbuf_of(&e6, RTE_PKTMBUF_HEADROOM);
	p = parse(m);
	assert_int_equal(nat64_6to4(m, &p, &a, 0x99), NAT64_OK);
	assert_pkt(m, &e4);
	assert_sums4(rte_pktmbuf_mtod(m, uint8_t *));
	rte_pktmbuf_free(m);
}

static void test_ptb_to_fragneeded_minus20(void **state)
{
	(void)state;
	check_err6to4(2, 0, 1400, 3, 4, 1380, 1500);
	check_err6to4(2, 0, 1400, 3, 4, 1300, 1300);  /* the v4 port's MTU caps it */
	check_err6to4(2, 0, 900, 3, 4, 1260, 1500);   /* a PTB under 1280 is 1280 */
	check_err6to4(1, 4, 0, 3, 3, 0, 1500);        /* port unreachable */
	check_err6to4(1, 1, 0, 3, 10, 0, 1500);       /* admin prohibited */
	check_err6to4(3, 1, 0, 11, 1, 0, 1500);       /* reassembly time exceeded */
	check_err6to4(4, 1, 6, 3, 2, 0, 1500);        /* next header -> protocol */
	check_err6to4(4, 0, 7, 12, 0, 8u << 24, 1500); /* hop limit -> TTL */
}

/*
 * The whole quote: every byte the error carried (not just 8 bytes of
 * L4) comes out as the other family's packet, its L4 checksum updated.
 */
static void test_inner_translated(void **state)
{
	struct pkt c6p, c4p, e4, e6;
	uint16_t l4ck6, l4ck4;

	(void)state;
	client_seg(&c6p, &c4p, 0x08, 0, P_TCP, 300, 0x77);
	l4ck6 = get16(c6p.b + 40 + 16);
	l4ck4 = get16(c4p.b + 20 + 16);
	assert_int_not_equal(l4ck6, l4ck4);
	err4(&e4, 11, 0, 0, &c4p, 20 + 100);
	err6(&e6, 3, 0, 0, &c6p, 40 + 100);
	check_4to6(&e4, &e6, 1500);
	/* UDP, quoted whole. */
	client_seg(&c6p, &c4p, 0, 0, P_UDP, 64, 0x77);
	err4(&e4, 3, 3, 0, &c4p, c4p.len);
	err6(&e6, 1, 4, 0, &c6p, c6p.len);
	check_4to6(&e4, &e6, 1500);
}

/* A quote of the inner header plus fewer than 8 bytes cannot name a conn. */
static void test_quote_too_short(void **state)
{
	struct pkt c6p, c4p, e4, e6;
	uint8_t l4[256];
	struct v6 h6 = { router6, vip, 0, 64, P_ICMP6, 0, NULL, 0, 0 };
	struct rte_mbuf *m;
	struct ipv6_pkt p;
	uint32_t n;

	(void)state;
	client_seg(&c6p, &c4p, 0, 0, P_TCP, 0, 0);
	err4(&e4, 3, 3, 0, &c4p, 20 + 4);
	m = mbuf_of(&e4, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(nat64_4to6(m, to_client(1500)), NAT64_DROP_SHORT);
	rte_pktmbuf_free(m);
	n = icmp(l4, 1, 4, 0, &c6p, 40 + 4);
	mk6(&e6, &h6, l4, n, true);
	m = mbuf_of(&e6, RTE_PKTMBUF_HEADROOM);
	p = parse(m);
	assert_int_equal(nat64_6to4(m, &p, &to_rs, 0), NAT64_DROP_SHORT);
	rte_pktmbuf_free(m);
}

/* Errors with no translation, and a lying checksum, are refused. */
static void test_untranslatable_refused(void **state)
{
	struct pkt c6p, c4p, e4;
	struct rte_mbuf *m;

	(void)state;
	client_seg(&c6p, &c4p, 0, 0, P_TCP, 0, 0);
	err4(&e4, 5, 0, 0, &c4p, 28);                 /* redirect */
	m = mbuf_of(&e4, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(nat64_4to6(m, to_client(1500)), NAT64_DROP_TYPE);
	rte_pktmbuf_free(m);
	err4(&e4, 3, 3, 0, &c4p, 28);
	e4.b[30] ^= 1;                               /* checksum now wrong */
	m = mbuf_of(&e4, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(nat64_4to6(m, to_client(1500)), NAT64_DROP_CSUM);
	rte_pktmbuf_free(m);
	c4p.b[6] = 0x20;                             /* MF: a fragment */
	m = mbuf_of(&c4p, RTE_PKTMBUF_HEADROOM);
	assert_int_equal(nat64_4to6(m, to_client(1500)), NAT64_DROP_FRAG);
	rte_pktmbuf_free(m);
}

/* An ICMPv6 error is cut at 1280 bytes (RFC 4443 2.4(c)). */
static void test_error_cut_at_1280(void **state)
{
	struct pkt c6p, c4p, e4, e6;

	(void)state;
	client_seg(&c6p, &c4p, 0, 0, P_TCP, 1400, 0);
	err4(&e4, 3, 3, 0, &c4p, c4p.len);
	err6(&e6, 1, 4, 0, &c6p, 1280 - 48);
	check_4to6(&e4, &e6, 1500);
}

static void test_headroom_exhausted(void **state)
{
	struct pkt p4, p6, e4;
	struct rte_mbuf *m;

	(void)state;
	server_seg(&p4, &p6, 0, P_TCP, 100, true);
	m = mbuf_of(&p4, 18);
	assert_int_equal(nat64_4to6(m, to_client(1500)), NAT64_DROP_NOROOM);
	assert_pkt(m, &p4);                          /* left as it was */
	rte_pktmbuf_free(m);
	m = mbuf_of(&p4, 20);                        /* exactly enough */
	assert_int_equal(nat64_4to6(m, to_client(1500)), NAT64_OK);
	assert_pkt(m, &p6);
	rte_pktmbuf_free(m);
	err4(&e4, 3, 3, 0, &p4, 28);                 /* errors need 40 */
	m = mbuf_of(&e4, 38);
	assert_int_equal(nat64_4to6(m, to_client(1500)), NAT64_DROP_NOROOM);
	assert_pkt(m, &e4);
	rte_pktmbuf_free(m);
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_nat64", "--no-huge", "-m", "64", "--no-pci",
			"--file-prefix", prefix, "--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_syn_6to4),
		cmocka_unit_test(test_tcp_synack_4to6),
		cmocka_unit_test(test_df_rule_1260),
		cmocka_unit_test(test_tclass_tos),
		cmocka_unit_test(test_ext_headers_dropped),
		cmocka_unit_test(test_udp_zero_csum_computed),
		cmocka_unit_test(test_fragneeded_to_ptb_plus20_min1280),
		cmocka_unit_test(test_port_unreach),
		cmocka_unit_test(test_proto_unreach_to_param_problem),
		cmocka_unit_test(test_ptb_to_fragneeded_minus20),
		cmocka_unit_test(test_inner_translated),
		cmocka_unit_test(test_quote_too_short),
		cmocka_unit_test(test_untranslatable_refused),
		cmocka_unit_test(test_error_cut_at_1280),
		cmocka_unit_test(test_headroom_exhausted),
	};
	int rc;

	inet_pton(AF_INET6, "2001:db8::c", client);
	inet_pton(AF_INET6, "2001:db8::100", vip);
	inet_pton(AF_INET6, "2001:db8::1", router6);
	snprintf(prefix, sizeof(prefix), "test_nat64_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	pool = rte_pktmbuf_pool_create("nat64", 64, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM,
				       SOCKET_ID_ANY);
	if (!pool)
		return 1;
	rc = cmocka_run_group_tests_name("nat64", tests, NULL, NULL);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
