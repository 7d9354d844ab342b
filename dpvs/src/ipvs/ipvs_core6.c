/*
 * The load balancer's hooks in the IPv6 path (net/ipv6.h), step for
 * step ipvs_core.c's: connection lookup, FullNAT replies handed to the
 * worker their local port names, new connections, NAT replies found
 * through the forward hook, and ICMPv6 errors relayed to their
 * connection.  m starts at its IPv6 header; ipv6_input has parsed it
 * (p: where L4 is) and kept non-first fragments away from local_in.
 *
 * Not here yet: the sync directory's hand-over (v6 conns are not
 * synced, so none sits on another worker than RSS's); v6 persistence
 * templates are not synced either.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>

#include "ipvs.h"
#include "ipvs_conn.h"
#include "ipvs_core.h"
#include "ipvs_core_int.h"
#include "ipvs_persist.h"
#include "ipvs_proto.h"
#include "ipvs_sync_int.h"
#include "ipvs_xmit.h"
#include "ipvs_xmit64.h"
#include "proxy_proto.h"
#include "net/csum6.h"
#include "net/icmp_err.h"
#include "net/inetaddr.h"
#include "net/ipv6.h"
#include "net/ipv6_parse.h"
#include "net/pktstats.h"
#include "net/route6.h"

#define QUOTE_PARSE_MAX 512   /* a quoted header chain longer is not relayed */

enum l4_verdict { L4_OK, L4_OTHER, L4_SHORT };

/* Addresses are copied: the header is only 2-byte aligned in the frame. */
static void tuple6_of(const struct rte_ipv6_hdr *ip6, const void *l4,
		      uint8_t proto, struct conn_tuple6 *t)
{
	const uint16_t *ports = l4;

	memcpy(&t->saddr, ip6->src_addr, sizeof(t->saddr));
	memcpy(&t->daddr, ip6->dst_addr, sizeof(t->daddr));
	t->sport = rte_be_to_cpu_16(ports[0]);
	t->dport = rte_be_to_cpu_16(ports[1]);
	t->proto = proto;
}

static enum l4_verdict parse_l4(struct rte_mbuf *m, const struct ipv6_pkt *p,
				const struct ipvs_proto **pp, void **l4,
				struct conn_tuple6 *t)
{
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);

	*pp = ipvs_proto_get(p->l4_proto);
	if (!*pp)
		return L4_OTHER;
	if (p->l4_len < (*pp)->hdr_min ||
	    m->data_len < (uint32_t)p->l4_off + (*pp)->hdr_min)
		return L4_SHORT;
	*l4 = (char *)ip6 + p->l4_off;
	tuple6_of(ip6, *l4, p->l4_proto, t);
	return L4_OK;
}

/*
 * A local address of the chosen server's family and one of this
 * worker's ports on it: 0, -ENOSPC or -EADDRNOTAVAIL, as fnat_source().
 * The snapshot holds the v4 local addresses first, then the v6 ones.
 */
static int fnat_source6(const struct svc_snap *sn, unsigned w,
			const struct conn_tuple6 *t, uint8_t daf,
			struct ipvs_conn *c)
{
	unsigned off = daf == AF_INET6 ? sn->nladdr : 0;
	unsigned n = daf == AF_INET6 ? sn->nladdr6 : sn->nladdr;
	unsigned start;
	bool ha_on = inetaddr_ha_active();
	int rc = -EADDRNOTAVAIL;

	if (!n)
		return rc;
	start = (t->saddr.s6_addr32[3] ^ t->sport) % n;
	for (unsigned i = 0; i < n; i++) {
		struct ipvs_laddr *l = sn->laddrs[off + (start + i) % n];
		uint16_t port;

		if (l->ha && !ha_on)
			continue;
		port = ipvs_port_get(l, w);
		if (port) {
			c->lobj = l;
			c->lport = port;
			return 0;
		}
		rc = -ENOSPC;
	}
	return rc;
}

/* FullNAT's source, with early drop when this worker is out of ports. */
static bool fnat_pick6(unsigned lc, const struct svc_snap *sn, unsigned w,
		       const struct conn_tuple6 *t, uint8_t daf,
		       struct ipvs_conn *c)
{
	unsigned off = daf == AF_INET6 ? sn->nladdr : 0;
	unsigned n = daf == AF_INET6 ? sn->nladdr6 : sn->nladdr;
	int rc = fnat_source6(sn, w, t, daf, c);

	if (rc == -EADDRNOTAVAIL) {
		PKT_INC(lc, ipvs_no_laddr);
		return false;
	}
	if (rc < 0 && (!ipvs_conn_evict_for_port(w, sn->laddrs + off, n) ||
		       fnat_source6(sn, w, t, daf, c) < 0)) {
		PKT_INC(lc, ipvs_no_port);
		return false;
	}
	return true;
}

/*
 * The server t's client prefix is pinned to, else the scheduler's pick
 * (pinned from now on); NULL: none (counted).
 */
static struct ipvs_dest *schedule6(unsigned lc, unsigned w,
				   const struct ipvs_service *svc,
				   const struct svc_snap *sn,
				   const struct conn_tuple6 *t)
{
	struct sched_flow f = { .sport = t->sport, .dport = t->dport,
				.proto = t->proto, .now = sched_now(),
				.af = AF_INET6, .saddr6 = t->saddr.s6_addr,
				.daddr6 = t->daddr.s6_addr };
	int i = sn->persist_timeout ? ipvs_persist_lookup6(svc, sn, &t->saddr) : -1;

	if (i < 0) {
		i = sn->ops->schedule(&sn->ss, sn->wstate + w * sn->wstride, &f);
		if (i >= 0 && sn->persist_timeout) {
			ipvs_persist_bind6(svc, sn, &t->saddr, i);
			ipvs_sync_note_tmpl6(w, svc, sn, &t->saddr, i);
		}
	}
	if (i < 0) {
		PKT_INC(lc, ipvs_no_dest);
		return NULL;
	}
	return sn->dests[i];
}

static bool new_conn6(unsigned lc, unsigned w, struct ipvs_service *svc,
		      struct rte_mbuf *m, const struct ipvs_proto *pp, void *l4,
		      const struct conn_tuple6 *t)
{
	const struct svc_snap *sn = __atomic_load_n(&svc->snap, __ATOMIC_ACQUIRE);
	struct ipvs_conn tmpl, *c;
	struct ipvs_dest *d;
	enum ipvs_xmit_id x;

	if (!pp->may_create(l4)) {
		PKT_INC(lc, ipvs_no_conn);
		goto drop;
	}
	if (ipvs_sync_refuses_new()) {
		ipvs_sync_wstats[w].backup_only++;
		goto drop;
	}
	d = schedule6(lc, w, svc, sn, t);
	if (!d)
		goto drop;
	x = ipvs_xmit_of((enum ipvs_fwd)d->fwd, AF_INET6, d->af);
	if (x == IPVS_XMIT_MAX) {   /* ipvs_dest_add refuses such pairs */
		PKT_INC(lc, ipvs_no_dest);
		goto drop;
	}
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.caddr6 = t->saddr;
	tmpl.cport = t->sport;
	tmpl.vport = t->dport;
	tmpl.dport = d->port ? d->port : t->dport;
	tmpl.proto = t->proto;
	tmpl.fwd = (uint8_t)x;
	tmpl.state = pp->init_state;
	tmpl.dest = d;
	/* NAT64 too: the header names the v6 client and VIP. */
	if (sn->pp_ver && t->proto == IPPROTO_TCP && ipvs_fwd_snat(x))
		pp_init6(&tmpl.pp, sn->pp_ver, &t->saddr, t->sport, &t->daddr,
			 t->dport);
	if (ipvs_fwd_snat(x) && !fnat_pick6(lc, sn, w, t, d->af, &tmpl))
		goto drop;
	c = ipvs_conn_new(w, &tmpl);
	if (!c) {
		if (tmpl.lobj)
			ipvs_port_put(tmpl.lobj, w, tmpl.lport);
		if (rte_errno == EEXIST)
			PKT_INC(lc, ipvs_conn_clash);
		else
			PKT_INC(lc, ipvs_conn_full);
		goto drop;
	}
	PKT_INC(lc, ipvs_conn_new);
	d->stats[w].conns++;
	if (c->lobj)
		c->lobj->conns[w * 8]++;
	ipvs_conn_xmit(lc, w, c, DIR_IN, m, rte_pktmbuf_mtod(m, void *), l4);
	return true;
drop:
	rte_pktmbuf_free(m);
	return true;
}

/*
 * The quoted packet of an ICMPv6 error (q, qlen bytes, in one segment):
 * its L4 offset and protocol, walked by the stack's own parser over a
 * copy whose payload length says what the quote holds (a quote is
 * usually cut short, which the parser would refuse).
 */
static bool quote_parse(const uint8_t *q, uint32_t qlen, struct ipv6_pkt *qp)
{
	union {
		struct rte_ipv6_hdr ip6;
		uint8_t b[QUOTE_PARSE_MAX];
	} buf;
	uint32_t n = RTE_MIN(qlen, (uint32_t)sizeof(buf));

	if (n < sizeof(buf.ip6) + 8)
		return false;
	memcpy(buf.b, q, n);
	buf.ip6.payload_len = rte_cpu_to_be_16((uint16_t)(n - sizeof(buf.ip6)));
	if (ipv6_parse(buf.b, n, qp) != IPV6_OK ||
	    ((qp->flags & IPV6_PKT_F_FRAG) && !(qp->flags & IPV6_PKT_F_FIRST)))
		return false;
	return qp->l4_off + 8u <= n && ipvs_proto_get(qp->l4_proto);
}

struct relay {
	struct rte_ipv6_hdr *ip6;    /* the error's */
	uint8_t *ic;                 /* its ICMPv6 header */
	uint32_t len;                /* the ICMPv6 message's bytes */
	struct rte_ipv6_hdr *in;     /* the quoted header */
	uint16_t *ports;             /* the quoted L4 ports */
};

/*
 * Rewrites the error as if sent from osrc to odst about a packet from
 * isrc:isport to idst:idport, and sends it; the ICMPv6 sum is made
 * again whole (the quoted L4 sum is left as IPv4's relay leaves it).
 */
static void relay_out(unsigned lc, struct rte_mbuf *m, const struct relay *e,
		      const struct in6_addr *isrc, uint16_t isport,
		      const struct in6_addr *idst, uint16_t idport,
		      const struct in6_addr *osrc, const struct in6_addr *odst)
{
	memcpy(e->in->src_addr, isrc, 16);
	memcpy(e->in->dst_addr, idst, 16);
	e->ports[0] = rte_cpu_to_be_16(isport);
	e->ports[1] = rte_cpu_to_be_16(idport);
	memcpy(e->ip6->src_addr, osrc, 16);
	memcpy(e->ip6->dst_addr, odst, 16);
	e->ic[2] = e->ic[3] = 0;
	*(uint16_t *)(e->ic + 2) = csum6_l4(osrc, odst, IPPROTO_ICMPV6, e->ic,
					    e->len);
	if (e->ic[0] == ICMP6_T_PACKET_TOO_BIG)   /* its MTU fits both sides */
		PKT_INC(lc, ipvs6_ptb_relayed);
	ipv6_output(lc, m, odst);
}

/* About a packet we sent to the server: to the client, from the VIP. */
static void relay_to_client(unsigned lc, unsigned w, struct rte_mbuf *m,
			    const struct relay *e, const struct ipvs_conn *c)
{
	const struct in6_addr *vip = &ipvs_conn_vaddr(c)->in6;

	if (c->pp.len)   /* the client's kernel checks the quoted seq */
		pp_quoted_seq(&c->pp, e->ports + 2);

	c->dest->stats[w].outpkts++;
	c->dest->stats[w].outbytes += m->pkt_len;
	relay_out(lc, m, e, &c->caddr6, c->cport, vip, c->vport, vip,
		  &c->caddr6);
}

/*
 * A PTB about a reply we sent to the client: to the server, about its
 * own packet, from our local address (FullNAT) or the VIP (NAT), so it
 * sends less; v6 routers never fragment, so a lost PTB is a black hole.
 * DR and TUN servers answer the client themselves: theirs goes as any
 * packet of the conn, untouched.
 */
static bool relay_to_server(unsigned lc, unsigned w, struct rte_mbuf *m,
			    const struct relay *e, struct ipvs_conn *c)
{
	const struct ipvs_xmit_ops *x = &ipvs_xmit[c->fwd];
	const struct in6_addr *rs = &ipvs_conn_daddr(c)->in6;
	const struct in6_addr *vip = &ipvs_conn_vaddr(c)->in6;

	if (e->ic[0] != ICMP6_T_PACKET_TOO_BIG || x->daf != AF_INET6)
		return false;
	c->dest->stats[w].inpkts++;
	c->dest->stats[w].inbytes += m->pkt_len;
	if (!x->out) {
		PKT_INC(lc, ipvs6_ptb_relayed);
		x->in(lc, c, m, e->ip6, e->ic);
	} else if (x->snat) {
		const struct in6_addr *la = &ipvs_conn_laddr(c)->in6;

		relay_out(lc, m, e, rs, c->dport, la, c->lport, la, rs);
	} else {
		relay_out(lc, m, e, rs, c->dport, &c->caddr6, c->cport, vip, rs);
	}
	return true;
}

/*
 * An ICMPv6 error about a packet of a connection: the quoted header,
 * reversed, is the conn's reply tuple (a packet we sent to the server)
 * or its client tuple (a reply we sent to the client).
 */
static bool icmp6_relay(unsigned lc, unsigned w, struct rte_mbuf *m,
			const struct ipv6_pkt *p, const struct route6_entry *r)
{
	struct relay e = { .ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *),
			   .len = p->l4_len };
	struct ipv6_pkt qp;
	struct conn_tuple6 t;
	struct ipvs_conn *c;
	enum conn_dir dir;
	unsigned nw = ipvs_core_workers();

	e.ic = (uint8_t *)e.ip6 + p->l4_off;
	if (e.len < 8 + sizeof(struct rte_ipv6_hdr) + 8 ||
	    m->data_len < (uint32_t)p->l4_off + e.len ||
	    !icmp6_type_is_error(e.ic[0]) ||
	    !quote_parse(e.ic + 8, e.len - 8, &qp))
		return false;
	e.in = (struct rte_ipv6_hdr *)(e.ic + 8);
	e.ports = (uint16_t *)((uint8_t *)e.in + qp.l4_off);
	memcpy(&t.saddr, e.in->dst_addr, sizeof(t.saddr));
	memcpy(&t.daddr, e.in->src_addr, sizeof(t.daddr));
	t.sport = rte_be_to_cpu_16(e.ports[1]);
	t.dport = rte_be_to_cpu_16(e.ports[0]);
	t.proto = qp.l4_proto;
	c = ipvs_conn_lookup6(w, &t, &dir);
	if (c && dir == DIR_OUT && ipvs_xmit[c->fwd].daf == AF_INET6) {
		relay_to_client(lc, w, m, &e, c);
		return true;
	}
	if (c && dir == DIR_IN && ipvs_xmit[c->fwd].daf == AF_INET) {
		ipvs_fnat64_icmp_in(lc, w, c, m, p);   /* NAT64: as ICMPv4 */
		return true;
	}
	if (c && dir == DIR_IN)
		return relay_to_server(lc, w, m, &e, c);
	if (!r || !(r->flags & RT_F_SAPOOL) || nw < 2 || t.dport % nw == w)
		return false;
	m->hash.usr = 0;
	ipvs_core_handover(lc, w, t.dport % nw, m);
	return true;
}

/* A client packet of a synced conn another worker owns goes there, once. */
static bool sync_handover6(unsigned lc, unsigned w, unsigned nw,
			   struct rte_mbuf *m, const struct conn_tuple6 *t)
{
	int owner;

	if (nw < 2 || !ipvs_sync_dir_used())
		return false;
	owner = ipvs_sync_dir_owner6(t);
	if (owner < 0 || (unsigned)owner == w || (unsigned)owner >= nw)
		return false;
	m->hash.usr = HO_SYNC;
	ipvs_sync_wstats[w].handover++;
	ipvs_core_handover(lc, w, (unsigned)owner, m);
	return true;
}

/* ask_dir: not handed over for a synced conn already. */
static bool local_in6(unsigned lc, unsigned w, struct rte_mbuf *m,
		      const struct ipv6_pkt *p, const struct route6_entry *r,
		      bool ask_dir)
{
	unsigned nw = ipvs_core_workers();
	const struct ipvs_proto *pp;
	struct ipvs_service *svc;
	struct ipvs_conn *c;
	struct conn_tuple6 t;
	enum conn_dir dir;
	void *l4;

	if (p->l4_proto == IPPROTO_ICMPV6)
		return icmp6_relay(lc, w, m, p, r);
	switch (parse_l4(m, p, &pp, &l4, &t)) {
	case L4_OTHER:
		return false;
	case L4_SHORT:
		PKT_INC(lc, ipvs6_bad_l4);
		rte_pktmbuf_free(m);
		return true;
	case L4_OK:
		break;
	}
	c = ipvs_conn_lookup6(w, &t, &dir);
	if (c) {
		ipvs_conn_xmit(lc, w, c, dir, m, rte_pktmbuf_mtod(m, void *), l4);
		return true;
	}
	if (r && (r->flags & RT_F_SAPOOL) && nw > 1 && t.dport % nw != w) {
		/* A FullNAT reply: the port says whose connection it is. */
		m->hash.usr = 0; /* shares a union with the RSS hash */
		ipvs_core_handover(lc, w, t.dport % nw, m);
		return true;
	}
	if (ask_dir && sync_handover6(lc, w, nw, m, &t))
		return true;
	svc = ipvs_svc_lookup6(t.proto, &t.daddr, t.dport);
	if (!svc) {
		if (r && (r->flags & RT_F_SAPOOL)) {
			PKT_INC(lc, ipvs_no_conn);
			rte_pktmbuf_free(m);
			return true;
		}
		return false;
	}
	return new_conn6(lc, w, svc, m, pp, l4, &t);
}

bool ipvs_local_in6(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p,
		    const struct route6_entry *r)
{
	return local_in6(lc, ipvs_worker_index(lc), m, p, r, true);
}

/* The NAT reply half of nat_reply() (ipvs_core.c): a hit, or its owner. */
static bool nat_hit6(unsigned lc, unsigned w, struct rte_mbuf *m,
		     const struct ipv6_pkt *p, unsigned hops, int *owner)
{
	const struct ipvs_proto *pp;
	struct ipvs_conn *c;
	struct conn_tuple6 t;
	enum conn_dir dir;
	void *l4;

	if (p->l4_proto == IPPROTO_ICMPV6)
		return icmp6_relay(lc, w, m, p, NULL);
	if (parse_l4(m, p, &pp, &l4, &t) != L4_OK)
		return false;
	c = ipvs_conn_lookup6(w, &t, &dir);
	if (c && dir == DIR_OUT) {
		ipvs_conn_xmit(lc, w, c, dir, m, rte_pktmbuf_mtod(m, void *), l4);
		return true;
	}
	if (hops == 0 && ipvs_core_workers() > 1 &&
	    __atomic_load_n(&ipvs_nat_dests, __ATOMIC_RELAXED))
		*owner = ipvs_conn_nat_owner6(&t);
	return false;
}

/* Looks the packet up here; on a miss passes it on or gives it back. */
static bool nat_reply6(unsigned lc, unsigned w, struct rte_mbuf *m,
		       const struct ipv6_pkt *p, unsigned hops)
{
	unsigned nw = ipvs_core_workers();
	int owner = -1;

	if ((p->flags & IPV6_PKT_F_FRAG) && !(p->flags & IPV6_PKT_F_ATOMIC))
		return false;   /* a later fragment has payload for ports */
	if (nat_hit6(lc, w, m, p, hops, &owner))
		return true;
	if (owner >= 0 && (unsigned)owner != w) {
		/* One hand-over, the last: the owner forwards a miss. */
		m->hash.usr = HO_NAT | (nw - 1);
		ipvs_core_handover(lc, w, (unsigned)owner, m);
		return true;
	}
	/* Maybe another worker's: NAT replies carry no owner mark. */
	if (nw > 1 && hops + 1 < nw &&
	    __atomic_load_n(&ipvs_nat_dests, __ATOMIC_RELAXED)) {
		m->hash.usr = HO_NAT | (hops + 1);
		ipvs_core_handover(lc, w, (w + 1) % nw, m);
		return true;
	}
	return false;
}

bool ipvs_forward_in6(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	return nat_reply6(lc, ipvs_worker_index(lc), m, p, 0);
}

/*
 * A packet another worker handed over: parsed again (ipv6_input checked
 * it already, so only where L4 is changes nothing).
 */
void ipvs_handover6(unsigned lc, unsigned w, struct rte_mbuf *m)
{
	struct ipv6_pkt p;

	if (ipv6_parse(rte_pktmbuf_mtod(m, void *), m->data_len, &p) != IPV6_OK) {
		PKT_INC(lc, ipvs6_bad_l4);
		rte_pktmbuf_free(m);
		return;
	}
	if (m->hash.usr & HO_NAT) {
		if (!nat_reply6(lc, w, m, &p, m->hash.usr & 0xff))
			ipv6_forward(lc, m, &p);
	} else if (!local_in6(lc, w, m, &p, NULL, !(m->hash.usr & HO_SYNC))) {
		PKT_INC(lc, ipvs_no_conn);
		rte_pktmbuf_free(m);
	}
}
