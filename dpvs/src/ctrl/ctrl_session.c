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

static void budget_release(struct ctrl_session *s)
{
	for (struct ctrl_budget *b = s->budget; b; b = b->parent)
		b->used -= s->charged;
	s->charged = 0;
}

/* Returns the budget that has no room for n bytes, or NULL once charged. */
static struct ctrl_budget *budget_charge(struct ctrl_session *s, uint32_t n)
{
	for (struct ctrl_budget *b = s->budget; b; b = b->parent)
		if (b->used + n > b->max)
			return b;
	for (struct ctrl_budget *b = s->budget; b; b = b->parent)
		b->used += n;
	s->charged = n;
	return NULL;
}

static void drop_payload(struct ctrl_session *s)
{
	free(s->payload);
	s->payload = NULL;
	s->payload_cap = 0;
	budget_release(s);
}

void ctrl_session_free(struct ctrl_session *s)
{
	if (s->waiting)
		s->waiting->s = NULL; /* its completion only frees it */
	drop_payload(s);
	wb_free(&s->out);
	memset(s, 0, sizeof(*s));
}

bool ctrl_session_partial(const struct ctrl_session *s)
{
	return s->state != SS_HEADER || s->got != 0;
}

static void put_frame_v(struct ctrl_session *s, const struct wire_hdr *req,
			uint16_t version, uint16_t flags, uint32_t status,
			const void *data, uint32_t len)
{
	uint8_t hdr[DPVS_WIRE_HDR_LEN];
	struct wire_hdr h = {
		.magic = DPVS_WIRE_MAGIC,
		.version = version,
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

static void put_frame(struct ctrl_session *s, const struct wire_hdr *req,
		      uint16_t flags, uint32_t status, const void *data,
		      uint32_t len)
{
	put_frame_v(s, req, DPVS_WIRE_VERSION, flags, status, data, len);
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

/* The session whose request is being dispatched, for ctrl_defer(). */
static struct ctrl_session *dispatching;

struct ctrl_deferred *ctrl_defer(struct ctrl_reply *rep)
{
	struct ctrl_deferred *d;

	if (!dispatching || dispatching->waiting)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->s = dispatching;
	d->req = dispatching->hdr;
	dispatching->waiting = d;
	rep->deferred = d;
	return d;
}

uint64_t ctrl_kicks;

void ctrl_complete(struct ctrl_deferred *d, struct ctrl_reply *rep,
		   struct dpvs_ctrl_stats *st)
{
	if (d->s) {
		put_reply(d->s, &d->req, rep, st);
		d->s->waiting = NULL;
		d->s->kicked = true;
		ctrl_kicks++;
	}
	free(d);
}

static void run_request(struct ctrl_session *s, struct dpvs_ctrl_stats *st)
{
	static const uint8_t none[1];
	struct ctrl_reply rep = { .status = DPVS_OK };

	wb_init(&rep.data);
	st->requests++;
	dispatching = s;
	ctrl_dispatch(&s->hdr, s->payload ? s->payload : none, &rep, st);
	dispatching = NULL;
	/* Deferred: ctrl_complete() answers (maybe it already has). */
	if (!rep.deferred)
		put_reply(s, &s->hdr, &rep, st);
	wb_free(&rep.data);
	drop_payload(s);
}

/* A header within max_request that the buffer budgets cannot take. */
static void refuse_budget(struct ctrl_session *s, struct ctrl_budget *b,
			  struct dpvs_ctrl_stats *st)
{
	char msg[160];

	st->over_budget++;
	st->errors++;
	snprintf(msg, sizeof(msg), "request of %u bytes refused: %s buffered "
		 "requests would exceed %llu bytes (%llu in use)", s->hdr.len,
		 b->parent ? "this user's" : "all clients'",
		 (unsigned long long)b->max, (unsigned long long)b->used);
	put_error(s, &s->hdr, s->hdr.len > b->max ? DPVS_ETOOBIG : DPVS_EBUSY,
		  msg);
	s->closing = true;
}

/* A header is complete: check it, then decide how to read the payload. */
static void on_header(struct ctrl_session *s, uint32_t max_request,
		      struct dpvs_ctrl_stats *st)
{
	struct ctrl_budget *b;
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
		/* A client of another version reads a frame of its own:
		 * the header layout is the same in every version. */
		put_frame_v(s, &s->hdr, v == WIRE_BAD_VERSION ? s->hdr.version :
			    DPVS_WIRE_VERSION, 0, status, msg,
			    (uint32_t)strnlen(msg, sizeof(msg)));
		s->closing = true;
		return;
	}
	/* Memory follows the bytes that arrive, never the announcement. */
	b = budget_charge(s, s->hdr.len);
	if (b) {
		refuse_budget(s, b, st);
		return;
	}
	s->state = SS_PAYLOAD;
}

/* Makes room for `more` payload bytes; false (now discarding) if none. */
static bool payload_room(struct ctrl_session *s, uint32_t more)
{
	uint32_t need = s->got + more, cap;
	uint8_t *p;

	if (need <= s->payload_cap)
		return true;
	cap = s->payload_cap * 2 > need ? s->payload_cap * 2 : need;
	cap = cap < 4096 ? 4096 : cap;
	cap = cap > s->hdr.len ? s->hdr.len : cap;
	p = realloc(s->payload, cap);
	if (p) {
		s->payload = p;
		s->payload_cap = cap;
		return true;
	}
	/* Skip it and say why; the stream stays in sync. */
	drop_payload(s);
	s->state = SS_DISCARD;
	s->discard_status = DPVS_ENOMEM;
	snprintf(s->discard_msg, sizeof(s->discard_msg),
		 "no memory for a request of %u bytes", s->hdr.len);
	return false;
}

/* At a request boundary: may the next one start? */
static bool may_start(const struct ctrl_session *s,
		      const struct ctrl_feed_limits *lim, unsigned done)
{
	if (s->waiting)
		return false;
	if (lim->out_limit && ctrl_session_unsent(s) >= lim->out_limit)
		return false;
	return !lim->max_requests || done < lim->max_requests;
}

size_t ctrl_session_feed_some(struct ctrl_session *s, const uint8_t *buf,
			      size_t len, const struct ctrl_feed_limits *lim,
			      struct dpvs_ctrl_stats *st)
{
	size_t start = len;
	unsigned done = 0;

	while (!s->closing) {
		size_t n;

		if (s->state == SS_HEADER) {
			if (len == 0 || (s->got == 0 && !may_start(s, lim, done)))
				break;
			n = DPVS_WIRE_HDR_LEN - s->got;
			n = n < len ? n : len;
			memcpy(s->hdr_buf + s->got, buf, n);
			s->got += (uint32_t)n;
			buf += n;
			len -= n;
			if (s->got == DPVS_WIRE_HDR_LEN)
				on_header(s, lim->max_request, st);
			continue;
		}
		n = s->hdr.len - s->got;
		n = n < len ? n : len;
		if (s->state == SS_PAYLOAD && n && payload_room(s, (uint32_t)n))
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
		done++;
		s->state = SS_HEADER;
		s->got = 0;
	}
	return start - len;
}

void ctrl_session_feed(struct ctrl_session *s, const uint8_t *buf, size_t len,
		       uint32_t max_request, struct dpvs_ctrl_stats *st)
{
	struct ctrl_feed_limits lim = { .max_request = max_request };

	ctrl_session_feed_some(s, buf, len, &lim, st);
}

void ctrl_session_consumed(struct ctrl_session *s, size_t n)
{
	s->out_off += n;
	if (s->out_off >= s->out.len) {
		s->out.len = 0;
		s->out_off = 0;
	} else if (s->out_off >= 65536 && s->out_off >= s->out.len / 2) {
		/* Keep the buffer from growing behind a slow reader. */
		memmove(s->out.data, s->out.data + s->out_off,
			s->out.len - s->out_off);
		s->out.len -= s->out_off;
		s->out_off = 0;
	}
}
