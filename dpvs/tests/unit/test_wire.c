/* Unit tests for the control-socket wire format (dpvs/lib/wire.c). */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* A request header that passes wire_req_check. */
static struct wire_hdr good_req(void)
{
	struct wire_hdr h = {
		.magic = DPVS_WIRE_MAGIC,
		.version = DPVS_WIRE_VERSION,
		.flags = 0,
		.op = 0x0100,
		.seq = 7,
		.status = 0,
		.len = 16,
	};
	return h;
}

/* A reply header to seq 7 that passes wire_reply_check. */
static struct wire_hdr good_reply(void)
{
	struct wire_hdr h = good_req();

	h.flags = DPVS_WF_REPLY;
	return h;
}

/* ---- header ---- */

static void test_hdr_layout_is_big_endian_at_documented_offsets(void **state)
{
	static const uint8_t want[DPVS_WIRE_HDR_LEN] = {
		0x44, 0x50, 0x56, 0x53, /* magic "DPVS" */
		0x01, 0x02,             /* version */
		0x03, 0x04,             /* flags */
		0x05, 0x06, 0x07, 0x08, /* op */
		0x09, 0x0a, 0x0b, 0x0c, /* seq */
		0x0d, 0x0e, 0x0f, 0x10, /* status */
		0x11, 0x12, 0x13, 0x14, /* len */
	};
	struct wire_hdr h = {
		.magic = DPVS_WIRE_MAGIC, .version = 0x0102, .flags = 0x0304,
		.op = 0x05060708, .seq = 0x090a0b0c, .status = 0x0d0e0f10,
		.len = 0x11121314,
	};
	uint8_t out[DPVS_WIRE_HDR_LEN];

	(void)state;
	memset(out, 0xee, sizeof(out));
	wire_hdr_encode(out, &h);
	assert_memory_equal(out, want, sizeof(want));
}

static void test_hdr_round_trip(void **state)
{
	struct wire_hdr h = {
		.magic = DPVS_WIRE_MAGIC, .version = 0xfffe, .flags = 0x8001,
		.op = 0xdeadbeef, .seq = 0xffffffff, .status = 12,
		.len = 0x00010000,
	};
	struct wire_hdr back;
	uint8_t buf[DPVS_WIRE_HDR_LEN];

	(void)state;
	memset(&back, 0, sizeof(back));
	wire_hdr_encode(buf, &h);
	wire_hdr_decode(buf, &back);
	assert_int_equal(back.magic, h.magic);
	assert_int_equal(back.version, h.version);
	assert_int_equal(back.flags, h.flags);
	assert_int_equal(back.op, h.op);
	assert_int_equal(back.seq, h.seq);
	assert_int_equal(back.status, h.status);
	assert_int_equal(back.len, h.len);
}

/* ---- wire_req_check ---- */

static void test_req_check_accepts_good_header(void **state)
{
	struct wire_hdr h = good_req();

	(void)state;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_OK);
}

static void test_req_check_bad_magic(void **state)
{
	struct wire_hdr h = good_req();

	(void)state;
	h.magic = 0x53565044; /* "DPVS" byte-swapped */
	assert_int_equal(wire_req_check(&h, 1024), WIRE_BAD_MAGIC);
}

static void test_req_check_bad_version(void **state)
{
	struct wire_hdr h = good_req();

	(void)state;
	h.version = DPVS_WIRE_VERSION + 1;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_BAD_VERSION);
	h.version = 0;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_BAD_VERSION);
}

static void test_req_check_nonzero_flags(void **state)
{
	struct wire_hdr h = good_req();

	(void)state;
	h.flags = DPVS_WF_REPLY;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_BAD_FLAGS);
	h.flags = 0x8000;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_BAD_FLAGS);
}

static void test_req_check_nonzero_status(void **state)
{
	struct wire_hdr h = good_req();

	(void)state;
	h.status = DPVS_EINVAL;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_BAD_FLAGS);
}

static void test_req_check_len_over_max(void **state)
{
	struct wire_hdr h = good_req();

	(void)state;
	h.len = 1025;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_TOO_BIG);
	h.len = UINT32_MAX;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_TOO_BIG);
}

static void test_req_check_len_equal_max_ok(void **state)
{
	struct wire_hdr h = good_req();

	(void)state;
	h.len = 1024;
	assert_int_equal(wire_req_check(&h, 1024), WIRE_OK);
	h.len = 0;
	assert_int_equal(wire_req_check(&h, 0), WIRE_OK);
}

/* ---- wire_reply_check ---- */

static void test_reply_check_accepts_good_reply(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_OK);
	h.flags = DPVS_WF_REPLY | DPVS_WF_MORE;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_OK);
}

static void test_reply_check_bad_magic_and_version(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	h.magic = 0;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_MAGIC);
	h = good_reply();
	h.version = DPVS_WIRE_VERSION + 1;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_VERSION);
}

static void test_reply_check_refuses_seq_mismatch(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	h.seq = 8;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_FLAGS);
	/* A different seq with an error is still someone else's reply. */
	h.status = DPVS_EINVAL;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_FLAGS);
}

static void test_reply_check_seq0_error_is_connection_level(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	h.seq = 0;
	h.status = DPVS_EPERM;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_OK);
}

static void test_reply_check_seq0_success_refused(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	h.seq = 0;
	h.status = DPVS_OK;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_FLAGS);
}

static void test_reply_check_refuses_unknown_flags(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	h.flags = DPVS_WF_REPLY | 0x0004;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_FLAGS);
}

static void test_reply_check_refuses_missing_reply_flag(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	h.flags = 0;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_FLAGS);
	h.flags = DPVS_WF_MORE;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_FLAGS);
}

static void test_reply_check_chunk_max(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	h.len = DPVS_WIRE_CHUNK_MAX;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_OK);
	h.len = DPVS_WIRE_CHUNK_MAX + 1;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_TOO_BIG);
}

static void test_verdict_str_distinct(void **state)
{
	(void)state;
	assert_string_equal(wire_verdict_str(WIRE_OK), "ok");
	for (int a = WIRE_OK; a <= WIRE_TOO_BIG; a++) {
		assert_non_null(wire_verdict_str((enum wire_verdict)a));
		for (int b = WIRE_OK; b < a; b++)
			assert_string_not_equal(wire_verdict_str((enum wire_verdict)a),
						wire_verdict_str((enum wire_verdict)b));
	}
}

/* ---- wbuf ---- */

static void test_wb_integers_big_endian(void **state)
{
	static const uint8_t want[] = {
		0xab,
		0x12, 0x34,
		0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	struct wbuf b;

	(void)state;
	wb_init(&b);
	wb_u8(&b, 0xab);
	wb_u16(&b, 0x1234);
	wb_u32(&b, 0x01020304);
	wb_u64(&b, 0x0102030405060708ull);
	assert_false(b.err);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	wb_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
}

static void test_wb_grows_past_initial_capacity(void **state)
{
	struct wbuf b;
	size_t n = 100000;

	(void)state;
	wb_init(&b);
	for (size_t i = 0; i < n; i++)
		wb_u8(&b, (uint8_t)(i * 7));
	assert_false(b.err);
	assert_int_equal(b.len, n);
	assert_true(b.cap >= n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(b.data[i], (uint8_t)(i * 7));
	wb_free(&b);
}

static void test_wb_bytes_large_block(void **state)
{
	struct wbuf b;
	size_t n = 3000;
	uint8_t *src = malloc(n);

	(void)state;
	assert_non_null(src);
	for (size_t i = 0; i < n; i++)
		src[i] = (uint8_t)(i ^ 0x5a);
	wb_init(&b);
	wb_u8(&b, 1);
	wb_bytes(&b, src, n);
	assert_false(b.err);
	assert_int_equal(b.len, n + 1);
	assert_memory_equal(b.data + 1, src, n);
	wb_free(&b);
	free(src);
}

static void test_wb_str_pads_short_string(void **state)
{
	static const uint8_t want[8] = { 'a', 'b', 'c', 0, 0, 0, 0, 0 };
	struct wbuf b;

	(void)state;
	wb_init(&b);
	wb_str(&b, "abc", 8);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, want, 8);
	wb_free(&b);
}

static void test_wb_str_truncates_long_string(void **state)
{
	struct wbuf b;

	(void)state;
	wb_init(&b);
	wb_str(&b, "abcdefghij", 4);
	wb_u8(&b, 0xff);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "abcd\xff", 5);
	wb_free(&b);
}

static void test_wb_str_null_is_all_zero(void **state)
{
	static const uint8_t zero[6];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	wb_str(&b, NULL, 6);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, zero, 6);
	wb_free(&b);
}

/* ---- rbuf ---- */

static void test_rb_reads_big_endian(void **state)
{
	static const uint8_t in[] = {
		0xab, 0x12, 0x34, 0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	struct rbuf b;

	(void)state;
	rb_init(&b, in, sizeof(in));
	assert_int_equal(rb_u8(&b), 0xab);
	assert_int_equal(rb_u16(&b), 0x1234);
	assert_int_equal(rb_u32(&b), 0x01020304);
	assert_true(rb_u64(&b) == 0x0102030405060708ull);
	assert_true(rb_done(&b));
}

static void test_rb_past_end_sets_err_and_returns_zero(void **state)
{
	static const uint8_t in[] = { 0xff, 0xff, 0xff };
	struct rbuf b;

	(void)state;
	rb_init(&b, in, sizeof(in));
	assert_int_equal(rb_u32(&b), 0);
	assert_true(b.err);
	assert_false(rb_done(&b));
	/* Once broken, even a read that would fit yields zero. */
	assert_int_equal(rb_u8(&b), 0);
	assert_int_equal(rb_u16(&b), 0);
	assert_true(rb_u64(&b) == 0);
}

static void test_rb_each_width_past_end(void **state)
{
	static const uint8_t in[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct rbuf b;

	(void)state;
	rb_init(&b, in, 0);
	assert_int_equal(rb_u8(&b), 0);
	assert_true(b.err);
	rb_init(&b, in, 1);
	assert_int_equal(rb_u16(&b), 0);
	assert_true(b.err);
	rb_init(&b, in, 7);
	assert_true(rb_u64(&b) == 0);
	assert_true(b.err);
}

static void test_rb_str_reads_and_terminates(void **state)
{
	static const uint8_t in[] = { 'x', 'y', 'z', 'w' };
	char out[5];
	struct rbuf b;

	(void)state;
	memset(out, 'Q', sizeof(out));
	rb_init(&b, in, sizeof(in));
	rb_str(&b, out, 4);
	assert_string_equal(out, "xyzw");
	assert_true(rb_done(&b));
}

static void test_rb_str_past_end_gives_empty(void **state)
{
	static const uint8_t in[] = { 'x', 'y' };
	char out[5];
	struct rbuf b;

	(void)state;
	memset(out, 'Q', sizeof(out));
	rb_init(&b, in, sizeof(in));
	rb_str(&b, out, 4);
	assert_string_equal(out, "");
	assert_true(b.err);
}

static void test_rb_done_only_when_fully_consumed(void **state)
{
	static const uint8_t in[] = { 1, 2, 3 };
	struct rbuf b;

	(void)state;
	rb_init(&b, in, sizeof(in));
	assert_false(rb_done(&b));
	assert_int_equal(rb_left(&b), 3);
	rb_u16(&b);
	assert_false(rb_done(&b));
	assert_int_equal(rb_left(&b), 1);
	rb_u8(&b);
	assert_true(rb_done(&b));
	assert_int_equal(rb_left(&b), 0);
}

static void test_rb_init_null_data_is_empty(void **state)
{
	struct rbuf b;

	(void)state;
	rb_init(&b, NULL, 100);
	assert_int_equal(rb_left(&b), 0);
	assert_true(rb_done(&b));
	assert_int_equal(rb_u8(&b), 0);
	assert_true(b.err);
}

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

/* Encodes with enc, then decodes every strict prefix with dec. */
#define CHECK_TRUNCATED(type, enc, dec, val)                                \
	do {                                                                \
		struct wbuf w_;                                             \
		wb_init(&w_);                                               \
		enc(&w_, (val));                                            \
		assert_true(w_.len > 0);                                    \
		for (size_t cut = 0; cut < w_.len; cut++) {                 \
			type out_;                                          \
			struct rbuf r_;                                     \
			rb_init(&r_, w_.data, cut);                         \
			assert_int_equal(dec(&r_, &out_), DPVS_EPROTO);     \
		}                                                           \
		wb_free(&w_);                                               \
	} while (0)

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

/* ---- network-stack records ---- */

static struct dpvs_link_info sample_link(void)
{
	struct dpvs_link_info l = {
		.name = "dpdk0",
		.kni_name = "dpdk0.kni",
		.driver = "net_af_packet",
		.port_id = 0x01020304,
		.mac = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xfe },
		.mtu = 1500,
		.flags = DPVS_LINK_UP | DPVS_LINK_KNI,
		.speed_mbps = 10000,
		.nrxq = 1,
		.ntxq = 2,
		.ipackets = 1,
		.opackets = 2,
		.ibytes = 3,
		.obytes = 4,
		.imissed = 5,
		.ierrors = 6,
		.oerrors = 7,
		.rx_nombuf = 8,
		.kni_to_kernel = 9,
		.kni_from_kernel = 10,
		.kni_dropped = 0xfffffffffffffff1ull,
	};
	return l;
}

static void test_link_round_trip_and_record_len(void **state)
{
	struct dpvs_link_info l = sample_link(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x77, sizeof(back));
	wb_init(&w);
	wire_enc_link(&w, &l);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_LINK_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_link(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.name, "dpdk0");
	assert_string_equal(back.kni_name, "dpdk0.kni");
	assert_string_equal(back.driver, "net_af_packet");
	assert_int_equal(back.port_id, l.port_id);
	assert_memory_equal(back.mac, l.mac, 6);
	assert_int_equal(back.mtu, l.mtu);
	assert_int_equal(back.flags, l.flags);
	assert_int_equal(back.speed_mbps, l.speed_mbps);
	assert_int_equal(back.nrxq, l.nrxq);
	assert_int_equal(back.ntxq, l.ntxq);
	assert_true(back.ipackets == l.ipackets);
	assert_true(back.opackets == l.opackets);
	assert_true(back.ibytes == l.ibytes);
	assert_true(back.obytes == l.obytes);
	assert_true(back.imissed == l.imissed);
	assert_true(back.ierrors == l.ierrors);
	assert_true(back.oerrors == l.oerrors);
	assert_true(back.rx_nombuf == l.rx_nombuf);
	assert_true(back.kni_to_kernel == l.kni_to_kernel);
	assert_true(back.kni_from_kernel == l.kni_from_kernel);
	assert_true(back.kni_dropped == l.kni_dropped);
	wb_free(&w);
}

static void test_link_field_offsets_on_wire(void **state)
{
	static const uint8_t mac_pad[8] = { 0x02, 0xaa, 0xbb, 0xcc,
					    0xdd, 0xfe, 0, 0 };
	struct dpvs_link_info l = sample_link();
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_link(&w, &l);
	assert_memory_equal(w.data, "dpdk0\0\0\0", 8);
	assert_memory_equal(w.data + 32, "dpdk0.kni\0", 10);
	assert_memory_equal(w.data + 64, "net_af_packet\0", 14);
	rb_init(&r, w.data, w.len);
	r.off = 96;
	assert_int_equal(rb_u32(&r), 0x01020304);      /* port */
	assert_memory_equal(w.data + 100, mac_pad, 8); /* mac + 2 pad */
	r.off = 108;
	assert_int_equal(rb_u32(&r), 1500);            /* mtu */
	r.off = 124;
	assert_int_equal(rb_u32(&r), 2);               /* ntxq */
	assert_true(rb_u64(&r) == 1);                  /* ipackets first */
	r.off = w.len - 8;
	assert_true(rb_u64(&r) == l.kni_dropped);      /* kni_dropped last */
	wb_free(&w);
}

static void test_link_full_width_strings_round_trip(void **state)
{
	struct dpvs_link_info l = sample_link(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(l.name, 'n', DPVS_IFNAME_MAX);
	l.name[DPVS_IFNAME_MAX] = '\0';
	memset(l.kni_name, 'k', DPVS_IFNAME_MAX);
	l.kni_name[DPVS_IFNAME_MAX] = '\0';
	memset(l.driver, 'd', DPVS_IFNAME_MAX);
	l.driver[DPVS_IFNAME_MAX] = '\0';
	wb_init(&w);
	wire_enc_link(&w, &l);
	assert_int_equal(w.len, WIRE_LINK_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_link(&r, &back), DPVS_OK);
	assert_string_equal(back.name, l.name);
	assert_string_equal(back.kni_name, l.kni_name);
	assert_string_equal(back.driver, l.driver);
	wb_free(&w);
}

static void test_counter_round_trip_and_record_len(void **state)
{
	struct dpvs_counter c = { .name = "kni_up_limited",
				  .value = 0x8000000000000001ull };
	struct dpvs_counter back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x11, sizeof(back));
	wb_init(&w);
	wire_enc_counter(&w, &c);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_COUNTER_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_counter(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.name, "kni_up_limited");
	assert_true(back.value == c.value);
	wb_free(&w);
}

/* a.b.c.d in network order, whatever the host order. */
static uint32_t ip_net(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t bytes[4] = { a, b, c, d };
	uint32_t v;

	memcpy(&v, bytes, 4);
	return v;
}

static struct dpvs_addr sample_addr(void)
{
	struct dpvs_addr a = {
		.ifname = "dpdk0",
		.addr = ip_net(10, 1, 2, 3),
		.plen = 24,
		.flags = DPVS_ADDR_F_SAPOOL,
	};
	return a;
}

static void test_addr_round_trip_and_record_len(void **state)
{
	struct dpvs_addr a = sample_addr(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x22, sizeof(back));
	wb_init(&w);
	wire_enc_addr(&w, &a);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_ADDR_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_addr(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.ifname, "dpdk0");
	assert_int_equal(back.addr, a.addr);
	assert_int_equal(back.plen, 24);
	assert_int_equal(back.flags, DPVS_ADDR_F_SAPOOL);
	wb_free(&w);
}

static void test_addr_bytes_on_wire_in_network_order(void **state)
{
	static const uint8_t want[12] = {
		10, 1, 2, 3,                 /* addr, network order */
		24, 0, 0, 0,                 /* plen + 3 pad */
		0, 0, 0, DPVS_ADDR_F_SAPOOL, /* flags */
	};
	struct dpvs_addr a = sample_addr();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_addr(&w, &a);
	assert_memory_equal(w.data, "dpdk0\0", 6);
	assert_memory_equal(w.data + 32, want, sizeof(want));
	wb_free(&w);
}

static struct dpvs_route sample_route(void)
{
	struct dpvs_route rt = {
		.ifname = "dpdk1",
		.prefix = ip_net(192, 168, 0, 0),
		.plen = 16,
		.type = DPVS_RT_GATEWAY,
		.gw = ip_net(10, 0, 0, 254),
		.src = ip_net(10, 0, 0, 1),
	};
	return rt;
}

static void test_route_round_trip_and_record_len(void **state)
{
	struct dpvs_route rt = sample_route(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x44, sizeof(back));
	wb_init(&w);
	wire_enc_route(&w, &rt);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_ROUTE_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_route(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.ifname, "dpdk1");
	assert_int_equal(back.prefix, rt.prefix);
	assert_int_equal(back.plen, 16);
	assert_int_equal(back.type, DPVS_RT_GATEWAY);
	assert_int_equal(back.gw, rt.gw);
	assert_int_equal(back.src, rt.src);
	wb_free(&w);
}

static void test_route_bytes_on_wire(void **state)
{
	static const uint8_t want[20] = {
		192, 168, 0, 0,          /* prefix */
		16, 0, 0, 0,             /* plen + 3 pad */
		0, 0, 0, DPVS_RT_GATEWAY,/* type */
		10, 0, 0, 254,           /* gw */
		10, 0, 0, 1,             /* src */
	};
	struct dpvs_route rt = sample_route();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_route(&w, &rt);
	assert_memory_equal(w.data, "dpdk1\0", 6);
	assert_memory_equal(w.data + 32, want, sizeof(want));
	wb_free(&w);
}

static struct dpvs_neigh sample_neigh(void)
{
	struct dpvs_neigh nb = {
		.ifname = "dpdk0",
		.ip = ip_net(10, 0, 0, 2),
		.mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
		.state = DPVS_NEIGH_STALE,
		.age_s = 0xfffffffe,
	};
	return nb;
}

static void test_neigh_round_trip_and_record_len(void **state)
{
	struct dpvs_neigh nb = sample_neigh(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x66, sizeof(back));
	wb_init(&w);
	wire_enc_neigh(&w, &nb);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_NEIGH_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_neigh(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.ifname, "dpdk0");
	assert_int_equal(back.ip, nb.ip);
	assert_memory_equal(back.mac, nb.mac, 6);
	assert_int_equal(back.state, DPVS_NEIGH_STALE);
	assert_int_equal(back.age_s, 0xfffffffe);
	wb_free(&w);
}

static void test_neigh_bytes_on_wire(void **state)
{
	static const uint8_t want[20] = {
		10, 0, 0, 2,                   /* ip */
		0x02, 0, 0, 0, 0, 0x02, 0, 0,  /* mac + 2 pad */
		0, 0, 0, DPVS_NEIGH_STALE,     /* state */
		0xff, 0xff, 0xff, 0xfe,        /* age_s */
	};
	struct dpvs_neigh nb = sample_neigh();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_neigh(&w, &nb);
	assert_memory_equal(w.data + 32, want, sizeof(want));
	wb_free(&w);
}

static void test_net_decoders_on_truncated_input_return_eproto(void **state)
{
	struct dpvs_link_info l = sample_link();
	struct dpvs_counter c = { .name = "rx_packets", .value = 1 };
	struct dpvs_addr a = sample_addr();
	struct dpvs_route rt = sample_route();
	struct dpvs_neigh nb = sample_neigh();

	(void)state;
	CHECK_TRUNCATED(struct dpvs_link_info, wire_enc_link, wire_dec_link,
			&l);
	CHECK_TRUNCATED(struct dpvs_counter, wire_enc_counter,
			wire_dec_counter, &c);
	CHECK_TRUNCATED(struct dpvs_addr, wire_enc_addr, wire_dec_addr, &a);
	CHECK_TRUNCATED(struct dpvs_route, wire_enc_route, wire_dec_route,
			&rt);
	CHECK_TRUNCATED(struct dpvs_neigh, wire_enc_neigh, wire_dec_neigh,
			&nb);
}

static void test_list_of_routes_decodes_in_sequence(void **state)
{
	struct dpvs_route rt = sample_route(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wb_u32(&w, 4);
	for (uint8_t i = 0; i < 4; i++) {
		rt.plen = (uint8_t)(i * 8);
		wire_enc_route(&w, &rt);
	}
	assert_int_equal(w.len, 4 + 4 * WIRE_ROUTE_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(rb_u32(&r), 4);
	for (uint8_t i = 0; i < 4; i++) {
		assert_int_equal(wire_dec_route(&r, &back), DPVS_OK);
		assert_int_equal(back.plen, i * 8);
		assert_int_equal(back.gw, rt.gw);
	}
	assert_true(rb_done(&r));
	wb_free(&w);
}

/* ---- load-balancing records ---- */

/* Distinct counters, so that a swap of two fields shows. */
static struct dpvs_stats sample_stats(uint64_t base)
{
	struct dpvs_stats s = {
		.conns = base + 1,
		.inpkts = base + 2,
		.outpkts = base + 3,
		.inbytes = base + 4,
		.outbytes = base + 5,
		.cps = base + 6,
		.inpps = base + 7,
		.outpps = base + 8,
		.inbps = base + 9,
		.outbps = base + 0xff00000000000010ull,
	};
	return s;
}

static void assert_stats_equal(const struct dpvs_stats *a,
			       const struct dpvs_stats *b)
{
	assert_true(a->conns == b->conns);
	assert_true(a->inpkts == b->inpkts);
	assert_true(a->outpkts == b->outpkts);
	assert_true(a->inbytes == b->inbytes);
	assert_true(a->outbytes == b->outbytes);
	assert_true(a->cps == b->cps);
	assert_true(a->inpps == b->inpps);
	assert_true(a->outpps == b->outpps);
	assert_true(a->inbps == b->inbps);
	assert_true(a->outbps == b->outbps);
}

/* The 12-byte key: proto + 3 pad, vip, vport + 2 pad. */
static void assert_key_on_wire(const uint8_t *p, uint8_t proto,
			       const uint8_t vip[4], uint16_t vport)
{
	const uint8_t want[WIRE_SVC_KEY_LEN] = {
		proto, 0, 0, 0,
		vip[0], vip[1], vip[2], vip[3],
		(uint8_t)(vport >> 8), (uint8_t)vport, 0, 0,
	};

	assert_memory_equal(p, want, sizeof(want));
}

/* The 80-byte stats block at p holds s, big-endian, in struct order. */
static void assert_stats_on_wire(const uint8_t *p, const struct dpvs_stats *s)
{
	const uint64_t f[10] = { s->conns, s->inpkts, s->outpkts, s->inbytes,
				 s->outbytes, s->cps, s->inpps, s->outpps,
				 s->inbps, s->outbps };
	struct rbuf r;

	rb_init(&r, p, 80);
	for (int i = 0; i < 10; i++)
		assert_true(rb_u64(&r) == f[i]);
	assert_true(rb_done(&r));
}

static const uint8_t vip_bytes[4] = { 10, 0, 0, 100 };

static struct dpvs_service sample_svc(void)
{
	struct dpvs_service s = {
		.proto = IPPROTO_TCP,
		.vip = ip_net(10, 0, 0, 100),
		.vport = 0x1f90, /* 8080 */
		.sched = "wrr",
		.flags = DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_SCHED_PORT,
		.timeout = 0x01020304,
		.netmask = ip_net(255, 255, 255, 0),
		.ndests = 0xfffffffe,
		.stats = sample_stats(0x1000),
	};
	return s;
}

static void test_svc_round_trip_and_record_len(void **state)
{
	struct dpvs_service s = sample_svc(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x5a, sizeof(back));
	wb_init(&w);
	wire_enc_svc(&w, &s);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_SVC_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.proto, IPPROTO_TCP);
	assert_int_equal(back.vip, s.vip);
	assert_int_equal(back.vport, 8080);
	assert_string_equal(back.sched, "wrr");
	assert_int_equal(back.flags, s.flags);
	assert_int_equal(back.timeout, s.timeout);
	assert_int_equal(back.netmask, s.netmask);
	assert_int_equal(back.ndests, s.ndests);
	assert_stats_equal(&back.stats, &s.stats);
	wb_free(&w);
}

static void test_svc_bytes_on_wire(void **state)
{
	static const uint8_t sched[16] = { 'w', 'r', 'r' };
	static const uint8_t rest[16] = {
		0, 0, 0, DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_SCHED_PORT,
		0x01, 0x02, 0x03, 0x04, /* timeout */
		255, 255, 255, 0,       /* netmask, network order */
		0xff, 0xff, 0xff, 0xfe, /* ndests */
	};
	struct dpvs_service s = sample_svc();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_svc(&w, &s);
	assert_key_on_wire(w.data, IPPROTO_TCP, vip_bytes, 8080);
	assert_memory_equal(w.data + 12, sched, sizeof(sched));
	assert_memory_equal(w.data + 28, rest, sizeof(rest));
	assert_stats_on_wire(w.data + 44, &s.stats);
	wb_free(&w);
}

static void test_svc_full_width_sched_round_trip(void **state)
{
	struct dpvs_service s = sample_svc(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(s.sched, 's', DPVS_SCHED_NAME_MAX);
	s.sched[DPVS_SCHED_NAME_MAX] = '\0';
	wb_init(&w);
	wire_enc_svc(&w, &s);
	assert_int_equal(w.len, WIRE_SVC_REC_LEN);
	/* the 16th byte of the field stays NUL */
	assert_int_equal(w.data[12 + DPVS_SCHED_NAME_MAX], 0);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.sched, s.sched);
	wb_free(&w);
}

/* A sched field with no NUL never overflows the 16-byte struct field. */
static void test_svc_unterminated_sched_stays_in_bounds(void **state)
{
	struct dpvs_service s = sample_svc(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_svc(&w, &s);
	memset(w.data + 12, 'x', 16);
	rb_init(&r, w.data, w.len);
	(void)wire_dec_svc(&r, &back);
	assert_true(strlen(back.sched) <= DPVS_SCHED_NAME_MAX);
	assert_int_equal(back.flags, s.flags); /* later fields still line up */
	assert_int_equal(back.ndests, s.ndests);
	wb_free(&w);
}

static struct dpvs_dest sample_dest(void)
{
	struct dpvs_dest d = {
		.proto = IPPROTO_UDP,
		.vip = ip_net(10, 0, 0, 100),
		.vport = 53,
		.addr = ip_net(192, 168, 1, 12),
		.port = 0xfffe,
		.fwd = DPVS_FWD_TUN,
		.weight = 0x7ffffffe,
		.u_thresh = 1000,
		.l_thresh = 500,
		.activeconns = 0x11111111,
		.inactconns = 0x22222222,
		.persistconns = 0x33333333,
		.stats = sample_stats(0x2000),
	};
	return d;
}

static void test_dest_round_trip_and_record_len(void **state)
{
	struct dpvs_dest d = sample_dest(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x5a, sizeof(back));
	wb_init(&w);
	wire_enc_dest(&w, &d);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_DEST_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_dest(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.proto, IPPROTO_UDP);
	assert_int_equal(back.vip, d.vip);
	assert_int_equal(back.vport, 53);
	assert_int_equal(back.addr, d.addr);
	assert_int_equal(back.port, 0xfffe);
	assert_int_equal(back.fwd, DPVS_FWD_TUN);
	assert_int_equal(back.weight, d.weight);
	assert_int_equal(back.u_thresh, 1000);
	assert_int_equal(back.l_thresh, 500);
	assert_int_equal(back.activeconns, d.activeconns);
	assert_int_equal(back.inactconns, d.inactconns);
	assert_int_equal(back.persistconns, d.persistconns);
	assert_stats_equal(&back.stats, &d.stats);
	wb_free(&w);
}

static void test_dest_bytes_on_wire(void **state)
{
	static const uint8_t want[36] = {
		192, 168, 1, 12,          /* addr, network order */
		0xff, 0xfe, 0, 0,         /* port + 2 pad */
		0, 0, 0, DPVS_FWD_TUN,    /* fwd */
		0x7f, 0xff, 0xff, 0xfe,   /* weight */
		0, 0, 0x03, 0xe8,         /* u_thresh 1000 */
		0, 0, 0x01, 0xf4,         /* l_thresh 500 */
		0x11, 0x11, 0x11, 0x11,   /* activeconns */
		0x22, 0x22, 0x22, 0x22,   /* inactconns */
		0x33, 0x33, 0x33, 0x33,   /* persistconns */
	};
	struct dpvs_dest d = sample_dest();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_dest(&w, &d);
	assert_key_on_wire(w.data, IPPROTO_UDP, vip_bytes, 53);
	assert_memory_equal(w.data + 12, want, sizeof(want));
	assert_stats_on_wire(w.data + 48, &d.stats);
	wb_free(&w);
}

static void test_dest_negative_weight_keeps_its_sign(void **state)
{
	struct dpvs_dest d = sample_dest(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	d.weight = -1;
	wb_init(&w);
	wire_enc_dest(&w, &d);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_dest(&r, &back), DPVS_OK);
	assert_int_equal(back.weight, -1);
	wb_free(&w);
}

static struct dpvs_laddr sample_laddr(void)
{
	struct dpvs_laddr l = {
		.proto = IPPROTO_TCP,
		.vip = ip_net(10, 0, 0, 100),
		.vport = 80,
		.addr = ip_net(10, 0, 1, 100),
		.ifname = "dpdk1",
		.conns = 0x0102030405060708ull,
		.ports_free = 64000,
		.ports_total = 64512,
	};
	return l;
}

static void test_laddr_round_trip_and_record_len(void **state)
{
	struct dpvs_laddr l = sample_laddr(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x5a, sizeof(back));
	wb_init(&w);
	wire_enc_laddr(&w, &l);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_LADDR_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_laddr(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.proto, IPPROTO_TCP);
	assert_int_equal(back.vip, l.vip);
	assert_int_equal(back.vport, 80);
	assert_int_equal(back.addr, l.addr);
	assert_string_equal(back.ifname, "dpdk1");
	assert_true(back.conns == l.conns);
	assert_int_equal(back.ports_free, 64000);
	assert_int_equal(back.ports_total, 64512);
	wb_free(&w);
}

static void test_laddr_bytes_on_wire(void **state)
{
	static const uint8_t lip[4] = { 10, 0, 1, 100 };
	static const uint8_t conns[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct dpvs_laddr l = sample_laddr();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_laddr(&w, &l);
	assert_key_on_wire(w.data, IPPROTO_TCP, vip_bytes, 80);
	assert_memory_equal(w.data + 12, lip, 4);
	assert_memory_equal(w.data + 16, "dpdk1\0\0\0", 8);
	assert_memory_equal(w.data + 48, conns, 8);
	wb_free(&w);
}

static void test_laddr_full_width_ifname_round_trip(void **state)
{
	struct dpvs_laddr l = sample_laddr(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(l.ifname, 'i', DPVS_IFNAME_MAX);
	l.ifname[DPVS_IFNAME_MAX] = '\0';
	wb_init(&w);
	wire_enc_laddr(&w, &l);
	assert_int_equal(w.len, WIRE_LADDR_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_laddr(&r, &back), DPVS_OK);
	assert_string_equal(back.ifname, l.ifname);
	assert_true(back.conns == l.conns);
	wb_free(&w);
}

static struct dpvs_conn sample_conn(void)
{
	struct dpvs_conn c = {
		.proto = IPPROTO_TCP,
		.caddr = ip_net(10, 0, 0, 2),
		.vaddr = ip_net(10, 0, 0, 100),
		.laddr = ip_net(10, 0, 1, 100),
		.daddr = ip_net(10, 0, 1, 11),
		.cport = 0xc001,
		.vport = 80,
		.lport = 1025,
		.dport = 8080,
		.fwd = DPVS_FWD_FNAT,
		.state = 3,
		.state_name = "ESTABLISHED",
		.expire_s = 899,
		.lcore = 4,
	};
	return c;
}

static void test_conn_round_trip_and_record_len(void **state)
{
	struct dpvs_conn c = sample_conn(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x5a, sizeof(back));
	wb_init(&w);
	wire_enc_conn(&w, &c);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_CONN_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_conn(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.proto, IPPROTO_TCP);
	assert_int_equal(back.caddr, c.caddr);
	assert_int_equal(back.vaddr, c.vaddr);
	assert_int_equal(back.laddr, c.laddr);
	assert_int_equal(back.daddr, c.daddr);
	assert_int_equal(back.cport, 0xc001);
	assert_int_equal(back.vport, 80);
	assert_int_equal(back.lport, 1025);
	assert_int_equal(back.dport, 8080);
	assert_int_equal(back.fwd, DPVS_FWD_FNAT);
	assert_int_equal(back.state, 3);
	assert_string_equal(back.state_name, "ESTABLISHED");
	assert_int_equal(back.expire_s, 899);
	assert_int_equal(back.lcore, 4);
	wb_free(&w);
}

static void test_conn_bytes_on_wire(void **state)
{
	static const uint8_t want[36] = {
		IPPROTO_TCP, 0, 0, 0,   /* proto + 3 pad */
		10, 0, 0, 2,            /* caddr */
		10, 0, 0, 100,          /* vaddr */
		10, 0, 1, 100,          /* laddr */
		10, 0, 1, 11,           /* daddr */
		0xc0, 0x01, 0, 80,      /* cport, vport: packed, no pad */
		0x04, 0x01, 0x1f, 0x90, /* lport 1025, dport 8080 */
		0, 0, 0, DPVS_FWD_FNAT, /* fwd */
		0, 0, 0, 3,             /* state */
	};
	static const uint8_t tail[8] = { 0, 0, 0x03, 0x83, 0, 0, 0, 4 };
	struct dpvs_conn c = sample_conn();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_conn(&w, &c);
	assert_memory_equal(w.data, want, sizeof(want));
	assert_memory_equal(w.data + 36, "ESTABLISHED\0\0\0\0\0", 16);
	assert_memory_equal(w.data + 52, tail, sizeof(tail));
	wb_free(&w);
}

static void test_conn_longest_state_name_round_trip(void **state)
{
	struct dpvs_conn c = sample_conn(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(c.state_name, 'S', sizeof(c.state_name) - 1);
	c.state_name[sizeof(c.state_name) - 1] = '\0';
	wb_init(&w);
	wire_enc_conn(&w, &c);
	assert_int_equal(w.len, WIRE_CONN_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_conn(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.state_name, c.state_name);
	assert_int_equal(back.lcore, 4);
	wb_free(&w);
}

static void test_timeouts_round_trip_and_bytes(void **state)
{
	static const uint8_t want[WIRE_TIMEOUTS_REC_LEN] = {
		0, 0, 0x03, 0x84, /* tcp 900 */
		0, 0, 0, 120,     /* tcp_fin */
		0xff, 0xff, 0xff, 0xff,
	};
	struct dpvs_timeouts t = { .tcp = 900, .tcp_fin = 120,
				   .udp = 0xffffffff };
	struct dpvs_timeouts back = { 0, 0, 0 };
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_timeouts(&w, &t);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_TIMEOUTS_REC_LEN);
	assert_memory_equal(w.data, want, sizeof(want));
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_timeouts(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.tcp, 900);
	assert_int_equal(back.tcp_fin, 120);
	assert_int_equal(back.udp, 0xffffffff);
	wb_free(&w);
}

static void test_lb_decoders_on_truncated_input_return_eproto(void **state)
{
	struct dpvs_service s = sample_svc();
	struct dpvs_dest d = sample_dest();
	struct dpvs_laddr l = sample_laddr();
	struct dpvs_conn c = sample_conn();
	struct dpvs_timeouts t = { .tcp = 1, .tcp_fin = 2, .udp = 3 };

	(void)state;
	CHECK_TRUNCATED(struct dpvs_service, wire_enc_svc, wire_dec_svc, &s);
	CHECK_TRUNCATED(struct dpvs_dest, wire_enc_dest, wire_dec_dest, &d);
	CHECK_TRUNCATED(struct dpvs_laddr, wire_enc_laddr, wire_dec_laddr, &l);
	CHECK_TRUNCATED(struct dpvs_conn, wire_enc_conn, wire_dec_conn, &c);
	CHECK_TRUNCATED(struct dpvs_timeouts, wire_enc_timeouts,
			wire_dec_timeouts, &t);
}

/* A dest list: u32 count, then records that decode one after another. */
static void test_list_of_dests_decodes_in_sequence(void **state)
{
	struct dpvs_dest d = sample_dest(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wb_u32(&w, 5);
	for (uint16_t i = 0; i < 5; i++) {
		d.port = (uint16_t)(8000 + i);
		d.weight = i;
		wire_enc_dest(&w, &d);
	}
	assert_int_equal(w.len, 4 + 5 * WIRE_DEST_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(rb_u32(&r), 5);
	for (uint16_t i = 0; i < 5; i++) {
		assert_int_equal(wire_dec_dest(&r, &back), DPVS_OK);
		assert_int_equal(back.port, 8000 + i);
		assert_int_equal(back.weight, i);
		assert_true(back.stats.outbps == d.stats.outbps);
	}
	assert_true(rb_done(&r));
	wb_free(&w);
}

/* ---- dpvs_strerror ---- */

static void test_strerror_every_code(void **state)
{
	static const struct {
		int code;
		const char *text;
	} want[] = {
		{ DPVS_OK, "success" },
		{ DPVS_EINVAL, "invalid argument" },
		{ DPVS_ENOMEM, "out of memory" },
		{ DPVS_ENOTSUP, "operation not supported" },
		{ DPVS_EVERSION, "wire version mismatch" },
		{ DPVS_ETOOBIG, "message too big" },
		{ DPVS_EPERM, "permission denied" },
		{ DPVS_ETIMEDOUT, "timed out" },
		{ DPVS_EEXIST, "already exists" },
		{ DPVS_ENOENT, "not found" },
		{ DPVS_EBUSY, "busy" },
		{ DPVS_EIO, "I/O error talking to dpvs" },
		{ DPVS_EPROTO, "protocol error" },
		{ DPVS_ECONFIG, "configuration rejected" },
	};

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), DPVS_STATUS_MAX);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(dpvs_strerror(want[i].code), want[i].text);
}

static void test_strerror_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(dpvs_strerror(-1), "unknown error");
	assert_string_equal(dpvs_strerror(DPVS_STATUS_MAX), "unknown error");
	assert_string_equal(dpvs_strerror(1000000), "unknown error");
	assert_string_equal(dpvs_strerror(INT32_MIN), "unknown error");
}

/* ---- worker stats ---- */

static const char *const wnames[3] = { "rx_packets", "tx_packets",
				       "ipvs_conn_new" };

static void enc_wstats(struct wbuf *w, uint32_t nw)
{
	uint64_t vals[3];

	wire_enc_wstats_head(w, 131072, 77, 3, wnames);
	wb_u32(w, nw);
	for (uint32_t i = 0; i < nw; i++) {
		struct dpvs_worker_stats row = {
			.lcore_id = i + 1, .index = i, .conns = 10 + i,
			.conns_max = 5000,
			.msgs_handled = 100 + i, .counters = vals,
		};

		vals[0] = 1000 * (i + 1);
		vals[1] = 2000 * (i + 1);
		vals[2] = 3 + i;
		wire_enc_wstats_row(w, &row, 3);
	}
}

static void test_wstats_round_trip(void **state)
{
	struct dpvs_worker_stats_set *s;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	enc_wstats(&w, 2);
	assert_false(w.err);
	assert_int_equal(w.len, 12 + 3 * WIRE_COUNTER_STR + 4 +
			 2 * (WIRE_WSTATS_ROW_LEN + 24));
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_wstats(&r, &s), DPVS_OK);
	assert_int_equal(s->conn_pool_size, 131072);
	assert_int_equal(s->conn_pool_in_use, 77);
	assert_int_equal(s->ncounters, 3);
	assert_string_equal(s->names[2], "ipvs_conn_new");
	assert_int_equal(s->nworkers, 2);
	assert_int_equal(s->workers[1].lcore_id, 2);
	assert_int_equal(s->workers[1].index, 1);
	assert_int_equal(s->workers[1].conns, 11);
	assert_int_equal(s->workers[1].conns_max, 5000);
	assert_int_equal(s->workers[1].msgs_handled, 101);
	assert_int_equal(s->workers[0].counters[0], 1000);
	assert_int_equal(s->workers[1].counters[1], 4000);
	assert_int_equal(dpvs_worker_counter(s, &s->workers[1], "ipvs_conn_new"), 4);
	assert_int_equal(dpvs_worker_counter(s, &s->workers[1], "no_such"), 0);
	assert_true(((uintptr_t)s->workers & 7) == 0);
	free(s);
	wb_free(&w);
}

static void test_wstats_refuses_bad_lengths(void **state)
{
	struct dpvs_worker_stats_set *s = (void *)1;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	enc_wstats(&w, 2);
	/* One byte short, one byte long, and every truncation. */
	for (size_t len = 0; len < w.len; len++) {
		rb_init(&r, w.data, len);
		assert_int_equal(wire_dec_wstats(&r, &s), DPVS_EPROTO);
		assert_null(s);
	}
	wb_u8(&w, 0);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_wstats(&r, &s), DPVS_EPROTO);
	wb_free(&w);
	/* A counter count beyond the limit is refused before allocating. */
	wb_init(&w);
	wb_u32(&w, 1);
	wb_u32(&w, 1);
	wb_u32(&w, WIRE_WSTATS_MAX_COUNTERS + 1);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_wstats(&r, &s), DPVS_EPROTO);
	wb_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_layout_is_big_endian_at_documented_offsets),
		cmocka_unit_test(test_hdr_round_trip),
		cmocka_unit_test(test_wstats_round_trip),
		cmocka_unit_test(test_wstats_refuses_bad_lengths),
		cmocka_unit_test(test_req_check_accepts_good_header),
		cmocka_unit_test(test_req_check_bad_magic),
		cmocka_unit_test(test_req_check_bad_version),
		cmocka_unit_test(test_req_check_nonzero_flags),
		cmocka_unit_test(test_req_check_nonzero_status),
		cmocka_unit_test(test_req_check_len_over_max),
		cmocka_unit_test(test_req_check_len_equal_max_ok),
		cmocka_unit_test(test_reply_check_accepts_good_reply),
		cmocka_unit_test(test_reply_check_bad_magic_and_version),
		cmocka_unit_test(test_reply_check_refuses_seq_mismatch),
		cmocka_unit_test(test_reply_check_seq0_error_is_connection_level),
		cmocka_unit_test(test_reply_check_seq0_success_refused),
		cmocka_unit_test(test_reply_check_refuses_unknown_flags),
		cmocka_unit_test(test_reply_check_refuses_missing_reply_flag),
		cmocka_unit_test(test_reply_check_chunk_max),
		cmocka_unit_test(test_verdict_str_distinct),
		cmocka_unit_test(test_wb_integers_big_endian),
		cmocka_unit_test(test_wb_grows_past_initial_capacity),
		cmocka_unit_test(test_wb_bytes_large_block),
		cmocka_unit_test(test_wb_str_pads_short_string),
		cmocka_unit_test(test_wb_str_truncates_long_string),
		cmocka_unit_test(test_wb_str_null_is_all_zero),
		cmocka_unit_test(test_rb_reads_big_endian),
		cmocka_unit_test(test_rb_past_end_sets_err_and_returns_zero),
		cmocka_unit_test(test_rb_each_width_past_end),
		cmocka_unit_test(test_rb_str_reads_and_terminates),
		cmocka_unit_test(test_rb_str_past_end_gives_empty),
		cmocka_unit_test(test_rb_done_only_when_fully_consumed),
		cmocka_unit_test(test_rb_init_null_data_is_empty),
		cmocka_unit_test(test_version_round_trip),
		cmocka_unit_test(test_version_full_width_string_round_trip),
		cmocka_unit_test(test_lcore_round_trip_and_record_len),
		cmocka_unit_test(test_msgbus_round_trip_and_record_len),
		cmocka_unit_test(test_ctrl_stats_round_trip),
		cmocka_unit_test(test_ctrl_stats_field_order_on_wire),
		cmocka_unit_test(test_decoders_on_truncated_input_return_eproto),
		cmocka_unit_test(test_list_of_records_decodes_in_sequence),
		cmocka_unit_test(test_link_round_trip_and_record_len),
		cmocka_unit_test(test_link_field_offsets_on_wire),
		cmocka_unit_test(test_link_full_width_strings_round_trip),
		cmocka_unit_test(test_counter_round_trip_and_record_len),
		cmocka_unit_test(test_addr_round_trip_and_record_len),
		cmocka_unit_test(test_addr_bytes_on_wire_in_network_order),
		cmocka_unit_test(test_route_round_trip_and_record_len),
		cmocka_unit_test(test_route_bytes_on_wire),
		cmocka_unit_test(test_neigh_round_trip_and_record_len),
		cmocka_unit_test(test_neigh_bytes_on_wire),
		cmocka_unit_test(test_net_decoders_on_truncated_input_return_eproto),
		cmocka_unit_test(test_list_of_routes_decodes_in_sequence),
		cmocka_unit_test(test_svc_round_trip_and_record_len),
		cmocka_unit_test(test_svc_bytes_on_wire),
		cmocka_unit_test(test_svc_full_width_sched_round_trip),
		cmocka_unit_test(test_svc_unterminated_sched_stays_in_bounds),
		cmocka_unit_test(test_dest_round_trip_and_record_len),
		cmocka_unit_test(test_dest_bytes_on_wire),
		cmocka_unit_test(test_dest_negative_weight_keeps_its_sign),
		cmocka_unit_test(test_laddr_round_trip_and_record_len),
		cmocka_unit_test(test_laddr_bytes_on_wire),
		cmocka_unit_test(test_laddr_full_width_ifname_round_trip),
		cmocka_unit_test(test_conn_round_trip_and_record_len),
		cmocka_unit_test(test_conn_bytes_on_wire),
		cmocka_unit_test(test_conn_longest_state_name_round_trip),
		cmocka_unit_test(test_timeouts_round_trip_and_bytes),
		cmocka_unit_test(test_lb_decoders_on_truncated_input_return_eproto),
		cmocka_unit_test(test_list_of_dests_decodes_in_sequence),
		cmocka_unit_test(test_strerror_every_code),
		cmocka_unit_test(test_strerror_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
