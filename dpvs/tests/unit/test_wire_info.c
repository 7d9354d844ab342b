/*
 * Unit tests for the wire format's daemon records (dpvs/lib/wire.c):
 * version, lcores, message bus and control-socket stats.
 */
#include "test_wire_util.h"

/* ---- payload codecs ---- */

static void test_version_round_trip(void **state)
{
	struct dpvs_version_info v = {
		.version = "dpvs 1.2.3-test",
		.wire_version = DPVS_WIRE_VERSION,
		.pid = 4242,
		.nworkers = 3,
		.nports = 2,
		.start_time = 1700000000ull,
		.uptime_ms = 0x0102030405060708ull,
	};
	struct dpvs_version_info back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x55, sizeof(back));
	wb_init(&w);
	wire_enc_version(&w, &v);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_VERSION_STR + 4 * 4 + 2 * 8);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_version(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.version, v.version);
	assert_int_equal(back.wire_version, v.wire_version);
	assert_int_equal(back.pid, v.pid);
	assert_int_equal(back.nworkers, v.nworkers);
	assert_int_equal(back.nports, v.nports);
	assert_true(back.start_time == v.start_time);
	assert_true(back.uptime_ms == v.uptime_ms);
	wb_free(&w);
}

static void test_version_full_width_string_round_trip(void **state)
{
	struct dpvs_version_info v, back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&v, 0, sizeof(v));
	memset(v.version, 'v', WIRE_VERSION_STR);
	v.version[WIRE_VERSION_STR] = '\0';
	wb_init(&w);
	wire_enc_version(&w, &v);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_version(&r, &back), DPVS_OK);
	assert_int_equal(strlen(back.version), WIRE_VERSION_STR);
	assert_string_equal(back.version, v.version);
	wb_free(&w);
}

static struct dpvs_lcore_info sample_lcore(void)
{
	struct dpvs_lcore_info l = {
		.lcore_id = 3,
		.role = DPVS_ROLE_WORKER,
		.cpu = -1,
		.nrxq = 4,
		.loops = 0x1111111122222222ull,
		.busy_loops = 2,
		.idle_sleeps = 3,
		.rx_packets = 0xffffffffffffffffull,
		.msgs_handled = 5,
	};
	return l;
}

static void test_lcore_round_trip_and_record_len(void **state)
{
	struct dpvs_lcore_info l = sample_lcore(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0, sizeof(back));
	wb_init(&w);
	wire_enc_lcore(&w, &l);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_LCORE_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_lcore(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.lcore_id, l.lcore_id);
	assert_int_equal(back.role, l.role);
	assert_int_equal(back.cpu, -1);
	assert_int_equal(back.nrxq, l.nrxq);
	assert_true(back.loops == l.loops);
	assert_true(back.busy_loops == l.busy_loops);
	assert_true(back.idle_sleeps == l.idle_sleeps);
	assert_true(back.rx_packets == l.rx_packets);
	assert_true(back.msgs_handled == l.msgs_handled);
	wb_free(&w);
}

static struct dpvs_msgbus_stats sample_msgbus(void)
{
	struct dpvs_msgbus_stats m = {
		.type = 0x0102,
		.name = "echo",
		.sent = 1,
		.received = 2,
		.replied = 3,
		.timed_out = 4,
		.dropped = 5,
		.late = 6,
		.failed = 0x8000000000000007ull,
	};
	return m;
}

static void test_msgbus_round_trip_and_record_len(void **state)
{
	struct dpvs_msgbus_stats m = sample_msgbus(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x33, sizeof(back));
	wb_init(&w);
	wire_enc_msgbus(&w, &m);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_MSGBUS_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_msgbus(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.type, m.type);
	assert_string_equal(back.name, "echo");
	assert_true(back.sent == m.sent);
	assert_true(back.received == m.received);
	assert_true(back.replied == m.replied);
	assert_true(back.timed_out == m.timed_out);
	assert_true(back.dropped == m.dropped);
	assert_true(back.late == m.late);
	assert_true(back.failed == m.failed);
	wb_free(&w);
}

static void test_ctrl_stats_round_trip(void **state)
{
	struct dpvs_ctrl_stats s, back;
	uint64_t *f = (uint64_t *)&s, *g = (uint64_t *)&back;
	size_t n = sizeof(s) / sizeof(uint64_t);
	struct wbuf w;
	struct rbuf r;

	(void)state;
	for (size_t i = 0; i < n; i++)
		f[i] = 0x0101010101010101ull * (i + 1) + i;
	memset(&back, 0, sizeof(back));
	wb_init(&w);
	wire_enc_ctrl_stats(&w, &s);
	assert_false(w.err);
	assert_int_equal(w.len, n * 8);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_ctrl_stats(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	for (size_t i = 0; i < n; i++)
		assert_true(g[i] == f[i]);
	wb_free(&w);
}

static void test_ctrl_stats_field_order_on_wire(void **state)
{
	struct dpvs_ctrl_stats s;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.accepted = 1;
	s.over_limit = 15;
	s.unknown_op = 10;
	s.loop_max_us = 18;
	wb_init(&w);
	wire_enc_ctrl_stats(&w, &s);
	rb_init(&r, w.data, w.len);
	assert_true(rb_u64(&r) == 1);             /* accepted first */
	r.off = 9 * 8;
	assert_true(rb_u64(&r) == 10);            /* unknown_op is 10th */
	r.off = 14 * 8;
	assert_true(rb_u64(&r) == 15);            /* over_limit 15th */
	r.off = w.len - 8;
	assert_true(rb_u64(&r) == 18);            /* loop_max_us last */
	wb_free(&w);
}

static void test_decoders_on_truncated_input_return_eproto(void **state)
{
	struct dpvs_version_info v = { .version = "x", .pid = 1 };
	struct dpvs_lcore_info l = sample_lcore();
	struct dpvs_msgbus_stats m = sample_msgbus();
	struct dpvs_ctrl_stats s = { .accepted = 1 };

	(void)state;
	CHECK_TRUNCATED(struct dpvs_version_info, wire_enc_version,
			wire_dec_version, &v);
	CHECK_TRUNCATED(struct dpvs_lcore_info, wire_enc_lcore, wire_dec_lcore,
			&l);
	CHECK_TRUNCATED(struct dpvs_msgbus_stats, wire_enc_msgbus,
			wire_dec_msgbus, &m);
	CHECK_TRUNCATED(struct dpvs_ctrl_stats, wire_enc_ctrl_stats,
			wire_dec_ctrl_stats, &s);
}

static void test_list_of_records_decodes_in_sequence(void **state)
{
	struct dpvs_lcore_info l = sample_lcore(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wb_u32(&w, 3);
	for (uint32_t i = 0; i < 3; i++) {
		l.lcore_id = i + 10;
		wire_enc_lcore(&w, &l);
	}
	assert_int_equal(w.len, 4 + 3 * WIRE_LCORE_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(rb_u32(&r), 3);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(wire_dec_lcore(&r, &back), DPVS_OK);
		assert_int_equal(back.lcore_id, i + 10);
	}
	assert_true(rb_done(&r));
	wb_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_round_trip),
		cmocka_unit_test(test_version_full_width_string_round_trip),
		cmocka_unit_test(test_lcore_round_trip_and_record_len),
		cmocka_unit_test(test_msgbus_round_trip_and_record_len),
		cmocka_unit_test(test_ctrl_stats_round_trip),
		cmocka_unit_test(test_ctrl_stats_field_order_on_wire),
		cmocka_unit_test(test_decoders_on_truncated_input_return_eproto),
		cmocka_unit_test(test_list_of_records_decodes_in_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
