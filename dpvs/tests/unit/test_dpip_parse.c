/*
 * Unit tests for dpip's command line (dpvs/tools/dpip_parse.c): objects
 * and their abbreviations, addresses, routes, neighbours, garp, stats,
 * and the message each bad input gets.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dpip_parse.h"

#define MAX_WORDS 24

static char err[256];
static uint8_t family;     /* -4 / -6 for the next parse */

/* OBJECT [COMMAND [ARGS]] split at spaces, as after dpip's options. */
static int parse(const char *line, struct cmd *c)
{
	static char buf[512];
	char *argv[MAX_WORDS], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		assert_true(argc < MAX_WORDS - 1);
		argv[argc++] = w;
	}
	argv[argc] = NULL;
	memset(err, 0, sizeof(err));
	return parse_cmd_af(argc, argv, family, c, err, sizeof(err));
}

static void ok(const char *line, struct cmd *c)
{
	if (parse(line, c) != 0)
		fail_msg("'%s' refused: %s", line, err);
}

static void bad(const char *line, const char *want)
{
	struct cmd c;

	if (parse(line, &c) == 0)
		fail_msg("'%s' accepted", line);
	if (!strstr(err, want))
		fail_msg("'%s': message '%s' lacks '%s'", line, err, want);
}

static uint32_t ip(const char *s)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

static void test_objects_and_abbreviations(void **state)
{
	struct cmd c;

	(void)state;
	ok("link", &c);
	assert_int_equal(c.obj, OBJ_LINK);
	assert_int_equal(c.verb, VERB_SHOW);
	assert_string_equal(c.dev, "");
	ok("l sh dpdk0", &c);
	assert_int_equal(c.obj, OBJ_LINK);
	assert_string_equal(c.dev, "dpdk0");
	ok("a", &c);
	assert_int_equal(c.obj, OBJ_ADDR);
	ok("address list dev dpdk1", &c);
	assert_string_equal(c.dev, "dpdk1");
	ok("r ls", &c);
	assert_int_equal(c.obj, OBJ_ROUTE);
	ok("n lst", &c);
	assert_int_equal(c.obj, OBJ_NEIGH);
	ok("neighbor show dev dpdk0", &c);
	assert_int_equal(c.obj, OBJ_NEIGH);
	assert_string_equal(c.dev, "dpdk0");
	ok("neighbour", &c);
	ok("help", &c);
	assert_int_equal(c.obj, OBJ_HELP);
	ok("route help", &c);
	assert_int_equal(c.obj, OBJ_HELP);
	assert_string_equal(c.what, "");
	ok("route show", &c);
	assert_string_equal(c.what, "route show");
	bad("", "no object given");
	bad("bogus", "unknown object 'bogus' (link, addr, route, neigh, garp, "
	    "stats; see dpip --help)");
	bad("link -s", "options go before the object: '-s'");
	bad("link add", "link: only 'show' is supported");
	bad("link delete", "link: only 'show' is supported");
	bad("link up", "link: unknown command 'up' (show)");
	bad("route frob", "route: unknown command 'frob' (show, add or del)");
	/* only link and addr take a bare DEV */
	bad("route show dpdk0", "route show: unknown argument 'dpdk0'");
	bad("link show dpdk0 dpdk1", "device given twice ('dpdk0' and "
	    "'dpdk1')");
	bad("link show dev", "'dev' needs an argument");
}

static void test_addr(void **state)
{
	struct cmd c;

	(void)state;
	ok("addr add 10.0.0.1/24 dev dpdk0", &c);
	assert_int_equal(c.verb, VERB_ADD);
	assert_string_equal(c.what, "addr add");
	assert_int_equal(c.addr.addr, ip("10.0.0.1"));
	assert_int_equal(c.addr.plen, 24);
	assert_true(c.plen_given);
	assert_string_equal(c.addr.ifname, "dpdk0");
	assert_int_equal(c.addr.flags, 0);
	ok("a a 10.0.0.2 dev dpdk0 sapool", &c);
	assert_int_equal(c.addr.plen, 32);
	assert_false(c.plen_given);
	assert_int_equal(c.addr.flags, DPVS_ADDR_F_SAPOOL);
	ok("addr add 10.0.1.100/32 dev dpdk1 sapool ha", &c);
	assert_int_equal(c.addr.flags, DPVS_ADDR_F_SAPOOL | DPVS_ADDR_F_HA);
	ok("addr add ha 10.0.1.100 leased dev dpdk1", &c);
	assert_int_equal(c.addr.flags, DPVS_ADDR_F_HA | DPVS_ADDR_F_LEASED);
	ok("addr add 10.0.0.100 dev dpdk0 leased", &c);
	assert_int_equal(c.addr.flags, DPVS_ADDR_F_LEASED);
	bad("addr add 10.0.0.100 dev dpdk0 HA", "unknown argument 'HA'");
	bad("addr add 10.0.0.100 dev dpdk0 ha_active", "unknown argument");
	ok("addr d 10.0.0.2/32 dev dpdk0", &c);
	assert_int_equal(c.verb, VERB_DEL);
	assert_string_equal(c.what, "addr del");
	ok("addr delete dev dpdk0 10.0.0.2", &c);
	assert_int_equal(c.verb, VERB_DEL);
	ok("addr add 10.0.0.1/1 dev dpdk0", &c);
	assert_int_equal(c.addr.plen, 1);
	bad("addr add 10.0.0.1/0 dev dpdk0", "invalid prefix '10.0.0.1/0'");
	bad("addr add 10.0.0.1/33 dev dpdk0", "invalid prefix");
	bad("addr add 10.0.0.1/ dev dpdk0", "invalid prefix");
	bad("addr add 10.0.0.1/-1 dev dpdk0", "invalid prefix");
	bad("addr add 10.0.0.256/24 dev dpdk0", "invalid prefix");
	bad("addr add 224.0.0.1/24 dev dpdk0", "invalid address "
	    "'224.0.0.1/24' (not a unicast address)");
	bad("addr add 0.0.0.0/8 dev dpdk0", "not a unicast address");
	bad("addr add 10.0.0.1/24", "addr add: missing 'dev DEV'");
	bad("addr add dev dpdk0", "addr add: missing address ADDR/PLEN");
	bad("addr add 10.0.0.1 10.0.0.2 dev dpdk0", "addr add: unknown "
	    "argument '10.0.0.2'");
	bad("addr add 10.0.0.1 dev dpdk0 dev dpdk1", "device given twice");
}

static void test_device_names(void **state)
{
	struct cmd c;

	(void)state;
	/* DPVS_IFNAME_MAX bytes, and one more */
	ok("addr add 10.0.0.1 dev abcdefghijklmnopqrstuvwxyz012345", &c);
	assert_int_equal(strlen(c.addr.ifname), DPVS_IFNAME_MAX);
	bad("addr add 10.0.0.1 dev abcdefghijklmnopqrstuvwxyz0123456",
	    "invalid device name 'abcdefghijklmnopqrstuvwxyz0123456' (1 to 32 "
	    "bytes)");
}

static void test_route(void **state)
{
	struct cmd c;

	(void)state;
	ok("route add 10.1.0.0/16 dev dpdk0", &c);
	assert_int_equal(c.route.prefix, ip("10.1.0.0"));
	assert_int_equal(c.route.plen, 16);
	assert_int_equal(c.route.type, DPVS_RT_CONNECTED);
	assert_string_equal(c.route.ifname, "dpdk0");
	ok("route add default via 10.0.0.254 dev dpdk0", &c);
	assert_int_equal(c.route.prefix, 0);
	assert_int_equal(c.route.plen, 0);
	assert_int_equal(c.route.type, DPVS_RT_GATEWAY);
	assert_int_equal(c.route.gw, ip("10.0.0.254"));
	ok("route add 10.0.0.100 dev dpdk0 scope kni_host", &c);
	assert_int_equal(c.route.plen, 32);
	assert_int_equal(c.route.type, DPVS_RT_KNI);
	ok("r a to 10.2.0.0/24 dev dpdk0 scope link src 10.0.0.1", &c);
	assert_int_equal(c.route.type, DPVS_RT_CONNECTED);
	assert_int_equal(c.route.src, ip("10.0.0.1"));
	/* deleted by prefix alone */
	ok("route del 10.1.0.0/16", &c);
	assert_int_equal(c.verb, VERB_DEL);
	assert_string_equal(c.route.ifname, "");
	bad("route add 10.1.0.1/16 dev dpdk0", "invalid prefix '10.1.0.1/16' "
	    "(host bits set for /16)");
	bad("route add 10.1.0.0/33 dev dpdk0", "invalid prefix");
	bad("route add default dev dpdk0 via 300.0.0.1", "invalid gateway "
	    "'300.0.0.1'");
	bad("route add default dev dpdk0 via 224.0.0.1", "invalid gateway");
	bad("route add 10.1.0.0/16 dev dpdk0 src 0.0.0.0", "invalid source "
	    "address '0.0.0.0'");
	bad("route add 10.1.0.0/16 dev dpdk0 scope host", "scope host routes "
	    "come from addresses");
	bad("route add 10.1.0.0/16 dev dpdk0 scope global", "unknown scope "
	    "'global' (link or kni_host)");
	bad("route add default dev dpdk0 via 10.0.0.254 scope link", "'via' "
	    "and 'scope link' exclude each other");
	bad("route add 10.1.0.0/16", "route add: missing 'dev DEV'");
	bad("route add dev dpdk0", "route add: missing PREFIX");
	bad("route add 10.1.0.0/16 dev dpdk0 via 10.0.0.1 via 10.0.0.2",
	    "'via' given twice");
	bad("route add 10.1.0.0/16 to 10.2.0.0/16 dev dpdk0", "'to' given "
	    "twice");
	bad("route add 10.1.0.0/16 dev dpdk0 extra", "route add: unknown "
	    "argument 'extra'");
	bad("route add 10.1.0.0/16 dev dpdk0 via", "'via' needs an argument");
}

static void test_neigh(void **state)
{
	struct cmd c;
	const uint8_t mac[6] = { 0x02, 0, 0, 0, 0xab, 0x0c };

	(void)state;
	ok("neigh add 10.0.0.2 lladdr 02:00:00:00:ab:c dev dpdk0", &c);
	assert_int_equal(c.neigh.ip, ip("10.0.0.2"));
	assert_memory_equal(c.neigh.mac, mac, 6);
	assert_int_equal(c.neigh.state, DPVS_NEIGH_PERMANENT);
	assert_string_equal(c.neigh.ifname, "dpdk0");
	ok("neigh add 10.0.0.2 lladdr 02:00:00:00:AB:0C dev dpdk0", &c);
	assert_memory_equal(c.neigh.mac, mac, 6);
	ok("n d 10.0.0.2 dev dpdk0", &c);
	assert_int_equal(c.verb, VERB_DEL);
	bad("neigh del 10.0.0.2 lladdr 02:00:00:00:00:01 dev dpdk0",
	    "neigh del: unknown argument 'lladdr'");
	bad("neigh add 10.0.0.2 dev dpdk0", "neigh add: missing 'lladdr MAC'");
	bad("neigh add lladdr 02:00:00:00:00:01 dev dpdk0", "neigh add: "
	    "missing address ADDR");
	bad("neigh add 10.0.0.2 lladdr 02:00:00:00:00:01", "neigh add: "
	    "missing 'dev DEV'");
	bad("neigh add 10.0.0.2 lladdr 02:00:00:00:00 dev dpdk0", "invalid "
	    "lladdr '02:00:00:00:00' (xx:xx:xx:xx:xx:xx)");
	bad("neigh add 10.0.0.2 lladdr 02:00:00:00:00:001 dev dpdk0",
	    "invalid lladdr");
	bad("neigh add 10.0.0.2 lladdr 02:00:00:00:00:01:02 dev dpdk0",
	    "invalid lladdr");
	bad("neigh add 10.0.0.2 lladdr 02-00-00-00-00-01 dev dpdk0",
	    "invalid lladdr");
	bad("neigh add 10.0.0.2 lladdr 01:00:5e:00:00:01 dev dpdk0",
	    "(not a unicast MAC)");
	bad("neigh add 10.0.0.2 lladdr 00:00:00:00:00:00 dev dpdk0",
	    "(not a unicast MAC)");
	bad("neigh add 10.0.0.2 lladdr 02:00:00:00:00:01 lladdr "
	    "02:00:00:00:00:02 dev dpdk0", "'lladdr' given twice");
	bad("neigh add 10.0.0.255.1 lladdr 02:00:00:00:00:01 dev dpdk0",
	    "invalid address '10.0.0.255.1'");
	bad("neigh add 255.255.255.255 lladdr 02:00:00:00:00:01 dev dpdk0",
	    "invalid address");
}

static void test_garp(void **state)
{
	struct cmd c;

	(void)state;
	ok("garp 10.0.0.100 dev dpdk0", &c);
	assert_int_equal(c.obj, OBJ_GARP);
	assert_string_equal(c.what, "garp");
	assert_int_equal(c.addr.addr, ip("10.0.0.100"));
	assert_string_equal(c.addr.ifname, "dpdk0");
	bad("garp 10.0.0.100", "garp: missing 'dev DEV'");
	bad("garp dev dpdk0", "garp: missing address ADDR");
	bad("garp 10.0.0.100/24 dev dpdk0", "invalid address '10.0.0.100/24'");
	bad("garp 10.0.0.100 10.0.0.101 dev dpdk0", "garp: unknown argument "
	    "'10.0.0.101'");
	/* 'ga' is not garp: garp is never abbreviated */
	bad("ga 10.0.0.100 dev dpdk0", "unknown object 'ga'");
}

static void test_stats(void **state)
{
	struct cmd c;

	(void)state;
	ok("stats", &c);
	assert_int_equal(c.obj, OBJ_STATS);
	assert_int_equal(c.lcore, -1);
	ok("stats lcore 3", &c);
	assert_int_equal(c.lcore, 3);
	ok("st show lcore 1023", &c);
	assert_int_equal(c.lcore, 1023);
	bad("stats lcore 1024", "stats: invalid lcore '1024'");
	bad("stats lcore -1", "options go before the object: '-1'");
	bad("stats lcore 1x", "stats: invalid lcore '1x'");
	bad("stats lcore", "stats: unknown argument 'lcore' (stats [lcore "
	    "N])");
	bad("stats add", "stats: only 'show' is supported");
	bad("stats show dpdk0", "stats: unknown argument 'dpdk0'");
}

static void v6(struct in6_addr *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static void assert_v6(const struct in6_addr *a, const char *s)
{
	struct in6_addr want;

	v6(&want, s);
	assert_memory_equal(a, &want, 16);
}

static void test_addr6(void **state)
{
	struct cmd c;

	(void)state;
	family = 0;
	ok("addr add 2001:db8::1/64 dev dpdk0", &c);
	assert_int_equal(c.addr.af, AF_INET6);
	assert_v6(&c.addr.addr6, "2001:db8::1");
	assert_int_equal(c.addr.addr, 0);
	assert_int_equal(c.addr.plen, 64);
	assert_int_equal(c.addr.flags, 0);
	ok("addr add 2001:db8::1/64 dev dpdk0 nodad sapool", &c);
	assert_int_equal(c.addr.flags, DPVS_ADDR_F_NODAD | DPVS_ADDR_F_SAPOOL);
	ok("a a 2001:db8::100 dev dpdk0 ha leased nodad", &c);
	assert_int_equal(c.addr.plen, 128);
	assert_false(c.plen_given);
	ok("addr del 2001:db8::1/64 dev dpdk0", &c);
	assert_true(c.plen_given);
	ok("addr add 10.0.0.1/24 dev dpdk0", &c);
	assert_int_equal(c.addr.af, AF_INET);
	bad("addr add 2001:db8::1/129 dev dpdk0", "invalid prefix "
	    "'2001:db8::1/129'");
	bad("addr add 2001:db8::1/0 dev dpdk0", "invalid prefix");
	bad("addr add 10.0.0.1/33 dev dpdk0", "invalid prefix '10.0.0.1/33'");
	bad("addr add ff02::1/64 dev dpdk0", "not a unicast address");
	bad("addr add ::/64 dev dpdk0", "not a unicast address");
	bad("addr add ::1 dev dpdk0", "not a unicast address");
	bad("addr add 2001:db8::1%dpdk0/64 dev dpdk0", "invalid prefix");
	bad("addr add 10.0.0.1/24 dev dpdk0 nodad", "'nodad' is for IPv6 "
	    "addresses");
	bad("addr add 2001:db8::1/64", "addr add: missing 'dev DEV'");
}

static void test_family_options(void **state)
{
	struct cmd c;

	(void)state;
	family = AF_INET6;
	ok("addr show", &c);
	assert_int_equal(c.family, AF_INET6);
	ok("addr add 2001:db8::1/64 dev dpdk0", &c);
	bad("addr add 10.0.0.1/24 dev dpdk0", "'10.0.0.1/24' is not an IPv6 "
	    "address (-6)");
	bad("neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev dpdk0",
	    "is not an IPv6 address (-6)");
	ok("route add default dev dpdk0", &c);
	assert_int_equal(c.route.af, AF_INET6);   /* -6 default: ::/0 */
	assert_int_equal(c.route.plen, 0);
	family = AF_INET;
	ok("route add default dev dpdk0", &c);
	assert_int_equal(c.route.af, AF_INET);
	bad("garp 2001:db8::1 dev dpdk0", "is not an IPv4 address (-4)");
	bad("route add default via 2001:db8::5 dev dpdk0",
	    "'2001:db8::5' is not an IPv4 address (-4)");
	family = 0;
	ok("route show", &c);
	assert_int_equal(c.family, 0);
}

static void test_route6(void **state)
{
	struct cmd c;

	(void)state;
	family = 0;
	ok("route add 2001:db8:9::/48 via 2001:db8::5 dev dpdk0", &c);
	assert_int_equal(c.route.af, AF_INET6);
	assert_v6(&c.route.prefix6, "2001:db8:9::");
	assert_int_equal(c.route.plen, 48);
	assert_v6(&c.route.gw6, "2001:db8::5");
	assert_int_equal(c.route.type, DPVS_RT_GATEWAY);
	/* default takes the family of its gateway */
	ok("route add default via fe80::1 dev dpdk0", &c);
	assert_int_equal(c.route.af, AF_INET6);
	assert_int_equal(c.route.plen, 0);
	assert_v6(&c.route.gw6, "fe80::1");
	ok("route add default via 10.0.0.254 dev dpdk0", &c);
	assert_int_equal(c.route.af, AF_INET);
	ok("route add 2001:db8:7::/64 dev dpdk1", &c);
	assert_int_equal(c.route.type, DPVS_RT_CONNECTED);
	ok("route add 2001:db8:2::21 dev dpdk1 scope kni_host", &c);
	assert_int_equal(c.route.plen, 128);
	assert_int_equal(c.route.type, DPVS_RT_KNI);
	ok("route add 2001:db8:9::/48 via 2001:db8::5 src 2001:db8::1 dev dpdk0",
	   &c);
	assert_v6(&c.route.src6, "2001:db8::1");
	ok("route del 2001:db8:9::/48", &c);
	assert_int_equal(c.route.af, AF_INET6);
	bad("route add default via fe80::1", "the link-local gateway "
	    "'fe80::1' needs 'dev DEV'");
	bad("route del default via fe80::1", "the link-local gateway "
	    "'fe80::1' needs 'dev DEV'");
	bad("route add 2001:db8:9::1/48 via 2001:db8::5 dev dpdk0",
	    "host bits set for /48");
	bad("route add 2001:db8:9::/48 via 10.0.0.254 dev dpdk0",
	    "gateway '10.0.0.254' is not of the prefix's family");
	bad("route add 10.1.0.0/16 via 2001:db8::5 dev dpdk0",
	    "gateway '2001:db8::5' is not of the prefix's family");
	bad("route add 2001:db8:9::/48 via ff02::1 dev dpdk0",
	    "invalid gateway 'ff02::1'");
	bad("route add 2001:db8:9::/48 via 2001:db8::5 src 10.0.0.1 dev dpdk0",
	    "source address '10.0.0.1' is not of the prefix's family");
	bad("route add 2001:db8:9::/129 dev dpdk0", "invalid prefix");
}

static void test_neigh6_and_garp6(void **state)
{
	struct cmd c;

	(void)state;
	family = 0;
	ok("neigh add 2001:db8::5 lladdr 02:00:00:00:00:05 dev dpdk1", &c);
	assert_int_equal(c.neigh.af, AF_INET6);
	assert_v6(&c.neigh.ip6, "2001:db8::5");
	assert_int_equal(c.neigh.mac[5], 5);
	assert_int_equal(c.neigh.state, DPVS_NEIGH_PERMANENT);
	ok("neigh add fe80::1 lladdr 02:00:00:00:00:01 dev dpdk0", &c);
	ok("neigh del 2001:db8::5 dev dpdk1", &c);
	bad("neigh add ff02::1 lladdr 02:00:00:00:00:05 dev dpdk1",
	    "invalid address 'ff02::1'");
	bad("neigh add :: lladdr 02:00:00:00:00:05 dev dpdk1",
	    "invalid address '::'");
	ok("garp 2001:db8::100 dev dpdk0", &c);
	assert_int_equal(c.addr.af, AF_INET6);
	assert_v6(&c.addr.addr6, "2001:db8::100");
	bad("garp ff02::1 dev dpdk0", "invalid address 'ff02::1'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects_and_abbreviations),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_device_names),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_neigh),
		cmocka_unit_test(test_garp),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_addr6),
		cmocka_unit_test(test_family_options),
		cmocka_unit_test(test_route6),
		cmocka_unit_test(test_neigh6_and_garp6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
