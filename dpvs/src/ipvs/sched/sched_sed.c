/*
 * Shortest expected delay (IPVS ip_vs_sed.c): the usable server with the
 * least (active + 1) / weight, the delay a new connection would see
 * there.  Inactive connections cost nothing.
 */
#include "sched_int.h"

static uint64_t sed_overhead(const struct sched_dest *d)
{
	return (uint64_t)sched_active(d) + 1;
}

static int sed_schedule(const struct sched_svc *svc, void *ws,
			const struct sched_flow *f)
{
	(void)ws;
	(void)f;
	return sched_least(svc, sed_overhead);
}

const struct sched_ops sched_sed_ops = {
	.name = "sed",
	.schedule = sed_schedule,
};
