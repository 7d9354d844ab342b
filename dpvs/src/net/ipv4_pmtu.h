/*
 * Packets too big for the port they leave by: the IPv4 fragments of one,
 * or the ICMP "fragmentation needed" that tells its sender to send less.
 * Pure mbuf work (no routing, no counters) so it can be tested alone.
 */
#ifndef DPVS_IPV4_PMTU_H
#define DPVS_IPV4_PMTU_H

#include <stdint.h>

#include <rte_mbuf.h>

/* Fragments of one packet at most; more: ipv4_fragment refuses. */
#define IPV4_FRAG_MAX 64

/*
 * Splits m (at its IPv4 header, DF clear) into fragments of at most mtu
 * bytes each, new mbufs from mp, IP id id.  The header is copied into
 * every fragment: options are not filtered, so use it on headers without
 * (the tunnel's).  Returns the number of fragments in out, or -1 (none
 * made: no mbuf, or too many).  m itself is left to the caller.
 */
int ipv4_fragment(const struct rte_mbuf *m, uint32_t mtu, uint16_t id,
		  struct rte_mempool *mp, struct rte_mbuf **out);

/*
 * ICMP destination unreachable, fragmentation needed, from src to the
 * sender of m's packet (m at its IPv4 header), saying next_mtu; it
 * quotes the packet's header and start as routers do.  NULL if m is not
 * one to answer (a non-first fragment, an ICMP error) or no mbuf.
 */
struct rte_mbuf *ipv4_frag_needed(const struct rte_mbuf *m, uint32_t src,
				  uint16_t next_mtu, struct rte_mempool *mp);

#endif
