/*
 * The IPv6 route table on a real EAL: longest prefix over the usual and
 * odd lengths, the default route, what add and delete refuse, the limit
 * at every size the config accepts, churn of ten times the table, and a
 * deleted slot kept from reuse while a reader on another lcore holds it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_malloc.h>

#include "core/rcu.h"
#include "net/route6.h"
#include "test_ipv6_env.h"

#define MAX_ROUTES 64

static struct in6_addr A(const char *s)
{
	return env_in6(s);
}

static struct route6_entry gw_route(const char *prefix, uint8_t plen, const char *gw)
{
	struct route6_entry r = { .prefix = A(prefix), .plen = plen,
				  .type = RT_GATEWAY, .gw = A(gw) };

	return r;
}

static void count_one(const struct route6_entry *r, void *arg)
{
	(void)r;
	(*(unsigned *)arg)++;
}

static unsigned nroutes(void)
{
	unsigned n = 0;

	route6_walk(count_one, &n);
	return n;
}

struct keys {
	unsigned n;
	struct in6_addr prefix[MAX_ROUTES];
	uint8_t plen[MAX_ROUTES];
};

static void key_one(const struct route6_entry *r, void *arg)
{
	struct keys *k = arg;

	k->prefix[k->n] = r->prefix;
	k->plen[k->n++] = r->plen;
}

/* Deletes every route; the table is empty after. */
static void clear_table(void)
{
	static struct keys k;

	k.n = 0;
	route6_walk(key_one, &k);
	for (unsigned i = 0; i < k.n; i++)
		assert_int_equal(route6_del(&k.prefix[i], k.plen[i], 0), 0);
	assert_int_equal(nroutes(), 0);
}

static int setup(void **state)
{
	(void)state;
	return route6_init(MAX_ROUTES);
}

static int teardown(void **state)
{
	(void)state;
	route6_fini();
	return 0;
}

static const struct in6_addr *gw_of(const char *dst)
{
	struct in6_addr d = A(dst);
	const struct route6_entry *r = route6_lookup(&d);

	return r ? &r->gw : NULL;
}

static bool gw_is(const char *dst, const char *gw)
{
	const struct in6_addr *g = gw_of(dst);
	struct in6_addr want = A(gw);

	return g && memcmp(g, &want, sizeof(want)) == 0;
}

static void test_longest_prefix_wins(void **state)
{
	struct route6_entry r48 = gw_route("2001:db8:1::", 48, "fe80::48");
	struct route6_entry r64 = gw_route("2001:db8:1:2::", 64, "fe80::64");
	struct route6_entry r128 = { .prefix = A("2001:db8:1:2::7"), .plen = 128,
				     .type = RT_LOCAL, .flags = RT_F_SAPOOL };
	struct route6_entry def = gw_route("::", 0, "fe80::1");
	struct in6_addr d = A("2001:db8:1:2::7");
	uint32_t used, size, plens;

	(void)state;
	assert_int_equal(route6_add(&r48), 0);
	assert_int_equal(route6_add(&r64), 0);
	assert_int_equal(route6_add(&r128), 0);
	assert_int_equal(route6_add(&def), 0);
	assert_true(gw_is("2001:db8:1:9::1", "fe80::48"));
	assert_true(gw_is("2001:db8:1:2::8", "fe80::64"));
	assert_int_equal(route6_lookup(&d)->type, RT_LOCAL);
	assert_true(route6_lookup(&d)->flags & RT_F_SAPOOL);
	assert_true(gw_is("2001:db8:2::1", "fe80::1"));
	route6_usage(&used, &size, &plens);
	assert_int_equal(used, 4);
	assert_int_equal(size, MAX_ROUTES);
	assert_int_equal(plens, 4);            /* 128, 64, 48 and the default */
	/* Deleting the /64 uncovers the /48 again. */
	assert_int_equal(route6_del(&r64.prefix, 64, 0), 0);
	assert_true(gw_is("2001:db8:1:2::8", "fe80::48"));
	route6_usage(&used, &size, &plens);
	assert_int_equal(plens, 3);
	clear_table();
}

/* Lengths that do not fall on a byte: the mask cuts inside one. */
static void test_odd_lengths(void **state)
{
	static const uint8_t lens[] = { 1, 7, 9, 33, 63, 65, 127 };
	struct in6_addr d = A("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");

	(void)state;
	for (unsigned i = 0; i < sizeof(lens); i++) {
		struct route6_entry r = { .prefix = d, .plen = lens[i],
					  .type = RT_CONNECTED, .port = lens[i] };

		assert_int_equal(route6_add(&r), 0);
		/* The address itself, and one with the first bit past plen flipped. */
		assert_int_equal(route6_lookup(&d)->port, lens[i]);
	}
	for (unsigned i = 0; i < sizeof(lens); i++) {
		struct in6_addr x = d;
		const struct route6_entry *r;

		/* The last bit of the prefix flipped: only shorter ones match. */
		x.s6_addr[(lens[i] - 1) / 8] ^= (uint8_t)(0x80 >> ((lens[i] - 1) % 8));
		r = route6_lookup(&x);
		if (i == 0)
			assert_null(r);           /* off even the /1 */
		else
			assert_int_equal(r->port, lens[i - 1]);
	}
	clear_table();
}

static void test_default_route(void **state)
{
	struct route6_entry def = gw_route("::", 0, "2001:db8::1");
	struct in6_addr any = A("::");
	struct in6_addr far = A("2001:db8:99::1");

	(void)state;
	assert_null(route6_lookup(&far));
	assert_int_equal(route6_add(&def), 0);
	assert_true(gw_is("2001:db8:99::1", "2001:db8::1"));
	assert_ptr_equal(route6_find(&any, 0), route6_lookup(&far));
	assert_int_equal(route6_add(&def), -EEXIST);
	assert_int_equal(route6_del(&any, 0, 0), 0);
	assert_null(route6_lookup(&far));
	assert_int_equal(route6_del(&any, 0, 0), -ENOENT);
	clear_table();
}

static void test_refusals(void **state)
{
	struct route6_entry r = gw_route("2001:db8:2::", 48, "fe80::1");
	struct route6_entry by_addr = { .prefix = A("2001:db8:3::"), .plen = 64,
					.type = RT_CONNECTED, .by_addr = true };
	struct in6_addr p2 = A("2001:db8:2::"), p3 = A("2001:db8:3::");

	(void)state;
	r.plen = 129;
	assert_int_equal(route6_add(&r), -EINVAL);
	r.plen = 48;
	r.type = 0;
	assert_int_equal(route6_add(&r), -EINVAL);
	r.type = RT_KNI + 1;
	assert_int_equal(route6_add(&r), -EINVAL);
	r.type = RT_GATEWAY;
	r.gw = A("::");                                /* a gateway of nowhere */
	assert_int_equal(route6_add(&r), -EINVAL);
	r.gw = A("ff02::1");
	assert_int_equal(route6_add(&r), -EINVAL);
	r.gw = A("fe80::1");
	r.prefix = A("ff02::");                        /* multicast is not routed */
	r.plen = 16;
	assert_int_equal(route6_add(&r), -EINVAL);
	/* Host bits are masked: 2001:db8:2:3::4/48 is 2001:db8:2::/48. */
	r.prefix = A("2001:db8:2:3::4");
	r.plen = 48;
	assert_int_equal(route6_add(&r), 0);
	assert_memory_equal(&route6_find(&p2, 48)->prefix, &p2, 16);
	assert_int_equal(route6_add(&r), -EEXIST);
	assert_int_equal(route6_del(&p2, 48, RT_CONNECTED), -ENOENT);
	assert_int_equal(route6_del(&p2, 64, 0), -ENOENT);
	assert_int_equal(route6_add(&by_addr), 0);
	assert_int_equal(route6_del_user(&p3, 64), -EPERM);
	assert_int_equal(route6_del_user(&p2, 48), 0);
	assert_int_equal(route6_del_user(&p2, 48), -ENOENT);
	assert_null(route6_find(&p2, 129));
	clear_table();
}

/* Route i: a /128 (or plen) of its own under 2001:db8:i::/48. */
static struct route6_entry nth(uint32_t i, uint8_t plen)
{
	struct route6_entry r = gw_route("2001:db8::", plen, "fe80::1");

	r.prefix.s6_addr[4] = (uint8_t)(i >> 8);
	r.prefix.s6_addr[5] = (uint8_t)i;
	r.prefix.s6_addr[15] = plen == 128 ? 1 : 0;
	r.gw.s6_addr[14] = (uint8_t)(i >> 8);
	r.gw.s6_addr[15] = (uint8_t)i;
	return r;
}

/* Every size from 1 to 40 and a large one: exactly that many, then ENOSPC. */
static void test_full_table_every_size(void **state)
{
	static const uint32_t sizes[] = { 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 40, 1000 };

	(void)state;
	route6_fini();
	for (unsigned s = 0; s < RTE_DIM(sizes); s++) {
		uint32_t n = sizes[s];
		struct route6_entry r;

		assert_int_equal(route6_init(n), 0);
		for (uint32_t i = 0; i < n; i++) {
			r = nth(i, (uint8_t)(48 + i % 81));
			assert_int_equal(route6_add(&r), 0);
		}
		r = nth(n, 128);
		assert_int_equal(route6_add(&r), -ENOSPC);
		r = gw_route("::", 0, "fe80::1");
		assert_int_equal(route6_add(&r), -ENOSPC);
		for (uint32_t i = 0; i < n; i++) {
			struct route6_entry want = nth(i, (uint8_t)(48 + i % 81));
			const struct route6_entry *got = route6_lookup(&want.prefix);

			assert_non_null(got);
			assert_memory_equal(&got->gw, &want.gw, 16);
		}
		/* One out, one in: the freed slot serves again. */
		r = nth(0, 48);
		assert_int_equal(route6_del(&r.prefix, 48, 0), 0);
		r = nth(n, 128);
		assert_int_equal(route6_add(&r), 0);
		route6_fini();
	}
	assert_int_equal(route6_init(0), -EINVAL);
	assert_int_equal(route6_init(MAX_ROUTES), 0);
}

/* Ten times the table in waves, lengths spread over 48..128. */
static void test_churn_10x(void **state)
{
	uint32_t used, size, plens;

	(void)state;
	for (uint32_t wave = 0; wave < 10; wave++) {
		uint32_t base = wave * 97;

		for (uint32_t i = 0; i < MAX_ROUTES; i++) {
			struct route6_entry r = nth(base + i, (uint8_t)(48 + i % 81));

			assert_int_equal(route6_add(&r), 0);
		}
		assert_int_equal(nroutes(), MAX_ROUTES);
		for (uint32_t i = 0; i < MAX_ROUTES; i++) {
			uint8_t plen = (uint8_t)(48 + i % 81);
			struct route6_entry r = nth(base + i, plen);
			const struct route6_entry *got = route6_lookup(&r.prefix);

			assert_non_null(got);
			assert_memory_equal(&got->gw, &r.gw, 16);
			assert_int_equal(route6_del(&r.prefix, plen, 0), 0);
		}
		assert_int_equal(nroutes(), 0);
		route6_usage(&used, &size, &plens);
		assert_int_equal(used, 0);
		assert_int_equal(plens, 0);
	}
}

/* ---- a reader on lcore 1 while the master deletes ---- */

static struct {
	volatile int got, checked, intact;
	struct in6_addr dst, gw;
} rd;

static int reader(void *arg)
{
	const struct route6_entry *r;

	(void)arg;
	rcu_register(1);
	r = route6_lookup(&rd.dst);
	rd.got = r != NULL;
	/* The master deletes now and must wait for us before it reuses the slot. */
	rte_delay_ms(300);
	rd.intact = r && memcmp(&r->gw, &rd.gw, 16) == 0 && r->plen == 64;
	rd.checked = 1;
	rcu_quiescent(1);
	rcu_unregister(1);
	return 0;
}

static void test_grace_period_before_reuse(void **state)
{
	struct route6_entry r = gw_route("2001:db8:5::", 64, "fe80::5");
	struct route6_entry other = gw_route("2001:db8:6::", 80, "fe80::6");
	const struct route6_entry *slot;
	uint64_t t0;

	(void)state;
	assert_int_equal(rcu_init(), 0);
	assert_int_equal(route6_add(&r), 0);
	slot = route6_find(&r.prefix, 64);
	rd.dst = A("2001:db8:5::9");
	rd.gw = r.gw;
	assert_int_equal(rte_eal_remote_launch(reader, NULL, 1), 0);
	while (!rd.got)
		rte_pause();
	t0 = rte_get_timer_cycles();
	/* Blocks until the reader's quiescent state: after its check. */
	assert_int_equal(route6_del(&r.prefix, 64, 0), 0);
	assert_true(rd.checked);
	assert_true(rte_get_timer_cycles() - t0 > rte_get_timer_hz() / 10);
	assert_int_equal(route6_add(&other), 0);
	assert_ptr_equal(route6_find(&other.prefix, 80), slot);   /* the freed slot */
	rte_eal_wait_lcore(1);
	assert_true(rd.intact);
	rcu_fini();
	clear_table();
}

/* route6_mem_need covers what route6_init takes, at several sizes. */
static void test_mem_need_honest(void **state)
{
	static const uint32_t sizes[] = { 1, 64, 1024, 100000 };

	(void)state;
	route6_fini();
	for (unsigned i = 0; i < RTE_DIM(sizes); i++) {
		struct rte_malloc_socket_stats before, after;

		rte_malloc_get_socket_stats(0, &before);
		assert_int_equal(route6_init(sizes[i]), 0);
		rte_malloc_get_socket_stats(0, &after);
		assert_true(after.heap_allocsz_bytes > before.heap_allocsz_bytes);
		fprintf(stderr, "route6 %u routes: %zu bytes taken, %lu counted\n", sizes[i],
			after.heap_allocsz_bytes - before.heap_allocsz_bytes,
			(unsigned long)route6_mem_need(sizes[i]));
		assert_true(after.heap_allocsz_bytes - before.heap_allocsz_bytes <=
			    route6_mem_need(sizes[i]));
		route6_fini();
	}
	assert_int_equal(route6_init(MAX_ROUTES), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_prefix_wins),
		cmocka_unit_test(test_odd_lengths),
		cmocka_unit_test(test_default_route),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_full_table_every_size),
		cmocka_unit_test(test_churn_10x),
		cmocka_unit_test(test_grace_period_before_reuse),
		cmocka_unit_test(test_mem_need_honest),
	};
	int rc;

	if (!env_eal("test_route6", true, 64))
		return 1;
	rc = cmocka_run_group_tests_name("route6", tests, setup, teardown);
	env_eal_end("test_route6");
	return rc;
}
