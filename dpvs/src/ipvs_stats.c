/*
 * Gathering the workers' counters through the message bus: the master
 * multicasts the list of real servers; each worker copies its own
 * counters of each (memory only it writes) into a buffer it allocates
 * and replies with that buffer; the master sums the replies and frees
 * them.  One request gives one snapshot, taken by every worker between
 * two of its packets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "ipvs.h"
#include "lcore.h"
#include "log.h"
#include "msgbus.h"

struct stats_req {
	struct ipvs_dest **dests;  /* master memory, alive until replies are in */
	uint32_t n;
};

struct stats_reply {
	struct ipvs_pcstats *rows; /* worker-allocated, n rows */
	uint32_t n;
};

static int stats_cb(const void *req, uint16_t len, void *reply,
		    uint16_t *rlen)
{
	const struct stats_req *rq = req;
	struct stats_reply rp = { NULL, 0 };
	unsigned w = ipvs_worker_index(rte_lcore_id());

	if (len != sizeof(*rq))
		return -EINVAL;
	if (rq->n) {
		rp.rows = rte_malloc("ipvs_stats_rows", sizeof(*rp.rows) * rq->n, 0);
		if (!rp.rows)
			return -ENOMEM;
		for (uint32_t i = 0; i < rq->n; i++)
			rp.rows[i] = rq->dests[i]->stats[w];
		rp.n = rq->n;
	}
	memcpy(reply, &rp, sizeof(rp));
	*rlen = sizeof(rp);
	return 0;
}

static void free_reply(const void *reply, uint16_t len)
{
	struct stats_reply rp;

	if (len != sizeof(rp))
		return;
	memcpy(&rp, reply, sizeof(rp));
	rte_free(rp.rows);
}

struct gather {
	struct ipvs_dest **dests;
	struct dpvs_stats *sum;
	uint32_t n;
};

static void add_reply(void *arg, unsigned lcore __rte_unused, int rc,
		      const void *reply, uint16_t len)
{
	struct gather *g = arg;
	struct stats_reply rp;

	if (len != sizeof(rp))
		return;
	memcpy(&rp, reply, sizeof(rp));
	for (uint32_t i = 0; rc == 0 && i < rp.n && i < g->n; i++) {
		g->sum[i].conns += rp.rows[i].conns;
		g->sum[i].inpkts += rp.rows[i].inpkts;
		g->sum[i].outpkts += rp.rows[i].outpkts;
		g->sum[i].inbytes += rp.rows[i].inbytes;
		g->sum[i].outbytes += rp.rows[i].outbytes;
	}
	rte_free(rp.rows);
}

/* What listings show: counted since the last zeroing. */
static void set_total(struct ipvs_dest *d, const struct dpvs_stats *raw)
{
	d->total.conns = raw->conns - d->base.conns;
	d->total.inpkts = raw->inpkts - d->base.inpkts;
	d->total.outpkts = raw->outpkts - d->base.outpkts;
	d->total.inbytes = raw->inbytes - d->base.inbytes;
	d->total.outbytes = raw->outbytes - d->base.outbytes;
}

static void count_dests(struct ipvs_service *s, void *arg)
{
	*(uint32_t *)arg += s->ndests;
}

static void list_dests(struct ipvs_service *s, void *arg)
{
	struct gather *g = arg;

	for (struct ipvs_dest *d = s->dests; d; d = d->next)
		g->dests[g->n++] = d;
}

int ipvs_stats_gather(void)
{
	struct gather g = { 0 };
	struct stats_req rq;
	uint32_t total = 0;
	unsigned got = 0;
	int rc;

	ipvs_svc_walk(count_dests, &total);
	if (total == 0)
		return 0;
	g.dests = calloc(total, sizeof(*g.dests));
	g.sum = calloc(total, sizeof(*g.sum));
	if (!g.dests || !g.sum) {
		free(g.dests);
		free(g.sum);
		return -ENOMEM;
	}
	ipvs_svc_walk(list_dests, &g);
	rq.dests = g.dests;
	rq.n = g.n;
	rc = msgbus_mcast(MSG_TYPE_IPVS_STATS, &rq, sizeof(rq), add_reply, &g,
			  &got);
	/* Keep the last complete snapshot when a worker did not answer. */
	if (rc == 0)
		for (uint32_t i = 0; i < g.n; i++)
			set_total(g.dests[i], &g.sum[i]);
	else
		LOG_WARNX("ipvs", "stats: %u of %u workers answered (%s)", got,
			  lcore_nworkers(), strerror(-rc));
	free(g.dests);
	free(g.sum);
	return rc;
}

int ipvs_stats_init(void)
{
	int rc = msgbus_register(MSGBUS_ALL_LCORES, MSG_TYPE_IPVS_STATS,
				 "ipvs-stats", stats_cb);

	return rc ? rc : msgbus_set_reply_dtor(MSG_TYPE_IPVS_STATS, free_reply);
}
