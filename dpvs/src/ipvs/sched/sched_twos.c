/*
 * Weighted random twos choice (IPVS ip_vs_twos.c): two servers drawn at
 * random, each with a chance proportional to its weight, and the less
 * loaded of the pair (overhead / weight) gets the connection.
 *
 * Each worker draws from its own xorshift generator in its scratch area,
 * seeded on first use from the area's address and the flow, so workers
 * neither share nor lock a random source.
 */
#include <stdint.h>

#include "sched_int.h"

struct twos_ws {
	uint64_t rng;           /* 0: not seeded yet */
};

static uint64_t twos_rand(struct twos_ws *w, const struct sched_flow *f)
{
	uint64_t x = w->rng;

	if (!x)
		x = sched_hash((uintptr_t)w, (uint64_t)f->saddr << 32 | f->now) | 1;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* The usable server whose weight range holds r; the last one if the
 * weights changed under us since the sum was taken. */
static int draw(const struct sched_svc *svc, uint64_t r)
{
	int last = -1;

	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct sched_dest *d = &svc->dests[i];

		if (!sched_dest_usable(d))
			continue;
		last = (int)i;
		if (r < (uint32_t)d->weight)
			return last;
		r -= (uint32_t)d->weight;
	}
	return last;
}

static int twos_schedule(const struct sched_svc *svc, void *ws,
			 const struct sched_flow *f)
{
	uint64_t total = 0;
	int a, b;

	for (unsigned i = 0; i < svc->ndests; i++)
		if (sched_dest_usable(&svc->dests[i]))
			total += (uint32_t)svc->dests[i].weight;
	if (!total)
		return -1;
	a = draw(svc, twos_rand(ws, f) % total);
	b = draw(svc, twos_rand(ws, f) % total);
	if (a < 0 || b < 0)
		return a < 0 ? b : a;
	/* b only if strictly lighter, as IPVS. */
	if ((unsigned __int128)sched_overhead(&svc->dests[b]) *
	    (uint32_t)svc->dests[a].weight <
	    (unsigned __int128)sched_overhead(&svc->dests[a]) *
	    (uint32_t)svc->dests[b].weight)
		return b;
	return a;
}

const struct sched_ops sched_twos_ops = {
	.name = "twos",
	.wstate_size = sizeof(struct twos_ws),
	.schedule = twos_schedule,
};
