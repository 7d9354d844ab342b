/* IPv4 fragmentation and "fragmentation needed" errors. */
#include "ipv4_pmtu.h"

#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#define ICMP_QUOTE_MAX (576 - 28)   /* an error fits 576 bytes (RFC 1812) */

/* Copies len bytes of m from off to dst (m may be segmented). */
static void copy_out(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		     void *dst)
{
	const void *src = rte_pktmbuf_read(m, off, len, dst);

	if (src != dst)
		memcpy(dst, src, len);
}

static void free_all(struct rte_mbuf **out, int n)
{
	while (n-- > 0)
		rte_pktmbuf_free(out[n]);
}

/* One fragment: m's header, then len bytes of its payload from off. */
static struct rte_mbuf *fragment_one(const struct rte_mbuf *m, uint32_t hl,
				     uint32_t off, uint32_t len, bool more,
				     uint16_t id, struct rte_mempool *mp)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const void *);
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	struct rte_mbuf *f = rte_pktmbuf_alloc(mp);
	struct rte_ipv4_hdr *h;

	if (!f)
		return NULL;
	h = (struct rte_ipv4_hdr *)rte_pktmbuf_append(f, (uint16_t)(hl + len));
	if (!h) {
		rte_pktmbuf_free(f);
		return NULL;
	}
	copy_out(m, 0, hl, h);
	copy_out(m, hl + off, len, (char *)h + hl);
	/* A fragment of a fragment keeps its place and its MF. */
	fo = (uint16_t)((fo & RTE_IPV4_HDR_OFFSET_MASK) + off / 8) |
	     (more || (fo & RTE_IPV4_HDR_MF_FLAG) ? RTE_IPV4_HDR_MF_FLAG : 0);
	h->fragment_offset = rte_cpu_to_be_16(fo);
	h->total_length = rte_cpu_to_be_16((uint16_t)(hl + len));
	h->packet_id = rte_cpu_to_be_16(id);
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
	return f;
}

int ipv4_fragment(const struct rte_mbuf *m, uint32_t mtu, uint16_t id,
		  struct rte_mempool *mp, struct rte_mbuf **out)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const void *);
	uint32_t hl = rte_ipv4_hdr_len(ip);
	uint32_t total = rte_be_to_cpu_16(ip->total_length);
	uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;
	uint32_t step, off;
	int n = 0;

	if (room < mtu)
		mtu = room;
	if (total > m->pkt_len || total <= hl || mtu < hl + 8)
		return -1;
	step = (mtu - hl) & ~7u;   /* offsets count 8-byte units */
	if ((total - hl + step - 1) / step > IPV4_FRAG_MAX)
		return -1;
	for (off = 0; off < total - hl; off += step) {
		uint32_t len = RTE_MIN(step, total - hl - off);

		out[n] = fragment_one(m, hl, off, len, off + len < total - hl,
				      id, mp);
		if (!out[n]) {
			free_all(out, n);
			return -1;
		}
		n++;
	}
	return n;
}

/* RFC 1122: no error about an error, nor about a non-first fragment. */
static bool may_answer(const struct rte_ipv4_hdr *ip, const struct rte_mbuf *m,
		       uint32_t hl)
{
	const struct rte_icmp_hdr *ic;

	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	if (ip->next_proto_id != IPPROTO_ICMP)
		return true;
	if (m->data_len < hl + sizeof(*ic))
		return false;
	ic = (const struct rte_icmp_hdr *)((const char *)ip + hl);
	return ic->icmp_type == RTE_IP_ICMP_ECHO_REQUEST ||
	       ic->icmp_type == RTE_IP_ICMP_ECHO_REPLY;
}

struct rte_mbuf *ipv4_frag_needed(const struct rte_mbuf *m, uint32_t src,
				  uint16_t next_mtu, struct rte_mempool *mp)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const void *);
	uint32_t hl = rte_ipv4_hdr_len(ip);
	uint32_t quote = RTE_MIN((uint32_t)rte_be_to_cpu_16(ip->total_length),
				 m->pkt_len);
	struct rte_ipv4_hdr *h;
	struct rte_icmp_hdr *ic;
	struct rte_mbuf *e;

	quote = RTE_MIN(quote, (uint32_t)ICMP_QUOTE_MAX);
	if (quote < hl + 8 || !may_answer(ip, m, hl))
		return NULL;
	e = rte_pktmbuf_alloc(mp);
	if (!e)
		return NULL;
	h = (struct rte_ipv4_hdr *)rte_pktmbuf_append(e, (uint16_t)(sizeof(*h) +
					sizeof(*ic) + quote));
	if (!h) {
		rte_pktmbuf_free(e);
		return NULL;
	}
	ic = (struct rte_icmp_hdr *)(h + 1);
	copy_out(m, 0, quote, ic + 1);
	memset(ic, 0, sizeof(*ic));
	ic->icmp_type = 3;                        /* destination unreachable */
	ic->icmp_code = 4;                        /* fragmentation needed */
	ic->icmp_seq_nb = rte_cpu_to_be_16(next_mtu);  /* next-hop MTU */
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	memset(h, 0, sizeof(*h));
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->type_of_service = 0xc0;               /* internetwork control */
	h->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*h) +
						      sizeof(*ic) + quote));
	h->time_to_live = 64;
	h->next_proto_id = IPPROTO_ICMP;
	h->src_addr = rte_cpu_to_be_32(src);
	h->dst_addr = ip->src_addr;
	h->hdr_checksum = rte_ipv4_cksum(h);
	return e;
}
