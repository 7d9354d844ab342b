/*
 * Persistence templates on a real EAL (rte_hash needs it): a client
 * network stays pinned, and expiring templates gives their room back,
 * for many times the table's size of client networks over time.  v6
 * services: the client's prefix of the service's length shares a
 * template, which names a v6 server or (NAT64) a v4 one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>

#include "ipvs/ipvs.h"
#include "ipvs/ipvs_persist.h"

#define MAX_TPL 4096
/* Client networks per round: 3/4 full, so that cuckoo moves succeed. */
#define ROUND 3072
/* Key positions are MAX_TPL plus ~8000 in per-lcore caches: 5 rounds
 * go past them all, so positions must be recycled. */
#define ROUNDS 5

static struct ipvs_service svc = { .proto = 6, .af = AF_INET, .vip.in4 = 0x0a000064,
				   .vport = 80 };
static struct sched_dest dests[2] = {
	{ .addr = 0x0a00010b, .port = 80, .weight = 1 },
	{ .addr = 0x0a00010c, .port = 80, .weight = 1 },
};
static struct svc_snap snap = {
	.ss = { .dests = dests, .ndests = 2 },
	.persist_timeout = 1,
	.netmask = 0xffffffff,
};

/* Binds n client addresses from base; returns how many are pinned. */
static unsigned bind_round(uint32_t base, unsigned n)
{
	unsigned pinned = 0;

	for (unsigned i = 0; i < n; i++) {
		ipvs_persist_bind(&svc, &snap, base + i, (int)(i & 1));
		if (ipvs_persist_lookup(&svc, &snap, base + i) == (int)(i & 1))
			pinned++;
	}
	return pinned;
}

static uint64_t expired_total(void)
{
	uint64_t scanned, expired, passes;

	ipvs_persist_expire_stats(&scanned, &expired, &passes);
	return expired;
}

/* Runs the job until a whole pass ended; returns the calls it took. */
static unsigned run_pass(void)
{
	uint64_t s0, e0, p0, s1, e1, p1;
	unsigned calls = 0;

	ipvs_persist_expire_stats(&s0, &e0, &p0);
	do {
		ipvs_persist_expire_job(NULL);
		ipvs_persist_expire_stats(&s1, &e1, &p1);
		calls++;
		assert_true(calls < 100000);
	} while (p1 == p0);
	return calls;
}

static void test_expired_templates_give_room_back(void **state)
{
	(void)state;
	assert_int_equal(ipvs_persist_init(MAX_TPL), 0);
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint32_t base = 0x0b000000 + r * 0x10000;
		uint64_t e0 = expired_total();

		assert_int_equal(bind_round(base, ROUND), ROUND);
		usleep(1100 * 1000); /* past the 1 s timeout and job period */
		run_pass();
		assert_true(expired_total() - e0 == ROUND);
		assert_int_equal(ipvs_persist_lookup(&svc, &snap, base), -1);
	}
	ipvs_persist_fini();
}

/*
 * At conn_pool_size 10 M one pass over the whole array took the master
 * 40-230 ms: a call must scan at most one slice and delete at most
 * IPVS_PERSIST_EXPIRE_MAX, and a pass still expires everything.
 */
#define BIG_TPL (256 * 1024)
#define BIG_ROUND (BIG_TPL / 2)

static void test_expiry_is_sliced(void **state)
{
	uint64_t s0, e0, p0, s1, e1, p1;
	uint32_t slice, used, size;
	unsigned calls;

	(void)state;
	assert_int_equal(ipvs_persist_init(BIG_TPL), 0);
	slice = ipvs_persist_slice();
	assert_true(slice >= 4096 && slice < BIG_TPL);
	/* A pass with nothing to do: calls of at most a slice each. */
	calls = 0;
	ipvs_persist_expire_stats(&s0, &e0, &p0);
	do {
		ipvs_persist_expire_stats(&s0, &e0, &p0);
		ipvs_persist_expire_job(NULL);
		ipvs_persist_expire_stats(&s1, &e1, &p1);
		assert_true(s1 - s0 <= slice);
		calls++;
	} while (p1 == p0);
	assert_true(calls >= BIG_TPL / slice);
	/* Many expired at once: at most the batch per call, none left. */
	assert_int_equal(bind_round(0x0c000000, BIG_ROUND), BIG_ROUND);
	usleep(1100 * 1000);
	ipvs_persist_expire_stats(&s0, &e0, &p0);
	for (;;) {
		uint64_t s, e, p;

		ipvs_persist_expire_stats(&s, &e, &p);
		ipvs_persist_expire_job(NULL);
		ipvs_persist_expire_stats(&s1, &e1, &p1);
		assert_true(s1 - s <= slice);
		assert_true(e1 - e <= IPVS_PERSIST_EXPIRE_MAX);
		if (p1 != p)
			break;
	}
	assert_true(e1 - e0 == BIG_ROUND);
	assert_true(p1 == p0 + 1);
	ipvs_persist_usage(&used, &size);
	assert_int_equal(used, 0);
	assert_int_equal(ipvs_persist_lookup(&svc, &snap, 0x0c000000), -1);
	/* The next pass waits for its second. */
	assert_int_equal(ipvs_persist_expire_job(NULL), 0);
	ipvs_persist_expire_stats(&s0, &e0, &p0);
	assert_true(s0 == s1);
	ipvs_persist_fini();
}

/* A snapshot of the test service with its own copy of the servers. */
struct test_snap {
	struct sched_dest d[2];
	struct svc_snap sn;
};

static void snap_of(struct test_snap *t, uint32_t netmask, uint32_t timeout)
{
	memcpy(t->d, dests, sizeof(t->d));
	memset(&t->sn, 0, sizeof(t->sn));
	t->sn.ss.dests = t->d;
	t->sn.ss.ndests = 2;
	t->sn.persist_timeout = timeout;
	t->sn.netmask = netmask;
}

/* The netmask is the granularity: a /24 shares one server. */
static void test_client_network_shares_a_template(void **state)
{
	struct test_snap t;

	(void)state;
	assert_int_equal(ipvs_persist_init(MAX_TPL), 0);
	snap_of(&t, 0xffffff00, 60);
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0b000105), -1);
	ipvs_persist_bind(&svc, &t.sn, 0x0b000105, 1);
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0b0001fe), 1);
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0b000205), -1);
	/* Another service's clients of the same network are not pinned. */
	{
		struct ipvs_service other = svc;

		other.vport = 443;
		assert_int_equal(ipvs_persist_lookup(&other, &t.sn, 0x0b000105), -1);
	}
	ipvs_persist_fini();
}

/*
 * Found by address and port: after the servers change the template
 * still finds its server at its new index, and misses once it is gone
 * or cannot take connections.
 */
static void test_template_follows_its_server(void **state)
{
	struct test_snap t, swapped, gone, drained;

	(void)state;
	assert_int_equal(ipvs_persist_init(MAX_TPL), 0);
	snap_of(&t, 0xffffffff, 60);
	ipvs_persist_bind(&svc, &t.sn, 0x0b000001, 1);
	snap_of(&swapped, 0xffffffff, 60);
	swapped.d[0] = dests[1];
	swapped.d[1] = dests[0];
	assert_int_equal(ipvs_persist_lookup(&svc, &swapped.sn, 0x0b000001), 0);
	snap_of(&gone, 0xffffffff, 60);
	gone.sn.ss.ndests = 1;           /* only dests[0] left */
	assert_int_equal(ipvs_persist_lookup(&svc, &gone.sn, 0x0b000001), -1);
	snap_of(&drained, 0xffffffff, 60);
	drained.d[1].weight = 0;         /* quiescent */
	assert_int_equal(ipvs_persist_lookup(&svc, &drained.sn, 0x0b000001), -1);
	/* Back in service: the template was kept. */
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0b000001), 1);
	ipvs_persist_fini();
}

/* A template in use lives on past its timeout; an idle one expires. */
static void test_use_restarts_the_timeout(void **state)
{
	struct test_snap t;

	(void)state;
	assert_int_equal(ipvs_persist_init(MAX_TPL), 0);
	snap_of(&t, 0xffffffff, 2);
	ipvs_persist_bind(&svc, &t.sn, 0x0b000001, 0);
	ipvs_persist_bind(&svc, &t.sn, 0x0b000002, 1);
	usleep(1200 * 1000);
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0b000001), 0);
	usleep(1200 * 1000);             /* 2.4 s since the bind */
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0b000001), 0);
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0b000002), -1);
	run_pass();
	assert_int_equal(expired_total(), 1);
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0b000001), 0);
	ipvs_persist_fini();
}

/* A full table pins no more clients, and takes them again once expired. */
static void test_full_table_refuses_then_recovers(void **state)
{
	struct test_snap t;
	uint32_t used, size;
	unsigned pinned = 0;

	(void)state;
	assert_int_equal(ipvs_persist_init(64), 0);
	snap_of(&t, 0xffffffff, 1);
	for (uint32_t i = 0; i < 4 * 64; i++) {
		ipvs_persist_bind(&svc, &t.sn, 0x0d000000 + i, 0);
		pinned += ipvs_persist_lookup(&svc, &t.sn, 0x0d000000 + i) == 0;
	}
	ipvs_persist_usage(&used, &size);
	assert_int_equal(size, 64);
	assert_int_equal(used, pinned);
	assert_true(pinned >= 32 && pinned < 4 * 64);
	usleep(1100 * 1000);
	run_pass();
	ipvs_persist_usage(&used, &size);
	assert_int_equal(used, 0);
	ipvs_persist_bind(&svc, &t.sn, 0x0e000001, 1);
	assert_int_equal(ipvs_persist_lookup(&svc, &t.sn, 0x0e000001), 1);
	ipvs_persist_fini();
}

/* ---- IPv6 services ---- */

static struct ipvs_service svc6 = { .proto = 6, .af = AF_INET6, .vport = 80 };

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* Two v6 servers, or (nat64) two v4 ones; prefix plen. */
static void snap6_of(struct test_snap *t, uint8_t plen, bool nat64, uint32_t timeout)
{
	snap_of(t, 0xffffffff, timeout);
	t->sn.af = AF_INET6;
	t->sn.plen6 = plen;
	for (unsigned i = 0; i < 2 && !nat64; i++) {
		struct in6_addr rs = a6(i ? "2001:db8:2::c" : "2001:db8:2::b");

		t->d[i].af = AF_INET6;
		t->d[i].addr = 0;
		memcpy(t->d[i].addr6, &rs, 16);
	}
}

static int look6(const struct test_snap *t, const char *c)
{
	struct in6_addr a = a6(c);

	return ipvs_persist_lookup6(&svc6, &t->sn, &a);
}

static void bind6(const struct test_snap *t, const char *c, int i)
{
	struct in6_addr a = a6(c);

	ipvs_persist_bind6(&svc6, &t->sn, &a, i);
}

/* -M 64: one /64 shares a server, the next /64 has its own template. */
static void test_v6_prefix_shares_a_template(void **state)
{
	struct test_snap t64, t60, t128;
	uint32_t used, size;

	(void)state;
	assert_int_equal(ipvs_persist_init(MAX_TPL), 0);
	snap6_of(&t64, 64, false, 60);
	assert_int_equal(look6(&t64, "2001:db8:1:2::5"), -1);
	bind6(&t64, "2001:db8:1:2::5", 1);
	assert_int_equal(look6(&t64, "2001:db8:1:2:ffff:1:2:3"), 1);
	assert_int_equal(look6(&t64, "2001:db8:1:3::5"), -1);
	ipvs_persist_usage(&used, &size);   /* one table for both families */
	assert_int_equal(used, 1);
	assert_int_equal(size, MAX_TPL);
	/*
	 * A v4 service whose key bytes match but for the family: 0.0.0.0:80
	 * (svc6's VIP is ::) and a client whose 4 bytes, as stored, are
	 * 2001:db8::/64's.
	 */
	{
		struct ipvs_service v4 = { .proto = 6, .af = AF_INET, .vport = 80 };
		struct test_snap t4;
		uint32_t c4;

		bind6(&t64, "2001:db8::", 0);
		memcpy(&c4, "\x20\x01\x0d\xb8", 4);
		snap_of(&t4, 0xffffffff, 60);
		assert_int_equal(ipvs_persist_lookup(&v4, &t4.sn, c4), -1);
		ipvs_persist_bind(&v4, &t4.sn, c4, 1);
		assert_int_equal(ipvs_persist_lookup(&v4, &t4.sn, c4), 1);
		assert_int_equal(look6(&t64, "2001:db8::1"), 0);
	}
	/* A length inside a byte: /60 spans 2001:db8:1:0..f. */
	snap6_of(&t60, 60, false, 60);
	bind6(&t60, "2001:db8:5:3::1", 0);
	assert_int_equal(look6(&t60, "2001:db8:5:f::9"), 0);
	assert_int_equal(look6(&t60, "2001:db8:5:13::1"), -1);
	/* The default, 128: the address alone. */
	snap6_of(&t128, 128, false, 60);
	bind6(&t128, "2001:db8:7::1", 1);
	assert_int_equal(look6(&t128, "2001:db8:7::1"), 1);
	assert_int_equal(look6(&t128, "2001:db8:7::2"), -1);
	ipvs_persist_fini();
}

/* Found by address: a swapped server list, a NAT64 service's v4 servers. */
static void test_v6_template_follows_its_server(void **state)
{
	struct test_snap t, swapped, n64, n64s;

	(void)state;
	assert_int_equal(ipvs_persist_init(MAX_TPL), 0);
	snap6_of(&t, 64, false, 60);
	bind6(&t, "2001:db8:1::1", 1);
	swapped = t;
	swapped.sn.ss.dests = swapped.d;
	swapped.d[0] = t.d[1];
	swapped.d[1] = t.d[0];
	assert_int_equal(look6(&swapped, "2001:db8:1::1"), 0);
	t.d[1].weight = 0;
	assert_int_equal(look6(&t, "2001:db8:1::1"), -1);
	snap6_of(&n64, 64, true, 60);   /* the same VIP, now NAT64 */
	assert_int_equal(look6(&n64, "2001:db8:1::1"), -1);
	svc6.vport = 81;
	bind6(&n64, "2001:db8:1::1", 0);
	n64s = n64;
	n64s.sn.ss.dests = n64s.d;
	n64s.d[0] = n64.d[1];
	n64s.d[1] = n64.d[0];
	assert_int_equal(look6(&n64s, "2001:db8:1::7"), 1);
	svc6.vport = 80;
	ipvs_persist_fini();
}

/* Many times the table's size of v6 prefixes: expired ones give room back. */
static void test_v6_templates_expire(void **state)
{
	struct test_snap t;

	(void)state;
	assert_int_equal(ipvs_persist_init(MAX_TPL), 0);
	snap6_of(&t, 64, false, 1);
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t e0 = expired_total();
		unsigned pinned = 0;
		struct in6_addr c = a6("2001:db8::1");

		for (unsigned i = 0; i < ROUND; i++) {
			c.s6_addr[6] = (uint8_t)r;
			c.s6_addr[7] = (uint8_t)(i >> 8);
			c.s6_addr[8] = (uint8_t)i;   /* outside the /64: no effect */
			c.s6_addr[5] = (uint8_t)i;
			ipvs_persist_bind6(&svc6, &t.sn, &c, (int)(i & 1));
			pinned += ipvs_persist_lookup6(&svc6, &t.sn, &c) == (int)(i & 1);
		}
		assert_int_equal(pinned, ROUND);
		usleep(1100 * 1000);
		run_pass();
		assert_true(expired_total() - e0 == ROUND);
	}
	ipvs_persist_fini();
}

int main(void)
{
	char prefix[64], dir[96];
	char *eal[] = { "test_ipvs_persist", "--no-huge", "-m", "64", "--no-pci",
			"--no-shconf", "--no-telemetry", "--lcores", "0@0",
			"--file-prefix", prefix, "--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expired_templates_give_room_back),
		cmocka_unit_test(test_expiry_is_sliced),
		cmocka_unit_test(test_client_network_shares_a_template),
		cmocka_unit_test(test_template_follows_its_server),
		cmocka_unit_test(test_use_restarts_the_timeout),
		cmocka_unit_test(test_full_table_refuses_then_recovers),
		cmocka_unit_test(test_v6_prefix_shares_a_template),
		cmocka_unit_test(test_v6_template_follows_its_server),
		cmocka_unit_test(test_v6_templates_expire),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_ipvs_persist_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("ipvs_persist", tests, NULL, NULL);
	rte_eal_cleanup();
	/* The EAL's (empty) runtime folder. */
	snprintf(dir, sizeof(dir), "/var/run/dpdk/%s", prefix);
	rmdir(dir);
	return rc;
}
