/* ARP input and request building. */
#include "arp.h"

#include <rte_arp.h>
#include <rte_ether.h>

#include "eth.h"
#include "inetaddr.h"
#include "kni.h"
#include "neigh.h"
#include "netif.h"
#include "pktstats.h"
#include "route.h"

#define ARP_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))

static bool arp_valid(const struct rte_mbuf *m, const struct rte_arp_hdr *a)
{
	return m->data_len >= ARP_LEN &&
	       a->arp_hardware == RTE_BE16(RTE_ARP_HRD_ETHER) &&
	       a->arp_protocol == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	       a->arp_hlen == RTE_ETHER_ADDR_LEN && a->arp_plen == 4;
}

enum target { TGT_OTHER, TGT_LOCAL, TGT_HA_INACTIVE };

/*
 * Whether ip is an address we answer for on port.  An HA address is the
 * peer's while this dpvs does not hold the lease: answering would steal
 * its traffic.
 */
static enum target target_of(uint32_t ip, uint16_t port)
{
	const struct route_entry *r = route_lookup(ip);

	if (!r || r->type != RT_LOCAL || r->port != port)
		return TGT_OTHER;
	if ((r->flags & RT_F_HA) && !inetaddr_ha_active())
		return TGT_HA_INACTIVE;
	return TGT_LOCAL;
}

/*
 * Learns the sender if it sits on a subnet of the receiving port.  As in
 * Linux, only ARP aimed at one of our addresses creates or confirms an
 * entry; gratuitous ARP and ARP between other hosts may only change the
 * MAC of an entry we have, so a spray of strangers cannot fill the table.
 */
static void learn(unsigned lc, uint16_t port, const struct rte_arp_ipv4 *d,
		  bool for_us)
{
	uint32_t sip = rte_be_to_cpu_32(d->arp_sip);
	const struct route_entry *r = route_lookup(sip);

	if (!r || r->port != port || r->type != RT_CONNECTED)
		return;
	switch (neigh_confirm(lc, sip, port, &d->arp_sha,
			      for_us && d->arp_sip != d->arp_tip)) {
	case NEIGH_HEARD_NEWS:
		PKT_INC(lc, arp_learned);
		break;
	case NEIGH_HEARD_IGNORED:
		PKT_INC(lc, arp_ignored);
		break;
	case NEIGH_HEARD_KNOWN:
		break;
	}
}

/* Turns the request in m into our reply and sends it back. */
static void reply(unsigned lc, struct rte_mbuf *m, const struct netif_port *p)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eh + 1);
	struct rte_arp_ipv4 *d = &a->arp_data;
	uint32_t tip = d->arp_tip;

	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&d->arp_sha, &d->arp_tha);
	d->arp_tip = d->arp_sip;
	rte_ether_addr_copy(&p->mac, &d->arp_sha);
	d->arp_sip = tip;
	eth_fill(m, &d->arp_tha, &p->mac, RTE_ETHER_TYPE_ARP);
	rte_pktmbuf_trim(m, m->pkt_len - ARP_LEN);
	PKT_INC(lc, arp_replied);
	netif_xmit(lc, m->port, m);
}

void arp_input(unsigned lc, struct rte_mbuf *m)
{
	struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
							sizeof(struct rte_ether_hdr));
	const struct netif_port *p = netif_port(m->port);
	struct rte_mbuf *copy;
	enum target tgt;
	bool for_us;

	if (!arp_valid(m, a)) {
		PKT_INC(lc, arp_bad);
		rte_pktmbuf_free(m);
		return;
	}
	tgt = target_of(rte_be_to_cpu_32(a->arp_data.arp_tip), m->port);
	for_us = tgt == TGT_LOCAL;
	learn(lc, m->port, &a->arp_data, for_us);
	/* The kernel keeps its own neighbour table from the copies. */
	copy = rte_pktmbuf_copy(m, netif_pktpool(), 0, UINT32_MAX);
	if (copy)
		kni_up(lc, copy);
	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) && for_us) {
		reply(lc, m, p);
		return;
	}
	/* The peer's own announcements of it are not questions. */
	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
	    tgt == TGT_HA_INACTIVE &&
	    a->arp_data.arp_sip != a->arp_data.arp_tip)
		PKT_INC(lc, arp_ha_inactive);
	rte_pktmbuf_free(m);
}

struct rte_mbuf *arp_build_request(uint16_t port, uint32_t src,
				   uint32_t target)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	const struct netif_port *p = netif_port(port);
	struct rte_mbuf *m;
	struct rte_arp_hdr *a;

	if (!p)
		return NULL;
	m = rte_pktmbuf_alloc(netif_pktpool());
	if (!m || !rte_pktmbuf_append(m, ARP_LEN)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eth_fill(m, &bcast, &p->mac, RTE_ETHER_TYPE_ARP);
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
				    sizeof(struct rte_ether_hdr));
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&p->mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = rte_cpu_to_be_32(src);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = rte_cpu_to_be_32(target);
	m->port = port;
	return m;
}

struct rte_mbuf *arp_build_probe(uint16_t port, uint32_t src, uint32_t target,
				 const struct rte_ether_addr *dst)
{
	struct rte_mbuf *m = arp_build_request(port, src, target);

	if (m)
		rte_ether_addr_copy(dst, &rte_pktmbuf_mtod(
				m, struct rte_ether_hdr *)->dst_addr);
	return m;
}
