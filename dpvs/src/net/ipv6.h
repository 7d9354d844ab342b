/* IPv6 input (validation, local delivery, forwarding) and output. */
#ifndef DPVS_IPV6_H
#define DPVS_IPV6_H

#include <stdbool.h>

#include <netinet/in.h>
#include <rte_mbuf.h>

#include "ipv6_parse.h"
#include "route6.h"

/*
 * Where the load balancer takes packets out of the IPv6 path, as
 * ipv4_hooks: m at its IPv6 header, p its parsed chain; true if the
 * hook consumed m.  Set once, before the workers start.
 */
struct ipv6_hooks {
	bool (*local_in)(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p,
			 const struct route6_entry *r);
	bool (*forward_in)(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p);
};
/* NULL restores the defaults (take nothing). */
void ipv6_set_hooks(const struct ipv6_hooks *h);
void ipv6_set_forwarding(bool on);
/* false: every IPv6 frame goes to the kernel path (ipv6.enable). */
void ipv6_set_enabled(bool on);

/* Worker: consumes m, which starts at its ethernet header. */
void ipv6_input(unsigned lc, struct rte_mbuf *m);
/* Worker: routes m (at its IPv6 header) if forwarding is on; consumes m. */
void ipv6_forward(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p);
/*
 * Worker: routes nh_dst (DR: the real server, not the header's dst) and
 * hands m, at its IPv6 header, to the neighbour layer.  Consumes m;
 * false if there was no route out (ip6_no_route, m freed).
 */
bool ipv6_output(unsigned lc, struct rte_mbuf *m, const struct in6_addr *nh_dst);

#endif
