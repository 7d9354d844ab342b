/*
 * The IPv6 twin of nat_rewrite.h: addresses and ports of a TCP/UDP
 * packet rewritten with incremental checksum updates (two 16-byte
 * addresses, two ports).  IPv6 has no header checksum, and extension
 * headers between the fixed header and L4 are not part of the L4 sum,
 * so they stay as they are.  Kept apart so golden-packet tests can check
 * it against full recomputation.
 */
#ifndef DPVS_NAT_REWRITE6_H
#define DPVS_NAT_REWRITE6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "ipvs_proto.h"
#include "net/csum6.h"

static inline void nat6_addr(uint8_t *field, const struct in6_addr *to,
			     uint16_t *ck, bool l4ck)
{
	struct in6_addr from;

	if (memcmp(field, to, sizeof(*to)) == 0)
		return;
	memcpy(&from, field, sizeof(from));
	if (l4ck)
		*ck = csum_replace16(*ck, &from, to);
	memcpy(field, to, sizeof(*to));
}

/*
 * Rewrites source and destination (addresses in network order, ports in
 * host order) of the packet whose L4 header is at l4; pp: the L4
 * protocol's.  l4_len: the L4 bytes the packet carries, l4_seg: those in
 * l4's segment.  A UDP datagram with checksum 0 (illegal in IPv6, RFC
 * 8200 8.1, but a v4 habit) gets its checksum computed whole, which
 * needs the whole datagram in one segment: false when it is not (the
 * packet is left half-written and must be dropped).
 */
static inline bool nat_rewrite6(struct rte_ipv6_hdr *ip6, void *l4,
				const struct ipvs_proto *pp,
				const struct in6_addr *saddr,
				const struct in6_addr *daddr, uint16_t sport,
				uint16_t dport, uint32_t l4_len, uint32_t l4_seg)
{
	uint16_t *ports = l4; /* source, destination (struct ipvs_proto) */
	uint16_t *ck = (uint16_t *)((char *)l4 + pp->csum_off);
	uint16_t nsp = rte_cpu_to_be_16(sport), ndp = rte_cpu_to_be_16(dport);
	bool whole = pp->csum_optional && *ck == 0;

	nat6_addr(ip6->src_addr, saddr, ck, !whole);
	nat6_addr(ip6->dst_addr, daddr, ck, !whole);
	if (ports[0] != nsp && !whole)
		*ck = csum_replace2(*ck, ports[0], nsp);
	if (ports[1] != ndp && !whole)
		*ck = csum_replace2(*ck, ports[1], ndp);
	ports[0] = nsp;
	ports[1] = ndp;
	if (whole) {
		if (l4_seg < l4_len)
			return false;
		*ck = csum6_l4(saddr, daddr, pp->proto, l4, l4_len);
	} else if (pp->csum_optional && *ck == 0) {
		*ck = 0xffff; /* 0 would mean "no checksum" */
	}
	return true;
}

#endif
