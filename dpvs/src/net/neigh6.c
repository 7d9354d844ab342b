/*
 * The IPv6 neighbour table and the per-worker resolution queues: the
 * sibling of neigh.c (same states, aging, eviction, grace periods and
 * learn budget), keyed by (address, port) and fed by NDP.  RFC 4861
 * 7.2.5 is decided on the worker that heard the NA, against the entry
 * it reads; the master applies the outcome.
 */
#include "neigh6.h"

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "eth.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/msgbus.h"
#include "core/rcu.h"
#include "ndisc.h"
#include "netif.h"
#include "pktstats.h"

#define PENDING_SLOTS 32
#define PENDING_MAX_QUEUE 64
#define DELAY_TICKS 5        /* RFC 4861 DELAY_FIRST_PROBE_TIME */
#define UCAST_PROBES 3       /* MAX_UNICAST_SOLICIT, one a tick */
#define GC_BATCH_MAX 64      /* entries sharing one grace period */
#define LIMBO_BATCHES 16

struct neigh6_key {
	struct in6_addr ip;
	uint16_t port;
	uint16_t pad;
};

/* As neigh.c's entry: workers store only confirmed, used and probe. */
struct neigh6_entry {
	uint64_t mac;           /* 6 bytes; one atomic word for readers */
	uint64_t confirmed;     /* tsc of the last proof of reachability */
	struct in6_addr ip;
	uint32_t used;          /* neigh6_clock tick of the last use, 0 never */
	uint16_t port;
	uint8_t state;          /* enum neigh_state; the master's */
	uint8_t probe;          /* a unicast NS is due; a user sends it */
	uint8_t ticks;          /* master: DELAY ticks, then probes asked for */
	bool live;              /* master only: in the hash */
	bool router;
};

struct pending {
	bool used;
	uint16_t port;
	struct in6_addr nh;
	uint32_t n;
	uint64_t first;
	uint64_t last_ns;
	struct rte_mbuf *pkts[PENDING_MAX_QUEUE];
};

struct lcore_pending {
	unsigned nused;
	struct pending slot[PENDING_SLOTS];
} __rte_cache_aligned;

struct learn_budget {
	uint64_t refilled;
	uint32_t left;
} __rte_cache_aligned;

struct unlinked {
	uint64_t token;
	uint32_t n;
	uint32_t idx[GC_BATCH_MAX];
	int32_t pos[GC_BATCH_MAX];
};

static struct rte_hash *table;
static struct neigh6_entry *entries;
static uint32_t max_entries;
static uint32_t *free_idx;
static uint32_t nfree;
static uint32_t gc_hand;
static struct lcore_pending *pend;
static uint32_t queue_len;
static uint64_t resolve_tsc, reachable_tsc;
static uint32_t reachable_ticks;
static uint32_t neigh6_clock = 1;
static uint32_t learn_burst;
static struct learn_budget budget[RTE_MAX_LCORE];
static struct unlinked filling;
static struct unlinked limbo[LIMBO_BATCHES];
static unsigned limbo_first, limbo_n;
static uint32_t limbo_entries;
static unsigned table_seq;    /* rte_hash names are global to the EAL */

static uint64_t mac_pack(const struct rte_ether_addr *a)
{
	uint64_t v = 0;

	memcpy(&v, a->addr_bytes, RTE_ETHER_ADDR_LEN);
	return v;
}

static void mac_unpack(uint64_t v, struct rte_ether_addr *a)
{
	memcpy(a->addr_bytes, &v, RTE_ETHER_ADDR_LEN);
}

static struct neigh6_entry *lookup(const struct in6_addr *ip, uint16_t port)
{
	struct neigh6_key k = { .ip = *ip, .port = port };
	void *data;

	if (rte_hash_lookup_data(table, &k, &data) < 0)
		return NULL;
	return &entries[(uintptr_t)data];
}

static int learn_cb(const void *req, uint16_t len, void *reply __rte_unused,
		    uint16_t *rlen __rte_unused)
{
	if (len != sizeof(struct neigh6_info))
		return -EINVAL;
	neigh6_learn(req);
	return 0;
}

void neigh6_set_params(const struct dpvs_conf *c)
{
	unsigned n = lcore_nworkers() ? lcore_nworkers() : 1;
	uint32_t share = (c->neigh_learn_rate + n - 1) / n;

	resolve_tsc = rte_get_tsc_hz() / 1000 * c->neigh_resolve_ms;
	reachable_tsc = rte_get_tsc_hz() * c->neigh_reachable_s;
	reachable_ticks = c->neigh_reachable_s;
	__atomic_store_n(&learn_burst, (share + 9) / 10, __ATOMIC_RELAXED);
}

uint64_t neigh6_mem_need(const struct dpvs_conf *c)
{
	/* Entries, free stack, the hash's keys and buckets (about 2x). */
	return (uint64_t)c->neigh6_max * (sizeof(struct neigh6_entry) + 4 +
					  2 * (sizeof(struct neigh6_key) + 16)) +
	       (uint64_t)sizeof(struct lcore_pending) * RTE_MAX_LCORE;
}

static int alloc_tables(uint32_t n)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = n,
		.key_len = sizeof(struct neigh6_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* As neigh.c: lock-free readers, one writer, no cuckoo refusals. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	snprintf(name, sizeof(name), "neigh6_%u", table_seq++);
	table = rte_hash_create(&hp);
	entries = rte_zmalloc("neigh6", sizeof(*entries) * n, RTE_CACHE_LINE_SIZE);
	free_idx = rte_malloc("neigh6_free", sizeof(*free_idx) * n, 0);
	pend = rte_zmalloc("neigh6_pending", sizeof(*pend) * RTE_MAX_LCORE,
			   RTE_CACHE_LINE_SIZE);
	if (!table || !entries || !free_idx || !pend)
		return -ENOMEM;
	for (nfree = 0; nfree < n; nfree++)
		free_idx[nfree] = n - 1 - nfree;
	return 0;
}

int neigh6_init(const struct dpvs_conf *c)
{
	if (alloc_tables(c->neigh6_max) < 0) {
		LOG_ERRX("neigh6", "cannot create a table of %u IPv6 neighbours: %s",
			 c->neigh6_max, rte_strerror(rte_errno));
		neigh6_fini();
		return -ENOMEM;
	}
	max_entries = c->neigh6_max;
	gc_hand = 0;
	filling.n = 0;
	limbo_first = limbo_n = 0;
	limbo_entries = 0;
	queue_len = c->neigh_queue_len < PENDING_MAX_QUEUE ? c->neigh_queue_len :
							     PENDING_MAX_QUEUE;
	neigh6_set_params(c);
	return msgbus_register(rte_get_main_lcore(), MSG_TYPE_NEIGH6_LEARN,
			       "neigh6-learn", learn_cb);
}

void neigh6_fini(void)
{
	if (pend)
		for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++)
			for (unsigned i = 0; i < PENDING_SLOTS; i++)
				rte_pktmbuf_free_bulk(pend[lc].slot[i].pkts,
						      pend[lc].slot[i].n);
	rte_hash_free(table);
	rte_free(entries);
	rte_free(free_idx);
	rte_free(pend);
	table = NULL;
	entries = NULL;
	free_idx = NULL;
	pend = NULL;
	nfree = 0;
	max_entries = 0;
}

/* ---- worker side ---- */

static void send_to(unsigned lc, struct rte_mbuf *m, uint16_t port, uint64_t mac)
{
	const struct netif_port *p = netif_port(port);
	struct rte_ether_addr dst;

	if (!p || !rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr))) {
		rte_pktmbuf_free(m);
		return;
	}
	mac_unpack(mac, &dst);
	eth_fill(m, &dst, &p->mac, RTE_ETHER_TYPE_IPV6);
	netif_xmit(lc, port, m);
}

static inline void touch(unsigned lc, struct neigh6_entry *e)
{
	uint32_t now = __atomic_load_n(&neigh6_clock, __ATOMIC_RELAXED);
	struct rte_ether_addr mac;

	if (__atomic_load_n(&e->used, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&e->used, now, __ATOMIC_RELAXED);
	if (likely(!__atomic_load_n(&e->probe, __ATOMIC_RELAXED)) ||
	    !__atomic_exchange_n(&e->probe, 0, __ATOMIC_RELAXED))
		return;
	mac_unpack(__atomic_load_n(&e->mac, __ATOMIC_RELAXED), &mac);
	ndisc_solicit(lc, e->port, &e->ip, &mac);
}

static struct pending *pending_slot(unsigned lc, const struct in6_addr *nh,
				    uint16_t port)
{
	struct lcore_pending *lp = &pend[lc];
	struct pending *free_slot = NULL;

	for (unsigned i = 0; i < PENDING_SLOTS; i++) {
		struct pending *s = &lp->slot[i];

		if (s->used && s->port == port && memcmp(&s->nh, nh, sizeof(*nh)) == 0)
			return s;
		if (!s->used && !free_slot)
			free_slot = s;
	}
	if (free_slot) {
		free_slot->used = true;
		free_slot->nh = *nh;
		free_slot->port = port;
		free_slot->n = 0;
		free_slot->first = rte_get_tsc_cycles();
		free_slot->last_ns = 0;
		lp->nused++;
	}
	return free_slot;
}

void neigh6_output(unsigned lc, struct rte_mbuf *m, const struct in6_addr *nh,
		   uint16_t port)
{
	struct neigh6_entry *e = lookup(nh, port);
	struct pending *s;

	if (likely(e)) {
		touch(lc, e);
		send_to(lc, m, port, __atomic_load_n(&e->mac, __ATOMIC_RELAXED));
		return;
	}
	s = pending_slot(lc, nh, port);
	if (!s || s->n >= queue_len) {
		PKT_INC(lc, neigh6_full);
		rte_pktmbuf_free(m);
		return;
	}
	s->pkts[s->n++] = m;
	PKT_INC(lc, neigh6_queued);
	if (s->last_ns == 0) {
		s->last_ns = rte_get_tsc_cycles();
		ndisc_solicit(lc, port, nh, NULL);
	}
}

static bool learn_allowed(unsigned lc)
{
	struct learn_budget *b = &budget[lc];
	uint64_t now;

	if (likely(b->left > 0)) {
		b->left--;
		return true;
	}
	now = rte_get_tsc_cycles();
	if (now - b->refilled < rte_get_tsc_hz() / 10)
		return false;
	b->refilled = now;
	b->left = __atomic_load_n(&learn_burst, __ATOMIC_RELAXED);
	return b->left-- > 0;
}

/* The master applies n (mac, REACHABLE or STALE) within the budget. */
static enum neigh_heard tell_master(unsigned lc, struct neigh6_info *n)
{
	if (!learn_allowed(lc)) {
		PKT_INC(lc, nd_learn_limited);
		return NEIGH_HEARD_KNOWN;
	}
	return msgbus_send_async(rte_get_main_lcore(), MSG_TYPE_NEIGH6_LEARN, n,
				 sizeof(*n)) == 0 ? NEIGH_HEARD_NEWS :
						    NEIGH_HEARD_KNOWN;
}

/*
 * RFC 4861 7.2.5 on the entry e as this worker sees it.  An NA nobody
 * asked for creates nothing (a spray of them cannot fill the table);
 * a solicited one may, since a hop being resolved has no entry yet.
 */
enum neigh_heard neigh6_confirm(unsigned lc, const struct in6_addr *ip, uint16_t port,
				const struct rte_ether_addr *mac, bool solicited,
				bool override, bool router)
{
	struct neigh6_entry *e = lookup(ip, port);
	struct neigh6_info n = { .ip = *ip, .port = port, .router = router,
				 .state = solicited ? NEIGH_REACHABLE : NEIGH_STALE };
	uint64_t cur;

	if (!e) {
		if (!solicited || !mac)
			return NEIGH_HEARD_IGNORED;
		n.mac = *mac;
		return tell_master(lc, &n);
	}
	if (__atomic_load_n(&e->state, __ATOMIC_RELAXED) == NEIGH_PERMANENT)
		return NEIGH_HEARD_KNOWN;
	cur = __atomic_load_n(&e->mac, __ATOMIC_RELAXED);
	if (!mac || cur == mac_pack(mac)) {
		if (!solicited)
			return NEIGH_HEARD_KNOWN;
		__atomic_store_n(&e->confirmed, rte_get_tsc_cycles(), __ATOMIC_RELAXED);
		if (__atomic_load_n(&e->router, __ATOMIC_RELAXED) == router)
			return NEIGH_HEARD_KNOWN;
		mac_unpack(cur, &n.mac);
		return tell_master(lc, &n);
	}
	if (!override) {
		/* Another MAC without O: keep ours, but doubt it. */
		if (__atomic_load_n(&e->state, __ATOMIC_RELAXED) != NEIGH_REACHABLE)
			return NEIGH_HEARD_KNOWN;
		mac_unpack(cur, &n.mac);
		n.state = NEIGH_STALE;
		return tell_master(lc, &n);
	}
	n.mac = *mac;
	return tell_master(lc, &n);
}

/*
 * RFC 4861 7.2.3: an NS for one of our addresses carrying its sender's
 * SLLA creates the entry STALE or replaces a different MAC (STALE too),
 * so the answer and the traffic after it need no NS of ours.
 */
enum neigh_heard neigh6_solicited_by(unsigned lc, const struct in6_addr *ip,
				     uint16_t port, const struct rte_ether_addr *mac)
{
	struct neigh6_entry *e = lookup(ip, port);
	struct neigh6_info n = { .ip = *ip, .port = port, .mac = *mac,
				 .state = NEIGH_STALE };

	if (e && (__atomic_load_n(&e->state, __ATOMIC_RELAXED) == NEIGH_PERMANENT ||
		  __atomic_load_n(&e->mac, __ATOMIC_RELAXED) == mac_pack(mac)))
		return NEIGH_HEARD_KNOWN;
	if (e)
		n.router = __atomic_load_n(&e->router, __ATOMIC_RELAXED);
	return tell_master(lc, &n);
}

static void pending_release(struct lcore_pending *lp, struct pending *s)
{
	s->used = false;
	s->n = 0;
	lp->nused--;
}

int neigh6_pending_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id();
	struct lcore_pending *lp;
	uint64_t now;
	int work = 0;

	if (!pend || likely(pend[lc].nused == 0))
		return 0;
	lp = &pend[lc];
	now = rte_get_tsc_cycles();
	for (unsigned i = 0; i < PENDING_SLOTS; i++) {
		struct pending *s = &lp->slot[i];
		struct neigh6_entry *e;

		if (!s->used)
			continue;
		e = lookup(&s->nh, s->port);
		if (e) {
			uint64_t mac = __atomic_load_n(&e->mac, __ATOMIC_RELAXED);

			touch(lc, e);
			for (uint32_t j = 0; j < s->n; j++)
				send_to(lc, s->pkts[j], s->port, mac);
			work += (int)s->n;
			pending_release(lp, s);
		} else if (now - s->first > resolve_tsc) {
			PKT_ADD(lc, neigh6_timeout, s->n);
			rte_pktmbuf_free_bulk(s->pkts, s->n);
			pending_release(lp, s);
		} else if (now - s->last_ns > rte_get_tsc_hz()) {
			/* RFC 4861 RETRANS_TIMER: one NS a second. */
			s->last_ns = now;
			ndisc_solicit(lc, s->port, &s->nh, NULL);
		}
	}
	return work;
}

/* ---- master side ---- */

static void set_state(struct neigh6_entry *e, uint8_t state)
{
	__atomic_store_n(&e->state, state, __ATOMIC_RELAXED);
}

static int32_t unlink_entry(struct neigh6_entry *e)
{
	struct neigh6_key k = { .ip = e->ip, .port = e->port };

	e->live = false;
	return rte_hash_del_key(table, &k);
}

static void reclaim(struct neigh6_entry *e, int32_t key_pos)
{
	if (key_pos >= 0)
		rte_hash_free_key_with_position(table, key_pos);
	memset(e, 0, sizeof(*e));
	free_idx[nfree++] = (uint32_t)(e - entries);
}

static bool grace_over(uint64_t token, bool wait)
{
	struct rte_rcu_qsbr *v = rcu_qsbr();

	return !v || rte_rcu_qsbr_check(v, token, wait) == 1;
}

static void reclaim_ready(bool wait)
{
	while (limbo_n > 0) {
		struct unlinked *b = &limbo[limbo_first];

		if (!grace_over(b->token, wait))
			return;
		for (uint32_t i = 0; i < b->n; i++)
			reclaim(&entries[b->idx[i]], b->pos[i]);
		limbo_entries -= b->n;
		limbo_first = (limbo_first + 1) % LIMBO_BATCHES;
		limbo_n--;
		wait = false;
	}
}

static void seal(void)
{
	struct rte_rcu_qsbr *v = rcu_qsbr();

	if (filling.n == 0)
		return;
	if (limbo_n == LIMBO_BATCHES)
		reclaim_ready(true);
	filling.token = v ? rte_rcu_qsbr_start(v) : 0;
	limbo[(limbo_first + limbo_n) % LIMBO_BATCHES] = filling;
	limbo_n++;
	limbo_entries += filling.n;
	filling.n = 0;
}

static void unlink_later(struct neigh6_entry *e)
{
	filling.pos[filling.n] = unlink_entry(e);
	filling.idx[filling.n++] = (uint32_t)(e - entries);
	if (filling.n == GC_BATCH_MAX)
		seal();
}

static uint32_t gc_batch(void)
{
	uint32_t want = max_entries / 16;

	return want < 1 ? 1 : want > GC_BATCH_MAX ? GC_BATCH_MAX : want;
}

static bool in_use(const struct neigh6_entry *e, uint32_t now)
{
	uint32_t used = __atomic_load_n(&e->used, __ATOMIC_RELAXED);

	return used && now - used <= reachable_ticks;
}

/* neigh.c's forced GC: a batch of idle, non-static entries goes. */
static uint32_t forced_gc(void)
{
	static uint32_t fruitless;
	uint32_t want = gc_batch(), n = 0;
	uint32_t now = __atomic_load_n(&neigh6_clock, __ATOMIC_RELAXED);

	if (fruitless == now)
		return 0;
	for (uint32_t seen = 0; seen < max_entries && n < want; seen++) {
		struct neigh6_entry *e = &entries[gc_hand];

		gc_hand = (gc_hand + 1) % max_entries;
		if (e->live && e->state != NEIGH_PERMANENT && !in_use(e, now)) {
			unlink_later(e);
			n++;
		}
	}
	if (n == 0)
		fruitless = now;
	PKT_ADD(rte_lcore_id(), neigh_evicted, n);
	seal();
	return n;
}

static struct neigh6_entry *insert(const struct in6_addr *ip, uint16_t port,
				   const struct rte_ether_addr *mac, uint8_t state)
{
	struct neigh6_key k = { .ip = *ip, .port = port };
	struct neigh6_entry *e;
	uint32_t idx;

	reclaim_ready(false);
	if (nfree + limbo_entries < gc_batch())
		forced_gc();
	if (nfree == 0)
		reclaim_ready(true);
	if (nfree == 0) {
		PKT_INC(rte_lcore_id(), neigh_table_full);
		return NULL;
	}
	idx = free_idx[--nfree];
	e = &entries[idx];
	e->ip = *ip;
	e->port = port;
	e->mac = mac_pack(mac);
	e->confirmed = rte_get_tsc_cycles();
	e->state = state;
	e->live = true;
	if (rte_hash_add_key_data(table, &k, (void *)(uintptr_t)idx) < 0) {
		reclaim(e, -1);
		PKT_INC(rte_lcore_id(), neigh_table_full);
		return NULL;
	}
	return e;
}

static void confirm(struct neigh6_entry *e)
{
	__atomic_store_n(&e->confirmed, rte_get_tsc_cycles(), __ATOMIC_RELAXED);
	__atomic_store_n(&e->probe, 0, __ATOMIC_RELAXED);
	e->ticks = 0;
	set_state(e, NEIGH_REACHABLE);
}

/* Known, but unproven: the next use probes it (DELAY, PROBE). */
static void unconfirm(struct neigh6_entry *e)
{
	uint64_t old = rte_get_tsc_cycles() - reachable_tsc - 1;

	if (__atomic_load_n(&e->confirmed, __ATOMIC_RELAXED) > old)
		__atomic_store_n(&e->confirmed, old, __ATOMIC_RELAXED);
	if (e->state == NEIGH_REACHABLE)
		set_state(e, NEIGH_STALE);
}

void neigh6_learn(const struct neigh6_info *n)
{
	struct neigh6_entry *e = lookup(&n->ip, n->port);

	if (!e) {
		e = insert(&n->ip, n->port, &n->mac, NEIGH_REACHABLE);
		if (e && n->state != NEIGH_REACHABLE)
			unconfirm(e);
	} else if (e->state != NEIGH_PERMANENT) {
		__atomic_store_n(&e->mac, mac_pack(&n->mac), __ATOMIC_RELAXED);
		if (n->state == NEIGH_REACHABLE)
			confirm(e);
		else
			unconfirm(e);
	} else {
		return; /* static entries win over what NDP says */
	}
	if (e)
		__atomic_store_n(&e->router, n->router, __ATOMIC_RELAXED);
}

int neigh6_update(const struct in6_addr *ip, uint16_t port,
		  const struct rte_ether_addr *mac, bool permanent)
{
	struct neigh6_entry *e = lookup(ip, port);

	if (!e) {
		e = insert(ip, port, mac, permanent ? NEIGH_PERMANENT : NEIGH_REACHABLE);
		return e ? 0 : -ENOSPC;
	}
	if (!permanent && e->state == NEIGH_PERMANENT)
		return 0;
	__atomic_store_n(&e->mac, mac_pack(mac), __ATOMIC_RELAXED);
	confirm(e);
	if (permanent)
		set_state(e, NEIGH_PERMANENT);
	return 0;
}

int neigh6_delete(const struct in6_addr *ip, uint16_t port)
{
	struct neigh6_entry *e = lookup(ip, port);
	int32_t pos;

	if (!e)
		return -ENOENT;
	pos = unlink_entry(e);
	rcu_synchronize();
	reclaim(e, pos);
	return 0;
}

static uint64_t age_of(const struct neigh6_entry *e, uint64_t now)
{
	uint64_t c = __atomic_load_n(&e->confirmed, __ATOMIC_RELAXED);

	return c >= now ? 0 : now - c;
}

void neigh6_walk(void (*fn)(const struct neigh6_info *n, void *arg), void *arg)
{
	uint64_t now = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();

	for (uint32_t i = 0; i < max_entries; i++) {
		const struct neigh6_entry *e = &entries[i];
		struct neigh6_info n;

		if (!e->live)
			continue;
		memset(&n, 0, sizeof(n));
		n.ip = e->ip;
		n.port = e->port;
		mac_unpack(e->mac, &n.mac);
		n.state = (enum neigh_state)e->state;
		n.age_s = (uint32_t)(age_of(e, now) / hz);
		n.router = e->router;
		fn(&n, arg);
	}
}

void neigh6_usage(uint32_t *used, uint32_t *size)
{
	*used = max_entries - nfree - limbo_entries - filling.n;
	*size = max_entries;
}

/* neigh.c's NUD tick; false when e should go. */
static bool unconfirmed_tick(struct neigh6_entry *e, uint64_t age, uint32_t now)
{
	uint32_t used = __atomic_load_n(&e->used, __ATOMIC_RELAXED);

	switch (e->state) {
	case NEIGH_REACHABLE:
		set_state(e, NEIGH_STALE);
		/* fall through */
	case NEIGH_STALE:
		if (used && now - used <= 1) {
			e->ticks = 0;
			set_state(e, NEIGH_DELAY);
			return true;
		}
		return age <= 3 * reachable_tsc;
	case NEIGH_DELAY:
		if (++e->ticks < DELAY_TICKS)
			return true;
		e->ticks = 0;
		set_state(e, NEIGH_PROBE);
		/* fall through */
	default:
		if (e->ticks >= UCAST_PROBES) {
			PKT_INC(rte_lcore_id(), neigh_probe_failed);
			return false;
		}
		e->ticks++;
		__atomic_store_n(&e->probe, 1, __ATOMIC_RELAXED);
		return true;
	}
}

void neigh6_expire(void *arg __rte_unused)
{
	uint64_t now = rte_get_tsc_cycles();
	uint32_t tick;

	if (!entries)
		return;
	reclaim_ready(false);
	tick = __atomic_add_fetch(&neigh6_clock, 1, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < max_entries; i++) {
		struct neigh6_entry *e = &entries[i];
		uint64_t age;

		if (!e->live || e->state == NEIGH_PERMANENT)
			continue;
		age = age_of(e, now);
		if (age <= reachable_tsc) {
			if (e->state != NEIGH_REACHABLE)
				confirm(e);
		} else if (!unconfirmed_tick(e, age, tick)) {
			unlink_later(e);
		}
	}
	seal();
}
