/*
 * Weighted round robin (IPVS ip_vs_wrr.c).  Passes over the servers in
 * order with a current weight cw that steps down from the maximum by the
 * gcd of the weights; a pass picks the usable servers whose weight is at
 * least cw.  Over a full cycle each server is picked weight / gcd times,
 * heavier ones earlier in the cycle.  The position and cw are per worker.
 */
#include <errno.h>
#include <stdlib.h>

#include "sched_int.h"

struct wrr_priv {
	int32_t mw;             /* first cw of a cycle: max - (gcd - 1) */
	int32_t di;             /* step: gcd of the weights */
};

struct wrr_ws {
	uint32_t next;          /* position this worker looks at next */
	int32_t cw;             /* its current weight; 0: not started */
};

static int wrr_init(struct sched_svc *svc)
{
	struct wrr_priv *p = calloc(1, sizeof(*p));
	int32_t max = 0;

	if (!p)
		return -ENOMEM;
	for (unsigned i = 0; i < svc->ndests; i++)
		if (svc->dests[i].weight > max)
			max = svc->dests[i].weight;
	p->di = (int32_t)sched_weight_gcd(svc);
	/* IPVS starts a cycle at max - (gcd - 1): the levels then sit just
	 * above multiples of the gcd, where weights (its multiples) are. */
	p->mw = max ? max - (p->di - 1) : 0;
	svc->priv = p;
	return 0;
}

/* The highest cw level (mw - k * di, k >= 0) that a weight w reaches. */
static int32_t wrr_level(const struct wrr_priv *p, int32_t w)
{
	int64_t k;

	if (w >= p->mw)
		return p->mw;
	k = ((int64_t)p->mw - w + p->di - 1) / p->di;
	return (int32_t)(p->mw - k * p->di);
}

static int32_t max_usable_weight(const struct sched_svc *svc)
{
	int32_t best = 0;

	for (unsigned i = 0; i < svc->ndests; i++)
		if (svc->dests[i].weight > best && sched_dest_usable(&svc->dests[i]))
			best = svc->dests[i].weight;
	return best;
}

/*
 * cw for the pass after a wrap.  After a whole pass without a pick no
 * usable server reaches cw, so jump to the level of the heaviest usable
 * one: IPVS would step there one pass at a time and pick the same server,
 * but that costs (max / gcd) passes when the heavy servers are overloaded.
 */
static int32_t wrr_next_cw(const struct sched_svc *svc,
			   const struct wrr_priv *p, int32_t cw, bool full_miss)
{
	int32_t best;

	if (full_miss) {
		best = max_usable_weight(svc);
		return best ? wrr_level(p, best) : 0;
	}
	cw -= p->di;
	return cw > 0 ? cw : p->mw;
}

static int wrr_schedule(const struct sched_svc *svc, void *ws,
			const struct sched_flow *f)
{
	const struct wrr_priv *p = svc->priv;
	struct wrr_ws *w = ws;
	unsigned n = svc->ndests, i, steps;
	int32_t cw;

	(void)f;
	if (!p || p->mw <= 0)
		return -1;
	if (w->cw <= 0 || w->next > n)
		*w = (struct wrr_ws){ 0, p->mw };
	i = w->next;
	cw = w->cw;
	/* A partial pass, one full pass and one after the jump suffice. */
	for (steps = 0; steps <= 3 * n; steps++, i++) {
		if (i == n) {
			i = 0;
			cw = wrr_next_cw(svc, p, cw, steps >= n);
			if (!cw)
				return -1;
		}
		if (svc->dests[i].weight >= cw && sched_dest_usable(&svc->dests[i])) {
			*w = (struct wrr_ws){ i + 1, cw };
			return (int)i;
		}
	}
	return -1;
}

const struct sched_ops sched_wrr_ops = {
	.name = "wrr",
	.wstate_size = sizeof(struct wrr_ws),
	.init = wrr_init,
	.done = sched_free_priv,
	.schedule = wrr_schedule,
};
