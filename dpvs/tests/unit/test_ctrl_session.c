/*
 * Unit tests for the control-socket stream parser (ctrl_session.c) and the
 * op registry and dispatcher (ctrl_dispatch.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctrl/ctrl.h"
#include "core/log.h"

#define OP_MIN 0x7000u
#define OP_ECHO 0x7001u   /* any length up to 256 KiB: replies the payload */
#define OP_FIXED 0x7002u  /* exactly a u32: replies it plus one */
#define OP_FAIL 0x7003u   /* no payload: ctrl_error(EEXIST, ...) */
#define OP_BIG 0x7004u    /* no payload: replies BIG_LEN patterned bytes */
#define OP_EMPTY 0x7005u  /* no payload: replies nothing */
#define OP_BARE 0x7006u   /* no payload: an error status without a message */
#define OP_LATER 0x7007u  /* no payload: deferred; the test completes it */
#define OP_MAX 0x70ffu

#define ECHO_MAX (256u * 1024u)
#define BIG_LEN (200u * 1024u)
#define MAXREQ (300u * 1024u)

static uint8_t big_byte(size_t i)
{
	return (uint8_t)((i * 31u) ^ (i >> 8));
}

static int h_echo(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	(void)op;
	wb_bytes(&rep->data, req->data + req->off, rb_left(req));
	return DPVS_OK;
}

static int h_fixed(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	uint32_t v = rb_u32(req);

	(void)op;
	if (!rb_done(req))
		return ctrl_error(rep, DPVS_EINVAL, "short");
	wb_u32(&rep->data, v + 1);
	return DPVS_OK;
}

static int h_fail(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	(void)op;
	(void)req;
	return ctrl_error(rep, DPVS_EEXIST, "thing %u exists", 42u);
}

static int h_big(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	(void)op;
	(void)req;
	for (size_t i = 0; i < BIG_LEN; i++)
		wb_u8(&rep->data, big_byte(i));
	return DPVS_OK;
}

static int h_empty(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	(void)op;
	(void)req;
	(void)rep;
	return DPVS_OK;
}

static int h_bare(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	(void)op;
	(void)req;
	rep->status = DPVS_EBUSY;
	return DPVS_EBUSY;
}

static struct ctrl_deferred *later;

static int h_later(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	(void)op;
	(void)req;
	later = ctrl_defer(rep);
	return later ? DPVS_OK : ctrl_error(rep, DPVS_EBUSY, "no defer");
}

static const struct ctrl_op test_ops[] = {
	{ OP_LATER, "later", 0, 0, h_later },
	{ OP_ECHO, "echo", 0, ECHO_MAX, h_echo },
	{ OP_FIXED, "fixed", 4, 4, h_fixed },
	{ OP_FAIL, "fail", 0, 0, h_fail },
	{ OP_BIG, "big", 0, 0, h_big },
	{ OP_EMPTY, "empty", 0, 0, h_empty },
	{ OP_BARE, "bare", 0, 0, h_bare },
};

static struct ctrl_range test_range = {
	.module = "test",
	.min = OP_MIN,
	.max = OP_MAX,
	.ops = test_ops,
	.nops = sizeof(test_ops) / sizeof(test_ops[0]),
};

static struct ctrl_session sess;
static struct dpvs_ctrl_stats st;

static int setup(void **state)
{
	(void)state;
	ctrl_unregister_all();
	if (ctrl_register(&test_range) != 0)
		return -1;
	memset(&st, 0, sizeof(st));
	ctrl_session_init(&sess);
	later = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* A test's budgets live on its stack, gone by now: never touch them. */
	sess.budget = NULL;
	ctrl_session_free(&sess);
	ctrl_unregister_all();
	return 0;
}

/* ---- building requests and reading replies ---- */

static void put_req_hdr(struct wbuf *b, uint32_t magic, uint16_t version,
			uint16_t flags, uint32_t op, uint32_t seq, uint32_t len)
{
	struct wire_hdr h = {
		.magic = magic, .version = version, .flags = flags,
		.op = op, .seq = seq, .status = 0, .len = len,
	};
	uint8_t raw[DPVS_WIRE_HDR_LEN];

	wire_hdr_encode(raw, &h);
	wb_bytes(b, raw, sizeof(raw));
}

/* Appends a well-formed request to b. */
static void put_req(struct wbuf *b, uint32_t op, uint32_t seq,
		    const void *payload, uint32_t len)
{
	put_req_hdr(b, DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION, 0, op, seq, len);
	wb_bytes(b, payload, len);
	assert_false(b->err);
}

static void feed(const struct wbuf *b)
{
	ctrl_session_feed(&sess, b->data, b->len, MAXREQ, &st);
}

#define MAX_FRAMES 16

struct frame {
	struct wire_hdr h;
	const uint8_t *payload;
};

/* Splits the session's output into frames; every byte must belong to one. */
static int frames_of(const struct ctrl_session *s, struct frame *f)
{
	size_t off = 0;
	int n = 0;

	while (off < s->out.len) {
		assert_true(n < MAX_FRAMES);
		assert_true(s->out.len - off >= DPVS_WIRE_HDR_LEN);
		wire_hdr_decode(s->out.data + off, &f[n].h);
		off += DPVS_WIRE_HDR_LEN;
		assert_true(s->out.len - off >= f[n].h.len);
		f[n].payload = s->out.data + off;
		off += f[n].h.len;
		n++;
	}
	return n;
}

/* A reply frame to (op, seq) with the given status and flags. */
static void check_frame(const struct frame *f, uint32_t op, uint32_t seq,
			uint32_t status, uint16_t flags)
{
	assert_int_equal(f->h.magic, DPVS_WIRE_MAGIC);
	assert_int_equal(f->h.version, DPVS_WIRE_VERSION);
	assert_int_equal(f->h.flags, DPVS_WF_REPLY | flags);
	assert_int_equal(f->h.op, op);
	assert_int_equal(f->h.seq, seq);
	assert_int_equal(f->h.status, status);
	assert_int_equal(wire_reply_check(&f->h, seq), WIRE_OK);
}

static void check_msg(const struct frame *f, const char *want)
{
	assert_int_equal(f->h.len, strlen(want));
	assert_memory_equal(f->payload, want, f->h.len);
}

/* Sends a FIXED request and checks its answer: the stream still works. */
static void check_stream_usable(uint32_t seq)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;
	uint8_t v[4] = { 0, 0, 0x10, 0x00 };
	size_t before = sess.out.len;
	int n;

	wb_init(&b);
	put_req(&b, OP_FIXED, seq, v, 4);
	feed(&b);
	wb_free(&b);
	n = frames_of(&sess, f);
	assert_true(n >= 1);
	assert_int_equal(sess.out.len - before, DPVS_WIRE_HDR_LEN + 4);
	check_frame(&f[n - 1], OP_FIXED, seq, DPVS_OK, 0);
	assert_int_equal(f[n - 1].h.len, 4);
	assert_memory_equal(f[n - 1].payload, "\x00\x00\x10\x01", 4);
}

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

/* ---- requests and replies ---- */

static void test_echo_reply(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_ECHO, 0xabcdef01, "hello", 5);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_ECHO, 0xabcdef01, DPVS_OK, 0);
	check_msg(&f[0], "hello");
	assert_false(sess.closing);
	assert_false(ctrl_session_partial(&sess));
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.errors, 0);
}

static void test_empty_reply_is_one_empty_frame(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_EMPTY, 9, NULL, 0);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_EMPTY, 9, DPVS_OK, 0);
	assert_int_equal(f[0].h.len, 0);
}

static void test_byte_by_byte_same_as_at_once(void **state)
{
	struct ctrl_session whole;
	struct dpvs_ctrl_stats st2 = { 0 };
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_ECHO, 3, "byte by byte", 12);
	put_req(&b, OP_FIXED, 4, "\x01\x02\x03\x04", 4);
	put_req(&b, OP_EMPTY, 5, NULL, 0);
	ctrl_session_init(&whole);
	ctrl_session_feed(&whole, b.data, b.len, MAXREQ, &st2);
	for (size_t i = 0; i < b.len; i++)
		ctrl_session_feed(&sess, b.data + i, 1, MAXREQ, &st);
	assert_int_equal(sess.out.len, whole.out.len);
	assert_memory_equal(sess.out.data, whole.out.data, whole.out.len);
	assert_int_equal(st.requests, 3);
	assert_false(ctrl_session_partial(&sess));
	ctrl_session_free(&whole);
	wb_free(&b);
}

static void test_large_request_in_odd_pieces(void **state)
{
	struct frame f[MAX_FRAMES];
	uint32_t len = 150000;
	uint8_t *p = malloc(len);
	struct wbuf b;
	size_t got = 0;

	(void)state;
	assert_non_null(p);
	for (uint32_t i = 0; i < len; i++)
		p[i] = big_byte(i * 7u);
	wb_init(&b);
	put_req(&b, OP_ECHO, 77, p, len);
	for (size_t off = 0; off < b.len; off += 4099) {
		size_t n = b.len - off < 4099 ? b.len - off : 4099;

		ctrl_session_feed(&sess, b.data + off, n, MAXREQ, &st);
	}
	assert_int_equal(frames_of(&sess, f), 3);
	for (int i = 0; i < 3; i++) {
		check_frame(&f[i], OP_ECHO, 77, DPVS_OK, i < 2 ? DPVS_WF_MORE : 0);
		assert_memory_equal(f[i].payload, p + got, f[i].h.len);
		got += f[i].h.len;
	}
	assert_int_equal(got, len);
	wb_free(&b);
	free(p);
}

static void test_pipelined_requests_replied_in_order(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_ECHO, 100, "first", 5);
	put_req(&b, OP_FIXED, 101, "\x00\x00\x00\x07", 4);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 2);
	check_frame(&f[0], OP_ECHO, 100, DPVS_OK, 0);
	check_msg(&f[0], "first");
	check_frame(&f[1], OP_FIXED, 101, DPVS_OK, 0);
	assert_int_equal(f[1].h.len, 4);
	assert_memory_equal(f[1].payload, "\x00\x00\x00\x08", 4);
	assert_int_equal(st.requests, 2);
}

static void test_big_reply_split_into_chunks(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;
	size_t total = 0;
	int n;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_BIG, 55, NULL, 0);
	feed(&b);
	wb_free(&b);
	n = frames_of(&sess, f);
	assert_int_equal(n, (BIG_LEN + DPVS_WIRE_CHUNK_MAX - 1) / DPVS_WIRE_CHUNK_MAX);
	for (int i = 0; i < n; i++) {
		check_frame(&f[i], OP_BIG, 55, DPVS_OK, i < n - 1 ? DPVS_WF_MORE : 0);
		assert_true(f[i].h.len <= DPVS_WIRE_CHUNK_MAX);
		assert_true(f[i].h.len > 0);
		for (uint32_t j = 0; j < f[i].h.len; j++)
			if (f[i].payload[j] != big_byte(total + j))
				fail_msg("byte %zu differs", total + j);
		total += f[i].h.len;
	}
	assert_int_equal(total, BIG_LEN);
}

static void test_reply_of_exactly_two_chunks(void **state)
{
	struct frame f[MAX_FRAMES];
	uint32_t len = 2 * DPVS_WIRE_CHUNK_MAX;
	uint8_t *p = calloc(1, len);
	struct wbuf b;

	(void)state;
	assert_non_null(p);
	wb_init(&b);
	put_req(&b, OP_ECHO, 8, p, len);
	feed(&b);
	wb_free(&b);
	free(p);
	assert_int_equal(frames_of(&sess, f), 2);
	check_frame(&f[0], OP_ECHO, 8, DPVS_OK, DPVS_WF_MORE);
	check_frame(&f[1], OP_ECHO, 8, DPVS_OK, 0);
	assert_int_equal(f[0].h.len, DPVS_WIRE_CHUNK_MAX);
	assert_int_equal(f[1].h.len, DPVS_WIRE_CHUNK_MAX);
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

/* ---- broken headers: error frame, then the stream closes ---- */

/* Feeds a bad header followed by a good request; checks one error frame. */
static void check_bad_header(uint32_t magic, uint16_t version, uint16_t flags,
			     uint32_t len, uint32_t want_status)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	wb_init(&b);
	put_req_hdr(&b, magic, version, flags, OP_ECHO, 60, len);
	put_req(&b, OP_ECHO, 61, "after", 5);
	feed(&b);
	assert_true(sess.closing);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_ECHO, 60, want_status, 0);
	assert_true(f[0].h.len > 0);
	assert_int_equal(st.requests, 0);
	assert_int_equal(st.errors, 1);
	/* Later bytes are ignored too. */
	feed(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	wb_free(&b);
}

static void test_bad_magic_closes_with_eproto(void **state)
{
	(void)state;
	check_bad_header(0x47455420 /* "GET " */, DPVS_WIRE_VERSION, 0, 5,
			 DPVS_EPROTO);
	assert_int_equal(st.bad_magic, 1);
}

static void test_bad_version_closes_with_eversion(void **state)
{
	(void)state;
	check_bad_header(DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION + 1, 0, 5,
			 DPVS_EVERSION);
	assert_int_equal(st.bad_version, 1);
}

static void test_nonzero_flags_closes_with_eproto(void **state)
{
	(void)state;
	check_bad_header(DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION, DPVS_WF_MORE, 5,
			 DPVS_EPROTO);
	assert_int_equal(st.bad_flags, 1);
}

static void test_nonzero_status_closes_with_eproto(void **state)
{
	struct wire_hdr h = {
		.magic = DPVS_WIRE_MAGIC, .version = DPVS_WIRE_VERSION,
		.op = OP_ECHO, .seq = 62, .status = 3, .len = 0,
	};
	uint8_t raw[DPVS_WIRE_HDR_LEN];
	struct frame f[MAX_FRAMES];

	(void)state;
	wire_hdr_encode(raw, &h);
	ctrl_session_feed(&sess, raw, sizeof(raw), MAXREQ, &st);
	assert_true(sess.closing);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_ECHO, 62, DPVS_EPROTO, 0);
	assert_int_equal(st.bad_flags, 1);
}

static void test_oversized_len_closes_with_etoobig(void **state)
{
	(void)state;
	check_bad_header(DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION, 0, MAXREQ + 1,
			 DPVS_ETOOBIG);
	assert_int_equal(st.too_big, 1);
	assert_null(sess.payload);
}

static void test_huge_len_never_allocated(void **state)
{
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req_hdr(&b, DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION, 0, OP_ECHO, 63,
		    UINT32_MAX);
	wb_bytes(&b, "trailing", 8);
	feed(&b);
	wb_free(&b);
	assert_true(sess.closing);
	assert_null(sess.payload);
	assert_int_equal(st.too_big, 1);
	assert_false(ctrl_session_partial(&sess));
}

static void test_len_equal_to_max_request_accepted(void **state)
{
	struct frame f[MAX_FRAMES];
	uint8_t p[1024] = { 0 };
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_ECHO, 64, p, sizeof(p));
	ctrl_session_feed(&sess, b.data, b.len, sizeof(p), &st);
	wb_free(&b);
	assert_false(sess.closing);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_ECHO, 64, DPVS_OK, 0);
	assert_int_equal(f[0].h.len, sizeof(p));
}

static void test_bad_header_fed_byte_by_byte(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req_hdr(&b, DPVS_WIRE_MAGIC, 9, 0, OP_ECHO, 65, 0);
	for (size_t i = 0; i + 1 < b.len; i++) {
		ctrl_session_feed(&sess, b.data + i, 1, MAXREQ, &st);
		assert_false(sess.closing);
	}
	ctrl_session_feed(&sess, b.data + b.len - 1, 1, MAXREQ, &st);
	wb_free(&b);
	assert_true(sess.closing);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_ECHO, 65, DPVS_EVERSION, 0);
}

static void test_good_request_before_bad_header_is_answered(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_ECHO, 70, "ok", 2);
	put_req_hdr(&b, 0, DPVS_WIRE_VERSION, 0, OP_ECHO, 71, 0);
	put_req(&b, OP_ECHO, 72, "never", 5);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 2);
	check_frame(&f[0], OP_ECHO, 70, DPVS_OK, 0);
	check_frame(&f[1], OP_ECHO, 71, DPVS_EPROTO, 0);
	assert_int_equal(st.requests, 1);
}

/* ---- partial requests ---- */

static void test_partial_mid_header(void **state)
{
	struct wbuf b;

	(void)state;
	assert_false(ctrl_session_partial(&sess));
	wb_init(&b);
	put_req(&b, OP_ECHO, 80, "abc", 3);
	ctrl_session_feed(&sess, b.data, 10, MAXREQ, &st);
	assert_true(ctrl_session_partial(&sess));
	assert_int_equal(sess.out.len, 0);
	ctrl_session_feed(&sess, b.data + 10, b.len - 10, MAXREQ, &st);
	assert_false(ctrl_session_partial(&sess));
	assert_true(sess.out.len > 0);
	wb_free(&b);
}

static void test_partial_mid_payload(void **state)
{
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_ECHO, 81, "abcdef", 6);
	ctrl_session_feed(&sess, b.data, DPVS_WIRE_HDR_LEN, MAXREQ, &st);
	assert_true(ctrl_session_partial(&sess));
	ctrl_session_feed(&sess, b.data + DPVS_WIRE_HDR_LEN, 3, MAXREQ, &st);
	assert_true(ctrl_session_partial(&sess));
	assert_int_equal(sess.out.len, 0);
	assert_int_equal(st.requests, 0);
	ctrl_session_feed(&sess, b.data + DPVS_WIRE_HDR_LEN + 3, 3, MAXREQ, &st);
	assert_false(ctrl_session_partial(&sess));
	assert_int_equal(st.requests, 1);
	wb_free(&b);
}

static void test_not_partial_after_complete_header_only_request(void **state)
{
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_EMPTY, 82, NULL, 0);
	feed(&b);
	wb_free(&b);
	assert_false(ctrl_session_partial(&sess));
	assert_int_equal(st.requests, 1);
}

/* ---- refusing a connection ---- */

static void test_refuse_emits_seq0_error(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	ctrl_session_refuse(&sess, DPVS_EPERM, "not allowed");
	assert_true(sess.closing);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], 0, 0, DPVS_EPERM, 0);
	check_msg(&f[0], "not allowed");
	/* A client waiting on any seq accepts it as a connection-level error. */
	assert_int_equal(wire_reply_check(&f[0].h, 1234), WIRE_OK);
	/* Requests after a refusal are not processed. */
	wb_init(&b);
	put_req(&b, OP_ECHO, 1, "x", 1);
	feed(&b);
	wb_free(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	assert_int_equal(st.requests, 0);
}

static void test_refuse_message_capped(void **state)
{
	struct frame f[MAX_FRAMES];
	char *msg = malloc(DPVS_WIRE_MSG_MAX * 2);

	(void)state;
	assert_non_null(msg);
	memset(msg, 'm', DPVS_WIRE_MSG_MAX * 2 - 1);
	msg[DPVS_WIRE_MSG_MAX * 2 - 1] = '\0';
	ctrl_session_refuse(&sess, DPVS_EBUSY, msg);
	free(msg);
	assert_int_equal(frames_of(&sess, f), 1);
	assert_true(f[0].h.len <= DPVS_WIRE_MSG_MAX);
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

/* ---- buffer budgets and deferred replies ---- */

static void test_budget_refuses_announcement_and_closes(void **state)
{
	struct ctrl_budget all = { .max = 1000 };
	struct ctrl_budget user = { .max = 600, .parent = &all };
	struct frame f[MAX_FRAMES];
	struct wbuf b;

	(void)state;
	all.used = 500; /* another user's */
	sess.budget = &user;
	wb_init(&b);
	put_req_hdr(&b, DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION, 0, OP_ECHO, 1, 700);
	feed(&b);
	assert_true(sess.closing);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_ECHO, 1, DPVS_ETOOBIG, 0);
	assert_non_null(memmem(f[0].payload, f[0].h.len, "this user's", 11));
	assert_null(sess.payload);
	assert_int_equal(user.used, 0);
	/* Fits the user's 600 but not the 500 left of all clients'. */
	ctrl_session_free(&sess);
	ctrl_session_init(&sess);
	sess.budget = &user;
	b.len = 0;
	put_req_hdr(&b, DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION, 0, OP_ECHO, 2, 501);
	feed(&b);
	assert_int_equal(frames_of(&sess, f), 1);
	check_frame(&f[0], OP_ECHO, 2, DPVS_EBUSY, 0);
	assert_non_null(memmem(f[0].payload, f[0].h.len, "all clients'", 12));
	assert_int_equal(st.over_budget, 2);
	assert_int_equal(all.used, 500);
	wb_free(&b);
}

static void test_budget_held_until_request_ran(void **state)
{
	struct ctrl_budget all = { .max = 1000 };
	struct ctrl_budget user = { .max = 600, .parent = &all };
	uint8_t payload[400] = { 0 };
	struct wbuf b;

	(void)state;
	sess.budget = &user;
	wb_init(&b);
	put_req(&b, OP_ECHO, 1, payload, sizeof(payload));
	ctrl_session_feed(&sess, b.data, DPVS_WIRE_HDR_LEN + 10, MAXREQ, &st);
	assert_int_equal(user.used, 400);
	assert_int_equal(all.used, 400);
	ctrl_session_feed(&sess, b.data + DPVS_WIRE_HDR_LEN + 10,
			  b.len - DPVS_WIRE_HDR_LEN - 10, MAXREQ, &st);
	assert_int_equal(user.used, 0);
	assert_int_equal(all.used, 0);
	/* A session closed mid-request gives its charge back too. */
	ctrl_session_feed(&sess, b.data, DPVS_WIRE_HDR_LEN + 10, MAXREQ, &st);
	assert_int_equal(all.used, 400);
	ctrl_session_free(&sess);
	ctrl_session_init(&sess);
	assert_int_equal(user.used, 0);
	assert_int_equal(all.used, 0);
	wb_free(&b);
}

static void test_payload_memory_grows_with_arrival(void **state)
{
	uint8_t chunk[1000] = { 0 };
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req_hdr(&b, DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION, 0, OP_ECHO, 1,
		    ECHO_MAX);
	feed(&b);
	assert_null(sess.payload);
	ctrl_session_feed(&sess, chunk, sizeof(chunk), MAXREQ, &st);
	assert_true(sess.payload_cap >= sizeof(chunk));
	assert_true(sess.payload_cap <= 8192);
	wb_free(&b);
}

static void test_deferred_reply_holds_later_requests(void **state)
{
	struct ctrl_reply rep = { .status = DPVS_OK };
	uint8_t v[4] = { 0, 0, 0, 1 };
	struct frame f[MAX_FRAMES];
	struct wbuf b;
	size_t took;
	struct ctrl_feed_limits lim = { .max_request = MAXREQ };

	(void)state;
	wb_init(&b);
	put_req(&b, OP_LATER, 1, NULL, 0);
	put_req(&b, OP_FIXED, 2, v, 4);
	took = ctrl_session_feed_some(&sess, b.data, b.len, &lim, &st);
	assert_int_equal(took, DPVS_WIRE_HDR_LEN);
	assert_non_null(later);
	assert_ptr_equal(sess.waiting, later);
	assert_int_equal(sess.out.len, 0);
	/* Replies keep their order: the later one only after it. */
	wb_init(&rep.data);
	wb_u32(&rep.data, 77);
	ctrl_complete(later, &rep, &st);
	wb_free(&rep.data);
	assert_null(sess.waiting);
	assert_true(sess.kicked);
	ctrl_session_feed_some(&sess, b.data + took, b.len - took, &lim, &st);
	assert_int_equal(frames_of(&sess, f), 2);
	check_frame(&f[0], OP_LATER, 1, DPVS_OK, 0);
	assert_memory_equal(f[0].payload, "\x00\x00\x00\x4d", 4);
	check_frame(&f[1], OP_FIXED, 2, DPVS_OK, 0);
	wb_free(&b);
}

static void test_deferred_orphaned_when_session_goes(void **state)
{
	struct ctrl_reply rep = { .status = DPVS_OK };
	struct wbuf b;

	(void)state;
	wb_init(&b);
	put_req(&b, OP_LATER, 1, NULL, 0);
	feed(&b);
	assert_non_null(later);
	ctrl_session_free(&sess);
	assert_null(later->s);
	wb_init(&rep.data);
	ctrl_complete(later, &rep, &st); /* frees it; nothing written */
	wb_free(&rep.data);
	ctrl_session_init(&sess);
	wb_free(&b);
}

static void test_feed_some_limits_requests_and_unsent(void **state)
{
	uint8_t v[4] = { 0, 0, 0, 1 };
	struct ctrl_feed_limits one = { .max_request = MAXREQ, .max_requests = 1 };
	struct ctrl_feed_limits out = { .max_request = MAXREQ, .out_limit = 1 };
	struct wbuf b;
	size_t took;

	(void)state;
	wb_init(&b);
	for (uint32_t i = 0; i < 3; i++)
		put_req(&b, OP_FIXED, i, v, 4);
	took = ctrl_session_feed_some(&sess, b.data, b.len, &one, &st);
	assert_int_equal(took, DPVS_WIRE_HDR_LEN + 4);
	/* Unsent replies over the limit: nothing more starts... */
	assert_int_equal(ctrl_session_feed_some(&sess, b.data + took,
						b.len - took, &out, &st), 0);
	/* ...until they are written. */
	ctrl_session_consumed(&sess, sess.out.len);
	assert_int_equal(ctrl_session_unsent(&sess), 0);
	took += ctrl_session_feed_some(&sess, b.data + took, b.len - took, &one,
				       &st);
	assert_int_equal(took, 2 * (DPVS_WIRE_HDR_LEN + 4));
	wb_free(&b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_register_overlapping_range_refused),
		T(test_register_same_range_twice_refused),
		T(test_register_op_outside_range_refused),
		T(test_register_duplicate_op_refused),
		T(test_register_malformed_op_refused),
		T(test_second_range_dispatches),
		T(test_echo_reply),
		T(test_empty_reply_is_one_empty_frame),
		T(test_byte_by_byte_same_as_at_once),
		T(test_large_request_in_odd_pieces),
		T(test_pipelined_requests_replied_in_order),
		T(test_big_reply_split_into_chunks),
		T(test_reply_of_exactly_two_chunks),
		T(test_unknown_op_in_range_enotsup),
		T(test_unknown_op_outside_ranges_enotsup),
		T(test_wrong_payload_length_einval),
		T(test_short_payload_einval),
		T(test_handler_error_carries_message),
		T(test_handler_error_without_message_uses_strerror),
		T(test_bad_magic_closes_with_eproto),
		T(test_bad_version_closes_with_eversion),
		T(test_nonzero_flags_closes_with_eproto),
		T(test_nonzero_status_closes_with_eproto),
		T(test_oversized_len_closes_with_etoobig),
		T(test_huge_len_never_allocated),
		T(test_len_equal_to_max_request_accepted),
		T(test_bad_header_fed_byte_by_byte),
		T(test_good_request_before_bad_header_is_answered),
		T(test_partial_mid_header),
		T(test_partial_mid_payload),
		T(test_not_partial_after_complete_header_only_request),
		T(test_refuse_emits_seq0_error),
		T(test_refuse_message_capped),
		T(test_dispatch_unknown_op),
		T(test_dispatch_bad_len_message_names_op),
		T(test_budget_refuses_announcement_and_closes),
		T(test_budget_held_until_request_ran),
		T(test_payload_memory_grows_with_arrival),
		T(test_deferred_reply_holds_later_requests),
		T(test_deferred_orphaned_when_session_goes),
		T(test_feed_some_limits_requests_and_unsent),
	};

	/* Refused registrations log at err level; keep the output readable. */
	log_set_level(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
