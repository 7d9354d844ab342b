/* Registry of operation ranges and the dispatcher. */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctrl.h"
#include "core/log.h"

static struct ctrl_range *ranges;

int ctrl_error(struct ctrl_reply *r, uint32_t status, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return (int)status;
}

int ctrl_errno(struct ctrl_reply *r, int rc, const char *what)
{
	switch (rc) {
	case 0:
		return DPVS_OK;
	case -EEXIST:
		return ctrl_error(r, DPVS_EEXIST, "%s already exists", what);
	case -ENOENT:
		return ctrl_error(r, DPVS_ENOENT, "%s not found", what);
	case -ENOSPC:
		return ctrl_error(r, DPVS_ENOMEM, "%s: table full", what);
	case -ENOMEM:
		return ctrl_error(r, DPVS_ENOMEM, "%s: out of memory", what);
	case -ENOBUFS:
		return ctrl_error(r, DPVS_EBUSY, "%s: no buffer, try again", what);
	case -EPERM:
		return ctrl_error(r, DPVS_EPERM, "%s belongs to an address: use "
				  "'dpip addr del'", what);
	default:
		return ctrl_error(r, DPVS_EINVAL, "%s: invalid", what);
	}
}

size_t ctrl_list_begin(struct wbuf *b)
{
	size_t at = b->len;

	wb_u32(b, 0);
	return at;
}

void ctrl_list_end(struct wbuf *b, size_t at, uint32_t n)
{
	uint32_t be = htobe32(n);

	if (!b->err)
		memcpy(b->data + at, &be, 4);
}

int ctrl_register(struct ctrl_range *r)
{
	if (!r || r->min > r->max || (r->nops && !r->ops))
		return -EINVAL;
	for (struct ctrl_range *o = ranges; o; o = o->next) {
		if (o == r)
			return -EEXIST;
		if (r->min <= o->max && o->min <= r->max) {
			LOG_ERRX("ctrl", "ops %#x-%#x of %s overlap %#x-%#x of %s",
				 r->min, r->max, r->module, o->min, o->max,
				 o->module);
			return -EEXIST;
		}
	}
	for (unsigned i = 0; i < r->nops; i++) {
		const struct ctrl_op *op = &r->ops[i];

		if (op->op < r->min || op->op > r->max || !op->fn ||
		    op->min_len > op->max_len) {
			LOG_ERRX("ctrl", "%s: op %#x (%s) is malformed or outside "
				 "%#x-%#x", r->module, op->op, op->name, r->min,
				 r->max);
			return -EINVAL;
		}
		for (unsigned j = 0; j < i; j++)
			if (r->ops[j].op == op->op)
				return -EEXIST;
	}
	r->next = ranges;
	ranges = r;
	return 0;
}

void ctrl_unregister_all(void)
{
	ranges = NULL;
}

static const struct ctrl_op *find_op(uint32_t id)
{
	for (const struct ctrl_range *r = ranges; r; r = r->next) {
		if (id < r->min || id > r->max)
			continue;
		for (unsigned i = 0; i < r->nops; i++)
			if (r->ops[i].op == id)
				return &r->ops[i];
		return NULL;
	}
	return NULL;
}

void ctrl_dispatch(const struct wire_hdr *h, const uint8_t *payload,
		   struct ctrl_reply *rep, struct dpvs_ctrl_stats *st)
{
	const struct ctrl_op *op = find_op(h->op);
	struct rbuf req;

	if (!op) {
		st->unknown_op++;
		ctrl_error(rep, DPVS_ENOTSUP, "unknown operation %#x", h->op);
		return;
	}
	if (h->len < op->min_len || h->len > op->max_len) {
		st->bad_len++;
		ctrl_error(rep, DPVS_EINVAL,
			   "%s: payload of %u bytes, expected %u..%u", op->name,
			   h->len, op->min_len, op->max_len);
		return;
	}
	rb_init(&req, payload, h->len);
	op->fn(h->op, &req, rep);
}
