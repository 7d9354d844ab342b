/*
 * Unit tests for the control-socket session's limits
 * (ctrl_session.c): buffer budgets, deferred replies, and how much
 * one feed takes.
 */
#include "test_ctrl_util.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
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
