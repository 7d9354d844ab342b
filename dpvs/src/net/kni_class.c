/* Classification of kernel-bound frames, and the kernel's own flows. */
#include "kni_class.h"

#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "inet_addr.h"
#include "route.h"
#include "route6.h"

#define VRRP_PROTO 112
#define VRRP_GROUP 0xe0000012u  /* 224.0.0.18 */
#define BGP_PORT RTE_BE16(179)
#define ND_NS 135
#define ND_NA 136
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

struct flow_key {
	uint32_t local, remote;  /* network order */
	uint16_t lport, rport;   /* network order; ICMP: echo id, 0 */
	uint8_t proto;
};

/*
 * One slot per hash: a 32-bit fingerprint of the flow and the second it
 * expires.  The master alone writes (one atomic store), workers read: a
 * collision costs a flow its priority, never a wrong frame more than
 * the budget of KNI_FLOW.
 */
static uint64_t flows[KNI_FLOWS];
static uint32_t seed;
/* The sync engine's port (network order; 0: not running) and group. */
static uint16_t sync_port;
static uint32_t sync_group;

static uint32_t now_s(void)
{
	return (uint32_t)(rte_get_tsc_cycles() / rte_get_tsc_hz());
}

static void slot_of(const struct flow_key *k, uint32_t *idx, uint32_t *fp)
{
	uint32_t ports = (uint32_t)k->lport << 16 | k->rport;

	*idx = rte_jhash_3words(k->local, k->remote, ports, seed + k->proto) &
	       (KNI_FLOWS - 1);
	*fp = rte_jhash_3words(k->local, k->remote, ports, ~seed + k->proto) | 1;
}

/* ip if m is an unfragmented IPv4 packet; *l4 and *l4len what follows. */
static const struct rte_ipv4_hdr *ipv4_of(const struct rte_mbuf *m,
					  const uint8_t **l4, uint32_t *l4len)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
	uint32_t hlen;

	if (m->data_len < sizeof(*eh) + sizeof(*ip) ||
	    eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4)
		return NULL;
	hlen = (uint32_t)(ip->version_ihl & 0xf) * 4;
	if (hlen < sizeof(*ip) || m->data_len < sizeof(*eh) + hlen ||
	    (ip->fragment_offset &
	     RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
		return NULL;
	*l4 = (const uint8_t *)ip + hlen;
	*l4len = m->data_len - (uint32_t)sizeof(*eh) - hlen;
	return ip;
}

/* The flow of ip from our side: we are its source if out. */
static bool flow_key(const struct rte_ipv4_hdr *ip, const uint8_t *l4,
		     uint32_t l4len, bool out, struct flow_key *k)
{
	uint16_t sport, dport;

	k->proto = ip->next_proto_id;
	k->local = out ? ip->src_addr : ip->dst_addr;
	k->remote = out ? ip->dst_addr : ip->src_addr;
	if (k->proto == IPPROTO_ICMP) {
		/* Echo request out, echo reply in. */
		if (l4len < 8 || l4[0] != (out ? 8 : 0))
			return false;
		memcpy(&k->lport, l4 + 4, 2);
		k->rport = 0;
		return true;
	}
	if ((k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP) || l4len < 4)
		return false;
	memcpy(&sport, l4, 2);
	memcpy(&dport, l4 + 2, 2);
	k->lport = out ? sport : dport;
	k->rport = out ? dport : sport;
	return true;
}

static bool flow_known(const struct flow_key *k, uint32_t now)
{
	uint32_t idx, fp;
	uint64_t e;

	slot_of(k, &idx, &fp);
	e = __atomic_load_n(&flows[idx], __ATOMIC_RELAXED);
	return (uint32_t)(e >> 32) == fp && (int32_t)((uint32_t)e - now) >= 0;
}

/*
 * Only what opens a flow creates an entry: a SYN, not the RST the kernel
 * answers a flood with; UDP from an ephemeral-looking port, not a
 * server's reply.  The rest of a known flow keeps it alive.
 */
static bool opens_flow(const struct flow_key *k, const uint8_t *l4,
		       uint32_t l4len)
{
	if (k->proto == IPPROTO_TCP)
		return l4len >= sizeof(struct rte_tcp_hdr) &&
		       (l4[13] & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
		       RTE_TCP_SYN_FLAG;
	if (k->proto == IPPROTO_UDP)
		return rte_be_to_cpu_16(k->lport) >= 1024;
	return true;
}

static bool flow6_of(const struct rte_mbuf *m, bool out, struct flow_key *k,
		     const uint8_t **l4, uint32_t *l4len);

void kni_flow_learn(const struct rte_mbuf *m)
{
	const uint8_t *l4;
	uint32_t l4len, idx, fp, now = now_s();
	const struct rte_ipv4_hdr *ip = ipv4_of(m, &l4, &l4len);
	struct flow_key k;

	if (ip ? !flow_key(ip, l4, l4len, true, &k) : !flow6_of(m, true, &k, &l4, &l4len))
		return;
	if (!opens_flow(&k, l4, l4len) && !flow_known(&k, now))
		return;
	slot_of(&k, &idx, &fp);
	__atomic_store_n(&flows[idx],
			 (uint64_t)fp << 32 | (uint32_t)(now + KNI_FLOW_TTL_S),
			 __ATOMIC_RELAXED);
}

void kni_flows_reset(void)
{
	memset(flows, 0, sizeof(flows));
	seed = (uint32_t)rte_rand();
}

void kni_class_set_sync(uint16_t port, uint32_t group)
{
	__atomic_store_n(&sync_group, rte_cpu_to_be_32(group), __ATOMIC_RELAXED);
	__atomic_store_n(&sync_port, rte_cpu_to_be_16(port), __ATOMIC_RELAXED);
}

/* A kni_host address: one the kernel itself answers for. */
static bool kernel_addr(uint32_t addr_be)
{
	const struct route_entry *r = route_lookup(rte_be_to_cpu_32(addr_be));

	return r && r->type == RT_KNI;
}

/*
 * Only the sync engine's socket listens there, and only the kernel
 * delivers to it: the group, or a kni_host address for unicast sync.
 */
static bool is_sync(const struct rte_ipv4_hdr *ip, const struct flow_key *k)
{
	uint16_t port = __atomic_load_n(&sync_port, __ATOMIC_RELAXED);

	if (!port || k->proto != IPPROTO_UDP || k->lport != port)
		return false;
	return ip->dst_addr == __atomic_load_n(&sync_group, __ATOMIC_RELAXED) ||
	       kernel_addr(ip->dst_addr);
}

/* A local or kni_host address: one the kernel or dpvs answers for. */
static bool ours(uint32_t addr_be)
{
	const struct route_entry *r = route_lookup(rte_be_to_cpu_32(addr_be));

	return r && (r->type == RT_LOCAL || r->type == RT_KNI);
}

static enum kni_kind arp_kind(const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(
		m, const struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*a))
		return KNI_BULK;
	return ours(a->arp_data.arp_tip) ? KNI_ARP : KNI_BULK;
}

static enum kni_kind ipv4_kind(const struct rte_mbuf *m)
{
	const uint8_t *l4;
	uint32_t l4len, dst;
	const struct rte_ipv4_hdr *ip = ipv4_of(m, &l4, &l4len);
	struct flow_key k;

	if (!ip)
		return KNI_BULK;
	dst = rte_be_to_cpu_32(ip->dst_addr);
	/* RFC 5798 5.1.1.3: an advert that crossed a router is not one. */
	if (ip->next_proto_id == VRRP_PROTO)
		return ip->time_to_live == 255 &&
		       (dst == VRRP_GROUP || (dst >> 28) != 0xe) ?
		       KNI_VRRP : KNI_BULK;
	if (!flow_key(ip, l4, l4len, false, &k))
		return KNI_BULK;
	if (k.proto == IPPROTO_TCP &&
	    (k.lport == BGP_PORT || k.rport == BGP_PORT))
		return KNI_BGP;
	if (is_sync(ip, &k))
		return KNI_SYNC;
	return flow_known(&k, now_s()) ? KNI_FLOW : KNI_BULK;
}

/* ---- IPv6 ---- */

/*
 * m's IPv6 header and its upper layer, past at most one Hop-by-Hop
 * header (MLD's Router Alert); NULL for fragments and anything longer:
 * those are bulk.
 */
static const struct rte_ipv6_hdr *ipv6_of(const struct rte_mbuf *m, uint8_t *proto,
					  const uint8_t **l4, uint32_t *l4len)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	const struct rte_ipv6_hdr *ip = (const void *)(eh + 1);
	uint32_t off = sizeof(*eh) + sizeof(*ip);

	if (m->data_len < off || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV6) ||
	    (rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)
		return NULL;
	*proto = ip->proto;
	if (*proto == IPPROTO_HOPOPTS) {
		const uint8_t *h = (const uint8_t *)(ip + 1);

		if (m->data_len < off + 8 || m->data_len < off + (h[1] + 1u) * 8)
			return NULL;
		*proto = h[0];
		off += (h[1] + 1u) * 8;
	}
	*l4 = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	*l4len = m->data_len - off;
	return ip;
}

/* 128 bits into the 32 a flow_key holds: a clash costs priority only. */
static uint32_t fold6(const uint8_t a[16])
{
	uint32_t w[4];

	memcpy(w, a, sizeof(w));    /* 2-byte aligned in the frame */
	return rte_jhash_32b(w, 4, seed);
}

/* The v6 flow of m, from our side if out (ICMPv6: echo ids). */
static bool flow6_of(const struct rte_mbuf *m, bool out, struct flow_key *k,
		     const uint8_t **l4, uint32_t *l4len)
{
	uint8_t proto;
	const struct rte_ipv6_hdr *ip = ipv6_of(m, &proto, l4, l4len);
	uint16_t sport, dport;

	if (!ip)
		return false;
	k->proto = proto;
	k->local = fold6(out ? ip->src_addr : ip->dst_addr);
	k->remote = fold6(out ? ip->dst_addr : ip->src_addr);
	if (proto == IPPROTO_ICMPV6) {
		if (*l4len < 8 || (*l4)[0] != (out ? ICMP6_ECHO_REQUEST : ICMP6_ECHO_REPLY))
			return false;
		memcpy(&k->lport, *l4 + 4, 2);
		k->rport = 0;
		return true;
	}
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || *l4len < 4)
		return false;
	memcpy(&sport, *l4, 2);
	memcpy(&dport, *l4 + 2, 2);
	k->lport = out ? sport : dport;
	k->rport = out ? dport : sport;
	return true;
}

/* A link-local, local or kni_host address: the twin's or ours. */
static bool ours6(const uint8_t a[16])
{
	struct in6_addr x;
	const struct route6_entry *r;

	memcpy(&x, a, sizeof(x));
	if (ipv6_is_linklocal(&x))
		return true;
	r = route6_lookup(&x);
	return r && (r->type == RT_LOCAL || r->type == RT_KNI);
}

/*
 * NS by their target, NA by their destination (the asker): NDP for the
 * twin's and our addresses is the v6 ARP class.
 */
static enum kni_kind nd_kind(const struct rte_ipv6_hdr *ip, const uint8_t *l4,
			     uint32_t l4len)
{
	if (ip->hop_limits != 255 || l4len < 24)
		return KNI_BULK;
	if (l4[0] == ND_NS)
		return ours6(l4 + 8) ? KNI_ARP : KNI_BULK;
	if (l4[0] == ND_NA)
		return ip->dst_addr[0] == 0xff || ours6(ip->dst_addr) ? KNI_ARP : KNI_BULK;
	return KNI_BULK;
}

static enum kni_kind ipv6_kind(const struct rte_mbuf *m)
{
	static const uint8_t vrrp_group[16] = { 0xff, 0x02, [15] = 0x12 };
	const uint8_t *l4;
	uint32_t l4len;
	uint8_t proto;
	const struct rte_ipv6_hdr *ip = ipv6_of(m, &proto, &l4, &l4len);
	struct flow_key k;

	if (!ip)
		return KNI_BULK;
	/* VRRPv3 (RFC 5798 5.1.2.3): hop limit 255, to ff02::12 or unicast. */
	if (proto == VRRP_PROTO)
		return ip->hop_limits == 255 &&
		       (memcmp(ip->dst_addr, vrrp_group, 16) == 0 ||
			ip->dst_addr[0] != 0xff) ? KNI_VRRP : KNI_BULK;
	if (proto == IPPROTO_ICMPV6 && l4len >= 1 &&
	    (l4[0] == ND_NS || l4[0] == ND_NA))
		return nd_kind(ip, l4, l4len);
	if (!flow6_of(m, false, &k, &l4, &l4len))
		return KNI_BULK;
	if (k.proto == IPPROTO_TCP && (k.lport == BGP_PORT || k.rport == BGP_PORT))
		return KNI_BGP;
	return flow_known(&k, now_s()) ? KNI_FLOW : KNI_BULK;
}

bool kni_na_claim(const struct rte_mbuf *m, struct in6_addr *target)
{
	const uint8_t *l4;
	uint32_t l4len;
	uint8_t proto;
	const struct rte_ipv6_hdr *ip = ipv6_of(m, &proto, &l4, &l4len);

	if (!ip || proto != IPPROTO_ICMPV6 || l4len < 24 || l4[0] != ND_NA)
		return false;
	memcpy(target, l4 + 8, sizeof(*target));
	return true;
}

enum kni_kind kni_classify(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);

	if (m->data_len < sizeof(*eh))
		return KNI_BULK;
	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP))
		return arp_kind(m);
	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return ipv4_kind(m);
	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return ipv6_kind(m);
	return KNI_BULK;
}

/* The ARP header of m after its ethernet header and one VLAN tag, if any. */
static const struct rte_arp_hdr *arp_of(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	size_t off = sizeof(*eh);
	uint16_t type;

	if (m->data_len < sizeof(*eh))
		return NULL;
	type = eh->ether_type;
	if (type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *v = (const void *)(eh + 1);

		off += sizeof(*v);
		if (m->data_len < off)
			return NULL;
		type = v->eth_proto;
	}
	if (type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    m->data_len < off + sizeof(struct rte_arp_hdr))
		return NULL;
	return rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, off);
}

bool kni_arp_claim(const struct rte_mbuf *m, uint32_t *sip)
{
	const struct rte_arp_hdr *a = arp_of(m);

	if (!a || a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN || a->arp_plen != 4)
		return false;
	if (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY) &&
	    !(a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
	      a->arp_data.arp_sip == a->arp_data.arp_tip))
		return false;
	*sip = rte_be_to_cpu_32(a->arp_data.arp_sip);
	return true;
}
