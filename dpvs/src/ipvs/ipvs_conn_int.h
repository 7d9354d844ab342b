/*
 * Inside the connection tables: what ipvs_conn.c (the table),
 * ipvs_conn_wheel.c (expiry), ipvs_conn_burst.c (the rx burst's bulk
 * lookup) and ipvs_conn_embryo.c (early drop) share.  What a packet
 * does on every lookup and update is static inline here, as it was when
 * all of it was one file.
 */
#ifndef DPVS_IPVS_CONN_INT_H
#define DPVS_IPVS_CONN_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_lcore.h>

#include "conn_digest.h"
#include "conn_pool.h"
#include "ipvs_conn.h"

/*
 * One-second slots.  Longer timeouts (up to DPVS_TIMEOUT_MAX) go round
 * the wheel: a conn whose slot comes up before it is due is re-filed.
 */
#define WHEEL_SLOTS 4096u
#define KNOWN_BITS (1u << 16) /* clients remembered, hashed, per worker */

/*
 * 16 bytes for both families, in one table per worker.  A v4 key is
 * exact, bit for bit what it always was (af was a pad byte, 0); a v6
 * key carries conn_digest(saddr, daddr) instead of the addresses, so a
 * v6 hit is checked against the conn's own (conn_match6).
 */
#define CONN_KEY_V6 6

struct conn_key {
	union {
		struct {
			uint32_t saddr, daddr;     /* v4, host order */
		};
		uint64_t digest;               /* v6 */
	};
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t af;            /* 0: v4; CONN_KEY_V6 */
	uint8_t pad[2];
};

_Static_assert(sizeof(struct conn_key) == 16, "a conn key is 16 bytes");

/* A list by pool references (conn_ref), oldest first. */
struct conn_list {
	uint32_t first, last;
};

/* A wheel slot: a conn leaves it without knowing which slot it is in. */
struct wheel_list {
	uint32_t first;
};

#define WHEEL_HEAD 0x80000000u        /* a wheel_prev naming a slot */
#define WHEEL_DRAINING WHEEL_SLOTS    /* the slot id of draining */

struct worker_tab {
	struct rte_hash *hash;
	struct wheel_list wheel[WHEEL_SLOTS];
	/*
	 * The slot of tick now + 1, moved aside whole while it is drained:
	 * a conn re-filed a lap (or laps) ahead lands in the emptied slot,
	 * never in the list being walked.
	 */
	struct wheel_list draining;
	bool loaded;           /* draining holds tick now + 1's slot */
	uint32_t now;          /* last tick processed */
	uint32_t nconns;       /* in the table; only the owner writes */
	uint32_t reply_keys;   /* FullNAT replies keyed, not by port slot */
	/* Embryonic TCP conns, oldest first: of unknown, of known clients. */
	struct conn_list embryos[2];
	struct ipvs_conn *spare;   /* an evicted object, for the next conn */
	uint32_t known_since;      /* tick the current generation began */
	/* Clients that completed a handshake: this generation, the last. */
	uint64_t known[2][KNOWN_BITS / 64];
} __rte_cache_aligned;

extern struct worker_tab *conn_tabs;   /* [conn_ntabs], by worker index */
extern unsigned conn_ntabs;
extern uint64_t conn_tick_hz;

static inline uint32_t now_tick(void)
{
	return (uint32_t)(rte_get_tsc_cycles() / conn_tick_hz);
}

static inline void key_of(struct conn_key *k, uint8_t proto, uint32_t s,
			  uint16_t sp, uint32_t d, uint16_t dp)
{
	memset(k, 0, sizeof(*k));
	k->saddr = s;
	k->daddr = d;
	k->sport = sp;
	k->dport = dp;
	k->proto = proto;
}

static inline void key6_of(struct conn_key *k, uint8_t proto,
			   const struct in6_addr *s, uint16_t sp,
			   const struct in6_addr *d, uint16_t dp)
{
	memset(k, 0, sizeof(*k));
	k->digest = conn_digest(s, d);
	k->sport = sp;
	k->dport = dp;
	k->proto = proto;
	k->af = CONN_KEY_V6;
}

static inline struct wheel_list *wheel_head(struct worker_tab *t, uint32_t id)
{
	return id < WHEEL_SLOTS ? &t->wheel[id] : &t->draining;
}

static inline void wheel_insert(struct worker_tab *t, uint32_t id,
				struct ipvs_conn *c)
{
	struct wheel_list *h = wheel_head(t, id);
	struct ipvs_conn *n = conn_at(h->first);

	c->wheel_next = h->first;
	c->wheel_prev = WHEEL_HEAD | id;
	if (n)
		n->wheel_prev = conn_ref(c);
	h->first = conn_ref(c);
}

static inline void wheel_remove(struct worker_tab *t, struct ipvs_conn *c)
{
	struct ipvs_conn *n = conn_at(c->wheel_next);

	if (c->wheel_prev & WHEEL_HEAD)
		wheel_head(t, c->wheel_prev & ~WHEEL_HEAD)->first = c->wheel_next;
	else
		conn_at(c->wheel_prev)->wheel_next = c->wheel_next;
	if (n)
		n->wheel_prev = c->wheel_prev;
}

/*
 * Files c at its deadline, never behind the tick being processed: a
 * slot already passed would come round again only a lap later.
 */
static inline void wheel_add(struct worker_tab *t, struct ipvs_conn *c)
{
	uint32_t next = t->now + 1;
	uint32_t at = (int32_t)(c->expire - next) > 0 ? c->expire : next;

	if (at == next && t->loaded)
		wheel_insert(t, WHEEL_DRAINING, c);
	else
		wheel_insert(t, at % WHEEL_SLOTS, c);
}

/*
 * A deadline moved earlier (FIN after ESTABLISHED, a lower timeout) is
 * re-filed at once; one moved later waits for its old slot, which
 * re-files it lazily.  Else a closed conn would hold its slot and port
 * until the established deadline it was filed under.
 */
static inline void wheel_set_expire(struct worker_tab *t,
				    struct ipvs_conn *c, uint32_t expire)
{
	bool earlier = (int32_t)(expire - c->expire) < 0;

	c->expire = expire;
	if (earlier) {
		wheel_remove(t, c);
		wheel_add(t, c);
	}
}

/*
 * A burst's connections looked up at once, before its packets are
 * handled one by one: rte_hash_lookup_bulk_data overlaps the cache
 * misses of the whole burst, which at millions of connections are most
 * of a packet's cost.  A hit stays valid for the burst: conns are freed
 * by the expiry job only, never while a burst is handled.  A miss is
 * looked up again, as the burst's own SYNs may have made the conn since.
 */
#define BURST_MAX 64   /* RTE_HASH_LOOKUP_BULK_MAX */

struct burst_cache {
	unsigned n;                 /* packets in the burst; 0: none */
	unsigned cur;               /* the packet being handled */
	unsigned widx;
	/*
	 * The current packet's first lookup is for its own tuple (the rx
	 * path parsed it from the packet the key was made of), so it takes
	 * the answer by index; a later one (the packet looped back after a
	 * rewrite) is compared as any other lookup.
	 */
	bool fresh;
	uint32_t now;               /* now_tick() at the burst's start */
	uint64_t hits;              /* by key index */
	int8_t slot[BURST_MAX];     /* key index of each packet, -1: none */
	struct conn_key keys[BURST_MAX];
	void *data[BURST_MAX];
	uint64_t digests;           /* by key index: a v6 key's digest is made */
	/* A v6 key's addresses: its lookup takes the burst's answer, or
	 * digest, for them without making the digest again. */
	struct in6_addr addr6[BURST_MAX][2];
} __rte_cache_aligned;

extern struct burst_cache conn_bursts[RTE_MAX_LCORE];

/*
 * The current packet's own answer, of key family af (0, CONN_KEY_V6),
 * taken once without its key made or compared: only for the lookup of
 * the tuple the rx path parsed from that packet (see fresh).  ICMP
 * errors, whose lookup is of their quoted tuple, have no slot.
 */
static inline bool burst_take(unsigned widx, uint8_t af, void **data)
{
	unsigned lc = rte_lcore_id();
	struct burst_cache *b;
	int s;

	if (lc >= RTE_MAX_LCORE)
		return false;
	b = &conn_bursts[lc];
	if (!b->fresh || b->widx != widx)
		return false;
	b->fresh = false;
	s = b->slot[b->cur];
	if (s < 0 || !(b->hits >> s & 1) || b->keys[s].af != af)
		return false;
	*data = b->data[s];
	return true;
}

/*
 * The tick of this burst, read once for all its packets: a TSC read and
 * a 64-bit division per packet were most of a packet's conn update.
 */
static inline uint32_t burst_now(void)
{
	unsigned lc = rte_lcore_id();

	if (lc < RTE_MAX_LCORE && conn_bursts[lc].n)
		return conn_bursts[lc].now;
	return now_tick();
}

/* The burst's answer for key k on worker widx, if it has one. */
static inline bool burst_hit(unsigned widx, const struct conn_key *k,
			     void **data)
{
	unsigned lc = rte_lcore_id();
	const struct burst_cache *b;
	int s;

	if (lc >= RTE_MAX_LCORE)
		return false;
	b = &conn_bursts[lc];
	if (!b->n || b->widx != widx || b->cur >= b->n)
		return false;
	s = b->slot[b->cur];
	if (s < 0 || !(b->hits >> s & 1) ||
	    memcmp(&b->keys[s], k, sizeof(*k)) != 0)
		return false;
	*data = b->data[s];
	return true;
}

/*
 * The burst's answer for v6 tuple t: 1, a hit (*data); 0, a miss, *k its
 * key; -1, none.
 */
static inline int burst_hit6(unsigned widx, const struct conn_tuple6 *t,
			     struct conn_key *k, void **data)
{
	unsigned lc = rte_lcore_id();
	const struct burst_cache *b;
	const struct conn_key *bk;
	int s;

	if (lc >= RTE_MAX_LCORE)
		return -1;
	b = &conn_bursts[lc];
	if (!b->n || b->widx != widx || b->cur >= b->n)
		return -1;
	s = b->slot[b->cur];
	if (s < 0)
		return -1;
	bk = &b->keys[s];
	if (bk->af != CONN_KEY_V6 || bk->proto != t->proto ||
	    bk->sport != t->sport || bk->dport != t->dport ||
	    memcmp(&b->addr6[s][0], &t->saddr, sizeof(t->saddr)) != 0 ||
	    memcmp(&b->addr6[s][1], &t->daddr, sizeof(t->daddr)) != 0)
		return -1;
	if (b->hits >> s & 1) {
		*data = b->data[s];
		return 1;
	}
	if (!(b->digests >> s & 1))
		return -1;
	*k = *bk;
	return 0;
}

/* ipvs_conn.c */
/* The FullNAT conn whose reply v4 key k is, by its local port, or NULL. */
struct ipvs_conn *conn_by_port(unsigned widx, const struct conn_key *k);
/* The same for a v6 reply tuple. */
struct ipvs_conn *conn_by_port6(unsigned widx, uint8_t proto,
				const struct in6_addr *s, uint16_t sp,
				const struct in6_addr *d, uint16_t dp);
/* Out of the table; the object stays, the wheel may still hold it. */
void conn_release(struct worker_tab *t, struct ipvs_conn *c, unsigned widx);
/* Out of the table, left on the wheel to free when its slot comes up. */
void conn_bury(struct worker_tab *t, struct ipvs_conn *c);
/* Releases (unless dead) and frees c: the expiry job and shutdown only. */
void conn_free(struct worker_tab *t, struct ipvs_conn *c, unsigned widx);
/* Out of the table now, its object freed on the next tick (sync: replaced). */
void conn_evict(struct worker_tab *t, struct ipvs_conn *c, unsigned widx);
/* The conn of worker widx hashed under c's reply tuple, or NULL. */
struct ipvs_conn *conn_reply_holder(unsigned widx, const struct ipvs_conn *c);
/* A sync record's state: dest counts, embryo list, this LB's deadline. */
void conn_sync_state(struct worker_tab *t, struct ipvs_conn *c, uint8_t ns);

/*
 * Whom early drop remembers as completing handshakes: a v4 client's
 * address; a v6 client's /64 (a subscriber's usual allocation, which it
 * can roam within), folded to 32 bits, not its first 32 bits, which a
 * whole provider shares.
 */
static inline uint32_t conn_client_id(const struct ipvs_conn *c)
{
	uint64_t net;

	if (!ipvs_conn_is_v6(c))
		return c->caddr;
	memcpy(&net, &c->caddr6, sizeof(net));
	return (uint32_t)(net ^ (net >> 32));
}

/* ipvs_conn_embryo.c */
void client_learn(struct worker_tab *t, uint32_t addr);
void embryo_unlink(struct worker_tab *t, struct ipvs_conn *c);
void embryo_retrack(struct worker_tab *t, struct ipvs_conn *c);
bool embryo_evict_oldest(struct worker_tab *t, unsigned widx);

static inline bool is_embryonic(const struct ipvs_conn *c)
{
	return ipvs_proto_embryonic(ipvs_proto_get(c->proto), c->state);
}

/*
 * Keeps c on its worker's embryonic lists exactly while it is one; renew
 * moves it to the young end.  Inline: most packets change nothing.
 */
static inline void embryo_track(struct worker_tab *t, struct ipvs_conn *c,
				bool renew)
{
	bool listed = c->flags & CONN_F_EMBRYO;

	if (listed == is_embryonic(c) && !(listed && renew))
		return;
	embryo_retrack(t, c);
}

/* ipvs_conn_burst.c */
/* An evicted conn: the rest of the burst must not find it any more. */
void burst_forget(unsigned widx, const struct ipvs_conn *c);

#endif
