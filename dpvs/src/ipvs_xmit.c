/* FullNAT, NAT, DR and IP-in-IP transmission. */
#include "ipvs_xmit.h"

#include <rte_byteorder.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "nat_rewrite.h"
#include "neigh.h"
#include "pktstats.h"
#include "route.h"

void ipvs_route_out(unsigned lc, struct rte_mbuf *m, uint32_t dst)
{
	const struct route_entry *r = route_lookup(dst);

	if (unlikely(!r || r->type == DPVS_RT_LOCAL || r->type == DPVS_RT_KNI)) {
		PKT_INC(lc, ip_no_route);
		rte_pktmbuf_free(m);
		return;
	}
	neigh_output(lc, m, r->type == DPVS_RT_GATEWAY ? r->gw : dst, r->port);
}

static void fnat_in(unsigned lc, const struct ipvs_conn *c, struct rte_mbuf *m,
		    struct rte_ipv4_hdr *ip, void *l4)
{
	nat_rewrite(ip, l4, c->proto, c->laddr, c->daddr, c->lport, c->dport);
	ipvs_route_out(lc, m, c->daddr);
}

static void fnat_out(unsigned lc, const struct ipvs_conn *c,
		     struct rte_mbuf *m, struct rte_ipv4_hdr *ip, void *l4)
{
	nat_rewrite(ip, l4, c->proto, c->vaddr, c->caddr, c->vport, c->cport);
	ipvs_route_out(lc, m, c->caddr);
}

static void nat_in(unsigned lc, const struct ipvs_conn *c, struct rte_mbuf *m,
		   struct rte_ipv4_hdr *ip, void *l4)
{
	nat_rewrite(ip, l4, c->proto, c->caddr, c->daddr, c->cport, c->dport);
	ipvs_route_out(lc, m, c->daddr);
}

static void nat_out(unsigned lc, const struct ipvs_conn *c, struct rte_mbuf *m,
		    struct rte_ipv4_hdr *ip, void *l4)
{
	nat_rewrite(ip, l4, c->proto, c->vaddr, c->caddr, c->vport, c->cport);
	ipvs_route_out(lc, m, c->caddr);
}

/* DR: the packet is untouched; only the MAC changes, to the server's. */
static void dr_in(unsigned lc, const struct ipvs_conn *c, struct rte_mbuf *m,
		  struct rte_ipv4_hdr *ip __rte_unused, void *l4 __rte_unused)
{
	ipvs_route_out(lc, m, c->daddr);
}

/* TUN: IP-in-IP to the server, from our address on the way there. */
static void tun_in(unsigned lc, const struct ipvs_conn *c, struct rte_mbuf *m,
		   struct rte_ipv4_hdr *ip, void *l4 __rte_unused)
{
	const struct route_entry *r = route_lookup(c->daddr);
	struct rte_ipv4_hdr *outer;
	uint16_t len = rte_be_to_cpu_16(ip->total_length);

	if (!r || !r->src || len > 65535 - sizeof(*outer)) {
		PKT_INC(lc, ip_no_route);
		rte_pktmbuf_free(m);
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
	ipvs_route_out(lc, m, c->daddr);
}

const struct ipvs_xmit_ops ipvs_xmit[DPVS_FWD_TUN + 1] = {
	[DPVS_FWD_FNAT] = { "FullNat", fnat_in, fnat_out },
	[DPVS_FWD_NAT] = { "Masq", nat_in, nat_out },
	[DPVS_FWD_DR] = { "Route", dr_in, NULL },
	[DPVS_FWD_TUN] = { "Tunnel", tun_in, NULL },
};
