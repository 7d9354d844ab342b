/*
 * Per-second rates (bytes, as ipvsadm) over a sliding window: the change
 * from the oldest sample still in the ring to the newest, over their
 * time.  The master samples every 2 s from a gather, so the workers only
 * ever count.
 */
#include <stdbool.h>

#include <rte_cycles.h>

#include "ipvs.h"
#include "ipvs_svc_priv.h"

/* A counter that went back (never expected) reads as no traffic. */
static uint64_t per_second(uint64_t now, uint64_t then, double dt)
{
	return now > then ? (uint64_t)((double)(now - then) / dt) : 0;
}

void ipvs_rate_job_one(struct ipvs_rate *r, const struct ipvs_counters *now)
{
	const unsigned n = IPVS_RATE_WINDOW + 1;
	struct ipvs_rate_sample *cur = &r->ring[r->head];
	const struct ipvs_rate_sample *old;
	double dt;

	cur->tsc = rte_get_tsc_cycles();
	cur->c = *now;
	r->head = (r->head + 1) % n;
	old = &r->ring[r->head];             /* the oldest, or empty */
	if (!old->tsc)
		old = &r->ring[0];
	if (old == cur || cur->tsc <= old->tsc)
		return;
	dt = (double)(cur->tsc - old->tsc) / (double)rte_get_tsc_hz();
	r->rate.cps = per_second(cur->c.conns, old->c.conns, dt);
	r->rate.inpps = per_second(cur->c.inpkts, old->c.inpkts, dt);
	r->rate.outpps = per_second(cur->c.outpkts, old->c.outpkts, dt);
	r->rate.inbps = per_second(cur->c.inbytes, old->c.inbytes, dt);
	r->rate.outbps = per_second(cur->c.outbytes, old->c.outbytes, dt);
}

static void rate_svc(struct ipvs_service *s, void *arg __rte_unused)
{
	struct ipvs_counters st;

	ipvs_svc_stats(s, &st);
	ipvs_rate_job_one(&s->rate, &st);
	for (struct ipvs_dest *d = s->dests; d; d = d->next)
		ipvs_rate_job_one(&d->rate, &d->total);
}

static bool rates_gathering;

static void rates_gathered(void *arg __rte_unused, int rc)
{
	rates_gathering = false;
	if (rc == 0 && ipvs_svc_table_ready())
		ipvs_svc_walk(rate_svc, NULL);
}

/* Every 2 s; the master goes on while the workers answer. */
void ipvs_rate_tick(void *arg __rte_unused)
{
	if (!ipvs_svc_table_ready() || rates_gathering)
		return;
	rates_gathering = true;
	if (ipvs_stats_gather_async(rates_gathered, NULL) < 0)
		rates_gathering = false;
}
