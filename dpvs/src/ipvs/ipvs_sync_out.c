/*
 * Connection sync, the producer side and what the master sets: the
 * roles, the parameters, one ring of records per worker (single
 * producer: the worker; single consumer: the master), the counters.
 * The worker queues a record when ipvs_sync_due() says so; a full ring
 * drops it, counted, and the next packet tries again: nothing blocks.
 * v6 and NAT64 conns have rings of their own (ipvs_sync_rec6, sent in
 * datagrams of version 2), made only with ipv6.enable: the v4 rings,
 * records and datagrams stay as they were, for an older peer.
 */
#include "ipvs_sync_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core/conf.h"
#include "core/lcore.h"
#include "core/log.h"
#include "ipvs_conn_int.h"
#include "ipvs_xmit.h"
#include "sync_dir.h"

#define RING_DEFAULT 8192
#define REFRESH_DEFAULT 60

unsigned ipvs_sync_roles_now;
struct ipvs_sync_params ipvs_sync_params_now = { .refresh_s = REFRESH_DEFAULT };
struct sync_wstats ipvs_sync_wstats[RTE_MAX_LCORE];

static struct rte_ring **out_rings;   /* [nw], by worker index */
static struct rte_ring **out_rings6;  /* [nw]; NULL without ipv6.enable */
static unsigned nrings;
static uint32_t dir_entries;          /* the directory's size when made */
static uint32_t ring_size;
static struct ipvs_sync_stats base;   /* the sums at the last reset */

_Static_assert(sizeof(struct ipvs_sync_rec) == 40, "the record is 40 bytes");
_Static_assert(sizeof(struct ipvs_sync_rec6) == 96, "a v6 record is 96 bytes");

struct rte_ring *ipvs_sync_ring_new_elem(const char *what, unsigned w,
					 uint32_t size, unsigned esize)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "sync_%s_%u", what, w);
	/* EXACT_SZ: the configured count, not one less. */
	return rte_ring_create_elem(name, esize, size, SOCKET_ID_ANY,
				    RING_F_SP_ENQ | RING_F_SC_DEQ |
				    RING_F_EXACT_SZ);
}

struct rte_ring *ipvs_sync_ring_new(const char *what, unsigned w,
				    uint32_t size)
{
	return ipvs_sync_ring_new_elem(what, w, size,
				       sizeof(struct ipvs_sync_rec));
}

struct rte_ring **ipvs_sync_rings6_new(const char *what, unsigned nw,
				       uint32_t size)
{
	struct rte_ring **r = calloc(nw, sizeof(*r));

	for (unsigned w = 0; r && w < nw; w++) {
		r[w] = ipvs_sync_ring_new_elem(what, w, size,
					       sizeof(struct ipvs_sync_rec6));
		if (!r[w]) {
			ipvs_sync_rings_free(r, nw);
			return NULL;
		}
	}
	return r;
}

void ipvs_sync_rings_free(struct rte_ring **r, unsigned nw)
{
	for (unsigned w = 0; r && w < nw; w++)
		rte_ring_free(r[w]);
	free(r);
}

static uint16_t u16_of(uint32_t v)
{
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

static void params_of_conf(const struct dpvs_conf *c)
{
	struct ipvs_sync_params p = {
		.threshold = { u16_of(c->sync_threshold[0]),
			       u16_of(c->sync_threshold[1]) },
		.refresh_s = c->sync_refresh_s ? c->sync_refresh_s : REFRESH_DEFAULT,
		.embryonic = c->sync_embryonic,
		.backup_only = c->sync_backup_only,
	};

	ipvs_sync_set_params(&p);
}

int ipvs_sync_init(const struct dpvs_conf *c)
{
	uint32_t size = c->sync_ring_size ? c->sync_ring_size : RING_DEFAULT;
	unsigned nw = lcore_nworkers();

	params_of_conf(c);
	ring_size = size;
	dir_entries = c->sync_dir_entries ? c->sync_dir_entries :
		      c->conn_pool_size + c->conn_pool_size / 4 + 1024;
	if (nw == 0)
		return 0;
	out_rings = calloc(nw, sizeof(*out_rings));
	if (!out_rings)
		return -ENOMEM;
	nrings = nw;
	for (unsigned w = 0; w < nw; w++) {
		out_rings[w] = ipvs_sync_ring_new("out", w, size);
		if (!out_rings[w])
			goto fail;
	}
	if (c->ip6_enable) {
		out_rings6 = ipvs_sync_rings6_new("out6", nw, size);
		if (!out_rings6)
			goto fail;
	}
	if (ipvs_sync_in_init(nw, size, c->ip6_enable) < 0)
		goto fail;
	return 0;
fail:
	LOG_ERRX("ipvs", "cannot create the sync rings of %u records: %s",
		 size, rte_strerror(rte_errno));
	ipvs_sync_fini();
	return -ENOMEM;
}

void ipvs_sync_fini(void)
{
	__atomic_store_n(&ipvs_sync_roles_now, 0, __ATOMIC_RELAXED);
	for (unsigned w = 0; out_rings && w < nrings; w++)
		rte_ring_free(out_rings[w]);
	free(out_rings);
	out_rings = NULL;
	ipvs_sync_rings_free(out_rings6, nrings);
	out_rings6 = NULL;
	nrings = 0;
	ipvs_sync_in_fini();
	sync_dir_fini();
	memset(&base, 0, sizeof(base));
	memset(ipvs_sync_wstats, 0, sizeof(ipvs_sync_wstats));
}

void ipvs_sync_set_roles(unsigned roles)
{
	roles &= IPVS_SYNC_MASTER | IPVS_SYNC_BACKUP;
	/* The directory before the first record can be installed. */
	if ((roles & IPVS_SYNC_BACKUP) && !sync_dir_size() &&
	    sync_dir_init(dir_entries, sizeof(struct conn_key)) < 0)
		LOG_WARNX("ipvs", "sync: no directory: a client packet on a "
			  "worker other than its synced conn's is lost");
	__atomic_store_n(&ipvs_sync_roles_now, roles, __ATOMIC_RELAXED);
}

unsigned ipvs_sync_roles(void)
{
	return __atomic_load_n(&ipvs_sync_roles_now, __ATOMIC_RELAXED);
}

void ipvs_sync_set_params(const struct ipvs_sync_params *p)
{
	struct ipvs_sync_params *n = &ipvs_sync_params_now;

	__atomic_store_n(&n->threshold[0], p->threshold[0], __ATOMIC_RELAXED);
	__atomic_store_n(&n->threshold[1], p->threshold[1], __ATOMIC_RELAXED);
	__atomic_store_n(&n->refresh_s, p->refresh_s ? p->refresh_s : 1,
			 __ATOMIC_RELAXED);
	__atomic_store_n(&n->embryonic, p->embryonic, __ATOMIC_RELAXED);
	__atomic_store_n(&n->backup_only, p->backup_only, __ATOMIC_RELAXED);
}

void ipvs_sync_rec_of(const struct ipvs_conn *c, struct ipvs_sync_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->rtype = IPVS_SYNC_CONN;
	r->proto = c->proto;
	r->fwd = c->fwd;
	r->state = c->state;
	r->flags = c->flags & CONN_F_INACTIVE ? IPVS_SYNC_F_INACTIVE : 0;
	r->widx = c->widx;
	r->caddr = c->caddr;
	r->vaddr = c->vaddr;
	r->daddr = c->daddr;
	r->cport = c->cport;
	r->vport = c->vport;
	r->dport = c->dport;
	if (c->fwd < IPVS_FWD_MAX && ipvs_fwd_snat(c->fwd)) {
		r->laddr = c->laddr;
		r->lport = c->lport;
	}
	r->timeout_s = ipvs_conn_expires_in(c);
	/* Once established the SYN has set isn1; the peer re-derives the rest. */
	if (c->pp.len && !(c->flags & CONN_F_INACTIVE)) {
		r->flags |= IPVS_SYNC_F_PP;
		r->reserved = c->pp.isn1;
	}
}

bool ipvs_sync_is_v6(const struct ipvs_conn *c)
{
	/* A v4 conn's xmit index is its enum ipvs_fwd (ipvs_fwd.h). */
	return c->fwd >= IPVS_FWD_MAX;
}

static void addr_of(union inet_addr *to, uint8_t af, const union inet_addr *a)
{
	memset(to, 0, sizeof(*to));
	if (af == AF_INET)
		to->in4 = a->in4;
	else
		to->in6 = a->in6;
}

void ipvs_sync_rec6_of(const struct ipvs_conn *c, struct ipvs_sync_rec6 *r)
{
	const struct ipvs_dest *d = c->dest;

	memset(r, 0, sizeof(*r));
	r->rtype = IPVS_SYNC_CONN6;
	r->proto = c->proto;
	r->xmit = c->fwd;
	r->state = c->state;
	r->flags = c->flags & CONN_F_INACTIVE ? IPVS_SYNC_F_INACTIVE : 0;
	r->widx = c->widx;
	r->caf = IPVS_SYNC_AF6;
	r->daf = d->af == AF_INET ? IPVS_SYNC_AF4 : IPVS_SYNC_AF6;
	r->caddr.in6 = c->caddr6;
	r->vaddr.in6 = d->vaddr.in6;
	addr_of(&r->daddr, d->af, &d->addr);
	if (c->lobj)
		addr_of(&r->laddr, d->af, &c->lobj->addr);
	r->cport = c->cport;
	r->vport = c->vport;
	r->lport = c->lobj ? c->lport : 0;
	r->dport = c->dport;
	r->timeout_s = ipvs_conn_expires_in(c);
	/* As ipvs_sync_rec_of: the peer re-derives the header from the tuple. */
	if (c->pp.len && !(c->flags & CONN_F_INACTIVE)) {
		r->flags |= IPVS_SYNC_F_PP;
		r->reserved = c->pp.isn1;
	}
}

/* Due again at its next packet. */
static void missed(struct ipvs_conn *c, uint32_t now)
{
	ipvs_sync_wstats[c->widx].out_ring_full++;
	c->sync_tick = now - UINT32_MAX / 2;
}

static void emit6(struct ipvs_conn *c, uint32_t now)
{
	struct ipvs_sync_rec6 r;

	if (!out_rings6)
		return;
	ipvs_sync_rec6_of(c, &r);
	if (rte_ring_sp_enqueue_elem(out_rings6[c->widx], &r, sizeof(r)) != 0)
		missed(c, now);
	else
		c->sync_tick = now;
}

void ipvs_sync_emit(struct ipvs_conn *c, uint32_t now)
{
	struct ipvs_sync_rec r;

	c->flags |= CONN_F_SENT;
	if (!out_rings || c->widx >= nrings)
		return;
	if (ipvs_sync_is_v6(c)) {
		emit6(c, now);
		return;
	}
	ipvs_sync_rec_of(c, &r);
	if (rte_ring_sp_enqueue_elem(out_rings[c->widx], &r, sizeof(r)) != 0) {
		ipvs_sync_wstats[c->widx].out_ring_full++;
		/* Due again at its next packet. */
		c->sync_tick = now - UINT32_MAX / 2;
		return;
	}
	c->sync_tick = now;
}

void ipvs_sync_note_tmpl(unsigned w, const struct ipvs_service *svc,
			 const struct svc_snap *sn, uint32_t caddr, int i)
{
	const struct ipvs_dest *d = sn->dests[i];
	struct ipvs_sync_rec r = {
		.rtype = IPVS_SYNC_TMPL, .proto = svc->proto, .fwd = d->fwd,
		.widx = (uint16_t)w, .caddr = caddr, .vaddr = svc->vip.in4,
		.daddr = d->addr.in4, .vport = svc->vport,
		.dport = d->port ? d->port : svc->vport,
		.timeout_s = sn->persist_timeout,
	};

	/* A v1 record has no room for a v6 VIP: ipvs_sync_note_tmpl6. */
	if (!(__atomic_load_n(&ipvs_sync_roles_now, __ATOMIC_RELAXED) &
	      IPVS_SYNC_MASTER) || !out_rings || w >= nrings ||
	    svc->af == AF_INET6)
		return;
	if (rte_ring_sp_enqueue_elem(out_rings[w], &r, sizeof(r)) != 0)
		ipvs_sync_wstats[w].out_ring_full++;
}

void ipvs_sync_note_tmpl6(unsigned w, const struct ipvs_service *svc,
			  const struct svc_snap *sn,
			  const struct in6_addr *caddr, int i)
{
	const struct ipvs_dest *d = sn->dests[i];
	uint8_t daf = d->af == AF_INET6 ? AF_INET6 : AF_INET;
	struct ipvs_sync_rec6 r;

	if (!(__atomic_load_n(&ipvs_sync_roles_now, __ATOMIC_RELAXED) &
	      IPVS_SYNC_MASTER) || !out_rings6 || w >= nrings ||
	    svc->af != AF_INET6)
		return;
	memset(&r, 0, sizeof(r));
	r.rtype = IPVS_SYNC_TMPL6;
	r.proto = svc->proto;
	r.xmit = (uint8_t)ipvs_xmit_of((enum ipvs_fwd)d->fwd, AF_INET6, daf);
	r.widx = (uint16_t)w;
	r.caf = IPVS_SYNC_AF6;
	r.daf = daf == AF_INET6 ? IPVS_SYNC_AF6 : IPVS_SYNC_AF4;
	r.caddr.in6 = *caddr;
	r.vaddr.in6 = svc->vip.in6;
	addr_of(&r.daddr, daf, &d->addr);
	r.vport = svc->vport;
	r.dport = d->port ? d->port : svc->vport;
	r.timeout_s = sn->persist_timeout;
	if (rte_ring_sp_enqueue_elem(out_rings6[w], &r, sizeof(r)) != 0)
		ipvs_sync_wstats[w].out_ring_full++;
}

unsigned ipvs_sync_drain(unsigned w, struct ipvs_sync_rec *out, unsigned max)
{
	if (!out_rings || w >= nrings)
		return 0;
	return rte_ring_sc_dequeue_burst_elem(out_rings[w], out, sizeof(*out),
					      max, NULL);
}

unsigned ipvs_sync_drain6(unsigned w, struct ipvs_sync_rec6 *out, unsigned max)
{
	if (!out_rings6 || w >= nrings)
		return 0;
	return rte_ring_sc_dequeue_burst_elem(out_rings6[w], out, sizeof(*out),
					      max, NULL);
}

void ipvs_sync_ring_usage(uint32_t *used, uint32_t *size)
{
	*used = 0;
	for (unsigned w = 0; out_rings && w < nrings; w++)
		*used += rte_ring_count(out_rings[w]);
	for (unsigned w = 0; out_rings6 && w < nrings; w++)
		*used += rte_ring_count(out_rings6[w]);
	*used += ipvs_sync_in_ring_count();
	*size = (out_rings6 ? 4 : 2) * nrings * ring_size;
}

void ipvs_sync_dir_usage(uint32_t *used, uint32_t *size)
{
	*used = sync_dir_count();
	*size = sync_dir_size();
}

static void sum(struct ipvs_sync_stats *s)
{
	memset(s, 0, sizeof(*s));
	for (unsigned w = 0; w < nrings; w++) {
		const struct sync_wstats *x = &ipvs_sync_wstats[w];

#define ADD(f) s->f += __atomic_load_n(&x->f, __ATOMIC_RELAXED)
		ADD(out_ring_full); ADD(processed); ADD(installed);
		ADD(updated); ADD(replaced); ADD(no_service); ADD(no_dest);
		ADD(no_laddr); ADD(port_busy); ADD(clash); ADD(full);
		ADD(dir_full); ADD(handover); ADD(backup_only);
#undef ADD
		s->synced_conns += (uint32_t)(__atomic_load_n(&x->synced_in, __ATOMIC_RELAXED) -
					      __atomic_load_n(&x->synced_out, __ATOMIC_RELAXED));
	}
	s->in_ring_full = ipvs_sync_in_ring_full();
}

/* Counters since the last reset: a base, as workers write theirs unlocked. */
void ipvs_sync_stats(struct ipvs_sync_stats *out)
{
	sum(out);
#define SUB(f) out->f -= base.f
	SUB(out_ring_full); SUB(in_ring_full); SUB(processed); SUB(installed);
	SUB(updated); SUB(replaced); SUB(no_service); SUB(no_dest);
	SUB(no_laddr); SUB(port_busy); SUB(clash); SUB(full); SUB(dir_full);
	SUB(handover); SUB(backup_only);
#undef SUB
}

void ipvs_sync_stats_reset(void)
{
	sum(&base);
	base.synced_conns = 0;   /* a gauge, never reset */
}
