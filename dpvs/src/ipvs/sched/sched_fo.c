/*
 * Weighted failover (IPVS ip_vs_fo.c): every new connection goes to the
 * usable server of the highest weight; the first listed wins a tie.
 * Lower weights are the standbys, in order.
 */
#include "sched_int.h"

static int fo_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	(void)ws;
	(void)f;
	return sched_highest_weight(svc, false);
}

const struct sched_ops sched_fo_ops = {
	.name = "fo",
	.schedule = fo_schedule,
};
