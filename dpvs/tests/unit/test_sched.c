/* Unit tests for the schedulers (dpvs/src/ipvs/sched/sched*.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipvs/sched/sched.h"

#define MAXD 16
#define WS_STRIDE SCHED_WSTATE_MAX
#define NFLOWS 100000

static const char *const all_names[] = { "rr", "wrr", "lc", "wlc", "sed",
	"nq", "sh", "dh", "fo", "mh", "conhash", "lblc", "lblcr", "ovf", "twos" };
#define NSCHED (sizeof(all_names) / sizeof(all_names[0]))

static const char *const hash_names[] = { "sh", "dh", "mh", "conhash" };
#define NHASH (sizeof(hash_names) / sizeof(hash_names[0]))

/* A service as the control side would build it, plus two workers. */
struct tsvc {
	const struct sched_ops *ops;
	struct sched_svc svc;
	struct sched_dest d[MAXD];
	struct sched_counters c[MAXD];
	_Alignas(64) uint8_t ws[2][WS_STRIDE];
};

static struct tsvc T, U; /* large: keep off the stack */

static uint32_t addr_of(unsigned i)
{
	return 0x0a000001u + i; /* 10.0.0.1 + i */
}

static void dest_set(struct tsvc *t, unsigned i, uint32_t addr, int32_t w)
{
	t->d[i] = (struct sched_dest){ .addr = addr, .port = 80, .weight = w,
				       .cnt = &t->c[i] };
}

/* Servers 10.0.0.1.. with the given weights; init must succeed. */
static void svc_up(struct tsvc *t, const char *name, unsigned n,
		   const int32_t *w, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	t->ops = sched_lookup(name);
	assert_non_null(t->ops);
	assert_true(t->ops->wstate_size <= WS_STRIDE);
	for (unsigned i = 0; i < n; i++)
		dest_set(t, i, addr_of(i), w[i]);
	t->svc = (struct sched_svc){ .dests = t->d, .ndests = n, .flags = flags };
	if (t->ops->init)
		assert_int_equal(t->ops->init(&t->svc), 0);
}

static void svc_down(struct tsvc *t)
{
	if (t->ops->done)
		t->ops->done(&t->svc);
}

/* Reinitialises with the current dests, as a config change would. */
static void svc_rebuild(struct tsvc *t)
{
	svc_down(t);
	memset(t->ws, 0, sizeof(t->ws));
	if (t->ops->init)
		assert_int_equal(t->ops->init(&t->svc), 0);
}

static int pick(struct tsvc *t, unsigned worker, const struct sched_flow *f)
{
	int i = t->ops->schedule(&t->svc, t->ws[worker], f);

	assert_true(i >= -1 && i < (int)t->svc.ndests);
	return i;
}

/* xorshift64*: the same flows on every run. */
static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static struct sched_flow flow_n(unsigned n)
{
	uint64_t r;

	if (n == 0)
		rng_state = 0x9e3779b97f4a7c15ull;
	r = rng();
	return (struct sched_flow){ .saddr = (uint32_t)r,
				    .daddr = (uint32_t)(r >> 32),
				    .sport = (uint16_t)(r >> 16),
				    .dport = 80, .proto = 6 };
}

/* Each new connection counts as active, so lc & co. see the load. */
static void run(struct tsvc *t, unsigned nflows, unsigned *counts, bool load)
{
	memset(counts, 0, sizeof(*counts) * (MAXD + 1));
	for (unsigned n = 0; n < nflows; n++) {
		struct sched_flow f = flow_n(n);
		int i = pick(t, n & 1, &f);

		counts[i < 0 ? MAXD : (unsigned)i]++;
		if (i >= 0 && load)
			t->c[i].active++;
	}
}

/* ---- registry ---- */

static void test_lookup_every_name(void **state)
{
	const char *const *names = sched_names();
	unsigned n = 0;

	(void)state;
	for (; names[n]; n++) {
		const struct sched_ops *ops = sched_lookup(names[n]);

		assert_non_null(ops);
		assert_string_equal(ops->name, names[n]);
		assert_non_null(ops->schedule);
		assert_true(ops->wstate_size <= WS_STRIDE);
		assert_true((ops->init == NULL) == (ops->done == NULL));
	}
	assert_int_equal(n, NSCHED);
	for (unsigned i = 0; i < NSCHED; i++)
		assert_non_null(sched_lookup(all_names[i]));
	assert_null(sched_lookup("nope"));
	assert_null(sched_lookup(""));
	assert_null(sched_lookup("WLC"));
	assert_null(sched_lookup(NULL));
}

/* ---- usable and hysteresis ---- */

static void test_usable_hysteresis(void **state)
{
	struct sched_counters c = { 0, 0, 0 };
	struct sched_dest d = { .weight = 1, .u_thresh = 8, .cnt = &c };

	(void)state;
	c.active = 4;
	c.inactive = 3;
	assert_true(sched_dest_usable(&d));
	c.inactive = 4;                 /* 8: at the upper threshold */
	assert_false(sched_dest_usable(&d));
	assert_int_equal(c.overloaded, 1);
	c.inactive = 2;                 /* 6 = 3/4 of 8: not below */
	assert_false(sched_dest_usable(&d));
	c.inactive = 1;                 /* 5 < 6 */
	assert_true(sched_dest_usable(&d));
	assert_int_equal(c.overloaded, 0);

	d.l_thresh = 3;                 /* explicit lower threshold */
	c.inactive = 4;
	assert_false(sched_dest_usable(&d));
	c.active = 0;
	c.inactive = 3;
	assert_false(sched_dest_usable(&d));
	c.inactive = 2;
	assert_true(sched_dest_usable(&d));

	c.overloaded = 1;               /* the limit was lifted */
	d.u_thresh = 0;
	c.inactive = 100;
	assert_true(sched_dest_usable(&d));
	assert_int_equal(c.overloaded, 0);

	d.weight = 0;
	assert_false(sched_dest_usable(&d));
	d.weight = -1;
	assert_false(sched_dest_usable(&d));
	d.weight = 1;
	d.cnt = NULL;
	assert_true(sched_dest_usable(&d));
}

/* l_thresh above u_thresh: overloaded at u_thresh, never flapping. */
static void test_usable_odd_thresholds(void **state)
{
	struct sched_counters c = { 5, 0, 0 };
	struct sched_dest d = { .weight = 1, .u_thresh = 5, .l_thresh = 9,
				.cnt = &c };

	(void)state;
	for (int k = 0; k < 4; k++)
		assert_false(sched_dest_usable(&d));
	c.active = 4;
	assert_true(sched_dest_usable(&d));
}

/* ---- every scheduler ---- */

static void test_empty_service(void **state)
{
	static const int32_t zero[3] = { 0, 0, 0 };
	struct sched_flow f = flow_n(0);

	(void)state;
	for (unsigned s = 0; s < NSCHED; s++) {
		svc_up(&T, all_names[s], 0, NULL, SCHED_F_FALLBACK);
		for (unsigned n = 0; n < 8; n++)
			assert_int_equal(pick(&T, n & 1, &f), -1);
		svc_down(&T);
		svc_up(&T, all_names[s], 3, zero, SCHED_F_FALLBACK);
		for (unsigned n = 0; n < 8; n++) {
			f = flow_n(n);
			assert_int_equal(pick(&T, n & 1, &f), -1);
		}
		svc_down(&T);
	}
}

static void test_weight_zero_gets_nothing(void **state)
{
	static const int32_t w[4] = { 2, 0, 3, 1 };
	unsigned counts[MAXD + 1];

	(void)state;
	for (unsigned s = 0; s < NSCHED; s++) {
		svc_up(&T, all_names[s], 4, w, 0);
		run(&T, 2000, counts, true);
		/* ovf: each server takes one past its weight (2, 3, 1), then
		 * none: the rest go unscheduled. */
		if (!strcmp(all_names[s], "ovf") &&
		    counts[MAXD] == 2000 - (3 + 4 + 2))
			counts[MAXD] = 0;
		if (counts[1] || counts[MAXD])
			fail_msg("%s: %u flows to weight 0, %u unscheduled",
				 all_names[s], counts[1], counts[MAXD]);
		svc_down(&T);
	}
}

/* Server 0 at its u_thresh is skipped until below l_thresh; the
 * others (more loaded, never over) take everything meanwhile. */
static void test_threshold_every_sched(void **state)
{
	static const int32_t w[3] = { 1, 1, 1 };
	unsigned counts[MAXD + 1];

	(void)state;
	for (unsigned s = 0; s < NSCHED; s++) {
		svc_up(&T, all_names[s], 3, w, SCHED_F_FALLBACK);
		T.d[0].u_thresh = 8;
		T.d[0].l_thresh = 4;
		T.c[0].inactive = 8;
		T.c[1].inactive = T.c[2].inactive = 20;
		run(&T, 1000, counts, false);
		assert_int_equal(counts[0], 0);
		assert_int_equal(counts[MAXD], 0);
		T.c[0].inactive = 4;    /* below 8, not below 4 */
		run(&T, 1000, counts, false);
		assert_int_equal(counts[0], 0);
		T.c[0].inactive = 3;
		run(&T, 1000, counts, false);
		if (counts[0] == 0)
			fail_msg("%s: server 0 not used once below l_thresh",
				 all_names[s]);
		svc_down(&T);
	}
}

/* ---- rr, wrr: exact over a cycle ---- */

static void expect_seq(struct tsvc *t, unsigned worker, const int *seq,
		       unsigned len, unsigned cycles)
{
	struct sched_flow f = flow_n(0);

	for (unsigned c = 0; c < cycles; c++)
		for (unsigned k = 0; k < len; k++)
			assert_int_equal(pick(t, worker, &f), seq[k]);
}

static void test_rr(void **state)
{
	static const int32_t w[4] = { 1, 5, 0, 1 };
	static const int seq[3] = { 0, 1, 3 };

	(void)state;
	svc_up(&T, "rr", 4, w, 0);
	expect_seq(&T, 0, seq, 3, 4);
	/* Worker 1 has its own position: it starts from the top. */
	expect_seq(&T, 1, seq, 3, 2);
	T.c[1].overloaded = 1;
	T.d[1].u_thresh = 1;
	T.c[1].active = 1;
	{
		static const int seq2[2] = { 0, 3 };

		expect_seq(&T, 0, seq2, 2, 3);
	}
	svc_down(&T);
}

static void test_wrr_sequence(void **state)
{
	static const int32_t w[3] = { 4, 3, 2 };
	/* cw 4: a; 3: a b; 2: a b c; 1: a b c */
	static const int seq[9] = { 0, 0, 1, 0, 1, 2, 0, 1, 2 };

	(void)state;
	svc_up(&T, "wrr", 3, w, 0);
	expect_seq(&T, 0, seq, 9, 5);
	expect_seq(&T, 1, seq, 9, 1);
	svc_down(&T);
}

static void test_wrr_gcd(void **state)
{
	static const int32_t w[4] = { 4, 2, 0, 6 };
	/* gcd 2, cw 5: d; 3: a d; 1: a b d */
	static const int seq[6] = { 3, 0, 3, 0, 1, 3 };
	unsigned counts[MAXD + 1];

	(void)state;
	svc_up(&T, "wrr", 4, w, 0);
	expect_seq(&T, 0, seq, 6, 3);
	svc_down(&T);
	svc_up(&T, "wrr", 4, w, 0);
	run(&T, 6000, counts, false);   /* two workers, 3000 each */
	assert_int_equal(counts[0], 2000);
	assert_int_equal(counts[1], 1000);
	assert_int_equal(counts[2], 0);
	assert_int_equal(counts[3], 3000);
	svc_down(&T);
}

/* The heavy server overloaded: the light one at once, every time. */
static void test_wrr_heavy_overloaded(void **state)
{
	static const int32_t w[3] = { 1000000, 1, 0 };
	static const int seq[1] = { 1 };

	(void)state;
	svc_up(&T, "wrr", 3, w, 0);
	T.d[0].u_thresh = 1;
	T.c[0].active = 1;
	expect_seq(&T, 0, seq, 1, 10);
	T.c[0].active = 0;
	T.d[1].u_thresh = 1;
	T.c[1].active = 1;
	{
		static const int seq0[1] = { 0 };

		expect_seq(&T, 0, seq0, 1, 10);
	}
	T.d[0].u_thresh = 1;
	T.c[0].active = 1;
	{
		struct sched_flow f = flow_n(0);

		assert_int_equal(pick(&T, 0, &f), -1);
	}
	svc_down(&T);
}

/* ---- lc, wlc, sed, nq, fo ---- */

static void test_lc(void **state)
{
	static const int32_t w[3] = { 1, 9, 1 };
	struct sched_flow f = flow_n(0);
	unsigned counts[MAXD + 1];

	(void)state;
	svc_up(&T, "lc", 3, w, 0);
	T.c[0] = (struct sched_counters){ 1, 0, 0 };    /* 256 */
	T.c[1] = (struct sched_counters){ 0, 300, 0 };  /* 300 */
	T.c[2] = (struct sched_counters){ 0, 255, 0 };  /* 255 */
	assert_int_equal(pick(&T, 0, &f), 2);
	T.c[2].inactive = 256;                          /* tie: first */
	assert_int_equal(pick(&T, 0, &f), 0);
	memset(T.c, 0, sizeof(T.c));
	run(&T, 300, counts, true);                     /* weights ignored */
	assert_int_equal(counts[0], 100);
	assert_int_equal(counts[1], 100);
	assert_int_equal(counts[2], 100);
	svc_down(&T);
}

/* Loaded one connection at a time, each ends with weight-proportional
 * active counts: exact for these weights. */
static void test_wlc_sed_proportional(void **state)
{
	static const int32_t w[4] = { 1, 2, 3, 4 };
	static const char *const names[] = { "wlc", "sed", "nq" };
	unsigned counts[MAXD + 1];

	(void)state;
	for (unsigned s = 0; s < 3; s++) {
		svc_up(&T, names[s], 4, w, 0);
		run(&T, 1000, counts, true);
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(counts[i], 100 * w[i]);
		svc_down(&T);
	}
}

static void test_wlc_choice(void **state)
{
	static const int32_t w[3] = { 1, 3, 2 };
	struct sched_flow f = flow_n(0);

	(void)state;
	svc_up(&T, "wlc", 3, w, 0);
	/* overheads 256, 700, 513: per weight 256, 233, 256.5 */
	T.c[0] = (struct sched_counters){ 1, 0, 0 };
	T.c[1] = (struct sched_counters){ 2, 188, 0 };
	T.c[2] = (struct sched_counters){ 2, 1, 0 };
	assert_int_equal(pick(&T, 0, &f), 1);
	T.c[1].inactive = 300;          /* 812 / 3 = 270.7 */
	assert_int_equal(pick(&T, 0, &f), 0);
	/* Huge counts and weights must not overflow the comparison. */
	T.d[0].weight = 2000000000;
	T.c[0] = (struct sched_counters){ 4000000000u, 4000000000u, 0 };
	T.c[1] = (struct sched_counters){ 4000000000u, 0, 0 };
	T.c[2] = (struct sched_counters){ 4000000000u, 0, 0 };
	assert_int_equal(pick(&T, 0, &f), 0);
	svc_down(&T);
}

static void test_sed_nq(void **state)
{
	static const int32_t w[3] = { 1, 4, 2 };
	struct sched_flow f = flow_n(0);

	(void)state;
	svc_up(&T, "sed", 3, w, 0);
	/* (active + 1) / weight: 1/1, 4/4, 3/2: first of the least wins */
	T.c[0] = (struct sched_counters){ 0, 50, 0 };
	T.c[1] = (struct sched_counters){ 3, 0, 0 };
	T.c[2] = (struct sched_counters){ 2, 0, 0 };
	assert_int_equal(pick(&T, 0, &f), 0);
	T.c[0].active = 1;              /* 2/1 */
	assert_int_equal(pick(&T, 0, &f), 1);
	svc_down(&T);

	svc_up(&T, "nq", 3, w, 0);
	T.c[0] = (struct sched_counters){ 5, 0, 0 };
	T.c[1] = (struct sched_counters){ 3, 0, 0 };
	T.c[2] = (struct sched_counters){ 0, 9, 0 };    /* idle */
	assert_int_equal(pick(&T, 0, &f), 2);
	T.c[2].active = 1;              /* sed: 6, 1, 1: first least */
	assert_int_equal(pick(&T, 0, &f), 1);
	svc_down(&T);
}

static void test_fo(void **state)
{
	static const int32_t w[4] = { 5, 9, 9, 1 };
	struct sched_flow f = flow_n(0);

	(void)state;
	svc_up(&T, "fo", 4, w, 0);
	for (int k = 0; k < 5; k++)
		assert_int_equal(pick(&T, k & 1, &f), 1);
	T.d[1].u_thresh = 2;
	T.c[1].active = 2;
	assert_int_equal(pick(&T, 0, &f), 2);
	T.d[2].u_thresh = 2;
	T.c[2].active = 2;
	assert_int_equal(pick(&T, 0, &f), 0);
	T.d[0].u_thresh = 2;
	T.c[0].inactive = 2;
	assert_int_equal(pick(&T, 0, &f), 3);
	T.d[3].u_thresh = 2;
	T.c[3].inactive = 2;
	assert_int_equal(pick(&T, 0, &f), -1);
	svc_down(&T);
}

/* ---- hash-based: distribution, stability, fallback ---- */

/* Share of each server over NFLOWS random flows, within tol of its
 * weight's share.  dh hashes the destination: flow_n varies that too. */
static void check_share(const char *name, uint32_t flags, double tol)
{
	static const int32_t w[4] = { 1, 2, 3, 4 };
	unsigned counts[MAXD + 1];

	svc_up(&T, name, 4, w, flags);
	run(&T, NFLOWS, counts, false);
	assert_int_equal(counts[MAXD], 0);
	for (unsigned i = 0; i < 4; i++) {
		double want = NFLOWS * w[i] / 10.0;
		double dev = (counts[i] - want) / want;

		if (dev > tol || dev < -tol)
			fail_msg("%s: server %u got %u, want %.0f (%.1f%%)",
				 name, i, counts[i], want, dev * 100);
	}
	svc_down(&T);
}

static void test_hash_distribution(void **state)
{
	(void)state;
	check_share("sh", 0, 0.05);
	check_share("sh", SCHED_F_PORT, 0.05);
	check_share("dh", 0, 0.05);
	check_share("mh", 0, 0.05);
	check_share("mh", SCHED_F_PORT, 0.05);
	check_share("conhash", 0, 0.15);
}

/* Same flow, same server: on both workers and after a rebuild, even
 * with the servers listed in another order. */
static void test_hash_stability(void **state)
{
	static const int32_t w[5] = { 3, 1, 4, 1, 5 };
	static int before[2000];

	(void)state;
	for (unsigned s = 0; s < NHASH; s++) {
		svc_up(&T, hash_names[s], 5, w, 0);
		for (unsigned n = 0; n < 2000; n++) {
			struct sched_flow f = flow_n(n);

			before[n] = pick(&T, 0, &f);
			assert_true(before[n] >= 0);
			assert_int_equal(pick(&T, 1, &f), before[n]);
		}
		svc_rebuild(&T);
		for (unsigned n = 0; n < 2000; n++) {
			struct sched_flow f = flow_n(n);

			assert_int_equal(pick(&T, n & 1, &f), before[n]);
		}
		svc_down(&T);
		/* Reversed list: compare by server address. */
		memset(&U, 0, sizeof(U));
		U.ops = T.ops;
		for (unsigned i = 0; i < 5; i++)
			dest_set(&U, 4 - i, addr_of(i), w[i]);
		U.svc = (struct sched_svc){ .dests = U.d, .ndests = 5 };
		assert_int_equal(U.ops->init(&U.svc), 0);
		for (unsigned n = 0; n < 2000; n++) {
			struct sched_flow f = flow_n(n);

			assert_int_equal(U.d[pick(&U, 0, &f)].addr,
					 addr_of((unsigned)before[n]));
		}
		svc_down(&U);
	}
}

/* sh and mh: the source port matters only with SCHED_F_PORT. */
static void test_hash_port_flag(void **state)
{
	static const int32_t w[4] = { 1, 1, 1, 1 };
	static const char *const names[] = { "sh", "mh" };

	(void)state;
	for (unsigned s = 0; s < 2; s++) {
		unsigned seen = 0;

		svc_up(&T, names[s], 4, w, 0);
		struct sched_flow f = flow_n(0);
		int first = pick(&T, 0, &f);

		for (unsigned p = 0; p < 200; p++) {
			f.sport = (uint16_t)(1024 + p);
			assert_int_equal(pick(&T, 0, &f), first);
		}
		svc_down(&T);
		svc_up(&T, names[s], 4, w, SCHED_F_PORT);
		for (unsigned p = 0; p < 200; p++) {
			f.sport = (uint16_t)(1024 + p);
			seen |= 1u << pick(&T, 0, &f);
		}
		assert_int_equal(seen, 0xf);
		svc_down(&T);
	}
}

/* Server 1 overloaded: without the flag its flows fail, with it they
 * go elsewhere; nobody else's flows move either way. */
static void check_fallback(const char *name)
{
	static const int32_t w[4] = { 1, 1, 1, 1 };
	static int before[4000];
	unsigned moved = 0, failed = 0;

	for (int fb = 0; fb < 2; fb++) {
		svc_up(&T, name, 4, w, fb ? SCHED_F_FALLBACK : 0);
		for (unsigned n = 0; n < 4000; n++) {
			struct sched_flow f = flow_n(n);

			before[n] = pick(&T, 0, &f);
		}
		T.d[1].u_thresh = 10;
		T.c[1].active = 10;
		for (unsigned n = 0; n < 4000; n++) {
			struct sched_flow f = flow_n(n);
			int i = pick(&T, n & 1, &f);

			if (before[n] != 1) {
				assert_int_equal(i, before[n]);
			} else if (fb) {
				assert_true(i >= 0 && i != 1);
				moved |= 1u << i;
			} else {
				assert_int_equal(i, -1);
				failed++;
			}
		}
		/* Everything down: nothing, flag or not. */
		for (unsigned i = 0; i < 4; i++)
			T.d[i].weight = 0;
		for (unsigned n = 0; n < 100; n++) {
			struct sched_flow f = flow_n(n);

			assert_int_equal(pick(&T, 0, &f), -1);
		}
		svc_down(&T);
	}
	assert_true(failed > 500);
	assert_int_equal(moved, 0xd);   /* spread over 0, 2 and 3 */
}

static void test_hash_fallback(void **state)
{
	(void)state;
	for (unsigned s = 0; s < NHASH; s++)
		check_fallback(hash_names[s]);
}

/* Fallback finds the last usable server even if it has no bucket. */
static void test_fallback_last_resort(void **state)
{
	static const int32_t w[3] = { 1000000, 1000000, 1 };

	(void)state;
	for (unsigned s = 0; s < NHASH; s++) {
		svc_up(&T, hash_names[s], 3, w, SCHED_F_FALLBACK);
		T.d[0].u_thresh = T.d[1].u_thresh = 1;
		T.c[0].active = T.c[1].active = 1;
		for (unsigned n = 0; n < 500; n++) {
			struct sched_flow f = flow_n(n);

			assert_int_equal(pick(&T, 0, &f), 2);
		}
		svc_down(&T);
	}
}

/* ---- Maglev ---- */

static void test_mh_prime_size(void **state)
{
	static const uint32_t bad[] = { 1, 4, 65536, 65535, 100, 4294967295u };
	static const uint32_t good[] = { 2, 251, 4093, 65537, 131071 };
	static const int32_t w[3] = { 1, 2, 3 };

	(void)state;
	svc_up(&T, "mh", 3, w, 0);
	svc_down(&T);
	for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		T.svc.mh_size = bad[k];
		T.svc.priv = NULL;
		assert_int_equal(T.ops->init(&T.svc), -EINVAL);
		assert_null(T.svc.priv);
	}
	for (unsigned k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		struct sched_flow f = flow_n(0);

		T.svc.mh_size = good[k];
		assert_int_equal(T.ops->init(&T.svc), 0);
		assert_true(pick(&T, 0, &f) >= 0);
		T.ops->done(&T.svc);
	}
}

/* Fraction of NFLOWS whose server (by address) differs between a and b. */
static double moved_fraction(struct tsvc *a, struct tsvc *b)
{
	unsigned moved = 0;

	for (unsigned n = 0; n < NFLOWS; n++) {
		struct sched_flow f = flow_n(n);
		int i = pick(a, 0, &f), j = pick(b, 1, &f);

		assert_true(i >= 0 && j >= 0);
		moved += a->d[i].addr != b->d[j].addr;
	}
	return (double)moved / NFLOWS;
}

/* N equal servers; U is T without server `gone`. */
static void svc_without(struct tsvc *u, const struct tsvc *t, unsigned gone)
{
	unsigned n = 0;

	memset(u, 0, sizeof(*u));
	u->ops = t->ops;
	for (unsigned i = 0; i < t->svc.ndests; i++)
		if (i != gone)
			dest_set(u, n++, t->d[i].addr, t->d[i].weight);
	u->svc = (struct sched_svc){ .dests = u->d, .ndests = n,
				     .flags = t->svc.flags,
				     .mh_size = t->svc.mh_size };
	assert_int_equal(u->ops->init(&u->svc), 0);
}

static void check_disruption(const char *name, double *removed, double *added)
{
	static const int32_t w[11] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	const unsigned N = 10;

	/* Removing server 3 of 10. */
	svc_up(&T, name, N, w, 0);
	svc_without(&U, &T, 3);
	*removed = moved_fraction(&T, &U);
	svc_down(&U);
	svc_down(&T);
	/* Adding an 11th. */
	svc_up(&T, name, N + 1, w, 0);
	svc_without(&U, &T, N);
	*added = moved_fraction(&U, &T);
	svc_down(&U);
	svc_down(&T);
	print_message("%s: %.4f of flows move when 1 of %u servers is removed, "
		      "%.4f when an 11th is added (ideal %.4f, %.4f)\n",
		      name, *removed, N, *added, 1.0 / N, 1.0 / (N + 1));
}

static void test_mh_disruption(void **state)
{
	const double N = 10;
	double removed, added;

	(void)state;
	check_disruption("mh", &removed, &added);
	assert_true(removed > 0.5 / N && removed < 1.5 / N);
	assert_true(added > 0.5 / (N + 1) && added < 1.5 / N);
	check_disruption("conhash", &removed, &added);
	assert_true(removed < 1.5 / N);
	assert_true(added < 1.5 / N);
}

/* Weights by turns: 1:2:3:4 with a small prime table as well. */
static void test_mh_weights_small_table(void **state)
{
	static const int32_t w[4] = { 10, 20, 30, 40 };
	unsigned counts[MAXD + 1];

	(void)state;
	memset(&T, 0, sizeof(T));
	T.ops = sched_lookup("mh");
	for (unsigned i = 0; i < 4; i++)
		dest_set(&T, i, addr_of(i), w[i]);
	T.svc = (struct sched_svc){ .dests = T.d, .ndests = 4, .mh_size = 4093 };
	assert_int_equal(T.ops->init(&T.svc), 0);
	run(&T, NFLOWS, counts, false);
	for (unsigned i = 0; i < 4; i++) {
		double want = NFLOWS * w[i] / 100.0;

		assert_true(counts[i] > want * 0.93 && counts[i] < want * 1.07);
	}
	svc_down(&T);
}

/* More turns per round than the table has slots: servers late in a
 * round must not be starved; heavier ones still get more. */
static void test_mh_many_servers(void **state)
{
	enum { N = 1000 };
	static struct sched_dest d[N];
	static struct sched_counters c[N];
	static unsigned counts[N];
	struct sched_svc svc = { .dests = d, .ndests = N };
	const struct sched_ops *ops = sched_lookup("mh");
	double heavy = 0, light = 0;
	unsigned nh = 0;

	(void)state;
	for (unsigned i = 0; i < N; i++)
		d[i] = (struct sched_dest){ .addr = addr_of(i), .port = 80,
					    .weight = 50 + (int32_t)(i % 100),
					    .cnt = &c[i] };
	assert_int_equal(ops->init(&svc), 0);
	for (unsigned n = 0; n < NFLOWS; n++) {
		struct sched_flow f = flow_n(n);
		int i = ops->schedule(&svc, NULL, &f);

		assert_true(i >= 0);
		counts[i]++;
	}
	for (unsigned i = 0; i < N; i++) {
		assert_true(counts[i] > 0);
		if (d[i].weight >= 128) {
			heavy += counts[i];
			nh++;
		} else {
			light += counts[i];
		}
	}
	assert_true(heavy / nh > 1.5 * light / (N - nh));
	ops->done(&svc);
}

/* A table slot names a server in 16 bits: more servers are refused. */
static void test_table_server_cap(void **state)
{
	enum { N = 65535 };
	static struct sched_dest d[N];
	struct sched_svc svc = { .dests = d, .ndests = N };

	(void)state;
	for (unsigned i = 0; i < N; i++)
		d[i] = (struct sched_dest){ .addr = addr_of(i), .weight = 1 };
	for (unsigned s = 0; s < NHASH; s++)
		assert_int_equal(sched_lookup(hash_names[s])->init(&svc), -EINVAL);
	svc.ndests = N - 1;
	for (unsigned s = 0; s < NHASH; s++) {
		const struct sched_ops *ops = sched_lookup(hash_names[s]);
		struct sched_flow f = flow_n(0);

		assert_int_equal(ops->init(&svc), 0);
		assert_true(ops->schedule(&svc, NULL, &f) >= 0);
		ops->done(&svc);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_every_name),
		cmocka_unit_test(test_usable_hysteresis),
		cmocka_unit_test(test_usable_odd_thresholds),
		cmocka_unit_test(test_empty_service),
		cmocka_unit_test(test_weight_zero_gets_nothing),
		cmocka_unit_test(test_threshold_every_sched),
		cmocka_unit_test(test_rr),
		cmocka_unit_test(test_wrr_sequence),
		cmocka_unit_test(test_wrr_gcd),
		cmocka_unit_test(test_wrr_heavy_overloaded),
		cmocka_unit_test(test_lc),
		cmocka_unit_test(test_wlc_sed_proportional),
		cmocka_unit_test(test_wlc_choice),
		cmocka_unit_test(test_sed_nq),
		cmocka_unit_test(test_fo),
		cmocka_unit_test(test_hash_distribution),
		cmocka_unit_test(test_hash_stability),
		cmocka_unit_test(test_hash_port_flag),
		cmocka_unit_test(test_hash_fallback),
		cmocka_unit_test(test_fallback_last_resort),
		cmocka_unit_test(test_mh_prime_size),
		cmocka_unit_test(test_mh_disruption),
		cmocka_unit_test(test_mh_weights_small_table),
		cmocka_unit_test(test_mh_many_servers),
		cmocka_unit_test(test_table_server_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
