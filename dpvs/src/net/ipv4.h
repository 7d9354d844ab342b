/* IPv4 input (validation, local delivery, forwarding) and ICMP echo. */
#ifndef DPVS_IPV4_H
#define DPVS_IPV4_H

#include <stdbool.h>

#include <rte_mbuf.h>

#include "route.h"

void ipv4_set_forwarding(bool on);

/*
 * Where a layer above (the load balancer) takes packets out of the IPv4
 * path, as netfilter's hooks: m at its IPv4 header; true if the hook
 * consumed m, false leaves it untouched for the rest of the stack.
 * Set once, before the workers start; without hooks nothing is taken.
 * One indirect call per packet: the rx path hands the stack one packet
 * at a time, so there is no burst to hook instead.
 */
struct ipv4_hooks {
	/* To a local address (r: its RT_LOCAL route). */
	bool (*local_in)(unsigned lc, struct rte_mbuf *m,
			 const struct route_entry *r);
	/* For somebody else, before it is forwarded. */
	bool (*forward_in)(unsigned lc, struct rte_mbuf *m);
};
/* NULL restores the defaults (take nothing). */
void ipv4_set_hooks(const struct ipv4_hooks *h);

/* Worker: consumes m, which starts at its ethernet header. */
void ipv4_input(unsigned lcore, struct rte_mbuf *m);
/* Worker: routes m (at its IPv4 header) if forwarding is on; consumes m. */
void ipv4_forward(unsigned lcore, struct rte_mbuf *m);
/*
 * Worker: the one route-then-neighbour output.  Sends m (at its IPv4
 * header, TTL and checksum final) towards dst: looks up the route, takes
 * the gateway as next hop if it has one, and hands m to the neighbour
 * layer (which queues it while the next hop is unresolved).  Consumes m;
 * false if there was no route out (counted ip_no_route, m freed).
 */
bool ipv4_output(unsigned lcore, struct rte_mbuf *m, uint32_t dst);

/*
 * The checks every received header must pass, without side effects
 * (golden-packet tests call it directly).  Returns 0 or the pktstats
 * counter offset of the reason it failed.
 */
enum ipv4_verdict {
	IPV4_OK = 0,
	IPV4_BAD_HDR,
	IPV4_BAD_CSUM,
	IPV4_BAD_LEN,
};
enum ipv4_verdict ipv4_check(const void *iph, uint32_t avail, bool csum_ok);

#endif
