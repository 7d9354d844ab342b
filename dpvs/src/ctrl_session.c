/*
 * Framing of one control connection: bytes in, reply frames out.  Pure
 * code with no I/O, so the fuzz target drives it directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl.h"

void ctrl_session_init(struct ctrl_session *s)
{
	memset(s, 0, sizeof(*s));
	s->state = SS_HEADER;
	wb_init(&s->out);
}

void ctrl_session_free(struct ctrl_session *s)
{
	free(s->payload);
	wb_free(&s->out);
	memset(s, 0, sizeof(*s));
}

bool ctrl_session_partial(const struct ctrl_session *s)
{
	return s->state != SS_HEADER || s->got != 0;
}

static void put_frame(struct ctrl_session *s, const struct wire_hdr *req,
		      uint16_t flags, uint32_t status, const void *data,
		      uint32_t len)
{
	uint8_t hdr[DPVS_WIRE_HDR_LEN];
	struct wire_hdr h = {
		.magic = DPVS_WIRE_MAGIC,
		.version = DPVS_WIRE_VERSION,
		.flags = (uint16_t)(DPVS_WF_REPLY | flags),
		.op = req->op,
		.seq = req->seq,
		.status = status,
		.len = len,
	};

	wire_hdr_encode(hdr, &h);
	wb_bytes(&s->out, hdr, sizeof(hdr));
	wb_bytes(&s->out, data, len);
}

static void put_error(struct ctrl_session *s, const struct wire_hdr *req,
		      uint32_t status, const char *msg)
{
	put_frame(s, req, 0, status, msg, (uint32_t)strnlen(msg, DPVS_WIRE_MSG_MAX));
}

/* Splits a successful reply into frames of at most DPVS_WIRE_CHUNK_MAX. */
static void put_reply(struct ctrl_session *s, const struct wire_hdr *req,
		      struct ctrl_reply *rep, struct dpvs_ctrl_stats *st)
{
	size_t off = 0;

	if (rep->data.err)
		ctrl_error(rep, DPVS_ENOMEM, "out of memory building the reply");
	if (rep->status != DPVS_OK) {
		st->errors++;
		put_error(s, req, rep->status,
			  rep->msg[0] ? rep->msg : dpvs_strerror((int)rep->status));
		return;
	}
	do {
		size_t n = rep->data.len - off;
		uint16_t more = 0;

		if (n > DPVS_WIRE_CHUNK_MAX) {
			n = DPVS_WIRE_CHUNK_MAX;
			more = DPVS_WF_MORE;
		}
		/* An empty reply has no buffer at all: no pointer arithmetic. */
		put_frame(s, req, more, DPVS_OK,
			  n ? rep->data.data + off : NULL, (uint32_t)n);
		off += n;
	} while (off < rep->data.len);
}

void ctrl_session_refuse(struct ctrl_session *s, uint32_t status,
			 const char *msg)
{
	struct wire_hdr none = { 0 };

	put_error(s, &none, status, msg);
	s->closing = true;
}

static void run_request(struct ctrl_session *s, struct dpvs_ctrl_stats *st)
{
	struct ctrl_reply rep = { .status = DPVS_OK };

	wb_init(&rep.data);
	st->requests++;
	ctrl_dispatch(&s->hdr, s->payload, &rep, st);
	put_reply(s, &s->hdr, &rep, st);
	wb_free(&rep.data);
	free(s->payload);
	s->payload = NULL;
}

/* A header is complete: check it, then decide how to read the payload. */
static void on_header(struct ctrl_session *s, uint32_t max_request,
		      struct dpvs_ctrl_stats *st)
{
	enum wire_verdict v;
	char msg[128];

	wire_hdr_decode(s->hdr_buf, &s->hdr);
	s->got = 0;
	v = wire_req_check(&s->hdr, max_request);
	if (v != WIRE_OK) {
		/* The stream cannot be trusted past a bad header: close. */
		uint32_t status = v == WIRE_BAD_VERSION ? DPVS_EVERSION :
				  v == WIRE_TOO_BIG	? DPVS_ETOOBIG :
							  DPVS_EPROTO;

		if (v == WIRE_BAD_MAGIC)
			st->bad_magic++;
		else if (v == WIRE_BAD_VERSION)
			st->bad_version++;
		else if (v == WIRE_BAD_FLAGS)
			st->bad_flags++;
		else
			st->too_big++;
		if (v == WIRE_TOO_BIG)
			snprintf(msg, sizeof(msg), "request of %u bytes is over the "
				 "limit of %u", s->hdr.len, max_request);
		else if (v == WIRE_BAD_VERSION)
			snprintf(msg, sizeof(msg), "wire version %u not supported "
				 "(this dpvs speaks %u)", s->hdr.version,
				 DPVS_WIRE_VERSION);
		else
			snprintf(msg, sizeof(msg), "%s", wire_verdict_str(v));
		st->errors++;
		put_error(s, &s->hdr, status, msg);
		s->closing = true;
		return;
	}
	s->payload = malloc(s->hdr.len ? s->hdr.len : 1);
	if (!s->payload) {
		/* Skip it and say why; the stream stays in sync. */
		s->state = SS_DISCARD;
		s->discard_status = DPVS_ENOMEM;
		snprintf(s->discard_msg, sizeof(s->discard_msg),
			 "no memory for a request of %u bytes", s->hdr.len);
		return;
	}
	s->state = SS_PAYLOAD;
}

size_t ctrl_session_feed_limit(struct ctrl_session *s, const uint8_t *buf,
			       size_t len, uint32_t max_request,
			       size_t out_limit, struct dpvs_ctrl_stats *st)
{
	size_t start = len;

	while (!s->closing) {
		size_t n;

		if (s->state == SS_HEADER) {
			if (len == 0 || (out_limit && s->out.len >= out_limit))
				break;
			n = DPVS_WIRE_HDR_LEN - s->got;
			n = n < len ? n : len;
			memcpy(s->hdr_buf + s->got, buf, n);
			s->got += (uint32_t)n;
			buf += n;
			len -= n;
			if (s->got == DPVS_WIRE_HDR_LEN)
				on_header(s, max_request, st);
			continue;
		}
		n = s->hdr.len - s->got;
		n = n < len ? n : len;
		if (s->state == SS_PAYLOAD && n)
			memcpy(s->payload + s->got, buf, n);
		s->got += (uint32_t)n;
		buf += n;
		len -= n;
		if (s->got < s->hdr.len)
			break;
		if (s->state == SS_PAYLOAD) {
			run_request(s, st);
		} else {
			st->requests++;
			st->errors++;
			put_error(s, &s->hdr, s->discard_status, s->discard_msg);
		}
		s->state = SS_HEADER;
		s->got = 0;
	}
	return start - len;
}

void ctrl_session_feed(struct ctrl_session *s, const uint8_t *buf, size_t len,
		       uint32_t max_request, struct dpvs_ctrl_stats *st)
{
	ctrl_session_feed_limit(s, buf, len, max_request, 0, st);
}
