/*
 * Round robin (IPVS ip_vs_rr.c): the next usable server after the one
 * this worker picked last.  Each worker keeps its own position, so
 * workers rotate independently and never write shared state.
 */
#include "sched_int.h"

struct rr_ws {
	uint32_t next;          /* where this worker looks first */
};

static int rr_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	struct rr_ws *w = ws;
	int i;

	(void)f;
	if (!svc->ndests)
		return -1;
	i = sched_first_usable(svc, w->next % svc->ndests);
	if (i >= 0)
		w->next = (uint32_t)i + 1;
	return i;
}

const struct sched_ops sched_rr_ops = {
	.name = "rr",
	.wstate_size = sizeof(struct rr_ws),
	.schedule = rr_schedule,
};
