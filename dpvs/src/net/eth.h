/* Ethernet input: the first classification of every received frame. */
#ifndef DPVS_ETH_H
#define DPVS_ETH_H

#include <rte_ether.h>
#include <rte_mbuf.h>

/* Consumes m: answers it, forwards it, hands it to the kernel or drops it. */
void eth_input(unsigned lcore, struct rte_mbuf *m);

/* Fills the ethernet header of an outgoing frame (m starts at it). */
void eth_fill(struct rte_mbuf *m, const struct rte_ether_addr *dst,
	      const struct rte_ether_addr *src, uint16_t type);

#endif
