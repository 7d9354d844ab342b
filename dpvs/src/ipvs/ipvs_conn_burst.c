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
 * headers (the common case; others are looked up one by one), its
 * addresses in a, the digest not made yet.  Only tried once burst_key
 * said "not IPv4 TCP/UDP", so v4 pays nothing.
 */
static bool burst_key6(const struct rte_mbuf *m, struct conn_key *k,
		       struct in6_addr a[2])
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	const struct rte_ipv6_hdr *ip6 = (const void *)(eh + 1);
	const uint16_t *ports = (const uint16_t *)(ip6 + 1);

	if (m->data_len < sizeof(*eh) + sizeof(*ip6) + 4 ||
	    eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV6) ||
	    (ip6->vtc_flow & RTE_BE32(0xf0000000u)) != RTE_BE32(0x60000000u) ||
	    !ipvs_proto_get(ip6->proto))
		return false;
	memcpy(&a[0], ip6->src_addr, sizeof(a[0]));   /* 2-byte aligned in the frame */
	memcpy(&a[1], ip6->dst_addr, sizeof(a[1]));
	memset(k, 0, sizeof(*k));
	k->sport = rte_be_to_cpu_16(ports[0]);
	k->dport = rte_be_to_cpu_16(ports[1]);
	k->proto = ip6->proto;
	k->af = CONN_KEY_V6;
	return true;
}

/*
 * Packet m's key (a v6 one without its digest yet) and its conn by its
 * local port (*c, or NULL); 0 if it has no key, else 4 or 6.
 */
static int burst_port(struct burst_cache *b, const struct rte_mbuf *m,
		      unsigned i, struct ipvs_conn **c)
{
	struct conn_key *k = &b->keys[i];

	if (burst_key(m, k)) {
		*c = conn_by_port(b->widx, k);
		return 4;
	}
	if (!burst_key6(m, k, b->addr6[i]))
		return 0;
	*c = conn_by_port6(b->widx, k->proto, &b->addr6[i][0], k->sport,
			   &b->addr6[i][1], k->dport);
	return 6;
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
	b->digests = 0;
	for (unsigned j = 0; j < n; j++) {
		struct conn_key *k = &b->keys[nk];
		struct ipvs_conn *c;
		int af;

		b->slot[j] = -1;
		af = burst_port(b, pkts[j], nk, &c);
		if (!af)
			continue;
		if (c) {
			b->data[nk] = (void *)((uintptr_t)c | 1);
			b->hits |= 1ull << nk;
		} else {
			if (af == 6) {
				k->digest = conn_digest(&b->addr6[nk][0],
							&b->addr6[nk][1]);
				b->digests |= 1ull << nk;
			}
			kp[nb] = k;
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
	b->now = now_tick();
	b->cur = 0;
	b->n = n;
}

static void burst_at(unsigned lc, unsigned j)
{
	conn_bursts[lc].cur = j;
	conn_bursts[lc].fresh = conn_bursts[lc].n != 0;
}

static void burst_end(unsigned lc)
{
	conn_bursts[lc].n = 0;
	conn_bursts[lc].fresh = false;
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
