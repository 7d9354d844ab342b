/* Persistence templates shared by all workers. */
#include "ipvs_persist.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "core/mem_size.h"
#include "core/rcu.h"

/*
 * Both families in one table, as the connections share theirs: a v4
 * key holds its addresses in the first 4 bytes of each field.
 */
struct tpl_key {
	uint8_t vip[16];
	uint8_t cnet[16];    /* the client's address & netmask (v6: prefix) */
	uint16_t vport;
	uint8_t proto;
	uint8_t af;          /* the service's */
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

static struct rte_hash *table;
static struct tpl *tpls;
static uint32_t ntpl;
static uint32_t max_tpl;
/* The master's expiry pass. */
static struct {
	uint32_t cursor;     /* next position; 0 = no pass under way */
	uint64_t pass_start; /* tsc */
	uint64_t scanned, expired, passes;
} ex;

uint64_t ipvs_persist_mem_need(uint32_t max_templates)
{
	return mem_hash_bytes(max_templates, sizeof(struct tpl_key), true) +
	       sizeof(*tpls) * ((uint64_t)max_templates + 1);
}

int ipvs_persist_init(uint32_t max_templates)
{
	struct rte_hash_parameters hp = {
		.name = "ipvs_tpl",
		.entries = max_templates,
		.key_len = sizeof(struct tpl_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* Workers add, the master deletes, everyone reads lock-free. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD,
	};

	table = rte_hash_create(&hp);
	/* Per-lcore slot caches let positions go past max_templates. */
	ntpl = table ? (uint32_t)rte_hash_max_key_id(table) : 0;
	tpls = rte_zmalloc("ipvs_tpls", sizeof(*tpls) * (ntpl + 1),
			   RTE_CACHE_LINE_SIZE);
	if (!table || !tpls) {
		LOG_ERRX("ipvs", "cannot create %u persistence templates: %s",
			 max_templates, rte_strerror(rte_errno));
		ipvs_persist_fini();
		return -ENOMEM;
	}
	max_tpl = max_templates;
	return 0;
}

void ipvs_persist_fini(void)
{
	rte_hash_free(table);
	rte_free(tpls);
	table = NULL;
	tpls = NULL;
	ntpl = 0;
	max_tpl = 0;
	memset(&ex, 0, sizeof(ex));
}

void ipvs_persist_usage(uint32_t *used, uint32_t *size)
{
	int32_t n = table ? rte_hash_count(table) : 0;

	*used = n > 0 ? (uint32_t)n : 0;
	*size = max_tpl;
}

static void key_of(struct tpl_key *k, const struct ipvs_service *svc,
		   const struct svc_snap *sn, uint32_t caddr)
{
	uint32_t vip = svc->vip.in4, cnet = caddr & sn->netmask;

	memset(k, 0, sizeof(*k));
	memcpy(k->vip, &vip, sizeof(vip));
	memcpy(k->cnet, &cnet, sizeof(cnet));
	k->vport = svc->vport;
	k->proto = svc->proto;
	k->af = AF_INET;
}

/* The client's first plen6 bits (0 or over 128: all of them). */
static void key6_of(struct tpl_key *k, const struct ipvs_service *svc,
		    const struct svc_snap *sn, const struct in6_addr *caddr)
{
	unsigned plen = sn->plen6 && sn->plen6 < 128 ? sn->plen6 : 128;

	memset(k, 0, sizeof(*k));
	memcpy(k->vip, &svc->vip.in6, sizeof(k->vip));
	memcpy(k->cnet, caddr, plen / 8);
	if (plen % 8)
		k->cnet[plen / 8] = (uint8_t)(caddr->s6_addr[plen / 8] &
					      (0xff00u >> (plen % 8)));
	k->vport = svc->vport;
	k->proto = svc->proto;
	k->af = AF_INET6;
}

static bool tpl_names(const struct tpl *t, const struct sched_dest *d)
{
	if (d->port != t->port)
		return false;
	if (d->af == AF_INET6)
		return t->af == AF_INET6 && !memcmp(d->addr6, t->addr6, 16);
	return t->af != AF_INET6 && d->addr == t->addr;
}

static int tpl_lookup(const struct svc_snap *sn, const struct tpl_key *k)
{
	int32_t pos = rte_hash_lookup(table, k);
	struct tpl *t;

	if (pos < 0 || (uint32_t)pos >= ntpl)
		return -1;
	t = &tpls[pos];
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

static void tpl_bind(const struct svc_snap *sn, const struct tpl_key *k, int i)
{
	const struct sched_dest *d = &sn->ss.dests[i];
	int32_t pos = rte_hash_add_key(table, k);
	struct tpl *t;

	if (pos < 0 || (uint32_t)pos >= ntpl)
		return; /* full: the connection just is not pinned */
	t = &tpls[pos];
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
	return tpl_lookup(sn, &k);
}

void ipvs_persist_bind(const struct ipvs_service *svc,
		       const struct svc_snap *sn, uint32_t caddr, int i)
{
	struct tpl_key k;

	key_of(&k, svc, sn, caddr);
	tpl_bind(sn, &k, i);
}

int ipvs_persist_lookup6(const struct ipvs_service *svc,
			 const struct svc_snap *sn, const struct in6_addr *caddr)
{
	struct tpl_key k;

	key6_of(&k, svc, sn, caddr);
	return tpl_lookup(sn, &k);
}

void ipvs_persist_bind6(const struct ipvs_service *svc,
			const struct svc_snap *sn, const struct in6_addr *caddr,
			int i)
{
	struct tpl_key k;

	key6_of(&k, svc, sn, caddr);
	tpl_bind(sn, &k, i);
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

uint32_t ipvs_persist_slice(void)
{
	return ntpl / SLICES > SLICE_MIN ? ntpl / SLICES : SLICE_MIN;
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
static void release(const int32_t *pos, unsigned n)
{
	if (!n)
		return;
	rcu_synchronize();
	for (unsigned i = 0; i < n; i++) {
		__atomic_store_n(&tpls[pos[i]].live, 0, __ATOMIC_RELEASE);
		rte_hash_free_key_with_position(table, pos[i]);
	}
}

/* Expires what is due in [pos, end); returns where it stopped. */
static uint32_t expire_range(uint32_t pos, uint32_t end, uint64_t now,
			     int32_t *gone, unsigned *ngone)
{
	void *key;

	for (; pos < end && *ngone < EXPIRE_BATCH; pos++) {
		struct tpl *t = &tpls[pos];
		int32_t del = -1;

		if (!__atomic_load_n(&t->live, __ATOMIC_ACQUIRE) || now <= t->expire)
			continue;
		/* Cleared first: lookups miss from now on. */
		__atomic_store_n(&t->live, 0, __ATOMIC_RELEASE);
		if (rte_hash_get_key_with_position(table, (int32_t)pos, &key) == 0)
			del = rte_hash_del_key(table, key);
		ex.expired++;
		if (del >= 0)
			gone[(*ngone)++] = del;
	}
	return pos;
}

int ipvs_persist_expire_job(void *arg __rte_unused)
{
	uint64_t now = rte_get_tsc_cycles();
	int32_t gone[EXPIRE_BATCH];
	unsigned ngone = 0;
	uint32_t end, pos;

	if (!table)
		return 0;
	if (ex.cursor == 0) {
		if (ex.passes && now - ex.pass_start < rte_get_tsc_hz())
			return 0;
		ex.pass_start = now;
	}
	end = ntpl - ex.cursor > ipvs_persist_slice() ?
		      ex.cursor + ipvs_persist_slice() : ntpl;
	pos = expire_range(ex.cursor, end, now, gone, &ngone);
	release(gone, ngone);
	ex.scanned += pos - ex.cursor;
	ex.cursor = pos < ntpl ? pos : 0;
	if (ex.cursor == 0)
		ex.passes++;
	/* Busy until the pass ends: the master does not sleep mid-pass. */
	return ex.cursor != 0 || ngone;
}
