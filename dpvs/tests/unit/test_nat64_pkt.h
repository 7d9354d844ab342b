/*
 * Golden IPv4 and IPv6 packets for the NAT64 tests (test_nat64,
 * test_ipvs_golden64), built here from scratch with an independent
 * checksum: what a translation must turn one family's packet into.
 */
#ifndef DPVS_TEST_NAT64_PKT_H
#define DPVS_TEST_NAT64_PKT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_mbuf.h>

#include "net/ipv6_parse.h"

static struct rte_mempool *pool;

/* The conn: client [2001:db8::c]:40000 -> VIP [2001:db8::100]:80,
 * FullNAT from 10.0.2.100:5000 to the server 10.0.2.11:8080. */
static uint8_t client[16], vip[16], router6[16];
#define LADDR 0x0a000264u
#define RS 0x0a00020bu
#define ROUTER4 0x0a000201u
#define CPORT 40000
#define VPORT 80
#define LPORT 5000
#define DPORT 8080

#define P_ICMP 1
#define P_TCP 6
#define P_UDP 17
#define P_ICMP6 58

struct pkt {
	uint8_t b[2048];
	uint32_t len;
};

/* ---- an independent checksum: big-endian words, folded at the end ---- */

static inline uint32_t sum_be(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

static inline uint16_t fold_not(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t pseudo6(const uint8_t *s, const uint8_t *d, uint32_t len, uint8_t proto)
{
	return sum_be(s, 16) + sum_be(d, 16) + len + proto;
}

static inline uint32_t pseudo4(uint32_t s, uint32_t d, uint32_t len, uint8_t proto)
{
	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) + len + proto;
}

/* ---- L4 payloads (checksum left 0) ---- */

static inline uint32_t tcp(uint8_t *l4, uint16_t sp, uint16_t dp, uint8_t flags, uint16_t mss,
		    uint32_t paylen)
{
	uint32_t hl = mss ? 24 : 20;

	memset(l4, 0, hl);
	put16(l4, sp);
	put16(l4 + 2, dp);
	put32(l4 + 4, 0x11223344);
	put32(l4 + 8, flags & 0x10 ? 0x55667788 : 0);
	l4[12] = (uint8_t)(hl / 4) << 4;
	l4[13] = flags;
	put16(l4 + 14, 64240);
	if (mss) {
		l4[20] = 2;
		l4[21] = 4;
		put16(l4 + 22, mss);
	}
	for (uint32_t i = 0; i < paylen; i++)
		l4[hl + i] = (uint8_t)(i * 13 + 1);
	return hl + paylen;
}

static inline uint32_t udp(uint8_t *l4, uint16_t sp, uint16_t dp, uint32_t paylen)
{
	put16(l4, sp);
	put16(l4 + 2, dp);
	put16(l4 + 4, (uint16_t)(8 + paylen));
	put16(l4 + 6, 0);
	for (uint32_t i = 0; i < paylen; i++)
		l4[8 + i] = (uint8_t)(i * 7 + 3);
	return 8 + paylen;
}

static inline int ck_off(uint8_t proto)
{
	return proto == P_TCP ? 16 : proto == P_UDP ? 6 : 2;
}

/* ---- whole packets ---- */

struct v6 {
	const uint8_t *s, *d;
	uint8_t tc, hlim, proto;
	uint32_t flow;
	const uint8_t *ext;  /* chained already; ext_nh is the header's next header */
	uint32_t ext_len;
	uint8_t ext_nh;
};

/* csum: compute the L4 checksum (else the L4 bytes are taken as they are). */
static inline void mk6(struct pkt *o, const struct v6 *h, const uint8_t *l4, uint32_t n, bool csum)
{
	uint8_t *p = o->b, *q;

	memset(p, 0, 40);
	put32(p, 6u << 28 | (uint32_t)h->tc << 20 | h->flow);
	put16(p + 4, (uint16_t)(h->ext_len + n));
	p[6] = h->ext_len ? h->ext_nh : h->proto;
	p[7] = h->hlim;
	memcpy(p + 8, h->s, 16);
	memcpy(p + 24, h->d, 16);
	if (h->ext_len)
		memcpy(p + 40, h->ext, h->ext_len);
	q = p + 40 + h->ext_len;
	memcpy(q, l4, n);
	if (csum) {
		put16(q + ck_off(h->proto), 0);
		put16(q + ck_off(h->proto), fold_not(pseudo6(h->s, h->d, n, h->proto) +
						     sum_be(q, n)));
	}
	o->len = 40 + h->ext_len + n;
}

struct v4 {
	uint32_t s, d;
	uint8_t tos, ttl, proto;
	uint16_t id;
	bool df;
};

static inline void mk4(struct pkt *o, const struct v4 *h, const uint8_t *l4, uint32_t n, bool csum)
{
	uint8_t *p = o->b, *q = p + 20;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[1] = h->tos;
	put16(p + 2, (uint16_t)(20 + n));
	put16(p + 4, h->id);
	put16(p + 6, h->df ? 0x4000 : 0);
	p[8] = h->ttl;
	p[9] = h->proto;
	put32(p + 12, h->s);
	put32(p + 16, h->d);
	put16(p + 10, fold_not(sum_be(p, 20)));
	memcpy(q, l4, n);
	if (csum) {
		put16(q + ck_off(h->proto), 0);
		put16(q + ck_off(h->proto),
		      fold_not((h->proto == P_ICMP ? 0 : pseudo4(h->s, h->d, n, h->proto)) +
			       sum_be(q, n)));
	}
	o->len = 20 + n;
}

/* An ICMP error: type, code, bytes 4-7, then the quote. */
static inline uint32_t icmp(uint8_t *l4, uint8_t type, uint8_t code, uint32_t info,
		     const struct pkt *quote, uint32_t qlen)
{
	l4[0] = type;
	l4[1] = code;
	put16(l4 + 2, 0);
	put32(l4 + 4, info);
	memcpy(l4 + 8, quote->b, qlen);
	return 8 + qlen;
}

/* ---- checking ---- */

static inline struct rte_mbuf *mbuf_of(const struct pkt *p, uint16_t headroom)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	m->data_off = headroom;
	assert_non_null(rte_pktmbuf_append(m, (uint16_t)p->len));
	memcpy(rte_pktmbuf_mtod(m, void *), p->b, p->len);
	return m;
}

static inline void assert_pkt(struct rte_mbuf *m, const struct pkt *want)
{
	assert_int_equal(rte_pktmbuf_pkt_len(m), want->len);
	assert_memory_equal(rte_pktmbuf_mtod(m, void *), want->b, want->len);
}

/* Checksums of an unfragmented IPv4 packet, recomputed in full. */
static inline void assert_sums4(const uint8_t *p)
{
	uint32_t ihl = (p[0] & 0xf) * 4u, n = get16(p + 2) - ihl;
	uint32_t s = get16(p + 12) << 16 | get16(p + 14), d = get16(p + 16) << 16 | get16(p + 18);

	assert_int_equal(fold_not(sum_be(p, ihl)), 0);
	if (p[9] == P_ICMP)
		assert_int_equal(fold_not(sum_be(p + ihl, n)), 0);
	else
		assert_int_equal(fold_not(pseudo4(s, d, n, p[9]) + sum_be(p + ihl, n)), 0);
}

static inline void assert_sums6(const uint8_t *p)
{
	uint32_t n = get16(p + 4);

	assert_int_equal(fold_not(pseudo6(p + 8, p + 24, n, p[6]) + sum_be(p + 40, n)), 0);
}

static inline struct ipv6_pkt parse(struct rte_mbuf *m)
{
	struct ipv6_pkt p;

	assert_int_equal(ipv6_parse(rte_pktmbuf_mtod(m, void *), m->pkt_len, &p), IPV6_OK);
	return p;
}

/* The client's segment as sent (v6) and as the server must see it (v4). */
static inline void client_seg(struct pkt *p6, struct pkt *p4, uint8_t tc, uint32_t flow,
		       uint8_t proto, uint32_t paylen, uint16_t id)
{
	uint8_t l4[2048];
	uint32_t n = proto == P_TCP ? tcp(l4, CPORT, VPORT, 0x02, 1440, paylen) :
				      udp(l4, CPORT, VPORT, paylen);
	struct v6 h6 = { client, vip, tc, 57, proto, flow, NULL, 0, 0 };
	bool df = 20 + n > 1260;
	struct v4 h4 = { LADDR, RS, tc, 57, proto, df ? 0 : id, df };

	mk6(p6, &h6, l4, n, true);
	if (proto == P_TCP)
		n = tcp(l4, LPORT, DPORT, 0x02, 1440, paylen);
	else
		n = udp(l4, LPORT, DPORT, paylen);
	mk4(p4, &h4, l4, n, true);
}

/* The server's answer as sent (v4) and as the client must see it (v6). */
static inline void server_seg(struct pkt *p4, struct pkt *p6, uint8_t tos, uint8_t proto,
		       uint32_t paylen, bool v4_csum)
{
	uint8_t l4[2048];
	uint32_t n = proto == P_TCP ? tcp(l4, DPORT, LPORT, 0x12, 1460, paylen) :
				      udp(l4, DPORT, LPORT, paylen);
	struct v4 h4 = { RS, LADDR, tos, 63, proto, 0, true };
	struct v6 h6 = { vip, client, tos, 63, proto, 0, NULL, 0, 0 };

	mk4(p4, &h4, l4, n, v4_csum);
	if (proto == P_TCP)
		n = tcp(l4, VPORT, CPORT, 0x12, 1460, paylen);
	else
		n = udp(l4, VPORT, CPORT, paylen);
	mk6(p6, &h6, l4, n, true);
}

/* An ICMPv4 error from a router on the server's side about our packet to it. */
static inline void err4(struct pkt *o, uint8_t type, uint8_t code, uint32_t info,
		 const struct pkt *quote, uint32_t qlen)
{
	uint8_t l4[2048];
	uint32_t n = icmp(l4, type, code, info, quote, qlen);
	struct v4 h = { ROUTER4, LADDR, 0xc0, 250, P_ICMP, 7, false };

	mk4(o, &h, l4, n, true);
}

/* ... and what the client must get: from the VIP, about its own packet. */
static inline void err6(struct pkt *o, uint8_t type, uint8_t code, uint32_t info,
		 const struct pkt *quote, uint32_t qlen)
{
	uint8_t l4[2048];
	uint32_t n = icmp(l4, type, code, info, quote, qlen);
	struct v6 h = { vip, client, 0xc0, 250, P_ICMP6, 0, NULL, 0, 0 };

	mk6(o, &h, l4, n, true);
}


#endif
