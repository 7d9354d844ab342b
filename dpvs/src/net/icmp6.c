/*
 * ICMPv6 (RFC 4443): echo to our addresses, answered in place, and the
 * errors dpvs sends while forwarding, each refused where 2.4(e) says
 * so and all of them under a per-worker budget (2.4(f)).
 */
#include "icmp6.h"

#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "csum6.h"
#include "icmp_err.h"
#include "inet_addr.h"
#include "kni.h"
#include "netif.h"
#include "pktstats.h"

#define ETH_LEN sizeof(struct rte_ether_hdr)
#define ICMP6_HDR_LEN 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define IPV6_MIN_MTU 1280
#define ICMP6_HOP_LIMIT 64

struct icmp6_hdr {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	rte_be32_t info;
} __rte_packed;

/* Tokens in 1/1024ths; a tenth of a second's worth at most. */
struct bucket {
	uint64_t tokens, last;
} __rte_cache_aligned;

static struct bucket buckets[RTE_MAX_LCORE];
static uint32_t error_pps;

int icmp6_init(const struct dpvs_conf *c)
{
	memset(buckets, 0, sizeof(buckets));
	icmp6_set_params(c);
	return 0;
}

void icmp6_set_params(const struct dpvs_conf *c)
{
	__atomic_store_n(&error_pps, c->ip6_icmp_error_pps, __ATOMIC_RELAXED);
}

static bool take_token(struct bucket *b, uint32_t rate)
{
	uint64_t now, burst, dt, hz = rte_get_tsc_hz();

	if (!rate)
		return true;
	now = rte_get_tsc_cycles();
	burst = (uint64_t)(rate / 10 + 1) << 10;
	if (b->last == 0)
		b->tokens = burst;                 /* starts full */
	/* A second refills more than any burst: cap dt so nothing overflows. */
	dt = now - b->last < hz ? now - b->last : hz;
	b->tokens += dt * rate * 1024 / hz;
	b->last = now;
	if (b->tokens > burst)
		b->tokens = burst;
	if (b->tokens < 1024)
		return false;
	b->tokens -= 1024;
	return true;
}

/* Moves the IPv6 header up to l4, so the reply carries no extension headers. */
static struct rte_ipv6_hdr *strip_exts(struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	uint16_t ext = (uint16_t)(p->l4_off - IPV6_HDR_LEN);
	struct rte_ether_hdr eh;

	if (ext == 0)
		return ip;
	memcpy(&eh, (char *)ip - ETH_LEN, ETH_LEN);
	memmove((char *)ip + ext, ip, IPV6_HDR_LEN);
	ip = (struct rte_ipv6_hdr *)rte_pktmbuf_adj(m, ext);
	memcpy((char *)ip - ETH_LEN, &eh, ETH_LEN);
	ip->proto = IPPROTO_ICMPV6;
	ip->payload_len = rte_cpu_to_be_16(p->l4_len);
	return ip;
}

static void echo_reply(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	struct rte_ipv6_hdr *ip = strip_exts(m, p);
	struct icmp6_hdr *ic = (struct icmp6_hdr *)(ip + 1);
	struct rte_ether_hdr *eh;
	struct rte_ether_addr tmp;
	uint8_t a[16];

	/* The pseudo-header's sum is the same with the addresses swapped. */
	ic->cksum = csum_replace2(ic->cksum, rte_cpu_to_be_16(ICMP6_ECHO_REQUEST << 8),
				  rte_cpu_to_be_16(ICMP6_ECHO_REPLY << 8));
	ic->type = ICMP6_ECHO_REPLY;
	memcpy(a, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, a, 16);
	ip->hop_limits = ICMP6_HOP_LIMIT;
	/* Back where it came from, as the IPv4 echo: no neighbour lookup. */
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, ETH_LEN);
	rte_ether_addr_copy(&eh->src_addr, &tmp);
	rte_ether_addr_copy(&eh->dst_addr, &eh->src_addr);
	rte_ether_addr_copy(&tmp, &eh->dst_addr);
	PKT_INC(lc, icmp6_echo);
	netif_xmit(lc, m->port, m);
}

void icmp6_input(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const struct icmp6_hdr *ic = rte_pktmbuf_mtod_offset(m, const void *, p->l4_off);

	if (p->l4_len < ICMP6_HDR_LEN ||
	    !csum6_l4_ok(ip->src_addr, ip->dst_addr, IPPROTO_ICMPV6, ic, p->l4_len)) {
		PKT_INC(lc, icmp6_bad);
		rte_pktmbuf_free(m);
		return;
	}
	if (ic->type == ICMP6_ECHO_REQUEST && ic->code == 0) {
		echo_reply(lc, m, p);
		return;
	}
	rte_pktmbuf_prepend(m, ETH_LEN);
	kni_up(lc, m);
}

/* The offending packet's ICMPv6 type if it is one (first fragment): 2.4(e.1). */
static bool is_icmp6_error(const uint8_t *ip, uint32_t avail)
{
	struct ipv6_pkt p;
	enum ipv6_verdict v = ipv6_parse(ip, avail, &p);

	if (v != IPV6_OK || p.l4_proto != IPPROTO_ICMPV6 ||
	    ((p.flags & IPV6_PKT_F_FRAG) && !(p.flags & IPV6_PKT_F_FIRST)))
		return false;
	return p.l4_len >= 1 && icmp6_type_is_error(ip[p.l4_off]);
}

/* RFC 4443 2.4(e): errors that must not be sent. */
static bool may_answer(const struct rte_mbuf *orig, uint32_t l3_off,
		       const uint8_t *ip, uint32_t avail, uint8_t type, uint8_t code)
{
	const struct rte_ipv6_hdr *h = (const struct rte_ipv6_hdr *)ip;
	struct in6_addr src, dst;      /* copies: a header is 2-byte aligned */
	bool mc_ok = type == ICMP6_T_PACKET_TOO_BIG ||
		     (type == ICMP6_T_PARAM_PROBLEM && code == 2);

	if (avail < IPV6_HDR_LEN || is_icmp6_error(ip, avail))
		return false;                                         /* e.1 */
	memcpy(&src, h->src_addr, sizeof(src));
	memcpy(&dst, h->dst_addr, sizeof(dst));
	if (!mc_ok && ipv6_is_multicast(&dst))
		return false;                                         /* e.2 */
	if (!mc_ok && l3_off >= ETH_LEN &&
	    (rte_pktmbuf_mtod_offset(orig, const uint8_t *, l3_off - ETH_LEN)[0] & 1))
		return false;                                         /* e.3 */
	/* e.4: to the unspecified, multicast or loopback source: nobody. */
	return !ipv6_is_unspecified(&src) && !ipv6_is_multicast(&src) &&
	       !IN6_IS_ADDR_LOOPBACK(&src);
}

static struct rte_mbuf *build_error(const struct rte_mbuf *orig, const uint8_t *ip,
				    uint32_t quote, uint8_t type, uint8_t code,
				    uint32_t info, const struct in6_addr *src)
{
	struct rte_mbuf *e = rte_pktmbuf_alloc(orig->pool);
	uint32_t len = ICMP6_HDR_LEN + quote;
	struct rte_ipv6_hdr *h;
	struct icmp6_hdr *ic;

	if (!e)
		return NULL;
	h = (struct rte_ipv6_hdr *)rte_pktmbuf_append(e, (uint16_t)(IPV6_HDR_LEN + len));
	if (!h) {
		rte_pktmbuf_free(e);
		return NULL;
	}
	memset(h, 0, IPV6_HDR_LEN);
	h->vtc_flow = rte_cpu_to_be_32(6u << 28);
	h->payload_len = rte_cpu_to_be_16((uint16_t)len);
	h->proto = IPPROTO_ICMPV6;
	h->hop_limits = ICMP6_HOP_LIMIT;
	memcpy(h->src_addr, src, 16);
	memcpy(h->dst_addr, ((const struct rte_ipv6_hdr *)ip)->src_addr, 16);
	ic = (struct icmp6_hdr *)(h + 1);
	*ic = (struct icmp6_hdr){ type, code, 0, rte_cpu_to_be_32(info) };
	memcpy(ic + 1, ip, quote);
	ic->cksum = csum6_l4(src, h->dst_addr, IPPROTO_ICMPV6, ic, len);
	e->port = orig->port;
	return e;
}

struct rte_mbuf *icmp6_error(unsigned lc, const struct rte_mbuf *orig, uint32_t l3_off,
			     uint8_t type, uint8_t code, uint32_t info,
			     const struct in6_addr *src)
{
	/* The error fits the minimum MTU (RFC 4443 2.4(c)). */
	uint32_t room = IPV6_MIN_MTU - IPV6_HDR_LEN - ICMP6_HDR_LEN, avail, quote;
	const uint8_t *ip;
	struct rte_mbuf *e;

	if (l3_off >= orig->data_len || !src || ipv6_is_unspecified(src) ||
	    ipv6_is_multicast(src))
		return NULL;
	ip = rte_pktmbuf_mtod_offset(orig, const uint8_t *, l3_off);
	avail = orig->data_len - l3_off;
	if (!may_answer(orig, l3_off, ip, avail, type, code))
		return NULL;
	if (!take_token(&buckets[lc], __atomic_load_n(&error_pps, __ATOMIC_RELAXED))) {
		PKT_INC(lc, icmp6_err_limited);
		return NULL;
	}
	quote = RTE_MIN(avail, room);
	e = build_error(orig, ip, quote, type, code, info, src);
	if (e)
		PKT_INC(lc, icmp6_err_sent);
	return e;
}
