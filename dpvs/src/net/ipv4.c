/* IPv4 input, forwarding and ICMP echo replies. */
#include "ipv4.h"

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "icmp_err.h"
#include "kni.h"
#include "neigh.h"
#include "netif.h"
#include "pktstats.h"
#include "route.h"

#define ETH_LEN sizeof(struct rte_ether_hdr)

static bool forwarding;

void ipv4_set_forwarding(bool on)
{
	__atomic_store_n(&forwarding, on, __ATOMIC_RELAXED);
}

static bool take_nothing_local(unsigned lc __rte_unused,
			       struct rte_mbuf *m __rte_unused,
			       const struct route_entry *r __rte_unused)
{
	return false;
}

static bool take_nothing_fwd(unsigned lc __rte_unused,
			     struct rte_mbuf *m __rte_unused)
{
	return false;
}

static const struct ipv4_hooks no_hooks = { take_nothing_local,
					    take_nothing_fwd };
/* Never NULL members: the per-packet path does not test them. */
static struct ipv4_hooks hooks = { take_nothing_local, take_nothing_fwd };

void ipv4_set_hooks(const struct ipv4_hooks *h)
{
	if (!h)
		h = &no_hooks;
	hooks.local_in = h->local_in ? h->local_in : take_nothing_local;
	hooks.forward_in = h->forward_in ? h->forward_in : take_nothing_fwd;
}

enum ipv4_verdict ipv4_check(const void *p, uint32_t avail, bool csum_ok)
{
	const struct rte_ipv4_hdr *ip = p;
	uint32_t hlen, tot;

	if (avail < sizeof(*ip) || (ip->version_ihl >> 4) != 4)
		return IPV4_BAD_HDR;
	hlen = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (hlen < sizeof(*ip) || hlen > avail)
		return IPV4_BAD_HDR;
	if (!csum_ok && rte_raw_cksum(ip, hlen) != 0xffff)
		return IPV4_BAD_CSUM;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (tot < hlen || tot > avail)
		return IPV4_BAD_LEN;
	return IPV4_OK;
}

/* Echo request to a local address: answer in place, back where it came. */
static void icmp_input(unsigned lc, struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint32_t hlen = rte_ipv4_hdr_len(ip);
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - hlen;
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((char *)ip + hlen);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ether_addr tmp;
	uint32_t sum;

	if (len < sizeof(*ic) || ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
	    rte_raw_cksum(ic, len) != 0xffff) {
		kni_up(lc, m);
		return;
	}
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
	sum = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = sum;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	rte_ether_addr_copy(&eh->src_addr, &tmp);
	rte_ether_addr_copy(&eh->dst_addr, &eh->src_addr);
	rte_ether_addr_copy(&tmp, &eh->dst_addr);
	PKT_INC(lc, icmp_echo);
	netif_xmit(lc, m->port, m);
}

static bool icmp_error(const struct rte_ipv4_hdr *ip)
{
	const struct rte_icmp_hdr *ic =
		(const struct rte_icmp_hdr *)((const char *)ip + rte_ipv4_hdr_len(ip));

	/* Only the first fragment carries the ICMP header. */
	return rte_be_to_cpu_16(ip->total_length) >= rte_ipv4_hdr_len(ip) + 8 &&
	       icmp_type_is_error(ic->icmp_type);
}

static bool is_broadcast(uint32_t dst, const struct route_entry *r)
{
	return dst == 0xffffffffu ||
	       (r && r->type == RT_CONNECTED && r->plen < 31 &&
		dst == (r->prefix | (~0u >> r->plen)));
}

bool ipv4_output(unsigned lc, struct rte_mbuf *m, uint32_t dst)
{
	const struct route_entry *r = route_lookup_lc(lc, dst);

	if (unlikely(!r || r->type == RT_LOCAL || r->type == RT_KNI)) {
		PKT_INC(lc, ip_no_route);
		rte_pktmbuf_free(m);
		return false;
	}
	neigh_output(lc, m, r->type == RT_GATEWAY ? r->gw : dst, r->port);
	return true;
}

void ipv4_forward(unsigned lc, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t sum;

	if (!__atomic_load_n(&forwarding, __ATOMIC_RELAXED)) {
		PKT_INC(lc, ip_not_local);
		rte_pktmbuf_free(m);
		return;
	}
	if (ip->time_to_live <= 1) {
		PKT_INC(lc, ip_ttl);
		rte_pktmbuf_free(m);
		return;
	}
	/* Rewritten even if no route takes it: it is dropped then anyway. */
	ip->time_to_live--;
	/* RFC 1624 as Linux's ip_decrease_ttl: TTL is the high byte. */
	sum = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);
	ip->hdr_checksum = (uint16_t)(sum + (sum >= 0xffff));
	if (ipv4_output(lc, m, rte_be_to_cpu_32(ip->dst_addr)))
		PKT_INC(lc, ip_forwarded);
}

void ipv4_input(unsigned lc, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
							  ETH_LEN);
	uint32_t avail = m->data_len - ETH_LEN, tot, dst;
	bool csum_ok = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
		       RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	const struct route_entry *r;

	switch (ipv4_check(ip, avail, csum_ok)) {
	case IPV4_OK:
		break;
	case IPV4_BAD_HDR:
		PKT_INC(lc, ip_bad_hdr);
		goto drop;
	case IPV4_BAD_CSUM:
		PKT_INC(lc, ip_bad_csum);
		goto drop;
	case IPV4_BAD_LEN:
		PKT_INC(lc, ip_bad_len);
		goto drop;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (avail > tot) /* ethernet padding */
		rte_pktmbuf_trim(m, avail - tot);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	r = route_lookup_lc(lc, dst);
	/* (RTE_IS_IPV4_MCAST shifts a signed int: UB for 224.x.) */
	if ((dst >> 28) == 0xe || is_broadcast(dst, r) ||
	    (r && r->type == RT_KNI)) {
		kni_up(lc, m);
		return;
	}
	if (!r || r->type != RT_LOCAL) {
		rte_pktmbuf_adj(m, ETH_LEN);
		if (!hooks.forward_in(lc, m))
			ipv4_forward(lc, m);
		return;
	}
	if (ip->fragment_offset &
	    RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		/* No reassembly here: the kernel can, for what it serves. */
		PKT_INC(lc, ip_frag);
		kni_up(lc, m);
		return;
	}
	if (ip->next_proto_id == IPPROTO_ICMP && !icmp_error(ip)) {
		icmp_input(lc, m, ip);
		return;
	}
	/* Services, FullNAT replies, and ICMP errors about either. */
	rte_pktmbuf_adj(m, ETH_LEN);
	if (hooks.local_in(lc, m, r))
		return;
	rte_pktmbuf_prepend(m, ETH_LEN);
	/* Not served by the data plane (yet): VRRP, SSH, BGP ... */
	kni_up(lc, m);
	return;
drop:
	rte_pktmbuf_free(m);
}
