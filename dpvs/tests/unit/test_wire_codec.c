/*
 * Unit tests for the wire format's framing (dpvs/lib/wire.c): the
 * header and its request and reply checks, the wbuf and rbuf codecs,
 * dpvs_strerror.
 */
#include "test_wire_util.h"

#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Another version passes only as its refusal of ours, to be reported. */
static void test_reply_check_other_version_only_as_refusal(void **state)
{
	struct wire_hdr h = good_reply();

	(void)state;
	h.version = DPVS_WIRE_VERSION - 1;
	h.status = DPVS_EVERSION;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_OK);
	h.seq = 0;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_OK);
	h.seq = 8;                      /* someone else's */
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_VERSION);
	h.seq = 7;
	h.status = DPVS_EINVAL;         /* not a refusal */
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_VERSION);
	h.status = DPVS_OK;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_VERSION);
	h.status = DPVS_EVERSION;
	h.flags = DPVS_WF_REPLY | DPVS_WF_MORE;
	assert_int_equal(wire_reply_check(&h, 7), WIRE_BAD_VERSION);
}

/*
 * An old daemon (version 4) answers this library's request with its
 * refusal, in version 4, and closes: the caller reads what to do.
 */
static void old_daemon(int lfd)
{
	static const char msg[] = "wire version 5 not supported (this dpvs "
				  "speaks 4)";
	uint8_t in[DPVS_WIRE_HDR_LEN], out[DPVS_WIRE_HDR_LEN];
	struct wire_hdr req, rep;
	int fd = accept(lfd, NULL, NULL);
	size_t got = 0;

	while (fd >= 0 && got < sizeof(in)) {
		ssize_t n = read(fd, in + got, sizeof(in) - got);

		if (n <= 0)
			_exit(1);
		got += (size_t)n;
	}
	wire_hdr_decode(in, &req);
	rep = (struct wire_hdr){ .magic = DPVS_WIRE_MAGIC, .version = 4,
				 .flags = DPVS_WF_REPLY, .op = req.op,
				 .seq = req.seq, .status = DPVS_EVERSION,
				 .len = sizeof(msg) - 1 };
	wire_hdr_encode(out, &rep);
	if (write(fd, out, sizeof(out)) != sizeof(out) ||
	    write(fd, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		_exit(1);
	close(fd);
	_exit(req.version == DPVS_WIRE_VERSION ? 0 : 2);
}

static void test_new_lib_reads_old_daemon_refusal(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct dpvs_version_info v;
	struct dpvs_handle *h;
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0), st = -1;
	pid_t pid;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/test_wire_old.%d",
		 (int)getpid());
	unlink(sa.sun_path);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		old_daemon(lfd);
	close(lfd);
	assert_int_equal(dpvs_connect(sa.sun_path, &h), DPVS_OK);
	assert_int_equal(dpvs_get_version(h, &v), DPVS_EVERSION);
	assert_string_equal(dpvs_errmsg(h), "dpvs speaks wire version 4, this "
			    "libdpvs 5: install matching packages");
	dpvs_close(h);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	unlink(sa.sun_path);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_layout_is_big_endian_at_documented_offsets),
		cmocka_unit_test(test_hdr_round_trip),
		cmocka_unit_test(test_req_check_accepts_good_header),
		cmocka_unit_test(test_req_check_bad_magic),
		cmocka_unit_test(test_req_check_bad_version),
		cmocka_unit_test(test_req_check_nonzero_flags),
		cmocka_unit_test(test_req_check_nonzero_status),
		cmocka_unit_test(test_req_check_len_over_max),
		cmocka_unit_test(test_req_check_len_equal_max_ok),
		cmocka_unit_test(test_reply_check_accepts_good_reply),
		cmocka_unit_test(test_reply_check_bad_magic_and_version),
		cmocka_unit_test(test_reply_check_other_version_only_as_refusal),
		cmocka_unit_test(test_new_lib_reads_old_daemon_refusal),
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
		cmocka_unit_test(test_strerror_every_code),
		cmocka_unit_test(test_strerror_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
