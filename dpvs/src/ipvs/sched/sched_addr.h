/*
 * Addresses of both families folded into the 64-bit keys the hashing
 * schedulers (sh, dh, mh, conhash, lblc, lblcr) work on.  A v4 address
 * is its own key, as it always was, so v4 choices never move; a v6 one
 * is mixed down from both halves, so every bit of it counts.  libc only.
 */
#ifndef DPVS_SCHED_ADDR_H
#define DPVS_SCHED_ADDR_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/*
 * splitmix64's finaliser over key and seed: every input bit flips about
 * half the output bits, so neighbouring addresses land far apart.  No
 * random seed: every worker, and every rebuild, must hash alike.
 */
static inline uint64_t sched_hash(uint64_t key, uint64_t seed)
{
	uint64_t x = key + (seed + 1) * 0x9e3779b97f4a7c15ull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Seeds of the two halves of a v6 address: the fold is not symmetric. */
#define SCHED_SEED_V6_HI 0x5ca1ab1eull
#define SCHED_SEED_V6_LO 0x0ddba11ull

static inline uint64_t sched_addr_key(uint8_t af, uint32_t v4, const uint8_t *v6)
{
	uint64_t hi, lo;

	if (af != AF_INET6)
		return v4;
	memcpy(&hi, v6, sizeof(hi));
	memcpy(&lo, v6 + 8, sizeof(lo));
	return sched_hash(hi, SCHED_SEED_V6_HI) ^ sched_hash(lo, SCHED_SEED_V6_LO);
}

#endif
