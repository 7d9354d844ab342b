/* The IPv4 route table: rte_lpm over an array of entries, RCU-protected. */
/* rte_lpm_rcu_qsbr_add is experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API
#include "route.h"

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_lpm.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "core/rcu.h"

static struct rte_lpm *lpm;
static struct route_entry *entries;
static uint32_t nentries;
/* rte_lpm has no depth 0: the default route is held here (-1: none). */
static int64_t default_idx = -1;

/* rte_lpm: the 2^24-entry tbl24, the tbl8s and the rules; our entries. */
uint64_t route_mem_need(uint32_t max_routes)
{
	uint64_t tbl8s = max_routes > 256 ? max_routes : 256;

	return (4ull << 24) + tbl8s * 256 * 4 + max_routes * 8ull +
	       sizeof(*entries) * (uint64_t)max_routes;
}

int route_init(uint32_t max_routes)
{
	struct rte_lpm_config cfg = {
		.max_rules = max_routes,
		/* A tbl8 per /24 holding longer routes (local /32s...): 1 KB each. */
		.number_tbl8s = max_routes > 256 ? max_routes : 256,
	};
	struct rte_lpm_rcu_config rcfg = {
		.v = rcu_qsbr(),
		.mode = RTE_LPM_QSBR_MODE_SYNC,
	};

	lpm = rte_lpm_create("dpvs_routes", SOCKET_ID_ANY, &cfg);
	entries = rte_zmalloc("routes", sizeof(*entries) * max_routes,
			      RTE_CACHE_LINE_SIZE);
	if (!lpm || !entries) {
		LOG_ERRX("route", "cannot create a table of %u routes: %s",
			 max_routes, rte_strerror(rte_errno));
		route_fini();
		return -ENOMEM;
	}
	nentries = max_routes;
	if (rcfg.v && rte_lpm_rcu_qsbr_add(lpm, &rcfg) != 0) {
		LOG_ERRX("route", "cannot attach RCU to the route table");
		route_fini();
		return -ENOMEM;
	}
	return 0;
}

void route_fini(void)
{
	rte_lpm_free(lpm);
	rte_free(entries);
	lpm = NULL;
	entries = NULL;
	nentries = 0;
	default_idx = -1;
}

const struct route_entry *route_lookup(uint32_t dst)
{
	uint32_t idx;

	int64_t def;

	if (rte_lpm_lookup(lpm, dst, &idx) == 0)
		return &entries[idx];
	def = __atomic_load_n(&default_idx, __ATOMIC_ACQUIRE);
	return def >= 0 ? &entries[def] : NULL;
}

/*
 * The routes an rx burst looked up last: its packets share a few
 * destinations (the VIP in, the real server out), each an LPM walk of
 * two dependent loads.  Kept only while netif_rx_job runs: route_del
 * reuses an entry after a grace period, which waits for the worker's
 * next quiescent state, passed between jobs, never inside one.
 */
#define MEMO_WAYS 4

struct route_memo {
	uint32_t dst[MEMO_WAYS];
	const struct route_entry *r[MEMO_WAYS];   /* NULL: empty way */
	bool on;
} __rte_cache_aligned;

static struct route_memo memos[RTE_MAX_LCORE];

void route_burst_begin(unsigned lc)
{
	memset(&memos[lc], 0, sizeof(memos[lc]));
	memos[lc].on = true;
}

/* Forgotten now: the jobs after this one run past quiescent states. */
void route_burst_end(unsigned lc)
{
	memset(&memos[lc], 0, sizeof(memos[lc]));
}

const struct route_entry *route_lookup_lc(unsigned lc, uint32_t dst)
{
	unsigned way = (dst ^ (dst >> 8)) & (MEMO_WAYS - 1);
	struct route_memo *mm;
	const struct route_entry *r;

	if (unlikely(lc >= RTE_MAX_LCORE))
		return route_lookup(dst);
	mm = &memos[lc];
	if (likely(mm->r[way] && mm->dst[way] == dst))
		return mm->r[way];
	r = route_lookup(dst);
	if (mm->on) {
		mm->dst[way] = dst;
		mm->r[way] = r;
	}
	return r;
}

static uint32_t mask_of(uint8_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

struct route_entry *route_find(uint32_t prefix, uint8_t plen)
{
	uint32_t idx;

	if (plen > 32 || !lpm)
		return NULL;
	if (plen == 0)
		return default_idx >= 0 ? &entries[default_idx] : NULL;
	if (rte_lpm_is_rule_present(lpm, prefix & mask_of(plen), plen, &idx) != 1)
		return NULL;
	return &entries[idx];
}

static int alloc_entry(void)
{
	for (uint32_t i = 0; i < nentries; i++)
		if (!entries[i].used)
			return (int)i;
	return -ENOSPC;
}

int route_add(const struct route_entry *r)
{
	int idx;

	if (r->plen > 32 || r->type < RT_LOCAL || r->type > RT_KNI)
		return -EINVAL;
	if (route_find(r->prefix, r->plen))
		return -EEXIST;
	idx = alloc_entry();
	if (idx < 0)
		return idx;
	entries[idx] = *r;
	entries[idx].prefix = r->prefix & mask_of(r->plen);
	entries[idx].used = true;
	/* The entry is complete before the LPM makes it visible. */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	if (r->plen == 0) {
		__atomic_store_n(&default_idx, idx, __ATOMIC_RELEASE);
		return 0;
	}
	if (rte_lpm_add(lpm, entries[idx].prefix, r->plen, (uint32_t)idx) < 0) {
		entries[idx].used = false;
		return -ENOSPC;
	}
	return 0;
}

int route_del(uint32_t prefix, uint8_t plen, uint8_t type)
{
	struct route_entry *e = route_find(prefix, plen);

	if (!e || (type && e->type != type))
		return -ENOENT;
	if (plen == 0)
		__atomic_store_n(&default_idx, -1, __ATOMIC_RELEASE);
	else if (rte_lpm_delete(lpm, e->prefix, plen) < 0)
		return -ENOENT;
	/* Workers may still hold a pointer to it until they pass a QS. */
	rcu_synchronize();
	memset(e, 0, sizeof(*e));
	return 0;
}

int route_del_user(uint32_t prefix, uint8_t plen)
{
	struct route_entry *e = route_find(prefix, plen);

	if (!e)
		return -ENOENT;
	if (e->by_addr)
		return -EPERM;
	return route_del(prefix, plen, 0);
}

void route_walk(void (*fn)(const struct route_entry *r, void *arg), void *arg)
{
	for (uint32_t i = 0; i < nentries; i++)
		if (entries[i].used)
			fn(&entries[i], arg);
}
