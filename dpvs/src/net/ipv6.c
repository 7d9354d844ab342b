/*
 * IPv6 input, forwarding and output (docs/network.md "IPv6").  The
 * header chain is walked once (ipv6_parse.c); each verdict has its
 * counter.  What dpvs does not serve goes to the kernel twin, as for
 * IPv4: multicast and link-local destinations other than NDP, fragments,
 * AH/ESP and unknown headers, kni_host routes, and local traffic the load
 * balancer declines.
 */
#include "ipv6.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "icmp6.h"
#include "icmp_err.h"
#include "inet_addr.h"
#include "inet6addr.h"
#include "kni.h"
#include "ndisc.h"
#include "neigh6.h"
#include "netif.h"
#include "pktstats.h"

#define ETH_LEN sizeof(struct rte_ether_hdr)
#define ICMP6_ECHO_REQUEST 128
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136

static bool enabled;
static bool forwarding;

static bool take_nothing_local(unsigned lc __rte_unused, struct rte_mbuf *m __rte_unused,
			       const struct ipv6_pkt *p __rte_unused,
			       const struct route6_entry *r __rte_unused)
{
	return false;
}

static bool take_nothing_fwd(unsigned lc __rte_unused, struct rte_mbuf *m __rte_unused,
			     const struct ipv6_pkt *p __rte_unused)
{
	return false;
}

/* Never NULL members: the per-packet path does not test them. */
static struct ipv6_hooks hooks = { take_nothing_local, take_nothing_fwd };

void ipv6_set_hooks(const struct ipv6_hooks *h)
{
	hooks.local_in = h && h->local_in ? h->local_in : take_nothing_local;
	hooks.forward_in = h && h->forward_in ? h->forward_in : take_nothing_fwd;
}

void ipv6_set_forwarding(bool on)
{
	__atomic_store_n(&forwarding, on, __ATOMIC_RELAXED);
}

void ipv6_set_enabled(bool on)
{
	__atomic_store_n(&enabled, on, __ATOMIC_RELAXED);
}

/* A copy: headers are 2-byte aligned, struct in6_addr wants 4. */
static struct in6_addr addr6(const uint8_t b[16])
{
	struct in6_addr a;

	memcpy(&a, b, sizeof(a));
	return a;
}

/* The ICMPv6 type of an unfragmented (or first) ICMPv6 packet, else 0. */
static uint8_t icmp6_type(const struct rte_ipv6_hdr *ip, const struct ipv6_pkt *p)
{
	if (p->l4_proto != IPPROTO_ICMPV6 || p->l4_len < 1 ||
	    ((p->flags & IPV6_PKT_F_FRAG) && !(p->flags & IPV6_PKT_F_FIRST)))
		return 0;
	return ((const uint8_t *)ip)[p->l4_off];
}

static bool is_nd(uint8_t icmp_type)
{
	return icmp_type == ND_NEIGHBOR_SOLICIT || icmp_type == ND_NEIGHBOR_ADVERT;
}

static uint32_t port_mtu(uint16_t port)
{
	const struct netif_port *np = netif_port(port);

	return np ? np->mtu : RTE_ETHER_MTU;
}

/* Out through route r (not local, not kni) towards nh_dst. */
static bool output_via(unsigned lc, struct rte_mbuf *m, const struct route6_entry *r,
		       const struct in6_addr *nh_dst)
{
	if (unlikely(!r || r->type == RT_LOCAL || r->type == RT_KNI)) {
		PKT_INC(lc, ip6_no_route);
		rte_pktmbuf_free(m);
		return false;
	}
	neigh6_output(lc, m, r->type == RT_GATEWAY ? &r->gw : nh_dst, r->port);
	return true;
}

bool ipv6_output(unsigned lc, struct rte_mbuf *m, const struct in6_addr *nh_dst)
{
	return output_via(lc, m, route6_lookup(nh_dst), nh_dst);
}

/* An ICMPv6 error about m (at its IPv6 header) back to its source. */
static void send_error(unsigned lc, const struct rte_mbuf *m, uint8_t type,
		       uint8_t code, uint32_t info)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	struct in6_addr to = addr6(ip->src_addr), src;
	const struct route6_entry *back = route6_lookup(&to);
	struct rte_mbuf *e;

	if (!back || back->type == RT_LOCAL || back->type == RT_KNI ||
	    !route6_source(back, &to, &src))
		return;
	e = icmp6_error(lc, m, 0, type, code, info, &src);
	if (e)
		output_via(lc, e, back, &to);
}

void ipv6_forward(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	struct in6_addr dst = addr6(ip->dst_addr);
	const struct route6_entry *r;
	uint32_t mtu;

	(void)p;
	if (!__atomic_load_n(&forwarding, __ATOMIC_RELAXED)) {
		PKT_INC(lc, ip6_not_local);
		goto drop;
	}
	if (ip->hop_limits <= 1) {
		PKT_INC(lc, ip6_hop_limit);
		send_error(lc, m, ICMP6_T_TIME_EXCEEDED, 0, 0);
		goto drop;
	}
	r = route6_lookup(&dst);
	if (r && r->type != RT_LOCAL && r->type != RT_KNI) {
		mtu = port_mtu(r->port);
		/* Routers never fragment IPv6: the sender must send less. */
		if (m->pkt_len > mtu) {
			send_error(lc, m, ICMP6_T_PACKET_TOO_BIG, 0, mtu);
			goto drop;
		}
	}
	ip->hop_limits--;   /* no header checksum to mend */
	if (output_via(lc, m, r, &dst))
		PKT_INC(lc, ip6_forwarded);
	return;
drop:
	rte_pktmbuf_free(m);
}

/* To a local address (r its RT_LOCAL route); m at its ethernet header. */
static void local_in(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p,
		     const struct route6_entry *r)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const void *, ETH_LEN);
	uint8_t type;

	if ((p->flags & IPV6_PKT_F_FRAG) && !(p->flags & IPV6_PKT_F_ATOMIC)) {
		/* No reassembly here: the kernel can, for what it serves. */
		PKT_INC(lc, ip6_frag);
		kni_up(lc, m);
		return;
	}
	type = icmp6_type(ip, p);
	rte_pktmbuf_adj(m, ETH_LEN);
	if (is_nd(type)) {
		ndisc_input(lc, m, p);
		return;
	}
	if (type == ICMP6_ECHO_REQUEST) {
		icmp6_input(lc, m, p);
		return;
	}
	/* Services, FullNAT replies, ICMPv6 errors about either. */
	if (hooks.local_in(lc, m, p, r))
		return;
	rte_pktmbuf_prepend(m, ETH_LEN);
	/* Not served by the data plane: SSH, BGP, the rest of ICMPv6 ... */
	kni_up(lc, m);
}

/* Not a local address: maybe one of ours still in DAD, else transit. */
static void not_local(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p,
		      const struct route6_entry *r, const struct in6_addr *dst)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const void *, ETH_LEN);

	if (r && r->type == RT_CONNECTED && inet6addr_tentative(r->port, dst)) {
		if (is_nd(icmp6_type(ip, p))) {    /* DAD's own (RFC 4862 5.4) */
			rte_pktmbuf_adj(m, ETH_LEN);
			ndisc_input(lc, m, p);
			return;
		}
		PKT_INC(lc, ip6_tentative);
		rte_pktmbuf_free(m);
		return;
	}
	/* Sent to a link-layer group: for every host, not routed (as Linux). */
	if (rte_pktmbuf_mtod(m, const uint8_t *)[0] & 1) {
		PKT_INC(lc, ip6_not_local);
		rte_pktmbuf_free(m);
		return;
	}
	rte_pktmbuf_adj(m, ETH_LEN);
	if (!hooks.forward_in(lc, m, p))
		ipv6_forward(lc, m, p);
}

/* A parse verdict other than OK: counted, to the kernel or dropped. */
static void bad_verdict(unsigned lc, struct rte_mbuf *m, enum ipv6_verdict v)
{
	switch (v) {
	case IPV6_OTHER:
		PKT_INC(lc, ip6_other);
		kni_up(lc, m);
		return;
	case IPV6_BAD_HDR: PKT_INC(lc, ip6_bad_hdr); break;
	case IPV6_BAD_LEN: PKT_INC(lc, ip6_bad_len); break;
	case IPV6_EXT_TRUNC: PKT_INC(lc, ip6_ext_trunc); break;
	case IPV6_EXT_TOO_MANY: PKT_INC(lc, ip6_ext_too_many); break;
	case IPV6_EXT_ORDER: PKT_INC(lc, ip6_ext_order); break;
	case IPV6_HBH_OPT: PKT_INC(lc, ip6_hbh_opt); break;
	case IPV6_RH_SEGLEFT: PKT_INC(lc, ip6_rh_segleft); break;
	case IPV6_FRAG_BAD: PKT_INC(lc, ip6_frag_bad); break;
	default: PKT_INC(lc, ip6_bad_hdr); break;
	}
	rte_pktmbuf_free(m);
}

void ipv6_input(unsigned lc, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const void *, ETH_LEN);
	uint32_t avail = m->data_len - ETH_LEN, tot;
	const struct route6_entry *r;
	enum ipv6_verdict v;
	struct in6_addr dst;
	struct ipv6_pkt p;

	if (!__atomic_load_n(&enabled, __ATOMIC_RELAXED)) {
		kni_up(lc, m);
		return;
	}
	PKT_INC(lc, ip6_rx);
	v = ipv6_parse(ip, avail, &p);
	if (v != IPV6_OK) {
		bad_verdict(lc, m, v);
		return;
	}
	tot = IPV6_HDR_LEN + rte_be_to_cpu_16(ip->payload_len);
	if (avail > tot) /* ethernet padding */
		rte_pktmbuf_trim(m, (uint16_t)(avail - tot));
	/*
	 * NDP is ours (and copied up by ndisc).  VRRPv3, MLD, RA... and all
	 * that is sent to a link-local address are the kernel twin's.
	 */
	dst = addr6(ip->dst_addr);
	if (ipv6_is_multicast(&dst) || ipv6_is_linklocal(&dst)) {
		if (is_nd(icmp6_type(ip, &p))) {
			rte_pktmbuf_adj(m, ETH_LEN);
			ndisc_input(lc, m, &p);
		} else {
			kni_up(lc, m);
		}
		return;
	}
	r = route6_lookup(&dst);
	if (r && r->type == RT_KNI)
		kni_up(lc, m);
	else if (r && r->type == RT_LOCAL)
		local_in(lc, m, &p, r);
	else
		not_local(lc, m, &p, r, &dst);
}
