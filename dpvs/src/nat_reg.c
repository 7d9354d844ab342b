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
 * shared QSBR variable (the hash's defer queue), so a claimant holding a
 * stale position can find out and let go before it is reused.
 */
#include "nat_reg.h"

#include <errno.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "log.h"
#include "rcu.h"

#define RECLAIM_LIMIT 64   /* deletes between reclaims of the defer queue */

static struct rte_hash *reg;
static uint16_t *owner;   /* [position]: worker index + 1, 0: none */

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
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE |
			      (v ? RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF : 0),
	};
	struct rte_hash_rcu_config rc = {
		.v = v, .mode = RTE_HASH_QSBR_MODE_DQ,
		.trigger_reclaim_limit = RECLAIM_LIMIT,
	};

	reg = rte_hash_create(&hp);
	if (reg)
		owner = rte_zmalloc("nat_reply_owner", sizeof(*owner) *
				    ((size_t)rte_hash_max_key_id(reg) + 1), 0);
	if (!reg || !owner || (v && rte_hash_rcu_qsbr_add(reg, &rc) != 0)) {
		LOG_ERRX("ipvs", "cannot create the NAT reply registry of %u: %s",
			 entries, rte_strerror(rte_errno));
		nat_reg_fini();
		return -ENOMEM;
	}
	return 0;
}

void nat_reg_fini(void)
{
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
}

int nat_reg_owner(const void *key)
{
	int32_t pos = reg ? rte_hash_lookup(reg, key) : -1;
	uint16_t o = pos >= 0 ? __atomic_load_n(&owner[pos], __ATOMIC_ACQUIRE) : 0;

	return o ? o - 1 : -1;
}
