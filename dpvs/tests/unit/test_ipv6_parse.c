/*
 * The IPv6 header-chain walk (net/ipv6_parse.c) on packets built here
 * byte by byte: every verdict, where the upper layer starts, and what
 * each extension header makes of the packet (docs/network.md "IPv6").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "net/ipv6_parse.h"

#define HBH 0
#define RH 43
#define FRAG 44
#define DST 60
#define TCP 6
#define UDP 17
#define ICMP6 58

struct pk {
	uint8_t b[4096];
	uint32_t len;
	uint32_t nh;          /* offset of the Next Header byte to fill */
};

static void base(struct pk *k)
{
	memset(k, 0, sizeof(*k));
	k->b[0] = 0x60;
	k->b[7] = 64;
	k->b[8] = 0x20, k->b[9] = 0x01, k->b[10] = 0x0d, k->b[11] = 0xb8;
	k->b[23] = 2;                                   /* 2001:db8::2 */
	k->b[24] = 0x20, k->b[25] = 0x01, k->b[26] = 0x0d, k->b[27] = 0xb8;
	k->b[39] = 1;                                   /* 2001:db8::1 */
	k->len = 40;
	k->nh = 6;
}

/* An options header (HBH, DST) or RH of `units` 8-byte units; body after byte 2. */
static uint8_t *ext(struct pk *k, uint8_t type, unsigned units)
{
	uint8_t *h = k->b + k->len;

	k->b[k->nh] = type;
	k->nh = k->len;
	h[1] = (uint8_t)(units - 1);
	k->len += units * 8;
	return h;
}

/* PadN filling an options header after byte 2. */
static void padn(uint8_t *h)
{
	unsigned len = (h[1] + 1u) * 8;

	h[2] = 1;
	h[3] = (uint8_t)(len - 4);
}

static void frag(struct pk *k, uint16_t offset, int more, uint32_t id)
{
	uint8_t *h = k->b + k->len;
	uint16_t fo = (uint16_t)(offset | (more ? 1 : 0));

	k->b[k->nh] = FRAG;
	k->nh = k->len;
	h[2] = (uint8_t)(fo >> 8), h[3] = (uint8_t)fo;
	h[4] = (uint8_t)(id >> 24), h[5] = (uint8_t)(id >> 16);
	h[6] = (uint8_t)(id >> 8), h[7] = (uint8_t)id;
	k->len += 8;
}

static void l4(struct pk *k, uint8_t proto, unsigned n)
{
	k->b[k->nh] = proto;
	k->len += n;
}

static void seal(struct pk *k)
{
	uint32_t pl = k->len - 40;

	k->b[4] = (uint8_t)(pl >> 8);
	k->b[5] = (uint8_t)pl;
}

static enum ipv6_verdict parse(const struct pk *k, struct ipv6_pkt *p)
{
	return ipv6_parse(k->b, k->len, p);
}

static void tcp_pkt(struct pk *k)
{
	base(k);
	l4(k, TCP, 20);
	seal(k);
}

/* ---- the fixed header ---- */

static void test_plain_tcp(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	tcp_pkt(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.l4_proto, TCP);
	assert_int_equal(p.l4_off, 40);
	assert_int_equal(p.l4_len, 20);
	assert_int_equal(p.n_ext, 0);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.nh_off, 6);
}

static void test_plain_udp_and_icmp6(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	l4(&k, UDP, 8);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.l4_proto, UDP);
	base(&k);
	l4(&k, ICMP6, 8);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.l4_proto, ICMP6);
}

static void test_short_header(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	tcp_pkt(&k);
	assert_int_equal(ipv6_parse(k.b, 39, &p), IPV6_BAD_HDR);
	assert_int_equal(ipv6_parse(k.b, 0, &p), IPV6_BAD_HDR);
}

static void test_bad_version(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	tcp_pkt(&k);
	k.b[0] = 0x45;
	assert_int_equal(parse(&k, &p), IPV6_BAD_HDR);
	k.b[0] = 0x70;
	assert_int_equal(parse(&k, &p), IPV6_BAD_HDR);
}

static void test_multicast_source(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	tcp_pkt(&k);
	k.b[8] = 0xff;
	assert_int_equal(parse(&k, &p), IPV6_BAD_HDR);
}

static void test_len_past_avail(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	tcp_pkt(&k);
	k.b[5] = 21;                        /* one byte more than there is */
	assert_int_equal(parse(&k, &p), IPV6_BAD_LEN);
	k.b[4] = 0xff, k.b[5] = 0xff;
	assert_int_equal(parse(&k, &p), IPV6_BAD_LEN);
}

static void test_padding_after_payload(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	l4(&k, UDP, 8);
	seal(&k);
	/* Ethernet pads a 62-byte frame to 64: the payload length decides. */
	assert_int_equal(ipv6_parse(k.b, k.len + 12, &p), IPV6_OK);
	assert_int_equal(p.l4_len, 8);
}

static void test_empty_tcp_payload(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	l4(&k, TCP, 0);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.l4_len, 0);
	assert_int_equal(p.l4_off, 40);
}

static void test_no_next_header(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	l4(&k, 59, 0);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OTHER);
	base(&k);
	padn(ext(&k, DST, 1));
	l4(&k, 59, 8);                      /* bytes after: ignored (RFC 8200 4.7) */
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OTHER);
}

/* ---- Hop-by-Hop and Destination Options ---- */

static void test_hbh_pad(void **state)
{
	struct pk k;
	struct ipv6_pkt p;
	uint8_t *h;

	(void)state;
	base(&k);
	h = ext(&k, HBH, 2);
	h[2] = 0, h[3] = 0;                 /* Pad1, Pad1 */
	h[4] = 1, h[5] = 10;                /* PadN to the end */
	l4(&k, TCP, 20);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.flags, IPV6_PKT_F_HBH);
	assert_int_equal(p.l4_off, 56);
	assert_int_equal(p.l4_len, 20);
	assert_int_equal(p.n_ext, 1);
	assert_int_equal(p.nh_off, 40);
}

static void test_hbh_not_first(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	padn(ext(&k, DST, 1));
	padn(ext(&k, HBH, 1));
	l4(&k, TCP, 20);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_EXT_ORDER);
}

static void test_hbh_after_rh(void **state)
{
	struct pk k;
	struct ipv6_pkt p;
	uint8_t *h;

	(void)state;
	base(&k);
	h = ext(&k, RH, 1);
	h[2] = 4;                           /* SRH, segments left 0 */
	padn(ext(&k, HBH, 1));
	l4(&k, TCP, 20);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_EXT_ORDER);
}

/* An options header whose only option is `type` with `olen` data bytes. */
static void one_option(struct pk *k, uint8_t hdr, uint8_t type, uint8_t olen)
{
	uint8_t *h;

	base(k);
	h = ext(k, hdr, 1);
	h[2] = type, h[3] = olen;
	if (4 + olen == 7)                  /* pad the rest: Pad1 ... */
		h[7] = 0;
	else if (4 + olen < 7) {            /* ... or PadN */
		h[4 + olen] = 1;
		h[5 + olen] = (uint8_t)(2 - olen);
	}
	l4(k, TCP, 20);
	seal(k);
}

static void test_hbh_unknown_skip(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	one_option(&k, HBH, 0x1e, 4);       /* action 00: skip it */
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.l4_proto, TCP);
}

static void test_hbh_unknown_discard(void **state)
{
	static const uint8_t types[] = { 0x5e, 0x9e, 0xde };
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	for (unsigned i = 0; i < sizeof(types); i++) {
		one_option(&k, HBH, types[i], 4);
		assert_int_equal(parse(&k, &p), IPV6_HBH_OPT);
	}
}

static void test_router_alert(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	one_option(&k, HBH, 5, 2);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_true(p.flags & IPV6_PKT_F_RTALERT);
	assert_true(p.flags & IPV6_PKT_F_HBH);
	one_option(&k, HBH, 5, 4);          /* a Router Alert is 2 bytes */
	assert_int_equal(parse(&k, &p), IPV6_HBH_OPT);
}

static void test_jumbo(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	one_option(&k, HBH, 0xc2, 4);
	assert_int_equal(parse(&k, &p), IPV6_BAD_LEN);
}

static void test_option_past_header(void **state)
{
	struct pk k;
	struct ipv6_pkt p;
	uint8_t *h;

	(void)state;
	one_option(&k, HBH, 1, 5);          /* PadN one byte too long */
	assert_int_equal(parse(&k, &p), IPV6_HBH_OPT);
	base(&k);
	h = ext(&k, HBH, 1);
	h[2] = 1, h[3] = 3;                 /* PadN to byte 7 ... */
	h[7] = 0x1e;                        /* ... then a type without length */
	l4(&k, TCP, 20);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_HBH_OPT);
}

static void test_dstopt(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	padn(ext(&k, DST, 1));
	l4(&k, UDP, 8);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.flags, IPV6_PKT_F_DSTOPT);
	assert_int_equal(p.l4_proto, UDP);
	assert_int_equal(p.l4_off, 48);
	one_option(&k, DST, 0x9e, 4);
	assert_int_equal(parse(&k, &p), IPV6_HBH_OPT);
	one_option(&k, DST, 0x1e, 4);
	assert_int_equal(parse(&k, &p), IPV6_OK);
}

/* ---- Routing ---- */

static void rh_pkt(struct pk *k, uint8_t type, uint8_t segleft)
{
	uint8_t *h;

	base(k);
	h = ext(k, RH, 3);
	h[2] = type;
	h[3] = segleft;
	l4(k, TCP, 20);
	seal(k);
}

static void test_rh_segleft0(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	rh_pkt(&k, 4, 0);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.flags, IPV6_PKT_F_RH);
	assert_int_equal(p.l4_off, 64);
	rh_pkt(&k, 2, 0);
	assert_int_equal(parse(&k, &p), IPV6_OK);
}

static void test_rh_segleft1(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	rh_pkt(&k, 4, 1);
	assert_int_equal(parse(&k, &p), IPV6_RH_SEGLEFT);
	rh_pkt(&k, 2, 255);
	assert_int_equal(parse(&k, &p), IPV6_RH_SEGLEFT);
}

static void test_rh_type0(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	rh_pkt(&k, 0, 0);
	assert_int_equal(parse(&k, &p), IPV6_RH_SEGLEFT);
	rh_pkt(&k, 0, 2);
	assert_int_equal(parse(&k, &p), IPV6_RH_SEGLEFT);
}

/* ---- Fragment ---- */

static void test_frag_first(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	frag(&k, 0, 1, 0x01020304);
	l4(&k, TCP, 24);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.flags, IPV6_PKT_F_FRAG | IPV6_PKT_F_FIRST);
	assert_int_equal(p.frag_id, 0x01020304);
	assert_int_equal(p.frag_off, 0);
	assert_int_equal(p.frag_hdr_off, 40);
	assert_int_equal(p.l4_proto, TCP);
	assert_int_equal(p.l4_off, 48);
	assert_int_equal(p.nh_off, 40);
}

static void test_frag_atomic(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	frag(&k, 0, 0, 7);
	l4(&k, UDP, 13);                    /* any length: it is all there is */
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.flags, IPV6_PKT_F_FRAG | IPV6_PKT_F_FIRST | IPV6_PKT_F_ATOMIC);
	assert_int_equal(p.l4_proto, UDP);
	assert_int_equal(p.l4_len, 13);
}

static void test_frag_nonfirst(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	frag(&k, 800, 0, 9);
	/* The data is no header: bytes that would be a bad HBH do not matter. */
	l4(&k, HBH, 16);
	k.b[49] = 0xff;
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.flags, IPV6_PKT_F_FRAG);
	assert_int_equal(p.frag_off, 800);
	assert_int_equal(p.l4_proto, HBH);
	assert_int_equal(p.l4_off, 48);
	assert_int_equal(p.l4_len, 16);
}

static void test_frag_bad_len(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	frag(&k, 0, 1, 1);
	l4(&k, TCP, 20);                    /* non-final, not a multiple of 8 */
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_FRAG_BAD);
	base(&k);
	frag(&k, 64, 1, 1);
	l4(&k, TCP, 0);                     /* non-final and empty */
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_FRAG_BAD);
	base(&k);
	frag(&k, 800, 0, 1);
	l4(&k, TCP, 21);                    /* the last may end anywhere */
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
}

static void test_frag_past_64k(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	frag(&k, 65528, 0, 1);
	l4(&k, TCP, 16);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_FRAG_BAD);
	base(&k);
	frag(&k, 65520, 0, 1);
	l4(&k, TCP, 15);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
}

static void test_two_frags(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	frag(&k, 0, 1, 1);
	frag(&k, 0, 1, 2);
	l4(&k, TCP, 24);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_EXT_ORDER);
	base(&k);
	frag(&k, 0, 0, 1);                  /* atomic ones too */
	frag(&k, 0, 0, 2);
	l4(&k, TCP, 20);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_EXT_ORDER);
}

/* ---- chains ---- */

static void test_full_chain(void **state)
{
	struct pk k;
	struct ipv6_pkt p;
	uint8_t *h;

	(void)state;
	base(&k);
	padn(ext(&k, HBH, 1));
	padn(ext(&k, DST, 1));
	h = ext(&k, RH, 1);
	h[2] = 4;
	frag(&k, 0, 0, 5);
	padn(ext(&k, DST, 2));
	l4(&k, TCP, 20);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.n_ext, 5);
	assert_int_equal(p.flags, IPV6_PKT_F_HBH | IPV6_PKT_F_DSTOPT | IPV6_PKT_F_RH |
					  IPV6_PKT_F_FRAG | IPV6_PKT_F_FIRST |
					  IPV6_PKT_F_ATOMIC);
	assert_int_equal(p.l4_off, 40 + 8 + 8 + 8 + 8 + 16);
	assert_int_equal(p.nh_off, 40 + 32);
	assert_int_equal(k.b[p.nh_off], TCP);
	assert_int_equal(p.frag_hdr_off, 64);
}

static void test_eight_exts(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	for (unsigned i = 0; i < IPV6_EXT_MAX; i++)
		padn(ext(&k, DST, 1));
	l4(&k, TCP, 20);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.n_ext, IPV6_EXT_MAX);
}

static void test_nine_exts(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	for (unsigned i = 0; i < IPV6_EXT_MAX + 1; i++)
		padn(ext(&k, DST, 1));
	l4(&k, TCP, 20);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_EXT_TOO_MANY);
}

static void test_ext_past_avail(void **state)
{
	struct pk k;
	struct ipv6_pkt p;
	uint8_t *h;

	(void)state;
	base(&k);
	h = ext(&k, DST, 1);
	padn(h);
	seal(&k);
	h[1] = 1;                           /* says 16 bytes; the packet has 8 */
	assert_int_equal(parse(&k, &p), IPV6_EXT_TRUNC);
	base(&k);
	k.b[6] = DST;
	k.len = 41;                         /* its length byte is missing */
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_EXT_TRUNC);
	base(&k);
	k.b[6] = FRAG;
	k.len = 44;                         /* half a Fragment header */
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_EXT_TRUNC);
}

/* payload_len short of the chain, with the bytes there (Ethernet padding). */
static void test_payload_len_short_of_chain(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	padn(ext(&k, HBH, 2));
	l4(&k, TCP, 20);
	seal(&k);
	for (uint8_t pl = 0; pl < 16; pl++) {
		k.b[5] = pl;
		assert_int_equal(ipv6_parse(k.b, k.len, &p), IPV6_EXT_TRUNC);
	}
	k.b[5] = 16;
	assert_int_equal(ipv6_parse(k.b, k.len, &p), IPV6_OK);
	assert_int_equal(p.l4_len, 0);
}

static void test_esp_other(void **state)
{
	static const uint8_t kernels[] = { 50, 51, 135, 139, 140, 253, 254 };
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	for (unsigned i = 0; i < sizeof(kernels); i++) {
		base(&k);
		l4(&k, kernels[i], 24);
		seal(&k);
		assert_int_equal(parse(&k, &p), IPV6_OTHER);
		base(&k);
		padn(ext(&k, HBH, 1));
		l4(&k, kernels[i], 24);
		seal(&k);
		assert_int_equal(parse(&k, &p), IPV6_OTHER);
	}
}

static void test_other_upper_layers_ok(void **state)
{
	static const uint8_t protos[] = { 4, 41, 47, 112, 132, 143, 200 };
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	for (unsigned i = 0; i < sizeof(protos); i++) {
		base(&k);
		l4(&k, protos[i], 12);
		seal(&k);
		assert_int_equal(parse(&k, &p), IPV6_OK);
		assert_int_equal(p.l4_proto, protos[i]);
	}
}

/* Three 128-byte headers: the last Next Header byte is past offset 255. */
static void test_nh_off_past_255(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	for (unsigned i = 0; i < 3; i++)
		padn(ext(&k, DST, 16));
	l4(&k, UDP, 8);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.nh_off, 40 + 256);
	assert_int_equal(k.b[p.nh_off], UDP);
	assert_int_equal(p.l4_off, 40 + 384);
}

static void test_every_truncation(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	padn(ext(&k, HBH, 1));
	frag(&k, 0, 1, 3);
	l4(&k, TCP, 32);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	for (uint32_t n = 0; n < k.len; n++) {
		enum ipv6_verdict v = ipv6_parse(k.b, n, &p);

		assert_int_equal(v, n < 40 ? IPV6_BAD_HDR : IPV6_BAD_LEN);
	}
}

/* A verdict leaves nothing from an earlier packet behind. */
static void test_result_cleared(void **state)
{
	struct pk k;
	struct ipv6_pkt p;

	(void)state;
	base(&k);
	frag(&k, 0, 1, 3);
	l4(&k, TCP, 24);
	seal(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	tcp_pkt(&k);
	assert_int_equal(parse(&k, &p), IPV6_OK);
	assert_int_equal(p.flags, 0);
	assert_int_equal(p.frag_id, 0);
	assert_int_equal(p.frag_hdr_off, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_tcp),
		cmocka_unit_test(test_plain_udp_and_icmp6),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_multicast_source),
		cmocka_unit_test(test_len_past_avail),
		cmocka_unit_test(test_padding_after_payload),
		cmocka_unit_test(test_empty_tcp_payload),
		cmocka_unit_test(test_no_next_header),
		cmocka_unit_test(test_hbh_pad),
		cmocka_unit_test(test_hbh_not_first),
		cmocka_unit_test(test_hbh_after_rh),
		cmocka_unit_test(test_hbh_unknown_skip),
		cmocka_unit_test(test_hbh_unknown_discard),
		cmocka_unit_test(test_router_alert),
		cmocka_unit_test(test_jumbo),
		cmocka_unit_test(test_option_past_header),
		cmocka_unit_test(test_dstopt),
		cmocka_unit_test(test_rh_segleft0),
		cmocka_unit_test(test_rh_segleft1),
		cmocka_unit_test(test_rh_type0),
		cmocka_unit_test(test_frag_first),
		cmocka_unit_test(test_frag_atomic),
		cmocka_unit_test(test_frag_nonfirst),
		cmocka_unit_test(test_frag_bad_len),
		cmocka_unit_test(test_frag_past_64k),
		cmocka_unit_test(test_two_frags),
		cmocka_unit_test(test_full_chain),
		cmocka_unit_test(test_eight_exts),
		cmocka_unit_test(test_nine_exts),
		cmocka_unit_test(test_ext_past_avail),
		cmocka_unit_test(test_payload_len_short_of_chain),
		cmocka_unit_test(test_esp_other),
		cmocka_unit_test(test_other_upper_layers_ok),
		cmocka_unit_test(test_nh_off_past_255),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_result_cleared),
	};

	return cmocka_run_group_tests_name("ipv6_parse", tests, NULL, NULL);
}
