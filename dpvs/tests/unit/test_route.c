/*
 * The IPv4 route table on a real EAL (rte_lpm, the entry array): longest
 * prefix wins, the default route, what add and delete refuse, the limit,
 * churn of many times the table's size leaving it as it was, and the rx
 * job's memo of its last routes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_lcore.h>

#include "net/route.h"

/* RTE_IPV4 shifts a signed int: UB from 128.x on. */
#define IP4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			  ((uint32_t)(c) << 8) | (uint32_t)(d))

#define MAX_ROUTES 64

static int setup(void **state)
{
	(void)state;
	return route_init(MAX_ROUTES);
}

static int teardown(void **state)
{
	(void)state;
	route_fini();
	return 0;
}

static void count_one(const struct route_entry *r, void *arg)
{
	(void)r;
	(*(unsigned *)arg)++;
}

static unsigned nroutes(void)
{
	unsigned n = 0;

	route_walk(count_one, &n);
	return n;
}

static struct route_entry gw_route(uint32_t prefix, uint8_t plen, uint32_t gw)
{
	struct route_entry r = { .prefix = prefix, .plen = plen,
				 .type = RT_GATEWAY, .port = 0, .gw = gw };

	return r;
}

static void del_one(const struct route_entry *r, void *arg)
{
	uint32_t *keys = arg;
	unsigned n = keys[0]++;

	keys[1 + 2 * n] = r->prefix;
	keys[2 + 2 * n] = r->plen;
}

static void clear_table(void)
{
	uint32_t keys[1 + 2 * MAX_ROUTES] = { 0 };

	route_walk(del_one, keys);
	for (unsigned i = 0; i < keys[0]; i++)
		assert_int_equal(route_del(keys[1 + 2 * i],
					   (uint8_t)keys[2 + 2 * i], 0), 0);
	assert_int_equal(nroutes(), 0);
}

static void test_longest_prefix_wins(void **state)
{
	struct route_entry a = gw_route(IP4(10, 0, 0, 0), 8,
					IP4(1, 1, 1, 8));
	struct route_entry b = gw_route(IP4(10, 1, 0, 0), 16,
					IP4(1, 1, 1, 16));
	struct route_entry c = { .prefix = IP4(10, 1, 2, 3), .plen = 32,
				 .type = RT_LOCAL, .flags = RT_F_SAPOOL };
	const struct route_entry *r;

	(void)state;
	assert_int_equal(route_add(&a), 0);
	assert_int_equal(route_add(&b), 0);
	assert_int_equal(route_add(&c), 0);
	r = route_lookup(IP4(10, 9, 9, 9));
	assert_non_null(r);
	assert_int_equal(r->gw, IP4(1, 1, 1, 8));
	r = route_lookup(IP4(10, 1, 200, 1));
	assert_non_null(r);
	assert_int_equal(r->gw, IP4(1, 1, 1, 16));
	r = route_lookup(IP4(10, 1, 2, 3));
	assert_non_null(r);
	assert_int_equal(r->type, RT_LOCAL);
	assert_true(r->flags & RT_F_SAPOOL);
	assert_null(route_lookup(IP4(11, 0, 0, 1)));
	/* Deleting the /16 uncovers the /8 again. */
	assert_int_equal(route_del(IP4(10, 1, 0, 0), 16, 0), 0);
	r = route_lookup(IP4(10, 1, 200, 1));
	assert_non_null(r);
	assert_int_equal(r->gw, IP4(1, 1, 1, 8));
	clear_table();
}

static void test_default_route(void **state)
{
	struct route_entry def = gw_route(0, 0, IP4(192, 168, 0, 1));
	struct route_entry net = gw_route(IP4(172, 16, 0, 0), 12,
					  IP4(192, 168, 0, 2));
	const struct route_entry *r;

	(void)state;
	assert_null(route_lookup(IP4(8, 8, 8, 8)));
	assert_int_equal(route_add(&def), 0);
	assert_int_equal(route_add(&net), 0);
	r = route_lookup(IP4(8, 8, 8, 8));
	assert_non_null(r);
	assert_int_equal(r->gw, IP4(192, 168, 0, 1));
	r = route_lookup(IP4(172, 31, 255, 255));
	assert_int_equal(r->gw, IP4(192, 168, 0, 2));
	assert_ptr_equal(route_find(0, 0), route_lookup(IP4(1, 2, 3, 4)));
	assert_int_equal(route_add(&def), -EEXIST);
	assert_int_equal(route_del(0, 0, 0), 0);
	assert_null(route_lookup(IP4(8, 8, 8, 8)));
	assert_int_equal(route_del(0, 0, 0), -ENOENT);
	clear_table();
}

static void test_refusals(void **state)
{
	struct route_entry r = gw_route(IP4(10, 2, 0, 0), 16,
					IP4(1, 1, 1, 1));
	struct route_entry by_addr = { .prefix = IP4(10, 3, 0, 0),
				       .plen = 24, .type = RT_CONNECTED,
				       .by_addr = true };

	(void)state;
	r.plen = 33;
	assert_int_equal(route_add(&r), -EINVAL);
	r.plen = 16;
	r.type = 0;
	assert_int_equal(route_add(&r), -EINVAL);
	r.type = RT_KNI + 1;
	assert_int_equal(route_add(&r), -EINVAL);
	r.type = RT_GATEWAY;
	/* Host bits are masked: 10.2.3.4/16 is 10.2.0.0/16. */
	r.prefix = IP4(10, 2, 3, 4);
	assert_int_equal(route_add(&r), 0);
	assert_int_equal(route_find(IP4(10, 2, 0, 0), 16)->prefix,
			 IP4(10, 2, 0, 0));
	assert_int_equal(route_add(&r), -EEXIST);
	assert_int_equal(route_del(IP4(10, 2, 0, 0), 16, RT_CONNECTED),
			 -ENOENT);
	assert_int_equal(route_del(IP4(10, 2, 0, 0), 24, 0), -ENOENT);
	assert_int_equal(route_add(&by_addr), 0);
	assert_int_equal(route_del_user(IP4(10, 3, 0, 0), 24), -EPERM);
	assert_int_equal(route_del_user(IP4(10, 2, 0, 0), 16), 0);
	assert_int_equal(route_del_user(IP4(10, 2, 0, 0), 16), -ENOENT);
	assert_null(route_find(0, 33));
	clear_table();
}

/* One route per /24, each needing its own LPM group: the worst case. */
static struct route_entry nth(uint32_t i)
{
	return gw_route(IP4(10, 0, 0, 0) + (i << 8) + 1, 32,
			IP4(1, 1, 1, 1) + i);
}

static void test_full_table_refuses_then_recovers(void **state)
{
	struct route_entry r;

	(void)state;
	for (uint32_t i = 0; i < MAX_ROUTES; i++) {
		r = nth(i);
		assert_int_equal(route_add(&r), 0);
	}
	assert_int_equal(nroutes(), MAX_ROUTES);
	r = nth(MAX_ROUTES);
	assert_int_equal(route_add(&r), -ENOSPC);
	r = gw_route(0, 0, 1);
	assert_int_equal(route_add(&r), -ENOSPC);
	/* Every route still answers for its own address. */
	for (uint32_t i = 0; i < MAX_ROUTES; i++)
		assert_int_equal(route_lookup(nth(i).prefix)->gw, nth(i).gw);
	assert_int_equal(route_del(nth(7).prefix, 32, 0), 0);
	r = nth(MAX_ROUTES);
	assert_int_equal(route_add(&r), 0);
	assert_null(route_lookup(nth(7).prefix));
	clear_table();
}

/* 50 times the table, in waves: nothing leaks, lookups stay exact. */
static void test_churn(void **state)
{
	(void)state;
	for (uint32_t wave = 0; wave < 50; wave++) {
		uint32_t base = wave * 97;

		for (uint32_t i = 0; i < MAX_ROUTES; i++) {
			struct route_entry r = nth(base + i);

			r.plen = (uint8_t)(24 + (i % 9));
			assert_int_equal(route_add(&r), 0);
		}
		assert_int_equal(nroutes(), MAX_ROUTES);
		for (uint32_t i = 0; i < MAX_ROUTES; i++) {
			struct route_entry r = nth(base + i);
			const struct route_entry *got = route_lookup(r.prefix);

			assert_non_null(got);
			assert_int_equal(got->gw, r.gw);
			assert_int_equal(route_del(r.prefix,
						   (uint8_t)(24 + (i % 9)), 0), 0);
		}
		assert_int_equal(nroutes(), 0);
		assert_null(route_lookup(nth(base).prefix));
	}
}

/*
 * A burst's remembered routes (route_lookup_lc) answer only for their
 * own destination, whatever shares their way, and are forgotten when
 * the burst ends: a route changed between bursts is seen at once.
 */
static void test_burst_memo_is_exact(void **state)
{
	unsigned lc = rte_lcore_id();

	(void)state;
	for (uint32_t i = 0; i < MAX_ROUTES; i++) {
		struct route_entry r = nth(i);

		r.plen = 32;
		assert_int_equal(route_add(&r), 0);
	}
	route_burst_begin(lc);
	for (uint32_t k = 0; k < 20 * MAX_ROUTES; k++) {
		struct route_entry r = nth((k * 7) % MAX_ROUTES);
		const struct route_entry *got = route_lookup_lc(lc, r.prefix);

		assert_non_null(got);
		assert_int_equal(got->gw, r.gw);
		assert_null(route_lookup_lc(lc, r.prefix + 1));
	}
	route_burst_end(lc);
	assert_int_equal(route_del(nth(3).prefix, 32, 0), 0);
	/* Outside a burst (the hand-over job) nothing is remembered. */
	assert_null(route_lookup_lc(lc, nth(3).prefix));
	route_burst_begin(lc);
	assert_null(route_lookup_lc(lc, nth(3).prefix));
	assert_non_null(route_lookup_lc(lc, nth(4).prefix));
	route_burst_end(lc);
	assert_int_equal(route_del(nth(4).prefix, 32, 0), 0);
	assert_null(route_lookup_lc(lc, nth(4).prefix));
	clear_table();
}

int main(void)
{
	char prefix[64], path[96];
	char *eal[] = { "test_route", "--no-huge", "-m", "256", "--no-pci",
			"--lcores", "0@0", "--file-prefix", prefix,
			"--no-shconf", "--no-telemetry", "--log-level", "warning",
			NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_prefix_wins),
		cmocka_unit_test(test_default_route),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_full_table_refuses_then_recovers),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_burst_memo_is_exact),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_route_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("route", tests, setup, teardown);
	rte_eal_cleanup();
	/* EAL makes its runtime folder even without a shared config. */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	rmdir(path);
	return rc;
}
