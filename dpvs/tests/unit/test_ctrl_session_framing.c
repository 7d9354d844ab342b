/*
 * Unit tests for the control-socket stream parser (ctrl_session.c):
 * requests and replies in any pieces, broken headers, partial
 * requests, refused connections.
 */
#include "test_ctrl_util.h"

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
	/* A version refusal is written in the client's version. */
	assert_int_equal(f[0].h.version, want_status == DPVS_EVERSION ?
					 version : DPVS_WIRE_VERSION);
	assert_int_equal(f[0].h.flags, DPVS_WF_REPLY);
	assert_int_equal(f[0].h.op, OP_ECHO);
	assert_int_equal(f[0].h.seq, 60);
	assert_int_equal(f[0].h.status, want_status);
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
	assert_int_equal(f[0].h.version, 9);
	assert_int_equal(f[0].h.status, DPVS_EVERSION);
	assert_int_equal(f[0].h.seq, 65);
}

/*
 * A client one version behind reads the refusal with its own header
 * check: the frame is in its version, and the message names both.
 */
static void test_version_refusal_echoes_client_version(void **state)
{
	struct frame f[MAX_FRAMES];
	struct wire_hdr old;
	struct wbuf b;
	const char *want = "wire version 4 not supported (this dpvs speaks 5)";

	(void)state;
	assert_int_equal(DPVS_WIRE_VERSION, 5);
	wb_init(&b);
	put_req_hdr(&b, DPVS_WIRE_MAGIC, 4, 0, OP_ECHO, 7, 0);
	feed(&b);
	wb_free(&b);
	assert_true(sess.closing);
	assert_int_equal(frames_of(&sess, f), 1);
	old = f[0].h;
	assert_int_equal(old.version, 4);
	assert_int_equal(old.status, DPVS_EVERSION);
	assert_int_equal(old.seq, 7);
	assert_int_equal(old.len, strlen(want));
	assert_memory_equal(f[0].payload, want, strlen(want));
	/* What a version-4 library checks: every field but the version. */
	old.version = DPVS_WIRE_VERSION;
	assert_int_equal(wire_reply_check(&old, 7), WIRE_OK);
	assert_int_equal(st.bad_version, 1);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_echo_reply),
		T(test_empty_reply_is_one_empty_frame),
		T(test_byte_by_byte_same_as_at_once),
		T(test_large_request_in_odd_pieces),
		T(test_pipelined_requests_replied_in_order),
		T(test_big_reply_split_into_chunks),
		T(test_reply_of_exactly_two_chunks),
		T(test_bad_magic_closes_with_eproto),
		T(test_bad_version_closes_with_eversion),
		T(test_version_refusal_echoes_client_version),
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
	};

	/* Refused registrations log at err level; keep the output readable. */
	log_set_level(LOG_CRIT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
