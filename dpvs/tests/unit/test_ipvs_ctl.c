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
	};

	fuzz_daemon_start("ipvs_ctl", "net_null0,no-rx=1", NULL);
	return cmocka_run_group_tests_name("ipvs_ctl", tests, NULL, NULL);
}
