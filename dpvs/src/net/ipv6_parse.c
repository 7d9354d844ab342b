/*
 * The IPv6 header chain, walked once (docs/network.md "IPv6").  Every
 * read is checked against the bytes the caller has: the fuzzer runs it
 * on buffers of exactly the input's size.  What dpvs cannot act on
 * safely (AH, ESP, Mobility, a header it does not know) is the kernel's;
 * what no endpoint should accept is a verdict the caller counts.
 */
#include "ipv6_parse.h"

#include <stdbool.h>
#include <string.h>

#define NH_HBH 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_DSTOPTS 60

#define OPT_PAD1 0x00
#define OPT_PADN 0x01
#define OPT_RTALERT 0x05
#define OPT_JUMBO 0xc2

#define FRAG_HDR_LEN 8
#define FRAG_MORE 0x0001
#define FRAG_OFF_MASK 0xfff8

struct walk {
	const uint8_t *b;
	uint32_t end;       /* 40 + payload_len: within avail, checked first */
};

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* An extension header of len bytes at off, inside the packet (and so avail). */
static enum ipv6_verdict ext_fits(const struct walk *w, uint32_t off, uint32_t len)
{
	return off + len > w->end ? IPV6_EXT_TRUNC : IPV6_OK;
}

/* The TLVs of a Hop-by-Hop or Destination Options header (RFC 8200 4.2). */
static enum ipv6_verdict walk_options(const uint8_t *o, uint32_t len, bool hbh,
				      struct ipv6_pkt *p)
{
	uint32_t i = 2;

	while (i < len) {
		uint8_t type = o[i], olen;

		if (type == OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 2 > len)
			return IPV6_HBH_OPT;
		olen = o[i + 1];
		if (i + 2 + olen > len)
			return IPV6_HBH_OPT;
		if (hbh && type == OPT_JUMBO)
			return IPV6_BAD_LEN;      /* dpvs takes no jumbograms */
		if (hbh && type == OPT_RTALERT) {
			if (olen != 2)
				return IPV6_HBH_OPT;
			p->flags |= IPV6_PKT_F_RTALERT;
		} else if (type != OPT_PADN && (type >> 6) != 0) {
			/* Action bits other than 00: discard (with or without ICMP). */
			return IPV6_HBH_OPT;
		}
		i += 2u + olen;
	}
	return IPV6_OK;
}

static enum ipv6_verdict walk_rh(const uint8_t *h, struct ipv6_pkt *p)
{
	/* Type 0 is deprecated outright (RFC 5095); dpvs is no segment endpoint. */
	if (h[2] == 0 || h[3] != 0)
		return IPV6_RH_SEGLEFT;
	p->flags |= IPV6_PKT_F_RH;
	return IPV6_OK;
}

/* The Fragment header at off; *stop: the rest is fragment data. */
static enum ipv6_verdict walk_frag(const struct walk *w, uint32_t off,
				   struct ipv6_pkt *p, bool *stop)
{
	const uint8_t *h = w->b + off;
	uint16_t fo = be16(h + 2);
	uint32_t data = w->end - (off + FRAG_HDR_LEN);

	if (p->flags & IPV6_PKT_F_FRAG)
		return IPV6_EXT_ORDER;
	p->flags |= IPV6_PKT_F_FRAG;
	p->frag_off = fo & FRAG_OFF_MASK;
	p->frag_hdr_off = (uint16_t)off;
	p->frag_id = (uint32_t)be16(h + 4) << 16 | be16(h + 6);
	if ((fo & FRAG_MORE) && (data % 8 != 0 || data == 0))
		return IPV6_FRAG_BAD;
	if ((uint32_t)p->frag_off + data > 65535)
		return IPV6_FRAG_BAD;             /* reassembles past 64 KB */
	if (p->frag_off == 0) {
		p->flags |= IPV6_PKT_F_FIRST;
		if (!(fo & FRAG_MORE))
			p->flags |= IPV6_PKT_F_ATOMIC;   /* RFC 6946 */
		return IPV6_OK;
	}
	*stop = true;
	return IPV6_OK;
}

static bool is_walked(uint8_t nh)
{
	return nh == NH_HBH || nh == NH_ROUTING || nh == NH_FRAGMENT ||
	       nh == NH_DSTOPTS;
}

/* Extension headers dpvs leaves to the kernel (RFC 8200 4, IANA's list). */
static bool is_kernels(uint8_t nh)
{
	return nh == 50 || nh == 51 || nh == 59 || nh == 135 || nh == 139 ||
	       nh == 140 || nh == 253 || nh == 254;
}

/* One walked header at off; its length in *len. */
static enum ipv6_verdict walk_one(const struct walk *w, uint8_t nh, uint32_t off,
				  struct ipv6_pkt *p, uint32_t *len, bool *stop)
{
	enum ipv6_verdict v;

	if (nh == NH_HBH && p->n_ext != 0)
		return IPV6_EXT_ORDER;
	if (p->n_ext == IPV6_EXT_MAX)
		return IPV6_EXT_TOO_MANY;
	v = ext_fits(w, off, 2);
	if (v != IPV6_OK)
		return v;
	*len = nh == NH_FRAGMENT ? FRAG_HDR_LEN : (w->b[off + 1] + 1u) * 8;
	v = ext_fits(w, off, *len);
	if (v != IPV6_OK)
		return v;
	p->n_ext++;
	switch (nh) {
	case NH_HBH:
		p->flags |= IPV6_PKT_F_HBH;
		return walk_options(w->b + off, *len, true, p);
	case NH_DSTOPTS:
		p->flags |= IPV6_PKT_F_DSTOPT;
		return walk_options(w->b + off, *len, false, p);
	case NH_ROUTING:
		return walk_rh(w->b + off, p);
	default:
		return walk_frag(w, off, p, stop);
	}
}

static enum ipv6_verdict check_fixed(const uint8_t *b, uint32_t avail)
{
	if (avail < IPV6_HDR_LEN || (b[0] >> 4) != 6)
		return IPV6_BAD_HDR;
	if (b[8] == 0xff)                     /* multicast source */
		return IPV6_BAD_HDR;
	if (IPV6_HDR_LEN + (uint32_t)be16(b + 4) > avail)
		return IPV6_BAD_LEN;
	return IPV6_OK;
}

enum ipv6_verdict ipv6_parse(const void *ip6, uint32_t avail, struct ipv6_pkt *p)
{
	struct walk w = { ip6, 0 };
	enum ipv6_verdict v;
	uint32_t off = IPV6_HDR_LEN, nh_off = 6, len = 0;
	bool stop = false;
	uint8_t nh;

	memset(p, 0, sizeof(*p));
	v = check_fixed(w.b, avail);
	if (v != IPV6_OK)
		return v;
	w.end = IPV6_HDR_LEN + be16(w.b + 4);
	nh = w.b[6];
	while (!stop && is_walked(nh)) {
		v = walk_one(&w, nh, off, p, &len, &stop);
		if (v != IPV6_OK)
			return v;
		nh_off = off;
		nh = w.b[off];
		off += len;
	}
	/* A non-first fragment's data is no header: its protocol is named only. */
	if (!stop && is_kernels(nh))
		return IPV6_OTHER;
	p->l4_proto = nh;
	p->l4_off = (uint16_t)off;
	p->l4_len = (uint16_t)(w.end - off);
	p->nh_off = (uint16_t)nh_off;
	return IPV6_OK;
}
