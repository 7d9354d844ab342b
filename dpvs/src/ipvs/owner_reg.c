/*
 * The owner registry: an rte_hash that workers add to and delete from
 * (MULTI_WRITER_ADD: writers serialise on the hash's own lock, never on
 * a packet's path) and read without locks (RW_CONCURRENCY_LF).  Owners
 * live beside the hash, one word a key position: a claim is an add
 * (which returns the position of a key that is there) then a
 * compare-and-swap of that position's owner, so of two workers claiming
 * one key in the same instant exactly one wins.
 *
 * A deleted key's position is reused only after a grace period of the
 * shared QSBR variable, so a claimant or reader holding a stale position
 * can find out and let go before it is reused.  Our own defer queue, not
 * the hash's: the hash reclaims its queue only when a later delete or a
 * full table makes it, so the last deleted positions would stay taken;
 * workers reclaim ours every loop.  No EXT_TABLE: its buckets are given
 * back through a single-producer ring, which the workers' concurrent
 * frees would share.
 */
#define ALLOW_EXPERIMENTAL_API   /* rte_rcu_qsbr_dq_* */
#include "owner_reg.h"

#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "core/rcu.h"

#define RECLAIM_MAX 64   /* positions freed a call */

struct owner_reg {
	struct rte_hash *h;
	struct rte_rcu_qsbr_dq *dq;
	const char *what;
	/* [position]: worker index + 1, 0: none; | YIELDS: another may take it */
	uint16_t *owner;
};

#define YIELDS 0x8000u

static void free_pos(void *p, void *e, unsigned n)
{
	struct owner_reg *r = p;

	for (unsigned i = 0; i < n; i++)
		rte_hash_free_key_with_position(r->h, ((int32_t *)e)[i]);
}

static int dq_create(struct owner_reg *r, const char *name,
		     struct rte_rcu_qsbr *v)
{
	char dq_name[RTE_HASH_NAMESIZE];
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = dq_name,
		/* Room for every position: an enqueue never fails. */
		.size = (uint32_t)rte_hash_max_key_id(r->h) + 1,
		.esize = sizeof(int32_t),
		.trigger_reclaim_limit = RECLAIM_MAX,
		.max_reclaim_size = RECLAIM_MAX,
		.free_fn = free_pos,
		.p = r,
		.v = v,
	};

	snprintf(dq_name, sizeof(dq_name), "%s_dq", name);
	r->dq = rte_rcu_qsbr_dq_create(&dp);
	return r->dq ? 0 : -1;
}

struct owner_reg *owner_reg_create(const char *name, const char *what,
				   uint32_t entries, uint32_t key_len)
{
	struct rte_rcu_qsbr *v = rcu_qsbr();
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* No QSBR (unit tests, one thread): plain deletes. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			      (v ? RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF : 0),
	};
	struct owner_reg *r = rte_zmalloc(name, sizeof(*r), 0);

	if (r) {
		r->what = what;
		r->h = rte_hash_create(&hp);
	}
	if (r && r->h)
		r->owner = rte_zmalloc(name, sizeof(*r->owner) *
				       ((size_t)rte_hash_max_key_id(r->h) + 1), 0);
	if (!r || !r->owner || (v && dq_create(r, name, v) < 0)) {
		LOG_ERRX("ipvs", "cannot create the %s of %u: %s", what,
			 entries, rte_strerror(rte_errno));
		owner_reg_free(r);
		return NULL;
	}
	return r;
}

void owner_reg_free(struct owner_reg *r)
{
	if (!r)
		return;
	/* The workers are stopped: what is left is no one's. */
	if (r->dq && rte_rcu_qsbr_dq_delete(r->dq) != 0)
		LOG_ERRX("ipvs", "%s: positions left in limbo", r->what);
	rte_hash_free(r->h);
	rte_free(r->owner);
	rte_free(r);
}

/*
 * The owner word of pos to me: from none, or from another worker that
 * yields it.  One compare-and-swap each, so of two claimants one wins.
 */
static bool take(struct owner_reg *r, int32_t pos, uint16_t me, bool *taken)
{
	uint16_t cur = 0;

	if (__atomic_compare_exchange_n(&r->owner[pos], &cur, me, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return true;
	*taken = (cur & YIELDS) && (cur & ~YIELDS) != me &&
		 __atomic_compare_exchange_n(&r->owner[pos], &cur, me, false,
					     __ATOMIC_ACQ_REL,
					     __ATOMIC_ACQUIRE);
	return *taken;
}

int owner_reg_claim(struct owner_reg *r, const void *key, unsigned widx)
{
	uint16_t me = (uint16_t)(widx + 1);

	for (int tries = 0; tries < 2; tries++) {
		int32_t pos = rte_hash_add_key(r->h, key);
		bool taken = false;

		if (pos < 0)
			return -ENOSPC;
		if (!take(r, pos, me, &taken))
			return -EEXIST;
		if (rte_hash_lookup(r->h, key) == pos)
			return taken;
		/*
		 * The owner deleted the key between our add and our swap:
		 * the position waits out a grace period, ours included, so
		 * it is still safe to let go of it.
		 */
		__atomic_store_n(&r->owner[pos], 0, __ATOMIC_RELEASE);
	}
	return -EEXIST;
}

int owner_reg_set(struct owner_reg *r, const void *key, unsigned widx)
{
	int32_t pos = rte_hash_add_key(r->h, key);

	if (pos < 0)
		return -ENOSPC;
	return __atomic_exchange_n(&r->owner[pos], (uint16_t)(widx + 1),
				   __ATOMIC_ACQ_REL) == 0;
}

/*
 * owner[pos] from me (yielding or not) to to; false if it is not me's
 * (another took it).
 */
static bool swap_own(struct owner_reg *r, int32_t pos, uint16_t me,
		     uint16_t to)
{
	uint16_t cur = __atomic_load_n(&r->owner[pos], __ATOMIC_ACQUIRE);

	while ((cur & ~YIELDS) == me)
		if (__atomic_compare_exchange_n(&r->owner[pos], &cur, to, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return true;
	return false;
}

bool owner_reg_yield(struct owner_reg *r, const void *key, unsigned widx,
		     bool yields)
{
	int32_t pos = rte_hash_lookup(r->h, key);
	uint16_t me = (uint16_t)(widx + 1);

	return pos >= 0 && swap_own(r, pos, me, yields ? me | YIELDS : me);
}

/*
 * Only the owner deletes: a claimant that lost never held the key.  It
 * stops yielding first, so that no one takes the key it is deleting.
 */
bool owner_reg_release(struct owner_reg *r, const void *key, unsigned widx)
{
	int32_t pos = rte_hash_lookup(r->h, key);
	uint16_t me = (uint16_t)(widx + 1);

	if (pos < 0 || !swap_own(r, pos, me, me))
		return false;
	rte_hash_del_key(r->h, key);
	__atomic_store_n(&r->owner[pos], 0, __ATOMIC_RELEASE);
	/* Once no reader can hold pos, it is free again (free_pos). */
	if (r->dq && rte_rcu_qsbr_dq_enqueue(r->dq, &pos) != 0)
		LOG_ERRX("ipvs", "%s: a position lost", r->what);
	return true;
}

int owner_reg_owner(const struct owner_reg *r, const void *key)
{
	int32_t pos = rte_hash_lookup(r->h, key);
	uint16_t o = pos >= 0 ?
		__atomic_load_n(&r->owner[pos], __ATOMIC_ACQUIRE) & ~YIELDS : 0;

	return o ? o - 1 : -1;
}

void owner_reg_reclaim(struct owner_reg *r)
{
	unsigned freed, pending, avail;

	if (r->dq)
		rte_rcu_qsbr_dq_reclaim(r->dq, RECLAIM_MAX, &freed, &pending,
					&avail);
}
