/*
 * libFuzzer target for the control-socket request path: the stream
 * framing (ctrl_session_feed), header checks and the op dispatcher with
 * its length policy, plus the payload decoders the client uses.
 *
 * The input is split into reads at sizes taken from its first byte, so
 * header and payload boundaries land everywhere.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl/ctrl.h"
#include "core/log.h"

static int op_echo(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	(void)op;
	wb_bytes(&rep->data, req->data, req->len);
	return DPVS_OK;
}

static int op_u32(uint32_t op, struct rbuf *req, struct ctrl_reply *rep)
{
	uint32_t v = rb_u32(req);

	(void)op;
	if (v > 1000)
		return ctrl_error(rep, DPVS_EINVAL, "value %u over 1000", v);
	for (uint32_t i = 0; i < v; i++)
		wb_u64(&rep->data, i);
	return DPVS_OK;
}

static const struct ctrl_op ops[] = {
	{ 0x0100, "echo", 0, 4096, op_echo },
	{ 0x0101, "u32", 4, 4, op_u32 },
	{ 0x0102, "empty", 0, 0, op_echo },
};

static struct ctrl_range range = { "fuzz", 0x0100, 0x01ff, ops, 3, NULL };

static void decode_all(const uint8_t *data, size_t len)
{
	struct dpvs_version_info v;
	struct dpvs_lcore_info l;
	struct dpvs_msgbus_stats m;
	struct dpvs_ctrl_stats c;
	struct wire_hdr h;
	struct rbuf b;

	rb_init(&b, data, len);
	wire_dec_version(&b, &v);
	rb_init(&b, data, len);
	wire_dec_lcore(&b, &l);
	rb_init(&b, data, len);
	wire_dec_msgbus(&b, &m);
	rb_init(&b, data, len);
	wire_dec_ctrl_stats(&b, &c);
	if (len >= DPVS_WIRE_HDR_LEN) {
		wire_hdr_decode(data, &h);
		wire_reply_check(&h, 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int registered;
	struct dpvs_ctrl_stats st = { 0 };
	struct ctrl_session s;
	size_t step, off = 1;

	if (!registered) {
		log_set_level(LOG_EMERG);
		ctrl_register(&range);
		registered = 1;
	}
	if (size == 0)
		return 0;
	step = (size_t)(data[0] % 64) + 1;
	ctrl_session_init(&s);
	while (off < size && !s.closing) {
		size_t n = size - off < step ? size - off : step;

		ctrl_session_feed(&s, data + off, n, 8192, &st);
		off += n;
	}
	/* Every reply frame must itself be well formed. */
	for (size_t o = 0; o + DPVS_WIRE_HDR_LEN <= s.out.len;) {
		struct wire_hdr h;

		wire_hdr_decode(s.out.data + o, &h);
		if (h.magic != DPVS_WIRE_MAGIC || !(h.flags & DPVS_WF_REPLY) ||
		    h.len > DPVS_WIRE_CHUNK_MAX)
			abort();
		o += DPVS_WIRE_HDR_LEN + h.len;
		if (o > s.out.len)
			abort();
	}
	ctrl_session_free(&s);
	decode_all(data, size);
	return 0;
}
