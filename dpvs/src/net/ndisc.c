/*
 * Neighbour discovery for dpvs's own addresses (RFC 4861): NS and NA
 * in (every 7.1 validity check), NA answers, NS out for next hops and
 * unsolicited NAs.  DAD and MLD reports are ndisc_dad.c's.
 */
#include "ndisc.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "core/msgbus.h"
#include "inet6addr.h"
#include "inet_addr.h"
#include "kni.h"
#include "ndisc_int.h"
#include "neigh6.h"
#include "netif.h"
#include "pktstats.h"
#include "route6.h"

#define ETH_LEN ((uint16_t)sizeof(struct rte_ether_hdr))

static const struct in6_addr all_nodes = {
	.s6_addr = { 0xff, 0x02, [15] = 0x01 } };

/* What one NS or NA said, once valid. */
struct nd_msg {
	uint8_t type;
	uint8_t flags;                 /* NA: ND_NA_* */
	struct in6_addr target;
	const struct rte_ether_addr *lla;   /* SLLA (NS), TLLA (NA); NULL none */
};

/* ---- building ---- */

uint16_t nd_csum(const struct rte_ipv6_hdr *ip, const void *l4, uint32_t len)
{
	struct { rte_be32_t len; uint8_t zero[3]; uint8_t nh; } ph = {
		.len = rte_cpu_to_be_32(len), .nh = IPPROTO_ICMPV6 };
	uint32_t sum = __rte_raw_cksum(ip->src_addr, 32, 0);

	sum = __rte_raw_cksum(&ph, sizeof(ph), sum);
	sum = __rte_raw_cksum(l4, len, sum);
	return (uint16_t)~__rte_raw_cksum_reduce(sum);
}

struct rte_mbuf *nd_frame(uint16_t port, const struct in6_addr *src,
			  const struct in6_addr *dst, const uint8_t dst_mac[6],
			  uint8_t hop, uint8_t nh, uint16_t len, uint8_t **payload)
{
	const struct netif_port *p = netif_port(port);
	struct rte_mbuf *m;
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip;

	if (!p)
		return NULL;
	m = rte_pktmbuf_alloc(netif_pktpool());
	if (!m || !rte_pktmbuf_append(m, ETH_LEN + sizeof(*ip) + len)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	memcpy(eh->dst_addr.addr_bytes, dst_mac, RTE_ETHER_ADDR_LEN);
	rte_ether_addr_copy(&p->mac, &eh->src_addr);
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eh + 1);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(len);
	ip->proto = nh;
	ip->hop_limits = hop;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	*payload = (uint8_t *)(ip + 1);
	memset(*payload, 0, len);
	m->port = port;
	return m;
}

static void put_lla(uint8_t *opt, uint8_t type, uint16_t port)
{
	opt[0] = type;
	opt[1] = 1;
	memcpy(opt + 2, netif_port(port)->mac.addr_bytes, RTE_ETHER_ADDR_LEN);
}

static void seal_icmp(struct rte_mbuf *m, uint8_t *icmp, uint16_t len)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(
		m, const struct rte_ipv6_hdr *, ETH_LEN);
	uint16_t c = nd_csum(ip, icmp, len);

	memcpy(icmp + 2, &c, 2);
}

struct rte_mbuf *nd_build_ns(uint16_t port, const struct in6_addr *src,
			     const struct in6_addr *target,
			     const struct rte_ether_addr *ucast, bool slla)
{
	uint16_t len = ND_HDR_LEN + (slla ? ND_OPT_LLA_LEN : 0);
	struct in6_addr dst;
	uint8_t mac[6], *icmp;
	struct rte_mbuf *m;

	if (ucast) {
		dst = *target;
		memcpy(mac, ucast->addr_bytes, sizeof(mac));
	} else {
		ipv6_solicited_node(&dst, target);
		ipv6_mcast_mac(mac, &dst);
	}
	m = nd_frame(port, src, &dst, mac, ND_HOP_LIMIT, IPPROTO_ICMPV6, len, &icmp);
	if (!m)
		return NULL;
	icmp[0] = ND_NS;
	memcpy(icmp + 8, target, 16);
	if (slla)
		put_lla(icmp + ND_HDR_LEN, ND_OPT_SLLA, port);
	seal_icmp(m, icmp, len);
	return m;
}

struct rte_mbuf *nd_build_na(uint16_t port, const struct in6_addr *target,
			     const struct in6_addr *dst, const uint8_t dst_mac[6],
			     uint8_t flags)
{
	uint16_t len = ND_HDR_LEN + ND_OPT_LLA_LEN;
	struct rte_mbuf *m;
	uint8_t *icmp;

	m = nd_frame(port, target, dst, dst_mac, ND_HOP_LIMIT, IPPROTO_ICMPV6,
		     len, &icmp);
	if (!m)
		return NULL;
	icmp[0] = ND_NA;
	icmp[4] = flags;
	memcpy(icmp + 8, target, 16);
	put_lla(icmp + ND_HDR_LEN, ND_OPT_TLLA, port);
	seal_icmp(m, icmp, len);
	return m;
}

/* ---- validity (RFC 4861 7.1.1, 7.1.2) ---- */

static bool is_solicited_node(const struct in6_addr *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	return memcmp(a->s6_addr, pfx, sizeof(pfx)) == 0;
}

/* Walks the options: each non-empty and inside; notes the LLA wanted. */
static bool nd_options(const uint8_t *o, uint32_t len, uint8_t want,
		       struct nd_msg *nd)
{
	uint32_t off = 0;

	while (off < len) {
		uint32_t olen;

		if (len - off < 2 || o[off + 1] == 0)
			return false;
		olen = (uint32_t)o[off + 1] * 8;
		if (olen > len - off)
			return false;
		if (o[off] == want && !nd->lla)
			nd->lla = (const struct rte_ether_addr *)(o + off + 2);
		off += olen;
	}
	return true;
}

static bool nd_valid(const struct rte_ipv6_hdr *ip, const uint8_t *icmp,
		     uint32_t len, struct nd_msg *nd)
{
	struct in6_addr src, dst;

	memcpy(&src, ip->src_addr, 16);
	memcpy(&dst, ip->dst_addr, 16);
	if (len < ND_HDR_LEN || ip->hop_limits != ND_HOP_LIMIT || icmp[1] != 0 ||
	    nd_csum(ip, icmp, len) != 0)
		return false;
	nd->type = icmp[0];
	nd->flags = icmp[4];
	memcpy(&nd->target, icmp + 8, 16);
	nd->lla = NULL;
	if (ipv6_is_multicast(&nd->target) ||
	    !nd_options(icmp + ND_HDR_LEN, len - ND_HDR_LEN,
			nd->type == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA, nd))
		return false;
	if (nd->type == ND_NS && ipv6_is_unspecified(&src))
		return is_solicited_node(&dst) && !nd->lla;
	if (nd->type == ND_NA && ipv6_is_multicast(&dst))
		return !(nd->flags & ND_NA_S);
	return true;
}

/* ---- input ---- */

/* The Ethernet header ipv6_input stepped over: still in the headroom. */
static const struct rte_ether_hdr *eth_of(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -(int)ETH_LEN);
}

/* The kernel twin keeps its own neighbours (health checks) from copies. */
static void copy_up(unsigned lc, struct rte_mbuf *m)
{
	struct rte_mbuf *copy;

	rte_pktmbuf_prepend(m, ETH_LEN);
	copy = rte_pktmbuf_copy(m, netif_pktpool(), 0, UINT32_MAX);
	rte_pktmbuf_adj(m, ETH_LEN);
	if (copy)
		kni_up(lc, copy);
}

struct dad_msg {
	struct in6_addr addr;
	uint16_t port;
	uint8_t mac[6];
};

/* A duplicate of an address in DAD: the master ends its run. */
static void dad_heard(const struct in6_addr *a, uint16_t port,
		      const struct rte_ether_addr *from)
{
	struct dad_msg dm = { .addr = *a, .port = port };

	memcpy(dm.mac, from->addr_bytes, sizeof(dm.mac));
	msgbus_send_async(rte_get_main_lcore(), MSG_TYPE_DAD_EVENT, &dm, sizeof(dm));
}

static int dad_cb(const void *req, uint16_t len, void *reply __rte_unused,
		  uint16_t *rlen __rte_unused)
{
	const struct dad_msg *dm = req;
	struct rte_ether_addr mac;

	if (len != sizeof(*dm))
		return -EINVAL;
	memcpy(mac.addr_bytes, dm->mac, sizeof(mac.addr_bytes));
	ndisc_dad_conflict(dm->port, &dm->addr, &mac);
	return 0;
}

/* As arp.c: only a sender on a prefix of the port (or link-local) is learnt. */
static bool on_link(uint16_t port, const struct in6_addr *a)
{
	const struct route6_entry *r;

	if (ipv6_is_linklocal(a))
		return true;
	r = route6_lookup(a);
	return r && r->port == port && r->type == RT_CONNECTED;
}

static void answer_ns(unsigned lc, const struct rte_mbuf *m,
		      const struct rte_ipv6_hdr *ip, const struct nd_msg *nd)
{
	const struct rte_ether_hdr *eh = eth_of(m);
	uint16_t port = m->port;
	struct in6_addr src;
	uint8_t mac[6];
	struct rte_mbuf *r;

	memcpy(&src, ip->src_addr, 16);
	if (ipv6_is_unspecified(&src)) {
		/* RFC 4861 7.2.4: to all nodes, not solicited. */
		ipv6_mcast_mac(mac, &all_nodes);
		r = nd_build_na(port, &nd->target, &all_nodes, mac, ND_NA_O);
	} else {
		if (nd->lla && on_link(port, &src) &&
		    neigh6_solicited_by(lc, &src, port, nd->lla) == NEIGH_HEARD_NEWS)
			PKT_INC(lc, nd_na_learned);
		memcpy(mac, nd->lla ? nd->lla->addr_bytes : eh->src_addr.addr_bytes, 6);
		r = nd_build_na(port, &nd->target, &src, mac, ND_NA_S | ND_NA_O);
	}
	if (!r)
		return;
	PKT_INC(lc, nd_ns_replied);
	netif_xmit(lc, port, r);
}

static bool from_us(const struct rte_mbuf *m)
{
	const struct netif_port *p = netif_port(m->port);

	return p && rte_is_same_ether_addr(&eth_of(m)->src_addr, &p->mac);
}

static void ns_input(unsigned lc, const struct rte_mbuf *m,
		     const struct rte_ipv6_hdr *ip, const struct nd_msg *nd)
{
	struct in6_addr src;
	uint32_t flags;

	if (!inet6addr_is_local(m->port, &nd->target, &flags) ||
	    (flags & IFA6_F_DADFAILED))
		return;
	if (flags & IFA6_F_TENTATIVE) {
		/* RFC 4862 5.4.3: only another node's DAD is a duplicate. */
		memcpy(&src, ip->src_addr, sizeof(src));   /* 2-byte aligned */
		if (ipv6_is_unspecified(&src) && !from_us(m))
			dad_heard(&nd->target, m->port, &eth_of(m)->src_addr);
		return;
	}
	/* The peer's while this dpvs holds no lease: answering steals it. */
	if ((flags & IFA_F_HA) && !inetaddr_ha_active()) {
		PKT_INC(lc, nd_ha_inactive);
		return;
	}
	answer_ns(lc, m, ip, nd);
}

static void na_input(unsigned lc, const struct rte_mbuf *m, const struct nd_msg *nd)
{
	uint32_t flags;

	if (inet6addr_is_local(m->port, &nd->target, &flags)) {
		if ((flags & IFA6_F_TENTATIVE) && !from_us(m))
			dad_heard(&nd->target, m->port, &eth_of(m)->src_addr);
		return;
	}
	switch (neigh6_confirm(lc, &nd->target, m->port, nd->lla,
			       nd->flags & ND_NA_S, nd->flags & ND_NA_O,
			       nd->flags & ND_NA_R)) {
	case NEIGH_HEARD_NEWS:
		PKT_INC(lc, nd_na_learned);
		break;
	case NEIGH_HEARD_IGNORED:
		PKT_INC(lc, nd_ignored);
		break;
	case NEIGH_HEARD_KNOWN:
		break;
	}
}

/*
 * m starts at its IPv6 header, the Ethernet header just before it (as
 * ipv6_input leaves it).  Valid frames also go up to the kernel.
 */
void ndisc_input(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const uint8_t *icmp = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l4_off);
	struct nd_msg nd;

	if (m->data_off < ETH_LEN || p->l4_proto != IPPROTO_ICMPV6 ||
	    (uint32_t)p->l4_off + p->l4_len > m->data_len ||
	    !nd_valid(ip, icmp, p->l4_len, &nd) ||
	    (nd.type != ND_NS && nd.type != ND_NA)) {
		PKT_INC(lc, nd_bad);
		rte_pktmbuf_free(m);
		return;
	}
	copy_up(lc, m);
	if (nd.type == ND_NS)
		ns_input(lc, m, ip, &nd);
	else
		na_input(lc, m, &nd);
	rte_pktmbuf_free(m);
}

/* ---- output ---- */

/*
 * A global source on port for an NS about target: the route's, else the
 * port's; never link-local (the twin's, with the same MAC).
 */
static bool ns_source(uint16_t port, const struct in6_addr *target,
		      struct in6_addr *src)
{
	const struct route6_entry *r = route6_lookup(target);

	if (r && r->port == port && route6_source(r, target, src) &&
	    !ipv6_is_linklocal(src) && !ipv6_is_unspecified(src))
		return true;
	return inet6addr_port_source(port, src) && !ipv6_is_linklocal(src);
}

void ndisc_solicit(unsigned lc, uint16_t port, const struct in6_addr *target,
		   const struct rte_ether_addr *ucast_mac)
{
	struct in6_addr src;
	struct rte_mbuf *m;

	if (!ns_source(port, target, &src)) {
		PKT_INC(lc, ip6_no_route);
		return;
	}
	m = nd_build_ns(port, &src, target, ucast_mac, true);
	if (!m)
		return;
	PKT_INC(lc, nd_ns_sent);
	netif_xmit(lc, port, m);
}

int ndisc_send_una(uint16_t port, const struct in6_addr *addr)
{
	struct rte_mbuf *m;
	uint8_t mac[6];
	int rc;

	if (!netif_port(port))
		return -ENODEV;
	/* An address went live (or moved here): report its group first. */
	nd_mld_report_soon(port);
	ipv6_mcast_mac(mac, &all_nodes);
	m = nd_build_na(port, addr, &all_nodes, mac, ND_NA_O);
	if (!m)
		return -ENOBUFS;
	rc = kni_send(m);
	if (rc == 0)
		PKT_INC(rte_lcore_id(), nd_una_sent);
	return rc;
}

int ndisc_init(const struct dpvs_conf *c)
{
	int rc = nd_dad_init(c);

	if (rc < 0)
		return rc;
	return msgbus_register(rte_get_main_lcore(), MSG_TYPE_DAD_EVENT,
			       "dad-event", dad_cb);
}

void ndisc_fini(void)
{
	nd_dad_fini();
}
