/* ARP: answers for local addresses, learns neighbours, resolves next hops. */
#ifndef DPVS_ARP_H
#define DPVS_ARP_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/* Worker: consumes an ARP frame (a copy always goes to the kernel path). */
void arp_input(unsigned lcore, struct rte_mbuf *m);

/*
 * Builds an ARP request for `target` from `src` on `port` (gratuitous when
 * target == src).  NULL if no mbuf.
 */
struct rte_mbuf *arp_build_request(uint16_t port, uint32_t src,
				   uint32_t target);
/* The same request sent only to dst: a probe of a neighbour we know. */
struct rte_mbuf *arp_build_probe(uint16_t port, uint32_t src, uint32_t target,
				 const struct rte_ether_addr *dst);

#endif
