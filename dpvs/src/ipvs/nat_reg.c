/*
 * The NAT reply-tuple registry: an rte_hash that workers add to and
 * delete from (MULTI_WRITER_ADD: writers serialise on the hash's own
 * lock, only when a NAT conn is made or freed) and read without locks
 * (RW_CONCURRENCY_LF).  Owners live beside the hash, one word a key
 * position: a claim is an add (which returns the position of a key that
 * is there) then a compare-and-swap of that position's owner, so of two
 * workers claiming one tuple in the same instant exactly one wins.
 *
 * A deleted key's position is reused only after a grace period of the
 * shared QSBR variable, so a claimant holding a stale position can find
 * out and let go before it is reused.  Our own defer queue, not the
 * hash's: the hash reclaims its queue only when a later delete or a full
 * table makes it, so the last deleted positions would stay taken;
 * workers reclaim ours every loop (nat_reg_reclaim).  No EXT_TABLE: its
 * buckets are given back through a single-producer ring, which the
 * workers' concurrent frees would share.
 */
#define ALLOW_EXPERIMENTAL_API   /* rte_rcu_qsbr_dq_* */
#include "nat_reg.h"

#include <errno.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "core/log.h"
#include "core/rcu.h"

#define RECLAIM_MAX 64   /* positions freed a call */

static struct rte_hash *reg;
static struct rte_rcu_qsbr_dq *dq;
static uint16_t *owner;   /* [position]: worker index + 1, 0: none */

static void free_pos(void *p __rte_unused, void *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		rte_hash_free_key_with_position(reg, ((int32_t *)e)[i]);
}

static int dq_create(struct rte_rcu_qsbr *v)
{
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = "nat_reply_dq",
		/* Room for every position: an enqueue never fails. */
		.size = (uint32_t)rte_hash_max_key_id(reg) + 1,
		.esize = sizeof(int32_t),
		.trigger_reclaim_limit = RECLAIM_MAX,
		.max_reclaim_size = RECLAIM_MAX,
		.free_fn = free_pos,
		.v = v,
	};

	dq = rte_rcu_qsbr_dq_create(&dp);
	return dq ? 0 : -1;
}

int nat_reg_init(uint32_t entries, uint32_t key_len)
{
	struct rte_rcu_qsbr *v = rcu_qsbr();
	struct rte_hash_parameters hp = {
		.name = "nat_reply_reg",
		.entries = entries,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		/* No QSBR (unit tests, one thread): plain deletes. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD |
			      (v ? RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF : 0),
	};

	reg = rte_hash_create(&hp);
	if (reg)
		owner = rte_zmalloc("nat_reply_owner", sizeof(*owner) *
				    ((size_t)rte_hash_max_key_id(reg) + 1), 0);
	if (!reg || !owner || (v && dq_create(v) < 0)) {
		LOG_ERRX("ipvs", "cannot create the NAT reply registry of %u: %s",
			 entries, rte_strerror(rte_errno));
		nat_reg_fini();
		return -ENOMEM;
	}
	return 0;
}

void nat_reg_fini(void)
{
	/* The workers are stopped: what is left is no one's. */
	if (dq && rte_rcu_qsbr_dq_delete(dq) != 0)
		LOG_ERRX("ipvs", "NAT reply registry: positions left in limbo");
	dq = NULL;
	rte_hash_free(reg);
	rte_free(owner);
	reg = NULL;
	owner = NULL;
}

int nat_reg_claim(const void *key, unsigned widx)
{
	uint16_t me = (uint16_t)(widx + 1);

	for (int tries = 0; tries < 2; tries++) {
		int32_t pos = rte_hash_add_key(reg, key);
		uint16_t none = 0;

		if (pos < 0)
			return -ENOBUFS;
		if (!__atomic_compare_exchange_n(&owner[pos], &none, me, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			return -EEXIST;
		if (rte_hash_lookup(reg, key) == pos)
			return 0;
		/*
		 * The owner deleted the key between our add and our swap:
		 * the position waits out a grace period, ours included, so
		 * it is still safe to let go of it.
		 */
		__atomic_store_n(&owner[pos], 0, __ATOMIC_RELEASE);
	}
	return -EEXIST;
}

/* Only the owner deletes: a claimant that lost never held the key. */
void nat_reg_release(const void *key, unsigned widx)
{
	int32_t pos = rte_hash_lookup(reg, key);

	if (pos < 0 ||
	    __atomic_load_n(&owner[pos], __ATOMIC_ACQUIRE) != widx + 1)
		return;
	rte_hash_del_key(reg, key);
	__atomic_store_n(&owner[pos], 0, __ATOMIC_RELEASE);
	/* Once no reader can hold pos, it is free again (free_pos). */
	if (dq && rte_rcu_qsbr_dq_enqueue(dq, &pos) != 0)
		LOG_ERRX("ipvs", "NAT reply registry: a position lost");
}

void nat_reg_reclaim(void)
{
	unsigned freed, pending, avail;

	if (dq)
		rte_rcu_qsbr_dq_reclaim(dq, RECLAIM_MAX, &freed, &pending, &avail);
}

int nat_reg_owner(const void *key)
{
	int32_t pos = reg ? rte_hash_lookup(reg, key) : -1;
	uint16_t o = pos >= 0 ? __atomic_load_n(&owner[pos], __ATOMIC_ACQUIRE) : 0;

	return o ? o - 1 : -1;
}
