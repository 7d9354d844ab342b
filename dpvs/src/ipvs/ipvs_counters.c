/*
 * What listings show: counters since the last zeroing.  Workers' counters
 * belong to the workers and only ever grow; the master keeps, per real
 * server, the raw sum at the last zeroing (its base) and shows the
 * difference, so zeroing never writes a worker's memory.
 */
#include <string.h>

#include "ipvs.h"
#include "ipvs_svc_priv.h"

void ipvs_counters_add(struct ipvs_counters *to, const struct ipvs_counters *x)
{
	to->conns += x->conns;
	to->inpkts += x->inpkts;
	to->outpkts += x->outpkts;
	to->inbytes += x->inbytes;
	to->outbytes += x->outbytes;
}

void ipvs_dest_set_total(struct ipvs_dest *d, const struct ipvs_counters *raw)
{
	d->total.conns = raw->conns - d->base.conns;
	d->total.inpkts = raw->inpkts - d->base.inpkts;
	d->total.outpkts = raw->outpkts - d->base.outpkts;
	d->total.inbytes = raw->inbytes - d->base.inbytes;
	d->total.outbytes = raw->outbytes - d->base.outbytes;
}

/* A service's traffic is that of its real servers. */
void ipvs_svc_stats(const struct ipvs_service *s, struct ipvs_counters *out)
{
	/* Real servers deleted since the last -Z still count: a service's
	 * counters never go back. */
	*out = s->gone;
	for (const struct ipvs_dest *d = s->dests; d; d = d->next)
		ipvs_counters_add(out, &d->total);
}

/* The caller gathered just before: the base becomes what workers count now. */
void ipvs_zero(struct ipvs_service *s)
{
	memset(&s->rate, 0, sizeof(s->rate));
	memset(&s->gone, 0, sizeof(s->gone));
	for (struct ipvs_dest *d = s->dests; d; d = d->next) {
		ipvs_counters_add(&d->base, &d->total);
		memset(&d->total, 0, sizeof(d->total));
		memset(&d->rate, 0, sizeof(d->rate));
	}
}
