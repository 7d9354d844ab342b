/* Persistence templates shared by all workers. */
#include "ipvs_persist.h"

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "log.h"
#include "rcu.h"

struct tpl_key {
	uint32_t vip;
	uint32_t cnet;       /* client address & netmask */
	uint16_t vport;
	uint8_t proto;
	uint8_t pad;
};

/* Indexed by the key's position in the hash. */
struct tpl {
	uint32_t addr;       /* the server, host order; 0 = not filled yet */
	uint16_t port;
	uint16_t dead;       /* key deleted, its position not yet freed */
	uint64_t expire;     /* tsc */
};

static struct rte_hash *table;
static struct tpl *tpls;
static uint32_t ntpl;

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
	/* Positions go up to the key-slot count, which per-lcore slot
	 * caches (MULTI_WRITER_ADD) make larger than max_templates. */
	if (table)
		ntpl = (uint32_t)rte_hash_max_key_id(table) + 1;
	tpls = table ? rte_zmalloc("ipvs_tpls", sizeof(*tpls) * ntpl,
				   RTE_CACHE_LINE_SIZE) : NULL;
	if (!table || !tpls) {
		LOG_ERRX("ipvs", "cannot create %u persistence templates: %s",
			 max_templates, rte_strerror(rte_errno));
		ipvs_persist_fini();
		return -ENOMEM;
	}
	return 0;
}

void ipvs_persist_fini(void)
{
	rte_hash_free(table);
	rte_free(tpls);
	table = NULL;
	tpls = NULL;
	ntpl = 0;
}

static void key_of(struct tpl_key *k, const struct ipvs_service *svc,
		   const struct svc_snap *sn, uint32_t caddr)
{
	memset(k, 0, sizeof(*k));
	k->vip = svc->vip;
	k->vport = svc->vport;
	k->proto = svc->proto;
	k->cnet = caddr & sn->netmask;
}

int ipvs_persist_lookup(const struct ipvs_service *svc,
			const struct svc_snap *sn, uint32_t caddr)
{
	struct tpl_key k;
	struct tpl *t;
	int32_t pos;
	uint32_t addr;

	key_of(&k, svc, sn, caddr);
	pos = rte_hash_lookup(table, &k);
	if (pos < 0 || (uint32_t)pos >= ntpl)
		return -1;
	t = &tpls[pos];
	addr = __atomic_load_n(&t->addr, __ATOMIC_ACQUIRE);
	if (!addr || rte_get_tsc_cycles() > t->expire)
		return -1;
	/* By address: a server removed since simply is not found. */
	for (unsigned i = 0; i < sn->ss.ndests; i++) {
		if (sn->ss.dests[i].addr != addr || sn->ss.dests[i].port != t->port)
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

void ipvs_persist_bind(const struct ipvs_service *svc,
		       const struct svc_snap *sn, uint32_t caddr, int i)
{
	struct tpl_key k;
	struct tpl *t;
	int32_t pos;

	key_of(&k, svc, sn, caddr);
	pos = rte_hash_add_key(table, &k);
	if (pos < 0 || (uint32_t)pos >= ntpl)
		return; /* full: the connection just is not pinned */
	t = &tpls[pos];
	t->port = sn->ss.dests[i].port;
	t->expire = rte_get_tsc_cycles() + rte_get_tsc_hz() * sn->persist_timeout;
	__atomic_store_n(&t->addr, sn->ss.dests[i].addr, __ATOMIC_RELEASE);
}

/*
 * A lock-free table keeps a deleted key's position until it is freed,
 * after the workers that may still read it have moved on: else every
 * expired template costs a position for good and, max_templates
 * client networks later, nothing is pinned any more.
 */
static void free_dead(void)
{
	rcu_synchronize();
	for (uint32_t pos = 0; pos < ntpl; pos++)
		if (tpls[pos].dead) {
			tpls[pos].dead = 0;
			rte_hash_free_key_with_position(table, (int32_t)pos);
		}
}

int ipvs_persist_expire_job(void *arg __rte_unused)
{
	static uint64_t last;
	uint64_t now = rte_get_tsc_cycles();
	void *key;
	int n = 0;

	if (!table || now - last < rte_get_tsc_hz())
		return 0;
	last = now;
	for (uint32_t pos = 0; pos < ntpl; pos++) {
		struct tpl *t = &tpls[pos];

		if (!__atomic_load_n(&t->addr, __ATOMIC_ACQUIRE) || now <= t->expire)
			continue;
		if (rte_hash_get_key_with_position(table, (int32_t)pos, &key) == 0 &&
		    rte_hash_del_key(table, key) >= 0)
			t->dead = 1;
		__atomic_store_n(&t->addr, 0, __ATOMIC_RELEASE);
		n++;
	}
	if (n)
		free_dead();
	return n;
}
