/*
 * The load balancer's packet path: connection lookup, new connections
 * (service lookup, scheduling, FullNAT port choice) and the hand-over of
 * replies that arrive on a worker other than the owner.
 *
 * FullNAT replies find their owner by arithmetic: worker w only uses
 * local ports p with p % nworkers == w.  NAT replies carry no such mark:
 * the shared registry of NAT reply tuples names the owner; what it does
 * not know (ICMP errors) is passed round the other workers once (only
 * while NAT services exist), then forwarded normally.
 *
 * Conns installed from the HA peer sit on the worker their record
 * named (ipvs_sync_in.c), which RSS may not give their client: a client
 * packet that misses here is looked up in the sync directory and handed
 * to the owner, once (HO_SYNC: the owner does not ask again).
 */
#include "ipvs_core.h"
#include "ipvs_core_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ring.h>

#include "net/ipv4.h"
#include "ipvs.h"
#include "ipvs_conn.h"
#include "ipvs_persist.h"
#include "ipvs_proto.h"
#include "ipvs_sync_int.h"
#include "ipvs_xmit.h"
#include "ipvs_xmit64.h"
#include "core/lcore.h"
#include "core/log.h"
#include "net/icmp_err.h"
#include "net/inetaddr.h"
#include "net/pktstats.h"

#define BURST 32

static struct rte_ring **rings;   /* [src * nw + dst] */
static unsigned nw;

int ipvs_core_init(uint32_t ring_size)
{
	char name[RTE_RING_NAMESIZE];

	nw = lcore_nworkers();
	if (nw < 2)
		return 0;
	rings = calloc(nw * nw, sizeof(*rings));
	if (!rings)
		return -ENOMEM;
	for (unsigned s = 0; s < nw; s++)
		for (unsigned d = 0; d < nw; d++) {
			if (s == d)
				continue;
			snprintf(name, sizeof(name), "ipvs_ho_%u_%u", s & 0xff,
				 d & 0xff);
			rings[s * nw + d] = rte_ring_create(name, ring_size,
							    SOCKET_ID_ANY,
							    RING_F_SP_ENQ |
								    RING_F_SC_DEQ);
			if (!rings[s * nw + d])
				return -ENOMEM;
		}
	return 0;
}

void ipvs_core_fini(void)
{
	struct rte_mbuf *m;

	for (unsigned i = 0; rings && i < nw * nw; i++) {
		while (rings[i] && rte_ring_dequeue(rings[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(rings[i]);
	}
	free(rings);
	rings = NULL;
}

static void handover(unsigned lc, unsigned from, unsigned to,
		     struct rte_mbuf *m)
{
	if (rte_ring_sp_enqueue(rings[from * nw + to], m) != 0) {
		PKT_INC(lc, ipvs_handover_full);
		rte_pktmbuf_free(m);
		return;
	}
	PKT_INC(lc, ipvs_handover);
}

void ipvs_core_handover(unsigned lc, unsigned from, unsigned to,
			struct rte_mbuf *m)
{
	handover(lc, from, to, m);
}

unsigned ipvs_core_workers(void)
{
	return nw;
}

enum l4_verdict { L4_OK, L4_OTHER, L4_SHORT };

static void tuple_of(const struct rte_ipv4_hdr *ip, const void *l4,
		     struct conn_tuple *t)
{
	const uint16_t *ports = l4;

	t->saddr = rte_be_to_cpu_32(ip->src_addr);
	t->daddr = rte_be_to_cpu_32(ip->dst_addr);
	t->sport = rte_be_to_cpu_16(ports[0]);
	t->dport = rte_be_to_cpu_16(ports[1]);
	t->proto = ip->next_proto_id;
}

/*
 * A protocol of the table with its whole header in the first segment:
 * fills pp, l4 and the tuple.
 */
static enum l4_verdict parse_l4(struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
				const struct ipvs_proto **pp, void **l4,
				struct conn_tuple *t)
{
	uint32_t hlen = rte_ipv4_hdr_len(ip);

	*pp = ipvs_proto_get(ip->next_proto_id);
	if (!*pp)
		return L4_OTHER;
	if (m->data_len < hlen + (*pp)->hdr_min)
		return L4_SHORT;
	*l4 = (char *)ip + hlen;
	tuple_of(ip, *l4, t);
	return L4_OK;
}

/* Counts and sends a packet of an existing connection. */
static void conn_xmit(unsigned lc, unsigned w, struct ipvs_conn *c,
		      enum conn_dir dir, struct rte_mbuf *m,
		      struct rte_ipv4_hdr *ip, void *l4)
{
	struct ipvs_pcstats *st = &c->dest->stats[w];
	const struct ipvs_xmit_ops *x = &ipvs_xmit[c->fwd];

	if (ipvs_conn_update(c, dir, l4, x->out == NULL)) {
		/* A new connection on a reused entry counts as any other. */
		PKT_INC(lc, ipvs_conn_new);
		st->conns++;
		if (c->lobj)
			c->lobj->conns[w * 8]++;
	}
	if (dir == DIR_IN) {
		st->inpkts++;
		st->inbytes += m->pkt_len;
		x->in(lc, c, m, ip, l4);
	} else {
		st->outpkts++;
		st->outbytes += m->pkt_len;
		x->out(lc, c, m, ip, l4);
	}
}

void ipvs_conn_xmit(unsigned lc, unsigned w, struct ipvs_conn *c,
		    enum conn_dir dir, struct rte_mbuf *m, void *l3, void *l4)
{
	conn_xmit(lc, w, c, dir, m, l3, l4);
}

/*
 * Picks a local address and one of this worker's ports on it: 0, -ENOSPC
 * (out of ports) or -EADDRNOTAVAIL (every address is an inactive HA one:
 * the peer's while this dpvs does not hold the lease, so replies would
 * go to the peer).
 */
static int fnat_source(const struct svc_snap *sn, unsigned w,
		       const struct conn_tuple *t, struct ipvs_conn *c)
{
	unsigned start = (t->saddr ^ t->sport) % sn->nladdr;
	bool ha_on = inetaddr_ha_active();
	int rc = -EADDRNOTAVAIL;

	for (unsigned i = 0; i < sn->nladdr; i++) {
		struct ipvs_laddr *l = sn->laddrs[(start + i) % sn->nladdr];
		uint16_t port;

		if (l->ha && !ha_on)
			continue;
		port = ipvs_port_get(l, w);
		if (port) {
			c->lobj = l;
			c->laddr = l->addr.in4;
			c->lport = port;
			return 0;
		}
		rc = -ENOSPC;
	}
	return rc;
}

static bool new_conn(unsigned lc, unsigned w, struct ipvs_service *svc,
		     struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
		     const struct ipvs_proto *pp, void *l4,
		     const struct conn_tuple *t)
{
	const struct svc_snap *sn = __atomic_load_n(&svc->snap, __ATOMIC_ACQUIRE);
	struct sched_flow f = { .saddr = t->saddr, .daddr = t->daddr,
				.sport = t->sport, .dport = t->dport,
				.proto = t->proto, .now = sched_now() };
	struct ipvs_conn tmpl, *c;
	struct ipvs_dest *d;
	int i;

	if (!pp->may_create(l4)) {
		PKT_INC(lc, ipvs_no_conn);
		goto drop;
	}
	if (ipvs_sync_refuses_new()) {
		ipvs_sync_wstats[w].backup_only++;
		goto drop;
	}
	i = sn->persist_timeout ? ipvs_persist_lookup(svc, sn, t->saddr) : -1;
	if (i < 0) {
		i = sn->ops->schedule(&sn->ss, sn->wstate + w * sn->wstride, &f);
		if (i >= 0 && sn->persist_timeout) {
			ipvs_persist_bind(svc, sn, t->saddr, i);
			ipvs_sync_note_tmpl(w, svc, sn, t->saddr, i);
		}
	}
	if (i < 0) {
		PKT_INC(lc, ipvs_no_dest);
		goto drop;
	}
	d = sn->dests[i];
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.caddr = t->saddr;
	tmpl.cport = t->sport;
	tmpl.vaddr = t->daddr;
	tmpl.vport = t->dport;
	tmpl.daddr = d->addr.in4;
	tmpl.dport = d->port ? d->port : t->dport;
	tmpl.proto = t->proto;
	tmpl.fwd = d->fwd;
	tmpl.state = pp->init_state;
	tmpl.dest = d;
	/* The header's length is the conn's shift; isn1 comes with its SYN. */
	if (sn->pp_ver && t->proto == IPPROTO_TCP && ipvs_fwd_snat(d->fwd))
		pp_init(&tmpl.pp, sn->pp_ver, tmpl.caddr, tmpl.cport,
			tmpl.vaddr, tmpl.vport);
	if (ipvs_fwd_snat(d->fwd)) {
		int rc = sn->nladdr ? fnat_source(sn, w, t, &tmpl) :
				      -EADDRNOTAVAIL;

		if (rc == -EADDRNOTAVAIL) {
			PKT_INC(lc, ipvs_no_laddr);
			goto drop;
		}
		/* Out of ports: early drop frees one held by an embryo. */
		if (rc < 0 &&
		    (!ipvs_conn_evict_for_port(w, sn->laddrs, sn->nladdr) ||
		     fnat_source(sn, w, t, &tmpl) < 0)) {
			PKT_INC(lc, ipvs_no_port);
			goto drop;
		}
	}
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
	conn_xmit(lc, w, c, DIR_IN, m, ip, l4);
	return true;
drop:
	rte_pktmbuf_free(m);
	return true;
}

/*
 * An ICMP error about a packet we sent to a real server: its quoted
 * header, reversed, is the reply tuple of the connection.  The client
 * gets it as if from the VIP, about the packet it sent itself.
 */
static bool icmp_relay(unsigned lc, unsigned w, struct rte_mbuf *m,
		       struct rte_ipv4_hdr *ip, const struct route_entry *r)
{
	uint32_t hlen = rte_ipv4_hdr_len(ip), ihl;
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - hlen;
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((char *)ip + hlen);
	struct rte_ipv4_hdr *in = (struct rte_ipv4_hdr *)(ic + 1);
	struct conn_tuple t;
	struct ipvs_conn *c;
	enum conn_dir dir;
	uint16_t *ports;

	if (len < sizeof(*ic) + sizeof(*in) + 8 || m->data_len < hlen + len ||
	    !icmp_type_is_error(ic->icmp_type))
		return false;
	ihl = rte_ipv4_hdr_len(in);
	if (ihl < sizeof(*in) || sizeof(*ic) + ihl + 8 > len ||
	    !ipvs_proto_get(in->next_proto_id))
		return false;
	ports = (uint16_t *)((char *)in + ihl);
	t.saddr = rte_be_to_cpu_32(in->dst_addr);
	t.daddr = rte_be_to_cpu_32(in->src_addr);
	t.sport = rte_be_to_cpu_16(ports[1]);
	t.dport = rte_be_to_cpu_16(ports[0]);
	t.proto = in->next_proto_id;
	c = ipvs_conn_lookup(w, &t, &dir);
	if (!c || dir != DIR_OUT) {
		if (!r || !(r->flags & RT_F_SAPOOL) || nw < 2 ||
		    t.dport % nw == w)
			return false;
		m->hash.usr = 0;
		handover(lc, w, t.dport % nw, m);
		return true;
	}
	if (c->pp.len)   /* the client's kernel checks the quoted seq */
		pp_quoted_seq(&c->pp, ports + 2);
	if (ipvs_conn_is_v6(c)) {   /* a v4 server of a v6 service: NAT64 */
		ipvs_fnat64_icmp_out(lc, w, c, m);
		return true;
	}
	in->src_addr = rte_cpu_to_be_32(c->caddr);
	ports[0] = rte_cpu_to_be_16(c->cport);
	in->dst_addr = rte_cpu_to_be_32(c->vaddr);
	ports[1] = rte_cpu_to_be_16(c->vport);
	in->hdr_checksum = 0;
	in->hdr_checksum = rte_ipv4_cksum(in);
	ip->src_addr = rte_cpu_to_be_32(c->vaddr);
	ip->dst_addr = rte_cpu_to_be_32(c->caddr);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
	c->dest->stats[w].outpkts++;
	c->dest->stats[w].outbytes += m->pkt_len;
	ipv4_output(lc, m, c->caddr);
	return true;
}

/* A client packet of a synced conn another worker owns goes there. */
static bool sync_handover(unsigned lc, unsigned w, struct rte_mbuf *m,
			  const struct conn_tuple *t)
{
	int owner;

	if (nw < 2 || !ipvs_sync_dir_used())
		return false;
	owner = ipvs_sync_dir_owner(t);
	if (owner < 0 || (unsigned)owner == w || (unsigned)owner >= nw)
		return false;
	m->hash.usr = HO_SYNC;
	ipvs_sync_wstats[w].handover++;
	handover(lc, w, (unsigned)owner, m);
	return true;
}

/* ask_dir: the packet was not handed over for a synced conn already. */
static bool local_in(unsigned lc, struct rte_mbuf *m,
		     const struct route_entry *r, bool ask_dir)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	unsigned w = ipvs_worker_index(lc);
	const struct ipvs_proto *pp;
	struct ipvs_service *svc;
	struct ipvs_conn *c;
	struct conn_tuple t;
	enum conn_dir dir;
	void *l4;

	if (ip->next_proto_id == IPPROTO_ICMP)
		return icmp_relay(lc, w, m, ip, r);
	switch (parse_l4(m, ip, &pp, &l4, &t)) {
	case L4_OTHER:
		return false;
	case L4_SHORT:
		PKT_INC(lc, ipvs_bad_l4);
		rte_pktmbuf_free(m);
		return true;
	case L4_OK:
		break;
	}
	c = ipvs_conn_lookup(w, &t, &dir);
	if (c) {
		conn_xmit(lc, w, c, dir, m, ip, l4);
		return true;
	}
	if (r && (r->flags & RT_F_SAPOOL) && nw > 1 && t.dport % nw != w) {
		/* A FullNAT reply: the port says whose connection it is. */
		m->hash.usr = 0; /* shares a union with the RSS hash */
		handover(lc, w, t.dport % nw, m);
		return true;
	}
	if (ask_dir && sync_handover(lc, w, m, &t))
		return true;
	svc = ipvs_svc_lookup(t.proto, t.daddr, t.dport);
	if (!svc) {
		if (r && (r->flags & RT_F_SAPOOL)) {
			PKT_INC(lc, ipvs_no_conn);
			rte_pktmbuf_free(m);
			return true;
		}
		return false;
	}
	return new_conn(lc, w, svc, m, ip, pp, l4, &t);
}

bool ipvs_local_in(unsigned lc, struct rte_mbuf *m, const struct route_entry *r)
{
	return local_in(lc, m, r, true);
}

/*
 * Looks the packet up here; on a miss passes it on or gives it back.
 * Fragments are given back unparsed, as ipv4_input keeps them from
 * ipvs_local_in: a later one carries payload where the ports would be.
 */
static bool nat_reply(unsigned lc, unsigned w, struct rte_mbuf *m,
		      unsigned hops)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	const struct ipvs_proto *pp;
	struct ipvs_conn *c;
	struct conn_tuple t;
	enum conn_dir dir;
	void *l4;
	int owner = -1;

	if (ip->fragment_offset &
	    RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	if (ip->next_proto_id == IPPROTO_ICMP) {
		if (icmp_relay(lc, w, m, ip, NULL))
			return true;
	} else {
		if (parse_l4(m, ip, &pp, &l4, &t) != L4_OK)
			return false;
		c = ipvs_conn_lookup(w, &t, &dir);
		if (c && dir == DIR_OUT) {
			conn_xmit(lc, w, c, dir, m, ip, l4);
			return true;
		}
		if (hops == 0 && nw > 1 &&
		    __atomic_load_n(&ipvs_nat_dests, __ATOMIC_RELAXED))
			owner = ipvs_conn_nat_owner(&t);
	}
	if (owner >= 0 && (unsigned)owner != w) {
		/* One hand-over, the last: the owner forwards a miss. */
		m->hash.usr = HO_NAT | (nw - 1);
		handover(lc, w, (unsigned)owner, m);
		return true;
	}
	/* Maybe another worker's: NAT replies carry no owner mark. */
	if (nw > 1 && hops + 1 < nw &&
	    __atomic_load_n(&ipvs_nat_dests, __ATOMIC_RELAXED)) {
		m->hash.usr = HO_NAT | (hops + 1);
		handover(lc, w, (w + 1) % nw, m);
		return true;
	}
	return false;
}

bool ipvs_forward_in(unsigned lc, struct rte_mbuf *m)
{
	return nat_reply(lc, ipvs_worker_index(lc), m, 0);
}

int ipvs_handover_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id(), w = ipvs_worker_index(lc);
	struct rte_mbuf *pkts[BURST];
	int work = 0;

	if (!rings || lcore_role(lc) != ROLE_WORKER)
		return 0;
	for (unsigned s = 0; s < nw; s++) {
		unsigned n;

		if (s == w)
			continue;
		n = rte_ring_sc_dequeue_burst(rings[s * nw + w], (void **)pkts,
					      BURST, NULL);
		for (unsigned i = 0; i < n; i++) {
			struct rte_mbuf *m = pkts[i];

			/* The version nibble tells the families apart. */
			if (*rte_pktmbuf_mtod(m, uint8_t *) >> 4 == 6)
				ipvs_handover6(lc, w, m);
			else if (m->hash.usr & HO_NAT) {
				if (!nat_reply(lc, w, m, m->hash.usr & 0xff))
					ipv4_forward(lc, m);
			} else if (!local_in(lc, m, NULL,
					     !(m->hash.usr & HO_SYNC))) {
				PKT_INC(lc, ipvs_no_conn);
				rte_pktmbuf_free(m);
			}
		}
		work += (int)n;
	}
	return work;
}
