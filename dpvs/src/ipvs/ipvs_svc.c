/* Services, real servers and local addresses: the master's side. */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "ipvs.h"
#include "ipvs_conn.h"
#include "ipvs_xmit.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/rcu.h"

struct svc_key {
	uint32_t vip;
	uint16_t vport;
	uint8_t proto;
	uint8_t pad;
};

static struct rte_hash *svc_table;
static uint32_t svc_max;
static unsigned nworkers;
static uint8_t widx_of[RTE_MAX_LCORE];

unsigned ipvs_worker_index(unsigned lcore)
{
	return widx_of[lcore];
}

static void *pc_alloc(size_t elem)
{
	return rte_zmalloc("ipvs_pc", elem * (nworkers ? nworkers : 1),
			   RTE_CACHE_LINE_SIZE);
}

int ipvs_svc_table_init(uint32_t max_services)
{
	struct rte_hash_parameters hp = {
		.name = "ipvs_svc",
		.entries = max_services,
		.key_len = sizeof(struct svc_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	const unsigned *w = lcore_workers();

	nworkers = lcore_nworkers();
	for (unsigned i = 0; i < nworkers; i++)
		widx_of[w[i]] = (uint8_t)i;
	svc_table = rte_hash_create(&hp);
	if (!svc_table) {
		LOG_ERRX("ipvs", "cannot create a table of %u services: %s",
			 max_services, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	svc_max = max_services;
	return 0;
}

void ipvs_svc_usage(uint32_t *used, uint32_t *size)
{
	int32_t n = svc_table ? rte_hash_count(svc_table) : 0;

	*used = n > 0 ? (uint32_t)n : 0;
	*size = svc_max;
}

struct ipvs_service *ipvs_svc_lookup(uint8_t proto, uint32_t vip,
				     uint16_t vport)
{
	struct svc_key k = { .vip = vip, .vport = vport, .proto = proto };
	void *data;

	if (rte_hash_lookup_data(svc_table, &k, &data) < 0)
		return NULL;
	return data;
}

struct ipvs_service *ipvs_svc_get(uint8_t proto, uint32_t vip, uint16_t vport)
{
	return ipvs_svc_lookup(proto, vip, vport);
}

/* ---- snapshots ---- */

static void snap_free(struct svc_snap *sn)
{
	if (!sn)
		return;
	if (sn->ops && sn->ops->done)
		sn->ops->done(&sn->ss);
	rte_free(sn->ss.dests);
	rte_free(sn->dests);
	rte_free(sn->wstate);
	rte_free(sn);
}

static uint32_t sched_flags(uint32_t f)
{
	return (f & DPVS_SVC_F_SCHED_FALLBACK ? SCHED_F_FALLBACK : 0) |
	       (f & DPVS_SVC_F_SCHED_PORT ? SCHED_F_PORT : 0);
}

static struct svc_snap *snap_build(const struct ipvs_service *s)
{
	struct svc_snap *sn = rte_zmalloc("svc_snap", sizeof(*sn), 0);
	unsigned i = 0;

	if (!sn)
		return NULL;
	sn->ops = sched_lookup(s->sched[0] ? s->sched : "wlc");
	sn->ss.dests = rte_zmalloc("snap_d", sizeof(*sn->ss.dests) *
				   (s->ndests + 1), 0);
	sn->dests = rte_zmalloc("snap_dp", sizeof(*sn->dests) * (s->ndests + 1), 0);
	sn->wstate = rte_zmalloc("snap_ws", IPVS_WSTATE_STRIDE *
				 (nworkers ? nworkers : 1), RTE_CACHE_LINE_SIZE);
	if (!sn->ops || !sn->ss.dests || !sn->dests || !sn->wstate)
		goto fail;
	for (struct ipvs_dest *d = s->dests; d; d = d->next, i++) {
		struct sched_dest *sd = &sn->ss.dests[i];

		sd->addr = d->addr;
		sd->port = d->port;
		sd->weight = d->weight;
		sd->u_thresh = d->u_thresh;
		sd->l_thresh = d->l_thresh;
		sd->cnt = &d->cnt;
		sd->owner = d;
		sn->dests[i] = d;
	}
	sn->ss.ndests = i;
	sn->ss.flags = sched_flags(s->flags);
	sn->persist_timeout = s->timeout;
	sn->netmask = s->netmask;
	for (struct ipvs_laddr *l = s->laddrs; l && sn->nladdr < IPVS_MAX_LADDR;
	     l = l->next)
		sn->laddrs[sn->nladdr++] = l;
	if (sn->ops->init && sn->ops->init(&sn->ss) != 0) {
		sn->ops = NULL;
		goto fail;
	}
	return sn;
fail:
	snap_free(sn);
	return NULL;
}

/* Builds and swaps in a new snapshot; the old one goes after a grace. */
static int publish(struct ipvs_service *s)
{
	struct svc_snap *sn = snap_build(s), *old;

	if (!sn)
		return -ENOMEM;
	old = s->snap;
	__atomic_store_n(&s->snap, sn, __ATOMIC_RELEASE);
	if (old) {
		rcu_synchronize();
		snap_free(old);
	}
	return 0;
}

/* ---- references ---- */

uint32_t ipvs_nat_dests;

/* A running count: recounting every service per change made loading N
 * services cost N^2.  A dest leaves it when its last connection goes. */
static void nat_count(const struct ipvs_dest *d, int delta)
{
	if (ipvs_fwd_counts_nat(d->fwd))
		__atomic_add_fetch(&ipvs_nat_dests, (uint32_t)delta,
				   __ATOMIC_RELAXED);
}

void ipvs_dest_put(struct ipvs_dest *d)
{
	if (__atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	/* Its NAT connections need the hand-over search until the last. */
	nat_count(d, -1);
	rte_free(d->stats);
	rte_free(d);
}

void ipvs_laddr_put(struct ipvs_laddr *l)
{
	if (__atomic_sub_fetch(&l->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	ipvs_port_pools_free(l);
	rte_free(l->conns);
	rte_free(l);
}

/* ---- services ---- */

static int check_sched(const struct dpvs_service *s)
{
	const char *name = s->sched[0] ? s->sched : "wlc";

	return sched_lookup(name) ? 0 : -ENOENT;
}

static void svc_set(struct ipvs_service *s, const struct dpvs_service *in)
{
	snprintf(s->sched, sizeof(s->sched), "%s", in->sched[0] ? in->sched : "wlc");
	s->flags = in->flags;
	s->timeout = in->flags & DPVS_SVC_F_PERSISTENT ?
			     (in->timeout ? in->timeout : 300) : 0;
	s->netmask = in->netmask ? rte_be_to_cpu_32(in->netmask) : 0xffffffffu;
}

int ipvs_svc_add(const struct dpvs_service *in)
{
	uint32_t vip = rte_be_to_cpu_32(in->vip);
	struct svc_key k = { .vip = vip, .vport = in->vport, .proto = in->proto };
	struct ipvs_service *s;
	int rc;

	if (ipvs_svc_lookup(in->proto, vip, in->vport))
		return -EEXIST;
	if (check_sched(in))
		return -ENOENT;
	s = rte_zmalloc("ipvs_svc", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (!s)
		return -ENOMEM;
	s->proto = in->proto;
	s->vip = vip;
	s->vport = in->vport;
	svc_set(s, in);
	rc = publish(s);
	if (rc == 0 && rte_hash_add_key_data(svc_table, &k, s) < 0)
		rc = -ENOSPC;
	if (rc) {
		snap_free(s->snap);
		rte_free(s);
	}
	return rc;
}

int ipvs_svc_edit(const struct dpvs_service *in)
{
	struct ipvs_service *s = ipvs_svc_lookup(in->proto,
						 rte_be_to_cpu_32(in->vip),
						 in->vport);
	struct ipvs_service old;

	if (!s)
		return -ENOENT;
	if (check_sched(in))
		return -ENOENT;
	memcpy(&old, s, sizeof(old));
	svc_set(s, in);
	if (publish(s) != 0) {
		memcpy(s->sched, old.sched, sizeof(s->sched));
		s->flags = old.flags;
		s->timeout = old.timeout;
		s->netmask = old.netmask;
		return -ENOMEM;
	}
	return 0;
}


int ipvs_svc_del(uint8_t proto, uint32_t vip, uint16_t vport)
{
	struct svc_key k = { .vip = vip, .vport = vport, .proto = proto };
	struct ipvs_service *s = ipvs_svc_lookup(proto, vip, vport);
	int32_t pos;

	if (!s)
		return -ENOENT;
	pos = rte_hash_del_key(svc_table, &k);
	rcu_synchronize();
	/* A lock-free table keeps a deleted key's slot until told: readers
	 * may have been comparing it until the grace period above. */
	if (pos >= 0)
		rte_hash_free_key_with_position(svc_table, pos);
	/* Established connections keep their dest and laddr references. */
	while (s->dests) {
		struct ipvs_dest *d = s->dests;

		s->dests = d->next;
		ipvs_dest_put(d);
	}
	while (s->laddrs) {
		struct ipvs_laddr *l = s->laddrs;

		s->laddrs = l->next;
		ipvs_laddr_put(l);
	}
	snap_free(s->snap);
	rte_free(s);
	return 0;
}

void ipvs_svc_walk(void (*fn)(struct ipvs_service *s, void *arg), void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(svc_table, &key, &data, &it) >= 0)
		fn(data, arg);
}

void ipvs_svc_flush(void)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(svc_table, &key, &data, &it) >= 0) {
		struct ipvs_service *s = data;

		ipvs_svc_del(s->proto, s->vip, s->vport);
		it = 0; /* the table changed under the iterator */
	}
}

/* ---- dests ---- */

static struct ipvs_dest **dest_find(struct ipvs_service *s, uint32_t addr,
				    uint16_t port)
{
	struct ipvs_dest **pp;

	for (pp = &s->dests; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr && (*pp)->port == port)
			return pp;
	return NULL;
}

static void dest_set(struct ipvs_dest *d, const struct dpvs_dest *in)
{
	d->fwd = (uint8_t)(in->fwd - DPVS_FWD_FNAT);   /* enum ipvs_fwd */
	d->weight = in->weight;
	d->u_thresh = in->u_thresh;
	d->l_thresh = in->l_thresh;
}

int ipvs_dest_add(struct ipvs_service *s, const struct dpvs_dest *in)
{
	uint32_t addr = rte_be_to_cpu_32(in->addr);
	struct ipvs_dest *d, **tail;

	if (dest_find(s, addr, in->port))
		return -EEXIST;
	d = rte_zmalloc("ipvs_dest", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (!d || !(d->stats = pc_alloc(sizeof(*d->stats)))) {
		rte_free(d);
		return -ENOMEM;
	}
	d->addr = addr;
	d->port = in->port;
	d->refcnt = 1;
	dest_set(d, in);
	for (tail = &s->dests; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	s->ndests++;
	/* Counted before publishing: the put of a failed publish uncounts it. */
	nat_count(d, 1);
	if (publish(s) != 0) {
		*tail = NULL;
		s->ndests--;
		ipvs_dest_put(d);
		return -ENOMEM;
	}
	return 0;
}

int ipvs_dest_edit(struct ipvs_service *s, const struct dpvs_dest *in)
{
	struct ipvs_dest **pp = dest_find(s, rte_be_to_cpu_32(in->addr), in->port);

	if (!pp)
		return -ENOENT;
	/* Existing conns keep the method they were made with. */
	nat_count(*pp, -1);
	dest_set(*pp, in);
	nat_count(*pp, 1);
	return publish(s);
}

static void stats_add(struct dpvs_stats *to, const struct dpvs_stats *x)
{
	to->conns += x->conns;
	to->inpkts += x->inpkts;
	to->outpkts += x->outpkts;
	to->inbytes += x->inbytes;
	to->outbytes += x->outbytes;
}

int ipvs_dest_del(struct ipvs_service *s, uint32_t addr, uint16_t port)
{
	struct ipvs_dest **pp = dest_find(s, addr, port), *d;

	if (!pp)
		return -ENOENT;
	d = *pp;
	*pp = d->next;
	s->ndests--;
	/* Workers keep reading the old snapshot, which names d: keep it. */
	if (publish(s) != 0) {
		*pp = d;
		s->ndests++;
		return -ENOMEM;
	}
	stats_add(&s->gone, &d->total);
	ipvs_dest_put(d);
	return 0;
}

/* ---- local addresses ---- */

int ipvs_laddr_add(struct ipvs_service *s, uint32_t addr, uint16_t port_id)
{
	struct ipvs_laddr *l, **tail;
	unsigned n = 0;

	for (tail = &s->laddrs; *tail; tail = &(*tail)->next, n++)
		if ((*tail)->addr == addr)
			return -EEXIST;
	if (n >= IPVS_MAX_LADDR)
		return -ENOSPC;
	l = rte_zmalloc("ipvs_laddr", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (!l)
		return -ENOMEM;
	l->addr = addr;
	l->port_id = port_id;
	l->refcnt = 1;
	l->conns = pc_alloc(sizeof(uint64_t) * 8); /* a line per worker */
	if (!l->conns || ipvs_port_pools_init(l, nworkers) != 0) {
		rte_free(l->conns);
		rte_free(l);
		return -ENOMEM;
	}
	*tail = l;
	if (publish(s) != 0) {
		*tail = NULL;
		ipvs_laddr_put(l);
		return -ENOMEM;
	}
	return 0;
}

int ipvs_laddr_del(struct ipvs_service *s, uint32_t addr)
{
	struct ipvs_laddr **pp, *l;

	for (pp = &s->laddrs; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr)
			break;
	if (!*pp)
		return -ENOENT;
	l = *pp;
	*pp = l->next;
	if (publish(s) != 0) {
		*pp = l;
		return -ENOMEM;
	}
	ipvs_laddr_put(l);
	return 0;
}

/* ---- statistics ---- */

/*
 * Per-second rates (bytes, as ipvsadm) over a sliding window: the change
 * from the oldest sample still in the ring to the newest, over their time.
 */
/* A counter that went back (never expected) reads as no traffic. */
static uint64_t per_second(uint64_t now, uint64_t then, double dt)
{
	return now > then ? (uint64_t)((double)(now - then) / dt) : 0;
}

void ipvs_rate_job_one(struct ipvs_rate *r, const struct dpvs_stats *now)
{
	const unsigned n = IPVS_RATE_WINDOW + 1;
	struct ipvs_rate_sample *cur = &r->ring[r->head];
	const struct ipvs_rate_sample *old;
	double dt;

	cur->tsc = rte_get_tsc_cycles();
	cur->conns = now->conns;
	cur->inpkts = now->inpkts;
	cur->outpkts = now->outpkts;
	cur->inbytes = now->inbytes;
	cur->outbytes = now->outbytes;
	r->head = (r->head + 1) % n;
	old = &r->ring[r->head];             /* the oldest, or empty */
	if (!old->tsc)
		old = &r->ring[0];
	if (old == cur || cur->tsc <= old->tsc)
		return;
	dt = (double)(cur->tsc - old->tsc) / (double)rte_get_tsc_hz();
	r->rate.cps = per_second(cur->conns, old->conns, dt);
	r->rate.inpps = per_second(cur->inpkts, old->inpkts, dt);
	r->rate.outpps = per_second(cur->outpkts, old->outpkts, dt);
	r->rate.inbps = per_second(cur->inbytes, old->inbytes, dt);
	r->rate.outbps = per_second(cur->outbytes, old->outbytes, dt);
}

/* A service's traffic is that of its real servers. */
void ipvs_svc_stats(const struct ipvs_service *s, struct dpvs_stats *out)
{
	/* Real servers deleted since the last -Z still count: a service's
	 * counters never go back. */
	*out = s->gone;
	for (const struct ipvs_dest *d = s->dests; d; d = d->next)
		stats_add(out, &d->total);
}

static void rate_svc(struct ipvs_service *s, void *arg __rte_unused)
{
	struct dpvs_stats st;

	ipvs_svc_stats(s, &st);
	ipvs_rate_job_one(&s->rate, &st);
	for (struct ipvs_dest *d = s->dests; d; d = d->next)
		ipvs_rate_job_one(&d->rate, &d->total);
}

static bool rates_gathering;

static void rates_gathered(void *arg __rte_unused, int rc)
{
	rates_gathering = false;
	if (rc == 0 && svc_table)
		ipvs_svc_walk(rate_svc, NULL);
}

/* Every 2 s; the master goes on while the workers answer. */
int ipvs_rate_job(void *arg __rte_unused)
{
	static uint64_t last;
	uint64_t now = rte_get_tsc_cycles();

	if (now - last < rte_get_tsc_hz() * 2 || !svc_table || rates_gathering)
		return 0;
	last = now;
	rates_gathering = true;
	if (ipvs_stats_gather_async(rates_gathered, NULL) < 0)
		rates_gathering = false;
	return 0;
}

/*
 * Workers' counters belong to the workers: zeroing moves the master's
 * baseline to what they count now (the caller gathered just before)
 * and never writes their memory.
 */
void ipvs_zero(struct ipvs_service *s)
{
	memset(&s->rate, 0, sizeof(s->rate));
	memset(&s->gone, 0, sizeof(s->gone));
	for (struct ipvs_dest *d = s->dests; d; d = d->next) {
		stats_add(&d->base, &d->total);
		memset(&d->total, 0, sizeof(d->total));
		memset(&d->rate, 0, sizeof(d->rate));
	}
}

void ipvs_svc_table_fini(void)
{
	if (svc_table)
		ipvs_svc_flush();
	rte_hash_free(svc_table);
	svc_table = NULL;
}
