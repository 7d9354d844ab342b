/*
 * Golden packets for the PROXY protocol shift (ipvs/proxy_proto.c): the
 * headers byte for byte, the header put in front of the client's first
 * sequence number, client sequence numbers shifted, server
 * acknowledgements, SACK edges and a SYN-ACK's MSS shifted back; every
 * checksum compared with a full recomputation, malformed options left
 * alone.  IPv6 (FNAT6, NAT64): the headers naming a v6 client and VIP,
 * inserted behind extension headers with the payload length and the
 * sum over the v6 pseudo-header following.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "ipvs/proxy_proto.h"

#define ROOM 64     /* bytes free in front of the packet, as mbuf headroom */
#define CADDR 0x0a000002u  /* 10.0.0.2:40001 -> VIP 10.0.0.100:80 */
#define VADDR 0x0a000064u
#define ISN 0xfffffff0u    /* the sequence space wraps inside the test */

struct buf {
	uint8_t room[ROOM];
	uint8_t pkt[512];
};

static struct rte_ipv4_hdr *ip_of(struct buf *b)
{
	return (struct rte_ipv4_hdr *)b->pkt;
}

static struct rte_tcp_hdr *tcp_of(struct rte_ipv4_hdr *ip)
{
	return (struct rte_tcp_hdr *)((char *)ip + rte_ipv4_hdr_len(ip));
}

/* A TCP segment: opts (olen bytes, a multiple of 4), plen payload bytes. */
static struct rte_ipv4_hdr *seg_n(struct buf *b, uint8_t flags, uint32_t seq,
				  uint32_t ack, const uint8_t *opts, size_t olen,
				  const void *payload, size_t plen)
{
	struct rte_ipv4_hdr *ip = ip_of(b);
	struct rte_tcp_hdr *th;
	size_t l4 = sizeof(*th) + olen + plen;

	memset(b, 0, sizeof(*b));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = rte_cpu_to_be_32(0x0a000164);  /* 10.0.1.100 */
	ip->dst_addr = rte_cpu_to_be_32(0x0a00010b);  /* 10.0.1.11 */
	th = tcp_of(ip);
	th->src_port = RTE_BE16(5001);
	th->dst_port = RTE_BE16(80);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + olen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(502);
	if (olen)
		memcpy(th + 1, opts, olen);
	if (plen)
		memcpy((char *)(th + 1) + olen, payload, plen);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return ip;
}

static struct rte_ipv4_hdr *seg(struct buf *b, uint8_t flags, uint32_t seq,
				uint32_t ack, const uint8_t *opts, size_t olen,
				const char *payload)
{
	return seg_n(b, flags, seq, ack, opts, olen, payload,
		     payload ? strlen(payload) : 0);
}

/* Checksums of ip's packet equal a full recomputation. */
static void check_sums(struct rte_ipv4_hdr *ip)
{
	struct rte_tcp_hdr *th = tcp_of(ip);
	uint16_t l4 = (uint16_t)(rte_be_to_cpu_16(ip->total_length) -
				 rte_ipv4_hdr_len(ip));
	uint32_t s = rte_ipv4_phdr_cksum(ip, 0);

	assert_int_equal(rte_raw_cksum(ip, rte_ipv4_hdr_len(ip)), 0xffff);
	s += rte_raw_cksum(th, l4);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	assert_int_equal(s, 0xffff);
}

static struct pp_state conn(uint8_t ver)
{
	uint8_t hdr[PP_HDR_MAX + 1];
	struct pp_state st = { .ver = ver };
	struct buf b;

	st.len = (uint8_t)pp_build(ver, hdr, CADDR, 40001, VADDR, 80);
	pp_client_shift(&st, tcp_of(seg(&b, RTE_TCP_SYN_FLAG, ISN - 1, 0,
					  NULL, 0, NULL)));
	return st;
}

static void test_headers_byte_for_byte(void **state)
{
	static const uint8_t v2[28] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c, 10, 0, 0, 2, 10, 0, 0, 100,
		0x9c, 0x41, 0x00, 0x50 };
	static const char v1[] = "PROXY TCP4 10.0.0.2 10.0.0.100 40001 80\r\n";
	uint8_t b[PP_HDR_MAX + 1];

	(void)state;
	assert_int_equal(pp_build(PP_V2, b, CADDR, 40001, VADDR, 80), 28);
	assert_memory_equal(b, v2, sizeof(v2));
	assert_int_equal(pp_build(PP_V1, b, CADDR, 40001, VADDR, 80),
			 sizeof(v1) - 1);
	assert_memory_equal(b, v1, sizeof(v1) - 1);
	/* The longest v1 header for IPv4 (IPv6's is PP_HDR_MAX). */
	assert_int_equal(pp_build(PP_V1, b, 0xffffffff, 65535, 0xffffffff,
				  65535), 56);
	assert_int_equal(pp_build(0, b, CADDR, 1, VADDR, 2), 0);
}

/* The header into a segment at isn1; the result must be want's packet. */
static void insert_golden(uint8_t ver, uint8_t flags, const char *payload)
{
	struct pp_state st = conn(ver);
	uint8_t hdr[PP_HDR_MAX + 1];
	uint8_t want_payload[PP_HDR_MAX + 64];
	size_t plen = payload ? strlen(payload) : 0;
	struct buf b, w;
	struct rte_ipv4_hdr *ip = seg(&b, flags, ISN, 777, NULL, 0, payload);
	struct rte_ipv4_hdr *want;
	unsigned n = pp_build(ver, hdr, CADDR, 40001, VADDR, 80);
	uint32_t l3l4 = (uint32_t)(rte_ipv4_hdr_len(ip) + sizeof(struct rte_tcp_hdr));

	assert_true(pp_client_wants_hdr(&st, tcp_of(ip)));
	memcpy(want_payload, hdr, n);
	if (plen)
		memcpy(want_payload + n, payload, plen);
	want = seg_n(&w, flags, ISN, 777, NULL, 0, want_payload, n + plen);
	assert_true(pp_insert(&ip, l3l4, hdr, n));
	assert_ptr_equal(ip, (void *)(b.pkt - pp_room(n)));
	assert_int_equal((uintptr_t)ip % 2, 0);
	assert_memory_equal(ip, want, rte_be_to_cpu_16(want->total_length));
	check_sums(ip);
}

static void test_header_in_front_of_the_first_segment(void **state)
{
	(void)state;
	/* the handshake's ACK, then the request, then a FIN alone */
	insert_golden(PP_V2, RTE_TCP_ACK_FLAG, NULL);
	insert_golden(PP_V2, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
		      "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
	insert_golden(PP_V2, RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG, NULL);
	/* v1 is odd in length: the payload's words change, summed anew */
	insert_golden(PP_V1, RTE_TCP_ACK_FLAG, "odd");
	insert_golden(PP_V1, RTE_TCP_ACK_FLAG, "even");
}

static void test_v1_with_a_bad_checksum_is_refused(void **state)
{
	struct pp_state st = conn(PP_V1);
	uint8_t hdr[PP_HDR_MAX + 1];
	struct buf b;
	struct rte_ipv4_hdr *ip = seg(&b, RTE_TCP_ACK_FLAG, ISN, 1, NULL, 0,
				      "data");
	unsigned n = pp_build(PP_V1, hdr, CADDR, 40001, VADDR, 80);
	struct buf copy;

	(void)state;
	tcp_of(ip)->cksum ^= 0x0100;
	memcpy(&copy, &b, sizeof(b));
	assert_false(pp_insert(&ip, 40, hdr, n));
	assert_memory_equal(&copy, &b, sizeof(b));   /* untouched */
	(void)st;
}

static void test_client_sequence_shifted(void **state)
{
	struct pp_state st = conn(PP_V2);
	struct buf b;
	struct rte_ipv4_hdr *ip;

	(void)state;
	assert_int_equal(st.isn1, ISN);
	assert_int_equal(st.len, 28);
	/* a later segment, across the wrap of the sequence space */
	ip = seg(&b, RTE_TCP_ACK_FLAG, ISN + 100, 5, NULL, 0, "abc");
	assert_false(pp_client_wants_hdr(&st, tcp_of(ip)));
	pp_client_shift(&st, tcp_of(ip));
	assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->sent_seq), ISN + 128);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->recv_ack), 5);
	check_sums(ip);
	/* a RST before any data: no header, its sequence shifted */
	ip = seg(&b, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, ISN, 5, NULL, 0, NULL);
	assert_false(pp_client_wants_hdr(&st, tcp_of(ip)));
	pp_client_shift(&st, tcp_of(ip));
	assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->sent_seq), ISN + 28);
	check_sums(ip);
	/* the SYN resent: unchanged; a new SYN starts again */
	ip = seg(&b, RTE_TCP_SYN_FLAG, ISN - 1, 0, NULL, 0, NULL);
	pp_client_shift(&st, tcp_of(ip));
	assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->sent_seq), ISN - 1);
	st.acked = 1;
	pp_client_shift(&st, tcp_of(seg(&b, RTE_TCP_SYN_FLAG, 41, 0, NULL, 0,
					 NULL)));
	assert_int_equal(st.isn1, 42);
	assert_int_equal(st.acked, 0);
}

static void test_server_ack_shifted_back(void **state)
{
	struct pp_state st = conn(PP_V2);
	struct buf b;
	struct rte_ipv4_hdr *ip;

	(void)state;
	/* the SYN-ACK acknowledges the SYN only */
	ip = seg(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 9, ISN, NULL, 0, NULL);
	pp_server(&st, tcp_of(ip), 20);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->recv_ack), ISN);
	/* part of the header: nothing of the client's yet */
	ip = seg(&b, RTE_TCP_ACK_FLAG, 10, ISN + 10, NULL, 0, NULL);
	pp_server(&st, tcp_of(ip), 20);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->recv_ack), ISN);
	assert_int_equal(st.acked, 0);
	check_sums(ip);
	/* the first segment's retransmission brings the header again */
	assert_true(pp_client_wants_hdr(&st, tcp_of(
		seg(&b, RTE_TCP_ACK_FLAG, ISN, 10, NULL, 0, "x"))));
	ip = seg(&b, RTE_TCP_ACK_FLAG, 10, ISN + 28 + 300, NULL, 0, "reply");
	pp_server(&st, tcp_of(ip), 20);
	assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->recv_ack), ISN + 300);
	assert_int_equal(st.acked, 1);
	check_sums(ip);
	/* acknowledged: a resent first segment is only shifted */
	ip = seg(&b, RTE_TCP_ACK_FLAG, ISN, 10, NULL, 0, "x");
	assert_false(pp_client_wants_hdr(&st, tcp_of(ip)));
	pp_client_shift(&st, tcp_of(ip));
	assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->sent_seq), ISN + 28);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void test_sack_blocks_shifted_back(void **state)
{
	struct pp_state st = conn(PP_V2);
	uint8_t o[32] = { 1, 1, 5, 18 }, odd[24] = { 1, 5, 10 };
	struct buf b;
	struct rte_ipv4_hdr *ip;

	(void)state;
	/* NOP NOP SACK(2 blocks), then NOP NOP timestamps */
	put32(o + 4, ISN + 28 + 1000);
	put32(o + 8, ISN + 28 + 2000);
	put32(o + 12, ISN + 28 + 3000);
	put32(o + 16, ISN + 5);        /* inside the header (D-SACK) */
	memcpy(o + 20, (uint8_t[]){ 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8 }, 12);
	ip = seg(&b, RTE_TCP_ACK_FLAG, 10, ISN + 28, o, sizeof(o), "data");
	pp_server(&st, tcp_of(ip), sizeof(struct rte_tcp_hdr) + sizeof(o));
	o[0] = 0;
	{
		const uint8_t *g = (const uint8_t *)(tcp_of(ip) + 1);

		assert_int_equal(get32(g + 4), ISN + 1000);
		assert_int_equal(get32(g + 8), ISN + 2000);
		assert_int_equal(get32(g + 12), ISN + 3000);
		assert_int_equal(get32(g + 16), ISN);
		assert_int_equal(g[24], 1);   /* timestamps untouched */
	}
	check_sums(ip);
	/* a SACK block at an odd offset still sums right */
	put32(odd + 3, ISN + 28 + 7);
	put32(odd + 7, ISN + 28 + 9);
	ip = seg(&b, RTE_TCP_ACK_FLAG, 10, ISN + 28, odd, sizeof(odd), NULL);
	pp_server(&st, tcp_of(ip), sizeof(struct rte_tcp_hdr) + sizeof(odd));
	assert_int_equal(get32((uint8_t *)(tcp_of(ip) + 1) + 3), ISN + 7);
	check_sums(ip);
}

static void test_malformed_options_left_alone(void **state)
{
	struct pp_state st = conn(PP_V2);
	/* a SACK option longer than the header, one of length 0, 1, odd */
	static const uint8_t bad[][8] = {
		{ 1, 1, 5, 18, 0xaa, 0xbb, 0xcc, 0xdd },
		{ 5, 0, 0xaa, 0xbb, 0xcc, 0xdd, 1, 1 },
		{ 5, 1, 0xaa, 0xbb, 0xcc, 0xdd, 1, 1 },
		{ 5, 7, 0xaa, 0xbb, 0xcc, 0xdd, 1, 1 },
	};
	struct buf b, copy;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rte_ipv4_hdr *ip = seg(&b, RTE_TCP_ACK_FLAG, 10, ISN + 28,
					      bad[i], sizeof(bad[i]), NULL);

		memcpy(&copy, &b, sizeof(b));
		pp_server(&st, tcp_of(ip), 28);
		assert_memory_equal((char *)(tcp_of(ip) + 1),
				    copy.pkt + 40, sizeof(bad[i]));
		assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->recv_ack), ISN);
		check_sums(ip);
	}
	/* data_off past what the packet holds: options not read */
	{
		struct rte_ipv4_hdr *ip = seg(&b, RTE_TCP_ACK_FLAG, 10, ISN + 28,
					      bad[0], sizeof(bad[0]), NULL);

		tcp_of(ip)->data_off = 15 << 4;
		pp_server(&st, tcp_of(ip), 28);
		assert_int_equal(rte_be_to_cpu_32(tcp_of(ip)->recv_ack), ISN);
	}
}

static void test_syn_ack_mss_lowered(void **state)
{
	struct pp_state st = conn(PP_V2);
	uint8_t o[8] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };   /* MSS 1460, SACK ok */
	uint8_t small[4] = { 2, 4, 0, 80 };
	struct buf b;
	struct rte_ipv4_hdr *ip;

	(void)state;
	ip = seg(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 9, ISN, o, sizeof(o),
		 NULL);
	pp_server(&st, tcp_of(ip), 28);
	assert_int_equal(((uint8_t *)(tcp_of(ip) + 1))[2] << 8 |
			 ((uint8_t *)(tcp_of(ip) + 1))[3], 1460 - 28);
	check_sums(ip);
	/* not below what is sane; and only in a SYN-ACK */
	ip = seg(&b, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 9, ISN, small, 4, NULL);
	pp_server(&st, tcp_of(ip), 24);
	assert_int_equal(((uint8_t *)(tcp_of(ip) + 1))[3], 80);
	ip = seg(&b, RTE_TCP_ACK_FLAG, 9, ISN, o, sizeof(o), NULL);
	pp_server(&st, tcp_of(ip), 28);
	assert_int_equal(((uint8_t *)(tcp_of(ip) + 1))[3], 0xb4);
}

/* An ICMP error quoting a segment we sent: its seq in the client's terms. */
static void test_quoted_seq_shifted_back(void **state)
{
	struct pp_state st = conn(PP_V2);
	uint8_t q[4];

	(void)state;
	put32(q, ISN + 28 + 500);
	pp_quoted_seq(&st, q);
	assert_int_equal(get32(q), ISN + 500);
	put32(q, ISN);            /* the segment that carried the header */
	pp_quoted_seq(&st, q);
	assert_int_equal(get32(q), ISN);
	put32(q, ISN - 1);        /* the SYN */
	pp_quoted_seq(&st, q);
	assert_int_equal(get32(q), ISN - 1);
}

/* ---- IPv6 ---- */

static const uint8_t C6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
static const uint8_t V6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 1, [15] = 0 };
static const uint8_t L6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x64 };
static const uint8_t R6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x0b };

static void test_v6_headers_byte_for_byte(void **state)
{
	static const uint8_t v2[52] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49,
		0x54, 0x0a, 0x21, 0x21, 0x00, 0x24,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,
		0x9c, 0x41, 0x00, 0x50 };
	static const char v1[] = "PROXY TCP6 2001:db8::2 2001:db8::100 40001 80\r\n";
	uint8_t b[PP_HDR_MAX + 1], ff[16];
	struct pp_state st;

	(void)state;
	assert_int_equal(pp_build6(PP_V2, b, C6, 40001, V6, 80), 52);
	assert_memory_equal(b, v2, sizeof(v2));
	assert_int_equal(pp_build6(PP_V1, b, C6, 40001, V6, 80), sizeof(v1) - 1);
	assert_memory_equal(b, v1, sizeof(v1) - 1);
	/* The longest v1 header of all fits PP_HDR_MAX, and the conn's len. */
	memset(ff, 0xff, sizeof(ff));
	assert_int_equal(pp_build6(PP_V1, b, ff, 65535, ff, 65535), PP_HDR_MAX);
	pp_init6(&st, PP_V1, ff, 65535, ff, 65535);
	assert_int_equal(st.len, PP_HDR_MAX);
	pp_init6(&st, PP_V2, C6, 40001, V6, 80);
	assert_int_equal(st.len, 52);
	assert_int_equal(pp_build6(0, b, C6, 1, V6, 2), 0);
}

/*
 * A v6 TCP segment from our local address to the server; ext: an 8-byte
 * destination options header first.  The sum is taken here from
 * scratch, over a pseudo-header laid out as RFC 8200 8.1 says.
 */
static struct rte_ipv6_hdr *seg6(struct buf *b, bool ext, uint8_t flags,
				 uint32_t seq, const void *payload, size_t plen)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)b->pkt;
	uint8_t *l4 = b->pkt + sizeof(*ip6) + (ext ? 8 : 0);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)l4;
	uint32_t l4len = (uint32_t)(sizeof(*th) + plen);
	uint8_t ph[40] = { 0 };
	uint32_t sum;

	memset(b, 0, sizeof(*b));
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(l4len + (ext ? 8 : 0)));
	ip6->proto = ext ? 60 : IPPROTO_TCP;
	ip6->hop_limits = 64;
	memcpy(ip6->src_addr, L6, 16);
	memcpy(ip6->dst_addr, R6, 16);
	if (ext) {
		b->pkt[40] = IPPROTO_TCP;   /* next header; length 0: 8 bytes */
		b->pkt[42] = 1;             /* PadN of 4 */
		b->pkt[43] = 4;
	}
	th->src_port = RTE_BE16(5001);
	th->dst_port = RTE_BE16(80);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(777);
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(502);
	if (plen)
		memcpy(th + 1, payload, plen);
	memcpy(ph, L6, 16);
	memcpy(ph + 16, R6, 16);
	ph[34] = (uint8_t)(l4len >> 8);
	ph[35] = (uint8_t)l4len;
	ph[39] = IPPROTO_TCP;
	sum = rte_raw_cksum(ph, sizeof(ph)) + (uint32_t)rte_raw_cksum(th, l4len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	th->cksum = (uint16_t)~sum;
	return ip6;
}

static void check_sum6(struct rte_ipv6_hdr *ip6, uint32_t l4off)
{
	struct buf again;
	uint32_t l4len = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len) - l4off;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((char *)ip6 + l4off);
	struct rte_ipv6_hdr *w = seg6(&again, l4off > 40, th->tcp_flags,
				      rte_be_to_cpu_32(th->sent_seq), th + 1,
				      l4len - sizeof(*th));

	assert_int_equal(th->cksum,
			 ((struct rte_tcp_hdr *)((char *)w + l4off))->cksum);
}

static void insert6_golden(uint8_t ver, bool ext, const char *payload)
{
	uint8_t hdr[PP_HDR_MAX + 1], want_payload[PP_HDR_MAX + 64];
	size_t plen = payload ? strlen(payload) : 0;
	uint32_t l4off = 40 + (ext ? 8 : 0), l3l4 = l4off + 20;
	struct buf b, w;
	struct rte_ipv6_hdr *ip6 = seg6(&b, ext, RTE_TCP_ACK_FLAG, ISN, payload, plen);
	struct rte_ipv6_hdr *want;
	unsigned n = pp_build6(ver, hdr, C6, 40001, V6, 80);

	memcpy(want_payload, hdr, n);
	if (plen)
		memcpy(want_payload + n, payload, plen);
	want = seg6(&w, ext, RTE_TCP_ACK_FLAG, ISN, want_payload, n + plen);
	assert_true(pp_insert6(&ip6, l4off, l3l4, hdr, n));
	assert_ptr_equal(ip6, (void *)(b.pkt - pp_room(n)));
	assert_memory_equal(ip6, want, 40 + rte_be_to_cpu_16(want->payload_len));
	check_sum6(ip6, l4off);
}

static void test_v6_header_in_front_of_the_first_segment(void **state)
{
	(void)state;
	insert6_golden(PP_V2, false, NULL);
	insert6_golden(PP_V2, false, "GET / HTTP/1.1\r\n\r\n");
	insert6_golden(PP_V2, true, "odd");
	insert6_golden(PP_V1, false, "odd");   /* 47 bytes: summed anew */
	insert6_golden(PP_V1, true, "even");
	insert6_golden(PP_V1, true, NULL);
}

static void test_v6_v1_with_a_bad_checksum_is_refused(void **state)
{
	uint8_t hdr[PP_HDR_MAX + 1];
	struct buf b, copy;
	struct rte_ipv6_hdr *ip6 = seg6(&b, false, RTE_TCP_ACK_FLAG, ISN, "data", 4);
	unsigned n = pp_build6(PP_V1, hdr, C6, 40001, V6, 80);

	(void)state;
	((struct rte_tcp_hdr *)(b.pkt + 40))->cksum ^= 0x0100;
	memcpy(&copy, &b, sizeof(b));
	assert_int_equal(n & 1, 1);
	assert_false(pp_insert6(&ip6, 40, 60, hdr, n));
	assert_memory_equal(&copy, &b, sizeof(b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers_byte_for_byte),
		cmocka_unit_test(test_header_in_front_of_the_first_segment),
		cmocka_unit_test(test_v1_with_a_bad_checksum_is_refused),
		cmocka_unit_test(test_client_sequence_shifted),
		cmocka_unit_test(test_server_ack_shifted_back),
		cmocka_unit_test(test_sack_blocks_shifted_back),
		cmocka_unit_test(test_malformed_options_left_alone),
		cmocka_unit_test(test_syn_ack_mss_lowered),
		cmocka_unit_test(test_quoted_seq_shifted_back),
		cmocka_unit_test(test_v6_headers_byte_for_byte),
		cmocka_unit_test(test_v6_header_in_front_of_the_first_segment),
		cmocka_unit_test(test_v6_v1_with_a_bad_checksum_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
