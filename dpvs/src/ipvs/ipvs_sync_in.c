/*
 * Connection sync, the installing side.  The master posts each
 * authenticated record to the worker that will own the conn; that
 * worker's loop job checks it against this LB's own services and
 * installs it in its own table.  The owner is the worker the conn's
 * packets reach: for FullNAT the local port's (replies carry it), else
 * the sender's worker when both LBs have as many (same RSS), else a
 * guess; the sync directory then hands client packets from whichever
 * worker they reach to the owner.
 */
#include "ipvs_sync_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core/lcore.h"
#include "ipvs_conn_int.h"
#include "ipvs_persist.h"
#include "ipvs_xmit.h"
#include "sync_dir.h"

#define INSTALL_MAX 256   /* records a loop: bounds the worker's latency */
#define INSTALL_BURST 32

static struct rte_ring **in_rings;   /* [nw], by worker index */
static unsigned nin;
static uint64_t in_full;             /* the master's; atomic for readers */

int ipvs_sync_in_init(unsigned nw, uint32_t ring_size, bool with_v6)
{
	in_rings = calloc(nw, sizeof(*in_rings));
	if (!in_rings)
		return -ENOMEM;
	nin = nw;
	for (unsigned w = 0; w < nw; w++) {
		in_rings[w] = ipvs_sync_ring_new("in", w, ring_size);
		if (!in_rings[w])
			return -ENOMEM;
	}
	return with_v6 ? ipvs_sync_in6_init(nw, ring_size) : 0;
}

void ipvs_sync_in_fini(void)
{
	for (unsigned w = 0; in_rings && w < nin; w++)
		rte_ring_free(in_rings[w]);
	free(in_rings);
	in_rings = NULL;
	nin = 0;
	__atomic_store_n(&in_full, 0, __ATOMIC_RELAXED);
	ipvs_sync_in6_fini();
}

uint32_t ipvs_sync_in_ring_count(void)
{
	uint32_t n = 0;

	for (unsigned w = 0; in_rings && w < nin; w++)
		n += rte_ring_count(in_rings[w]);
	return n + ipvs_sync_in6_ring_count();
}

uint64_t ipvs_sync_in_ring_full(void)
{
	return __atomic_load_n(&in_full, __ATOMIC_RELAXED) +
	       ipvs_sync_in6_ring_full();
}

/* What no table of ours can hold: unknown protocol, mode or state. */
static bool rec_valid(const struct ipvs_sync_rec *r)
{
	const struct ipvs_proto *pp = ipvs_proto_get(r->proto);

	if (!pp || r->fwd >= IPVS_FWD_MAX)
		return false;
	if (r->rtype == IPVS_SYNC_TMPL)
		return true;
	if (r->rtype != IPVS_SYNC_CONN || r->state >= CS_MAX)
		return false;
	/* A state of another protocol has no timeout in this one's table. */
	if (!__atomic_load_n(&pp->timeouts[r->state], __ATOMIC_RELAXED))
		return false;
	return !ipvs_fwd_snat((enum ipvs_fwd)r->fwd) || (r->laddr && r->lport);
}

/*
 * NAT, DR, TUN: the worker of a conn here that r updates or replaces,
 * else -1.  Such a conn may sit on another worker than the guess: the
 * one that claimed r's NAT reply tuple (nat_reg.c; this LB's own conn
 * of its time as MASTER, say), or a synced conn of r's client tuple
 * placed by another guess (the directory; the peer's worker count
 * changed).  The master is no RCU reader of either: a racy read only
 * misplaces the record, whose packets both tables still route.
 */
static int holder_of(const struct ipvs_sync_rec *r)
{
	struct conn_tuple in = { r->caddr, r->vaddr, r->cport, r->vport,
				 r->proto };

	if (ipvs_fwd_client_reply_key((enum ipvs_fwd)r->fwd)) {
		struct conn_tuple reply = { r->daddr, r->caddr, r->dport,
					    r->cport, r->proto };
		int o = ipvs_conn_nat_owner(&reply);

		if (o >= 0)
			return o;
	}
	return ipvs_sync_dir_used() ? ipvs_sync_dir_owner(&in) : -1;
}

/* The worker whose table will hold the conn of r. */
static unsigned owner_of(const struct ipvs_sync_rec *r, unsigned sender_nw)
{
	int o;

	/* Templates are shared by the workers: any one installs them. */
	if (r->rtype == IPVS_SYNC_TMPL)
		return 0;
	/* Worker w hands out the local ports p % nworkers == w (ipvs_ports.c). */
	if (ipvs_fwd_snat((enum ipvs_fwd)r->fwd))
		return r->lport % nin;
	o = holder_of(r);
	if (o >= 0 && (unsigned)o < nin)
		return (unsigned)o;
	if (sender_nw == nin && r->widx < nin)
		return r->widx;
	return r->caddr % nin;
}

int ipvs_sync_post(const struct ipvs_sync_rec *r, unsigned sender_nw)
{
	struct ipvs_sync_rec copy = *r;   /* the ring's API takes no const */
	unsigned w;

	if (!in_rings || !rec_valid(r))
		return -EINVAL;
	w = owner_of(r, sender_nw);
	if (rte_ring_sp_enqueue_elem(in_rings[w], &copy, sizeof(copy)) != 0) {
		__atomic_add_fetch(&in_full, 1, __ATOMIC_RELAXED);
		return -ENOBUFS;
	}
	return 0;
}

/* The directory's key: the conn table's client key, v6 digest and all. */
static void client_key(struct conn_key *k, const struct ipvs_conn *c)
{
	if (ipvs_sync_is_v6(c))
		key6_of(k, c->proto, &c->caddr6, c->cport,
			&c->dest->vaddr.in6, c->vport);
	else
		key_of(k, c->proto, c->caddr, c->cport, c->vaddr, c->vport);
}

int ipvs_sync_dir_owner(const struct conn_tuple *t)
{
	struct conn_key k;

	key_of(&k, t->proto, t->saddr, t->sport, t->daddr, t->dport);
	return sync_dir_owner(&k);
}

int ipvs_sync_dir_owner6(const struct conn_tuple6 *t)
{
	struct conn_key k;

	key6_of(&k, t->proto, &t->saddr, t->sport, &t->daddr, t->dport);
	return sync_dir_owner(&k);
}

void ipvs_sync_conn_gone(const struct ipvs_conn *c, unsigned widx)
{
	struct conn_key k;

	client_key(&k, c);
	sync_dir_del(&k, widx);
	ipvs_sync_wstats[widx].synced_out++;
}

/* What a record names on this LB: its service, snapshot and server. */
struct rec_ctx {
	struct ipvs_service *svc;
	const struct svc_snap *sn;
	int di;                    /* the server's index in sn->dests */
};

/* Step 1: the service and the real server of r, whatever its weight. */
static bool find_dest(const struct ipvs_sync_rec *r, struct rec_ctx *x,
		      struct sync_wstats *st)
{
	x->svc = ipvs_svc_lookup(r->proto, r->vaddr, r->vport);
	if (!x->svc) {
		st->no_service++;
		return false;
	}
	x->sn = __atomic_load_n(&x->svc->snap, __ATOMIC_ACQUIRE);
	for (unsigned i = 0; i < x->sn->ss.ndests; i++) {
		const struct ipvs_dest *d = x->sn->dests[i];

		if (d->addr.in4 == r->daddr && r->fwd == d->fwd &&
		    (d->port ? d->port : r->vport) == r->dport) {
			x->di = (int)i;
			return true;
		}
	}
	st->no_dest++;
	return false;
}

static struct ipvs_laddr *laddr_of(const struct svc_snap *sn, uint32_t addr)
{
	for (unsigned i = 0; i < sn->nladdr; i++)
		if (sn->laddrs[i]->addr.in4 == addr)
			return sn->laddrs[i];
	return NULL;
}

/* Step 1: the conn r describes, checked against this LB's services. */
static bool conn_of_rec(const struct ipvs_sync_rec *r, struct ipvs_conn *c,
			struct rec_ctx *x, struct sync_wstats *st)
{
	if (!find_dest(r, x, st))
		return false;
	memset(c, 0, sizeof(*c));
	c->dest = x->sn->dests[x->di];
	if (ipvs_fwd_snat((enum ipvs_fwd)r->fwd)) {
		c->lobj = laddr_of(x->sn, r->laddr);
		if (!c->lobj) {
			st->no_laddr++;
			return false;
		}
		c->laddr = r->laddr;
		c->lport = r->lport;
	}
	c->caddr = r->caddr;
	c->cport = r->cport;
	c->vaddr = r->vaddr;
	c->vport = r->vport;
	c->daddr = r->daddr;
	c->dport = r->dport;
	c->proto = r->proto;
	c->fwd = r->fwd;
	c->state = r->state;
	/*
	 * Without the peer's isn1 (a half-open conn, an older peer) there is
	 * no shift: the server never gets a header and refuses the client,
	 * rather than getting its bytes 28 off.
	 */
	if ((r->flags & IPVS_SYNC_F_PP) && x->sn->pp_ver &&
	    r->proto == IPPROTO_TCP && ipvs_fwd_snat((enum ipvs_fwd)r->fwd)) {
		pp_init(&c->pp, x->sn->pp_ver, c->caddr, c->cport, c->vaddr,
			c->vport);
		c->pp.isn1 = r->reserved;
	}
	/* Sent by the peer: its later changes are worth sending once MASTER. */
	c->flags = CONN_F_SYNCED | CONN_F_SENT;
	return true;
}

static bool same_conn(const struct ipvs_conn *a, const struct ipvs_conn *b)
{
	return (a->flags & CONN_F_SYNCED) && a->fwd == b->fwd &&
	       a->dest == b->dest && a->daddr == b->daddr &&
	       a->dport == b->dport && a->laddr == b->laddr &&
	       a->lport == b->lport;
}

/*
 * Step 2: the conns here that hold one of the record's tuples.  True
 * when the record was applied to one (a synced conn, updated in place).
 * The peer wins: any other gives way, whether this LB made it (a
 * partition, or its time as MASTER before the peer came back: TIME_WAIT
 * conns whose local ports the peer now reuses) or it is an older synced
 * one to elsewhere.  FullNAT reply tuples carry a port of this worker,
 * and NAT records go to the worker that registered their reply tuple
 * (owner_of), so the holders are in this worker's table.
 */
static bool update_existing(unsigned w, const struct ipvs_conn *tmpl,
			    struct sync_wstats *st)
{
	struct worker_tab *t = &conn_tabs[w];
	struct conn_tuple in = { tmpl->caddr, tmpl->vaddr, tmpl->cport,
				 tmpl->vport, tmpl->proto };
	enum conn_dir dir;
	struct ipvs_conn *c = ipvs_conn_lookup(w, &in, &dir);

	if (c && dir == DIR_IN && same_conn(c, tmpl)) {
		conn_sync_state(t, c, tmpl->state);
		if (tmpl->pp.len && !c->pp.len)
			c->pp = tmpl->pp;   /* the first record was a half-open one */
		st->updated++;
		return true;
	}
	if (c) {
		conn_evict(t, c, w);
		st->replaced++;
	}
	c = conn_reply_holder(w, tmpl);
	if (c) {
		conn_evict(t, c, w);
		st->replaced++;
	}
	return false;
}

/*
 * Step 3: the FullNAT port.  One a stale conn of this LB holds with
 * another reply tuple is wanted: the holder's release reserves it for
 * this conn rather than queueing it for a new one.
 */
static void take_port(unsigned w, struct ipvs_conn *tmpl,
		      struct sync_wstats *st)
{
	if (ipvs_port_reserve(tmpl->lobj, w, tmpl->lport) == 0) {
		tmpl->flags |= CONN_F_PORT_RSV;
		return;
	}
	st->port_busy++;
	if (ipvs_port_want(tmpl->lobj, w, tmpl->lport) == 0)
		tmpl->flags |= CONN_F_PORT_WANT;
}

static void drop_port(unsigned w, const struct ipvs_conn *tmpl)
{
	if (tmpl->flags & CONN_F_PORT_RSV)
		ipvs_port_unreserve(tmpl->lobj, w, tmpl->lport);
	else if (tmpl->flags & CONN_F_PORT_WANT)
		ipvs_port_unwant(tmpl->lobj, w, tmpl->lport);
}

/* Steps 3-5: the port reserved, the conn made, the directory told. */
void ipvs_sync_install_new(unsigned w, struct ipvs_conn *tmpl,
			   struct sync_wstats *st)
{
	struct conn_key k;
	struct ipvs_conn *c;

	if (tmpl->lobj)
		take_port(w, tmpl, st);
	c = ipvs_conn_new(w, tmpl);
	if (!c) {
		if (tmpl->lobj)
			drop_port(w, tmpl);
		if (rte_errno == EEXIST)
			st->clash++;
		else
			st->full++;
		return;
	}
	/* conn_start counted it inactive, due by its state's timeout. */
	conn_sync_state(&conn_tabs[w], c, tmpl->state);
	st->installed++;
	st->synced_in++;
	client_key(&k, c);
	if (sync_dir_add(&k, w) == -ENOSPC)
		st->dir_full++;
}

/*
 * A client of a persistent service keeps its real server after a
 * failover: its template follows each of its conns (and the template
 * records, for clients whose conns are gone), from this LB's timeout.
 */
static void pin_client(const struct rec_ctx *x, uint32_t caddr)
{
	if (x->sn->persist_timeout)
		ipvs_persist_bind(x->svc, x->sn, caddr, x->di);
}

static void install_tmpl(unsigned w, const struct ipvs_sync_rec *r)
{
	struct sync_wstats *st = &ipvs_sync_wstats[w];
	struct rec_ctx x;

	if (!find_dest(r, &x, st))
		return;
	if (!x.sn->persist_timeout) {   /* not persistent here */
		st->no_service++;
		return;
	}
	pin_client(&x, r->caddr);
	st->installed++;
}

static void install(unsigned w, const struct ipvs_sync_rec *r)
{
	struct sync_wstats *st = &ipvs_sync_wstats[w];
	struct ipvs_conn tmpl;
	struct rec_ctx x;

	st->processed++;
	if (r->rtype == IPVS_SYNC_TMPL) {
		install_tmpl(w, r);
		return;
	}
	if (!conn_of_rec(r, &tmpl, &x, st))
		return;
	pin_client(&x, r->caddr);
	if (update_existing(w, &tmpl, st))
		return;
	ipvs_sync_install_new(w, &tmpl, st);
}

static int install_some(unsigned w)
{
	struct ipvs_sync_rec recs[INSTALL_BURST];
	int done = 0;

	while (done < INSTALL_MAX) {
		unsigned n = rte_ring_sc_dequeue_burst_elem(in_rings[w], recs,
							    sizeof(recs[0]),
							    INSTALL_BURST, NULL);

		for (unsigned i = 0; i < n; i++)
			install(w, &recs[i]);
		done += (int)n;
		if (n < INSTALL_BURST)
			break;
	}
	return done;
}

int ipvs_sync_in_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id(), w;

	if (!in_rings || lcore_role(lc) != ROLE_WORKER)
		return 0;
	w = ipvs_worker_index(lc);
	if (w >= nin)
		return 0;
	sync_dir_reclaim();
	return install_some(w) + ipvs_sync_install6(w);
}
