/* PROXY protocol header and the sequence-number shift (proxy_proto.h). */
#include "proxy_proto.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "net/csum.h"
#include "net/csum6.h"

static const uint8_t pp2_sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				     0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

static unsigned pp1_build(uint8_t *buf, uint32_t c, uint16_t cport,
			  uint32_t v, uint16_t vport)
{
	int n = snprintf((char *)buf, PP_HDR_MAX + 1,
			 "PROXY TCP4 %u.%u.%u.%u %u.%u.%u.%u %u %u\r\n",
			 c >> 24, (c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff,
			 v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff,
			 cport, vport);

	return n > 0 && n <= PP_HDR_MAX ? (unsigned)n : 0;
}

/* v2: signature, PROXY command (0x21), TCP over IPv4 (0x11), 12 bytes. */
static unsigned pp2_build(uint8_t *buf, uint32_t c, uint16_t cport,
			  uint32_t v, uint16_t vport)
{
	uint32_t a[2] = { rte_cpu_to_be_32(c), rte_cpu_to_be_32(v) };
	uint16_t p[2] = { rte_cpu_to_be_16(cport), rte_cpu_to_be_16(vport) };

	memcpy(buf, pp2_sig, sizeof(pp2_sig));
	buf[12] = 0x21;
	buf[13] = 0x11;
	buf[14] = 0;
	buf[15] = 12;
	memcpy(buf + 16, a, sizeof(a));
	memcpy(buf + 24, p, sizeof(p));
	return 28;
}

unsigned pp_build(uint8_t ver, uint8_t *buf, uint32_t caddr, uint16_t cport,
		  uint32_t vaddr, uint16_t vport)
{
	if (ver == PP_V2)
		return pp2_build(buf, caddr, cport, vaddr, vport);
	if (ver == PP_V1)
		return pp1_build(buf, caddr, cport, vaddr, vport);
	return 0;
}

static unsigned pp1_build6(uint8_t *buf, const void *c, uint16_t cport,
			   const void *v, uint16_t vport)
{
	char cs[INET6_ADDRSTRLEN], vs[INET6_ADDRSTRLEN];
	int n;

	if (!inet_ntop(AF_INET6, c, cs, sizeof(cs)) ||
	    !inet_ntop(AF_INET6, v, vs, sizeof(vs)))
		return 0;
	n = snprintf((char *)buf, PP_HDR_MAX + 1, "PROXY TCP6 %s %s %u %u\r\n",
		     cs, vs, cport, vport);
	return n > 0 && n <= PP_HDR_MAX ? (unsigned)n : 0;
}

/* v2: TCP over IPv6 (0x21), 36 address bytes. */
static unsigned pp2_build6(uint8_t *buf, const void *c, uint16_t cport,
			   const void *v, uint16_t vport)
{
	uint16_t p[2] = { rte_cpu_to_be_16(cport), rte_cpu_to_be_16(vport) };

	memcpy(buf, pp2_sig, sizeof(pp2_sig));
	buf[12] = 0x21;
	buf[13] = 0x21;
	buf[14] = 0;
	buf[15] = 36;
	memcpy(buf + 16, c, 16);
	memcpy(buf + 32, v, 16);
	memcpy(buf + 48, p, sizeof(p));
	return 52;
}

unsigned pp_build6(uint8_t ver, uint8_t *buf, const void *caddr, uint16_t cport,
		   const void *vaddr, uint16_t vport)
{
	if (ver == PP_V2)
		return pp2_build6(buf, caddr, cport, vaddr, vport);
	if (ver == PP_V1)
		return pp1_build6(buf, caddr, cport, vaddr, vport);
	return 0;
}

void pp_init(struct pp_state *st, uint8_t ver, uint32_t caddr, uint16_t cport,
	     uint32_t vaddr, uint16_t vport)
{
	uint8_t hdr[PP_HDR_MAX + 1];

	memset(st, 0, sizeof(*st));
	st->ver = ver;
	st->len = (uint8_t)pp_build(ver, hdr, caddr, cport, vaddr, vport);
}

void pp_init6(struct pp_state *st, uint8_t ver, const void *caddr,
	      uint16_t cport, const void *vaddr, uint16_t vport)
{
	uint8_t hdr[PP_HDR_MAX + 1];

	memset(st, 0, sizeof(*st));
	st->ver = ver;
	st->len = (uint8_t)pp_build6(ver, hdr, caddr, cport, vaddr, vport);
}

bool pp_client_wants_hdr(const struct pp_state *st,
			 const struct rte_tcp_hdr *th)
{
	return st->len && !st->acked &&
	       (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG |
				 RTE_TCP_ACK_FLAG)) == RTE_TCP_ACK_FLAG &&
	       th->sent_seq == rte_cpu_to_be_32(st->isn1);
}

void pp_client_shift(struct pp_state *st, struct rte_tcp_hdr *th)
{
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq), ns;

	if (th->tcp_flags & RTE_TCP_SYN_FLAG) {
		/* A new (or resent) SYN starts the connection again. */
		if (!(th->tcp_flags & RTE_TCP_ACK_FLAG)) {
			st->isn1 = seq + 1;
			st->acked = 0;
		}
		return;
	}
	if ((int32_t)(seq - st->isn1) < 0)
		return;
	ns = rte_cpu_to_be_32(seq + st->len);
	th->cksum = csum_replace4(th->cksum, th->sent_seq, ns);
	th->sent_seq = ns;
}

/* The whole segment with its checksum sums to all ones. */
static bool tcp_cksum_ok(const struct rte_ipv4_hdr *ip, uint32_t hlen,
			 uint16_t tot)
{
	uint32_t s = rte_ipv4_phdr_cksum(ip, 0);

	s += rte_raw_cksum((const char *)ip + hlen, tot - hlen);
	return csum_fold32(s) == 0xffff;
}

unsigned pp_room(unsigned n)
{
	return (n + 1) & ~1u;
}

/*
 * Moves the l3l4 bytes at l3 pp_room(n) bytes down, and the payload
 * (tot - l3l4 bytes) one byte down when n is odd, and puts the header
 * between them.  Returns the new start.
 */
static char *move_in(char *l3, uint32_t l3l4, uint32_t tot,
		     const uint8_t *hdr, unsigned n)
{
	unsigned room = pp_room(n);

	l3 = memmove(l3 - room, l3, l3l4);
	if (room != n)   /* the payload follows, one byte down */
		memmove(l3 + l3l4 + n, l3 + room + l3l4, tot - l3l4);
	memcpy(l3 + l3l4, hdr, n);
	return l3;
}

bool pp_insert(struct rte_ipv4_hdr **ipp, uint32_t l3l4, const uint8_t *hdr,
	       unsigned n)
{
	struct rte_ipv4_hdr *ip = *ipp;
	uint32_t hlen = rte_ipv4_hdr_len(ip);
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	uint16_t ntot = (uint16_t)(tot + n);
	uint16_t ol = rte_cpu_to_be_16((uint16_t)(tot - hlen));
	uint16_t nl = rte_cpu_to_be_16((uint16_t)(ntot - hlen));
	struct rte_tcp_hdr *th;

	if ((n & 1) && !tcp_cksum_ok(ip, hlen, tot))
		return false;
	ip = (struct rte_ipv4_hdr *)move_in((char *)ip, l3l4, tot, hdr, n);
	ip->hdr_checksum = csum_replace2(ip->hdr_checksum, ip->total_length,
					 rte_cpu_to_be_16(ntot));
	ip->total_length = rte_cpu_to_be_16(ntot);
	th = (struct rte_tcp_hdr *)((char *)ip + hlen);
	if (n & 1) {
		/* The payload moved by an odd count: its words changed. */
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	} else {
		th->cksum = csum_replace2(th->cksum, ol, nl);
		th->cksum = csum_replace2(th->cksum, 0, rte_raw_cksum(hdr, n));
	}
	*ipp = ip;
	return true;
}

bool pp_insert6(struct rte_ipv6_hdr **ipp, uint32_t l4off, uint32_t l3l4,
		const uint8_t *hdr, unsigned n)
{
	struct rte_ipv6_hdr *ip6 = *ipp;
	uint32_t tot = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
	uint32_t l4len = tot - l4off;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((char *)ip6 + l4off);

	if ((n & 1) && !csum6_l4_ok(ip6->src_addr, ip6->dst_addr, IPPROTO_TCP,
				    th, l4len))
		return false;
	ip6 = (struct rte_ipv6_hdr *)move_in((char *)ip6, l3l4, tot, hdr, n);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(tot + n - sizeof(*ip6)));
	th = (struct rte_tcp_hdr *)((char *)ip6 + l4off);
	if (n & 1) {
		th->cksum = 0;
		th->cksum = csum6_l4(ip6->src_addr, ip6->dst_addr, IPPROTO_TCP,
				     th, l4len + n);
	} else {   /* l4len < 64k: the pseudo-header's upper length word stays 0 */
		th->cksum = csum_replace2(th->cksum, rte_cpu_to_be_16((uint16_t)l4len),
					  rte_cpu_to_be_16((uint16_t)(l4len + n)));
		th->cksum = csum_replace2(th->cksum, 0, rte_raw_cksum(hdr, n));
	}
	*ipp = ip6;
	return true;
}

/* An acknowledged sequence number of the server's, in the client's terms. */
static uint32_t unshift(struct pp_state *st, uint32_t v, bool ack)
{
	uint32_t d = v - st->isn1;

	if ((int32_t)d <= 0)
		return v;
	if (d < st->len)
		return st->isn1;   /* part of the header: nothing of the client's */
	if (ack)
		st->acked = 1;
	return v - st->len;
}

static void fix_sack(struct pp_state *st, uint8_t *o, unsigned olen)
{
	for (unsigned i = 2; i + 4 <= olen; i += 4) {
		uint32_t e;

		memcpy(&e, o + i, 4);
		e = rte_cpu_to_be_32(unshift(st, rte_be_to_cpu_32(e), false));
		memcpy(o + i, &e, 4);
	}
}

static void fix_mss(const struct pp_state *st, uint8_t *o)
{
	uint16_t mss = (uint16_t)(o[2] << 8 | o[3]);

	if (mss > st->len + 64u) {
		mss = (uint16_t)(mss - st->len);
		o[2] = (uint8_t)(mss >> 8);
		o[3] = (uint8_t)mss;
	}
}

/*
 * SACK (5) and, in a SYN-ACK, MSS (2); a truncated or malformed option
 * ends the walk, leaving the rest as it came.  The options' sum is taken
 * only when one of them is there (most segments carry timestamps only).
 */
static void fix_options(struct pp_state *st, struct rte_tcp_hdr *th,
			uint32_t thlen)
{
	uint8_t *opts = (uint8_t *)(th + 1), *p = opts;
	uint8_t *end = (uint8_t *)th + thlen;
	bool syn = th->tcp_flags & RTE_TCP_SYN_FLAG, seen = false;
	uint16_t before = 0;

	while (p < end && *p != 0) {
		bool sack, mss;

		if (*p == 1) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			break;
		sack = *p == 5 && (p[1] - 2) % 8 == 0;
		mss = *p == 2 && p[1] == 4 && syn;
		if ((sack || mss) && !seen) {
			before = rte_raw_cksum(opts, (size_t)(end - opts));
			seen = true;
		}
		if (sack)
			fix_sack(st, p, p[1]);
		else if (mss)
			fix_mss(st, p);
		p += p[1];
	}
	if (seen)
		th->cksum = csum_replace2(th->cksum, before, rte_raw_cksum(
			opts, (size_t)(end - opts)));
}

void pp_server(struct pp_state *st, struct rte_tcp_hdr *th, uint32_t thlen)
{
	uint32_t doff = (uint32_t)(th->data_off >> 4) * 4;

	if (th->tcp_flags & RTE_TCP_ACK_FLAG) {
		uint32_t a = rte_cpu_to_be_32(
			unshift(st, rte_be_to_cpu_32(th->recv_ack), true));

		th->cksum = csum_replace4(th->cksum, th->recv_ack, a);
		th->recv_ack = a;
	}
	if (doff > sizeof(*th) && doff <= thlen)
		fix_options(st, th, doff);
}

void pp_quoted_seq(const struct pp_state *st, void *seq)
{
	uint32_t v;

	memcpy(&v, seq, 4);
	v = rte_be_to_cpu_32(v);
	if ((int32_t)(v - st->isn1) > 0)
		v = (int32_t)(v - st->isn1) < st->len ? st->isn1 : v - st->len;
	v = rte_cpu_to_be_32(v);
	memcpy(seq, &v, 4);
}
