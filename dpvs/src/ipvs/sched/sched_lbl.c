/*
 * The per-worker locality table lblc and lblcr share (sched_lbl.h).
 */
#include "sched_lbl.h"

static struct lbl_entry *bucket_of(struct lbl_ws *w, uint64_t addr)
{
	return &w->e[sched_hash(addr, 0) % LBL_BUCKETS * LBL_WAYS];
}

static bool expired(const struct lbl_entry *e, uint32_t now)
{
	return now - e->used > LBL_EXPIRE;     /* unsigned: wraps safely */
}

struct lbl_entry *lbl_find(struct lbl_ws *w, uint64_t addr, uint32_t now)
{
	struct lbl_entry *b = bucket_of(w, addr);

	for (unsigned k = 0; k < LBL_WAYS; k++) {
		struct lbl_entry *e = &b[k];

		if (!e->n || e->addr != addr)
			continue;
		if (expired(e, now)) {
			e->n = 0;
			return NULL;
		}
		e->used = now;
		e->seq = ++w->seq;
		return e;
	}
	return NULL;
}

/* The entry to reuse: an empty or expired one, else the least recent. */
static struct lbl_entry *victim(struct lbl_ws *w, struct lbl_entry *b,
				uint32_t now)
{
	struct lbl_entry *v = b;

	for (unsigned k = 0; k < LBL_WAYS; k++) {
		if (!b[k].n || expired(&b[k], now))
			return &b[k];
		/* Ages from the current count, so the wrap of seq is harmless. */
		if (w->seq - b[k].seq > w->seq - v->seq)
			v = &b[k];
	}
	return v;
}

struct lbl_entry *lbl_insert(struct lbl_ws *w, uint64_t addr, uint32_t now)
{
	struct lbl_entry *e = victim(w, bucket_of(w, addr), now);

	*e = (struct lbl_entry){ .addr = addr, .used = now, .seq = ++w->seq,
				 .mod = now };
	return e;
}

bool lbl_overloaded(const struct sched_svc *svc, const struct sched_dest *d)
{
	if ((int64_t)sched_active(d) <= d->weight)
		return false;
	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct sched_dest *o = &svc->dests[i];

		if ((int64_t)sched_active(o) * 2 < o->weight)
			return true;
	}
	return false;
}

bool lbl_fits(const struct sched_svc *svc, unsigned i)
{
	return i < svc->ndests && sched_dest_usable(&svc->dests[i]) &&
	       !lbl_overloaded(svc, &svc->dests[i]);
}
