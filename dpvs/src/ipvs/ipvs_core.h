/* The load balancer's hooks in the IPv4 and IPv6 paths. */
#ifndef DPVS_IPVS_CORE_H
#define DPVS_IPVS_CORE_H

#include <stdbool.h>

#include <rte_mbuf.h>

#include "net/route.h"

/*
 * A packet to a local address (a VIP or a FullNAT local address), m at
 * its IPv4 header.  True if the load balancer consumed it; false leaves
 * m untouched for the rest of the stack.
 */
bool ipvs_local_in(unsigned lc, struct rte_mbuf *m, const struct route_entry *r);
/* A packet for somebody else: a NAT reply?  Same contract. */
bool ipvs_forward_in(unsigned lc, struct rte_mbuf *m);
/*
 * The same for IPv6 (ipvs_core6.c, net/ipv6.h's struct ipv6_hooks): m at
 * its IPv6 header, p where its L4 header is.
 */
struct ipv6_pkt;
struct route6_entry;
bool ipvs_local_in6(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p,
		    const struct route6_entry *r);
bool ipvs_forward_in6(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p);
/* Worker loop job: packets other workers handed over (both families). */
int ipvs_handover_job(void *arg);

int ipvs_core_init(uint32_t ring_size);
void ipvs_core_fini(void);

#endif
