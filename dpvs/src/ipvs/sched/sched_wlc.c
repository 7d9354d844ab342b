/*
 * Weighted least connection (IPVS ip_vs_wlc.c), the default: the usable
 * server with the least overhead / weight, overhead being active * 256 +
 * inactive.
 */
#include "sched_int.h"

static int wlc_schedule(const struct sched_svc *svc, void *ws,
			const struct sched_flow *f)
{
	(void)ws;
	(void)f;
	return sched_least(svc, sched_overhead);
}

const struct sched_ops sched_wlc_ops = {
	.name = "wlc",
	.schedule = wlc_schedule,
};
