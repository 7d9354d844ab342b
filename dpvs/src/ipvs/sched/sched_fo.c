/*
 * Weighted failover (IPVS ip_vs_fo.c): every new connection goes to the
 * usable server of the highest weight; the first listed wins a tie.
 * Lower weights are the standbys, in order.
 */
#include "sched_int.h"

static int fo_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	int32_t hw = 0;
	int best = -1;

	(void)ws;
	(void)f;
	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct sched_dest *d = &svc->dests[i];

		if (d->weight > hw && sched_dest_usable(d)) {
			best = (int)i;
			hw = d->weight;
		}
	}
	return best;
}

const struct sched_ops sched_fo_ops = {
	.name = "fo",
	.schedule = fo_schedule,
};
