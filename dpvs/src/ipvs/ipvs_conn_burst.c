/*
 * The rx burst's connections looked up at once (netif's burst hook);
 * ipvs_conn_lookup and ipvs_conn_lookup6 ask burst_hit (ipvs_conn_int.h)
 * first.
 */
#include "ipvs_conn_int.h"

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_prefetch.h>

#include "core/lcore.h"
#include "net/netif.h"

struct burst_cache conn_bursts[RTE_MAX_LCORE];

/*
 * The conn key of an untagged IPv4 first fragment of a protocol with a
 * table entry (whose ports lead its header), or false.
 */
static bool burst_key(const struct rte_mbuf *m, struct conn_key *k)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);
	const uint16_t *ports;
	uint32_t hlen;

	if (m->data_len < sizeof(*eh) + sizeof(*ip) + 4 ||
	    eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    (ip->version_ihl >> 4) != 4 ||
	    !ipvs_proto_get(ip->next_proto_id) ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
					   RTE_IPV4_HDR_OFFSET_MASK)))
		return false;
	hlen = (ip->version_ihl & 0xf) * 4u;
	if (hlen < sizeof(*ip) || m->data_len < sizeof(*eh) + hlen + 4)
		return false;
	ports = (const uint16_t *)((const char *)ip + hlen);
	key_of(k, ip->next_proto_id, rte_be_to_cpu_32(ip->src_addr),
	       rte_be_to_cpu_16(ports[0]), rte_be_to_cpu_32(ip->dst_addr),
	       rte_be_to_cpu_16(ports[1]));
	return true;
}

/*
 * The same for an untagged IPv6 TCP/UDP packet without extension
 * headers (the common case; others are looked up one by one).  Only
 * tried once burst_key said "not IPv4 TCP/UDP", so v4 pays nothing.
 */
static bool burst_key6(const struct rte_mbuf *m, struct conn_key *k)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	const struct rte_ipv6_hdr *ip6 = (const void *)(eh + 1);
	const uint16_t *ports = (const uint16_t *)(ip6 + 1);
	struct in6_addr s, d;

	if (m->data_len < sizeof(*eh) + sizeof(*ip6) + 4 ||
	    eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV6) ||
	    (ip6->vtc_flow & RTE_BE32(0xf0000000u)) != RTE_BE32(0x60000000u) ||
	    !ipvs_proto_get(ip6->proto))
		return false;
	memcpy(&s, ip6->src_addr, sizeof(s));   /* 2-byte aligned in the frame */
	memcpy(&d, ip6->dst_addr, sizeof(d));
	key6_of(k, ip6->proto, &s, rte_be_to_cpu_16(ports[0]), &d,
		rte_be_to_cpu_16(ports[1]));
	return true;
}

/*
 * FullNAT replies are found by their local port (conn_by_port) and
 * leave the bulk lookup; the other keys go to it.  hits and data are
 * by key index, bulk's own indices mapped back through its map.
 */
static void burst_begin(unsigned lc, struct rte_mbuf **pkts, unsigned n)
{
	struct burst_cache *b = &conn_bursts[lc];
	const void *kp[BURST_MAX];
	void *bdata[BURST_MAX];
	uint8_t map[BURST_MAX];
	uint64_t bhits = 0;
	unsigned nk = 0, nb = 0;

	b->n = 0;
	if (n > BURST_MAX || lcore_role(lc) != ROLE_WORKER)
		return;
	b->widx = ipvs_worker_index(lc);
	b->hits = 0;
	for (unsigned j = 0; j < n; j++) {
		struct ipvs_conn *c;

		b->slot[j] = -1;
		if (!burst_key(pkts[j], &b->keys[nk]) &&
		    !burst_key6(pkts[j], &b->keys[nk]))
			continue;
		c = conn_by_port(b->widx, &b->keys[nk]);
		if (c) {
			b->data[nk] = (void *)((uintptr_t)c | 1);
			b->hits |= 1ull << nk;
		} else {
			kp[nb] = &b->keys[nk];
			map[nb++] = (uint8_t)nk;
		}
		b->slot[j] = (int8_t)nk++;
	}
	if (nb && rte_hash_lookup_bulk_data(conn_tabs[b->widx].hash, kp, nb,
					    &bhits, bdata) < 0)
		return;
	for (uint64_t h = bhits; h; h &= h - 1) {
		unsigned i = (unsigned)__builtin_ctzll(h);

		b->data[map[i]] = bdata[i];
		b->hits |= 1ull << map[i];
	}
	/* The conns themselves are the next misses: start them all now. */
	for (uint64_t h = b->hits; h; h &= h - 1) {
		const char *c = (const char *)((uintptr_t)b->data[__builtin_ctzll(h)] &
					       ~(uintptr_t)1);

		rte_prefetch0(c);
		rte_prefetch0(c + sizeof(struct ipvs_conn) - 1);
	}
	b->cur = 0;
	b->n = n;
}

static void burst_at(unsigned lc, unsigned j)
{
	conn_bursts[lc].cur = j;
}

static void burst_end(unsigned lc)
{
	conn_bursts[lc].n = 0;
}

const struct netif_burst_hook ipvs_conn_burst_hook = {
	.begin = burst_begin, .at = burst_at, .end = burst_end,
};

/* An evicted conn: the rest of the burst must not find it any more. */
void burst_forget(unsigned widx, const struct ipvs_conn *c)
{
	unsigned lc = rte_lcore_id();
	struct burst_cache *b;

	if (lc >= RTE_MAX_LCORE)
		return;
	b = &conn_bursts[lc];
	if (!b->n || b->widx != widx)
		return;
	for (uint64_t h = b->hits; h; h &= h - 1) {
		unsigned s = (unsigned)__builtin_ctzll(h);

		if (((uintptr_t)b->data[s] & ~(uintptr_t)1) == (uintptr_t)c)
			b->hits &= ~(1ull << s);
	}
}
