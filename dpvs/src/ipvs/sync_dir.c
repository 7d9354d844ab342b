/*
 * The sync directory (sync_dir.h): an owner registry (owner_reg.c)
 * whose newest record wins.  Writers (workers installing or releasing
 * synced conns, never a packet's path) serialise on one lock, which
 * makes "delete the key if it is still mine" atomic; readers take none.
 */
#include "sync_dir.h"

#include <errno.h>
#include <stddef.h>

#include <rte_spinlock.h>

#include "owner_reg.h"

static struct owner_reg *dir;     /* published once, read by workers */
static rte_spinlock_t wlock = RTE_SPINLOCK_INITIALIZER;
uint32_t sync_dir_nkeys;          /* atomic */
static uint32_t dir_size;

int sync_dir_init(uint32_t entries, uint32_t key_len)
{
	struct owner_reg *r;

	if (__atomic_load_n(&dir, __ATOMIC_ACQUIRE))
		return 0;
	r = owner_reg_create("ipvs_sync_dir", "sync directory", entries,
			     key_len);
	if (!r)
		return -ENOMEM;
	dir_size = entries;
	__atomic_store_n(&dir, r, __ATOMIC_RELEASE);
	return 0;
}

void sync_dir_fini(void)
{
	owner_reg_free(dir);
	dir = NULL;
	dir_size = 0;
	__atomic_store_n(&sync_dir_nkeys, 0, __ATOMIC_RELAXED);
}

int sync_dir_add(const void *key, unsigned widx)
{
	struct owner_reg *r = __atomic_load_n(&dir, __ATOMIC_ACQUIRE);
	int rc;

	if (!r)
		return -ENODEV;
	rte_spinlock_lock(&wlock);
	rc = owner_reg_set(r, key, widx);
	if (rc == 1)
		__atomic_add_fetch(&sync_dir_nkeys, 1, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&wlock);
	return rc < 0 ? rc : 0;
}

void sync_dir_del(const void *key, unsigned widx)
{
	struct owner_reg *r = __atomic_load_n(&dir, __ATOMIC_ACQUIRE);

	if (!r)
		return;
	rte_spinlock_lock(&wlock);
	if (owner_reg_release(r, key, widx))
		__atomic_sub_fetch(&sync_dir_nkeys, 1, __ATOMIC_RELAXED);
	rte_spinlock_unlock(&wlock);
}

int sync_dir_owner(const void *key)
{
	struct owner_reg *r = __atomic_load_n(&dir, __ATOMIC_ACQUIRE);

	return r ? owner_reg_owner(r, key) : -1;
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
	struct owner_reg *r = __atomic_load_n(&dir, __ATOMIC_ACQUIRE);

	/* Under the writers' lock, as their releases fill the queue. */
	if (r && rte_spinlock_trylock(&wlock)) {
		owner_reg_reclaim(r);
		rte_spinlock_unlock(&wlock);
	}
}
