/*
 * Destination hashing (IPVS ip_vs_dh.c): sh's weighted bucket table,
 * indexed by the flow's destination address, so that each destination
 * (a cache cluster's origin, say) keeps to one server.
 */
#include "sched_int.h"

static int dh_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	(void)ws;
	return sched_tab_lookup(svc, svc->priv, sched_flow_daddr_key(f));
}

const struct sched_ops sched_dh_ops = {
	.name = "dh",
	.init = sched_bucket_init,
	.done = sched_free_priv,
	.schedule = dh_schedule,
};
