/*
 * IPv6 transmission: FullNAT, NAT, DR and IPv6-in-IPv6 (RFC 2473).
 *
 * A v6 conn holds only its client's address; its VIP, real server and
 * local address are its dest's and lobj's (ipvs_conn.h), which the
 * conn's references keep alive and which never change.  The hop limit
 * is left alone by the NAT modes, as the TTL is by v4 FullNAT: the load
 * balancer is the connection's end, not a router on its way.
 */
#include "ipvs_xmit6.h"

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ipvs_xmit.h"
#include "nat_rewrite6.h"
#include "pp_xmit.h"
#include "net/icmp6.h"
#include "net/icmp_err.h"
#include "net/ipv6.h"
#include "net/netif.h"
#include "net/pktstats.h"
#include "net/route6.h"

static const struct in6_addr *in6(const union inet_addr *a)
{
	return &a->in6;
}

/* Rewrites m's tuple; false: dropped (a zero UDP sum over segments). */
static bool rewrite6(unsigned lc, const struct ipvs_conn *c, struct rte_mbuf *m,
		     struct rte_ipv6_hdr *ip6, void *l4,
		     const struct in6_addr *s, const struct in6_addr *d,
		     uint16_t sport, uint16_t dport)
{
	uint32_t ext = (uint32_t)((char *)l4 - (char *)(ip6 + 1));
	uint32_t l4_len = rte_be_to_cpu_16(ip6->payload_len) - ext;
	uint32_t l4_seg = m->data_len - (uint32_t)((char *)l4 - (char *)ip6);

	if (nat_rewrite6(ip6, l4, ipvs_proto_get(c->proto), s, d, sport, dport,
			 l4_len, l4_seg))
		return true;
	PKT_INC(lc, ipvs6_bad_l4);
	rte_pktmbuf_free(m);
	return false;
}

/* Client -> RS: from our local address and port (a PROXY header first). */
void ipvs_fnat6_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		   void *l3, void *l4)
{
	const struct in6_addr *rs = in6(ipvs_conn_daddr(c));

	if (!rewrite6(lc, c, m, l3, l4, in6(ipvs_conn_laddr(c)), rs, c->lport,
		      c->dport))
		return;
	if (c->pp.len && !(m = pp_xmit_in6(lc, c, m, l3, l4)))
		return;
	ipv6_output(lc, m, rs);
}

/* RS -> client: from the VIP. */
void ipvs_fnat6_out(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		    void *l3, void *l4)
{
	if (!rewrite6(lc, c, m, l3, l4, in6(ipvs_conn_vaddr(c)), &c->caddr6,
		      c->vport, c->cport))
		return;
	if (c->pp.len)
		pp_xmit_out6(c, m, l3, l4);
	ipv6_output(lc, m, &c->caddr6);
}

void ipvs_nat6_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		  void *l3, void *l4)
{
	const struct in6_addr *rs = in6(ipvs_conn_daddr(c));

	if (rewrite6(lc, c, m, l3, l4, &c->caddr6, rs, c->cport, c->dport))
		ipv6_output(lc, m, rs);
}

void ipvs_nat6_out(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		   void *l3, void *l4)
{
	if (rewrite6(lc, c, m, l3, l4, in6(ipvs_conn_vaddr(c)), &c->caddr6,
		     c->vport, c->cport))
		ipv6_output(lc, m, &c->caddr6);
}

/* DR: the packet is untouched; the server (VIP on lo) gets it by MAC. */
void ipvs_dr6_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		 void *l3 __rte_unused, void *l4 __rte_unused)
{
	ipv6_output(lc, m, in6(ipvs_conn_daddr(c)));
}

static uint32_t port_mtu(uint16_t port)
{
	const struct netif_port *p = netif_port(port);

	return p ? p->mtu : RTE_ETHER_MTU;
}

/*
 * Too big for the tunnel: IPv6 is never fragmented on the way, so the
 * client learns the tunnel's MTU from the VIP and sends less.  A port
 * whose tunnel MTU would be under IPv6's 1280 cannot carry the conn.
 */
static void tun6_too_big(unsigned lc, const struct ipvs_conn *c,
			 struct rte_mbuf *m, uint32_t mtu)
{
	struct rte_mbuf *e = NULL;

	PKT_INC(lc, tun6_too_big);
	if (mtu >= TUN6_MIN_MTU)
		e = icmp6_error(lc, m, 0, ICMP6_T_PACKET_TOO_BIG, 0,
				mtu - TUN6_HDR_LEN, in6(ipvs_conn_vaddr(c)));
	rte_pktmbuf_free(m);
	if (e)
		ipv6_output(lc, e, &c->caddr6);
}

/*
 * TUN6: the client's packet inside an outer header to the server, from
 * our source towards it; the traffic class is copied (RFC 2473 6.5),
 * the flow label not (it is the inner flow's).
 */
void ipvs_tun6_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		  void *l3, void *l4 __rte_unused)
{
	const struct in6_addr *rs = in6(ipvs_conn_daddr(c));
	const struct route6_entry *r = route6_lookup(rs);
	struct rte_ipv6_hdr *ip6 = l3, *outer;
	uint32_t len = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
	uint32_t tclass = rte_be_to_cpu_32(ip6->vtc_flow) & 0x0ff00000u;
	struct in6_addr src;

	if (!r || r->type == RT_LOCAL || r->type == RT_KNI ||
	    !route6_source(r, rs, &src)) {
		PKT_INC(lc, ip6_no_route);
		rte_pktmbuf_free(m);
		return;
	}
	if (len + TUN6_HDR_LEN > port_mtu(r->port)) {
		tun6_too_big(lc, c, m, port_mtu(r->port));
		return;
	}
	outer = (struct rte_ipv6_hdr *)rte_pktmbuf_prepend(m, sizeof(*outer));
	if (!outer) {
		PKT_INC(lc, ip6_no_route);
		rte_pktmbuf_free(m);
		return;
	}
	outer->vtc_flow = rte_cpu_to_be_32((6u << 28) | tclass);
	outer->payload_len = rte_cpu_to_be_16((uint16_t)len);
	outer->proto = IPPROTO_IPV6;
	outer->hop_limits = 64;
	memcpy(outer->src_addr, &src, sizeof(src));
	memcpy(outer->dst_addr, rs, sizeof(*rs));
	ipv6_output(lc, m, rs);
}

void ipvs_xmit_none(unsigned lc, struct ipvs_conn *c __rte_unused,
		    struct rte_mbuf *m, void *l3 __rte_unused,
		    void *l4 __rte_unused)
{
	PKT_INC(lc, ipvs_no_dest);
	rte_pktmbuf_free(m);
}
