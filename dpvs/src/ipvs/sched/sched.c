/*
 * The scheduler registry, the usable test with IPVS's overload
 * hysteresis, and the helpers the algorithms share (sched_int.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"
#include "sched_int.h"

/* Every scheduler, once: the ops table and the name list follow it. */
#define SCHEDS(X) X(rr) X(wrr) X(lc) X(wlc) X(sed) X(nq) X(sh) X(dh) \
	X(fo) X(mh) X(conhash) X(lblc) X(lblcr) X(ovf) X(twos)

#define SCHED_OPS(n) &sched_##n##_ops,
#define SCHED_NAME(n) #n,

static const struct sched_ops *const sched_table[] = { SCHEDS(SCHED_OPS) };
static const char *const sched_name_list[] = { SCHEDS(SCHED_NAME) NULL };

const struct sched_ops *sched_lookup(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(sched_table) / sizeof(sched_table[0]); i++)
		if (strcmp(sched_table[i]->name, name) == 0)
			return sched_table[i];
	return NULL;
}

const char *const *sched_names(void)
{
	return sched_name_list;
}

/* IPVS clears the flag below l_thresh, or below 3/4 of u_thresh if unset. */
static bool below_lower(const struct sched_dest *d, uint64_t conns)
{
	if (d->l_thresh)
		return conns < d->l_thresh;
	return conns * 4 < (uint64_t)d->u_thresh * 3;
}

/*
 * Workers race here, but each computes the flag from the same shared
 * counters, so the worst case is one extra connection either side of a
 * threshold.  The flag is stored only when it changes: the counters'
 * cache line is shared, and needless writes would bounce it.
 */
bool sched_dest_usable(const struct sched_dest *d)
{
	struct sched_counters *c = d->cnt;
	uint32_t was, over;
	uint64_t conns;

	if (d->weight <= 0)
		return false;
	if (!c)
		return true;
	was = over = sched_load(&c->overloaded);
	if (!d->u_thresh) {
		over = 0;       /* the limit was lifted */
	} else {
		conns = (uint64_t)sched_load(&c->active) + sched_load(&c->inactive);
		/* Clear first, then set: with l_thresh > u_thresh this stays
		 * overloaded at or above u_thresh instead of flapping. */
		if (over && below_lower(d, conns))
			over = 0;
		if (!over && conns >= d->u_thresh)
			over = 1;
	}
	if (over != was)
		__atomic_store_n(&c->overloaded, over, __ATOMIC_RELAXED);
	return !over;
}

/* ---- helpers for the algorithms ---- */

int sched_least(const struct sched_svc *svc,
		uint64_t (*overhead)(const struct sched_dest *d))
{
	unsigned __int128 lhs, rhs;     /* overhead (2^40) x weight (2^31) */
	uint64_t loh = 0, doh;
	int least = -1;

	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct sched_dest *d = &svc->dests[i];

		if (!sched_dest_usable(d))
			continue;
		doh = overhead(d);
		if (least >= 0) {
			lhs = (unsigned __int128)loh * (uint32_t)d->weight;
			rhs = (unsigned __int128)doh *
			      (uint32_t)svc->dests[least].weight;
			if (lhs <= rhs)
				continue;
		}
		least = (int)i;
		loh = doh;
	}
	return least;
}

int sched_first_usable(const struct sched_svc *svc, unsigned start)
{
	for (unsigned k = 0; k < svc->ndests; k++) {
		unsigned i = (start + k) % svc->ndests;

		if (sched_dest_usable(&svc->dests[i]))
			return (int)i;
	}
	return -1;
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

uint32_t sched_weight_gcd(const struct sched_svc *svc)
{
	uint32_t g = 0;

	for (unsigned i = 0; i < svc->ndests; i++)
		if (svc->dests[i].weight > 0)
			g = gcd((uint32_t)svc->dests[i].weight, g);
	return g;
}

struct set_ord {
	uint64_t key;                /* v4: sched_dest_key, (addr, port) */
	unsigned idx;
	const struct sched_dest *d;
};

/* v4 by key as always, then v6 by address bytes and port. */
static int ord_cmp(const void *a, const void *b)
{
	const struct set_ord *x = a, *y = b;
	bool x6 = x->d->af == AF_INET6, y6 = y->d->af == AF_INET6;
	int c;

	if (x6 != y6)
		return x6 ? 1 : -1;
	if (!x6 && x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x6 && (c = memcmp(x->d->addr6, y->d->addr6, sizeof(x->d->addr6))))
		return c;
	if (x6 && x->d->port != y->d->port)
		return x->d->port < y->d->port ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int sched_set_build(const struct sched_svc *svc, struct sched_set **out)
{
	struct set_ord *ord;
	struct sched_set *s;
	unsigned n = 0;

	*out = NULL;
	if (svc->ndests >= SCHED_NONE)
		return -EINVAL;
	ord = malloc(sizeof(*ord) * (svc->ndests + 1));
	s = malloc(sizeof(*s) + sizeof(s->idx[0]) * (svc->ndests + 1));
	if (!ord || !s) {
		free(ord);
		free(s);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < svc->ndests; i++)
		if (svc->dests[i].weight > 0)
			ord[n++] = (struct set_ord){ sched_dest_key(&svc->dests[i]), i,
						     &svc->dests[i] };
	qsort(ord, n, sizeof(*ord), ord_cmp);
	s->n = n;
	s->gcd = sched_weight_gcd(svc);
	s->wsum = 0;
	for (unsigned k = 0; k < n; k++) {
		s->idx[k] = ord[k].idx;
		s->wsum += (uint32_t)svc->dests[ord[k].idx].weight;
	}
	free(ord);
	*out = s;
	return 0;
}

struct sched_tab *sched_tab_alloc(uint32_t size)
{
	struct sched_tab *t = malloc(sizeof(*t) + sizeof(t->slot[0]) * (size_t)size);

	if (!t)
		return NULL;
	t->size = size;
	memset(t->slot, 0xff, sizeof(t->slot[0]) * (size_t)size);
	return t;
}

/*
 * Probes that rehash before giving up on the table: with half the
 * capacity down, 16 misses in a row happen to one flow in 65536.
 */
#define SCHED_PROBES 16

static bool slot_usable(const struct sched_svc *svc, unsigned i)
{
	return i != SCHED_NONE && sched_dest_usable(&svc->dests[i]);
}

int sched_tab_lookup(const struct sched_svc *svc, const struct sched_tab *t,
		     uint64_t key)
{
	uint64_t h = sched_hash(key, 0);
	unsigned i;

	if (!t || !t->size)
		return -1;
	i = t->slot[h % t->size];
	if (slot_usable(svc, i))
		return (int)i;
	if (!(svc->flags & SCHED_F_FALLBACK) || !svc->ndests)
		return -1;
	for (uint64_t k = 1; k <= SCHED_PROBES; k++) {
		i = t->slot[sched_hash(key, k) % t->size];
		if (slot_usable(svc, i))
			return (int)i;
	}
	/* Bounded even when (nearly) everything is down. */
	return sched_first_usable(svc, (unsigned)(h % svc->ndests));
}

void sched_free_priv(struct sched_svc *svc)
{
	free(svc->priv);
	svc->priv = NULL;
}
