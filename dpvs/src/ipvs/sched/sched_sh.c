/*
 * Source hashing (IPVS ip_vs_sh.c): a flow's source address (and port,
 * with SCHED_F_PORT) hashes to a bucket of a table in which each server
 * owns a share of buckets proportional to its weight.  The table is
 * built in init; the fast path hashes and indexes, nothing else, so
 * every worker gives a flow the same server.
 */
#include <errno.h>
#include <stdlib.h>

#include "sched_int.h"

/*
 * IPVS has 256 buckets and gives a server `weight` of them, so weights
 * above 256 starve the servers listed after.  4096 buckets shared out
 * by weight keep every share within 1/4096 of exact, for 8 KB.
 */
#define SH_TAB_SIZE 4096

/*
 * Contiguous runs in address order: a server's run ends where the running
 * sum of weights says, so each share is within one bucket of exact.
 */
static void sh_fill(struct sched_tab *t, const struct sched_svc *svc,
		    const struct sched_set *s)
{
	uint64_t cum = 0;
	uint32_t b = 0, end;

	for (unsigned k = 0; k < s->n; k++) {
		cum += (uint32_t)svc->dests[s->idx[k]].weight;
		end = (uint32_t)(cum * t->size / s->wsum);
		for (; b < end; b++)
			t->slot[b] = (uint16_t)s->idx[k];
	}
}

/* Builds the bucket table; dh shares it. */
int sched_bucket_init(struct sched_svc *svc)
{
	struct sched_set *s;
	struct sched_tab *t;
	int rc = sched_set_build(svc, &s);

	if (rc)
		return rc;
	t = sched_tab_alloc(SH_TAB_SIZE);
	if (t && s->n)
		sh_fill(t, svc, s);
	free(s);
	if (!t)
		return -ENOMEM;
	svc->priv = t;
	return 0;
}

static int sh_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	(void)ws;
	return sched_tab_lookup(svc, svc->priv, sched_src_key(svc, f));
}

const struct sched_ops sched_sh_ops = {
	.name = "sh",
	.init = sched_bucket_init,
	.done = sched_free_priv,
	.schedule = sh_schedule,
};
