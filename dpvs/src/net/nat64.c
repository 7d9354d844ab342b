/*
 * NAT64 header translation (RFC 7915), stateful through FullNAT: the
 * addresses come from the caller's connection, never from a prefix.
 * Headers move in place: IPv6 -> IPv4 gives back the bytes at the front
 * of the mbuf, IPv4 -> IPv6 takes them from its headroom.  L4 checksums
 * are updated incrementally (the pseudo-headers differ only in their
 * addresses); ICMP checksums, whose IPv6 form covers a pseudo-header and
 * whose message changes, are computed in full.
 */
#include <stdbool.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "csum.h"
#include "csum6.h"
#include "icmp_err.h"
#include "nat64.h"

#define ICMP_HDR_LEN 8
#define IPV4_HDR_LEN 20
#define IPV6_MIN_MTU 1280
#define QUOTE_L4_MIN 8           /* RFC 792: the quote holds 8 bytes of L4 */

/* ICMPv4 codes of Destination Unreachable that need more than a table. */
#define ICMP_C_PROTO 2
#define ICMP_C_PORT 3
#define ICMP_C_FRAG_NEEDED 4
#define ICMP6_C_PORT 4
#define ICMP6_C_NEXT_HEADER 1    /* Parameter Problem: unknown next header */

/* The fields of an IPv6 header that the translation carries over. */
struct hdr6 {
	struct in6_addr s, d;
	uint8_t tc, hlim, proto;
	uint16_t plen;
};

/* The IPv4 header to write: addresses in network order. */
struct hdr4 {
	uint32_t s, d;
	uint8_t tos, ttl, proto;
	uint16_t tot;
};

/* An ICMP header's type, code and bytes 4-7 (host order). */
struct icmp_hdr {
	uint8_t type, code;
	uint32_t info;
};

static void hdr6_read(const void *p, struct hdr6 *h)
{
	const struct rte_ipv6_hdr *ip = p;

	memcpy(&h->s, ip->src_addr, 16);
	memcpy(&h->d, ip->dst_addr, 16);
	h->tc = (uint8_t)(rte_be_to_cpu_32(ip->vtc_flow) >> 20);
	h->hlim = ip->hop_limits;
	h->proto = ip->proto;
	h->plen = rte_be_to_cpu_16(ip->payload_len);
}

static void hdr6_write(void *p, const struct hdr6 *h)
{
	struct rte_ipv6_hdr *ip = p;

	/* Flow label 0: a label belongs to the flow's source, not to us. */
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)h->tc << 20);
	ip->payload_len = rte_cpu_to_be_16(h->plen);
	ip->proto = h->proto;
	ip->hop_limits = h->hlim;
	memcpy(ip->src_addr, &h->s, 16);
	memcpy(ip->dst_addr, &h->d, 16);
}

/* RFC 7915 5.1: DF unless the packet is small enough for any IPv6 path. */
static void hdr4_write(void *p, const struct hdr4 *h, uint16_t id)
{
	struct rte_ipv4_hdr *ip = p;
	bool df = h->tot > NAT64_DF_MAX;

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = h->tos;
	ip->total_length = rte_cpu_to_be_16(h->tot);
	ip->packet_id = df ? 0 : rte_cpu_to_be_16(id);
	ip->fragment_offset = df ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
	ip->time_to_live = h->ttl;
	ip->next_proto_id = h->proto;
	ip->src_addr = h->s;
	ip->dst_addr = h->d;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
}

static uint8_t l4_csum_off(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 0;
}

static uint8_t l4_hdr_min(uint8_t proto)
{
	return proto == IPPROTO_TCP ? 20 : 8;
}

static uint32_t sum6(const struct in6_addr *s, const struct in6_addr *d)
{
	return (uint32_t)rte_raw_cksum(s, 16) + rte_raw_cksum(d, 16);
}

static uint32_t sum4(uint32_t s, uint32_t d)
{
	return (uint32_t)rte_raw_cksum(&s, 4) + rte_raw_cksum(&d, 4);
}

/* RFC 1624 with whole sums: the words summing to out became those summing to in. */
static uint16_t csum_move(uint16_t ck, uint32_t out, uint32_t in)
{
	uint32_t s = (uint16_t)~ck;

	s += (uint16_t)~csum_fold32(out);
	s += csum_fold32(in);
	return (uint16_t)~csum_fold32(s);
}

/*
 * The L4 header at l4 (len bytes of it present) moves from the
 * pseudo-header addresses summing to out to those summing to in, and
 * gets the ports.  A UDP checksum of 0 (none) is left for the caller.
 */
static void l4_rewrite(uint8_t *l4, uint32_t len, uint8_t proto, uint32_t out,
		       uint32_t in, uint16_t sport, uint16_t dport)
{
	uint16_t ports[2], np[2] = { rte_cpu_to_be_16(sport), rte_cpu_to_be_16(dport) };
	uint8_t off = l4_csum_off(proto);
	uint16_t ck;

	memcpy(ports, l4, sizeof(ports));
	memcpy(l4, np, sizeof(np));
	if (!off || len < off + 2u)
		return;
	memcpy(&ck, l4 + off, 2);
	if (proto == IPPROTO_UDP && ck == 0)
		return;
	ck = csum_move(ck, out, in);
	ck = csum_replace2(ck, ports[0], np[0]);
	ck = csum_replace2(ck, ports[1], np[1]);
	if (proto == IPPROTO_UDP && ck == 0)
		ck = 0xffff;
	memcpy(l4 + off, &ck, 2);
}

/* Folded sum of len bytes of m from off (0 if they are not all there). */
static uint16_t mbuf_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint16_t s = 0;

	if (rte_raw_cksum_mbuf(m, off, len, &s) < 0)
		return 0;
	return s;
}

/* Writes the checksum at l4 + ck_off over len bytes from off, pseudo added. */
static void csum_full(struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t ck_off,
		      uint32_t pseudo, bool udp)
{
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	uint16_t ck = 0;

	memcpy(l4 + ck_off, &ck, 2);
	ck = (uint16_t)~csum_fold32(csum_fold32(pseudo + mbuf_sum(m, off, len)));
	if (udp && ck == 0)
		ck = 0xffff;
	memcpy(l4 + ck_off, &ck, 2);
}

static uint32_t pseudo4(uint32_t s, uint32_t d, uint8_t proto, uint16_t len)
{
	return sum4(s, d) + rte_cpu_to_be_16(proto) + rte_cpu_to_be_16(len);
}

/* Trims what follows the packet (padding); false if it is shorter. */
static bool trim_to(struct rte_mbuf *m, uint32_t len)
{
	if (m->pkt_len < len)
		return false;
	if (m->pkt_len > len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - len));
	return true;
}

/* Moves the packet's start by delta bytes (> 0: drops them); headroom checked. */
static void move_start(struct rte_mbuf *m, int delta)
{
	if (delta >= 0)
		rte_pktmbuf_adj(m, (uint16_t)delta);
	else
		rte_pktmbuf_prepend(m, (uint16_t)-delta);
}

static bool room_for(const struct rte_mbuf *m, int delta)
{
	return delta >= 0 || rte_pktmbuf_headroom(m) >= (uint16_t)-delta;
}

/* ---- TCP and UDP ---- */

static enum nat64_verdict data_6to4(struct rte_mbuf *m, const struct ipv6_pkt *p,
				    const struct nat64_v4 *a, uint16_t id)
{
	uint8_t proto = p->l4_proto, *l4;
	struct hdr4 o = { .s = rte_cpu_to_be_32(a->saddr), .d = rte_cpu_to_be_32(a->daddr),
			  .proto = proto, .tot = (uint16_t)(p->l4_len + IPV4_HDR_LEN) };
	struct hdr6 h;
	bool full;

	if (!l4_csum_off(proto) || p->l4_len > UINT16_MAX - IPV4_HDR_LEN)
		return NAT64_DROP_TYPE;
	if (p->l4_len < l4_hdr_min(proto) || m->data_len < p->l4_off + l4_hdr_min(proto) ||
	    !trim_to(m, p->l4_off + (uint32_t)p->l4_len))
		return NAT64_DROP_SHORT;
	hdr6_read(rte_pktmbuf_mtod(m, void *), &h);
	o.tos = h.tc;
	o.ttl = h.hlim;
	l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off);
	/* IPv6 has no "no checksum": one computed in full is the safe answer. */
	full = proto == IPPROTO_UDP && l4[6] == 0 && l4[7] == 0;
	l4_rewrite(l4, p->l4_len, proto, sum6(&h.s, &h.d), sum4(o.s, o.d), a->sport,
		   a->dport);
	move_start(m, p->l4_off - IPV4_HDR_LEN);
	hdr4_write(rte_pktmbuf_mtod(m, void *), &o, id);
	if (full)
		csum_full(m, IPV4_HDR_LEN, p->l4_len, 6, pseudo4(o.s, o.d, proto, p->l4_len),
			  true);
	return NAT64_OK;
}

static enum nat64_verdict data_4to6(struct rte_mbuf *m, const struct nat64_v6 *a)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, void *);
	uint16_t ihl = rte_ipv4_hdr_len(ip), tot = rte_be_to_cpu_16(ip->total_length);
	struct hdr6 o = { .s = a->saddr, .d = a->daddr, .tc = ip->type_of_service,
			  .hlim = ip->time_to_live, .proto = ip->next_proto_id };
	uint8_t *l4 = rte_pktmbuf_mtod_offset(m, uint8_t *, ihl);
	bool full;

	if (!l4_csum_off(o.proto))
		return NAT64_DROP_TYPE;
	if (tot < ihl + l4_hdr_min(o.proto) || m->data_len < ihl + l4_hdr_min(o.proto) ||
	    !trim_to(m, tot))
		return NAT64_DROP_SHORT;
	if (!room_for(m, ihl - IPV6_HDR_LEN))
		return NAT64_DROP_NOROOM;
	o.plen = tot - ihl;
	/* RFC 7915 4.5: a UDP checksum of 0 is computed, IPv6 requires one. */
	full = o.proto == IPPROTO_UDP && l4[6] == 0 && l4[7] == 0;
	l4_rewrite(l4, o.plen, o.proto, sum4(ip->src_addr, ip->dst_addr), sum6(&o.s, &o.d),
		   a->sport, a->dport);
	move_start(m, ihl - IPV6_HDR_LEN);
	hdr6_write(rte_pktmbuf_mtod(m, void *), &o);
	if (full)
		csum_full(m, IPV6_HDR_LEN, o.plen, 6,
			  csum6_pseudo(&o.s, &o.d, o.plen, IPPROTO_UDP), true);
	return NAT64_OK;
}

/* ---- ICMP type and code mapping (RFC 7915 4.2 and 5.2) ---- */

uint16_t nat64_plateau(uint16_t tot_len)
{
	static const uint16_t plateau[] = { 32000, 17914, 8166, 4352, 2002, 1492, 1006,
					    508, 296, 68 };

	for (unsigned i = 0; i < RTE_DIM(plateau); i++)
		if (plateau[i] < tot_len)
			return plateau[i];
	return 68;
}

/* The IPv6 MTU a "fragmentation needed" of mtu4 becomes (RFC 7915 4.2). */
static uint32_t ptb_mtu(uint16_t mtu4, uint16_t inner_tot, uint16_t mtu6)
{
	uint32_t mtu = (mtu4 ? mtu4 : nat64_plateau(inner_tot)) + 20u;

	if (mtu6 && mtu > mtu6)
		mtu = mtu6;
	return RTE_MAX(mtu, (uint32_t)IPV6_MIN_MTU);
}

static enum nat64_verdict unreach4_map(const struct icmp_hdr *i, uint16_t inner_tot,
				       uint16_t mtu6, struct icmp_hdr *o)
{
	*o = (struct icmp_hdr){ .type = ICMP6_T_DEST_UNREACH };
	switch (i->code) {
	case 0: case 1: case 5: case 6: case 7: case 8: case 11: case 12:
		return NAT64_OK;
	case ICMP_C_PROTO:     /* the pointer names the Next Header field */
		*o = (struct icmp_hdr){ ICMP6_T_PARAM_PROBLEM, ICMP6_C_NEXT_HEADER, 6 };
		return NAT64_OK;
	case ICMP_C_PORT:
		o->code = ICMP6_C_PORT;
		return NAT64_OK;
	case ICMP_C_FRAG_NEEDED:
		*o = (struct icmp_hdr){ ICMP6_T_PACKET_TOO_BIG, 0,
					ptb_mtu((uint16_t)i->info, inner_tot, mtu6) };
		return NAT64_OK;
	case 9: case 10: case 13: case 15:
		o->code = 1;   /* administratively prohibited */
		return NAT64_OK;
	default:
		return NAT64_DROP_TYPE;
	}
}

/* Parameter Problem pointers, IPv4 header offset -> IPv6 (RFC 7915 4.2). */
static int ptr4_to6(uint8_t p)
{
	static const int8_t map[20] = { 0, 1, 4, 4, -1, -1, -1, -1, 7, 6, -1, -1,
					8, 8, 8, 8, 24, 24, 24, 24 };

	return p < RTE_DIM(map) ? map[p] : -1;
}

static enum nat64_verdict icmp4_map(const struct icmp_hdr *i, uint16_t inner_tot,
				    uint16_t mtu6, struct icmp_hdr *o)
{
	int ptr;

	switch (i->type) {
	case ICMP_T_DEST_UNREACH:
		return unreach4_map(i, inner_tot, mtu6, o);
	case ICMP_T_TIME_EXCEEDED:
		*o = (struct icmp_hdr){ ICMP6_T_TIME_EXCEEDED, i->code, 0 };
		return i->code <= 1 ? NAT64_OK : NAT64_DROP_TYPE;
	case ICMP_T_PARAM_PROBLEM:
		ptr = ptr4_to6((uint8_t)(i->info >> 24));
		if ((i->code != 0 && i->code != 2) || ptr < 0)
			return NAT64_DROP_TYPE;
		*o = (struct icmp_hdr){ ICMP6_T_PARAM_PROBLEM, 0, (uint32_t)ptr };
		return NAT64_OK;
	default:
		return NAT64_DROP_TYPE;
	}
}

static int ptr6_to4(uint32_t p)
{
	static const int8_t map[8] = { 0, 1, -1, -1, 2, 2, 9, 8 };

	if (p < RTE_DIM(map))
		return map[p];
	return p < 24 ? 12 : p < 40 ? 16 : -1;
}

static enum nat64_verdict unreach6_map(uint8_t code, struct icmp_hdr *o)
{
	static const int8_t map[5] = { 1, 10, 1, 1, ICMP_C_PORT };

	if (code >= RTE_DIM(map))
		return NAT64_DROP_TYPE;
	*o = (struct icmp_hdr){ ICMP_T_DEST_UNREACH, (uint8_t)map[code], 0 };
	return NAT64_OK;
}

/* A PTB's MTU for IPv4, which has 20 bytes less header (RFC 7915 5.2). */
static uint32_t frag_needed_mtu(uint32_t ptb, uint16_t mtu4)
{
	/* An IPv6 path is never under 1280 (RFC 8201 4): a lower claim is a lie. */
	uint32_t mtu = RTE_MAX(ptb, (uint32_t)IPV6_MIN_MTU);

	mtu = RTE_MIN(mtu, UINT16_MAX + 20u) - 20;

	return mtu4 && mtu > mtu4 ? mtu4 : mtu;
}

static enum nat64_verdict icmp6_map(const struct icmp_hdr *i, uint16_t mtu4,
				    struct icmp_hdr *o)
{
	int ptr;

	switch (i->type) {
	case ICMP6_T_DEST_UNREACH:
		return unreach6_map(i->code, o);
	case ICMP6_T_PACKET_TOO_BIG:
		*o = (struct icmp_hdr){ ICMP_T_DEST_UNREACH, ICMP_C_FRAG_NEEDED,
					frag_needed_mtu(i->info, mtu4) };
		return NAT64_OK;
	case ICMP6_T_TIME_EXCEEDED:
		*o = (struct icmp_hdr){ ICMP_T_TIME_EXCEEDED, i->code, 0 };
		return i->code <= 1 ? NAT64_OK : NAT64_DROP_TYPE;
	case ICMP6_T_PARAM_PROBLEM:
		if (i->code == ICMP6_C_NEXT_HEADER) {
			*o = (struct icmp_hdr){ ICMP_T_DEST_UNREACH, ICMP_C_PROTO, 0 };
			return NAT64_OK;
		}
		ptr = ptr6_to4(i->info);
		if (i->code != 0 || ptr < 0)
			return NAT64_DROP_TYPE;
		*o = (struct icmp_hdr){ ICMP_T_PARAM_PROBLEM, 0, (uint32_t)ptr << 24 };
		return NAT64_OK;
	default:
		return NAT64_DROP_TYPE;
	}
}

static void icmp_read(const uint8_t *p, struct icmp_hdr *i)
{
	uint32_t info;

	memcpy(&info, p + 4, 4);
	*i = (struct icmp_hdr){ p[0], p[1], rte_be_to_cpu_32(info) };
}

static void icmp_write(uint8_t *p, const struct icmp_hdr *i)
{
	uint32_t info = rte_cpu_to_be_32(i->info);

	p[0] = i->type;
	p[1] = i->code;
	p[2] = p[3] = 0;
	memcpy(p + 4, &info, 4);
}

/* ---- ICMP errors and their quotes ---- */

static uint8_t icmp_proto_swap(uint8_t proto)
{
	return proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP :
	       proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : proto;
}

/*
 * The quoted IPv6 packet (qlen bytes at off) becomes IPv4, reversed
 * addresses and ports: its L4 header is rewritten in place, its new
 * IPv4 header returned in q and the length of its IPv6 chain in hlen.
 */
static enum nat64_verdict quote_6to4(struct rte_mbuf *m, uint32_t off, uint32_t qlen,
				     const struct nat64_v4 *a, struct hdr4 *q, uint16_t *hlen)
{
	uint32_t avail = RTE_MIN(qlen, (uint32_t)m->data_len - off);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	struct ipv6_pkt p;
	struct hdr6 h;
	uint16_t cut;

	if (avail < IPV6_HDR_LEN + QUOTE_L4_MIN)
		return NAT64_DROP_SHORT;
	hdr6_read(ip, &h);
	/* The quote is cut short on purpose: walk what is there. */
	cut = rte_cpu_to_be_16((uint16_t)(avail - IPV6_HDR_LEN));
	memcpy(ip + 4, &cut, 2);
	switch (ipv6_parse(ip, avail, &p)) {
	case IPV6_OK:
		break;
	case IPV6_EXT_TRUNC:
		return NAT64_DROP_SHORT;
	default:
		return NAT64_DROP_TYPE;
	}
	if (avail < p.l4_off + (uint32_t)QUOTE_L4_MIN || h.plen + IPV6_HDR_LEN < p.l4_off)
		return NAT64_DROP_SHORT;
	if ((p.flags & IPV6_PKT_F_FRAG) && !(p.flags & IPV6_PKT_F_ATOMIC))
		return NAT64_DROP_TYPE;
	*q = (struct hdr4){ rte_cpu_to_be_32(a->daddr), rte_cpu_to_be_32(a->saddr), h.tc,
			    h.hlim, icmp_proto_swap(p.l4_proto),
			    (uint16_t)(h.plen + IPV6_HDR_LEN - p.l4_off + IPV4_HDR_LEN) };
	l4_rewrite(ip + p.l4_off, avail - p.l4_off, p.l4_proto, sum6(&h.s, &h.d),
		   sum4(q->s, q->d), a->dport, a->sport);
	*hlen = p.l4_off;
	return NAT64_OK;
}

static bool icmp6_sum_ok(const struct rte_mbuf *m, const struct ipv6_pkt *p,
			 const struct hdr6 *h)
{
	uint32_t s = csum6_pseudo(&h->s, &h->d, p->l4_len, IPPROTO_ICMPV6) +
		     mbuf_sum(m, p->l4_off, p->l4_len);

	return csum_fold32(csum_fold32(s)) == 0xffff;
}

static enum nat64_verdict icmp_6to4(struct rte_mbuf *m, const struct ipv6_pkt *p,
				    const struct nat64_v4 *a, uint16_t id)
{
	struct hdr4 o = { .s = rte_cpu_to_be_32(a->saddr), .d = rte_cpu_to_be_32(a->daddr),
			  .proto = IPPROTO_ICMP };
	struct icmp_hdr in, out;
	enum nat64_verdict v;
	struct hdr4 q;
	struct hdr6 h;
	uint16_t qhlen;

	if (p->l4_len < ICMP_HDR_LEN + IPV6_HDR_LEN + QUOTE_L4_MIN ||
	    m->data_len < p->l4_off + ICMP_HDR_LEN || !trim_to(m, p->l4_off + (uint32_t)p->l4_len))
		return NAT64_DROP_SHORT;
	hdr6_read(rte_pktmbuf_mtod(m, void *), &h);
	if (!icmp6_sum_ok(m, p, &h))
		return NAT64_DROP_CSUM;
	icmp_read(rte_pktmbuf_mtod_offset(m, uint8_t *, p->l4_off), &in);
	v = icmp6_map(&in, a->mtu, &out);
	if (v == NAT64_OK)
		v = quote_6to4(m, p->l4_off + ICMP_HDR_LEN, p->l4_len - ICMP_HDR_LEN, a, &q, &qhlen);
	if (v != NAT64_OK)
		return v;
	move_start(m, p->l4_off - IPV4_HDR_LEN + qhlen - IPV4_HDR_LEN);
	o.tos = h.tc;
	o.ttl = h.hlim;
	o.tot = (uint16_t)m->pkt_len;
	hdr4_write(rte_pktmbuf_mtod(m, void *), &o, id);
	icmp_write(rte_pktmbuf_mtod_offset(m, uint8_t *, IPV4_HDR_LEN), &out);
	hdr4_write(rte_pktmbuf_mtod_offset(m, void *, IPV4_HDR_LEN + ICMP_HDR_LEN), &q, 0);
	csum_full(m, IPV4_HDR_LEN, o.tot - IPV4_HDR_LEN, 2, 0, false);
	return NAT64_OK;
}

/* The quoted IPv4 packet (qlen bytes at off) becomes IPv6: see quote_6to4. */
static enum nat64_verdict quote_4to6(struct rte_mbuf *m, uint32_t off, uint32_t qlen,
				     const struct nat64_v6 *a, struct hdr6 *q)
{
	uint32_t avail = RTE_MIN(qlen, (uint32_t)m->data_len - off);
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, void *, off);
	uint16_t ihl, tot;

	if (avail < IPV4_HDR_LEN + QUOTE_L4_MIN)
		return NAT64_DROP_SHORT;
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if ((ip->version_ihl >> 4) != 4 || ihl < IPV4_HDR_LEN)
		return NAT64_DROP_TYPE;
	if (avail < ihl + (uint32_t)QUOTE_L4_MIN || tot < ihl)
		return NAT64_DROP_SHORT;
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
		return NAT64_DROP_TYPE;
	*q = (struct hdr6){ .s = a->daddr, .d = a->saddr, .tc = ip->type_of_service,
			    .hlim = ip->time_to_live,
			    .proto = icmp_proto_swap(ip->next_proto_id), .plen = tot - ihl };
	l4_rewrite(rte_pktmbuf_mtod_offset(m, uint8_t *, off + ihl), avail - ihl,
		   ip->next_proto_id, sum4(ip->src_addr, ip->dst_addr), sum6(&q->s, &q->d),
		   a->dport, a->sport);
	return NAT64_OK;
}

/* Bytes 4-7 of an ICMP error, then its quote's total length, as read. */
static enum nat64_verdict icmp4_check(const struct rte_mbuf *m, uint16_t ihl, uint16_t tot,
				      struct icmp_hdr *in, uint16_t *inner_tot)
{
	const uint8_t *ic = rte_pktmbuf_mtod_offset(m, const uint8_t *, ihl);
	uint16_t t;

	if (tot < ihl + ICMP_HDR_LEN + IPV4_HDR_LEN + QUOTE_L4_MIN ||
	    m->data_len < ihl + ICMP_HDR_LEN + IPV4_HDR_LEN)
		return NAT64_DROP_SHORT;
	if (csum_fold32(mbuf_sum(m, ihl, tot - ihl)) != 0xffff)
		return NAT64_DROP_CSUM;
	icmp_read(ic, in);
	memcpy(&t, ic + ICMP_HDR_LEN + 2, 2);
	*inner_tot = rte_be_to_cpu_16(t);
	return NAT64_OK;
}

static enum nat64_verdict icmp_4to6(struct rte_mbuf *m, const struct nat64_v6 *a)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, void *);
	uint16_t ihl = rte_ipv4_hdr_len(ip), tot = rte_be_to_cpu_16(ip->total_length), itot;
	struct hdr6 o = { .s = a->saddr, .d = a->daddr, .tc = ip->type_of_service,
			  .hlim = ip->time_to_live, .proto = IPPROTO_ICMPV6 }, q;
	struct icmp_hdr in, out;
	enum nat64_verdict v;
	int delta;

	if (!trim_to(m, tot))
		return NAT64_DROP_SHORT;
	v = icmp4_check(m, ihl, tot, &in, &itot);
	if (v == NAT64_OK)
		v = icmp4_map(&in, itot, a->mtu, &out);
	if (v != NAT64_OK)
		return v;
	delta = ihl - IPV6_HDR_LEN + (rte_pktmbuf_mtod_offset(m, uint8_t *,
		ihl + ICMP_HDR_LEN)[0] & 0xf) * 4 - IPV6_HDR_LEN;
	if (!room_for(m, delta))
		return NAT64_DROP_NOROOM;
	v = quote_4to6(m, ihl + ICMP_HDR_LEN, tot - ihl - ICMP_HDR_LEN, a, &q);
	if (v != NAT64_OK)
		return v;
	move_start(m, delta);
	/* RFC 4443 2.4(c): an ICMPv6 error fits the minimum MTU. */
	trim_to(m, RTE_MIN(m->pkt_len, (uint32_t)IPV6_MIN_MTU));
	o.plen = (uint16_t)(m->pkt_len - IPV6_HDR_LEN);
	hdr6_write(rte_pktmbuf_mtod(m, void *), &o);
	icmp_write(rte_pktmbuf_mtod_offset(m, uint8_t *, IPV6_HDR_LEN), &out);
	hdr6_write(rte_pktmbuf_mtod_offset(m, void *, IPV6_HDR_LEN + ICMP_HDR_LEN), &q);
	csum_full(m, IPV6_HDR_LEN, o.plen, 2,
		  csum6_pseudo(&o.s, &o.d, o.plen, IPPROTO_ICMPV6), false);
	return NAT64_OK;
}

/* ---- entry points ---- */

enum nat64_verdict nat64_6to4(struct rte_mbuf *m, const struct ipv6_pkt *p,
			      const struct nat64_v4 *a, uint16_t ip_id)
{
	/* Atomic fragments (RFC 6946) are whole packets: the header just goes. */
	if ((p->flags & IPV6_PKT_F_FRAG) && !(p->flags & IPV6_PKT_F_ATOMIC))
		return NAT64_DROP_FRAG;
	if (p->l4_proto == IPPROTO_ICMPV6)
		return icmp_6to4(m, p, a, ip_id);
	return data_6to4(m, p, a, ip_id);
}

enum nat64_verdict nat64_4to6(struct rte_mbuf *m, const struct nat64_v6 *a)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, void *);

	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG))
		return NAT64_DROP_FRAG;
	if (ip->next_proto_id == IPPROTO_ICMP)
		return icmp_4to6(m, a);
	return data_4to6(m, a);
}
