/*
 * Locality-based least connection with replication (IPVS
 * ip_vs_lblcr.c): a destination address keeps a set of servers and
 * takes the least loaded of them (overhead / weight).  When that one is
 * overloaded (more active connections than its weight while another
 * server has under half its own), weighted least connection adds a
 * server to the set; a set unchanged for LBL_EXPIRE loses its most
 * loaded member.
 *
 * Unlike IPVS, each worker keeps its own table (sched_lbl.h), a change
 * to the service starts the tables afresh, and a set holds at most
 * LBL_SET_MAX servers: a full set's most loaded member gives way.
 */
#include "sched_lbl.h"

/* a's load is below b's: overhead / weight, cross-multiplied. */
static bool lighter(const struct sched_dest *a, const struct sched_dest *b)
{
	return (unsigned __int128)sched_overhead(a) * (uint32_t)b->weight <
	       (unsigned __int128)sched_overhead(b) * (uint32_t)a->weight;
}

/* The set's least loaded usable member, as an index into dests; -1. */
static int set_min(const struct sched_svc *svc, const struct lbl_entry *e)
{
	int least = -1;

	for (unsigned k = 0; k < e->n; k++) {
		unsigned i = e->set[k];

		if (i >= svc->ndests || !sched_dest_usable(&svc->dests[i]))
			continue;
		if (least < 0 || lighter(&svc->dests[i], &svc->dests[least]))
			least = (int)i;
	}
	return least;
}

/* The position in the set of its most loaded member; weight 0 first. */
static unsigned set_max(const struct sched_svc *svc, const struct lbl_entry *e)
{
	unsigned most = 0;

	for (unsigned k = 0; k < e->n; k++) {
		const struct sched_dest *d, *m;

		if (e->set[k] >= svc->ndests)
			return k;       /* cannot happen: tables die with svc */
		d = &svc->dests[e->set[k]];
		m = &svc->dests[e->set[most]];
		if (d->weight <= 0)
			return k;
		if (lighter(m, d))
			most = k;
	}
	return most;
}

static void set_erase(struct lbl_entry *e, unsigned k, uint32_t now)
{
	e->set[k] = e->set[--e->n];
	e->mod = now;
}

static void set_insert(const struct sched_svc *svc, struct lbl_entry *e,
		       unsigned i, uint32_t now)
{
	for (unsigned k = 0; k < e->n; k++)
		if (e->set[k] == i)
			return;
	if (e->n == LBL_SET_MAX)
		set_erase(e, set_max(svc, e), now);
	e->set[e->n++] = (uint16_t)i;
	e->mod = now;
}

static int lblcr_schedule(const struct sched_svc *svc, void *ws,
			  const struct sched_flow *f)
{
	struct lbl_ws *w = ws;
	struct lbl_entry *e = lbl_find(w, sched_flow_daddr_key(f), f->now);
	int i = e ? set_min(svc, e) : -1;

	if (e && e->n > 1 && f->now - e->mod > LBL_EXPIRE)
		set_erase(e, set_max(svc, e), f->now);
	if (i >= 0 && !lbl_overloaded(svc, &svc->dests[i]))
		return i;
	i = sched_least(svc, sched_overhead);
	if (i < 0)
		return -1;
	if (!e)
		e = lbl_insert(w, sched_flow_daddr_key(f), f->now);
	set_insert(svc, e, (unsigned)i, f->now);
	return i;
}

const struct sched_ops sched_lblcr_ops = {
	.name = "lblcr",
	.wstate_size = sizeof(struct lbl_ws),
	.schedule = lblcr_schedule,
};
