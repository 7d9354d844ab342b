/*
 * The conn pool's per-worker free lists: two workers on one CPU taking
 * and giving objects at once never hold the same object and never stall
 * each other on the shared ring, every object comes back after churn
 * of many times the pool, the in-use count leaves out what the lists
 * hold, and one worker can take all but what the other's list keeps
 * (1/8 of the pool over the workers, and a batch).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "ipvs/conn_pool.h"

#define W1 1
#define W2 2
#define HOLD 300          /* objects a churning lcore holds at most */

static uint8_t *owner;    /* [n]: the lcore holding each object, 0 none */
static unsigned bad;      /* objects handed to two lcores at once */

#define NW 2
#define BATCH 32          /* conn_pool.c's */

struct churn {
	uint32_t rounds;
	unsigned w;
	unsigned lc;
	uint32_t seed;
	uint64_t got;
};

/* Takes a random number of objects, gives them back in another order. */
static int churn_on(void *arg)
{
	struct churn *ch = arg;
	struct ipvs_conn *held[HOLD];

	for (uint32_t r = 0; r < ch->rounds; r++) {
		unsigned n = 0, want = rand_r(&ch->seed) % HOLD + 1;

		while (n < want && (held[n] = conn_pool_get(ch->w)) != NULL) {
			uint8_t none = 0;

			if (!__atomic_compare_exchange_n(&owner[conn_index(held[n])],
							 &none, (uint8_t)ch->lc, false,
							 __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
			n++;
		}
		ch->got += n;
		while (n) {
			unsigned k = rand_r(&ch->seed) % n;
			struct ipvs_conn *c = held[k];

			held[k] = held[--n];
			__atomic_store_n(&owner[conn_index(c)], 0, __ATOMIC_RELEASE);
			conn_pool_put(ch->w, c);
		}
	}
	return 0;
}

struct take {
	unsigned w;
	uint32_t got;
};

/* Takes every object worker t->w can; t->got: how many. */
static int take_all_on(void *arg)
{
	struct take *t = arg;
	struct ipvs_conn *c;

	while ((c = conn_pool_get(t->w)) != NULL) {
		owner[conn_index(c)]++;
		t->got++;
	}
	return 0;
}

/* Worker t->w gives back every object taken (owner[i] set). */
static int give_all_on(void *arg)
{
	const struct take *t = arg;

	for (uint32_t i = 0; i < conn_nobjs; i++)
		if (owner[i]) {
			owner[i] = 0;
			conn_pool_put(t->w, &conn_objs[i]);
		}
	return 0;
}

static void run_on(lcore_function_t *f, void *arg, unsigned lc)
{
	assert_int_equal(rte_eal_remote_launch(f, arg, lc), 0);
	assert_int_equal(rte_eal_wait_lcore(lc), 0);
}

static void pool_at(uint32_t n)
{
	struct take t1 = { .w = 0 }, t2 = { .w = 1 };
	struct churn a = { .w = 0, .lc = W1, .seed = n },
		     b = { .w = 1, .lc = W2, .seed = n + 1 };
	uint32_t kept = n / 8 / NW > BATCH ? n / 8 / NW : BATCH;
	time_t t0;

	assert_int_equal(conn_pool_init(n, NW), 0);
	owner = calloc(n, 1);
	assert_non_null(owner);
	/* Churn of 100 times the pool on both workers at once. */
	a.rounds = b.rounds = 100 * n / (HOLD / 2) / 2 + 1;
	t0 = time(NULL);
	assert_int_equal(rte_eal_remote_launch(churn_on, &a, W1), 0);
	assert_int_equal(rte_eal_remote_launch(churn_on, &b, W2), 0);
	assert_int_equal(rte_eal_wait_lcore(W1), 0);
	assert_int_equal(rte_eal_wait_lcore(W2), 0);
	/*
	 * Not a speed check: about 0.1 s here, and more than 120 s when
	 * every take and free went to the shared ring (each preempted ring
	 * op made the other worker spin out its time slice).
	 */
	assert_true(time(NULL) - t0 < 30);
	assert_int_equal(bad, 0);
	assert_true(a.got + b.got >= 100ull * n / 2);
	/* Every object is free again: in the ring or on a list. */
	assert_int_equal(conn_pool_in_use(), 0);
	/* One worker gets all but what the other's list keeps. */
	run_on(take_all_on, &t1, W1);
	assert_true(t1.got <= n);
	assert_true(t1.got >= n - kept - BATCH);
	assert_int_equal(conn_pool_in_use(), t1.got);
	/* The other's list still gives its objects; none twice. */
	run_on(take_all_on, &t2, W2);
	assert_int_equal(t1.got + t2.got, n);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(owner[i], 1);
	assert_int_equal(conn_pool_in_use(), n);
	/* All given back on one worker: past its keep, to the ring. */
	run_on(give_all_on, &t2, W2);
	assert_int_equal(conn_pool_in_use(), 0);
	t1.got = 0;
	run_on(take_all_on, &t1, W1);
	assert_true(t1.got >= n - kept - BATCH);
	run_on(give_all_on, &t1, W1);
	free(owner);
	owner = NULL;
	conn_pool_fini();
}

static void test_lists_under_churn(void **state)
{
	(void)state;
	pool_at(1024);      /* the smallest conn_pool_size */
	pool_at(5000);      /* not a power of two */
	pool_at(65536);
}

/* Not a worker (w past the workers): the ring, from any thread. */
static void *get_put_unregistered(void *arg)
{
	struct ipvs_conn *c = conn_pool_get(NW);

	*(int *)arg = c != NULL && conn_pool_in_use() == 1;
	if (c)
		conn_pool_put(NW, c);
	return NULL;
}

static void test_non_eal_thread(void **state)
{
	pthread_t th;
	int ok = 0;

	(void)state;
	assert_int_equal(conn_pool_init(4096, NW), 0);
	assert_int_equal(pthread_create(&th, NULL, get_put_unregistered, &ok), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(ok);
	assert_int_equal(conn_pool_in_use(), 0);
	conn_pool_fini();
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_conn_pool", "--no-huge", "-m", "128", "--no-pci",
			"--lcores", "0@0,(1-2)@1", "--file-prefix", prefix,
			"--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_under_churn),
		cmocka_unit_test(test_non_eal_thread),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_conn_pool_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("conn_pool", tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
