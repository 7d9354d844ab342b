/*
 * Checksums over IPv6's pseudo-header (RFC 8200 8.1), whole and
 * incremental (RFC 1624: HC' = ~(~HC + ~m + m')).  ICMPv6 sums its
 * messages whole; the load balancer's v6 rewrite changes a 16-byte
 * address and a port without touching the payload again.
 */
#ifndef DPVS_CSUM6_H
#define DPVS_CSUM6_H

#include <stdint.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_ip.h>

#include "csum.h"

/* Unfolded sum of the pseudo-header: addresses, upper-layer length, proto. */
static inline uint32_t csum6_pseudo(const void *s, const void *d, uint32_t len,
				    uint8_t proto)
{
	uint32_t sum = rte_raw_cksum(s, 16) + (uint32_t)rte_raw_cksum(d, 16);

	/* The 32-bit length and the next header, as big-endian words. */
	sum += rte_cpu_to_be_16((uint16_t)(len >> 16)) +
	       (uint32_t)rte_cpu_to_be_16((uint16_t)len) +
	       rte_cpu_to_be_16(proto);
	return sum;
}

/*
 * The checksum field for len bytes of l4 (its own checksum field zero).
 * Addresses (s, d: 16 bytes each) may sit anywhere in a packet.
 */
static inline uint16_t csum6_l4(const void *s, const void *d, uint8_t proto,
				const void *l4, uint32_t len)
{
	uint32_t sum = csum6_pseudo(s, d, len, proto) + rte_raw_cksum(l4, len);
	uint16_t c = (uint16_t)~csum_fold32(csum_fold32(sum));

	/* UDP sends 0 as "none": a computed 0 goes out as its complement. */
	return c == 0 && proto == IPPROTO_UDP ? 0xffff : c;
}

/* Whether len bytes of l4 (checksum field included) sum to zero. */
static inline int csum6_l4_ok(const void *s, const void *d, uint8_t proto,
			      const void *l4, uint32_t len)
{
	uint32_t sum = csum6_pseudo(s, d, len, proto) + rte_raw_cksum(l4, len);

	return csum_fold32(csum_fold32(sum)) == 0xffff;
}

/* Checksum after a 128-bit field (an address) changed from `from` to `to`. */
static inline uint16_t csum_replace16(uint16_t check, const void *from, const void *to)
{
	uint32_t s = (uint16_t)~check;
	uint16_t f[8], t[8];

	memcpy(f, from, sizeof(f));
	memcpy(t, to, sizeof(t));
	for (unsigned i = 0; i < 8; i++) {
		s += (uint16_t)~f[i];
		s += t[i];
	}
	return (uint16_t)~csum_fold32(s);
}

#endif
