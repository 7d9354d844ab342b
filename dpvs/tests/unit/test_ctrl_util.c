/*
 * The fixture the control-socket unit tests (test_ctrl_*.c) share: a
 * registered range of test ops, a session, and helpers that build
 * requests and read replies.
 */
#include "test_ctrl_util.h"

uint8_t big_byte(size_t i)
{
	return (uint8_t)((i * 31u) ^ (i >> 8));
}

int h_echo(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
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

int h_empty(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
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

struct ctrl_deferred *later;

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

struct ctrl_range test_range = {
	.module = "test",
	.min = OP_MIN,
	.max = OP_MAX,
	.ops = test_ops,
	.nops = sizeof(test_ops) / sizeof(test_ops[0]),
};

struct ctrl_session sess;
struct dpvs_ctrl_stats st;

int setup(void **state)
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

int teardown(void **state)
{
	(void)state;
	/* A test's budgets live on its stack, gone by now: never touch them. */
	sess.budget = NULL;
	ctrl_session_free(&sess);
	ctrl_unregister_all();
	return 0;
}

/* ---- building requests and reading replies ---- */

void put_req_hdr(struct wbuf *b, uint32_t magic, uint16_t version,
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
void put_req(struct wbuf *b, uint32_t op, uint32_t seq,
		    const void *payload, uint32_t len)
{
	put_req_hdr(b, DPVS_WIRE_MAGIC, DPVS_WIRE_VERSION, 0, op, seq, len);
	wb_bytes(b, payload, len);
	assert_false(b->err);
}

void feed(const struct wbuf *b)
{
	ctrl_session_feed(&sess, b->data, b->len, MAXREQ, &st);
}

/* Splits the session's output into frames; every byte must belong to one. */
int frames_of(const struct ctrl_session *s, struct frame *f)
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
void check_frame(const struct frame *f, uint32_t op, uint32_t seq,
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

void check_msg(const struct frame *f, const char *want)
{
	assert_int_equal(f->h.len, strlen(want));
	assert_memory_equal(f->payload, want, f->h.len);
}

/* Sends a FIXED request and checks its answer: the stream still works. */
void check_stream_usable(uint32_t seq)
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
