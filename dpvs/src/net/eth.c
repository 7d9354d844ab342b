/* Ethernet input. */
#include "eth.h"

#include <rte_ether.h>

#include "arp.h"
#include "ipv4.h"
#include "ipv6.h"
#include "kni.h"
#include "netif.h"
#include "pktstats.h"

void eth_fill(struct rte_mbuf *m, const struct rte_ether_addr *dst,
	      const struct rte_ether_addr *src, uint16_t type)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(type);
}

void eth_input(unsigned lc, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;
	const struct netif_port *p = netif_port(m->port);

	if (unlikely(m->data_len < sizeof(*eh) || !p)) {
		PKT_INC(lc, eth_short);
		rte_pktmbuf_free(m);
		return;
	}
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/* Promiscuous ports see other hosts' unicast: not ours to handle. */
	if (!rte_is_multicast_ether_addr(&eh->dst_addr) &&
	    !rte_is_same_ether_addr(&eh->dst_addr, &p->mac)) {
		PKT_INC(lc, eth_other);
		rte_pktmbuf_free(m);
		return;
	}
	switch (eh->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		ipv4_input(lc, m);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		ipv6_input(lc, m);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		arp_input(lc, m);
		break;
	default:
		kni_up(lc, m);
		break;
	}
}
