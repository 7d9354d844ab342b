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

/*
 * Rewrites addresses and ports (host order in, network order stored) and
 * fixes the IP and L4 checksums incrementally; pp: the L4 protocol's.
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

	if (ip->src_addr != ns) {
		ip->hdr_checksum = csum_replace4(ip->hdr_checksum, ip->src_addr, ns);
		if (l4ck)
			*ck = csum_replace4(*ck, ip->src_addr, ns);
		ip->src_addr = ns;
	}
	if (ip->dst_addr != nd) {
		ip->hdr_checksum = csum_replace4(ip->hdr_checksum, ip->dst_addr, nd);
		if (l4ck)
			*ck = csum_replace4(*ck, ip->dst_addr, nd);
		ip->dst_addr = nd;
	}
	if (ports[0] != nsp) {
		if (l4ck)
			*ck = csum_replace2(*ck, ports[0], nsp);
		ports[0] = nsp;
	}
	if (ports[1] != ndp) {
		if (l4ck)
			*ck = csum_replace2(*ck, ports[1], ndp);
		ports[1] = ndp;
	}
	if (pp->csum_optional && l4ck && *ck == 0)
		*ck = 0xffff; /* 0 would mean "no checksum" */
}

#endif
