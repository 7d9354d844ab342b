/*
 * Locality-based least connection (IPVS ip_vs_lblc.c): a destination
 * address keeps the server it was given while that server is usable and
 * not overloaded (more active connections than its weight while another
 * server has under half its own); otherwise weighted least connection
 * picks a new one, which the address keeps from then on.
 *
 * Unlike IPVS, each worker keeps its own table (sched_lbl.h): an address
 * whose flows reach several workers may be given one server per worker,
 * and a change to the service starts the tables afresh.
 */
#include "sched_lbl.h"

static int lblc_schedule(const struct sched_svc *svc, void *ws,
			 const struct sched_flow *f)
{
	struct lbl_ws *w = ws;
	struct lbl_entry *e = lbl_find(w, sched_flow_daddr_key(f), f->now);
	int i;

	if (e && lbl_fits(svc, e->set[0]))
		return e->set[0];
	i = sched_least(svc, sched_overhead);
	if (i < 0)
		return -1;
	if (!e)
		e = lbl_insert(w, sched_flow_daddr_key(f), f->now);
	e->set[0] = (uint16_t)i;
	e->n = 1;
	return i;
}

const struct sched_ops sched_lblc_ops = {
	.name = "lblc",
	.wstate_size = sizeof(struct lbl_ws),
	.schedule = lblc_schedule,
};
