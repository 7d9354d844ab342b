/* Per-worker connection tables, the timer wheel and FullNAT port pools. */
#include "ipvs_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>

#include "core/lcore.h"
#include "core/log.h"
#include "nat_reg.h"
#include "net/netif.h"
#include "net/pktstats.h"

/*
 * One-second slots.  Longer timeouts (up to DPVS_TIMEOUT_MAX) go round
 * the wheel: a conn whose slot comes up before it is due is re-filed.
 */
#define WHEEL_SLOTS 4096u
#define WHEEL_BUDGET 4096     /* conns looked at per loop, bounds latency */
#define FNAT_PORT_MIN 1024u
#define EMBRYO_SCAN 64        /* embryos looked at for a wanted local port */
#define EVICT_TRIES 4         /* evictions for one new conn's hash keys */
#define KNOWN_BITS (1u << 16) /* clients remembered, hashed, per worker */
#define KNOWN_SECS 60         /* a generation of them */

struct conn_key {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t pad[3];
};

TAILQ_HEAD(conn_list, ipvs_conn);
/* A wheel slot: a conn leaves it without knowing which slot it is in. */
LIST_HEAD(wheel_list, ipvs_conn);

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
	/* Embryonic TCP conns, oldest first: of unknown, of known clients. */
	struct conn_list embryos[2];
	struct ipvs_conn *spare;   /* an evicted object, for the next conn */
	uint32_t known_since;      /* tick the current generation began */
	/* Clients that completed a handshake: this generation, the last. */
	uint64_t known[2][KNOWN_BITS / 64];
} __rte_cache_aligned;

/*
 * A worker's free ports of one local address, reused oldest first: a
 * port freed by early drop may still be known to a real server (a
 * half-open connection there, its SYN-ACKs on the way), so it goes to
 * the back of the queue rather than to the next connection.
 */
struct port_pool {
	uint32_t count;        /* free ports; read by the master */
	uint32_t head;         /* the oldest */
	uint32_t size;         /* slots */
	uint16_t ports[];
};

static void port_sets_sweep(bool all);
/* The listing's index of pool objects (see "listing" below). */
static int index_pool(void);
static void unindex_pool(void);

static struct worker_tab *tabs;   /* [nworkers] */
static unsigned ntabs;
static struct rte_mempool *pool;
static uint64_t tick_hz;
static uint32_t per_worker_cap;   /* conns a worker's table holds for sure */
static uint32_t per_worker_share; /* its share of the pool */

/* Seconds per state; IPVS's defaults. */
static uint32_t timeouts[CS_MAX] = {
	[CS_NONE] = 2, [CS_ESTABLISHED] = 900, [CS_SYN_SENT] = 120,
	[CS_SYN_RECV] = 60, [CS_FIN_WAIT] = 120, [CS_TIME_WAIT] = 120,
	[CS_CLOSE] = 10, [CS_CLOSE_WAIT] = 60, [CS_LAST_ACK] = 30,
	[CS_LISTEN] = 120, [CS_SYNACK] = 120, [CS_UDP] = 300,
};

static const char *const state_names[CS_MAX] = {
	"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK", "UDP",
};

const char *ipvs_conn_state_name(unsigned s)
{
	return s < CS_MAX ? state_names[s] : "?";
}

void ipvs_conn_set_timeouts(const struct dpvs_timeouts *t)
{
	if (t->tcp)
		__atomic_store_n(&timeouts[CS_ESTABLISHED], t->tcp, __ATOMIC_RELAXED);
	if (t->tcp_fin)
		__atomic_store_n(&timeouts[CS_FIN_WAIT], t->tcp_fin, __ATOMIC_RELAXED);
	if (t->udp)
		__atomic_store_n(&timeouts[CS_UDP], t->udp, __ATOMIC_RELAXED);
}

void ipvs_conn_get_timeouts(struct dpvs_timeouts *t)
{
	t->tcp = timeouts[CS_ESTABLISHED];
	t->tcp_fin = timeouts[CS_FIN_WAIT];
	t->udp = timeouts[CS_UDP];
}

static uint32_t now_tick(void)
{
	return (uint32_t)(rte_get_tsc_cycles() / tick_hz);
}

uint32_t ipvs_conn_expires_in(const struct ipvs_conn *c)
{
	int32_t left = (int32_t)(c->expire - now_tick());

	return left > 0 ? (uint32_t)left : 0;
}

int ipvs_conn_init(const struct dpvs_conf *c)
{
	char name[RTE_HASH_NAMESIZE];
	unsigned nw = lcore_nworkers();
	uint32_t per = c->conn_pool_size / (nw ? nw : 1);

	tick_hz = rte_get_tsc_hz();
	ntabs = nw;
	/* Two keys a NAT/FullNAT conn in a table of per * 2 + 1024 keys. */
	per_worker_cap = per + 512;
	per_worker_share = per;
	if (nw == 0)
		return 0;
	/*
	 * One reply tuple a NAT conn; a quarter more for the cuckoo hash's
	 * buckets and keys awaiting a grace period.
	 */
	if (nat_reg_init(c->conn_pool_size + c->conn_pool_size / 4 + 1024,
			 sizeof(struct conn_key)) < 0)
		return -ENOMEM;
	pool = rte_mempool_create("ipvs_conn", c->conn_pool_size,
				  sizeof(struct ipvs_conn), 256, 0, NULL, NULL,
				  NULL, NULL, SOCKET_ID_ANY, 0);
	tabs = rte_zmalloc("ipvs_tabs", sizeof(*tabs) * nw, RTE_CACHE_LINE_SIZE);
	if (!pool || !tabs || index_pool() < 0)
		goto fail;
	for (unsigned w = 0; w < nw; w++) {
		struct rte_hash_parameters hp = {
			.name = name,
			/* two keys a conn, and slack for the hash's buckets */
			.entries = per * 2 + 1024,
			.key_len = sizeof(struct conn_key),
			.hash_func = rte_jhash,
			.socket_id = SOCKET_ID_ANY,
		};

		snprintf(name, sizeof(name), "ipvs_conn_%u", w);
		tabs[w].hash = rte_hash_create(&hp);
		if (!tabs[w].hash)
			goto fail;
		for (unsigned i = 0; i < WHEEL_SLOTS; i++)
			LIST_INIT(&tabs[w].wheel[i]);
		LIST_INIT(&tabs[w].draining);
		TAILQ_INIT(&tabs[w].embryos[0]);
		TAILQ_INIT(&tabs[w].embryos[1]);
		tabs[w].now = now_tick();
	}
	return 0;
fail:
	LOG_ERRX("ipvs", "cannot create connection tables for %u conns: %s",
		 c->conn_pool_size, rte_strerror(rte_errno));
	ipvs_conn_fini();
	return -ENOMEM;
}

void ipvs_conn_fini(void)
{
	port_sets_sweep(true);
	for (unsigned w = 0; tabs && w < ntabs; w++)
		rte_hash_free(tabs[w].hash);
	rte_free(tabs);
	rte_mempool_free(pool);
	unindex_pool();
	nat_reg_fini();
	tabs = NULL;
	pool = NULL;
	ntabs = 0;
}

static void key_of(struct conn_key *k, uint8_t proto, uint32_t s, uint16_t sp,
		   uint32_t d, uint16_t dp)
{
	memset(k, 0, sizeof(*k));
	k->saddr = s;
	k->daddr = d;
	k->sport = sp;
	k->dport = dp;
	k->proto = proto;
}

/* DR and TUN replies go straight to the client: no reply key. */
static bool has_out(const struct ipvs_conn *c)
{
	return c->fwd == IPVS_FWD_FNAT || c->fwd == IPVS_FWD_NAT;
}

/* The reply direction's tuple: what the real server sends back. */
static void out_key(struct conn_key *k, const struct ipvs_conn *c)
{
	if (c->fwd == IPVS_FWD_FNAT)
		key_of(k, c->proto, c->daddr, c->dport, c->laddr, c->lport);
	else
		key_of(k, c->proto, c->daddr, c->dport, c->caddr, c->cport);
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
	uint64_t hits;              /* by key index */
	int8_t slot[BURST_MAX];     /* key index of each packet, -1: none */
	struct conn_key keys[BURST_MAX];
	void *data[BURST_MAX];
} __rte_cache_aligned;

static struct burst_cache bursts[RTE_MAX_LCORE];

/* The conn key of an untagged IPv4 TCP/UDP first fragment, or false. */
static bool burst_key(const struct rte_mbuf *m, struct conn_key *k)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
	const uint16_t *ports;
	uint32_t hlen;

	if (m->data_len < sizeof(*eh) + sizeof(*ip) + 4 ||
	    eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4 ||
	    (ip->next_proto_id != IPPROTO_TCP &&
	     ip->next_proto_id != IPPROTO_UDP) ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					   RTE_IPV4_HDR_OFFSET_MASK)))
		return false;
	hlen = (ip->version_ihl & 0xf) * 4u;
	if (hlen < sizeof(*ip) || m->data_len < sizeof(*eh) + hlen + 4)
		return false;
	ports = (const uint16_t *)((const char *)ip + hlen);
	key_of(k, ip->next_proto_id, rte_be_to_cpu_32(ip->src_addr),
	       rte_be_to_cpu_16(ports[0]), rte_be_to_cpu_32(ip->dst_addr),
	       rte_be_to_cpu_16(ports[1]));
	return true;
}

static void burst_begin(unsigned lc, struct rte_mbuf **pkts, unsigned n)
{
	struct burst_cache *b = &bursts[lc];
	const void *kp[BURST_MAX];
	unsigned nk = 0;

	b->n = 0;
	if (n > BURST_MAX || lcore_role(lc) != ROLE_WORKER)
		return;
	b->widx = ipvs_worker_index(lc);
	for (unsigned j = 0; j < n; j++) {
		b->slot[j] = -1;
		if (burst_key(pkts[j], &b->keys[nk])) {
			kp[nk] = &b->keys[nk];
			b->slot[j] = (int8_t)nk++;
		}
	}
	b->hits = 0;
	if (nk && rte_hash_lookup_bulk_data(tabs[b->widx].hash, kp, nk,
					    &b->hits, b->data) < 0)
		return;
	/* The conns themselves are the next misses: start them all now. */
	for (uint64_t h = b->hits; h; h &= h - 1) {
		const char *c = (const char *)((uintptr_t)b->data[__builtin_ctzll(h)] &
					       ~(uintptr_t)1);

		rte_prefetch0(c);
		rte_prefetch0(c + sizeof(struct ipvs_conn) - 1);
	}
	b->cur = 0;
	b->n = n;
}

static void burst_at(unsigned lc, unsigned j)
{
	bursts[lc].cur = j;
}

static void burst_end(unsigned lc)
{
	bursts[lc].n = 0;
}

const struct netif_burst_hook ipvs_conn_burst_hook = {
	.begin = burst_begin, .at = burst_at, .end = burst_end,
};

/* The burst's answer for key k on worker widx, if it has one. */
static bool burst_hit(unsigned widx, const struct conn_key *k, void **data)
{
	unsigned lc = rte_lcore_id();
	const struct burst_cache *b;
	int s;

	if (lc >= RTE_MAX_LCORE)
		return false;
	b = &bursts[lc];
	if (!b->n || b->widx != widx || b->cur >= b->n)
		return false;
	s = b->slot[b->cur];
	if (s < 0 || !(b->hits >> s & 1) ||
	    memcmp(&b->keys[s], k, sizeof(*k)) != 0)
		return false;
	*data = b->data[s];
	return true;
}

/* An evicted conn: the rest of the burst must not find it any more. */
static void burst_forget(unsigned widx, const struct ipvs_conn *c)
{
	unsigned lc = rte_lcore_id();
	struct burst_cache *b;

	if (lc >= RTE_MAX_LCORE)
		return;
	b = &bursts[lc];
	if (!b->n || b->widx != widx)
		return;
	for (uint64_t h = b->hits; h; h &= h - 1) {
		unsigned s = (unsigned)__builtin_ctzll(h);

		if (((uintptr_t)b->data[s] & ~(uintptr_t)1) == (uintptr_t)c)
			b->hits &= ~(1ull << s);
	}
}

int ipvs_conn_nat_owner(const struct conn_tuple *t)
{
	struct conn_key k;

	key_of(&k, t->proto, t->saddr, t->sport, t->daddr, t->dport);
	return nat_reg_owner(&k);
}

struct ipvs_conn *ipvs_conn_lookup(unsigned widx, const struct conn_tuple *t,
				   enum conn_dir *dir)
{
	struct conn_key k;
	void *data;

	key_of(&k, t->proto, t->saddr, t->sport, t->daddr, t->dport);
	if (!burst_hit(widx, &k, &data) &&
	    rte_hash_lookup_data(tabs[widx].hash, &k, &data) < 0)
		return NULL;
	*dir = (enum conn_dir)((uintptr_t)data & 1);
	return (struct ipvs_conn *)((uintptr_t)data & ~(uintptr_t)1);
}

/*
 * Files c at its deadline, never behind the tick being processed: a
 * slot already passed would come round again only a lap later.
 */
static void wheel_add(struct worker_tab *t, struct ipvs_conn *c)
{
	uint32_t next = t->now + 1;
	uint32_t at = (int32_t)(c->expire - next) > 0 ? c->expire : next;

	if (at == next && t->loaded)
		LIST_INSERT_HEAD(&t->draining, c, wheel);
	else
		LIST_INSERT_HEAD(&t->wheel[at % WHEEL_SLOTS], c, wheel);
}

/*
 * A deadline moved earlier (FIN after ESTABLISHED, a lower timeout) is
 * re-filed at once; one moved later waits for its old slot, which
 * re-files it lazily.  Else a closed conn would hold its slot and port
 * until the established deadline it was filed under.
 */
static void wheel_set_expire(struct worker_tab *t, struct ipvs_conn *c,
			     uint32_t expire)
{
	bool earlier = (int32_t)(expire - c->expire) < 0;

	c->expire = expire;
	if (earlier) {
		LIST_REMOVE(c, wheel);
		wheel_add(t, c);
	}
}

/* Dest counters follow the conn: active while established. */
static void count_state(struct ipvs_conn *c, bool add)
{
	struct sched_counters *cnt = &c->dest->cnt;
	uint32_t *f = c->flags & CONN_F_INACTIVE ? &cnt->inactive : &cnt->active;

	if (add)
		__atomic_add_fetch(f, 1, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(f, 1, __ATOMIC_RELAXED);
}

/*
 * rte_hash_add_key_data replaces a key that is there: a conn whose
 * reply tuple is another's (NAT: one client ip:port to two VIPs with
 * one real server ip:port) would steal its replies, and freeing either
 * would delete the other's key.  Such a conn is refused instead.  This
 * worker's table is looked at here; other workers' NAT reply tuples are
 * in the shared registry (claim_reply).
 */
static bool keys_taken(const struct worker_tab *t, const struct ipvs_conn *c,
		       const struct conn_key *in, const struct conn_key *out)
{
	return rte_hash_lookup(t->hash, in) >= 0 ||
	       (has_out(c) && rte_hash_lookup(t->hash, out) >= 0);
}

static bool is_embryonic(const struct ipvs_conn *c)
{
	return c->proto == IPPROTO_TCP &&
	       (c->state == CS_NONE || c->state == CS_SYN_RECV ||
		c->state == CS_SYN_SENT || c->state == CS_SYNACK);
}

static unsigned known_bit(uint32_t addr)
{
	return (addr * 2654435761u) >> 16;   /* Knuth's multiplicative hash */
}

static bool client_known(const struct worker_tab *t, uint32_t addr)
{
	unsigned b = known_bit(addr);

	return ((t->known[0][b / 64] | t->known[1][b / 64]) >> (b % 64)) & 1;
}

/*
 * A spoofed source never completes a handshake: one that did is a real
 * client, whose next half-open conns are evicted last.  Remembered for
 * one to two generations, aged as new ones are learnt.
 */
static void client_learn(struct worker_tab *t, uint32_t addr)
{
	uint32_t now = now_tick(), age = now - t->known_since;
	unsigned b = known_bit(addr);

	if (age >= KNOWN_SECS) {
		if (age < 2 * KNOWN_SECS)
			memcpy(t->known[1], t->known[0], sizeof(t->known[0]));
		else
			memset(t->known[1], 0, sizeof(t->known[1]));
		memset(t->known[0], 0, sizeof(t->known[0]));
		t->known_since = now;
	}
	t->known[0][b / 64] |= 1ull << (b % 64);
}

static void embryo_unlink(struct worker_tab *t, struct ipvs_conn *c)
{
	TAILQ_REMOVE(&t->embryos[!!(c->flags & CONN_F_KNOWN)], c, embryo);
	c->flags &= ~(CONN_F_EMBRYO | CONN_F_KNOWN);
}

/*
 * Keeps c on its worker's embryonic lists exactly while it is one; renew
 * moves it to the young end.
 */
static void embryo_track(struct worker_tab *t, struct ipvs_conn *c, bool renew)
{
	bool known;

	if (c->flags & CONN_F_EMBRYO) {
		if (is_embryonic(c) && !renew)
			return;
		embryo_unlink(t, c);
	}
	if (!is_embryonic(c))
		return;
	known = client_known(t, c->caddr);
	TAILQ_INSERT_TAIL(&t->embryos[known], c, embryo);
	c->flags |= CONN_F_EMBRYO | (known ? CONN_F_KNOWN : 0);
}

/*
 * A NAT reply tuple may be another worker's conn's: RSS spreads one
 * client's flows to two VIPs over workers.  FullNAT reply tuples carry
 * this worker's own local port, so they never clash across workers.
 */
static int claim_reply(const struct ipvs_conn *c, const struct conn_key *out)
{
	return c->fwd == IPVS_FWD_NAT ? nat_reg_claim(out, c->widx) : 0;
}

static void unclaim_reply(const struct ipvs_conn *c, const struct conn_key *out)
{
	if (c->fwd == IPVS_FWD_NAT)
		nat_reg_release(out, c->widx);
}

/*
 * Fills c from tmpl and hashes both directions; -ENOSPC: table full,
 * -ENOBUFS: the NAT reply registry full.
 * An object reused from an evicted conn stays filed on the wheel: its
 * links are kept.
 */
static int conn_hash(struct worker_tab *t, struct ipvs_conn *c,
		     const struct ipvs_conn *tmpl, unsigned widx, bool filed)
{
	__typeof__(c->wheel) link = c->wheel;
	struct conn_key in, out;
	int rc;

	*c = *tmpl;
	if (filed)
		c->wheel = link;
	c->widx = (uint8_t)widx;
	key_of(&in, c->proto, c->caddr, c->cport, c->vaddr, c->vport);
	out_key(&out, c);
	if (keys_taken(t, c, &in, &out))
		return -EEXIST;
	rc = claim_reply(c, &out);
	if (rc < 0)
		return rc;
	rc = rte_hash_add_key_data(t->hash, &in, c);
	if (rc < 0)
		goto unclaim;
	if (has_out(c)) {
		rc = rte_hash_add_key_data(t->hash, &out,
					   (void *)((uintptr_t)c | 1));
		if (rc < 0) {
			rte_hash_del_key(t->hash, &in);
			goto unclaim;
		}
	}
	return 0;
unclaim:
	unclaim_reply(c, &out);
	return rc;
}

static struct ipvs_conn *conn_start(struct worker_tab *t, struct ipvs_conn *c,
				    bool filed)
{
	__atomic_add_fetch(&c->dest->refcnt, 1, __ATOMIC_RELAXED);
	if (c->lobj)
		__atomic_add_fetch(&c->lobj->refcnt, 1, __ATOMIC_RELAXED);
	c->flags |= CONN_F_INACTIVE;
	count_state(c, true);
	c->expire = now_tick() + timeouts[c->state];
	if (filed)   /* a reused object: filed for its old deadline */
		LIST_REMOVE(c, wheel);
	wheel_add(t, c);
	t->nconns++;
	embryo_track(t, c, false);
	__atomic_store_n(&c->used, 1, __ATOMIC_RELEASE);
	return c;
}

/* Deletes k only if it is still c's (data: c, tagged with its direction). */
static void del_own_key(struct rte_hash *h, const struct conn_key *k,
			const void *data)
{
	void *v;

	if (rte_hash_lookup_data(h, k, &v) >= 0 && v == data)
		rte_hash_del_key(h, k);
}

/* Out of the table, left on the wheel to free when its slot comes up. */
static void conn_bury(struct worker_tab *t, struct ipvs_conn *c)
{
	c->flags = CONN_F_DEAD;
	c->used = 0;
	c->expire = t->now;
}

static bool embryo_evict_oldest(struct worker_tab *t, unsigned widx);

/*
 * NULL with rte_errno: EEXIST (a tuple is another conn's) or ENOSPC (the
 * pool, the table or the NAT reply registry full).
 */
static struct ipvs_conn *conn_refused(int rc)
{
	rte_errno = rc == -EEXIST ? EEXIST : ENOSPC;
	return NULL;
}

struct ipvs_conn *ipvs_conn_new(unsigned widx, const struct ipvs_conn *tmpl)
{
	struct worker_tab *t = &tabs[widx];
	struct ipvs_conn *c;

	/*
	 * Past its share, a flooded worker makes room from its own embryos
	 * first: its table stays far from full, and the pool left to the
	 * other workers.
	 */
	if (!t->spare && t->nconns >= per_worker_share)
		embryo_evict_oldest(t, widx);
	if (!t->spare && rte_mempool_get(pool, (void **)&c) == 0) {
		int rc = conn_hash(t, c, tmpl, widx, false);

		if (rc == 0)
			return conn_start(t, c, false);
		rte_mempool_put(pool, c);
		if (rc != -ENOSPC)
			return conn_refused(rc);
	}
	/* Pool or table full: an embryo's object and keys make room. */
	if (!t->spare && !embryo_evict_oldest(t, widx))
		return conn_refused(-ENOSPC);
	c = t->spare;
	for (unsigned i = 0; i < EVICT_TRIES; i++) {
		int rc = conn_hash(t, c, tmpl, widx, true);

		if (rc == 0) {
			t->spare = NULL;
			return conn_start(t, c, true);
		}
		conn_bury(t, c);   /* stays the spare */
		/* Full buckets: another embryo's keys, its object for the wheel. */
		if (rc != -ENOSPC || !embryo_evict_oldest(t, widx))
			return conn_refused(rc);
	}
	return conn_refused(-ENOSPC);
}

/*
 * Takes c out of the table and gives back what it holds, but not the
 * object, which the wheel may still hold.
 */
static void conn_release(struct worker_tab *t, struct ipvs_conn *c,
			 unsigned widx)
{
	struct conn_key in, out;

	__atomic_store_n(&c->used, 0, __ATOMIC_RELEASE);
	key_of(&in, c->proto, c->caddr, c->cport, c->vaddr, c->vport);
	out_key(&out, c);
	del_own_key(t->hash, &in, c);
	if (has_out(c))
		del_own_key(t->hash, &out, (void *)((uintptr_t)c | 1));
	unclaim_reply(c, &out);
	count_state(c, false);
	if (c->flags & CONN_F_EMBRYO)
		embryo_unlink(t, c);
	if (c->lobj) {
		ipvs_port_put(c->lobj, widx, c->lport);
		ipvs_laddr_put(c->lobj);
	}
	ipvs_dest_put(c->dest);
	t->nconns--;
}

/*
 * Only the expiry job and shutdown free conns, never a packet's handling
 * inside an rx burst: the burst cache's hits (burst_hit) rely on it.
 * Early drop evicts inside a burst, but forgets the burst's hits on the
 * conn and keeps the object until the wheel frees or a new conn reuses it.
 */
static void conn_free(struct worker_tab *t, struct ipvs_conn *c, unsigned widx)
{
	if (!(c->flags & CONN_F_DEAD))
		conn_release(t, c, widx);
	if (t->spare == c)
		t->spare = NULL;
	rte_mempool_put(pool, c);
}

/*
 * IPVS's TCP state table: [direction][event][state].  Events are syn,
 * fin, ack, rst; directions input (client side), output (server side)
 * and input-only (DR/TUN, where replies bypass us).
 */
enum { EV_SYN, EV_FIN, EV_ACK, EV_RST, EV_MAX };
#define sNO CS_NONE
#define sES CS_ESTABLISHED
#define sSS CS_SYN_SENT
#define sSR CS_SYN_RECV
#define sFW CS_FIN_WAIT
#define sTW CS_TIME_WAIT
#define sCL CS_CLOSE
#define sCW CS_CLOSE_WAIT
#define sLA CS_LAST_ACK
#define sLI CS_LISTEN
#define sSA CS_SYNACK
static const uint8_t tcp_fsm[3][EV_MAX][CS_SYNACK + 1] = {
	{ /* input */
	  { sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR },
	  { sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW },
	  { sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES },
	  { sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR } },
	{ /* output */
	  { sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR },
	  { sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW },
	  { sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES },
	  { sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL } },
	{ /* input only */
	  { sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR },
	  { sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW },
	  { sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES },
	  { sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL } },
};

static int tcp_event(uint8_t flags)
{
	if (flags & 0x04)
		return EV_RST;
	if (flags & 0x02)
		return EV_SYN;
	if (flags & 0x01)
		return EV_FIN;
	if (flags & 0x10)
		return EV_ACK;
	return -1;
}

void ipvs_conn_update(struct ipvs_conn *c, enum conn_dir dir, uint8_t flags,
		      bool input_only)
{
	int ev;
	uint8_t ns;

	if (c->proto == IPPROTO_TCP && (ev = tcp_event(flags)) >= 0 &&
	    c->state <= CS_SYNACK) {
		ns = tcp_fsm[input_only ? 2 : dir][ev][c->state];
		if (ns != c->state) {
			bool was_active = !(c->flags & CONN_F_INACTIVE);
			bool active = ns == CS_ESTABLISHED;

			if (was_active != active) {
				count_state(c, false);
				c->flags ^= CONN_F_INACTIVE;
				count_state(c, true);
			}
			if (ns == CS_ESTABLISHED && dir == DIR_IN &&
			    (c->flags & CONN_F_EMBRYO))
				client_learn(&tabs[c->widx], c->caddr);
			c->state = ns;
		}
		/*
		 * A client that sends its SYN again lost the first answer:
		 * had it stayed the oldest, it would be evicted just before
		 * its ACK.  Spoofed SYNs are sent once.
		 */
		embryo_track(&tabs[c->widx], c, dir == DIR_IN && ev == EV_SYN);
	}
	wheel_set_expire(&tabs[c->widx], c, now_tick() +
			 __atomic_load_n(&timeouts[c->state], __ATOMIC_RELAXED));
}

int ipvs_conn_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id();

	if (!tabs || lcore_role(lc) != ROLE_WORKER)
		return 0;
	nat_reg_reclaim();
	return ipvs_conn_job_for(ipvs_worker_index(lc));
}

/*
 * Drains the slot of tick now + 1, then advances; at most WHEEL_BUDGET
 * conns a call, the rest next loop.  The tick advances only once its
 * whole slot has been looked at.
 */
/* Moves every conn of from into the empty list to. */
static void wheel_move(struct wheel_list *to, struct wheel_list *from)
{
	to->lh_first = from->lh_first;
	if (to->lh_first)
		to->lh_first->wheel.le_prev = &to->lh_first;
	LIST_INIT(from);
}

int ipvs_conn_job_for(unsigned w)
{
	struct worker_tab *t = &tabs[w];
	uint32_t now = now_tick();
	int budget = WHEEL_BUDGET, n = 0;
	struct ipvs_conn *c;

	for (;;) {
		c = LIST_FIRST(&t->draining);
		if (!c) {
			if (t->loaded) {
				t->loaded = false;
				t->now++;
			}
			if (t->now == now)
				break;
			wheel_move(&t->draining,
				   &t->wheel[(t->now + 1) % WHEEL_SLOTS]);
			t->loaded = true;
			continue;
		}
		if (budget-- <= 0)
			break;
		LIST_REMOVE(c, wheel);
		if ((int32_t)(c->expire - (t->now + 1)) > 0) {
			wheel_add(t, c); /* refreshed, or laps ahead: re-file */
			continue;
		}
		conn_free(t, c, w);
		n++;
	}
	return n;
}

/* ---- early drop of embryonic connections ---- */

/*
 * A spoofed SYN flood fills the table with conns that never complete.
 * Evicting the oldest embryo (FIFO: a flood's SYN-ACK retransmits must
 * not make it young again) lets new conns in at any flood rate, while a
 * real handshake, done in a round trip, is rarely the oldest; those of
 * clients known to complete handshakes go last of all.  The
 * object is still filed on the wheel, which alone can unfile it: it
 * stays there dead, kept as the worker's spare for the next new conn,
 * which reuses it in place.
 */
static void embryo_evict(struct worker_tab *t, struct ipvs_conn *c,
			 unsigned widx)
{
	unsigned lc = rte_lcore_id();

	conn_release(t, c, widx);
	burst_forget(widx, c);
	conn_bury(t, c);
	if (!t->spare)
		t->spare = c;
	if (lc < RTE_MAX_LCORE)
		PKT_INC(lc, ipvs_embryonic_evicted);
}

static bool embryo_evict_oldest(struct worker_tab *t, unsigned widx)
{
	struct ipvs_conn *c = TAILQ_FIRST(&t->embryos[0]);

	if (!c)
		c = TAILQ_FIRST(&t->embryos[1]);
	if (!c)
		return false;
	embryo_evict(t, c, widx);
	return true;
}

bool ipvs_conn_evict_for_port(unsigned widx, struct ipvs_laddr *const *laddrs,
			      unsigned n)
{
	struct worker_tab *t = &tabs[widx];
	struct ipvs_conn *c;

	/* Bounded: other services' embryos may hold other addresses. */
	for (unsigned k = 0; k < 2; k++) {
		unsigned seen = 0;

		TAILQ_FOREACH(c, &t->embryos[k], embryo) {
			if (++seen > EMBRYO_SCAN)
				break;
			for (unsigned i = 0; c->lobj && i < n; i++)
				if (c->lobj->pset == laddrs[i]->pset) {
					embryo_evict(t, c, widx);
					return true;
				}
		}
	}
	return false;
}

/* ---- FullNAT port pools ---- */

/*
 * Local ports belong to the address, not to a service: services that
 * share a local address (keepalived's local_address_group does that)
 * must never hand out the same port, or the reply key of one
 * connection would replace another's and send its replies to the wrong
 * client.  So each address has one set of per-worker pools, found by
 * address when a service adds it.  The master keeps the registry and
 * frees unused sets; a worker dropping the last connection of a local
 * address only lowers the count.
 */
struct port_set {
	uint32_t addr;
	uint32_t refs;               /* laddr objects using it; atomic */
	struct port_pool **pools;    /* [nworkers] */
	unsigned npools;
	struct port_set *next;       /* master's registry */
};

static struct port_set *port_sets;

static void port_set_free(struct port_set *ps)
{
	for (unsigned w = 0; w < ps->npools; w++)
		rte_free(ps->pools[w]);
	rte_free(ps->pools);
	rte_free(ps);
}

/* Master: frees the sets no local address uses any more. */
static void port_sets_sweep(bool all)
{
	struct port_set **pp = &port_sets;

	while (*pp) {
		struct port_set *ps = *pp;

		if (all || __atomic_load_n(&ps->refs, __ATOMIC_ACQUIRE) == 0) {
			*pp = ps->next;
			port_set_free(ps);
		} else {
			pp = &ps->next;
		}
	}
}

static struct port_set *port_set_new(uint32_t addr, unsigned nw)
{
	unsigned span = 65536 - FNAT_PORT_MIN;
	struct port_set *ps = rte_zmalloc("port_set", sizeof(*ps), 0);

	if (!ps)
		return NULL;
	ps->addr = addr;
	ps->pools = rte_zmalloc("port_pools", sizeof(*ps->pools) * nw, 0);
	if (!ps->pools) {
		rte_free(ps);
		return NULL;
	}
	for (unsigned w = 0; w < nw; w++, ps->npools++) {
		struct port_pool *p = rte_zmalloc("port_pool", sizeof(*p) +
						  sizeof(uint16_t) * (span / nw + 1),
						  RTE_CACHE_LINE_SIZE);

		if (!p) {
			port_set_free(ps);
			return NULL;
		}
		/* Worker w owns the ports p with p % nworkers == w. */
		p->size = span / nw + 1;
		for (uint32_t port = FNAT_PORT_MIN; port <= 65535; port++)
			if (port % nw == w)
				p->ports[p->count++] = (uint16_t)port;
		ps->pools[w] = p;
	}
	return ps;
}

int ipvs_port_pools_init(struct ipvs_laddr *l, unsigned nw)
{
	struct port_set *ps;

	if (nw == 0)
		return 0;
	port_sets_sweep(false);
	for (ps = port_sets; ps; ps = ps->next)
		if (ps->addr == l->addr)
			break;
	if (!ps) {
		ps = port_set_new(l->addr, nw);
		if (!ps)
			return -ENOMEM;
		ps->next = port_sets;
		port_sets = ps;
	}
	__atomic_add_fetch(&ps->refs, 1, __ATOMIC_ACQ_REL);
	l->pset = ps;
	l->pools = ps->pools;
	return 0;
}

bool ipvs_port_set_used(uint32_t addr)
{
	for (const struct port_set *ps = port_sets; ps; ps = ps->next)
		if (ps->addr == addr &&
		    __atomic_load_n(&ps->refs, __ATOMIC_ACQUIRE) > 0)
			return true;
	return false;
}

/* Any lcore: the set itself is freed by the master's next sweep. */
void ipvs_port_pools_free(struct ipvs_laddr *l)
{
	if (l->pset)
		__atomic_sub_fetch(&l->pset->refs, 1, __ATOMIC_ACQ_REL);
	l->pset = NULL;
	l->pools = NULL;
}

uint16_t ipvs_port_get(struct ipvs_laddr *l, unsigned w)
{
	struct port_pool *p = l->pools[w];
	uint16_t port;

	if (!p->count)
		return 0;
	port = p->ports[p->head];
	if (++p->head == p->size)
		p->head = 0;
	__atomic_store_n(&p->count, p->count - 1, __ATOMIC_RELAXED);
	return port;
}

void ipvs_port_put(struct ipvs_laddr *l, unsigned w, uint16_t port)
{
	struct port_pool *p = l->pools[w];
	uint32_t tail = p->head + p->count;

	p->ports[tail < p->size ? tail : tail - p->size] = port;
	__atomic_store_n(&p->count, p->count + 1, __ATOMIC_RELAXED);
}

/*
 * Read from the master while workers take and give ports: each worker's
 * count is one aligned word, so the sum is a few packets stale at worst.
 */
void ipvs_port_usage(const struct ipvs_laddr *l, uint32_t *free_ports,
		     uint32_t *total)
{
	*free_ports = 0;
	*total = 65535 - FNAT_PORT_MIN + 1;
	for (unsigned w = 0; l->pools && w < lcore_nworkers(); w++)
		*free_ports += __atomic_load_n(&l->pools[w]->count, __ATOMIC_RELAXED);
}

uint32_t ipvs_conn_capacity(void)
{
	return per_worker_cap;
}

uint32_t ipvs_conn_count(unsigned widx)
{
	return widx < ntabs ? tabs[widx].nconns : 0;
}

void ipvs_conn_pool_usage(uint32_t *size, uint32_t *in_use)
{
	*size = pool ? pool->size : 0;
	*in_use = pool ? rte_mempool_in_use_count(pool) : 0;
}

/* ---- listing ---- */

/*
 * The pool's objects as runs of consecutive addresses, indexed once at
 * start, so a listing can resume at any object index in O(runs) instead
 * of walking the pool from its start for every page.
 */
struct obj_run {
	uint8_t *first;
	uint32_t start;   /* index of first */
	uint32_t n;
};

static struct obj_run *runs;
static unsigned nruns, runs_cap;
static size_t obj_stride;
static bool runs_failed;

static void index_obj(struct rte_mempool *mp __rte_unused, void *arg __rte_unused,
		      void *obj, unsigned idx)
{
	struct obj_run *r = nruns ? &runs[nruns - 1] : NULL;

	if (r && (uint8_t *)obj == r->first + (size_t)r->n * obj_stride) {
		r->n++;
		return;
	}
	if (nruns == runs_cap) {
		unsigned cap = runs_cap ? runs_cap * 2 : 8;
		struct obj_run *p = realloc(runs, sizeof(*p) * cap);

		if (!p) {
			runs_failed = true;
			return;
		}
		runs = p;
		runs_cap = cap;
	}
	runs[nruns++] = (struct obj_run){ obj, idx, 1 };
}

static int index_pool(void)
{
	obj_stride = pool->header_size + pool->elt_size + pool->trailer_size;
	rte_mempool_obj_iter(pool, index_obj, NULL);
	return runs_failed ? -ENOMEM : 0;
}

static void unindex_pool(void)
{
	free(runs);
	runs = NULL;
	nruns = runs_cap = 0;
	runs_failed = false;
}

uint32_t ipvs_conn_walk_page(uint32_t from, uint32_t max_scan,
			     uint32_t max_conns,
			     void (*fn)(const struct ipvs_conn *c, void *arg),
			     void *arg)
{
	uint32_t scanned = 0, found = 0;

	for (unsigned r = 0; r < nruns; r++) {
		const struct obj_run *run = &runs[r];

		if (from >= run->start + run->n)
			continue;
		for (uint32_t i = from > run->start ? from - run->start : 0;
		     i < run->n; i++) {
			const struct ipvs_conn *obj =
				(const void *)(run->first + (size_t)i * obj_stride);
			struct ipvs_conn copy;

			if (scanned == max_scan || found == max_conns)
				return run->start + i;
			scanned++;
			if (!__atomic_load_n(&obj->used, __ATOMIC_ACQUIRE))
				continue;
			/* A racy but safe snapshot: the worker owns it. */
			memcpy(&copy, obj, sizeof(copy));
			fn(&copy, arg);
			found++;
		}
	}
	return 0;
}

static void free_list(struct worker_tab *t, struct wheel_list *l, unsigned w)
{
	struct ipvs_conn *c;

	while ((c = LIST_FIRST(l))) {
		LIST_REMOVE(c, wheel);
		conn_free(t, c, w);
	}
}

/* At shutdown, with the workers stopped: drop every connection. */
void ipvs_conn_flush_all(void)
{
	for (unsigned w = 0; tabs && w < ntabs; w++) {
		free_list(&tabs[w], &tabs[w].draining, w);
		for (unsigned i = 0; i < WHEEL_SLOTS; i++)
			free_list(&tabs[w], &tabs[w].wheel[i], w);
	}
}
