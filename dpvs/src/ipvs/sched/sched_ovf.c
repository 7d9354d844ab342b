/*
 * Weighted overflow (IPVS ip_vs_ovf.c): a server's weight is how many
 * active connections it takes.  New connections go to the usable server
 * of the highest weight (the first listed wins a tie) that has no more
 * active connections than its weight; when every server is full, none:
 * the connection is dropped and counted (ipvs_no_dest), as in IPVS.
 */
#include "sched_int.h"

static int ovf_schedule(const struct sched_svc *svc, void *ws,
			const struct sched_flow *f)
{
	int32_t hw = 0;
	int best = -1;

	(void)ws;
	(void)f;
	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct sched_dest *d = &svc->dests[i];

		if (d->weight > hw && (int64_t)sched_active(d) <= d->weight &&
		    sched_dest_usable(d)) {
			best = (int)i;
			hw = d->weight;
		}
	}
	return best;
}

const struct sched_ops sched_ovf_ops = {
	.name = "ovf",
	.schedule = ovf_schedule,
};
