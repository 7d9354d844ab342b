/*
 * The schedulers and address families (dpvs/src/ipvs/sched/): the v4
 * golden vector that pins every v4 choice, and IPv6 flows and servers
 * (spread, determinism, both halves of an address, mixed families).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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

/* ---- v4 golden vector ---- */

/*
 * Every scheduler's picks for a fixed sequence of v4 flows, recorded
 * from the code before IPv6 reached the schedulers: the v4 choices must
 * never move.  Servers of mixed addresses, ports and weights (one
 * quiescent, one with a threshold); flows from two workers, to five
 * destinations (lblc, lblcr); load comes and goes; halfway a weight
 * changes and the service is rebuilt.  twos is left out: its random
 * state is seeded from its scratch area's address.
 * GOLDEN_PRINT=1 prints the vector instead of checking it.
 */
#define GOLDEN_FLOWS 48

static const struct { uint32_t addr; uint16_t port; int32_t w; } golden_d[] = {
	{ 0x0a000105, 80, 1 }, { 0x0a000003, 8080, 3 }, { 0xc0a80001, 80, 2 },
	{ 0x0a000003, 81, 5 }, { 0x01020304, 443, 0 }, { 0x0a0000ff, 80, 4 },
};
#define GOLDEN_ND (sizeof(golden_d) / sizeof(golden_d[0]))

static const struct { const char *name; uint32_t flags; const char *picks; } golden[] = {
#include "test_sched_golden.inc"
};

static struct sched_flow golden_flow(unsigned n)
{
	uint64_t r;

	if (n == 0)
		rng_state = 0x243f6a8885a308d3ull;
	r = rng();
	return (struct sched_flow){ .saddr = (uint32_t)r,
				    .daddr = 0x0a640000u + (uint32_t)(r >> 32) % 5,
				    .sport = (uint16_t)(r >> 16),
				    .dport = 80, .proto = 6, .now = n * 7 };
}

static void golden_run(struct tsvc *t, const char *name, uint32_t flags,
		       char *out)
{
	memset(t, 0, sizeof(*t));
	t->ops = sched_lookup(name);
	assert_non_null(t->ops);
	for (unsigned i = 0; i < GOLDEN_ND; i++) {
		dest_set(t, i, golden_d[i].addr, golden_d[i].w);
		t->d[i].port = golden_d[i].port;
	}
	t->d[2].u_thresh = 4;
	t->svc = (struct sched_svc){ .dests = t->d, .ndests = GOLDEN_ND,
				     .flags = flags, .mh_size = 251 };
	if (t->ops->init)
		assert_int_equal(t->ops->init(&t->svc), 0);
	for (unsigned n = 0; n < GOLDEN_FLOWS; n++) {
		struct sched_flow f = golden_flow(n);
		int i;

		if (n == GOLDEN_FLOWS / 2) {
			t->d[1].weight = 0;
			t->d[4].weight = 2;
			svc_rebuild(t);
		}
		i = pick(t, n & 1, &f);
		out[n] = i < 0 ? '-' : (char)('0' + i);
		if (i >= 0)
			t->c[i].active++;
		if (n % 3 == 2)     /* a conn of the busiest goes inactive */
			for (unsigned k = 0; k < GOLDEN_ND; k++)
				if (t->c[k].active > 1) {
					t->c[k].active--;
					t->c[k].inactive++;
					break;
				}
	}
	out[GOLDEN_FLOWS] = '\0';
	svc_down(t);
}

static void test_v4_golden(void **state)
{
	static const uint32_t flags[] = { 0, SCHED_F_FALLBACK | SCHED_F_PORT };
	bool print = getenv("GOLDEN_PRINT") != NULL;
	char got[GOLDEN_FLOWS + 1];
	unsigned k = 0;

	(void)state;
	for (unsigned i = 0; i < NSCHED; i++) {
		if (strcmp(all_names[i], "twos") == 0)
			continue;
		for (unsigned j = 0; j < 2; j++, k++) {
			golden_run(&T, all_names[i], flags[j], got);
			if (print) {
				printf("\t{ \"%s\", %u, \"%s\" },\n", all_names[i],
				       flags[j], got);
				continue;
			}
			assert_true(k < sizeof(golden) / sizeof(golden[0]));
			assert_string_equal(golden[k].name, all_names[i]);
			assert_int_equal(golden[k].flags, flags[j]);
			assert_string_equal(got, golden[k].picks);
		}
	}
	if (!print)
		assert_int_equal(k, sizeof(golden) / sizeof(golden[0]));
}

/* ---- IPv6 ---- */

/* 2001:db8::<i + 1>, in the server's 16 bytes. */
static void dest6_set(struct tsvc *t, unsigned i, unsigned host, int32_t w)
{
	static const uint8_t pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };

	t->d[i] = (struct sched_dest){ .af = AF_INET6, .port = 80, .weight = w,
				       .cnt = &t->c[i] };
	memcpy(t->d[i].addr6, pfx, sizeof(pfx));
	t->d[i].addr6[14] = (uint8_t)(host >> 8);
	t->d[i].addr6[15] = (uint8_t)(host + 1);
}

static void svc6_up(struct tsvc *t, const char *name, unsigned n,
		    const int32_t *w, uint32_t flags)
{
	memset(t, 0, sizeof(*t));
	t->ops = sched_lookup(name);
	assert_non_null(t->ops);
	for (unsigned i = 0; i < n; i++)
		dest6_set(t, i, i, w[i]);
	t->svc = (struct sched_svc){ .dests = t->d, .ndests = n, .flags = flags };
	if (t->ops->init)
		assert_int_equal(t->ops->init(&t->svc), 0);
}

/* A v6 flow: random addresses in 2001:db8::/32; the bytes live in b. */
struct flow6 {
	struct sched_flow f;
	uint8_t s6[16], d6[16];
};

static void flow6_n(struct flow6 *x, unsigned n)
{
	uint64_t r[3];

	if (n == 0)
		rng_state = 0x13198a2e03707344ull;
	for (unsigned i = 0; i < 3; i++)
		r[i] = rng();
	memset(x, 0, sizeof(*x));
	x->s6[0] = 0x20;
	x->s6[1] = 0x01;
	memcpy(x->s6 + 4, &r[0], 4);
	memcpy(x->s6 + 8, &r[1], 8);
	memcpy(x->d6, x->s6, 8);
	memcpy(x->d6 + 8, &r[2], 8);
	x->f = (struct sched_flow){ .af = AF_INET6, .saddr6 = x->s6, .daddr6 = x->d6,
				    .sport = (uint16_t)(r[2] >> 16), .dport = 80,
				    .proto = 6, .now = n / 64 };
}

/*
 * Every scheduler serves v6 flows over 4 v6 servers of equal weight:
 * each server gets its share, within 5 % (conhash's ring: 15 %).
 */
static void test_v6_every_scheduler_spreads(void **state)
{
	static const int32_t w[4] = { 1, 1, 1, 1 };
	static struct flow6 x;

	(void)state;
	for (unsigned s = 0; s < NSCHED; s++) {
		unsigned counts[4] = { 0 };
		double tol = strcmp(all_names[s], "conhash") == 0 ? 0.15 : 0.05;

		/* fo and ovf fill the heaviest first: not a spread. */
		if (!strcmp(all_names[s], "fo") || !strcmp(all_names[s], "ovf"))
			continue;
		svc6_up(&T, all_names[s], 4, w, 0);
		for (unsigned n = 0; n < NFLOWS; n++) {
			int i;

			flow6_n(&x, n);
			i = pick(&T, n & 1, &x.f);
			assert_true(i >= 0);
			counts[i]++;
			T.c[i].active++;
			if (n % 2)     /* half the conns end: the load stays level */
				T.c[i].active--;
		}
		for (unsigned i = 0; i < 4; i++) {
			double dev = (counts[i] - NFLOWS / 4.0) / (NFLOWS / 4.0);

			if (dev > tol || dev < -tol)
				fail_msg("%s: v6 server %u got %u of %u", all_names[s],
					 i, counts[i], NFLOWS);
		}
		svc_down(&T);
	}
}

/* Same v6 flow, same server: both workers, a rebuild, a reversed list. */
static void test_v6_hash_determinism(void **state)
{
	static const int32_t w[5] = { 3, 1, 4, 1, 5 };
	static int before[2000];
	static struct flow6 x;

	(void)state;
	for (unsigned s = 0; s < NHASH; s++) {
		svc6_up(&T, hash_names[s], 5, w, SCHED_F_PORT);
		for (unsigned n = 0; n < 2000; n++) {
			flow6_n(&x, n);
			before[n] = pick(&T, 0, &x.f);
			assert_true(before[n] >= 0);
			assert_int_equal(pick(&T, 1, &x.f), before[n]);
		}
		svc_rebuild(&T);
		memset(&U, 0, sizeof(U));
		U.ops = T.ops;
		for (unsigned i = 0; i < 5; i++)
			dest6_set(&U, 4 - i, i, w[i]);
		U.svc = (struct sched_svc){ .dests = U.d, .ndests = 5,
					    .flags = SCHED_F_PORT };
		assert_int_equal(U.ops->init(&U.svc), 0);
		for (unsigned n = 0; n < 2000; n++) {
			flow6_n(&x, n);
			assert_int_equal(pick(&T, n & 1, &x.f), before[n]);
			assert_int_equal(4 - pick(&U, 0, &x.f), before[n]);
		}
		svc_down(&T);
		svc_down(&U);
	}
}

/*
 * Every bit of a v6 address counts: sources that differ only in the
 * top half, or only in the bottom half, still spread over all servers.
 */
static void test_v6_key_uses_both_halves(void **state)
{
	static const int32_t w[4] = { 1, 1, 1, 1 };
	static const char *const names[] = { "sh", "mh", "conhash" };
	uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct sched_flow f = { .af = AF_INET6, .saddr6 = src, .daddr6 = src,
				.proto = 6 };

	(void)state;
	for (unsigned s = 0; s < 3; s++) {
		svc6_up(&T, names[s], 4, w, 0);
		for (unsigned half = 0; half < 2; half++) {
			unsigned seen[4] = { 0 };

			memset(src + 4, 0, 12);
			for (unsigned n = 0; n < 400; n++) {
				src[half ? 15 : 5] = (uint8_t)n;
				src[half ? 14 : 6] = (uint8_t)(n >> 8);
				seen[pick(&T, 0, &f)]++;
			}
			for (unsigned i = 0; i < 4; i++)
				if (seen[i] < 40)
					fail_msg("%s: half %u, server %u got %u of 400",
						 names[s], half, i, seen[i]);
		}
		svc_down(&T);
	}
	/* dh, lblc: the destination's bottom half alone spreads too. */
	svc6_up(&T, "dh", 4, w, 0);
	{
		unsigned seen[4] = { 0 };

		for (unsigned n = 0; n < 400; n++) {
			src[15] = (uint8_t)n;
			src[14] = (uint8_t)(n >> 8);
			seen[pick(&T, 0, &f)]++;
		}
		for (unsigned i = 0; i < 4; i++)
			assert_true(seen[i] >= 40);
	}
	svc_down(&T);
}

/*
 * A v6 service's list may hold v4 servers (NAT64) beside v6 ones: the
 * table is built in (family, address, port) order, so it does not
 * depend on the listing order; every server gets flows; a v4 server
 * and a v6 one whose first bytes match are told apart.
 */
static void test_mixed_family_dests(void **state)
{
	static struct flow6 x;
	static int before[2000];

	(void)state;
	for (unsigned s = 0; s < NHASH; s++) {
		unsigned seen[4] = { 0 };

		memset(&T, 0, sizeof(T));
		T.ops = sched_lookup(hash_names[s]);
		dest6_set(&T, 0, 0, 1);
		dest_set(&T, 1, 0x20010db8, 1);     /* the v6 server's first bytes */
		dest6_set(&T, 2, 7, 1);
		dest_set(&T, 3, addr_of(3), 1);
		T.d[1].af = T.d[3].af = AF_INET;
		T.svc = (struct sched_svc){ .dests = T.d, .ndests = 4 };
		assert_int_equal(T.ops->init(&T.svc), 0);
		memset(&U, 0, sizeof(U));
		U.ops = T.ops;
		for (unsigned i = 0; i < 4; i++)   /* listed the other way */
			U.d[i] = T.d[3 - i], U.d[i].cnt = &U.c[i];
		U.svc = (struct sched_svc){ .dests = U.d, .ndests = 4 };
		assert_int_equal(U.ops->init(&U.svc), 0);
		for (unsigned n = 0; n < 2000; n++) {
			flow6_n(&x, n);
			before[n] = pick(&T, 0, &x.f);
			assert_true(before[n] >= 0);
			seen[before[n]]++;
			assert_int_equal(3 - pick(&U, 1, &x.f), before[n]);
		}
		for (unsigned i = 0; i < 4; i++)
			if (seen[i] < 2000 / 4 / 2)
				fail_msg("%s: mixed server %u got %u of 2000",
					 hash_names[s], i, seen[i]);
		svc_down(&T);
		svc_down(&U);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_golden),
		cmocka_unit_test(test_v6_every_scheduler_spreads),
		cmocka_unit_test(test_v6_hash_determinism),
		cmocka_unit_test(test_v6_key_uses_both_halves),
		cmocka_unit_test(test_mixed_family_dests),
	};

	return cmocka_run_group_tests_name("sched_af", tests, NULL, NULL);
}
