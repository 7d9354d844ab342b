/* IPv4 input (validation, local delivery, forwarding) and ICMP echo. */
#ifndef DPVS_IPV4_H
#define DPVS_IPV4_H

#include <stdbool.h>

#include <rte_mbuf.h>

void ipv4_set_forwarding(bool on);
/* Worker: consumes m, which starts at its ethernet header. */
void ipv4_input(unsigned lcore, struct rte_mbuf *m);
/* Worker: routes m (at its IPv4 header) if forwarding is on; consumes m. */
void ipv4_forward(unsigned lcore, struct rte_mbuf *m);

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
