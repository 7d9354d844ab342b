/*
 * Incremental Internet checksum updates (RFC 1624: HC' = ~(~HC + ~m + m')).
 * NAT rewrites a few words of a packet; recomputing whole checksums would
 * touch every payload byte.
 */
#ifndef DPVS_CSUM_H
#define DPVS_CSUM_H

#include <stdint.h>

static inline uint16_t csum_fold32(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Checksum (network order as stored) after a 16-bit field changed. */
static inline uint16_t csum_replace2(uint16_t check, uint16_t from, uint16_t to)
{
	uint32_t s = (uint16_t)~check;

	s += (uint16_t)~from;
	s += to;
	return (uint16_t)~csum_fold32(s);
}

/* Checksum after a 32-bit field (an address) changed. */
static inline uint16_t csum_replace4(uint16_t check, uint32_t from, uint32_t to)
{
	uint32_t s = (uint16_t)~check;

	s += (uint16_t)~(from & 0xffff);
	s += (uint16_t)~(from >> 16);
	s += to & 0xffff;
	s += to >> 16;
	return (uint16_t)~csum_fold32(s);
}

#endif
