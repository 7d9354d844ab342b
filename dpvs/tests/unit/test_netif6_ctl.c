/*
 * The network stack's control handlers with IPv6 records
 * (ctrl/handlers/netif_ctl.c, netif6_ctl.c): what they refuse and in
 * which words, and that a v6 record reaches the v6 stack as v6.  The
 * real daemon runs in process (dpvs/tests/fuzz/fuzz_daemon.c) and each
 * request goes through the real dispatcher.  Where the v6 stack may or
 * may not have its tables yet, a case accepts either its work done or
 * its clean refusal, never anything else.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "libdpvs.h"
#include "../fuzz/fuzz_daemon.h"

static const char not_yet[] = "IPv6 is not supported by this dpvs yet";

static uint32_t op_msg(uint32_t op, struct wbuf *req, char msg[DPVS_WIRE_MSG_MAX])
{
	struct dpvs_ctrl_stats st = { 0 };
	struct wire_hdr h = { .magic = DPVS_WIRE_MAGIC,
			      .version = DPVS_WIRE_VERSION, .op = op,
			      .len = (uint32_t)req->len };
	struct ctrl_reply rep;

	memset(&rep, 0, sizeof(rep));
	wb_init(&rep.data);
	ctrl_dispatch(&h, req->data, &rep, &st);
	snprintf(msg, DPVS_WIRE_MSG_MAX, "%s", rep.msg);
	wb_free(&rep.data);
	wb_free(req);
	return rep.status;
}

static struct in6_addr v6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static uint32_t addr6(uint32_t op, const char *ip, uint8_t plen,
		      uint32_t flags, char *msg)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .af = AF_INET6,
			       .addr6 = v6(ip), .plen = plen, .flags = flags };
	struct wbuf b;

	wb_init(&b);
	wire_enc_addr(&b, &a);
	return op_msg(op, &b, msg);
}

static uint32_t route6(uint32_t op, const char *pfx, uint8_t plen,
		       const char *gw, char *msg)
{
	struct dpvs_route r = { .ifname = "dpdk0", .af = AF_INET6,
				.prefix6 = v6(pfx), .plen = plen,
				.type = DPVS_RT_GATEWAY, .gw6 = v6(gw) };
	struct wbuf b;

	wb_init(&b);
	wire_enc_route(&b, &r);
	return op_msg(op, &b, msg);
}

static uint32_t neigh6(uint32_t op, const char *ip, char *msg)
{
	struct dpvs_neigh n = { .ifname = "dpdk0", .af = AF_INET6,
				.ip6 = v6(ip), .mac = { 2, 0, 0, 0, 0, 5 },
				.state = DPVS_NEIGH_PERMANENT };
	struct wbuf b;

	wb_init(&b);
	wire_enc_neigh(&b, &n);
	return op_msg(op, &b, msg);
}

/* Done, or refused because the v6 stack is not there yet. */
static void done_or_not_yet(uint32_t st, const char *msg, const char *what)
{
	char want[128];

	if (st == DPVS_OK)
		return;
	snprintf(want, sizeof(want), "%s: %s", what, not_yet);
	assert_int_equal(st, DPVS_ENOTSUP);
	assert_string_equal(msg, want);
}

static int reset(void **state)
{
	(void)state;
	fuzz_daemon_reset();
	return 0;
}

static void test_link_local_address_is_the_twins(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];

	(void)state;
	assert_int_equal(addr6(DPVS_OP_ADDR_ADD, "fe80::1", 64, 0, msg),
			 DPVS_EINVAL);
	assert_non_null(strstr(msg, "fe80::1: link-local addresses belong to "
				    "the kernel twin (add it on "));
}

static void test_not_unicast_addresses_refused(void **state)
{
	static const char *const bad[] = { "::", "ff02::1", "::1" };
	char msg[DPVS_WIRE_MSG_MAX], want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(addr6(DPVS_OP_ADDR_ADD, bad[i], 64, 0, msg),
				 DPVS_EINVAL);
		snprintf(want, sizeof(want), "%s: not a unicast address", bad[i]);
		assert_string_equal(msg, want);
	}
}

static void test_prefix_lengths_of_v6(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];

	(void)state;
	assert_int_equal(addr6(DPVS_OP_ADDR_ADD, "2001:db8::1", 129, 0, msg),
			 DPVS_EINVAL);
	assert_string_equal(msg, "prefix length /129 is not 1..128");
	assert_int_equal(addr6(DPVS_OP_ADDR_ADD, "2001:db8::1", 0, 0, msg),
			 DPVS_EINVAL);
	/* An HA address is a host route, /128 in v6 (not /32). */
	assert_int_equal(addr6(DPVS_OP_ADDR_ADD, "2001:db8::1", 64,
			       DPVS_ADDR_F_HA, msg), DPVS_EINVAL);
	assert_non_null(strstr(msg, "an ha address is a /128, not /64"));
	assert_int_equal(route6(DPVS_OP_ROUTE_ADD, "2001:db8::", 129,
				"2001:db8::5", msg), DPVS_EINVAL);
	assert_string_equal(msg, "prefix length /129");
}

/* A v6 address is added and listed as v6 (flags kept), or not yet. */
static void test_v6_address_reaches_the_v6_stack(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];
	struct in6_addr want = v6("2001:db8::1");
	struct dpvs_addr back;
	struct wbuf out;
	struct rbuf r;
	uint32_t n, st, found = 0;

	(void)state;
	st = addr6(DPVS_OP_ADDR_ADD, "2001:db8::1", 64, DPVS_ADDR_F_NODAD, msg);
	done_or_not_yet(st, msg, "address");
	assert_int_equal(fuzz_op(DPVS_OP_ADDR_LIST, NULL, 0, &out), DPVS_OK);
	rb_init(&r, out.data, out.len);
	n = rb_u32(&r);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(wire_dec_addr(&r, &back), DPVS_OK);
		if (back.af != AF_INET6 || memcmp(&back.addr6, &want, 16))
			continue;
		found++;
		assert_int_equal(back.plen, 64);
		assert_true(back.flags & DPVS_ADDR_F_NODAD);
	}
	assert_true(rb_done(&r));
	assert_int_equal(found, st == DPVS_OK ? 1 : 0);
	wb_free(&out);
	if (st == DPVS_OK)
		assert_int_equal(addr6(DPVS_OP_ADDR_DEL, "2001:db8::1", 64, 0,
				       msg), DPVS_OK);
}

static void test_v6_routes(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];
	uint32_t st;

	(void)state;
	assert_int_equal(route6(DPVS_OP_ROUTE_ADD, "2001:db8:9::", 48, "::",
				msg), DPVS_EINVAL);
	assert_string_equal(msg, "a gateway route needs 'via' a unicast "
			    "address");
	assert_int_equal(route6(DPVS_OP_ROUTE_ADD, "2001:db8:9::", 48,
				"ff02::1", msg), DPVS_EINVAL);
	/* A link-local gateway is scoped by the route's port: taken. */
	st = route6(DPVS_OP_ROUTE_ADD, "::", 0, "fe80::1", msg);
	done_or_not_yet(st, msg, "route");
	if (st == DPVS_OK)
		assert_int_equal(route6(DPVS_OP_ROUTE_DEL, "::", 0, "fe80::1",
					msg), DPVS_OK);
}

static void test_v6_neighbours(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];
	uint32_t st;

	(void)state;
	assert_int_equal(neigh6(DPVS_OP_NEIGH_ADD, "ff02::1", msg), DPVS_EINVAL);
	assert_string_equal(msg, "ff02::1: not a unicast neighbour");
	st = neigh6(DPVS_OP_NEIGH_ADD, "2001:db8::5", msg);
	done_or_not_yet(st, msg, "neighbour");
	if (st == DPVS_OK)
		assert_int_equal(neigh6(DPVS_OP_NEIGH_DEL, "2001:db8::5", msg),
				 DPVS_OK);
}

/* v4 records are served as before, and list with their family. */
static void test_v4_address_lists_as_inet(void **state)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .addr = inet_addr("10.0.0.1"),
			       .plen = 24 }, back;
	struct wbuf b, out;
	struct rbuf r;

	(void)state;
	wb_init(&b);
	wire_enc_addr(&b, &a);
	assert_int_equal(fuzz_op_wb(DPVS_OP_ADDR_ADD, &b), DPVS_OK);
	assert_int_equal(fuzz_op(DPVS_OP_ADDR_LIST, NULL, 0, &out), DPVS_OK);
	rb_init(&r, out.data, out.len);
	assert_int_equal(rb_u32(&r), 1);
	assert_int_equal(wire_dec_addr(&r, &back), DPVS_OK);
	assert_int_equal(back.af, AF_INET);
	assert_int_equal(back.addr, a.addr);
	assert_int_equal(back.plen, 24);
	wb_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_link_local_address_is_the_twins,
					  reset),
		cmocka_unit_test_teardown(test_not_unicast_addresses_refused,
					  reset),
		cmocka_unit_test_teardown(test_prefix_lengths_of_v6, reset),
		cmocka_unit_test_teardown(test_v6_address_reaches_the_v6_stack,
					  reset),
		cmocka_unit_test_teardown(test_v6_routes, reset),
		cmocka_unit_test_teardown(test_v6_neighbours, reset),
		cmocka_unit_test_teardown(test_v4_address_lists_as_inet, reset),
	};

	fuzz_daemon_start("netif6_ctl", "net_null0,no-rx=1", NULL);
	return cmocka_run_group_tests_name("netif6_ctl", tests, NULL, NULL);
}
