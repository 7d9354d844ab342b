/* Persistence templates shared by all workers. */
#include "ipvs_persist.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_common.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "core/mem_size.h"
#include "core/rcu.h"

struct tpl_key {
	uint32_t vip;
	uint32_t cnet;       /* client address & netmask */
	uint16_t vport;
	uint8_t proto;
	uint8_t pad;
};

/* A v6 service's: the client's prefix of the service's length. */
struct tpl_key6 {
	uint8_t vip[16];
	uint8_t cnet[16];
	uint16_t vport;
	uint8_t proto;
	uint8_t pad;
};

/* Indexed by the key's position in the hash. */
struct tpl {
	uint64_t expire;     /* tsc */
	uint32_t addr;       /* a v4 server, host order */
	uint16_t port;
	uint8_t live;        /* 0: not filled yet, or expired */
	uint8_t af;          /* the server's: NAT64 pins v6 clients to v4 */
	uint8_t addr6[16];   /* a v6 server */
};

/* One family's templates: v4 services' and v6 services', sized alike. */
struct ptab {
	struct rte_hash *hash;
	struct tpl *tpls;
	uint32_t ntpl;       /* key positions: tpls[] has ntpl + 1 */
};

enum { T4, T6, NTAB };
static struct ptab tabs[NTAB];
static uint32_t max_tpl;
/* The master's expiry pass, over tabs[T4] then tabs[T6]. */
static struct {
	uint32_t cursor;     /* next position of both; 0 = no pass under way */
	uint64_t pass_start; /* tsc */
	uint64_t scanned, expired, passes;
} ex;

static uint64_t tab_mem(uint32_t n, uint32_t key_len)
{
	return mem_hash_bytes(n, key_len, true) +
	       sizeof(struct tpl) * ((uint64_t)n + 1);
}

uint64_t ipvs_persist_mem_need(uint32_t max_templates)
{
	return tab_mem(max_templates, sizeof(struct tpl_key)) +
	       tab_mem(max_templates, sizeof(struct tpl_key6));
}

static int tab_init(struct ptab *t, const char *name, uint32_t n,
		    uint32_t key_len)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = n,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* Workers add, the master deletes, everyone reads lock-free. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};

	t->hash = rte_hash_create(&hp);
	/* Per-lcore slot caches let positions go past max_templates. */
	t->ntpl = t->hash ? (uint32_t)rte_hash_max_key_id(t->hash) : 0;
	t->tpls = rte_zmalloc(name, sizeof(*t->tpls) * (t->ntpl + 1),
			      RTE_CACHE_LINE_SIZE);
	if (t->hash && t->tpls)
		return 0;
	LOG_ERRX("ipvs", "cannot create %u persistence templates: %s", n,
		 rte_strerror(rte_errno));
	return -ENOMEM;
}

int ipvs_persist_init(uint32_t max_templates)
{
	if (tab_init(&tabs[T4], "ipvs_tpl", max_templates,
		     sizeof(struct tpl_key)) < 0 ||
	    tab_init(&tabs[T6], "ipvs_tpl6", max_templates,
		     sizeof(struct tpl_key6)) < 0) {
		ipvs_persist_fini();
		return -ENOMEM;
	}
	max_tpl = max_templates;
	return 0;
}

void ipvs_persist_fini(void)
{
	for (unsigned i = 0; i < NTAB; i++) {
		rte_hash_free(tabs[i].hash);
		rte_free(tabs[i].tpls);
	}
	memset(tabs, 0, sizeof(tabs));
	max_tpl = 0;
	memset(&ex, 0, sizeof(ex));
}

static void tab_usage(const struct ptab *t, uint32_t *used, uint32_t *size)
{
	int32_t n = t->hash ? rte_hash_count(t->hash) : 0;

	*used = n > 0 ? (uint32_t)n : 0;
	*size = max_tpl;
}

void ipvs_persist_usage(uint32_t *used, uint32_t *size)
{
	tab_usage(&tabs[T4], used, size);
}

void ipvs_persist_usage6(uint32_t *used, uint32_t *size)
{
	tab_usage(&tabs[T6], used, size);
}

static void key_of(struct tpl_key *k, const struct ipvs_service *svc,
		   const struct svc_snap *sn, uint32_t caddr)
{
	memset(k, 0, sizeof(*k));
	k->vip = svc->vip.in4;
	k->vport = svc->vport;
	k->proto = svc->proto;
	k->cnet = caddr & sn->netmask;
}

/* The client's first plen6 bits (0 or over 128: all of them). */
static void key6_of(struct tpl_key6 *k, const struct ipvs_service *svc,
		    const struct svc_snap *sn, const struct in6_addr *caddr)
{
	unsigned plen = sn->plen6 && sn->plen6 < 128 ? sn->plen6 : 128;

	memset(k, 0, sizeof(*k));
	memcpy(k->vip, &svc->vip.in6, sizeof(k->vip));
	k->vport = svc->vport;
	k->proto = svc->proto;
	memcpy(k->cnet, caddr, plen / 8);
	if (plen % 8)
		k->cnet[plen / 8] = (uint8_t)(caddr->s6_addr[plen / 8] &
					      (0xff00u >> (plen % 8)));
}

static bool tpl_names(const struct tpl *t, const struct sched_dest *d)
{
	if (d->port != t->port)
		return false;
	if (d->af == AF_INET6)
		return t->af == AF_INET6 && !memcmp(d->addr6, t->addr6, 16);
	return t->af != AF_INET6 && d->addr == t->addr;
}

static int tab_lookup(struct ptab *tb, const struct svc_snap *sn,
		      const void *key)
{
	int32_t pos = rte_hash_lookup(tb->hash, key);
	struct tpl *t;

	if (pos < 0 || (uint32_t)pos >= tb->ntpl)
		return -1;
	t = &tb->tpls[pos];
	if (!__atomic_load_n(&t->live, __ATOMIC_ACQUIRE) ||
	    rte_get_tsc_cycles() > t->expire)
		return -1;
	/* By address: a server removed since simply is not found. */
	for (unsigned i = 0; i < sn->ss.ndests; i++) {
		if (!tpl_names(t, &sn->ss.dests[i]))
			continue;
		if (!sched_dest_usable(&sn->ss.dests[i]))
			return -1;
		/* In use: the timeout starts again (a racy store is fine). */
		t->expire = rte_get_tsc_cycles() +
			    rte_get_tsc_hz() * sn->persist_timeout;
		return (int)i;
	}
	return -1;
}

static void tab_bind(struct ptab *tb, const struct svc_snap *sn,
		     const void *key, int i)
{
	const struct sched_dest *d = &sn->ss.dests[i];
	int32_t pos = rte_hash_add_key(tb->hash, key);
	struct tpl *t;

	if (pos < 0 || (uint32_t)pos >= tb->ntpl)
		return; /* full: the connection just is not pinned */
	t = &tb->tpls[pos];
	t->port = d->port;
	t->af = d->af == AF_INET6 ? AF_INET6 : AF_INET;
	t->addr = d->addr;
	memcpy(t->addr6, d->addr6, sizeof(t->addr6));
	t->expire = rte_get_tsc_cycles() + rte_get_tsc_hz() * sn->persist_timeout;
	__atomic_store_n(&t->live, 1, __ATOMIC_RELEASE);
}

int ipvs_persist_lookup(const struct ipvs_service *svc,
			const struct svc_snap *sn, uint32_t caddr)
{
	struct tpl_key k;

	key_of(&k, svc, sn, caddr);
	return tab_lookup(&tabs[T4], sn, &k);
}

void ipvs_persist_bind(const struct ipvs_service *svc,
		       const struct svc_snap *sn, uint32_t caddr, int i)
{
	struct tpl_key k;

	key_of(&k, svc, sn, caddr);
	tab_bind(&tabs[T4], sn, &k, i);
}

int ipvs_persist_lookup6(const struct ipvs_service *svc,
			 const struct svc_snap *sn, const struct in6_addr *caddr)
{
	struct tpl_key6 k;

	key6_of(&k, svc, sn, caddr);
	return tab_lookup(&tabs[T6], sn, &k);
}

void ipvs_persist_bind6(const struct ipvs_service *svc,
			const struct svc_snap *sn, const struct in6_addr *caddr,
			int i)
{
	struct tpl_key6 k;

	key6_of(&k, svc, sn, caddr);
	tab_bind(&tabs[T6], sn, &k, i);
}

/*
 * The expiry pass walks tpls[] a slice per master loop, so the loop
 * stays short at any table size: SLICE_MIN positions, or 1/SLICES of
 * the array when that is more, so a pass takes at most SLICES loops
 * (which run back to back: the job reports work until the pass ends).
 * A new pass starts once a second.
 */
#define SLICE_MIN 4096
#define SLICES 1024
#define EXPIRE_BATCH IPVS_PERSIST_EXPIRE_MAX

/* Positions of both tables, v4's first. */
static uint32_t ntpl_all(void)
{
	return tabs[T4].ntpl + tabs[T6].ntpl;
}

uint32_t ipvs_persist_slice(void)
{
	return ntpl_all() / SLICES > SLICE_MIN ? ntpl_all() / SLICES : SLICE_MIN;
}

void ipvs_persist_expire_stats(uint64_t *scanned, uint64_t *expired,
			       uint64_t *passes)
{
	*scanned = ex.scanned;
	*expired = ex.expired;
	*passes = ex.passes;
}

/*
 * Gives the batch's key slots back.  tpls[] is indexed by key position:
 * a worker that looked a key up before its delete may still use its
 * slot, so a slot is reused only after every worker passed a quiescent
 * state.  Clearing again after the grace drops a bind that raced with
 * the delete.
 */
static void release(struct ptab *tb, const int32_t *pos, unsigned n)
{
	if (!n)
		return;
	rcu_synchronize();
	for (unsigned i = 0; i < n; i++) {
		__atomic_store_n(&tb->tpls[pos[i]].live, 0, __ATOMIC_RELEASE);
		rte_hash_free_key_with_position(tb->hash, pos[i]);
	}
}

/* Expires what is due in tb's [pos, end); returns where it stopped. */
static uint32_t expire_range(struct ptab *tb, uint32_t pos, uint32_t end,
			     uint64_t now, int32_t *gone, unsigned *ngone)
{
	void *key;

	for (; pos < end && *ngone < EXPIRE_BATCH; pos++) {
		struct tpl *t = &tb->tpls[pos];
		int32_t del = -1;

		if (!__atomic_load_n(&t->live, __ATOMIC_ACQUIRE) || now <= t->expire)
			continue;
		/* Cleared first: lookups miss from now on. */
		__atomic_store_n(&t->live, 0, __ATOMIC_RELEASE);
		if (rte_hash_get_key_with_position(tb->hash, (int32_t)pos, &key) == 0)
			del = rte_hash_del_key(tb->hash, key);
		ex.expired++;
		if (del >= 0)
			gone[(*ngone)++] = del;
	}
	return pos;
}

/* One slice of the pass from position cur of both tables; where it stopped. */
static uint32_t expire_slice(uint32_t cur, uint32_t end, uint64_t now)
{
	int32_t gone[EXPIRE_BATCH];
	unsigned ngone = 0;
	uint32_t n4 = tabs[T4].ntpl, pos;

	if (cur < n4) {
		pos = expire_range(&tabs[T4], cur, RTE_MIN(end, n4), now, gone, &ngone);
		release(&tabs[T4], gone, ngone);
		return pos;
	}
	pos = expire_range(&tabs[T6], cur - n4, end - n4, now, gone, &ngone);
	release(&tabs[T6], gone, ngone);
	return pos + n4;
}

int ipvs_persist_expire_job(void *arg __rte_unused)
{
	uint64_t now = rte_get_tsc_cycles();
	uint64_t expired = ex.expired;
	uint32_t end, pos, all = ntpl_all();

	if (!tabs[T4].hash)
		return 0;
	if (ex.cursor == 0) {
		if (ex.passes && now - ex.pass_start < rte_get_tsc_hz())
			return 0;
		ex.pass_start = now;
	}
	end = all - ex.cursor > ipvs_persist_slice() ?
		      ex.cursor + ipvs_persist_slice() : all;
	pos = expire_slice(ex.cursor, end, now);
	ex.scanned += pos - ex.cursor;
	ex.cursor = pos < all ? pos : 0;
	if (ex.cursor == 0)
		ex.passes++;
	/* Busy until the pass ends: the master does not sleep mid-pass. */
	return ex.cursor != 0 || ex.expired != expired;
}
