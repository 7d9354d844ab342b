/*
 * Connection sync, the installing side for v6 and NAT64 conns (records
 * of datagram version 2; ipvs_sync_in.c does the v4 ones).  The same
 * steps on rings of their own: the owner is chosen on the master, the
 * owning worker checks the record against this LB's services (by
 * family, VIP and port; the server by family, address and port), and
 * installs the conn under its v6 digest key (client side) and, for
 * NAT64, the exact v4 key of its replies.  A conn with a PROXY header
 * gets the peer's isn1, so the shift goes on; the client of a persistent
 * service is pinned (its conns' records and the template records).  The
 * rings exist only with ipv6.enable; without them a v2 record is refused
 * (rx_dropped).
 */
#include "ipvs_sync_int.h"

#include <errno.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "ipvs_conn_int.h"
#include "ipvs_persist.h"
#include "ipvs_xmit.h"
#include "proxy_proto.h"
#include "sync_dir.h"

#define INSTALL_MAX 256   /* records a loop: bounds the worker's latency */
#define INSTALL_BURST 32

static struct rte_ring **in_rings6;   /* [nw], by worker index */
static unsigned nin6;
static uint64_t in_full6;             /* the master's; atomic for readers */

int ipvs_sync_in6_init(unsigned nw, uint32_t ring_size)
{
	in_rings6 = ipvs_sync_rings6_new("in6", nw, ring_size);
	if (!in_rings6)
		return -ENOMEM;
	nin6 = nw;
	return 0;
}

void ipvs_sync_in6_fini(void)
{
	ipvs_sync_rings_free(in_rings6, nin6);
	in_rings6 = NULL;
	nin6 = 0;
	__atomic_store_n(&in_full6, 0, __ATOMIC_RELAXED);
}

uint32_t ipvs_sync_in6_ring_count(void)
{
	uint32_t n = 0;

	for (unsigned w = 0; in_rings6 && w < nin6; w++)
		n += rte_ring_count(in_rings6[w]);
	return n;
}

uint64_t ipvs_sync_in6_ring_full(void)
{
	return __atomic_load_n(&in_full6, __ATOMIC_RELAXED);
}

static uint8_t os_af(uint8_t rec_af)
{
	return rec_af == IPVS_SYNC_AF4 ? AF_INET : AF_INET6;
}

/* What no table of ours can hold (the message checked the families). */
static bool rec6_valid(const struct ipvs_sync_rec6 *r)
{
	const struct ipvs_proto *pp = ipvs_proto_get(r->proto);

	if (!pp || r->xmit < IPVS_FWD_MAX || r->xmit >= IPVS_XMIT_MAX ||
	    r->caf != IPVS_SYNC_AF6 || ipvs_xmit[r->xmit].daf != os_af(r->daf))
		return false;
	if (r->rtype == IPVS_SYNC_TMPL6)
		return true;
	if (r->rtype != IPVS_SYNC_CONN6 || r->state >= CS_MAX)
		return false;
	if (!__atomic_load_n(&pp->timeouts[r->state], __ATOMIC_RELAXED))
		return false;
	return !ipvs_fwd_snat(r->xmit) || r->lport;
}

static void client_tuple6(struct conn_tuple6 *t, const struct ipvs_sync_rec6 *r)
{
	t->saddr = r->caddr.in6;
	t->daddr = r->vaddr.in6;
	t->sport = r->cport;
	t->dport = r->vport;
	t->proto = r->proto;
}

/* NAT6, DR6, TUN6: the worker of a conn here r updates or replaces. */
static int holder_of6(const struct ipvs_sync_rec6 *r)
{
	struct conn_tuple6 in;

	if (ipvs_fwd_client_reply_key(r->xmit)) {
		struct conn_tuple6 reply = { r->daddr.in6, r->caddr.in6,
					     r->dport, r->cport, r->proto };
		int o = ipvs_conn_nat_owner6(&reply);

		if (o >= 0)
			return o;
	}
	client_tuple6(&in, r);
	return ipvs_sync_dir_used() ? ipvs_sync_dir_owner6(&in) : -1;
}

/* As owner_of() (ipvs_sync_in.c): FullNAT6 and NAT64 by the local port. */
static unsigned owner_of6(const struct ipvs_sync_rec6 *r, unsigned sender_nw)
{
	int o;

	/* Templates are shared by the workers: any one installs them. */
	if (r->rtype == IPVS_SYNC_TMPL6)
		return 0;
	if (ipvs_fwd_snat(r->xmit))
		return r->lport % nin6;
	o = holder_of6(r);
	if (o >= 0 && (unsigned)o < nin6)
		return (unsigned)o;
	if (sender_nw == nin6 && r->widx < nin6)
		return r->widx;
	return r->caddr.in6.s6_addr[15] % nin6;
}

int ipvs_sync_post6(const struct ipvs_sync_rec6 *r, unsigned sender_nw)
{
	struct ipvs_sync_rec6 copy = *r;
	unsigned w;

	if (!in_rings6 || !rec6_valid(r))
		return -EINVAL;
	w = owner_of6(r, sender_nw);
	if (rte_ring_sp_enqueue_elem(in_rings6[w], &copy, sizeof(copy)) != 0) {
		__atomic_add_fetch(&in_full6, 1, __ATOMIC_RELAXED);
		return -ENOBUFS;
	}
	return 0;
}

static bool addr_eq(uint8_t af, const union inet_addr *a,
		    const union inet_addr *b)
{
	return af == AF_INET6 ? !memcmp(&a->in6, &b->in6, sizeof(a->in6)) :
				a->in4 == b->in4;
}

/* Where a record lands here: its service, that one's snapshot, its server. */
struct rec6_ctx {
	const struct ipvs_service *svc;
	const struct svc_snap *sn;
	int di;                    /* index into sn->dests */
};

/* The service and the real server of r, whatever its weight. */
static const struct ipvs_dest *find_dest6(const struct ipvs_sync_rec6 *r,
					  struct rec6_ctx *x,
					  struct sync_wstats *st)
{
	struct ipvs_service *svc = ipvs_svc_lookup6(r->proto, &r->vaddr.in6,
						    r->vport);
	const struct svc_snap *sn;
	uint8_t daf = os_af(r->daf);

	if (!svc) {
		st->no_service++;
		return NULL;
	}
	sn = __atomic_load_n(&svc->snap, __ATOMIC_ACQUIRE);
	x->svc = svc;
	x->sn = sn;
	for (unsigned i = 0; i < sn->ss.ndests; i++) {
		const struct ipvs_dest *d = sn->dests[i];
		uint8_t af = d->af == AF_INET6 ? AF_INET6 : AF_INET;

		if (af == daf && addr_eq(af, &d->addr, &r->daddr) &&
		    ipvs_xmit_of((enum ipvs_fwd)d->fwd, AF_INET6, af) == r->xmit &&
		    (d->port ? d->port : r->vport) == r->dport) {
			x->di = (int)i;
			return d;
		}
	}
	st->no_dest++;
	return NULL;
}

/* v4 local addresses come first in sn->laddrs, then the v6 ones. */
static struct ipvs_laddr *laddr_of6(const struct svc_snap *sn, uint8_t af,
				    const union inet_addr *a)
{
	unsigned from = af == AF_INET6 ? sn->nladdr : 0;
	unsigned n = af == AF_INET6 ? sn->nladdr6 : sn->nladdr;

	for (unsigned i = from; i < from + n; i++)
		if (addr_eq(af, &sn->laddrs[i]->addr, a))
			return sn->laddrs[i];
	return NULL;
}

/* The conn r describes, checked against this LB's services. */
static bool conn_of_rec6(const struct ipvs_sync_rec6 *r, struct ipvs_conn *c,
			 struct rec6_ctx *x, struct sync_wstats *st)
{
	const struct ipvs_dest *d = find_dest6(r, x, st);
	const struct svc_snap *sn = x->sn;

	if (!d)
		return false;
	memset(c, 0, sizeof(*c));
	/* The snapshot's reference; ipvs_conn_new takes the conn's own. */
	c->dest = (struct ipvs_dest *)d;
	if (ipvs_fwd_snat(r->xmit)) {
		c->lobj = laddr_of6(sn, os_af(r->daf), &r->laddr);
		if (!c->lobj) {
			st->no_laddr++;
			return false;
		}
		c->lport = r->lport;
	}
	c->caddr6 = r->caddr.in6;
	c->cport = r->cport;
	c->vport = r->vport;
	c->dport = r->dport;
	c->proto = r->proto;
	c->fwd = r->xmit;
	c->state = r->state;
	/* Without the peer's isn1 no shift: see conn_of_rec (ipvs_sync_in.c). */
	if ((r->flags & IPVS_SYNC_F_PP) && sn->pp_ver &&
	    r->proto == IPPROTO_TCP && ipvs_fwd_snat(r->xmit)) {
		pp_init6(&c->pp, sn->pp_ver, &r->caddr.in6, r->cport,
			 &r->vaddr.in6, r->vport);
		c->pp.isn1 = r->reserved;
	}
	c->flags = CONN_F_SYNCED | CONN_F_SENT;
	return true;
}

static bool same_conn6(const struct ipvs_conn *a, const struct ipvs_conn *b)
{
	return (a->flags & CONN_F_SYNCED) && a->fwd == b->fwd &&
	       a->dest == b->dest && a->dport == b->dport &&
	       a->lobj == b->lobj && a->lport == b->lport;
}

/* As update_existing() (ipvs_sync_in.c): the peer wins. */
static bool update_existing6(unsigned w, const struct ipvs_conn *tmpl,
			     struct sync_wstats *st)
{
	struct worker_tab *t = &conn_tabs[w];
	struct conn_tuple6 in = { tmpl->caddr6, tmpl->dest->vaddr.in6,
				  tmpl->cport, tmpl->vport, tmpl->proto };
	enum conn_dir dir;
	struct ipvs_conn *c = ipvs_conn_lookup6(w, &in, &dir);

	if (c && dir == DIR_IN && same_conn6(c, tmpl)) {
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

/* As pin_client (ipvs_sync_in.c), from this LB's timeout and -M length. */
static void pin_client6(const struct rec6_ctx *x, const struct in6_addr *caddr)
{
	if (x->sn->persist_timeout)
		ipvs_persist_bind6(x->svc, x->sn, caddr, x->di);
}

static void install_tmpl6(unsigned w, const struct ipvs_sync_rec6 *r)
{
	struct sync_wstats *st = &ipvs_sync_wstats[w];
	struct rec6_ctx x;

	if (!find_dest6(r, &x, st))
		return;
	if (!x.sn->persist_timeout) {   /* not persistent here */
		st->no_service++;
		return;
	}
	pin_client6(&x, &r->caddr.in6);
	st->installed++;
}

static void install6(unsigned w, const struct ipvs_sync_rec6 *r)
{
	struct sync_wstats *st = &ipvs_sync_wstats[w];
	struct ipvs_conn tmpl;
	struct rec6_ctx x;

	st->processed++;
	if (r->rtype == IPVS_SYNC_TMPL6) {
		install_tmpl6(w, r);
		return;
	}
	if (!conn_of_rec6(r, &tmpl, &x, st))
		return;
	pin_client6(&x, &r->caddr.in6);
	if (update_existing6(w, &tmpl, st))
		return;
	ipvs_sync_install_new(w, &tmpl, st);
}

int ipvs_sync_install6(unsigned w)
{
	struct ipvs_sync_rec6 recs[INSTALL_BURST];
	int done = 0;

	if (!in_rings6 || w >= nin6)
		return 0;
	while (done < INSTALL_MAX) {
		unsigned n = rte_ring_sc_dequeue_burst_elem(in_rings6[w], recs,
							    sizeof(recs[0]),
							    INSTALL_BURST, NULL);

		for (unsigned i = 0; i < n; i++)
			install6(w, &recs[i]);
		done += (int)n;
		if (n < INSTALL_BURST)
			break;
	}
	return done;
}
