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
#include <rte_tcp.h>
#include <rte_udp.h>

#include "net/csum.h"

static inline uint16_t *l4_csum(uint8_t proto, void *l4)
{
	if (proto == IPPROTO_TCP)
		return &((struct rte_tcp_hdr *)l4)->cksum;
	return &((struct rte_udp_hdr *)l4)->dgram_cksum;
}

/*
 * Rewrites addresses and ports (host order in, network order stored) and
 * fixes the IP and L4 checksums incrementally.
 */
static inline void nat_rewrite(struct rte_ipv4_hdr *ip, void *l4, uint8_t proto,
		    uint32_t saddr, uint32_t daddr, uint16_t sport,
		    uint16_t dport)
{
	uint16_t *ports = l4; /* source, destination: first in TCP and UDP */
	uint16_t *ck = l4_csum(proto, l4);
	bool l4ck = proto == IPPROTO_TCP || *ck != 0; /* UDP 0: no checksum */
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
	if (proto == IPPROTO_UDP && l4ck && *ck == 0)
		*ck = 0xffff; /* 0 would mean "no checksum" */
}

#endif
