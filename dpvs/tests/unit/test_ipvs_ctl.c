/*
 * The load balancer's control handler (ctrl/handlers/ipvs_ctl.c): the
 * limits it shares with dpvsadm and keepalived (libdpvs.h), and the
 * conversion of forwarding modes between the wire and the data plane.
 * The real daemon runs in process (dpvs/tests/fuzz/fuzz_daemon.c) and
 * every request goes through the real dispatcher, as a client's would.
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
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_xmit.h"
#include "libdpvs.h"
#include "../fuzz/fuzz_daemon.h"

static uint32_t svc_add(uint32_t timeout, uint32_t flags, const char *mask)
{
	struct dpvs_service s = { .proto = IPPROTO_TCP,
				  .vip = inet_addr("10.0.0.100"), .vport = 80,
				  .sched = "rr", .flags = flags,
				  .timeout = timeout, .netmask = inet_addr(mask) };
	struct wbuf b;

	wb_init(&b);
	wire_enc_svc(&b, &s);
	return fuzz_op_wb(DPVS_OP_SVC_ADD, &b);
}

static uint32_t dest_op(uint32_t op, uint32_t fwd, int32_t weight,
			uint32_t upper, uint32_t lower)
{
	struct dpvs_dest d = { .proto = IPPROTO_TCP,
			       .vip = inet_addr("10.0.0.100"), .vport = 80,
			       .addr = inet_addr("10.0.1.10"), .port = 8080,
			       .fwd = fwd, .weight = weight,
			       .u_thresh = upper, .l_thresh = lower };
	struct wbuf b;

	wb_init(&b);
	wire_enc_dest(&b, &d);
	return fuzz_op_wb(op, &b);
}

/* The one real server as the data plane holds it. */
static const struct ipvs_dest *the_dest(void)
{
	const struct ipvs_service *svc =
		ipvs_svc_lookup(IPPROTO_TCP, ntohl(inet_addr("10.0.0.100")), 80);

	assert_non_null(svc);
	assert_non_null(svc->dests);
	assert_null(svc->dests->next);
	return svc->dests;
}

/* Runs op as the dispatcher does; its status, its message in msg. */
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

static void v6(struct in6_addr *a, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static struct dpvs_service svc6(uint32_t plen)
{
	struct dpvs_service s = { .proto = IPPROTO_TCP, .af = AF_INET6,
				  .vport = 80, .sched = "rr",
				  .flags = DPVS_SVC_F_PERSISTENT,
				  .timeout = 300, .netmask = plen };

	v6(&s.vip6, "2001:db8::1");
	return s;
}

static uint32_t svc6_op(uint32_t op, uint32_t plen, char *msg)
{
	struct dpvs_service s = svc6(plen);
	struct wbuf b;

	wb_init(&b);
	wire_enc_svc(&b, &s);
	return op_msg(op, &b, msg);
}

static int reset(void **state)
{
	(void)state;
	fuzz_daemon_reset();
	return 0;
}

static void test_persistence_timeout_limit(void **state)
{
	(void)state;
	assert_int_equal(svc_add(DPVS_PERSIST_TIMEOUT_MAX + 1,
				 DPVS_SVC_F_PERSISTENT, "255.255.255.255"),
			 DPVS_EINVAL);
	assert_int_equal(svc_add(DPVS_PERSIST_TIMEOUT_MAX,
				 DPVS_SVC_F_PERSISTENT, "255.255.255.255"),
			 DPVS_OK);
}

static void test_persistence_netmask_must_be_a_prefix(void **state)
{
	(void)state;
	assert_int_equal(svc_add(300, DPVS_SVC_F_PERSISTENT, "255.0.255.0"),
			 DPVS_EINVAL);
	assert_int_equal(svc_add(300, DPVS_SVC_F_PERSISTENT, "255.255.255.0"),
			 DPVS_OK);
}

static void test_proxy_protocol_one_version(void **state)
{
	(void)state;
	assert_int_equal(svc_add(0, DPVS_SVC_F_PROXY_V1 | DPVS_SVC_F_PROXY_V2,
				 "255.255.255.255"), DPVS_EINVAL);
	assert_int_equal(svc_add(0, DPVS_SVC_F_PROXY_V2, "255.255.255.255"),
			 DPVS_OK);
}

static void test_weight_and_threshold_limits(void **state)
{
	(void)state;
	assert_int_equal(svc_add(0, 0, "0.0.0.0"), DPVS_OK);
	assert_int_equal(dest_op(DPVS_OP_DEST_ADD, DPVS_FWD_NAT,
				 (int32_t)DPVS_WEIGHT_MAX + 1, 0, 0),
			 DPVS_EINVAL);
	assert_int_equal(dest_op(DPVS_OP_DEST_ADD, DPVS_FWD_NAT, 1,
				 DPVS_THRESH_MAX + 1, 0), DPVS_EINVAL);
	/* lower above upper; with no upper, any lower is fine */
	assert_int_equal(dest_op(DPVS_OP_DEST_ADD, DPVS_FWD_NAT, 1, 10, 11),
			 DPVS_EINVAL);
	assert_int_equal(dest_op(DPVS_OP_DEST_ADD, DPVS_FWD_NAT, 1, 0, 11),
			 DPVS_OK);
	assert_int_equal(dest_op(DPVS_OP_DEST_EDIT, DPVS_FWD_NAT,
				 (int32_t)DPVS_WEIGHT_MAX, DPVS_THRESH_MAX,
				 DPVS_THRESH_MAX), DPVS_OK);
	assert_int_equal(the_dest()->weight, DPVS_WEIGHT_MAX);
	assert_int_equal(the_dest()->u_thresh, DPVS_THRESH_MAX);
}

static void test_unknown_forwarding_mode_refused(void **state)
{
	(void)state;
	assert_int_equal(svc_add(0, 0, "0.0.0.0"), DPVS_OK);
	assert_int_equal(dest_op(DPVS_OP_DEST_ADD, 0, 1, 0, 0), DPVS_EINVAL);
	assert_int_equal(dest_op(DPVS_OP_DEST_ADD, DPVS_FWD_MAX + 1, 1, 0, 0),
			 DPVS_EINVAL);
}

/* Each mode the tools name reaches the data plane as the same mode. */
static void test_every_forwarding_mode_round_trips(void **state)
{
	(void)state;
	assert_int_equal(svc_add(0, 0, "0.0.0.0"), DPVS_OK);
	assert_int_equal(dest_op(DPVS_OP_DEST_ADD, DPVS_FWD_FNAT, 1, 0, 0),
			 DPVS_OK);
	for (uint32_t id = DPVS_FWD_FNAT; id <= DPVS_FWD_MAX; id++) {
		assert_non_null(dpvs_fwd_by_id(id));
		assert_int_equal(dest_op(DPVS_OP_DEST_EDIT, id, 1, 0, 0),
				 DPVS_OK);
		assert_string_equal(ipvs_xmit[the_dest()->fwd].name,
				    dpvs_fwd_name(id));
	}
}

/* A v6 service's -M is a prefix length: 129 is refused by its number. */
static void test_v6_persistence_prefix_over_128_refused(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];

	(void)state;
	assert_int_equal(svc6_op(DPVS_OP_SVC_ADD, 129, msg), DPVS_EINVAL);
	assert_string_equal(msg, "persistence prefix 129 is not 1..128");
}

/*
 * A v6 service reaches the ipvs layer as AF_INET6: it is either taken
 * (and lists back as v6 with its prefix length) or refused in words,
 * never taken for a v4 service at 0.0.0.0.
 */
static void test_v6_service_reaches_ipvs_as_v6(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];
	struct dpvs_service want = svc6(64);
	union inet_addr vip;
	const struct ipvs_service *svc;
	uint32_t st = svc6_op(DPVS_OP_SVC_ADD, 64, msg);

	(void)state;
	assert_null(ipvs_svc_lookup(IPPROTO_TCP, 0, 80));
	if (st != DPVS_OK) {
		assert_int_equal(st, DPVS_ENOTSUP);
		assert_string_equal(msg, "service: IPv6 is not supported by "
				    "this dpvs's load balancer yet");
		return;
	}
	memcpy(&vip, &want.vip6, 16);
	svc = ipvs_svc_get(IPPROTO_TCP, AF_INET6, &vip, 80);
	assert_non_null(svc);
	assert_int_equal(svc->af, AF_INET6);
	assert_int_equal(svc->netmask, 64);
	assert_int_equal(svc6_op(DPVS_OP_SVC_DEL, 64, msg), DPVS_OK);
}

/* The ipvs layer refuses a v6 server under a v4 service: in words. */
static void test_mixed_families_message(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];
	struct dpvs_dest d = { .proto = IPPROTO_TCP,
			       .vip = inet_addr("10.0.0.100"), .vport = 80,
			       .af = AF_INET6, .port = 8080,
			       .fwd = DPVS_FWD_FNAT, .weight = 1 };
	struct wbuf b;

	(void)state;
	v6(&d.addr6, "2001:db8:2::11");
	assert_int_equal(svc_add(0, 0, "0.0.0.0"), DPVS_OK);
	wb_init(&b);
	wire_enc_dest(&b, &d);
	assert_int_equal(op_msg(DPVS_OP_DEST_ADD, &b, msg), DPVS_EINVAL);
	assert_string_equal(msg, "mixed families: only FullNAT from an IPv6 "
			    "service to IPv4 real servers (NAT64)");
	assert_null(ipvs_svc_lookup(IPPROTO_TCP, ntohl(inet_addr("10.0.0.100")),
				    80)->dests);
}

/* A v6 local address dpvs does not own is refused, named as v6. */
static void test_v6_laddr_not_ours_refused(void **state)
{
	char msg[DPVS_WIRE_MSG_MAX];
	struct dpvs_laddr l = { .proto = IPPROTO_TCP,
				.vip = inet_addr("10.0.0.100"), .vport = 80,
				.af = AF_INET6 };
	struct wbuf b;

	(void)state;
	v6(&l.addr6, "2001:db8:1::200");
	assert_int_equal(svc_add(0, 0, "0.0.0.0"), DPVS_OK);
	wb_init(&b);
	wire_enc_laddr(&b, &l);
	assert_int_equal(op_msg(DPVS_OP_LADDR_ADD, &b, msg), DPVS_EINVAL);
	assert_string_equal(msg, "2001:db8:1::200 is not an address of this "
			    "host: add it with 'dpip addr add ... sapool' "
			    "first, or name its port");
}

/* Listings fill the family: a v4 local address lists as AF_INET. */
static void test_v4_listing_names_its_family(void **state)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .addr = inet_addr("10.0.1.200"),
			       .plen = 32, .flags = DPVS_ADDR_F_SAPOOL };
	struct dpvs_laddr l = { .proto = IPPROTO_TCP,
				.vip = inet_addr("10.0.0.100"), .vport = 80,
				.addr = inet_addr("10.0.1.200") }, back;
	struct wbuf b, out;
	struct rbuf r;

	(void)state;
	assert_int_equal(svc_add(0, 0, "0.0.0.0"), DPVS_OK);
	wb_init(&b);
	wire_enc_addr(&b, &a);
	assert_int_equal(fuzz_op_wb(DPVS_OP_ADDR_ADD, &b), DPVS_OK);
	wb_init(&b);
	wire_enc_laddr(&b, &l);
	assert_int_equal(fuzz_op_wb(DPVS_OP_LADDR_ADD, &b), DPVS_OK);
	assert_int_equal(fuzz_op(DPVS_OP_LADDR_LIST, NULL, 0, &out), DPVS_OK);
	rb_init(&r, out.data, out.len);
	assert_int_equal(rb_u32(&r), 1);
	assert_int_equal(wire_dec_laddr(&r, &back), DPVS_OK);
	assert_int_equal(back.vaf, AF_INET);
	assert_int_equal(back.af, AF_INET);
	assert_int_equal(back.addr, l.addr);
	assert_int_equal(back.vip, l.vip);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&back.addr6));
	wb_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_persistence_timeout_limit, reset),
		cmocka_unit_test_teardown(test_persistence_netmask_must_be_a_prefix,
					  reset),
		cmocka_unit_test_teardown(test_proxy_protocol_one_version, reset),
		cmocka_unit_test_teardown(test_weight_and_threshold_limits, reset),
		cmocka_unit_test_teardown(test_unknown_forwarding_mode_refused,
					  reset),
		cmocka_unit_test_teardown(test_every_forwarding_mode_round_trips,
					  reset),
		cmocka_unit_test_teardown(test_v6_persistence_prefix_over_128_refused,
					  reset),
		cmocka_unit_test_teardown(test_v6_service_reaches_ipvs_as_v6,
					  reset),
		cmocka_unit_test_teardown(test_mixed_families_message, reset),
		cmocka_unit_test_teardown(test_v6_laddr_not_ours_refused, reset),
		cmocka_unit_test_teardown(test_v4_listing_names_its_family,
					  reset),
	};

	fuzz_daemon_start("ipvs_ctl", "net_null0,no-rx=1", NULL);
	return cmocka_run_group_tests_name("ipvs_ctl", tests, NULL, NULL);
}
