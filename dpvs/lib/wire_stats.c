/*
 * Wire records of the monitoring operations (0x04xx, 0x05xx): the worker
 * stats set and the resource rows.  Its rows carry as many counters as the daemon has names for, so
 * a newer daemon with more counters still decodes here.
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

void wire_enc_wstats_head(struct wbuf *b, uint32_t pool_size,
			  uint32_t pool_in_use, uint32_t ncounters,
			  const char *const *names)
{
	wb_u32(b, pool_size);
	wb_u32(b, pool_in_use);
	wb_u32(b, ncounters);
	for (uint32_t i = 0; i < ncounters; i++)
		wb_str(b, names[i], WIRE_COUNTER_STR);
}

void wire_enc_wstats_row(struct wbuf *b, const struct dpvs_worker_stats *w,
			 uint32_t ncounters)
{
	wb_u32(b, w->lcore_id);
	wb_u32(b, w->index);
	wb_u64(b, w->conns);
	wb_u64(b, w->conns_max);
	wb_u64(b, w->msgs_handled);
	for (uint32_t i = 0; i < ncounters; i++)
		wb_u64(b, w->counters[i]);
}

/* Lays the set, its names, rows and counter arrays out in one block. */
static struct dpvs_worker_stats_set *wstats_alloc(size_t nc, size_t nw)
{
	/* Rounded so the rows after the names stay 8-byte aligned. */
	size_t names = (nc * (DPVS_COUNTER_NAME_MAX + 1) + 7) & ~(size_t)7;
	size_t rows = nw * sizeof(struct dpvs_worker_stats);
	size_t vals = nw * nc * sizeof(uint64_t);
	uint8_t *p = calloc(1, sizeof(struct dpvs_worker_stats_set) + names +
				   rows + vals);
	struct dpvs_worker_stats_set *s = (void *)p;

	if (!s)
		return NULL;
	p += sizeof(*s);
	s->names = (void *)p;
	s->workers = (void *)(p + names);
	for (size_t w = 0; w < nw; w++)
		s->workers[w].counters = (uint64_t *)(p + names + rows) + w * nc;
	s->ncounters = nc;
	s->nworkers = nw;
	return s;
}

int wire_dec_wstats(struct rbuf *b, struct dpvs_worker_stats_set **out)
{
	uint32_t pool_size = rb_u32(b), in_use = rb_u32(b), nc = rb_u32(b), nw;
	const struct rbuf names_at = *b;
	struct dpvs_worker_stats_set *s;

	*out = NULL;
	if (b->err || nc > WIRE_WSTATS_MAX_COUNTERS ||
	    rb_left(b) < (size_t)nc * WIRE_COUNTER_STR + 4)
		return DPVS_EPROTO;
	b->off += (size_t)nc * WIRE_COUNTER_STR;
	nw = rb_u32(b);
	if (b->err || nw > WIRE_WSTATS_MAX_WORKERS ||
	    rb_left(b) != (size_t)nw * (WIRE_WSTATS_ROW_LEN + 8 * (size_t)nc))
		return DPVS_EPROTO;
	s = wstats_alloc(nc, nw);
	if (!s)
		return DPVS_ENOMEM;
	s->conn_pool_size = pool_size;
	s->conn_pool_in_use = in_use;
	*b = names_at;
	for (uint32_t i = 0; i < nc; i++)
		rb_str(b, s->names[i], WIRE_COUNTER_STR);
	rb_u32(b);
	for (uint32_t w = 0; w < nw; w++) {
		struct dpvs_worker_stats *r = &s->workers[w];

		r->lcore_id = rb_u32(b);
		r->index = rb_u32(b);
		r->conns = rb_u64(b);
		r->conns_max = rb_u64(b);
		r->msgs_handled = rb_u64(b);
		for (uint32_t i = 0; i < nc; i++)
			r->counters[i] = rb_u64(b);
	}
	if (b->err) {
		free(s);
		return DPVS_EPROTO;
	}
	*out = s;
	return DPVS_OK;
}

void wire_enc_resource(struct wbuf *b, const struct dpvs_resource *r)
{
	wb_u32(b, r->kind);
	wb_str(b, r->name, WIRE_NAME_STR);
	wb_u64(b, r->used);
	wb_u64(b, r->size);
}

int wire_dec_resource(struct rbuf *b, struct dpvs_resource *r)
{
	r->kind = rb_u32(b);
	rb_str(b, r->name, WIRE_NAME_STR);
	r->used = rb_u64(b);
	r->size = rb_u64(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}
