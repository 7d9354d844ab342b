/*
 * Index sub-identifiers of a row: numbers, IpAddress (4 sub-ids) and
 * InetAddressType + InetAddress (RFC 4001 4.1: type, length, bytes; not
 * IMPLIED).  Apart from mibtable.c so that test_snmp_idx links it alone.
 */
#include <arpa/inet.h>

#include "agent.h"

void mib_idx_u32(struct mib_row *r, uint32_t v)
{
	if (r && r->idxlen < MIB_IDX_MAX)
		r->idx[r->idxlen++] = v;
}

void mib_idx_ip(struct mib_row *r, uint32_t addr_net)
{
	const uint8_t *b = (const uint8_t *)&addr_net;

	for (int i = 0; i < 4; i++)
		mib_idx_u32(r, b[i]);
}

void mib_idx_inet(struct mib_row *r, uint8_t af, uint32_t addr_net,
		  const struct in6_addr *addr6)
{
	if (af != AF_INET6) {
		mib_idx_u32(r, 1);     /* ipv4(1) */
		mib_idx_u32(r, 4);
		mib_idx_ip(r, addr_net);
		return;
	}
	mib_idx_u32(r, 2);             /* ipv6(2) */
	mib_idx_u32(r, 16);
	for (int i = 0; i < 16; i++)
		mib_idx_u32(r, addr6->s6_addr[i]);
}
