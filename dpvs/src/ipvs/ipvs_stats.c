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
#include "ipvs_svc_priv.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/msgbus.h"

/*
 * The list of real servers a request names.  A worker may read it after
 * the master gave up waiting (a late request), so it is counted: one
 * reference for each worker it went to and one for the master, each
 * dest in it held until the last one is dropped.
 */
struct stats_list {
	uint32_t refs;
	uint32_t n;
	struct ipvs_dest *dests[];
};

struct stats_req {
	struct stats_list *list;
};

/* Any lcore: the last reader frees the list and its dest references. */
static void list_put(struct stats_list *l)
{
	if (__atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (uint32_t i = 0; i < l->n; i++)
		ipvs_dest_put(l->dests[i]);
	rte_free(l);
}

/* A copy of the request no worker will read drops its reference. */
static void lost_request(const void *req, uint16_t len)
{
	struct stats_req rq;

	if (len != sizeof(rq))
		return;
	memcpy(&rq, req, sizeof(rq));
	list_put(rq.list);
}

struct stats_reply {
	struct ipvs_pcstats *rows; /* worker-allocated, n rows */
	uint32_t n;
};

static int stats_cb(const void *req, uint16_t len, void *reply,
		    uint16_t *rlen)
{
	struct stats_reply rp = { NULL, 0 };
	unsigned w = ipvs_worker_index(rte_lcore_id());
	struct stats_list *l;
	struct stats_req rq;

	if (len != sizeof(rq))
		return -EINVAL;
	memcpy(&rq, req, sizeof(rq));
	l = rq.list;
	rp.rows = rte_malloc("ipvs_stats_rows", sizeof(*rp.rows) * l->n, 0);
	if (!rp.rows) {
		list_put(l);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < l->n; i++)
		rp.rows[i] = l->dests[i]->stats[w];
	rp.n = l->n;
	list_put(l);
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
	struct ipvs_counters *sum;
	uint32_t n;
	struct stats_list *list;
	ipvs_gather_cb cb;
	void *arg;
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

static void gather_free(struct gather *g)
{
	free(g->dests);
	free(g->sum);
	free(g);
}

/* Runs on the master when every worker answered or the time ran out. */
static void gather_done(void *arg, int rc, unsigned nreplies)
{
	struct gather *g = arg;

	/* Keep the last complete snapshot when a worker did not answer. */
	if (rc == 0)
		for (uint32_t i = 0; i < g->n; i++)
			ipvs_dest_set_total(g->dests[i], &g->sum[i]);
	else if (rc != -ECANCELED) /* -ECANCELED: shutting down */
		LOG_WARNX("ipvs", "stats: %u of %u workers answered (%s)",
			  nreplies, lcore_nworkers(), strerror(-rc));
	list_put(g->list); /* the master's reference: dests stay till here */
	if (g->cb)
		g->cb(g->arg, rc);
	gather_free(g);
}

/* The request: every real server (or only's), each held by the list. */
static struct gather *gather_new(uint32_t total, struct ipvs_service *only)
{
	struct gather *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->dests = calloc(total, sizeof(*g->dests));
	g->sum = calloc(total, sizeof(*g->sum));
	g->list = rte_malloc("ipvs_stats_list", sizeof(*g->list) +
			     sizeof(g->list->dests[0]) * total, 0);
	if (!g->dests || !g->sum || !g->list) {
		rte_free(g->list);
		gather_free(g);
		return NULL;
	}
	if (only)
		list_dests(only, g);
	else
		ipvs_svc_walk(list_dests, g);
	g->list->refs = lcore_nworkers() + 1;
	g->list->n = g->n;
	for (uint32_t i = 0; i < g->n; i++) {
		__atomic_add_fetch(&g->dests[i]->refcnt, 1, __ATOMIC_RELAXED);
		g->list->dests[i] = g->dests[i];
	}
	return g;
}

/*
 * A reply about one service needs its real servers' counters only: the
 * workers copy a few rows, not every service's (0.15 s at 20,000).
 */
int ipvs_stats_gather_svc_async(struct ipvs_service *only, ipvs_gather_cb cb,
				void *arg)
{
	struct stats_req rq;
	struct gather *g;
	uint32_t total = 0;
	int rc;

	if (only)
		count_dests(only, &total);
	else
		ipvs_svc_walk(count_dests, &total);
	if (total == 0 || lcore_nworkers() == 0) {
		if (cb)
			cb(arg, 0);
		return 0;
	}
	g = gather_new(total, only);
	if (!g)
		return -ENOMEM;
	g->cb = cb;
	g->arg = arg;
	rq.list = g->list;
	rc = msgbus_mcast_async(MSG_TYPE_IPVS_STATS, &rq, sizeof(rq), add_reply,
				gather_done, g);
	if (rc == 0)
		return 0;
	/*
	 * Nothing went out.  A copy lost on the way dropped its own
	 * reference (lost_request); when none was posted at all (EBUSY,
	 * EINVAL) the workers' references are ours to drop too.
	 */
	if (rc == -EBUSY || rc == -EINVAL)
		for (unsigned i = 0; i < lcore_nworkers(); i++)
			list_put(g->list);
	list_put(g->list);
	gather_free(g);
	return rc;
}

int ipvs_stats_gather_async(ipvs_gather_cb cb, void *arg)
{
	return ipvs_stats_gather_svc_async(NULL, cb, arg);
}

int ipvs_stats_init(void)
{
	int rc = msgbus_register(MSGBUS_ALL_LCORES, MSG_TYPE_IPVS_STATS,
				 "ipvs-stats", stats_cb);

	if (!rc)
		rc = msgbus_set_reply_dtor(MSG_TYPE_IPVS_STATS, free_reply);
	return rc ? rc : msgbus_set_request_dtor(MSG_TYPE_IPVS_STATS,
						 lost_request);
}
