/*
 * Service snapshots: what workers read of a service, built whole by the
 * master and published with one pointer store, so a worker never sees a
 * half-changed service and never takes a lock.  The one it replaces is
 * freed after a grace period, when no worker can still be reading it:
 * at once (ipvs_snap_publish) when what it names is about to go, else
 * later, by token, without waiting (ipvs_snap_publish_lazy).
 *
 * Snapshots live in libc's heap, not DPDK's: one is built and one freed
 * for every change, and in DPDK's heap that churn left free fragments
 * that every later aligned allocation scanned (loading 20,000 services
 * x 4 real servers took 174 s instead of 6).  Workers read either alike.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "ipvs.h"
#include "ipvs_svc_priv.h"
#include "proxy_proto.h"
#include "core/rcu.h"

void ipvs_snap_free(struct svc_snap *sn)
{
	if (!sn)
		return;
	if (sn->ops && sn->ops->done)
		sn->ops->done(&sn->ss);
	free(sn->ss.dests);
	free(sn->dests);
	free(sn->wstate);
	free(sn);
}

static uint32_t sched_flags(uint32_t f)
{
	return (f & IPVS_SVC_F_SCHED_FALLBACK ? SCHED_F_FALLBACK : 0) |
	       (f & IPVS_SVC_F_SCHED_PORT ? SCHED_F_PORT : 0);
}

/* The scheduler's view of each real server, in list order. */
static void snap_dests(struct svc_snap *sn, const struct ipvs_service *s)
{
	unsigned i = 0;

	for (struct ipvs_dest *d = s->dests; d; d = d->next, i++) {
		struct sched_dest *sd = &sn->ss.dests[i];

		sd->af = d->af;
		if (d->af == AF_INET6)
			memcpy(sd->addr6, &d->addr.in6, sizeof(sd->addr6));
		else
			sd->addr = d->addr.in4;
		sd->port = d->port;
		sd->weight = d->weight;
		sd->u_thresh = d->u_thresh;
		sd->l_thresh = d->l_thresh;
		sd->cnt = &d->cnt;
		sd->owner = d;
		sn->dests[i] = d;
	}
	sn->ss.ndests = i;
}

/* v4 local addresses first (what v4 conns and NAT64 use), then v6 ones. */
static void snap_laddrs(struct svc_snap *sn, const struct ipvs_service *s)
{
	unsigned n = 0;

	for (struct ipvs_laddr *l = s->laddrs; l && n < IPVS_MAX_LADDR; l = l->next)
		if (l->af == AF_INET)
			sn->laddrs[n++] = l;
	sn->nladdr = n;
	for (struct ipvs_laddr *l = s->laddrs; l && n < IPVS_MAX_LADDR; l = l->next)
		if (l->af == AF_INET6)
			sn->laddrs[n++] = l;
	sn->nladdr6 = n - sn->nladdr;
}

static struct svc_snap *snap_build(const struct ipvs_service *s)
{
	struct svc_snap *sn = calloc(1, sizeof(*sn));
	unsigned nw = ipvs_nworkers();
	size_t ws;

	if (!sn)
		return NULL;
	sn->ops = sched_lookup(s->sched[0] ? s->sched : IPVS_SCHED_DEFAULT);
	if (!sn->ops)
		goto fail;
	/* A line or more each: workers never write one another's lines. */
	sn->wstride = RTE_ALIGN_CEIL(RTE_MAX(sn->ops->wstate_size,
					     (size_t)IPVS_WSTATE_STRIDE),
				     RTE_CACHE_LINE_SIZE);
	ws = sn->wstride * (nw ? nw : 1);
	sn->ss.dests = calloc(s->ndests + 1, sizeof(*sn->ss.dests));
	sn->dests = calloc(s->ndests + 1, sizeof(*sn->dests));
	sn->wstate = aligned_alloc(RTE_CACHE_LINE_SIZE, ws);
	if (!sn->ss.dests || !sn->dests || !sn->wstate)
		goto fail;
	memset(sn->wstate, 0, ws);
	snap_dests(sn, s);
	sn->ss.flags = sched_flags(s->flags);
	sn->persist_timeout = s->timeout;
	sn->netmask = s->af == AF_INET6 ? 0xffffffffu : s->netmask;
	sn->af = s->af;
	sn->plen6 = s->af == AF_INET6 ? (uint8_t)s->netmask : 0;
	sn->pp_ver = s->flags & IPVS_SVC_F_PROXY_V2 ? PP_V2 :
		     s->flags & IPVS_SVC_F_PROXY_V1 ? PP_V1 : 0;
	snap_laddrs(sn, s);
	if (sn->ops->init && sn->ops->init(&sn->ss) != 0) {
		sn->ops = NULL;
		goto fail;
	}
	return sn;
fail:
	ipvs_snap_free(sn);
	return NULL;
}

/* Master only: bumped by every change a snapshot carries. */
static uint64_t config_gen;

uint64_t ipvs_config_gen(void)
{
	return config_gen;
}

/*
 * Replaced snapshots whose readers may not be done, oldest first, with
 * the grace-period token taken when each was replaced.  Loading 20,000
 * services x 4 real servers replaces 80,000 snapshots: waiting out a
 * grace period for each kept the master waiting on the workers' loops
 * for most of the load.  Master only.
 */
#define SNAP_RETIRED_MAX 1024u

static struct {
	struct svc_snap *sn;
	uint64_t token;
} retired[SNAP_RETIRED_MAX];
static unsigned retired_head, retired_n;

/* Frees the oldest retired snapshots whose grace period is over. */
static void snap_reclaim(bool wait)
{
	while (retired_n) {
		unsigned h = retired_head;

		if (!rcu_passed(retired[h].token, wait))
			return;
		ipvs_snap_free(retired[h].sn);
		retired_head = (h + 1) % SNAP_RETIRED_MAX;
		retired_n--;
	}
}

static void snap_retire(struct svc_snap *old)
{
	snap_reclaim(false);
	if (retired_n == SNAP_RETIRED_MAX) {   /* bounded: wait for the oldest */
		rcu_passed(retired[retired_head].token, true);
		snap_reclaim(false);
	}
	retired[(retired_head + retired_n) % SNAP_RETIRED_MAX].sn = old;
	retired[(retired_head + retired_n) % SNAP_RETIRED_MAX].token = rcu_token();
	retired_n++;
}

void ipvs_snap_quiesce(void)
{
	rcu_synchronize();
	snap_reclaim(true);
}

int ipvs_snap_publish_lazy(struct ipvs_service *s)
{
	struct svc_snap *sn = snap_build(s), *old;

	if (!sn)
		return -ENOMEM;
	old = s->snap;
	__atomic_store_n(&s->snap, sn, __ATOMIC_RELEASE);
	config_gen++;
	if (old)
		snap_retire(old);
	return 0;
}

int ipvs_snap_publish(struct ipvs_service *s)
{
	int rc = ipvs_snap_publish_lazy(s);

	if (rc == 0)
		ipvs_snap_quiesce();
	return rc;
}
