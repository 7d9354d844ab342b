/*
 * NAT64 through FullNAT (RFC 7915 headers, design: docs/loadbalancing.md
 * "NAT64").  A NAT64 conn holds its IPv6 client inline; its VIP (v6),
 * real server and local address (v4) are its dest's and lobj's.
 *
 * The translated packet is 20 bytes bigger towards the client, so the
 * MSS of both SYNs is clamped to what fits both sides, and a reply that
 * still does not fit the client's side is refused: with DF the server
 * hears "fragmentation needed" for the IPv6 MTU less 20; without DF it
 * is dropped, as IPv6 is never fragmented on the way.
 */
#include "ipvs_xmit64.h"

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ipvs_xmit.h"
#include "pp_xmit.h"
#include "tcp_mss.h"
#include "net/ipv4.h"
#include "net/ipv4_pmtu.h"
#include "net/ipv6.h"
#include "net/nat64.h"
#include "net/netif.h"
#include "net/pktstats.h"
#include "net/route.h"
#include "net/route6.h"

#define NAT64_V6_MIN_MTU 1280u   /* RFC 8200 5 */

static uint32_t port_mtu(uint16_t port)
{
	const struct netif_port *p = netif_port(port);

	return p ? p->mtu : RTE_ETHER_MTU;
}

/* The MTU of the port a packet to dst leaves by (no route: ignored later). */
static uint32_t mtu4_to(uint32_t dst)
{
	const struct route_entry *r = route_lookup(dst);

	return r ? port_mtu(r->port) : RTE_ETHER_MTU;
}

static uint32_t mtu6_to(const struct in6_addr *dst)
{
	const struct route6_entry *r = route6_lookup(dst);

	return r ? port_mtu(r->port) : RTE_ETHER_MTU;
}

static void v4_of(const struct ipvs_conn *c, struct nat64_v4 *a, uint32_t mtu4)
{
	*a = (struct nat64_v4){ ipvs_conn_laddr(c)->in4, ipvs_conn_daddr(c)->in4,
				c->lport, c->dport, (uint16_t)mtu4 };
}

static void v6_of(const struct ipvs_conn *c, struct nat64_v6 *a, uint32_t mtu6)
{
	a->saddr = ipvs_conn_vaddr(c)->in6;
	a->daddr = c->caddr6;
	a->sport = c->vport;
	a->dport = c->cport;
	a->mtu = (uint16_t)mtu6;
}

/* Counts why m was not translated, and frees it. */
static void drop(unsigned lc, struct rte_mbuf *m, enum nat64_verdict v, bool icmp)
{
	if (v == NAT64_DROP_FRAG)
		PKT_INC(lc, nat64_frag);
	else if (v == NAT64_DROP_NOROOM)
		PKT_INC(lc, nat64_no_room);
	else if (icmp)
		PKT_INC(lc, nat64_bad_icmp);
	else
		PKT_INC(lc, ipvs6_bad_l4);
	rte_pktmbuf_free(m);
}

/* Only SYNs carry an MSS: the MTUs are looked up for them alone. */
static bool is_syn(const struct ipvs_conn *c, const void *l4)
{
	return c->proto == IPPROTO_TCP && (((const uint8_t *)l4)[13] & TCP_MSS_FLAG_SYN);
}

/* Client -> server: the IPv6 chain goes, an IPv4 header from our local address. */
void ipvs_fnat64_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		    void *l3, void *l4)
{
	static uint16_t ids[RTE_MAX_LCORE];   /* IPv4 IDs, each lcore its own run */
	const struct rte_ipv6_hdr *ip6 = l3;
	uint16_t off = (uint16_t)((char *)l4 - (char *)l3);
	struct ipv6_pkt p = { .l4_off = off, .l4_proto = c->proto,
			      .l4_len = (uint16_t)(rte_be_to_cpu_16(ip6->payload_len) +
						   IPV6_HDR_LEN - off) };
	struct nat64_v4 a;
	enum nat64_verdict v;

	v4_of(c, &a, 0);
	if (is_syn(c, l4))
		tcp_mss_clamp(l4, m->data_len - off,
			      ipvs_fnat64_mss(port_mtu(m->port), mtu4_to(a.daddr)));
	v = nat64_6to4(m, &p, &a, (uint16_t)(ids[lc]++ + lc * 4099));
	if (v != NAT64_OK) {
		drop(lc, m, v, false);
		return;
	}
	/* The PROXY header goes on the IPv4 side, naming the v6 client. */
	if (c->pp.len) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

		m = pp_xmit_in4(lc, c, m, ip, (struct rte_tcp_hdr *)(ip + 1));
		if (!m)
			return;
	}
	ipv4_output(lc, m, a.daddr);
}

/*
 * A reply too big for the client's side once translated: the server
 * learns the MTU it has to use if it set DF; otherwise it is dropped.
 */
static void too_big(unsigned lc, struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
		    uint32_t mtu6)
{
	uint32_t rs = rte_be_to_cpu_32(ip->src_addr);   /* ip is in m */
	struct rte_mbuf *e = NULL;

	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))
		e = ipv4_frag_needed(m, rte_be_to_cpu_32(ip->dst_addr),
				     (uint16_t)(mtu6 - NAT64_GROWTH), netif_pktpool());
	else
		PKT_INC(lc, nat64_too_big);
	rte_pktmbuf_free(m);
	if (e)
		ipv4_output(lc, e, rs);
}

/* Server -> client: an IPv6 header from the VIP in the headroom. */
void ipvs_fnat64_out(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		     void *l3, void *l4)
{
	const struct rte_ipv4_hdr *ip = l3;
	uint32_t ihl = rte_ipv4_hdr_len(ip), tot = rte_be_to_cpu_16(ip->total_length);
	uint32_t len6 = tot - ihl + IPV6_HDR_LEN, mtu6 = NAT64_V6_MIN_MTU;
	const uint8_t *udp_ck = (const uint8_t *)l4 + 6;
	bool syn = is_syn(c, l4);
	struct nat64_v6 a;
	enum nat64_verdict v;

	/* Every IPv6 link carries 1280 bytes: smaller packets need no lookup. */
	if (len6 > NAT64_V6_MIN_MTU || syn)
		mtu6 = mtu6_to(&c->caddr6);
	if (len6 > mtu6) {
		too_big(lc, m, ip, mtu6);
		return;
	}
	if (syn)
		tcp_mss_clamp(l4, m->data_len - ihl, ipvs_fnat64_mss(mtu6, port_mtu(m->port)));
	if (c->pp.len)   /* after the clamp: the header still fits with a full segment */
		pp_xmit_out4(c, m, ip, l4);
	if (c->proto == IPPROTO_UDP && udp_ck[0] == 0 && udp_ck[1] == 0)
		PKT_INC(lc, nat64_csum);
	v6_of(c, &a, mtu6);
	v = nat64_4to6(m, &a);
	if (v != NAT64_OK) {
		drop(lc, m, v, false);
		return;
	}
	ipv6_output(lc, m, &c->caddr6);
}

void ipvs_fnat64_icmp_out(unsigned lc, unsigned w, struct ipvs_conn *c,
			  struct rte_mbuf *m)
{
	struct nat64_v6 a;
	enum nat64_verdict v;

	v6_of(c, &a, mtu6_to(&c->caddr6));
	v = nat64_4to6(m, &a);
	if (v != NAT64_OK) {
		drop(lc, m, v, true);
		return;
	}
	c->dest->stats[w].outpkts++;
	c->dest->stats[w].outbytes += m->pkt_len;
	ipv6_output(lc, m, &c->caddr6);
}

void ipvs_fnat64_icmp_in(unsigned lc, unsigned w, struct ipvs_conn *c,
			 struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	struct nat64_v4 a;
	enum nat64_verdict v;

	v4_of(c, &a, 0);
	a.mtu = (uint16_t)mtu4_to(a.daddr);
	v = nat64_6to4(m, p, &a, 0);
	if (v != NAT64_OK) {
		drop(lc, m, v, true);
		return;
	}
	c->dest->stats[w].inpkts++;
	c->dest->stats[w].inbytes += m->pkt_len;
	ipv4_output(lc, m, a.daddr);
}
