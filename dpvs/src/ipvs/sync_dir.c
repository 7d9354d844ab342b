/*
 * The sync directory (sync_dir.h), nat_reg.c's design: an rte_hash read
 * without locks (RW_CONCURRENCY_LF), the owner as the key's data.
 * Writers (workers installing or releasing synced conns, never a
 * packet's path) serialise on one lock, which makes "delete the key if
 * it is still mine" atomic; rte_hash's multi-writer mode would take a
 * lock of its own anyway.  Deleted positions are freed after a grace
 * period of the shared QSBR variable, from our own defer queue, which
 * the workers reclaim every loop.
 */
#define ALLOW_EXPERIMENTAL_API   /* rte_rcu_qsbr_dq_* */
#include "sync_dir.h"

#include <errno.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_spinlock.h>

#include "core/log.h"
#include "core/rcu.h"

#define RECLAIM_MAX 64   /* positions freed a call */

static struct rte_hash *dir;      /* published once, read by workers */
static struct rte_rcu_qsbr_dq *dq;
static rte_spinlock_t wlock = RTE_SPINLOCK_INITIALIZER;
uint32_t sync_dir_nkeys;          /* atomic */
static uint32_t dir_size;

static void free_pos(void *p __rte_unused, void *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_hash_free_key_with_position(dir, ((int32_t *)e)[i]);
}

static struct rte_rcu_qsbr_dq *dq_create(struct rte_hash *h,
					 struct rte_rcu_qsbr *v)
{
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = "sync_dir_dq",
		/* Room for every position: an enqueue never fails. */
		.size = (uint32_t)rte_hash_max_key_id(h) + 1,
		.esize = sizeof(int32_t),
		.trigger_reclaim_limit = RECLAIM_MAX,
		.max_reclaim_size = RECLAIM_MAX,
		.free_fn = free_pos,
		.v = v,
	};

	return rte_rcu_qsbr_dq_create(&dp);
}

int sync_dir_init(uint32_t entries, uint32_t key_len)
{
	struct rte_rcu_qsbr *v = rcu_qsbr();
	struct rte_hash_parameters hp = {
		.name = "ipvs_sync_dir",
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* No QSBR (tests on one thread): plain deletes. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			      (v ? RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF : 0),
	};
	struct rte_hash *h;

	if (__atomic_load_n(&dir, __ATOMIC_ACQUIRE))
		return 0;
	h = rte_hash_create(&hp);
	if (h && v) {
		dq = dq_create(h, v);
		if (!dq) {
			rte_hash_free(h);
			h = NULL;
		}
	}
	if (!h) {
		LOG_ERRX("ipvs", "cannot create the sync directory of %u: %s",
			 entries, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	dir_size = entries;
	__atomic_store_n(&dir, h, __ATOMIC_RELEASE);
	return 0;
}

void sync_dir_fini(void)
{
	/* The workers are stopped: what is left is no one's. */
	if (dq && rte_rcu_qsbr_dq_delete(dq) != 0)
		LOG_ERRX("ipvs", "sync directory: positions left in limbo");
	dq = NULL;
	rte_hash_free(dir);
	dir = NULL;
	dir_size = 0;
	__atomic_store_n(&sync_dir_nkeys, 0, __ATOMIC_RELAXED);
}

int sync_dir_add(const void *key, unsigned widx)
{
	struct rte_hash *h = __atomic_load_n(&dir, __ATOMIC_ACQUIRE);
	bool fresh;
	int rc;

	if (!h)
		return -ENODEV;
	rte_spinlock_lock(&wlock);
	fresh = rte_hash_lookup(h, key) < 0;
	rc = rte_hash_add_key_data(h, key, (void *)(uintptr_t)(widx + 1));
	if (rc == 0 && fresh)
		__atomic_add_fetch(&sync_dir_nkeys, 1, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&wlock);
	return rc < 0 ? -ENOSPC : 0;
}

void sync_dir_del(const void *key, unsigned widx)
{
	struct rte_hash *h = __atomic_load_n(&dir, __ATOMIC_ACQUIRE);
	void *data;
	int32_t pos;

	if (!h)
		return;
	rte_spinlock_lock(&wlock);
	if (rte_hash_lookup_data(h, key, &data) >= 0 &&
	    (uintptr_t)data == widx + 1) {
		pos = rte_hash_del_key(h, key);
		if (pos >= 0) {
			__atomic_sub_fetch(&sync_dir_nkeys, 1, __ATOMIC_RELAXED);
			/* Once no reader can hold pos, it is free again. */
			if (dq && rte_rcu_qsbr_dq_enqueue(dq, &pos) != 0)
				LOG_ERRX("ipvs", "sync directory: a position lost");
		}
	}
	rte_spinlock_unlock(&wlock);
}

int sync_dir_owner(const void *key)
{
	struct rte_hash *h = __atomic_load_n(&dir, __ATOMIC_ACQUIRE);
	void *data;

	if (!h || rte_hash_lookup_data(h, key, &data) < 0)
		return -1;
	return (int)((uintptr_t)data - 1);
}

uint32_t sync_dir_count(void)
{
	return __atomic_load_n(&sync_dir_nkeys, __ATOMIC_RELAXED);
}

uint32_t sync_dir_size(void)
{
	return dir_size;
}

void sync_dir_reclaim(void)
{
	unsigned freed, pending, avail;

	/* Under the writers' lock: the defer queue has a single writer. */
	if (dq && rte_spinlock_trylock(&wlock)) {
		rte_rcu_qsbr_dq_reclaim(dq, RECLAIM_MAX, &freed, &pending,
					&avail);
		rte_spinlock_unlock(&wlock);
	}
}
