/*
 * Unit tests for lblc, lblcr, ovf and twos (dpvs/src/ipvs/sched/): the
 * locality tables' choices, expiry and churn, overflow by weight, and
 * the two random choices.  The common cases of every scheduler (weight
 * 0, thresholds, empty services) are in test_sched.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipvs/sched/sched.h"
#include "ipvs/sched/sched_lbl.h"

#define MAXD 8

struct tsvc {
	const struct sched_ops *ops;
	struct sched_svc svc;
	struct sched_dest d[MAXD];
	struct sched_counters c[MAXD];
	_Alignas(64) uint8_t ws[2][SCHED_WSTATE_MAX];
};

static struct tsvc T;

static void svc_up(const char *name, unsigned n, const int32_t *w)
{
	memset(&T, 0, sizeof(T));
	T.ops = sched_lookup(name);
	assert_non_null(T.ops);
	assert_true(T.ops->wstate_size <= SCHED_WSTATE_MAX);
	for (unsigned i = 0; i < n; i++)
		T.d[i] = (struct sched_dest){ .addr = 0x0a000001u + i,
					      .port = 80, .weight = w[i],
					      .cnt = &T.c[i] };
	T.svc = (struct sched_svc){ .dests = T.d, .ndests = n };
	assert_null(T.ops->init);
}

/* A flow to destination addr at time now, on worker 0 unless said. */
static int pick_w(unsigned worker, uint32_t daddr, uint32_t now)
{
	struct sched_flow f = { .saddr = 0xc0a80001u, .daddr = daddr,
				.sport = 40000, .dport = 80, .proto = 6,
				.now = now };
	int i = T.ops->schedule(&T.svc, T.ws[worker], &f);

	assert_true(i >= -1 && i < (int)T.svc.ndests);
	return i;
}

static int pick(uint32_t daddr, uint32_t now)
{
	return pick_w(0, daddr, now);
}

static void loads(uint32_t a0, uint32_t a1, uint32_t a2)
{
	T.c[0].active = a0;
	T.c[1].active = a1;
	T.c[2].active = a2;
}

#define A 0xc6336401u           /* 198.51.100.1 */
#define B 0xc6336402u

/* ---- lblc ---- */

static void test_lblc_keeps_until_overloaded(void **state)
{
	static const int32_t w[3] = { 2, 2, 2 };

	(void)state;
	svc_up("lblc", 3, w);
	loads(0, 0, 0);
	assert_int_equal(pick(A, 10), 0);       /* least, first of a tie */
	loads(2, 0, 0);                         /* at its weight: not over */
	assert_int_equal(pick(A, 11), 0);
	assert_int_equal(pick(B, 11), 1);       /* a new address: least */
	loads(3, 1, 1);                         /* over, but nobody under half */
	assert_int_equal(pick(A, 12), 0);
	loads(3, 1, 0);                         /* server 2 under half: move */
	assert_int_equal(pick(A, 13), 2);
	loads(0, 1, 2);                         /* A now stays with 2 */
	assert_int_equal(pick(A, 14), 2);
	T.d[2].weight = 0;                      /* quiesced: A moves on */
	assert_int_equal(pick(A, 15), 0);
	T.d[2].weight = 2;
	T.d[0].u_thresh = 5;                    /* the usual thresholds too */
	T.c[0].inactive = 5;
	assert_int_equal(pick(A, 16), 1);
	assert_int_equal(pick(B, 16), 1);
}

/* A new address gets the least connections per weight, as wlc. */
static void test_lbl_new_address_by_weight(void **state)
{
	static const int32_t w[3] = { 1, 3, 2 };
	static const char *const names[] = { "lblc", "lblcr" };

	(void)state;
	for (unsigned s = 0; s < 2; s++) {
		svc_up(names[s], 3, w);
		loads(1, 2, 2);         /* per weight: 256, 171, 256 */
		assert_int_equal(pick(A, 1), 1);
		loads(1, 4, 1);         /* 256, 341, 128 */
		assert_int_equal(pick(B, 1), 2);
		T.c[0].inactive = 200;  /* inactive ones count too */
		loads(0, 2, 2);         /* 200, 171, 256 */
		assert_int_equal(pick(B + 1, 1), 1);
	}
}

static void test_lblc_expiry(void **state)
{
	static const int32_t w[3] = { 1, 1, 1 };
	const uint32_t t0 = 0xffffff00u;        /* the clock wraps meanwhile */

	(void)state;
	svc_up("lblc", 3, w);
	loads(0, 0, 0);
	assert_int_equal(pick(A, t0), 0);
	loads(1, 0, 0);                         /* 0 is not over: A stays */
	assert_int_equal(pick(A, t0 + LBL_EXPIRE / 2), 0);
	assert_int_equal(pick(A, t0 + LBL_EXPIRE / 2 + LBL_EXPIRE), 0);
	/* Unused for longer than LBL_EXPIRE: forgotten, least again. */
	assert_int_equal(pick(A, t0 + LBL_EXPIRE / 2 + 2 * LBL_EXPIRE + 1), 1);
}

/* Workers keep tables of their own: the documented deviation. */
static void test_lbl_per_worker(void **state)
{
	static const int32_t w[2] = { 1, 1 };

	(void)state;
	svc_up("lblc", 2, w);
	assert_int_equal(pick_w(0, A, 1), 0);
	T.c[0].active = 1;
	assert_int_equal(pick_w(1, A, 1), 1);   /* worker 1 had no entry */
	assert_int_equal(pick_w(0, A, 1), 0);
	assert_int_equal(pick_w(1, A, 1), 1);
}

/*
 * Many times the table's size in new addresses, while a hot address is
 * used all along: the hot one keeps its server, the most recent ones
 * are remembered, and the table works as on the first day.
 */
static void check_churn(const char *name)
{
	static const int32_t w[3] = { 1000, 1000, 1000 };
	const uint32_t hot = 0x0b000000u, base = 0x0c000000u;
	unsigned n = 100 * LBL_SLOTS, kept = 0, recent = LBL_SLOTS / 4;

	svc_up(name, 3, w);
	loads(0, 0, 10);
	assert_int_equal(pick(hot, 0), 0);
	loads(10, 0, 0);                /* an evicted hot would go to 1 */
	for (unsigned k = 0; k < n; k++) {
		assert_int_equal(pick(base + k, k / 64), 1);
		if (k % 3 == 0 && pick(hot, k / 64) != 0)
			fail_msg("%s: hot address lost after %u new ones",
				 name, k);
	}
	loads(10, 10, 0);               /* a forgotten address would go to 2 */
	for (unsigned k = n - recent; k < n; k++)
		kept += pick(base + k, n / 64) == 1;
	if (kept * 10 < recent * 9)
		fail_msg("%s: %u of the last %u addresses remembered",
			 name, kept, recent);
	assert_int_equal(pick(base + n, n / 64), 2);
	assert_int_equal(pick(base + n, n / 64 + 1), 2);
}

static void test_lbl_churn(void **state)
{
	(void)state;
	check_churn("lblc");
	check_churn("lblcr");
}

/* ---- lblcr ---- */

static const struct lbl_entry *entry_of(uint32_t addr)
{
	const struct lbl_ws *w = (const struct lbl_ws *)(void *)T.ws[0];

	for (unsigned k = 0; k < LBL_SLOTS; k++)
		if (w->e[k].n && w->e[k].addr == addr)
			return &w->e[k];
	return NULL;
}

static void test_lblcr_set_grows_and_shrinks(void **state)
{
	static const int32_t w[3] = { 2, 2, 2 };
	const uint32_t t0 = 100;

	(void)state;
	svc_up("lblcr", 3, w);
	loads(0, 0, 1);
	assert_int_equal(pick(A, t0), 0);
	loads(3, 1, 0);                 /* 0 over, 2 under half: add one */
	assert_int_equal(pick(A, t0), 2);
	assert_int_equal(entry_of(A)->n, 2);
	loads(0, 0, 1);                 /* the least loaded of the set {0, 2} */
	assert_int_equal(pick(A, t0 + 1), 0);
	loads(2, 0, 1);
	assert_int_equal(pick(A, t0 + 2), 2);   /* 1 is outside the set */
	/* Unchanged for LBL_EXPIRE: the most loaded member leaves. */
	assert_int_equal(pick(A, t0 + LBL_EXPIRE / 2), 2);
	assert_int_equal(pick(A, t0 + LBL_EXPIRE + 1), 2);
	assert_int_equal(entry_of(A)->n, 1);
	loads(0, 0, 2);                 /* 0 left: 2 alone now */
	assert_int_equal(pick(A, t0 + LBL_EXPIRE + 2), 2);
}

/*
 * Each new member overloaded in turn while the last server stays idle:
 * the set stops at LBL_SET_MAX, its most loaded member giving way.
 */
static void test_lblcr_set_cap(void **state)
{
	static const int32_t w[MAXD] = { 1, 1, 1, 1, 1, 1, 1, 1 };

	(void)state;
	svc_up("lblcr", MAXD, w);
	for (unsigned k = 0; k < MAXD - 1; k++) {
		assert_int_equal(pick(A, 1), (int)k);
		T.c[k].active = 2 + k;  /* over its weight of 1 */
		assert_true(entry_of(A)->n <= LBL_SET_MAX);
	}
	assert_int_equal(entry_of(A)->n, LBL_SET_MAX);
	/* The most loaded of 0..6 (6) gave way; the idle 7 joins next. */
	assert_int_equal(pick(A, 1), MAXD - 1);
	assert_int_equal(entry_of(A)->n, LBL_SET_MAX);
	for (unsigned k = 0; k < LBL_SET_MAX; k++)
		assert_true(entry_of(A)->set[k] != MAXD - 2);
}

/* ---- ovf ---- */

static void test_ovf(void **state)
{
	static const int32_t w[4] = { 1, 3, 3, 2 };
	static const int expect[] = { 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 0, 0,
				      -1, -1 };

	(void)state;
	svc_up("ovf", 4, w);
	/* The highest weight first, each to one past its weight. */
	for (unsigned k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
		int i = pick(A, 1);

		assert_int_equal(i, expect[k]);
		if (i >= 0)
			T.c[i].active++;
	}
	T.c[2].active = 3;              /* back within its weight */
	assert_int_equal(pick(A, 1), 2);
	T.d[2].u_thresh = 3;            /* but over its threshold */
	assert_int_equal(pick(A, 1), -1);
}

/* ---- twos ---- */

static void shares(unsigned worker, unsigned n, double *out, int load)
{
	unsigned cnt[MAXD] = { 0 };

	for (unsigned k = 0; k < n; k++) {
		int i = pick_w(worker, A, 1);

		assert_true(i >= 0);
		cnt[i]++;
		if (load)
			T.c[i].active++;
	}
	for (unsigned i = 0; i < T.svc.ndests; i++)
		out[i] = (double)cnt[i] / n;
}

static void test_twos_weights(void **state)
{
	static const int32_t w[4] = { 1, 2, 3, 4 };
	double s[MAXD];

	(void)state;
	svc_up("twos", 4, w);
	shares(0, 100000, s, 0);        /* equal loads: by weight alone */
	for (unsigned i = 0; i < 4; i++)
		if (s[i] < w[i] / 10.0 - 0.01 || s[i] > w[i] / 10.0 + 0.01)
			fail_msg("server %u: share %.3f, weight share %.1f",
				 i, s[i], w[i] / 10.0);
	svc_up("twos", 4, w);
	shares(1, 10000, s, 1);         /* loaded: active follows weight */
	for (unsigned i = 0; i < 4; i++)
		if (s[i] < w[i] / 10.0 - 0.02 || s[i] > w[i] / 10.0 + 0.02)
			fail_msg("server %u: loaded share %.3f", i, s[i]);
}

/* The lighter of two draws: the loaded one only when drawn twice. */
static void test_twos_two_choices(void **state)
{
	static const int32_t w[2] = { 1, 1 };
	double s0[MAXD], s1[MAXD];

	(void)state;
	svc_up("twos", 2, w);
	T.c[0].active = 100;
	shares(0, 100000, s0, 0);
	shares(1, 100000, s1, 0);
	assert_true(s0[0] > 0.24 && s0[0] < 0.26);
	assert_true(s1[0] > 0.24 && s1[0] < 0.26);
	/* Workers draw from streams of their own. */
	assert_true(s0[0] != s1[0]);
	T.d[1].weight = 0;
	assert_int_equal(pick_w(0, A, 1), 0);
	T.d[0].weight = 0;
	assert_int_equal(pick_w(0, A, 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lblc_keeps_until_overloaded),
		cmocka_unit_test(test_lbl_new_address_by_weight),
		cmocka_unit_test(test_lblc_expiry),
		cmocka_unit_test(test_lbl_per_worker),
		cmocka_unit_test(test_lbl_churn),
		cmocka_unit_test(test_lblcr_set_grows_and_shrinks),
		cmocka_unit_test(test_lblcr_set_cap),
		cmocka_unit_test(test_ovf),
		cmocka_unit_test(test_twos_weights),
		cmocka_unit_test(test_twos_two_choices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
