/*
 * The local addresses' port sets by address, for the workers: a FullNAT
 * reply's destination names its set, whose port slots name its conn
 * (ipvs_port_owner_find).  Open addressing over pointers, written by
 * the master only: a set goes in with one store, leaves as a tombstone,
 * and the table is rebuilt (then the old one freed after a grace period)
 * when tombstones and sets fill half of it.  A filter of one bit an
 * address hash lets the packets to other addresses (a VIP's) leave
 * after one line, likely in cache.
 */
#include "ipvs_ports_int.h"

#include <errno.h>
#include <sys/socket.h>

#include <rte_malloc.h>

#include "core/mem_size.h"
#include "core/rcu.h"

#define FILTER_BITS 65536u
#define TOMB ((struct port_set *)1)

struct ports_tab {
	uint32_t mask;       /* slots - 1 */
	uint32_t filled;     /* sets and tombstones */
	uint64_t filter[FILTER_BITS / 64];
	struct port_set *slot[];
};

static struct ports_tab *tab;   /* published with release, read acquire */
static uint32_t nsets;          /* master */

static uint64_t addr_hash(uint8_t af, const union inet_addr *a)
{
	uint64_t x = af == AF_INET ? a->in4 : a->w[0] ^ (a->w[1] * 31) ^ af;

	return x * 0x9e3779b97f4a7c15ull;
}

static bool filter_has(const struct ports_tab *t, uint64_t h)
{
	uint32_t f = (uint32_t)(h >> 16) & (FILTER_BITS - 1);

	return (t->filter[f / 64] >> (f % 64)) & 1;
}

static void put(struct ports_tab *t, struct port_set *ps)
{
	uint64_t h = addr_hash(ps->af, &ps->addr);
	uint32_t f = (uint32_t)(h >> 16) & (FILTER_BITS - 1), i;

	__atomic_or_fetch(&t->filter[f / 64], 1ull << (f % 64), __ATOMIC_RELEASE);
	for (i = (uint32_t)(h >> 32) & t->mask; t->slot[i];
	     i = (i + 1) & t->mask)
		;
	__atomic_store_n(&t->slot[i], ps, __ATOMIC_RELEASE);
	t->filled++;
}

struct port_set *ports_tab_find(uint8_t af, const union inet_addr *addr)
{
	const struct ports_tab *t = __atomic_load_n(&tab, __ATOMIC_ACQUIRE);
	uint64_t h = addr_hash(af, addr);

	if (!t || !filter_has(t, h))
		return NULL;
	/* At least half the slots are empty: the probe ends. */
	for (uint32_t i = (uint32_t)(h >> 32) & t->mask;; i = (i + 1) & t->mask) {
		struct port_set *ps = __atomic_load_n(&t->slot[i],
						      __ATOMIC_ACQUIRE);

		if (!ps)
			return NULL;
		if (ps != TOMB && ps->af == af && inet_addr_eq(&ps->addr, addr))
			return ps;
	}
}

/* A table for n sets without tombstones, the old one's sets in it. */
static int rebuild(uint32_t n)
{
	uint32_t slots = (uint32_t)mem_pow2_ceil(n < 16 ? 64 : (uint64_t)n * 4);
	struct ports_tab *t = rte_zmalloc("ports_tab", sizeof(*t) +
					  sizeof(t->slot[0]) * slots, 0);
	struct ports_tab *old = tab;

	if (!t)
		return -ENOMEM;
	t->mask = slots - 1;
	for (uint32_t i = 0; old && i <= old->mask; i++)
		if (old->slot[i] && old->slot[i] != TOMB)
			put(t, old->slot[i]);
	__atomic_store_n(&tab, t, __ATOMIC_RELEASE);
	if (old) {
		rcu_synchronize();
		rte_free(old);
	}
	return 0;
}

int ports_tab_add(struct port_set *ps)
{
	if ((!tab || (tab->filled + 1) * 2 > tab->mask + 1) &&
	    rebuild(nsets + 1) < 0)
		return -ENOMEM;
	put(tab, ps);
	nsets++;
	return 0;
}

void ports_tab_del(const struct port_set *ps)
{
	uint64_t h;

	if (!tab)
		return;
	h = addr_hash(ps->af, &ps->addr);
	for (uint32_t i = (uint32_t)(h >> 32) & tab->mask; tab->slot[i];
	     i = (i + 1) & tab->mask)
		if (tab->slot[i] == ps) {
			__atomic_store_n(&tab->slot[i], TOMB, __ATOMIC_RELEASE);
			nsets--;
			return;
		}
}

void ports_tab_fini(void)
{
	rte_free(tab);
	tab = NULL;
	nsets = 0;
}
