/*
 * IPv6 interface addresses on a real EAL, with the real route table:
 * what add refuses, the connected route shared per prefix, the /128
 * local route only once DAD passed (through ndisc's done callback), a
 * failed DAD listed and never used, nodad, leased addresses, flush, and
 * the table full and churned at its size.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/conf.h"
#include "net/inet6addr.h"
#include "net/route6.h"
#include "test_ipv6_env.h"

#define MAX_ADDRS 16

static struct dpvs_conf conf;

static struct in6_addr A(const char *s)
{
	return env_in6(s);
}

static const struct route6_entry *route(const char *p, uint8_t plen)
{
	struct in6_addr a = A(p);

	return route6_find(&a, plen);
}

static uint32_t flags_of(const char *s)
{
	struct in6_addr a = A(s);
	uint32_t f = 0;

	assert_true(inet6addr_is_local(0, &a, &f));
	return f;
}

static int add(const char *s, uint8_t plen, uint32_t flags)
{
	struct in6_addr a = A(s);

	return inet6addr_add(0, &a, plen, flags);
}

static int del(const char *s, uint8_t plen)
{
	struct in6_addr a = A(s);

	return inet6addr_del(0, &a, plen);
}

static int setup(void **state)
{
	(void)state;
	env_reset();
	conf.ip6_max_addrs = MAX_ADDRS;
	conf.ip6_dad_transmits = 1;
	if (route6_init(64) < 0 || inet6addr_init(&conf) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	uint32_t used, size, plens;

	(void)state;
	inet6addr_flush();
	/* Every route an address made went with it. */
	route6_usage(&used, &size, &plens);
	inet6addr_fini();
	route6_fini();
	return used == 0 ? 0 : -1;
}

static void test_refusals(void **state)
{
	static const char *const bad[] = { "ff02::1", "ff05::2", "::", "::1",
					   "::ffff:10.0.0.1", "fe80::1", "febf::1" };

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(add(bad[i], 64, 0), -EINVAL);
	assert_int_equal(add("2001:db8::1", 0, 0), -EINVAL);
	assert_int_equal(add("2001:db8::1", 129, 0), -EINVAL);
	assert_int_equal(add("2001:db8::1", 64, IFA_F_HA), -EINVAL); /* HA: /128 */
	assert_int_equal(add("2001:db8::1", 64, 0x80000), -EINVAL);  /* unknown flag */
	assert_int_equal(add("2001:db8::1", 64, 0), 0);
	assert_int_equal(add("2001:db8::1", 64, 0), -EEXIST);
	assert_int_equal(add("2001:db8::1", 128, 0), -EEXIST);
	assert_int_equal(del("2001:db8::1", 48), -ENOENT);       /* not its plen */
	assert_int_equal(del("2001:db8::2", 0), -ENOENT);
	assert_int_equal(del("2001:db8::1", 0), 0);
}

static void test_connected_route_shared(void **state)
{
	const struct route6_entry *c;

	(void)state;
	assert_int_equal(add("2001:db8:1::1", 64, 0), 0);
	assert_int_equal(add("2001:db8:1::2", 64, 0), 0);
	c = route("2001:db8:1::", 64);
	assert_non_null(c);
	assert_int_equal(c->type, RT_CONNECTED);
	assert_int_equal(c->refs, 2);
	assert_non_null(route("2001:db8:1::1", 128));
	assert_non_null(route("2001:db8:1::2", 128));
	assert_int_equal(del("2001:db8:1::1", 64), 0);
	assert_null(route("2001:db8:1::1", 128));
	assert_non_null(route("2001:db8:1::", 64));        /* still ::2's */
	assert_int_equal(del("2001:db8:1::2", 64), 0);
	assert_null(route("2001:db8:1::", 64));
	/* A user's route for the prefix is neither taken nor removed. */
	{
		struct route6_entry u = { .prefix = A("2001:db8:2::"), .plen = 64,
					  .type = RT_GATEWAY, .gw = A("fe80::9") };

		assert_int_equal(route6_add(&u), 0);
		assert_int_equal(add("2001:db8:2::1", 64, 0), 0);
		assert_int_equal(del("2001:db8:2::1", 64), 0);
		assert_int_equal(route("2001:db8:2::", 64)->type, RT_GATEWAY);
		assert_int_equal(route6_del(&u.prefix, 64, 0), 0);
	}
}

static void test_dad_ok_then_local(void **state)
{
	const struct route6_entry *l;

	(void)state;
	env.dad_manual = true;
	assert_int_equal(add("2001:db8:3::1", 64, IFA_F_SAPOOL), 0);
	assert_int_equal(env.dad_started, 1);
	assert_true(flags_of("2001:db8:3::1") & IFA6_F_TENTATIVE);
	/* Tentative: its prefix is on link, the address not ours yet. */
	assert_non_null(route("2001:db8:3::", 64));
	assert_null(route("2001:db8:3::1", 128));
	{
		struct in6_addr a = A("2001:db8:3::1");
		struct in6_addr src;

		assert_true(inet6addr_tentative(0, &a));
		assert_false(inet6addr_port_source(0, &src));
	}
	assert_int_equal(env.una_sent, 0);
	env_dad_end(true);
	assert_false(flags_of("2001:db8:3::1") & IFA6_F_TENTATIVE);
	l = route("2001:db8:3::1", 128);
	assert_non_null(l);
	assert_int_equal(l->type, RT_LOCAL);
	assert_int_equal(l->flags, RT_F_SAPOOL);
	assert_int_equal(env.una_sent, 1);             /* announced once live */
	{
		struct in6_addr a = A("2001:db8:3::1"), src;

		assert_false(inet6addr_tentative(0, &a));
		assert_true(inet6addr_port_source(0, &src));
		assert_memory_equal(&src, &a, 16);
	}
	assert_int_equal(del("2001:db8:3::1", 64), 0);
}

static void test_dad_failed_listed_never_used(void **state)
{
	struct in6_addr a = A("2001:db8:4::1"), src;

	(void)state;
	env.dad_manual = true;
	assert_int_equal(add("2001:db8:4::1", 64, 0), 0);
	env_dad_end(false);
	assert_true(flags_of("2001:db8:4::1") & IFA6_F_DADFAILED);
	assert_false(flags_of("2001:db8:4::1") & IFA6_F_TENTATIVE);
	assert_null(route("2001:db8:4::1", 128));
	assert_false(inet6addr_port_source(0, &src));
	assert_int_equal(inet6addr_una(0, &a), -EADDRNOTAVAIL);
	assert_int_equal(env.una_sent, 0);
	assert_false(inet6addr_tentative(0, &a));
	/* The operator deletes it; then it may be added again. */
	assert_int_equal(del("2001:db8:4::1", 64), 0);
	assert_null(route("2001:db8:4::", 64));
	env.dad_manual = false;
	assert_int_equal(add("2001:db8:4::1", 64, 0), 0);
	assert_non_null(route("2001:db8:4::1", 128));
	assert_int_equal(del("2001:db8:4::1", 64), 0);
}

static void test_delete_during_dad(void **state)
{
	(void)state;
	env.dad_manual = true;
	assert_int_equal(add("2001:db8:5::1", 64, 0), 0);
	assert_int_equal(del("2001:db8:5::1", 64), 0);
	assert_int_equal(env.dad_cancelled, 1);
	assert_null(route("2001:db8:5::", 64));
	{
		struct in6_addr a = A("2001:db8:5::1");

		assert_false(inet6addr_tentative(0, &a));
	}
}

static void test_nodad_leased_ha_and_zero_transmits(void **state)
{
	(void)state;
	env.dad_manual = true;
	assert_int_equal(add("2001:db8:6::1", 128, IFA6_F_NODAD), 0);
	assert_int_equal(add("2001:db8:6::2", 128, IFA_F_LEASED), 0);
	/* HA addresses are on both LBs: the peer answering is no duplicate. */
	assert_int_equal(add("2001:db8:6::4", 128, IFA_F_HA | IFA_F_SAPOOL), 0);
	assert_int_equal(env.dad_started, 0);
	assert_non_null(route("2001:db8:6::4", 128));
	assert_non_null(route("2001:db8:6::1", 128));
	assert_non_null(route("2001:db8:6::2", 128));
	assert_int_equal(route("2001:db8:6::2", 128)->flags, RT_F_LEASED);
	conf.ip6_dad_transmits = 0;
	inet6addr_set_params(&conf);
	assert_int_equal(add("2001:db8:6::3", 64, 0), 0);
	assert_int_equal(env.dad_started, 0);
	assert_non_null(route("2001:db8:6::3", 128));
	conf.ip6_dad_transmits = 1;
	inet6addr_set_params(&conf);
	inet6addr_flush();
}

static void test_leased(void **state)
{
	struct in6_addr a = A("2001:db8:7::1"), b = A("2001:db8:7::2");
	unsigned n, ha, leased;

	(void)state;
	assert_int_equal(add("2001:db8:7::1", 128, IFA_F_LEASED | IFA_F_HA), 0);
	assert_int_equal(add("2001:db8:7::2", 128, 0), 0);
	inet6addr_count(&n, &ha, &leased);
	assert_int_equal(n, 2);
	assert_int_equal(ha, 1);
	assert_int_equal(leased, 1);
	assert_false(inet6addr_leased_gone(&a));
	assert_int_equal(inet6addr_flush_leased(), 1);
	assert_true(inet6addr_leased_gone(&a));        /* the kernel may not claim it */
	assert_false(inet6addr_leased_gone(&b));
	assert_null(route("2001:db8:7::1", 128));
	/* A plain delete forgets it. */
	assert_int_equal(add("2001:db8:7::1", 128, IFA_F_LEASED | IFA_F_HA), 0);
	assert_int_equal(del("2001:db8:7::1", 128), 0);
	assert_false(inet6addr_leased_gone(&a));
	assert_int_equal(del("2001:db8:7::2", 128), 0);
}

static void test_ha_announce_only_with_lease(void **state)
{
	struct in6_addr a = A("2001:db8:8::1"), steady = A("2001:db8:8::2"), src;

	(void)state;
	env.ha_active = false;
	assert_int_equal(add("2001:db8:8::1", 128, IFA_F_HA), 0);
	assert_int_equal(env.una_sent, 0);                  /* inactive: silent */
	inet6addr_ha_announce();
	assert_int_equal(env.una_sent, 0);
	assert_int_equal(inet6addr_una(0, &a), -EADDRNOTAVAIL);
	assert_false(inet6addr_port_source(0, &src));     /* no steady address */
	env.ha_active = true;
	inet6addr_ha_announce();
	assert_int_equal(env.una_sent, 1);
	assert_memory_equal(&env.una_last, &a, 16);
	assert_true(inet6addr_port_source(0, &src));
	/* A steady address is preferred as the source. */
	assert_int_equal(add("2001:db8:8::2", 64, 0), 0);
	assert_true(inet6addr_port_source(0, &src));
	assert_memory_equal(&src, &steady, 16);
	inet6addr_flush();
	env.ha_active = false;
}

/* A route without a source of its own sends from a live address of its port. */
static void test_route_source(void **state)
{
	struct route6_entry gw = { .prefix = A("2001:db8:99::"), .plen = 48,
				   .type = RT_GATEWAY, .port = 0, .gw = A("2001:db8:9::5") };
	struct in6_addr dst = A("2001:db8:99::1"), want = A("2001:db8:9::1"), src;
	const struct route6_entry *r;

	(void)state;
	assert_int_equal(route6_add(&gw), 0);
	r = route6_lookup(&dst);
	assert_false(route6_source(r, &dst, &src));        /* no address yet */
	env.dad_manual = true;
	assert_int_equal(add("2001:db8:9::1", 64, 0), 0);
	assert_false(route6_source(r, &dst, &src));        /* tentative: not yet */
	env_dad_end(true);
	assert_true(route6_source(r, &dst, &src));
	assert_memory_equal(&src, &want, 16);
	/* The connected route names its address. */
	r = route6_lookup(&want);
	assert_true(route6_source(r, &want, &src));
	assert_memory_equal(&src, &want, 16);
	assert_false(route6_source(NULL, &dst, &src));
	assert_int_equal(route6_del(&gw.prefix, 48, 0), 0);
}

static void walk_count(uint16_t port, const struct in6_addr *a, uint8_t plen,
		       uint32_t flags, void *arg)
{
	(void)port;
	(void)a;
	(void)plen;
	(void)flags;
	(*(unsigned *)arg)++;
}

/* Full at ipv6.max_addrs, then ten times its size added and deleted. */
static void test_full_and_churn(void **state)
{
	char s[64];
	unsigned n;

	(void)state;
	for (unsigned round = 0; round < 10; round++) {
		for (unsigned i = 0; i < MAX_ADDRS; i++) {
			snprintf(s, sizeof(s), "2001:db8:%x::%x", round, i + 1);
			assert_int_equal(add(s, 64, 0), 0);
		}
		assert_int_equal(add("2001:db8:ffff::1", 64, 0), -ENOSPC);
		n = 0;
		inet6addr_walk(walk_count, &n);
		assert_int_equal(n, MAX_ADDRS);
		assert_int_equal(route(s, 64)->refs, MAX_ADDRS);
		for (unsigned i = 0; i < MAX_ADDRS; i++) {
			snprintf(s, sizeof(s), "2001:db8:%x::%x", round, i + 1);
			assert_int_equal(del(s, 64), 0);
		}
		n = 0;
		inet6addr_walk(walk_count, &n);
		assert_int_equal(n, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connected_route_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dad_ok_then_local, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dad_failed_listed_never_used, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete_during_dad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodad_leased_ha_and_zero_transmits, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_leased, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ha_announce_only_with_lease, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_route_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_and_churn, setup, teardown),
	};
	int rc;

	if (!env_eal("test_inet6addr", false, 64))
		return 1;
	rc = cmocka_run_group_tests_name("inet6addr", tests, NULL, NULL);
	env_eal_end("test_inet6addr");
	return rc;
}
