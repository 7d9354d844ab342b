/*
 * The connection table of each worker: a conn hashed under the tuple of
 * each direction that passes the load balancer, made, found and
 * released here.
 */
#include "ipvs_conn_int.h"

#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "core/lcore.h"
#include "core/log.h"
#include "core/mem_size.h"
#include "conn_pool.h"
#include "ipvs_sync_int.h"
#include "ipvs_xmit.h"
#include "nat_reg.h"
#include "net/pktstats.h"

#define EVICT_TRIES 4         /* evictions for one new conn's hash keys */

struct worker_tab *conn_tabs;   /* [nworkers] */
unsigned conn_ntabs;
uint64_t conn_tick_hz;
static uint32_t per_worker_cap;   /* conns a worker's table holds for sure */
static uint32_t per_worker_share; /* its share of the pool */

static const char *const state_names[CS_MAX] = {
	"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK", "UDP",
};

const char *ipvs_conn_state_name(unsigned s)
{
	return s < CS_MAX ? state_names[s] : "?";
}

static void set_timeout(const struct ipvs_proto *pp, unsigned state,
			uint32_t secs)
{
	if (secs)
		__atomic_store_n(&pp->timeouts[state], secs, __ATOMIC_RELAXED);
}

void ipvs_conn_set_timeouts(const struct ipvs_timeouts *t)
{
	set_timeout(&ipvs_proto_tcp, CS_ESTABLISHED, t->tcp);
	set_timeout(&ipvs_proto_tcp, CS_FIN_WAIT, t->tcp_fin);
	set_timeout(&ipvs_proto_udp, CS_UDP, t->udp);
}

void ipvs_conn_get_timeouts(struct ipvs_timeouts *t)
{
	t->tcp = ipvs_proto_tcp.timeouts[CS_ESTABLISHED];
	t->tcp_fin = ipvs_proto_tcp.timeouts[CS_FIN_WAIT];
	t->udp = ipvs_proto_udp.timeouts[CS_UDP];
}

static uint32_t timeout_of(const struct ipvs_conn *c)
{
	const struct ipvs_proto *pp = ipvs_proto_get(c->proto);

	return __atomic_load_n(&pp->timeouts[c->state], __ATOMIC_RELAXED);
}

/*
 * What ipvs_conn_init and the sync directory (made when the node first
 * becomes a BACKUP) take: the pool, the workers' tables, the NAT reply
 * registry and the directory, each an owner registry of uint16_t owners.
 */
uint64_t ipvs_conn_mem_need(const struct dpvs_conf *c)
{
	uint32_t nw = c->nworkers ? c->nworkers : 1;
	uint64_t per = c->conn_pool_size / nw;
	uint64_t reg = (uint64_t)c->conn_pool_size + c->conn_pool_size / 4 + 1024;
	uint64_t dir = c->sync_dir_entries ? c->sync_dir_entries : reg;
	uint32_t key = sizeof(struct conn_key);

	if (c->nworkers == 0)
		return 0;
	return conn_pool_bytes(c->conn_pool_size) +
	       nw * mem_hash_bytes(per * 2 + 1024, key, false) +
	       mem_hash_bytes(reg, key, true) + reg * sizeof(uint16_t) +
	       mem_hash_bytes(dir, key, true) + dir * sizeof(uint16_t);
}

int ipvs_conn_init(const struct dpvs_conf *c)
{
	char name[RTE_HASH_NAMESIZE];
	unsigned nw = lcore_nworkers();
	uint32_t per = c->conn_pool_size / (nw ? nw : 1);

	conn_tick_hz = rte_get_tsc_hz();
	conn_ntabs = nw;
	if (conn_digest_init() < 0) {
		LOG_ERRX("ipvs", "no random key for the IPv6 connection keys");
		return -EIO;
	}
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
	conn_tabs = rte_zmalloc("ipvs_tabs", sizeof(*conn_tabs) * nw,
				RTE_CACHE_LINE_SIZE);
	if (conn_pool_init(c->conn_pool_size, nw) < 0 || !conn_tabs)
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
		conn_tabs[w].hash = rte_hash_create(&hp);
		if (!conn_tabs[w].hash)
			goto fail;
		/* Lists by pool reference: zeroed, they are empty. */
		conn_tabs[w].now = now_tick();
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
	ipvs_port_sets_fini();
	for (unsigned w = 0; conn_tabs && w < conn_ntabs; w++)
		rte_hash_free(conn_tabs[w].hash);
	rte_free(conn_tabs);
	conn_pool_fini();
	nat_reg_fini();
	conn_tabs = NULL;
	conn_ntabs = 0;
}

/* Replies that go straight to the client (DR, TUN) have no reply key. */
static bool has_out(const struct ipvs_conn *c)
{
	return ipvs_fwd_reply_via_lb(c->fwd);
}

/*
 * A FullNAT conn (v4, v6, NAT64) is found by its local address and port
 * (ipvs_port_owner), not by a reply key: the port is its own, so the
 * slot is free, but for a synced conn whose port a stale conn of this
 * LB still holds, which keeps a key.  NULL: c's reply (if any) has a key.
 */
static uint32_t *reply_slot(const struct ipvs_conn *c, unsigned widx)
{
	if (!c->lobj || !ipvs_fwd_snat(c->fwd))
		return NULL;
	return ipvs_port_owner(c->lobj, widx, c->lport);
}

static struct ipvs_conn *slot_conn(const uint32_t *slot)
{
	return slot && *slot ? &conn_objs[*slot - 1] : NULL;
}

static bool in6_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Whether h, holding c's local port, has c's reply tuple too. */
static bool same_reply(const struct ipvs_conn *h, const struct ipvs_conn *c)
{
	const struct ipvs_dest *a, *b = c->dest;

	if (!h || h->proto != c->proto || h->dport != c->dport)
		return false;
	a = h->dest;
	if (a->af != b->af)
		return false;
	return a->af == AF_INET ? a->addr.in4 == b->addr.in4 :
				  in6_eq(&a->addr.in6, &b->addr.in6);
}

struct ipvs_conn *conn_by_port(unsigned widx, const struct conn_key *k)
{
	struct ipvs_conn *c;

	if (k->af)
		return NULL;
	c = slot_conn(ipvs_port_owner_find(AF_INET, INET_V4P(k->daddr), widx,
					   k->dport));
	return c && c->proto == k->proto && c->dport == k->sport &&
	       c->dest->af == AF_INET && c->dest->addr.in4 == k->saddr ? c : NULL;
}

struct ipvs_conn *conn_by_port6(unsigned widx, uint8_t proto,
				const struct in6_addr *s, uint16_t sp,
				const struct in6_addr *d, uint16_t dp)
{
	union inet_addr a;
	struct ipvs_conn *c;

	memcpy(&a.in6, d, sizeof(a.in6));
	c = slot_conn(ipvs_port_owner_find(AF_INET6, &a, widx, dp));
	return c && c->proto == proto && c->dport == sp &&
	       c->dest->af == AF_INET6 && in6_eq(&c->dest->addr.in6, s) ? c : NULL;
}

/* The client's tuple. */
static void in_key(struct conn_key *k, const struct ipvs_conn *c)
{
	if (ipvs_conn_is_v6(c))
		key6_of(k, c->proto, &c->caddr6, c->cport, &c->dest->vaddr.in6,
			c->vport);
	else
		key_of(k, c->proto, c->caddr, c->cport, c->vaddr, c->vport);
}

/*
 * A v6 conn's reply: from its server to its local address (FullNAT) or
 * to the client (NAT).  NAT64's is an exact v4 tuple, server to v4 local
 * address: the reply comes in through the v4 path.
 */
static void out_key6(struct conn_key *k, const struct ipvs_conn *c)
{
	const struct ipvs_dest *d = c->dest;

	if (d->af == AF_INET)
		key_of(k, c->proto, d->addr.in4, c->dport, c->lobj->addr.in4,
		       c->lport);
	else if (ipvs_fwd_snat(c->fwd))
		key6_of(k, c->proto, &d->addr.in6, c->dport, &c->lobj->addr.in6,
			c->lport);
	else
		key6_of(k, c->proto, &d->addr.in6, c->dport, &c->caddr6, c->cport);
}

/* The reply direction's tuple: what the real server sends back. */
static void out_key(struct conn_key *k, const struct ipvs_conn *c)
{
	if (ipvs_conn_is_v6(c))
		out_key6(k, c);
	else if (ipvs_fwd_snat(c->fwd))
		key_of(k, c->proto, c->daddr, c->dport, c->laddr, c->lport);
	else
		key_of(k, c->proto, c->daddr, c->dport, c->caddr, c->cport);
}

/* Whether c is over, both sides closed (ipvs_proto.h, over_states). */
static bool conn_over(const struct ipvs_conn *c)
{
	return (ipvs_proto_get(c->proto)->over_states >> c->state) & 1;
}

/*
 * A NAT reply tuple is the real server's view of the flow: a client
 * that reuses its port towards another VIP or port of the same server
 * ip:port makes the same one, and the server takes the new SYN in its
 * TIME_WAIT.  As in IPVS the newest conn gets the replies, but only
 * from a conn that is over: a live one keeps them (ipvs_conn_clash).
 * Across workers the registry passes the tuple on (nat_reg_yield); the
 * old conn then misses for replies (reply_taken) and the owner's
 * worker gets them.
 */
static bool reply_taken(const struct ipvs_conn *c, enum conn_dir dir,
			unsigned widx)
{
	struct conn_key k;

	if (dir != DIR_OUT || !ipvs_fwd_client_reply_key(c->fwd) ||
	    !conn_over(c))
		return false;
	out_key(&k, c);
	return nat_reg_owner(&k) != (int)widx;
}

/* c's NAT reply tuple yields (c is over) or not (it opened again). */
static void yield_reply(const struct ipvs_conn *c, bool was_over)
{
	bool over = conn_over(c);
	struct conn_key k;

	if (over == was_over || !ipvs_fwd_client_reply_key(c->fwd))
		return;
	out_key(&k, c);
	nat_reg_yield(&k, c->widx, over);
}

/*
 * Whether c, found under a v6 key in direction dir, has the addresses
 * s and d: a digest hit with others is a collision.
 */
static bool conn_match6(const struct ipvs_conn *c, enum conn_dir dir,
			const struct in6_addr *s, const struct in6_addr *d)
{
	if (dir == DIR_IN)
		return in6_eq(&c->caddr6, s) && in6_eq(&c->dest->vaddr.in6, d);
	return in6_eq(&c->dest->addr.in6, s) &&
	       in6_eq(ipvs_fwd_snat(c->fwd) ? &c->lobj->addr.in6 : &c->caddr6, d);
}

struct ipvs_conn *conn_reply_holder(unsigned widx, const struct ipvs_conn *c)
{
	struct ipvs_conn *h;
	struct conn_key k;
	void *data;

	if (!has_out(c))
		return NULL;
	h = slot_conn(reply_slot(c, widx));
	if (same_reply(h, c))
		return h;
	out_key(&k, c);
	if (rte_hash_lookup_data(conn_tabs[widx].hash, &k, &data) < 0)
		return NULL;
	return (struct ipvs_conn *)((uintptr_t)data & ~(uintptr_t)1);
}

int ipvs_conn_nat_owner6(const struct conn_tuple6 *t)
{
	struct conn_key k;

	key6_of(&k, t->proto, &t->saddr, t->sport, &t->daddr, t->dport);
	return nat_reg_owner(&k);
}

struct ipvs_conn *ipvs_conn_lookup6(unsigned widx, const struct conn_tuple6 *t,
				    enum conn_dir *dir)
{
	struct ipvs_conn *c;
	struct conn_key k;
	void *data;
	int hit = burst_take(widx, CONN_KEY_V6, &data) ? 1 :
		  burst_hit6(widx, t, &k, &data);

	if (hit < 1) {
		c = conn_by_port6(widx, t->proto, &t->saddr, t->sport,
				  &t->daddr, t->dport);
		if (c) {
			*dir = DIR_OUT;
			return c;
		}
		if (hit < 0)   /* the burst has no digest of t: make it */
			key6_of(&k, t->proto, &t->saddr, t->sport, &t->daddr,
				t->dport);
		if (rte_hash_lookup_data(conn_tabs[widx].hash, &k, &data) < 0)
			return NULL;
	}
	*dir = (enum conn_dir)((uintptr_t)data & 1);
	c = (struct ipvs_conn *)((uintptr_t)data & ~(uintptr_t)1);
	if (!conn_match6(c, *dir, &t->saddr, &t->daddr) ||
	    unlikely(reply_taken(c, *dir, widx)))
		return NULL;
	return c;
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
	struct ipvs_conn *c;
	struct conn_key k;
	void *data;

	if (burst_take(widx, 0, &data))
		goto hit;
	key_of(&k, t->proto, t->saddr, t->sport, t->daddr, t->dport);
	if (!burst_hit(widx, &k, &data)) {
		c = conn_by_port(widx, &k);

		if (c) {
			*dir = DIR_OUT;
			return c;
		}
		if (rte_hash_lookup_data(conn_tabs[widx].hash, &k, &data) < 0)
			return NULL;
	}
hit:
	*dir = (enum conn_dir)((uintptr_t)data & 1);
	c = (struct ipvs_conn *)((uintptr_t)data & ~(uintptr_t)1);
	return unlikely(reply_taken(c, *dir, widx)) ? NULL : c;
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
		       const struct conn_key *in, const struct conn_key *out,
		       const uint32_t *slot)
{
	if (rte_hash_lookup(t->hash, in) >= 0)
		return true;
	if (!has_out(c))
		return false;
	if (slot && same_reply(slot_conn(slot), c))
		return true;
	/* A port of its own: only a keyed FullNAT reply could be c's. */
	if (slot && !*slot && !t->reply_keys)
		return false;
	return rte_hash_lookup(t->hash, out) >= 0;
}

/*
 * A NAT reply tuple may be another worker's conn's: RSS spreads one
 * client's flows to two VIPs over workers.  FullNAT reply tuples carry
 * this worker's own local port, so they never clash across workers.
 */
static void count_reply_taken(void)
{
	unsigned lc = rte_lcore_id();

	if (lc < RTE_MAX_LCORE)
		PKT_INC(lc, ipvs_reply_taken);
}

static int claim_reply(const struct ipvs_conn *c, const struct conn_key *out)
{
	int rc;

	if (!ipvs_fwd_client_reply_key(c->fwd))
		return 0;
	rc = nat_reg_claim(out, c->widx);
	if (rc == 1)
		count_reply_taken();
	return rc < 0 ? rc : 0;
}

/* Whether h has c's NAT reply tuple: its server and its client. */
static bool same_client(const struct ipvs_conn *h, const struct ipvs_conn *c)
{
	if (!same_reply(h, c) || h->cport != c->cport ||
	    ipvs_conn_is_v6(h) != ipvs_conn_is_v6(c))
		return false;
	return ipvs_conn_is_v6(c) ? in6_eq(&h->caddr6, &c->caddr6) :
				    h->caddr == c->caddr;
}

/* The conn of worker widx's table under key k, in direction *dir. */
static struct ipvs_conn *key_holder(unsigned widx, const struct conn_key *k,
				    enum conn_dir *dir)
{
	void *data;

	if (rte_hash_lookup_data(conn_tabs[widx].hash, k, &data) < 0)
		return NULL;
	*dir = (enum conn_dir)((uintptr_t)data & 1);
	return (struct ipvs_conn *)((uintptr_t)data & ~(uintptr_t)1);
}

/* This worker's conn that is over gives c its NAT reply tuple (reply_taken). */
static void take_reply(struct worker_tab *t, const struct ipvs_conn *c,
		       const struct conn_key *out, unsigned widx)
{
	struct ipvs_conn *h;
	enum conn_dir dir;

	if (!ipvs_fwd_client_reply_key(c->fwd))
		return;
	h = key_holder(widx, out, &dir);
	if (!h || dir != DIR_OUT || !same_client(h, c) || !conn_over(h))
		return;
	conn_evict(t, h, widx);
	count_reply_taken();
}

static void unclaim_reply(const struct ipvs_conn *c, const struct conn_key *out)
{
	if (ipvs_fwd_client_reply_key(c->fwd))
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
	uint32_t next = c->wheel_next, prev = c->wheel_prev;
	struct conn_key in, out;
	uint32_t *slot;
	int rc;

	*c = *tmpl;
	if (filed) {
		c->wheel_next = next;
		c->wheel_prev = prev;
	}
	c->widx = (uint8_t)widx;
	in_key(&in, c);
	out_key(&out, c);
	slot = has_out(c) ? reply_slot(c, widx) : NULL;
	if (has_out(c))
		take_reply(t, c, &out, widx);
	if (keys_taken(t, c, &in, &out, slot))
		return -EEXIST;
	rc = claim_reply(c, &out);
	if (rc < 0)
		return rc;
	rc = rte_hash_add_key_data(t->hash, &in, c);
	if (rc < 0)
		goto unclaim;
	if (slot && !*slot) {
		*slot = conn_index(c) + 1;
	} else if (has_out(c)) {
		rc = rte_hash_add_key_data(t->hash, &out,
					   (void *)((uintptr_t)c | 1));
		if (rc < 0) {
			rte_hash_del_key(t->hash, &in);
			goto unclaim;
		}
		t->reply_keys += slot != NULL;
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
	c->sync_tick = burst_now();   /* UDP's refresh counts from here */
	c->sync_pkts = 0;
	c->expire = c->sync_tick + timeout_of(c);
	if (filed)   /* a reused object: filed for its old deadline */
		wheel_remove(t, c);
	wheel_add(t, c);
	t->nconns++;
	embryo_track(t, c, false);
	yield_reply(c, false);
	__atomic_store_n(&c->used, 1, __ATOMIC_RELEASE);
	return c;
}

/* Deletes k only if it is still c's (data: c, tagged with its direction). */
static bool del_own_key(struct rte_hash *h, const struct conn_key *k,
			const void *data)
{
	void *v;

	if (rte_hash_lookup_data(h, k, &v) < 0 || v != data)
		return false;
	rte_hash_del_key(h, k);
	return true;
}

/* c's reply out of its port's slot, or its key out of the table. */
static void del_reply(struct worker_tab *t, struct ipvs_conn *c,
		      const struct conn_key *out, unsigned widx)
{
	uint32_t *slot = reply_slot(c, widx);

	if (slot && *slot == conn_index(c) + 1)
		*slot = 0;
	else if (del_own_key(t->hash, out, (void *)((uintptr_t)c | 1)) && slot)
		t->reply_keys--;
}

/* Out of the table, left on the wheel to free when its slot comes up. */
void conn_bury(struct worker_tab *t, struct ipvs_conn *c)
{
	c->flags = CONN_F_DEAD;
	c->used = 0;
	c->expire = t->now;
}

/* Whether v6 conn c was refused for a digest another conn has with other addresses. */
static bool digest_clash(unsigned widx, const struct ipvs_conn *c)
{
	struct conn_key k;
	struct ipvs_conn *h;
	enum conn_dir dir;

	in_key(&k, c);
	h = key_holder(widx, &k, &dir);
	if (h && !conn_match6(h, dir, &c->caddr6, &c->dest->vaddr.in6))
		return true;
	if (!has_out(c) || c->dest->af != AF_INET6)
		return false;
	out_key(&k, c);
	h = key_holder(widx, &k, &dir);
	return h && !conn_match6(h, dir, &c->dest->addr.in6,
				 ipvs_fwd_snat(c->fwd) ? &c->lobj->addr.in6 :
				 &c->caddr6);
}

/*
 * NULL with rte_errno: EEXIST (a tuple is another conn's) or ENOSPC (the
 * pool, the table or the NAT reply registry full).
 */
static struct ipvs_conn *conn_refused(int rc)
{
	rte_errno = rc == -EEXIST ? EEXIST : ENOSPC;
	return NULL;
}

static struct ipvs_conn *conn_refused6(unsigned widx, const struct ipvs_conn *c,
				       int rc)
{
	unsigned lc = rte_lcore_id();

	if (rc == -EEXIST && ipvs_conn_is_v6(c) && digest_clash(widx, c) &&
	    lc < RTE_MAX_LCORE)
		PKT_INC(lc, ipvs6_digest_clash);
	return conn_refused(rc);
}

struct ipvs_conn *ipvs_conn_new(unsigned widx, const struct ipvs_conn *tmpl)
{
	struct worker_tab *t = &conn_tabs[widx];
	struct ipvs_conn *c;

	/*
	 * Past its share, a flooded worker makes room from its own embryos
	 * first: its table stays far from full, and the pool left to the
	 * other workers.
	 */
	if (!t->spare && t->nconns >= per_worker_share)
		embryo_evict_oldest(t, widx);
	if (!t->spare && (c = conn_pool_get(widx)) != NULL) {
		int rc = conn_hash(t, c, tmpl, widx, false);

		if (rc == 0)
			return conn_start(t, c, false);
		conn_pool_put(widx, c);
		if (rc != -ENOSPC)
			return conn_refused6(widx, tmpl, rc);
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
			return conn_refused6(widx, tmpl, rc);
	}
	return conn_refused(-ENOSPC);
}

/*
 * Takes c out of the table and gives back what it holds, but not the
 * object, which the wheel may still hold.
 */
void conn_release(struct worker_tab *t, struct ipvs_conn *c,
			 unsigned widx)
{
	struct conn_key in, out;

	__atomic_store_n(&c->used, 0, __ATOMIC_RELEASE);
	in_key(&in, c);
	out_key(&out, c);
	del_own_key(t->hash, &in, c);
	if (has_out(c))
		del_reply(t, c, &out, widx);
	unclaim_reply(c, &out);
	count_state(c, false);
	if (c->flags & CONN_F_EMBRYO)
		embryo_unlink(t, c);
	if (c->lobj) {
		/*
		 * A synced conn's port was reserved, or wanted (maybe got
		 * since), or is another conn's.
		 */
		if (!(c->flags & CONN_F_SYNCED))
			ipvs_port_put(c->lobj, widx, c->lport);
		else if (c->flags & CONN_F_PORT_RSV)
			ipvs_port_unreserve(c->lobj, widx, c->lport);
		else if (c->flags & CONN_F_PORT_WANT)
			ipvs_port_unwant(c->lobj, widx, c->lport);
		ipvs_laddr_put(c->lobj);
	}
	if (c->flags & CONN_F_SYNCED)
		ipvs_sync_conn_gone(c, widx);
	ipvs_dest_put(c->dest);
	t->nconns--;
}

/*
 * Evicts c now (a synced record replaces it): out of the table, and due
 * on the next tick so the wheel frees its object soon, whatever its old
 * deadline.
 */
void conn_evict(struct worker_tab *t, struct ipvs_conn *c, unsigned widx)
{
	conn_release(t, c, widx);
	burst_forget(widx, c);
	conn_bury(t, c);
	wheel_remove(t, c);
	wheel_add(t, c);
}

/*
 * Only the expiry job and shutdown free conns, never a packet's handling
 * inside an rx burst: the burst cache's hits (burst_hit) rely on it.
 * Early drop evicts inside a burst, but forgets the burst's hits on the
 * conn and keeps the object until the wheel frees or a new conn reuses it.
 */
void conn_free(struct worker_tab *t, struct ipvs_conn *c, unsigned widx)
{
	if (!(c->flags & CONN_F_DEAD))
		conn_release(t, c, widx);
	if (t->spare == c)
		t->spare = NULL;
	conn_pool_put(widx, c);
}

/* The dest's active or inactive count follows state ns. */
static void count_move(struct ipvs_conn *c, uint8_t ns)
{
	bool was_active = !(c->flags & CONN_F_INACTIVE);
	bool active = ns == CS_ESTABLISHED;

	if (was_active != active) {
		count_state(c, false);
		c->flags ^= CONN_F_INACTIVE;
		count_state(c, true);
	}
}

/* Moves c to state ns, learning a client that completed its handshake. */
/* c to state ns: its dest's counts and its NAT reply tuple's yield follow. */
static void move_state(struct ipvs_conn *c, uint8_t ns)
{
	bool was_over = conn_over(c);

	count_move(c, ns);
	c->state = ns;
	yield_reply(c, was_over);
}

static void conn_set_state(struct worker_tab *t, struct ipvs_conn *c,
			   enum conn_dir dir, uint8_t ns)
{
	if (ns == CS_ESTABLISHED && dir == DIR_IN && (c->flags & CONN_F_EMBRYO))
		client_learn(t, conn_client_id(c));
	move_state(c, ns);
}

/*
 * A sync record's state for c: the dest's counts move as for a packet,
 * and the deadline is this LB's timeout for the state, from now.
 */
void conn_sync_state(struct worker_tab *t, struct ipvs_conn *c, uint8_t ns)
{
	move_state(c, ns);
	embryo_track(t, c, false);
	wheel_set_expire(t, c, now_tick() + timeout_of(c));
}

bool ipvs_conn_update(struct ipvs_conn *c, enum conn_dir dir, const void *l4,
		      bool input_only)
{
	const struct ipvs_proto *pp = ipvs_proto_get(c->proto);
	struct worker_tab *t = &conn_tabs[c->widx];
	bool restart = false, reopened = false, changed = false;
	uint32_t now, timeout;
	uint8_t ns;

	if (pp->next_state) {
		ns = pp->next_state(c->state, dir, input_only, l4, &restart);
		reopened = restart && dir == DIR_IN &&
			   ((pp->closed_states >> c->state) & 1);
		changed = ns != c->state;
		if (changed)
			conn_set_state(t, c, dir, ns);
		/*
		 * A client that starts again (a SYN resent) lost the first
		 * answer: had it stayed the oldest, it would be evicted just
		 * before its ACK.  Spoofed SYNs are sent once.
		 */
		embryo_track(t, c, dir == DIR_IN && restart);
	}
	now = burst_now();
	timeout = __atomic_load_n(&pp->timeouts[c->state], __ATOMIC_RELAXED);
	wheel_set_expire(t, c, now + timeout);
	ipvs_sync_note(c, changed, now, timeout);
	return reopened;
}

uint32_t ipvs_conn_capacity(void)
{
	return per_worker_cap;
}

uint32_t ipvs_conn_count(unsigned widx)
{
	return widx < conn_ntabs ? conn_tabs[widx].nconns : 0;
}

void ipvs_conn_pool_usage(uint32_t *size, uint32_t *in_use)
{
	*size = conn_nobjs;
	*in_use = conn_pool_in_use();
}
