/*
 * What DPDK's containers take, for the start-up checks' estimate of the
 * memory a configuration needs (docs/dpvs.md, "Start-up checks").
 * Header-only so every owner of a pool can size it without linking more.
 */
#ifndef DPVS_MEM_SIZE_H
#define DPVS_MEM_SIZE_H

#include <stdbool.h>
#include <stdint.h>

static inline uint64_t mem_pow2_ceil(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/*
 * An rte_hash of `entries` keys (22.11's layout): buckets of 8 slots of
 * a cache line each, a key store of 16-byte-rounded (pointer + key)
 * entries, a ring of free slot ids; with lcore_cache (multi-writer add)
 * (RTE_MAX_LCORE - 1) * (LCORE_CACHE_SIZE - 1) slots more.
 */
static inline uint64_t mem_hash_bytes(uint64_t entries, uint32_t key_len,
				      bool lcore_cache)
{
	uint64_t slots = entries + 1 + (lcore_cache ? 127 * 63 : 0);
	uint64_t key_entry = (8 + key_len + 15) / 16 * 16;

	return mem_pow2_ceil(entries) / 8 * 64 + slots * key_entry +
	       mem_pow2_ceil(slots) * 4;
}

/* An rte_mempool: a cache-line header per object, objects rounded to
 * cache lines, and the ring of pointers to the free ones. */
static inline uint64_t mem_mempool_bytes(uint64_t n, uint64_t elt)
{
	return n * (64 + (elt + 63) / 64 * 64) + mem_pow2_ceil(n + 1) * 8;
}

#endif
