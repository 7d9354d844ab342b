/*
 * Unit tests for the op registry and dispatcher (ctrl_dispatch.c):
 * registering ranges, and the per-request errors that leave the
 * stream usable.
 */
#include "test_ctrl_util.h"

/* ---- registry ---- */

static void test_register_overlapping_range_refused(void **state)
{
	struct ctrl_range inside = { .module = "in", .min = 0x7010, .max = 0x7020 };
	struct ctrl_range low = { .module = "low", .min = 0x6f00, .max = 0x7000 };
	struct ctrl_range high = { .module = "high", .min = 0x70ff, .max = 0x71ff };
	struct ctrl_range next = { .module = "next", .min = 0x7100, .max = 0x71ff };

	(void)state;
	assert_int_equal(ctrl_register(&inside), -EEXIST);
	assert_int_equal(ctrl_register(&low), -EEXIST);
	assert_int_equal(ctrl_register(&high), -EEXIST);
	assert_int_equal(ctrl_register(&next), 0);
}

static void test_register_same_range_twice_refused(void **state)
{
	(void)state;
	assert_int_equal(ctrl_register(&test_range), -EEXIST);
}

static void test_register_op_outside_range_refused(void **state)
{
	static const struct ctrl_op ops[] = {
		{ 0x7201, "ok", 0, 0, h_empty },
		{ 0x7300, "stray", 0, 0, h_empty },
	};
	struct ctrl_range r = { .module = "stray", .min = 0x7200, .max = 0x72ff,
				.ops = ops, .nops = 2 };
	struct ctrl_range again = { .module = "again", .min = 0x7200,
				    .max = 0x72ff, .ops = ops, .nops = 1 };

	(void)state;
	assert_int_equal(ctrl_register(&r), -EINVAL);
	/* The refused range holds no ids: the same ids register afterwards. */
	assert_int_equal(ctrl_register(&again), 0);
}

static void test_register_duplicate_op_refused(void **state)
{
	static const struct ctrl_op ops[] = {
		{ 0x7201, "a", 0, 0, h_empty },
		{ 0x7202, "b", 0, 0, h_empty },
		{ 0x7201, "a again", 0, 0, h_empty },
	};
	struct ctrl_range r = { .module = "dup", .min = 0x7200, .max = 0x72ff,
				.ops = ops, .nops = 3 };

	(void)state;
	assert_int_equal(ctrl_register(&r), -EEXIST);
}

static void test_register_malformed_op_refused(void **state)
{
	static const struct ctrl_op no_fn[] = { { 0x7201, "nofn", 0, 0, NULL } };
	static const struct ctrl_op bad_len[] = { { 0x7201, "len", 8, 4, h_empty } };
	struct ctrl_range r1 = { .module = "m1", .min = 0x7200, .max = 0x72ff,
				 .ops = no_fn, .nops = 1 };
	struct ctrl_range r2 = { .module = "m2", .min = 0x7200, .max = 0x72ff,
				 .ops = bad_len, .nops = 1 };
	struct ctrl_range r3 = { .module = "m3", .min = 0x7300, .max = 0x7200 };

	(void)state;
	assert_int_equal(ctrl_register(&r1), -EINVAL);
	assert_int_equal(ctrl_register(&r2), -EINVAL);
	assert_int_equal(ctrl_register(&r3), -EINVAL);
	assert_int_equal(ctrl_register(NULL), -EINVAL);
}

static void test_second_range_dispatches(void **state)
{
	static const struct ctrl_op ops[] = { { 0x7280, "echo2", 0, 16, h_echo } };
	struct ctrl_range r = { .module = "two", .min = 0x7200, .max = 0x72ff,
				.ops = ops, .nops = 1 };
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	assert_int_equal(ctrl_register(&r), 0);
	wb_init(&b);
	put_req(&b, 0x7280, 5, "hey", 3);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], 0x7280, 5, DPVS_OK, 0);
	check_msg(&f[0], "hey");
}

/* ---- per-request errors: the stream stays usable ---- */

static void test_unknown_op_in_range_enotsup(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, 0x70aa, 21, NULL, 0);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], 0x70aa, 21, DPVS_ENOTSUP, 0);
	assert_true(f[0].h.len > 0);
	assert_false(sess.closing);
	assert_int_equal(st.unknown_op, 1);
	assert_int_equal(st.errors, 1);
	check_stream_usable(22);
}

static void test_unknown_op_outside_ranges_enotsup(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, 0x12345678, 30, "data", 4);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], 0x12345678, 30, DPVS_ENOTSUP, 0);
	assert_int_equal(st.unknown_op, 1);
	check_stream_usable(31);
	assert_int_equal(st.requests, 2);
}

static void test_wrong_payload_length_einval(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_FIXED, 40, "\x01\x02\x03\x04\x05", 5);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_FIXED, 40, DPVS_EINVAL, 0);
	assert_true(f[0].h.len > 0);
	assert_false(sess.closing);
	assert_int_equal(st.bad_len, 1);
	assert_int_equal(st.errors, 1);
	check_stream_usable(41);
}

static void test_short_payload_einval(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_FIXED, 42, "\x01", 1);
	put_req(&b, OP_FAIL, 43, "x", 1);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 2);
	check_frame(&f[0], OP_FIXED, 42, DPVS_EINVAL, 0);
	check_frame(&f[1], OP_FAIL, 43, DPVS_EINVAL, 0);
	assert_int_equal(st.bad_len, 2);
	check_stream_usable(44);
}

static void test_handler_error_carries_message(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_FAIL, 50, NULL, 0);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_FAIL, 50, DPVS_EEXIST, 0);
	check_msg(&f[0], "thing 42 exists");
	assert_int_equal(st.errors, 1);
	check_stream_usable(51);
}

static void test_handler_error_without_message_uses_strerror(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_BARE, 52, NULL, 0);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_BARE, 52, DPVS_EBUSY, 0);
	check_msg(&f[0], dpvs_strerror(DPVS_EBUSY));
}

/* ---- ctrl_dispatch directly ---- */

static void test_dispatch_unknown_op(void **state)
{
	struct wire_hdr h = { .op = 0x7099, .len = 0 };
	struct ctrl_reply rep = { .status = DPVS_OK };

	(void)state;
	wb_init(&rep.data);
	ctrl_dispatch(&h, (const uint8_t *)"", &rep, &st);
	assert_int_equal(rep.status, DPVS_ENOTSUP);
	assert_non_null(strstr(rep.msg, "0x7099"));
	assert_int_equal(st.unknown_op, 1);
	wb_free(&rep.data);
}

static void test_dispatch_bad_len_message_names_op(void **state)
{
	struct wire_hdr h = { .op = OP_FIXED, .len = 2 };
	struct ctrl_reply rep = { .status = DPVS_OK };

	(void)state;
	wb_init(&rep.data);
	ctrl_dispatch(&h, (const uint8_t *)"ab", &rep, &st);
	assert_int_equal(rep.status, DPVS_EINVAL);
	assert_non_null(strstr(rep.msg, "fixed"));
	assert_int_equal(rep.data.len, 0);
	assert_int_equal(st.bad_len, 1);
	wb_free(&rep.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register_overlapping_range_refused),
		T(test_register_same_range_twice_refused),
		T(test_register_op_outside_range_refused),
		T(test_register_duplicate_op_refused),
		T(test_register_malformed_op_refused),
		T(test_second_range_dispatches),
		T(test_unknown_op_in_range_enotsup),
		T(test_unknown_op_outside_ranges_enotsup),
		T(test_wrong_payload_length_einval),
		T(test_short_payload_einval),
		T(test_handler_error_carries_message),
		T(test_handler_error_without_message_uses_strerror),
		T(test_dispatch_unknown_op),
		T(test_dispatch_bad_len_message_names_op),
	};

	/* Refused registrations log at err level; keep the output readable. */
	log_set_level(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
