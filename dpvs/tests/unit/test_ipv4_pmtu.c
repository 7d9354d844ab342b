/*
 * Fragments and "fragmentation needed" errors on a real EAL (mbufs need
 * a mempool): the fragments put back together are the packet, each fits
 * the MTU with a valid header, and the error says the MTU and quotes the
 * packet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net/ipv4_pmtu.h"

static struct rte_mempool *big;     /* 9 KB mbufs: the packets cut up */
static struct rte_mempool *std;     /* the daemon's size */

/* An IPv4 UDP packet of total bytes, payload byte i = i * 7. */
static struct rte_mbuf *packet(uint32_t total, uint16_t frag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(big);
	struct rte_ipv4_hdr *ip;
	uint8_t *p;

	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, (uint16_t)total));
	ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)total);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = RTE_BE32(0x0a000002);
	ip->dst_addr = RTE_BE32(0x0a000064);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	p = (uint8_t *)(ip + 1);
	for (uint32_t i = 0; i < total - sizeof(*ip); i++)
		p[i] = (uint8_t)(i * 7);
	return m;
}

static bool header_ok(const struct rte_ipv4_hdr *h)
{
	return rte_raw_cksum(h, rte_ipv4_hdr_len(h)) == 0xffff;
}

static void check_fragments(uint32_t total, uint32_t mtu, uint16_t frag,
			    int want)
{
	struct rte_mbuf *m = packet(total, frag), *out[IPV4_FRAG_MAX];
	uint8_t *orig = rte_pktmbuf_mtod_offset(m, uint8_t *, 20);
	uint32_t next = 0, base = (frag & RTE_IPV4_HDR_OFFSET_MASK) * 8u;
	int n = ipv4_fragment(m, mtu, 0x1234, std, out);

	assert_int_equal(n, want);
	for (int i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(out[i], void *);
		uint16_t fo = rte_be_to_cpu_16(h->fragment_offset);
		uint32_t len = rte_be_to_cpu_16(h->total_length) - 20u;

		assert_true(len + 20 <= mtu && out[i]->pkt_len == len + 20);
		assert_true(header_ok(h));
		assert_int_equal(rte_be_to_cpu_16(h->packet_id), 0x1234);
		assert_int_equal((fo & RTE_IPV4_HDR_OFFSET_MASK) * 8u, base + next);
		/* MF on all but the last, and on the last if m had it. */
		assert_int_equal(!!(fo & RTE_IPV4_HDR_MF_FLAG),
				 i < n - 1 || (frag & RTE_IPV4_HDR_MF_FLAG));
		assert_true(i == n - 1 || len % 8 == 0);
		assert_memory_equal((uint8_t *)(h + 1), orig + next, len);
		next += len;
		rte_pktmbuf_free(out[i]);
	}
	if (n > 0)
		assert_int_equal(next, total - 20);
	rte_pktmbuf_free(m);
}

static void test_fragments_rebuild_the_packet(void **state)
{
	(void)state;
	check_fragments(1520, 1500, 0, 2);
	check_fragments(9000, 1500, 0, 7);
	check_fragments(3000, 576, 0, 6);
	/* Room in a daemon mbuf caps the size: 9000 in 2048-byte pieces. */
	check_fragments(9000, 9000, 0, 5);
	/* A fragment (offset 800 bytes, MF) cut again keeps both. */
	check_fragments(1520, 1500, 100 | RTE_IPV4_HDR_MF_FLAG, 2);
}

static void test_fragments_refused(void **state)
{
	(void)state;
	check_fragments(3000, 27, 0, -1);            /* no room for data */
	check_fragments(3500, 68, 0, -1);            /* 73 fragments */
}

static void test_frag_needed_says_the_mtu(void **state)
{
	struct rte_mbuf *m = packet(1500, RTE_IPV4_HDR_DF_FLAG);
	struct rte_mbuf *e = ipv4_frag_needed(m, 0x0a000064, 1480, std);
	const struct rte_ipv4_hdr *h, *ip = rte_pktmbuf_mtod(m, void *);
	const struct rte_icmp_hdr *ic;

	(void)state;
	assert_non_null(e);
	h = rte_pktmbuf_mtod(e, void *);
	ic = (const struct rte_icmp_hdr *)(h + 1);
	assert_true(header_ok(h));
	assert_int_equal(h->next_proto_id, IPPROTO_ICMP);
	assert_int_equal(h->src_addr, RTE_BE32(0x0a000064));
	assert_int_equal(h->dst_addr, ip->src_addr);
	assert_int_equal(rte_be_to_cpu_16(h->total_length), 576);
	assert_int_equal(e->pkt_len, 576);
	assert_int_equal(ic->icmp_type, 3);
	assert_int_equal(ic->icmp_code, 4);
	assert_int_equal(rte_be_to_cpu_16(ic->icmp_seq_nb), 1480);
	assert_int_equal(rte_raw_cksum(ic, 576 - 20), 0xffff);
	assert_memory_equal(ic + 1, ip, 576 - 28);
	rte_pktmbuf_free(e);
	rte_pktmbuf_free(m);
}

static void test_frag_needed_not_for_later_fragments(void **state)
{
	struct rte_mbuf *m = packet(1500, 100);

	(void)state;
	assert_null(ipv4_frag_needed(m, 0x0a000064, 1480, std));
	rte_pktmbuf_free(m);
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_ipv4_pmtu", "--no-huge", "-m", "64", "--no-pci",
			"--file-prefix", prefix, "--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fragments_rebuild_the_packet),
		cmocka_unit_test(test_fragments_refused),
		cmocka_unit_test(test_frag_needed_says_the_mtu),
		cmocka_unit_test(test_frag_needed_not_for_later_fragments),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_ipv4_pmtu_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	big = rte_pktmbuf_pool_create("big", 64, 0, 0, 9216 + RTE_PKTMBUF_HEADROOM,
				      SOCKET_ID_ANY);
	std = rte_pktmbuf_pool_create("std", 256, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				      SOCKET_ID_ANY);
	if (!big || !std)
		return 1;
	rc = cmocka_run_group_tests_name("ipv4_pmtu", tests, NULL, NULL);
	rte_mempool_free(big);
	rte_mempool_free(std);
	rte_eal_cleanup();
	return rc;
}
