/*
 * Never queue (IPVS ip_vs_nq.c): the first usable server with no active
 * connection, as an idle server answers at once whatever its weight;
 * otherwise shortest expected delay, (active + 1) / weight.
 */
#include "sched_int.h"

static uint64_t nq_overhead(const struct sched_dest *d)
{
	return (uint64_t)sched_active(d) + 1;
}

static int nq_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	(void)ws;
	(void)f;
	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct sched_dest *d = &svc->dests[i];

		if (sched_active(d) == 0 && sched_dest_usable(d))
			return (int)i;
	}
	return sched_least(svc, nq_overhead);
}

const struct sched_ops sched_nq_ops = {
	.name = "nq",
	.schedule = nq_schedule,
};
