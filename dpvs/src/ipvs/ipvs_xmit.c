/* FullNAT, NAT, DR and IP-in-IP transmission (IPv6: ipvs_xmit6.c). */
#include "ipvs_xmit.h"

#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "net/ipv4.h"
#include "net/ipv4_pmtu.h"
#include "ipvs_xmit6.h"
#include "ipvs_xmit64.h"
#include "nat_rewrite.h"
#include "pp_xmit.h"
#include "net/netif.h"
#include "net/pktstats.h"
#include "net/route.h"

static uint32_t port_mtu(const struct route_entry *r)
{
	const struct netif_port *p = netif_port(r->port);

	return p ? p->mtu : RTE_ETHER_MTU;
}

static void fnat_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		    void *l3, void *l4)
{
	struct rte_ipv4_hdr *ip = l3;
	nat_rewrite(ip, l4, ipvs_proto_get(c->proto), c->laddr, c->daddr,
		    c->lport, c->dport);
	if (c->pp.len && !(m = pp_xmit_in4(lc, c, m, ip, l4)))
		return;
	ipv4_output(lc, m, c->daddr);
}

static void fnat_out(unsigned lc, struct ipvs_conn *c,
		     struct rte_mbuf *m, void *l3, void *l4)
{
	struct rte_ipv4_hdr *ip = l3;
	nat_rewrite(ip, l4, ipvs_proto_get(c->proto), c->vaddr, c->caddr,
		    c->vport, c->cport);
	if (c->pp.len)
		pp_xmit_out4(c, m, ip, l4);
	ipv4_output(lc, m, c->caddr);
}

static void nat_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		   void *l3, void *l4)
{
	struct rte_ipv4_hdr *ip = l3;
	nat_rewrite(ip, l4, ipvs_proto_get(c->proto), c->caddr, c->daddr,
		    c->cport, c->dport);
	ipv4_output(lc, m, c->daddr);
}

static void nat_out(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		    void *l3, void *l4)
{
	struct rte_ipv4_hdr *ip = l3;
	nat_rewrite(ip, l4, ipvs_proto_get(c->proto), c->vaddr, c->caddr,
		    c->vport, c->cport);
	ipv4_output(lc, m, c->caddr);
}

/* DR: the packet is untouched; only the MAC changes, to the server's. */
static void dr_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		  void *l3 __rte_unused, void *l4 __rte_unused)
{
	ipv4_output(lc, m, c->daddr);
}

/*
 * TUN past the port's MTU, as IPVS: a packet with DF gets "fragmentation
 * needed" back, saying the MTU less the outer header, so its sender
 * sends less; one without DF leaves as outer fragments, which the
 * tunnel's end reassembles.
 */
static void tun_too_big(unsigned lc, struct rte_mbuf *m,
			const struct rte_ipv4_hdr *ip, uint32_t mtu)
{
	uint32_t client = rte_be_to_cpu_32(ip->src_addr);   /* ip is in m */
	struct rte_mbuf *e = ipv4_frag_needed(m, rte_be_to_cpu_32(ip->dst_addr),
					      (uint16_t)(mtu - sizeof(*ip)),
					      netif_pktpool());

	rte_pktmbuf_free(m);
	if (!e) {
		PKT_INC(lc, tun_frag_fail);
		return;
	}
	PKT_INC(lc, tun_frag_needed);
	ipv4_output(lc, e, client);
}

static void tun_fragment(unsigned lc, struct rte_mbuf *m, uint32_t dst,
			 uint32_t mtu)
{
	static uint16_t ids[RTE_MAX_LCORE];  /* each lcore its own run */
	struct rte_mbuf *frags[IPV4_FRAG_MAX];
	int n = ipv4_fragment(m, mtu, (uint16_t)(ids[lc]++ + lc * 4099),
			      netif_pktpool(), frags);

	rte_pktmbuf_free(m);
	if (n < 0) {
		PKT_INC(lc, tun_frag_fail);
		return;
	}
	PKT_INC(lc, tun_fragmented);
	for (int i = 0; i < n; i++)
		ipv4_output(lc, frags[i], dst);
}

/* TUN: IP-in-IP to the server, from our address on the way there. */
static void tun_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		   void *l3, void *l4 __rte_unused)
{
	struct rte_ipv4_hdr *ip = l3;
	const struct route_entry *r = route_lookup_lc(lc, c->daddr);
	struct rte_ipv4_hdr *outer;
	uint16_t len = rte_be_to_cpu_16(ip->total_length);
	uint32_t mtu;

	if (!r || !r->src || len > 65535 - sizeof(*outer)) {
		PKT_INC(lc, ip_no_route);
		rte_pktmbuf_free(m);
		return;
	}
	mtu = port_mtu(r);
	if (len + sizeof(*outer) > mtu &&
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))) {
		tun_too_big(lc, m, ip, mtu);
		return;
	}
	outer = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*outer));
	if (!outer) {
		PKT_INC(lc, ip_no_route);
		rte_pktmbuf_free(m);
		return;
	}
	outer->version_ihl = RTE_IPV4_VHL_DEF;
	outer->type_of_service = ip->type_of_service;
	outer->total_length = rte_cpu_to_be_16((uint16_t)(len + sizeof(*outer)));
	outer->packet_id = 0;
	outer->fragment_offset = ip->fragment_offset &
				 RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	outer->time_to_live = 64;
	outer->next_proto_id = IPPROTO_IPIP;
	outer->src_addr = rte_cpu_to_be_32(r->src);
	outer->dst_addr = rte_cpu_to_be_32(c->daddr);
	outer->hdr_checksum = 0;
	outer->hdr_checksum = rte_ipv4_cksum(outer);
	if (len + sizeof(*outer) > mtu)
		tun_fragment(lc, m, c->daddr, mtu);
	else
		ipv4_output(lc, m, c->daddr);
}

const struct ipvs_xmit_ops ipvs_xmit[IPVS_XMIT_MAX] = {
	[IPVS_X_FNAT] = { .name = "FullNat", .fwd = IPVS_FWD_FNAT,
			  .vaf = AF_INET, .daf = AF_INET,
			  .in = fnat_in, .out = fnat_out, .snat = true },
	[IPVS_X_NAT] = { .name = "Masq", .fwd = IPVS_FWD_NAT,
			 .vaf = AF_INET, .daf = AF_INET,
			 .in = nat_in, .out = nat_out, .client_reply_key = true },
	[IPVS_X_DR] = { .name = "Route", .fwd = IPVS_FWD_DR,
			.vaf = AF_INET, .daf = AF_INET, .in = dr_in },
	[IPVS_X_TUN] = { .name = "Tunnel", .fwd = IPVS_FWD_TUN,
			 .vaf = AF_INET, .daf = AF_INET, .in = tun_in },
	[IPVS_X_FNAT6] = { .name = "FullNat", .fwd = IPVS_FWD_FNAT,
			   .vaf = AF_INET6, .daf = AF_INET6,
			   .in = ipvs_fnat6_in, .out = ipvs_fnat6_out,
			   .snat = true },
	[IPVS_X_NAT6] = { .name = "Masq", .fwd = IPVS_FWD_NAT,
			  .vaf = AF_INET6, .daf = AF_INET6,
			  .in = ipvs_nat6_in, .out = ipvs_nat6_out,
			  .client_reply_key = true },
	[IPVS_X_DR6] = { .name = "Route", .fwd = IPVS_FWD_DR,
			 .vaf = AF_INET6, .daf = AF_INET6, .in = ipvs_dr6_in },
	[IPVS_X_TUN6] = { .name = "Tunnel", .fwd = IPVS_FWD_TUN,
			  .vaf = AF_INET6, .daf = AF_INET6, .in = ipvs_tun6_in },
	/* NAT64: RFC 7915 headers (net/nat64.c) with the conn's addresses. */
	[IPVS_X_FNAT64] = { .name = "FullNat", .fwd = IPVS_FWD_FNAT,
			    .vaf = AF_INET6, .daf = AF_INET,
			    .in = ipvs_fnat64_in, .out = ipvs_fnat64_out,
			    .snat = true },
};

enum ipvs_xmit_id ipvs_xmit_of(enum ipvs_fwd f, uint8_t vaf, uint8_t daf)
{
	vaf = vaf ? vaf : AF_INET;
	daf = daf ? daf : AF_INET;
	for (unsigned x = 0; x < IPVS_XMIT_MAX; x++)
		if (ipvs_xmit[x].fwd == f && ipvs_xmit[x].vaf == vaf &&
		    ipvs_xmit[x].daf == daf)
			return (enum ipvs_xmit_id)x;
	return IPVS_XMIT_MAX;
}
