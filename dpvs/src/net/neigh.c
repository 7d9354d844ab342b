/* The neighbour table and the per-worker resolution queues. */
#include "neigh.h"

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "arp.h"
#include "eth.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/msgbus.h"
#include "netif.h"
#include "pktstats.h"
#include "core/rcu.h"
#include "route.h"

#define PENDING_SLOTS 32
#define PENDING_MAX_QUEUE 64
#define ARP_RETRY_HZ_DIV 1   /* re-ask once a second */
#define DELAY_TICKS 5        /* Linux's delay_first_probe_time */
#define UCAST_PROBES 3       /* Linux's ucast_probes, one a tick */
#define GC_BATCH_MAX 64      /* entries sharing one grace period */

struct neigh_key {
	uint32_t ip;      /* host order */
	uint16_t port;
	uint16_t pad;
};

/*
 * Workers write only mac-free fields as single atomic stores: `confirmed`
 * (an ARP for us from the same MAC), `used` (once a tick at most, so a
 * shared gateway's line is not bounced per packet) and `probe` (taken).
 */
struct neigh_entry {   /* 32 bytes: two a cache line */
	uint64_t mac;           /* 6 bytes; one atomic word for readers */
	uint64_t confirmed;     /* tsc of the last ARP for us from it */
	uint32_t ip;
	uint16_t port;
	uint8_t state;          /* enum neigh_state; the master's */
	uint8_t probe;          /* a unicast probe is due; a user sends it */
	uint32_t used;          /* neigh_clock tick of the last use, 0 never */
	uint8_t ticks;          /* master: DELAY ticks, then probes asked for */
	bool live;              /* master only: in the hash */
};
_Static_assert(sizeof(struct neigh_entry) == 32, "neigh_entry grew");

/* Packets of one lcore waiting for one next hop. */
struct pending {
	bool used;
	uint16_t port;
	uint32_t nh;
	uint32_t n;
	uint64_t first;
	uint64_t last_arp;
	struct rte_mbuf *pkts[PENDING_MAX_QUEUE];
};

struct lcore_pending {
	unsigned nused;
	struct pending slot[PENDING_SLOTS];
} __rte_cache_aligned;

static struct rte_hash *table;
static struct neigh_entry *entries;
static uint32_t max_entries;
static uint32_t *free_idx;              /* master: stack of free entries */
static uint32_t nfree;
static uint32_t gc_hand;                /* master: where eviction resumes */
static struct lcore_pending *pend;      /* [RTE_MAX_LCORE] */
static uint32_t queue_len;
static uint64_t resolve_tsc;
static uint64_t reachable_tsc;
static uint32_t reachable_ticks;
/* Seconds since start, ticked by the master; workers stamp `used` with it. */
static uint32_t neigh_clock = 1;
static uint32_t learn_burst;            /* per worker and tenth of a second */

/*
 * Learn messages a worker may still send in this tenth of a second: a
 * spray of ARP news must not outrun the master, which handles them one by
 * one between its other jobs.
 */
struct learn_budget {
	uint64_t refilled;
	uint32_t left;
} __rte_cache_aligned;

static struct learn_budget budget[RTE_MAX_LCORE];

/*
 * The next hop an rx burst resolved last: a burst's packets mostly share
 * one (the real server, the gateway), and the table lookup is a jhash
 * and a bucket's cache lines per packet.  Kept only while
 * netif_rx_job runs: an unlinked entry is reused after the worker's next
 * quiescent state, which it passes between jobs, never inside one.
 */
struct nh_memo {
	struct neigh_entry *e;  /* NULL: nothing remembered */
	uint32_t nh;
	uint16_t port;
	bool on;                /* inside a burst */
} __rte_cache_aligned;

static struct nh_memo memo[RTE_MAX_LCORE];

/*
 * Unlinked entries wait for their grace period in batches, without
 * blocking the master: a batch is sealed with a QSBR token and reclaimed
 * once every worker has passed a quiescent state since.  Only an insert
 * that finds nothing free waits, and then for one batch.
 */
#define LIMBO_BATCHES 16

struct unlinked {
	uint64_t token;
	uint32_t n;
	uint32_t idx[GC_BATCH_MAX];
	int32_t pos[GC_BATCH_MAX];
};

static struct unlinked filling;                 /* not sealed yet */
static struct unlinked limbo[LIMBO_BATCHES];    /* sealed, oldest first */
static unsigned limbo_first, limbo_n;
static uint32_t limbo_entries;                  /* in all sealed batches */

#define LEARN_CONFIRM 1   /* an ARP for us: reachable, may create */

struct learn_msg {
	uint32_t ip;
	uint16_t port;
	uint8_t mac[6];
	uint8_t flags;
};

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

static struct neigh_entry *lookup(uint32_t ip, uint16_t port)
{
	struct neigh_key k = { .ip = ip, .port = port };
	void *data;

	if (rte_hash_lookup_data(table, &k, &data) < 0)
		return NULL;
	return &entries[(uintptr_t)data];
}

static int neigh_learn(uint32_t ip, uint16_t port,
		       const struct rte_ether_addr *mac, uint8_t flags);

static int learn_cb(const void *req, uint16_t len, void *reply __rte_unused,
		    uint16_t *rlen __rte_unused)
{
	const struct learn_msg *lm = req;
	struct rte_ether_addr mac;

	if (len != sizeof(*lm))
		return -EINVAL;
	memcpy(mac.addr_bytes, lm->mac, sizeof(lm->mac));
	return neigh_learn(lm->ip, lm->port, &mac, lm->flags);
}

void neigh_set_params(const struct dpvs_conf *c)
{
	unsigned n = lcore_nworkers() ? lcore_nworkers() : 1;
	uint32_t share = (c->neigh_learn_rate + n - 1) / n;

	resolve_tsc = rte_get_tsc_hz() / 1000 * c->neigh_resolve_ms;
	reachable_tsc = rte_get_tsc_hz() * c->neigh_reachable_s;
	reachable_ticks = c->neigh_reachable_s;
	/* The rate is the master's: split evenly, as kni.rate_limit_pps. */
	__atomic_store_n(&learn_burst, (share + 9) / 10, __ATOMIC_RELAXED);
}

static int alloc_tables(uint32_t n)
{
	struct rte_hash_parameters hp = {
		.name = "neigh",
		.entries = n,
		.key_len = sizeof(struct neigh_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* Lock-free readers, one writer (the master), which frees a
		 * deleted key's slot itself after a grace period (one for a
		 * whole batch).  Extendable buckets, so that cuckoo collisions
		 * never refuse a key while the entry array has room. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	table = rte_hash_create(&hp);
	entries = rte_zmalloc("neigh", sizeof(*entries) * n, RTE_CACHE_LINE_SIZE);
	free_idx = rte_malloc("neigh_free", sizeof(*free_idx) * n, 0);
	pend = rte_zmalloc("neigh_pending", sizeof(*pend) * RTE_MAX_LCORE,
			   RTE_CACHE_LINE_SIZE);
	if (!table || !entries || !free_idx || !pend)
		return -ENOMEM;
	/* Lowest index on top, as the old first-fit allocation did. */
	for (nfree = 0; nfree < n; nfree++)
		free_idx[nfree] = n - 1 - nfree;
	return 0;
}

int neigh_init(const struct dpvs_conf *c)
{
	if (alloc_tables(c->neigh_max) < 0) {
		LOG_ERRX("neigh", "cannot create a table of %u neighbours: %s",
			 c->neigh_max, rte_strerror(rte_errno));
		neigh_fini();
		return -ENOMEM;
	}
	max_entries = c->neigh_max;
	gc_hand = 0;
	filling.n = 0;
	limbo_first = limbo_n = 0;
	limbo_entries = 0;
	queue_len = c->neigh_queue_len < PENDING_MAX_QUEUE ? c->neigh_queue_len :
							     PENDING_MAX_QUEUE;
	neigh_set_params(c);
	return msgbus_register(rte_get_main_lcore(), MSG_TYPE_NEIGH_LEARN,
			       "neigh-learn", learn_cb);
}

void neigh_fini(void)
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
}

/* ---- worker side ---- */

static void send_to(unsigned lc, struct rte_mbuf *m, uint16_t port,
		    uint64_t mac)
{
	const struct netif_port *p = netif_port(port);
	struct rte_ether_addr dst;

	mac_unpack(mac, &dst);
	rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
	eth_fill(m, &dst, &p->mac, RTE_ETHER_TYPE_IPV4);
	netif_xmit(lc, port, m);
}

/*
 * Asks for nh from the address that owns its subnet on `port`: broadcast
 * when dst is NULL, else a unicast probe to the MAC we hold.
 */
static void solicit(unsigned lc, uint32_t nh, uint16_t port,
		    const struct rte_ether_addr *dst)
{
	const struct route_entry *r = route_lookup(nh);
	struct rte_mbuf *m;

	if (!r || r->port != port || !r->src)
		return;
	m = dst ? arp_build_probe(port, r->src, nh, dst) :
		  arp_build_request(port, r->src, nh);
	if (!m)
		return;
	if (dst)
		PKT_INC(lc, arp_probed);
	else
		PKT_INC(lc, arp_sent);
	netif_xmit(lc, port, m);
}

/*
 * Traffic uses e: stamps it (one store a tick at most) and, if the master
 * asked for a probe, sends it; the exchange makes one worker win.
 */
static inline void touch(unsigned lc, struct neigh_entry *e)
{
	uint32_t now = __atomic_load_n(&neigh_clock, __ATOMIC_RELAXED);
	struct rte_ether_addr mac;

	if (__atomic_load_n(&e->used, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&e->used, now, __ATOMIC_RELAXED);
	if (likely(!__atomic_load_n(&e->probe, __ATOMIC_RELAXED)) ||
	    !__atomic_exchange_n(&e->probe, 0, __ATOMIC_RELAXED))
		return;
	mac_unpack(__atomic_load_n(&e->mac, __ATOMIC_RELAXED), &mac);
	solicit(lc, e->ip, e->port, &mac);
}

static struct pending *pending_slot(unsigned lc, uint32_t nh, uint16_t port)
{
	struct lcore_pending *lp = &pend[lc];
	struct pending *free_slot = NULL;

	for (unsigned i = 0; i < PENDING_SLOTS; i++) {
		struct pending *s = &lp->slot[i];

		if (s->used && s->nh == nh && s->port == port)
			return s;
		if (!s->used && !free_slot)
			free_slot = s;
	}
	if (free_slot) {
		free_slot->used = true;
		free_slot->nh = nh;
		free_slot->port = port;
		free_slot->n = 0;
		free_slot->first = rte_get_tsc_cycles();
		free_slot->last_arp = 0;
		lp->nused++;
	}
	return free_slot;
}

void neigh_burst_begin(unsigned lc)
{
	memo[lc].e = NULL;
	memo[lc].on = true;
}

void neigh_burst_end(unsigned lc)
{
	memo[lc].e = NULL;
	memo[lc].on = false;
}

static struct neigh_entry *lookup_memo(unsigned lc, uint32_t nh,
				       uint16_t port)
{
	struct nh_memo *mm;
	struct neigh_entry *e;

	if (unlikely(lc >= RTE_MAX_LCORE))
		return lookup(nh, port);
	mm = &memo[lc];
	if (likely(mm->e && mm->nh == nh && mm->port == port))
		return mm->e;
	e = lookup(nh, port);
	if (mm->on) {
		mm->e = e;
		mm->nh = nh;
		mm->port = port;
	}
	return e;
}

void neigh_output(unsigned lc, struct rte_mbuf *m, uint32_t nh, uint16_t port)
{
	struct neigh_entry *e = lookup_memo(lc, nh, port);
	struct pending *s;

	if (likely(e)) {
		touch(lc, e);
		send_to(lc, m, port, __atomic_load_n(&e->mac, __ATOMIC_RELAXED));
		return;
	}
	s = pending_slot(lc, nh, port);
	if (!s || s->n >= queue_len) {
		PKT_INC(lc, neigh_full);
		rte_pktmbuf_free(m);
		return;
	}
	s->pkts[s->n++] = m;
	PKT_INC(lc, neigh_queued);
	if (s->last_arp == 0) {
		s->last_arp = rte_get_tsc_cycles();
		solicit(lc, nh, port, NULL);
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

enum neigh_heard neigh_confirm(unsigned lc, uint32_t ip,
			       uint16_t port, const struct rte_ether_addr *mac,
			       bool for_us)
{
	struct neigh_entry *e = lookup(ip, port);
	struct learn_msg lm = { .ip = ip, .port = port,
				.flags = for_us ? LEARN_CONFIRM : 0 };

	if (!e && !for_us)
		return NEIGH_HEARD_IGNORED;
	if (e && __atomic_load_n(&e->mac, __ATOMIC_RELAXED) == mac_pack(mac)) {
		/* Only an answer to us proves the neighbour reachable. */
		if (for_us)
			__atomic_store_n(&e->confirmed, rte_get_tsc_cycles(),
					 __ATOMIC_RELAXED);
		return NEIGH_HEARD_KNOWN;
	}
	if (e && __atomic_load_n(&e->state, __ATOMIC_RELAXED) ==
			 NEIGH_PERMANENT)
		return NEIGH_HEARD_KNOWN;
	if (!learn_allowed(lc)) {
		PKT_INC(lc, arp_learn_limited);
		return NEIGH_HEARD_KNOWN;
	}
	memcpy(lm.mac, mac->addr_bytes, sizeof(lm.mac));
	return msgbus_send_async(rte_get_main_lcore(), MSG_TYPE_NEIGH_LEARN, &lm,
				 sizeof(lm)) == 0 ? NEIGH_HEARD_NEWS :
						    NEIGH_HEARD_KNOWN;
}

static void pending_release(struct lcore_pending *lp, struct pending *s)
{
	s->used = false;
	s->n = 0;
	lp->nused--;
}

int neigh_pending_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id();
	struct lcore_pending *lp = &pend[lc];
	uint64_t now;
	int work = 0;

	if (likely(lp->nused == 0))
		return 0;
	now = rte_get_tsc_cycles();
	for (unsigned i = 0; i < PENDING_SLOTS; i++) {
		struct pending *s = &lp->slot[i];
		struct neigh_entry *e;

		if (!s->used)
			continue;
		e = lookup(s->nh, s->port);
		if (e) {
			uint64_t mac = __atomic_load_n(&e->mac, __ATOMIC_RELAXED);

			touch(lc, e);
			for (uint32_t j = 0; j < s->n; j++)
				send_to(lc, s->pkts[j], s->port, mac);
			work += (int)s->n;
			pending_release(lp, s);
		} else if (now - s->first > resolve_tsc) {
			PKT_ADD(lc, neigh_timeout, s->n);
			rte_pktmbuf_free_bulk(s->pkts, s->n);
			pending_release(lp, s);
		} else if (now - s->last_arp > rte_get_tsc_hz() / ARP_RETRY_HZ_DIV) {
			s->last_arp = now;
			solicit(lc, s->nh, s->port, NULL);
		}
	}
	return work;
}

/* ---- master side ---- */

static void set_state(struct neigh_entry *e, uint8_t state)
{
	__atomic_store_n(&e->state, state, __ATOMIC_RELAXED);
}

/*
 * Takes e out of the hash.  Its key slot (returned) and its memory wait
 * for reclaim() after a grace period: readers may hold either until
 * their next quiescent state.
 */
static int32_t unlink_entry(struct neigh_entry *e)
{
	struct neigh_key k = { .ip = e->ip, .port = e->port };

	e->live = false;
	return rte_hash_del_key(table, &k);
}

static void reclaim(struct neigh_entry *e, int32_t key_pos)
{
	if (key_pos >= 0)
		rte_hash_free_key_with_position(table, key_pos);
	memset(e, 0, sizeof(*e));
	free_idx[nfree++] = (uint32_t)(e - entries);
}

static void remove_entry(struct neigh_entry *e)
{
	int32_t pos = unlink_entry(e);

	rcu_synchronize();
	reclaim(e, pos);
}

static bool grace_over(uint64_t token, bool wait)
{
	struct rte_rcu_qsbr *v = rcu_qsbr();

	return !v || rte_rcu_qsbr_check(v, token, wait) == 1;
}

/* Reclaims the batches whose grace period is over (wait: for the oldest). */
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

static void unlink_later(struct neigh_entry *e)
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

/* Traffic used e within the last reachable time: never evicted. */
static bool in_use(const struct neigh_entry *e, uint32_t now)
{
	uint32_t used = __atomic_load_n(&e->used, __ATOMIC_RELAXED);

	return used && now - used <= reachable_ticks;
}

/*
 * Fewer than a batch of entries left: evicts a batch that no traffic
 * uses (never PERMANENT ones), resuming where the last pass stopped so
 * that a spray of new senders churns through the idle entries in turn
 * (like Linux's forced GC at gc_thresh3).
 */
static uint32_t forced_gc(void)
{
	static uint32_t fruitless;
	uint32_t want = gc_batch(), n = 0;
	uint32_t now = __atomic_load_n(&neigh_clock, __ATOMIC_RELAXED);

	/* Everything was in use this tick: a flood must not rescan per insert. */
	if (fruitless == now)
		return 0;
	for (uint32_t seen = 0; seen < max_entries && n < want; seen++) {
		struct neigh_entry *e = &entries[gc_hand];

		gc_hand = (gc_hand + 1) % max_entries;
		if (e->live && e->state != NEIGH_PERMANENT &&
		    !in_use(e, now)) {
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

static int insert(uint32_t ip, uint16_t port, const struct rte_ether_addr *mac,
		  uint8_t state)
{
	struct neigh_key k = { .ip = ip, .port = port };
	struct neigh_entry *e;
	uint32_t idx;

	reclaim_ready(false);
	/* Entries already on their way back count as free. */
	if (nfree + limbo_entries < gc_batch())
		forced_gc();
	if (nfree == 0)
		reclaim_ready(true);
	if (nfree == 0) {
		PKT_INC(rte_lcore_id(), neigh_table_full);
		return -ENOSPC;
	}
	idx = free_idx[--nfree];
	e = &entries[idx];
	e->ip = ip;
	e->port = port;
	e->mac = mac_pack(mac);
	e->confirmed = rte_get_tsc_cycles();
	e->state = state;
	e->live = true;
	if (rte_hash_add_key_data(table, &k, (void *)(uintptr_t)idx) < 0) {
		reclaim(e, -1);
		PKT_INC(rte_lcore_id(), neigh_table_full);
		return -ENOSPC;
	}
	return 0;
}

static void confirm(struct neigh_entry *e)
{
	__atomic_store_n(&e->confirmed, rte_get_tsc_cycles(), __ATOMIC_RELAXED);
	__atomic_store_n(&e->probe, 0, __ATOMIC_RELAXED);
	e->ticks = 0;
	set_state(e, NEIGH_REACHABLE);
}

/*
 * A MAC change nobody confirmed (a gratuitous ARP, a request to someone
 * else): used, but STALE, so traffic on it soon probes the new MAC.
 */
static void unconfirm(struct neigh_entry *e)
{
	uint64_t old = rte_get_tsc_cycles() - reachable_tsc - 1;

	if (__atomic_load_n(&e->confirmed, __ATOMIC_RELAXED) > old)
		__atomic_store_n(&e->confirmed, old, __ATOMIC_RELAXED);
	if (e->state == NEIGH_REACHABLE)
		set_state(e, NEIGH_STALE);
}

static int neigh_learn(uint32_t ip, uint16_t port,
		       const struct rte_ether_addr *mac, uint8_t flags)
{
	struct neigh_entry *e = lookup(ip, port);
	uint64_t packed = mac_pack(mac);
	bool changed;

	if (!e)
		return flags & LEARN_CONFIRM ?
		       insert(ip, port, mac, NEIGH_REACHABLE) : 0;
	if (e->state == NEIGH_PERMANENT)
		return 0; /* static entries win over what ARP says */
	changed = e->mac != packed;
	__atomic_store_n(&e->mac, packed, __ATOMIC_RELAXED);
	if (flags & LEARN_CONFIRM)
		confirm(e);
	else if (changed)
		unconfirm(e);
	return 0;
}

int neigh_update(uint32_t ip, uint16_t port, const struct rte_ether_addr *mac,
		 bool permanent)
{
	struct neigh_entry *e = lookup(ip, port);

	if (!permanent)
		return neigh_learn(ip, port, mac, LEARN_CONFIRM);
	if (!e)
		return insert(ip, port, mac, NEIGH_PERMANENT);
	__atomic_store_n(&e->mac, mac_pack(mac), __ATOMIC_RELAXED);
	confirm(e);
	set_state(e, NEIGH_PERMANENT);
	return 0;
}

int neigh_delete(uint32_t ip, uint16_t port)
{
	struct neigh_entry *e = lookup(ip, port);

	if (!e)
		return -ENOENT;
	remove_entry(e);
	return 0;
}

/* A worker may confirm e after the caller read the clock. */
static uint64_t age_of(const struct neigh_entry *e, uint64_t now)
{
	uint64_t c = __atomic_load_n(&e->confirmed, __ATOMIC_RELAXED);

	return c >= now ? 0 : now - c;
}

void neigh_walk(void (*fn)(const struct neigh_info *n, void *arg), void *arg)
{
	uint64_t now = rte_get_tsc_cycles(), hz = rte_get_tsc_hz();

	for (uint32_t i = 0; i < max_entries; i++) {
		const struct neigh_entry *e = &entries[i];
		struct neigh_info n;

		if (!e->live)
			continue;
		n.ip = e->ip;
		n.port = e->port;
		mac_unpack(e->mac, &n.mac);
		n.state = (enum neigh_state)e->state;
		n.age_s = (uint32_t)(age_of(e, now) / hz);
		fn(&n, arg);
	}
}

/*
 * One tick of Linux's NUD machine for an entry not confirmed within the
 * reachable time.  Returns false when e should go: unused for three
 * reachable times, or its unicast probes went unanswered.
 */
static bool unconfirmed_tick(struct neigh_entry *e, uint64_t age,
			     uint32_t now)
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

void neigh_expire(void *arg __rte_unused)
{
	uint64_t now = rte_get_tsc_cycles();
	uint32_t tick;

	reclaim_ready(false);
	tick = __atomic_add_fetch(&neigh_clock, 1, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < max_entries; i++) {
		struct neigh_entry *e = &entries[i];
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
