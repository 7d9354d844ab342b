/*
 * Consistent hashing on the source address: each server puts virtual
 * nodes on a 32-bit ring, as many as its share of the weight; a flow
 * goes to the first node at or after its hash.  Removing a server hands
 * only its arcs to the next nodes along.  The ring is a sorted array
 * built in init; the fast path is one binary search.
 */
#include <errno.h>
#include <stdlib.h>

#include "sched_int.h"

/* Nodes per unit of weight / gcd: the spread of a server's share is
 * about 1 / sqrt(nodes), 6 % at the least weight. */
#define CH_REPLICAS 256
/* Cap on the ring: 2 MB, 18 probes a lookup. */
#define CH_MAX_NODES (1u << 18)
/* Nodes walked past unusable servers (SCHED_F_FALLBACK) before a scan. */
#define CH_WALK 64

struct ch_node {
	uint32_t hash;
	uint16_t idx;           /* into svc->dests */
};

struct ch_ring {
	uint32_t n;
	struct ch_node node[];
};

/* Sorted by hash; a collision by server address, not list order. */
struct ch_build {
	uint32_t hash;
	uint64_t key;
	uint16_t idx;
};

static int ch_cmp(const void *a, const void *b)
{
	const struct ch_build *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* A server's node count: its share of the ring, at least one. */
static uint32_t ch_nodes(const struct sched_dest *d, const struct sched_set *s)
{
	uint64_t units = s->wsum / s->gcd;
	uint64_t total = units * CH_REPLICAS;
	uint64_t v;

	if (total > CH_MAX_NODES)
		total = CH_MAX_NODES;
	v = total * (uint32_t)d->weight / s->wsum;
	return v ? (uint32_t)v : 1;
}

static uint32_t ch_count(const struct sched_svc *svc, const struct sched_set *s)
{
	uint32_t n = 0;

	for (unsigned k = 0; k < s->n; k++)
		n += ch_nodes(&svc->dests[s->idx[k]], s);
	return n;
}

static void ch_place(struct ch_build *b, const struct sched_svc *svc,
		     const struct sched_set *s)
{
	uint32_t n = 0;

	for (unsigned k = 0; k < s->n; k++) {
		const struct sched_dest *d = &svc->dests[s->idx[k]];
		uint64_t key = sched_dest_key(d);
		uint32_t v = ch_nodes(d, s);

		for (uint32_t j = 0; j < v; j++, n++)
			b[n] = (struct ch_build){
				(uint32_t)(sched_hash(key, j) >> 32), key,
				(uint16_t)s->idx[k] };
	}
}

static int ch_fill(struct sched_svc *svc, const struct sched_set *s)
{
	uint32_t n = ch_count(svc, s);
	struct ch_ring *r = malloc(sizeof(*r) + sizeof(r->node[0]) * (n + 1));
	struct ch_build *b = malloc(sizeof(*b) * (n + 1));

	if (!r || !b) {
		free(r);
		free(b);
		return -ENOMEM;
	}
	ch_place(b, svc, s);
	qsort(b, n, sizeof(*b), ch_cmp);
	r->n = n;
	for (uint32_t i = 0; i < n; i++)
		r->node[i] = (struct ch_node){ b[i].hash, b[i].idx };
	free(b);
	svc->priv = r;
	return 0;
}

static int ch_init(struct sched_svc *svc)
{
	struct sched_set *s;
	int rc = sched_set_build(svc, &s);

	if (rc)
		return rc;
	rc = ch_fill(svc, s);
	free(s);
	return rc;
}

/* The first node at or after h, wrapping past the top of the ring. */
static uint32_t ch_find(const struct ch_ring *r, uint32_t h)
{
	uint32_t lo = 0, hi = r->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (r->node[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == r->n ? 0 : lo;
}

static int ch_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	const struct ch_ring *r = svc->priv;
	uint64_t h = sched_hash(sched_flow_saddr_key(f), 0);
	uint32_t pos;
	unsigned i;

	(void)ws;
	if (!r || !r->n)
		return -1;
	pos = ch_find(r, (uint32_t)(h >> 32));
	i = r->node[pos].idx;
	if (sched_dest_usable(&svc->dests[i]))
		return (int)i;
	if (!(svc->flags & SCHED_F_FALLBACK))
		return -1;
	/* Walk on along the ring, where the server's flows would go if it
	 * were removed; bounded, then any usable server. */
	for (uint32_t k = 1; k < CH_WALK && k < r->n; k++) {
		i = r->node[(pos + k) % r->n].idx;
		if (sched_dest_usable(&svc->dests[i]))
			return (int)i;
	}
	return sched_first_usable(svc, (unsigned)(h % svc->ndests));
}

const struct sched_ops sched_conhash_ops = {
	.name = "conhash",
	.init = ch_init,
	.done = sched_free_priv,
	.schedule = ch_schedule,
};
