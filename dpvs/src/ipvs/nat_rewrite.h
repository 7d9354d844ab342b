/*
 * Rewriting addresses and ports of a TCP/UDP packet with incremental
 * checksum updates: the pure per-packet part of NAT and FullNAT, kept
 * apart so golden-packet tests can check it against full recomputation.
 */
#ifndef DPVS_NAT_REWRITE_H
#define DPVS_NAT_REWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ipvs_proto.h"
#include "net/csum.h"

/* RFC 1624's ~m + m' of a 32-bit field, unfolded: 0xffff's if unchanged. */
static inline uint32_t nat_delta4(uint32_t from, uint32_t to)
{
	return (uint32_t)(uint16_t)~(from & 0xffff) + (uint16_t)~(from >> 16) +
	       (to & 0xffff) + (to >> 16);
}

/*
 * Rewrites addresses and ports (host order in, network order stored) and
 * fixes the IP and L4 checksums incrementally; pp: the L4 protocol's.
 * One sum of every field's change per checksum, folded once: FullNAT
 * changes all four, and a fold per field was a third of the rewrite.  An
 * unchanged field adds ~x + x, one's complement zero, as RFC 1624 allows.
 */
static inline void nat_rewrite(struct rte_ipv4_hdr *ip, void *l4,
			       const struct ipvs_proto *pp, uint32_t saddr,
			       uint32_t daddr, uint16_t sport, uint16_t dport)
{
	uint16_t *ports = l4; /* source, destination (struct ipvs_proto) */
	uint16_t *ck = (uint16_t *)((char *)l4 + pp->csum_off);
	bool l4ck = !pp->csum_optional || *ck != 0;
	uint32_t ns = rte_cpu_to_be_32(saddr), nd = rte_cpu_to_be_32(daddr);
	uint16_t nsp = rte_cpu_to_be_16(sport), ndp = rte_cpu_to_be_16(dport);
	uint32_t a = nat_delta4(ip->src_addr, ns) + nat_delta4(ip->dst_addr, nd);

	ip->hdr_checksum = (uint16_t)~csum_fold32((uint16_t)~ip->hdr_checksum + a);
	ip->src_addr = ns;
	ip->dst_addr = nd;
	if (l4ck) {
		a += (uint32_t)(uint16_t)~ports[0] + nsp +
		     (uint16_t)~ports[1] + ndp + (uint16_t)~*ck;
		*ck = (uint16_t)~csum_fold32(a);
		if (pp->csum_optional && *ck == 0)
			*ck = 0xffff; /* 0 would mean "no checksum" */
	}
	ports[0] = nsp;
	ports[1] = ndp;
}

#endif
