/*
 * The IPv6 route table: an array of entries, an rte_hash from (masked
 * prefix, plen) to the entry, and the prefix lengths in use, longest
 * first, published by RCU.  A lookup probes one hash per length, so
 * its cost is the number of distinct lengths (docs/network.md "IPv6").
 *
 * As route.c: an entry is written whole before the hash (and, for a new
 * length, the length list) publishes it, and after a delete it is zeroed
 * and its hash slot freed only after rcu_synchronize(), so a worker
 * never sees a slot reused under it.
 */
#include "route6.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "core/rcu.h"
#include "inet6addr.h"
#include "inet_addr.h"

#define PLEN_MAX 128

struct r6_key {
	struct in6_addr prefix;
	uint8_t plen;
	uint8_t pad[3];
};

/* The lengths probed by lookups, longest first (0 is the default route). */
struct r6_plens {
	uint32_t n;
	uint8_t len[PLEN_MAX];
};

static const struct r6_plens no_plens;
static const struct r6_plens *plens = &no_plens;
static uint32_t plen_routes[PLEN_MAX + 1];   /* master: routes per length */
static struct rte_hash *hash;
static struct route6_entry *entries;
static uint32_t nentries, nused;
static int64_t default_idx = -1;

/* The mask of each prefix length as two network-order words. */
static uint64_t mask_w[PLEN_MAX + 1][2];

static void masks_init(void)
{
	for (unsigned len = 0; len <= PLEN_MAX; len++)
		for (unsigned w = 0; w < 2; w++) {
			unsigned bits = len > 64 * w ? RTE_MIN(len - 64 * w, 64u) : 0;

			mask_w[len][w] = bits ? rte_cpu_to_be_64(~0ull << (64 - bits)) : 0;
		}
}

/* a & plen's mask; a need not be aligned as a union inet_addr is. */
static struct in6_addr masked(const struct in6_addr *a, uint8_t plen)
{
	union inet_addr m;

	memcpy(&m, a, sizeof(m));
	m.w[0] &= mask_w[plen][0];
	m.w[1] &= mask_w[plen][1];
	return m.in6;
}

static void make_key(struct r6_key *k, const struct in6_addr *a, uint8_t plen)
{
	k->prefix = masked(a, plen);
	k->plen = plen;
	memset(k->pad, 0, sizeof(k->pad));
}

/* rte_hash's size for n keys: the table always takes max_routes keys. */
static uint32_t hash_entries(uint32_t max_routes)
{
	return max_routes < 8 ? 8 : max_routes;
}

/*
 * rte_hash rounds to a power of two: buckets of 8 (64 bytes, twice with
 * the extendable table), 32-byte key slots, a free-slot ring of 4 bytes
 * each (twice), plus our entries and fixed parts.
 */
uint64_t route6_mem_need(uint32_t max_routes)
{
	uint64_t n = rte_align32pow2(hash_entries(max_routes) + 1);

	return n / 8 * 64 * 2 + n * 2 * 32 + n * 4 * 2 * 2 +
	       sizeof(struct route6_entry) * (uint64_t)max_routes + (64 << 10);
}

int route6_init(uint32_t max_routes)
{
	struct rte_hash_parameters hp = {
		.name = "dpvs_routes6",
		.entries = hash_entries(max_routes),
		.key_len = sizeof(struct r6_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* Every key fits (no cuckoo failures before max_routes). */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	if (max_routes == 0)
		return -EINVAL;
	masks_init();
	hash = rte_hash_create(&hp);
	entries = rte_zmalloc("routes6", sizeof(*entries) * max_routes,
			      RTE_CACHE_LINE_SIZE);
	if (!hash || !entries) {
		LOG_ERRX("route6", "cannot create a table of %u routes: %s",
			 max_routes, rte_strerror(rte_errno));
		route6_fini();
		return -ENOMEM;
	}
	nentries = max_routes;
	return 0;
}

void route6_fini(void)
{
	rte_hash_free(hash);
	rte_free(entries);
	if (plens != &no_plens)
		free((void *)(uintptr_t)plens);
	plens = &no_plens;
	memset(plen_routes, 0, sizeof(plen_routes));
	hash = NULL;
	entries = NULL;
	nentries = nused = 0;
	default_idx = -1;
}

const struct route6_entry *route6_lookup(const struct in6_addr *dst)
{
	const struct r6_plens *pl = __atomic_load_n(&plens, __ATOMIC_ACQUIRE);
	struct r6_key k;
	void *data;
	int64_t def;

	for (uint32_t i = 0; i < pl->n; i++) {
		make_key(&k, dst, pl->len[i]);
		if (rte_hash_lookup_data(hash, &k, &data) >= 0)
			return &entries[(uintptr_t)data];
	}
	def = __atomic_load_n(&default_idx, __ATOMIC_ACQUIRE);
	return def >= 0 ? &entries[def] : NULL;
}

struct route6_entry *route6_find(const struct in6_addr *prefix, uint8_t plen)
{
	struct r6_key k;
	void *data;

	if (plen > PLEN_MAX || !hash)
		return NULL;
	if (plen == 0)
		return default_idx >= 0 ? &entries[default_idx] : NULL;
	make_key(&k, prefix, plen);
	if (rte_hash_lookup_data(hash, &k, &data) < 0)
		return NULL;
	return &entries[(uintptr_t)data];
}

/*
 * A new length list from plen_routes, published; the old one is the
 * caller's to free after a grace period.  NULL: no memory.
 */
static const struct r6_plens *plens_publish(void)
{
	const struct r6_plens *old = plens;
	struct r6_plens *pl = calloc(1, sizeof(*pl));

	if (!pl)
		return NULL;
	for (int len = PLEN_MAX; len >= 1; len--)
		if (plen_routes[len])
			pl->len[pl->n++] = (uint8_t)len;
	__atomic_store_n(&plens, pl, __ATOMIC_RELEASE);
	return old;
}

static void plens_free(const struct r6_plens *old)
{
	if (old && old != &no_plens)
		free((void *)(uintptr_t)old);
}

static int alloc_entry(void)
{
	for (uint32_t i = 0; i < nentries; i++)
		if (!entries[i].used)
			return (int)i;
	return -ENOSPC;
}

static bool valid(const struct route6_entry *r)
{
	if (r->plen > PLEN_MAX || r->type < RT_LOCAL || r->type > RT_KNI)
		return false;
	if (r->plen >= 8 && ipv6_is_multicast(&r->prefix))
		return false;
	if (r->type == RT_GATEWAY &&
	    (ipv6_is_unspecified(&r->gw) || ipv6_is_multicast(&r->gw)))
		return false;
	return true;
}

/* Publishes entry idx under its key (plen > 0); the length list if new. */
static int publish(uint32_t idx)
{
	const struct route6_entry *e = &entries[idx];
	const struct r6_plens *old = NULL;
	struct r6_key k;

	make_key(&k, &e->prefix, e->plen);
	if (rte_hash_add_key_data(hash, &k, (void *)(uintptr_t)idx) < 0)
		return -ENOSPC;
	if (plen_routes[e->plen]++ == 0) {
		old = plens_publish();
		if (!old) {
			int32_t pos = rte_hash_del_key(hash, &k);

			plen_routes[e->plen]--;
			rcu_synchronize();
			if (pos >= 0)
				rte_hash_free_key_with_position(hash, pos);
			return -ENOMEM;
		}
		/* Lookups may still walk the old list: free it after them. */
		rcu_synchronize();
		plens_free(old);
	}
	return 0;
}

int route6_add(const struct route6_entry *r)
{
	int idx, rc;

	if (!hash)
		return -EAFNOSUPPORT;
	if (!valid(r))
		return -EINVAL;
	if (route6_find(&r->prefix, r->plen))
		return -EEXIST;
	idx = alloc_entry();
	if (idx < 0)
		return idx;
	entries[idx] = *r;
	entries[idx].prefix = masked(&r->prefix, r->plen);
	entries[idx].used = true;
	/* The entry is complete before the hash or the index publishes it. */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	if (r->plen == 0) {
		__atomic_store_n(&default_idx, idx, __ATOMIC_RELEASE);
	} else {
		rc = publish((uint32_t)idx);
		if (rc < 0) {
			memset(&entries[idx], 0, sizeof(entries[idx]));
			return rc;
		}
	}
	nused++;
	return 0;
}

int route6_del(const struct in6_addr *prefix, uint8_t plen, uint8_t type)
{
	struct route6_entry *e = route6_find(prefix, plen);
	const struct r6_plens *old = NULL;
	int32_t pos = -1;
	struct r6_key k;

	if (!e || (type && e->type != type))
		return -ENOENT;
	if (plen == 0) {
		__atomic_store_n(&default_idx, -1, __ATOMIC_RELEASE);
	} else {
		make_key(&k, prefix, plen);
		pos = rte_hash_del_key(hash, &k);
		if (pos < 0)
			return -ENOENT;
		/* Without memory the old list stays: a useless probe, no harm. */
		if (--plen_routes[plen] == 0)
			old = plens_publish();
	}
	/* Workers may still hold the entry, its key or the old list. */
	rcu_synchronize();
	if (pos >= 0)
		rte_hash_free_key_with_position(hash, pos);
	plens_free(old);
	memset(e, 0, sizeof(*e));
	nused--;
	return 0;
}

int route6_del_user(const struct in6_addr *prefix, uint8_t plen)
{
	struct route6_entry *e = route6_find(prefix, plen);

	if (!e)
		return -ENOENT;
	if (e->by_addr)
		return -EPERM;
	return route6_del(prefix, plen, 0);
}

void route6_walk(void (*fn)(const struct route6_entry *r, void *arg), void *arg)
{
	for (uint32_t i = 0; i < nentries; i++)
		if (entries[i].used)
			fn(&entries[i], arg);
}

void route6_usage(uint32_t *used, uint32_t *size, uint32_t *nplens)
{
	*used = nused;
	*size = nentries;
	*nplens = plens->n + (default_idx >= 0);
}

bool route6_source(const struct route6_entry *r, const struct in6_addr *dst,
		   struct in6_addr *src)
{
	(void)dst;
	if (!r)
		return false;
	if (!ipv6_is_unspecified(&r->src)) {
		*src = r->src;
		return true;
	}
	return inet6addr_port_source(r->port, src);
}
