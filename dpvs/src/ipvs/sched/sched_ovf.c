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
	(void)ws;
	(void)f;
	return sched_highest_weight(svc, true);
}

const struct sched_ops sched_ovf_ops = {
	.name = "ovf",
	.schedule = ovf_schedule,
};
