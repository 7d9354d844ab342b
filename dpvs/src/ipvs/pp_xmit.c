/* PROXY protocol: the mbuf work around proxy_proto.c (pp_xmit.h). */
#include "pp_xmit.h"

#include <rte_byteorder.h>

#include "proxy_proto.h"
#include "net/csum6.h"
#include "net/netif.h"
#include "net/pktstats.h"
#include "net/route.h"
#include "net/route6.h"

static uint32_t port_mtu(uint16_t port)
{
	const struct netif_port *p = netif_port(port);

	return p ? p->mtu : RTE_ETHER_MTU;
}

unsigned pp_xmit_hdr(const struct ipvs_conn *c, uint8_t *hdr)
{
	if (ipvs_conn_is_v6(c))
		return pp_build6(c->pp.ver, hdr, &c->caddr6, c->cport,
				 &ipvs_conn_vaddr(c)->in6, c->vport);
	return pp_build(c->pp.ver, hdr, c->caddr, c->cport, c->vaddr, c->vport);
}

/* Keeps the first l3l4 bytes of m, its headers. */
static void cut_to(struct rte_mbuf *m, uint32_t l3l4)
{
	if (m->next) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
	}
	m->data_len = (uint16_t)l3l4;
	m->pkt_len = l3l4;
}

/*
 * The first segment too big for the header as well (a client that
 * ignored the lowered MSS): its payload goes, the header alone is sent,
 * and the client's retransmission, after the server acknowledged the
 * header, carries the data.
 */
static void cut4(unsigned lc, struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
		 struct rte_tcp_hdr *th, uint32_t l3l4)
{
	cut_to(m, l3l4);
	ip->total_length = rte_cpu_to_be_16((uint16_t)l3l4);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	PKT_INC(lc, ipvs_pp_cut);
}

static void cut6(unsigned lc, struct rte_mbuf *m, struct rte_ipv6_hdr *ip6,
		 struct rte_tcp_hdr *th, uint32_t l4off, uint32_t l3l4)
{
	cut_to(m, l3l4);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)(l3l4 - sizeof(*ip6)));
	th->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	th->cksum = 0;
	th->cksum = csum6_l4(ip6->src_addr, ip6->dst_addr, IPPROTO_TCP, th,
			     l3l4 - l4off);
	PKT_INC(lc, ipvs_pp_cut);
}

/* After pp_insert*: an odd header left one stale byte at the end. */
static struct rte_mbuf *sent(unsigned lc, struct rte_mbuf *m, unsigned n)
{
	if (pp_room(n) != n)
		rte_pktmbuf_trim(m, 1);
	PKT_INC(lc, ipvs_pp_sent);
	return m;
}

static struct rte_mbuf *bad(unsigned lc, struct rte_mbuf *m)
{
	PKT_INC(lc, ipvs_pp_bad);
	rte_pktmbuf_free(m);
	return NULL;
}

/* The header in front of the client's first sequence number. */
static struct rte_mbuf *add4(unsigned lc, const struct ipvs_conn *c,
			     struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
			     struct rte_tcp_hdr *th)
{
	uint8_t hdr[PP_HDR_MAX + 1];
	uint32_t l3l4 = rte_ipv4_hdr_len(ip) + (uint32_t)(th->data_off >> 4) * 4;
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	const struct route_entry *r = route_lookup(ipvs_conn_daddr(c)->in4);
	unsigned n = pp_xmit_hdr(c, hdr);

	if (l3l4 < rte_ipv4_hdr_len(ip) + sizeof(*th) || l3l4 > tot ||
	    l3l4 > m->data_len || n != c->pp.len)
		return bad(lc, m);
	/* An odd (v1) header needs the whole payload in one piece. */
	if ((r && tot + n > port_mtu(r->port)) || ((n & 1) && tot > m->data_len))
		cut4(lc, m, ip, th, l3l4);
	if (!rte_pktmbuf_prepend(m, (uint16_t)pp_room(n)) ||
	    !pp_insert(&ip, l3l4, hdr, n))
		return bad(lc, m);
	return sent(lc, m, n);
}

static struct rte_mbuf *add6(unsigned lc, const struct ipvs_conn *c,
			     struct rte_mbuf *m, struct rte_ipv6_hdr *ip6,
			     struct rte_tcp_hdr *th)
{
	uint8_t hdr[PP_HDR_MAX + 1];
	uint32_t l4off = (uint32_t)((char *)th - (char *)ip6);
	uint32_t l3l4 = l4off + (uint32_t)(th->data_off >> 4) * 4;
	uint32_t tot = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len);
	const struct route6_entry *r = route6_lookup(&ipvs_conn_daddr(c)->in6);
	unsigned n = pp_xmit_hdr(c, hdr);

	if (l3l4 < l4off + sizeof(*th) || l3l4 > tot || l3l4 > m->data_len ||
	    n != c->pp.len)
		return bad(lc, m);
	if ((r && tot + n > port_mtu(r->port)) || ((n & 1) && tot > m->data_len))
		cut6(lc, m, ip6, th, l4off, l3l4);
	if (!rte_pktmbuf_prepend(m, (uint16_t)pp_room(n)) ||
	    !pp_insert6(&ip6, l4off, l3l4, hdr, n))
		return bad(lc, m);
	return sent(lc, m, n);
}

struct rte_mbuf *pp_xmit_in4(unsigned lc, struct ipvs_conn *c,
			     struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
			     struct rte_tcp_hdr *th)
{
	if (pp_client_wants_hdr(&c->pp, th))
		return add4(lc, c, m, ip, th);
	pp_client_shift(&c->pp, th);
	return m;
}

struct rte_mbuf *pp_xmit_in6(unsigned lc, struct ipvs_conn *c,
			     struct rte_mbuf *m, struct rte_ipv6_hdr *ip6,
			     struct rte_tcp_hdr *th)
{
	if (pp_client_wants_hdr(&c->pp, th))
		return add6(lc, c, m, ip6, th);
	pp_client_shift(&c->pp, th);
	return m;
}

/* Options past the IP packet's end are not its. */
void pp_xmit_out4(struct ipvs_conn *c, const struct rte_mbuf *m,
		  const struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th)
{
	uint32_t end = RTE_MIN((uint32_t)m->data_len,
			       (uint32_t)rte_be_to_cpu_16(ip->total_length));

	pp_server(&c->pp, th, end - rte_ipv4_hdr_len(ip));
}

void pp_xmit_out6(struct ipvs_conn *c, const struct rte_mbuf *m,
		  const struct rte_ipv6_hdr *ip6, struct rte_tcp_hdr *th)
{
	uint32_t end = RTE_MIN((uint32_t)m->data_len, (uint32_t)sizeof(*ip6) +
			       rte_be_to_cpu_16(ip6->payload_len));

	pp_server(&c->pp, th, end - (uint32_t)((char *)th - (char *)ip6));
}
