/*
 * Least connection (IPVS ip_vs_lc.c): the usable server with the least
 * overhead (active * 256 + inactive), weights ignored; first wins a tie.
 */
#include "sched_int.h"

static int lc_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	uint64_t loh = 0, doh;
	int least = -1;

	(void)ws;
	(void)f;
	for (unsigned i = 0; i < svc->ndests; i++) {
		if (!sched_dest_usable(&svc->dests[i]))
			continue;
		doh = sched_overhead(&svc->dests[i]);
		if (least < 0 || doh < loh) {
			least = (int)i;
			loh = doh;
		}
	}
	return least;
}

const struct sched_ops sched_lc_ops = {
	.name = "lc",
	.schedule = lc_schedule,
};
