/*
 * The NAT reply-tuple registry under two lcores claiming the same tuples
 * at once, on the real QSBR variable: a tuple never has two owners, the
 * loser always learns it lost, and after many times the registry's size
 * in claims and releases every slot is free again.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_hash.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "ipvs/nat_reg.h"
#include "core/rcu.h"

#define ENTRIES 1024u
#define KEYS 64u
#define CLAIMS 200000u   /* a lcore: ~200 x the registry's slots */

struct key {
	uint32_t a, b;
};

static uint32_t holders[KEYS];   /* claims won and not given back */
static uint32_t wins[2], lost[2], doubled;

static int claimer(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg, lc = rte_lcore_id();

	rcu_register(lc);
	for (uint32_t i = 0; i < CLAIMS; i++) {
		struct key k = { i % KEYS, 7 };

		if (nat_reg_claim(&k, me) != 0) {
			lost[me]++;
		} else {
			wins[me]++;
			if (__atomic_add_fetch(&holders[k.a], 1, __ATOMIC_ACQ_REL) != 1)
				__atomic_add_fetch(&doubled, 1, __ATOMIC_RELAXED);
			for (volatile int hold = 0; hold < 200; hold++)
				;   /* an owner for a while: a second one shows */
			__atomic_sub_fetch(&holders[k.a], 1, __ATOMIC_ACQ_REL);
			nat_reg_release(&k, me);
		}
		rcu_quiescent(lc);
		nat_reg_reclaim();
	}
	rcu_unregister(lc);
	return 0;
}

static void test_one_owner_under_concurrent_claims(void **state)
{
	const struct rte_hash *h;
	unsigned lc = rte_get_next_lcore(-1, 1, 0);

	(void)state;
	/* The main lcore is the other claimer: each has a CPU of its own. */
	assert_int_equal(rte_eal_remote_launch(claimer, (void *)1, lc), 0);
	claimer((void *)0);
	rte_eal_mp_wait_lcore();
	printf("claims won %u + %u, lost %u + %u\n", wins[0], wins[1],
	       lost[0], lost[1]);
	assert_int_equal(doubled, 0);
	/* Both won, and lost to the other: they did overlap. */
	assert_true(wins[0] > 0 && wins[1] > 0);
	assert_true(lost[0] + lost[1] > 0);
	/* The readers are gone: whatever waits for a grace period is free. */
	for (int i = 0; i < 100; i++)
		nat_reg_reclaim();
	h = rte_hash_find_existing("nat_reply_reg");
	assert_non_null(h);
	assert_int_equal(rte_hash_count(h), 0);
}

/*
 * A tuple whose owner yields it (its conn is over) while the owner gives
 * it back: a claim at the same instant takes it (1), makes it anew (0)
 * or finds it still held (-EEXIST).  Whichever, the tuple ends with the
 * claimant if its claim succeeded and with no one otherwise: a release
 * never deletes a tuple that was taken from it.
 */
#define ROUNDS 20000u

static uint32_t go, done;
static int got[ROUNDS];

static int taker(void *arg)
{
	unsigned lc = rte_lcore_id();

	(void)arg;
	rcu_register(lc);
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		struct key k = { r % KEYS, 9 };

		while (__atomic_load_n(&go, __ATOMIC_ACQUIRE) != r)
			rcu_quiescent(lc);
		got[r - 1] = nat_reg_claim(&k, 1);
		__atomic_store_n(&done, r, __ATOMIC_RELEASE);
		nat_reg_reclaim();
	}
	rcu_unregister(lc);
	return 0;
}

static void test_a_yielded_tuple_is_taken_or_given_back(void **state)
{
	unsigned lc = rte_get_next_lcore(-1, 1, 0), me = rte_lcore_id();
	unsigned outcomes[3] = { 0 }, bad = 0;

	(void)state;
	rcu_register(me);
	assert_int_equal(rte_eal_remote_launch(taker, NULL, lc), 0);
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		struct key k = { r % KEYS, 9 };
		int rc;

		/* No assert before the join: the taker would wait forever. */
		bad += nat_reg_claim(&k, 0) != 0 || !nat_reg_yield(&k, 0, true);
		__atomic_store_n(&go, r, __ATOMIC_RELEASE);
		for (volatile unsigned i = 0; i < (r % 64) * 20; i++)
			;   /* the claim lands before, during or after */
		nat_reg_release(&k, 0);
		while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) != r)
			rcu_quiescent(me);
		rc = got[r - 1];
		if ((rc != 0 && rc != 1 && rc != -EEXIST) ||
		    nat_reg_owner(&k) != (rc >= 0 ? 1 : -1))
			bad++;
		else
			outcomes[rc == -EEXIST ? 2 : rc]++;
		nat_reg_release(&k, 1);
		bad += nat_reg_owner(&k) != -1;
		rcu_quiescent(me);
		nat_reg_reclaim();
	}
	rte_eal_mp_wait_lcore();
	rcu_unregister(me);
	printf("made anew %u, taken %u, still held %u, wrong %u\n",
	       outcomes[0], outcomes[1], outcomes[2], bad);
	assert_int_equal(bad, 0);
	/* Not yielded: no one takes it. */
	{
		struct key k = { 1, 10 };

		assert_int_equal(nat_reg_claim(&k, 0), 0);
		assert_int_equal(nat_reg_claim(&k, 1), -EEXIST);
		assert_true(nat_reg_yield(&k, 0, true));
		assert_true(nat_reg_yield(&k, 0, false));
		assert_int_equal(nat_reg_claim(&k, 1), -EEXIST);
		assert_true(nat_reg_yield(&k, 0, true));
		assert_int_equal(nat_reg_claim(&k, 0), -EEXIST);   /* its own */
		assert_int_equal(nat_reg_claim(&k, 1), 1);
		assert_false(nat_reg_yield(&k, 0, false));   /* gone */
		nat_reg_release(&k, 0);
		assert_int_equal(nat_reg_owner(&k), 1);
		nat_reg_release(&k, 1);
	}
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_nat_reg", "--no-huge", "-m", "64", "--no-pci",
			"--lcores", "0@0,1@1", "--file-prefix", prefix,
			"--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_owner_under_concurrent_claims),
		cmocka_unit_test(test_a_yielded_tuple_is_taken_or_given_back),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_nat_reg_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0 ||
	    rcu_init() < 0 || nat_reg_init(ENTRIES, sizeof(struct key)) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("nat_reg", tests, NULL, NULL);
	nat_reg_fini();
	rcu_fini();
	rte_eal_cleanup();
	return rc;
}
