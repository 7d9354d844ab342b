/*
 * Golden-packet tests of the IPv6 NAT rewrite: after rewriting addresses
 * and ports incrementally, the TCP/UDP checksum must equal one computed
 * whole over the pseudo-header (built here byte by byte, not through
 * csum6.h), for random packets with and without extension headers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_tcp.h>
#include <rte_udp.h>

#include "ipvs/nat_rewrite6.h"

#define EXT_MAX 24   /* HBH (8) + Destination Options (16) */

struct pkt {
	struct rte_ipv6_hdr ip;
	uint8_t rest[EXT_MAX + sizeof(struct rte_tcp_hdr) + 64];
};

static struct in6_addr rnd6(void)
{
	struct in6_addr a;

	for (unsigned i = 0; i < sizeof(a); i++)
		a.s6_addr[i] = (uint8_t)rand();
	return a;
}

/* The reference: RFC 8200 8.1's pseudo-header summed with the L4 bytes. */
static uint16_t full_sum(const struct rte_ipv6_hdr *ip, uint8_t proto,
			 const uint8_t *l4, uint32_t len, unsigned ck_off)
{
	uint8_t buf[40 + sizeof(((struct pkt *)0)->rest)];
	uint16_t c;

	memcpy(buf, ip->src_addr, 16);
	memcpy(buf + 16, ip->dst_addr, 16);
	buf[32] = (uint8_t)(len >> 24);
	buf[33] = (uint8_t)(len >> 16);
	buf[34] = (uint8_t)(len >> 8);
	buf[35] = (uint8_t)len;
	buf[36] = buf[37] = buf[38] = 0;
	buf[39] = proto;
	memcpy(buf + 40, l4, len);
	buf[40 + ck_off] = buf[41 + ck_off] = 0;
	c = (uint16_t)~rte_raw_cksum(buf, 40 + len);
	return c == 0 && proto == IPPROTO_UDP ? 0xffff : c;
}

/* ext: bytes of extension headers (0, 8 or 24) before L4. */
static uint8_t *build(struct pkt *p, uint8_t proto, unsigned ext,
		      uint32_t plen, uint32_t *l4_len)
{
	const struct ipvs_proto *pp = ipvs_proto_get(proto);
	uint32_t hl = proto == IPPROTO_TCP ? sizeof(struct rte_tcp_hdr) :
					     sizeof(struct rte_udp_hdr);
	uint8_t *l4 = p->rest + ext;
	struct in6_addr s = rnd6(), d = rnd6();

	memset(p, 0, sizeof(*p));
	p->ip.vtc_flow = rte_cpu_to_be_32(6u << 28);
	p->ip.hop_limits = 64;
	memcpy(p->ip.src_addr, &s, 16);
	memcpy(p->ip.dst_addr, &d, 16);
	*l4_len = hl + plen;
	p->ip.payload_len = rte_cpu_to_be_16((uint16_t)(ext + *l4_len));
	if (ext == 0) {
		p->ip.proto = proto;
	} else {
		p->ip.proto = 0;                  /* HBH, PadN */
		p->rest[0] = ext == 8 ? proto : 60;
		p->rest[2] = 1;
		p->rest[3] = 4;
		if (ext == 24) {                  /* Destination Options */
			p->rest[8] = proto;
			p->rest[9] = 1;
			p->rest[10] = 1;
			p->rest[11] = 12;
		}
	}
	for (uint32_t i = 0; i < *l4_len; i++)
		l4[i] = (uint8_t)rand();
	if (proto == IPPROTO_TCP) {
		((struct rte_tcp_hdr *)l4)->data_off = 5 << 4;
	} else {
		((struct rte_udp_hdr *)l4)->dgram_len =
			rte_cpu_to_be_16((uint16_t)*l4_len);
	}
	*(uint16_t *)(l4 + pp->csum_off) =
		full_sum(&p->ip, proto, l4, *l4_len, pp->csum_off);
	return l4;
}

static void rewrite_many(uint8_t proto)
{
	static const unsigned exts[] = { 0, 8, 24 };
	const struct ipvs_proto *pp = ipvs_proto_get(proto);
	struct pkt p;

	for (int i = 0; i < 10000; i++) {
		unsigned ext = exts[i % 3];
		uint32_t len;
		uint8_t *l4 = build(&p, proto, ext, (uint32_t)(rand() % 64), &len);
		struct in6_addr s = rnd6(), d = rnd6();
		uint16_t sp = (uint16_t)rand(), dp = (uint16_t)rand();
		uint16_t *ports = (uint16_t *)l4;
		struct pkt before = p;

		/* Sometimes keep fields: only what changes is touched. */
		if (i % 4 == 0)
			memcpy(&s, p.ip.src_addr, 16);
		if (i % 5 == 0)
			dp = rte_be_to_cpu_16(ports[1]);
		assert_true(nat_rewrite6(&p.ip, l4, pp, &s, &d, sp, dp, len, len));
		assert_memory_equal(p.ip.src_addr, &s, 16);
		assert_memory_equal(p.ip.dst_addr, &d, 16);
		assert_int_equal(ports[0], rte_cpu_to_be_16(sp));
		assert_int_equal(ports[1], rte_cpu_to_be_16(dp));
		assert_int_equal(*(uint16_t *)(l4 + pp->csum_off),
				 full_sum(&p.ip, proto, l4, len, pp->csum_off));
		/* The extension headers and the payload are untouched. */
		assert_memory_equal(p.rest, before.rest, ext);
		memcpy(before.rest + ext + pp->csum_off, l4 + pp->csum_off, 2);
		assert_memory_equal(l4 + 4, before.rest + ext + 4, len - 4);
	}
}

static void test_tcp_rewrite_checksums(void **state)
{
	(void)state;
	rewrite_many(IPPROTO_TCP);
}

static void test_udp_rewrite_checksums(void **state)
{
	(void)state;
	rewrite_many(IPPROTO_UDP);
}

/* v6 UDP must carry a checksum: a zero one is computed whole. */
static void test_udp_zero_checksum_computed(void **state)
{
	struct in6_addr s = rnd6(), d = rnd6();
	struct pkt p;
	uint32_t len;
	uint8_t *l4;

	(void)state;
	for (unsigned ext = 0; ext <= 8; ext += 8) {
		l4 = build(&p, IPPROTO_UDP, ext, 10, &len);
		((struct rte_udp_hdr *)l4)->dgram_cksum = 0;
		assert_true(nat_rewrite6(&p.ip, l4, &ipvs_proto_udp, &s, &d, 3,
					 4, len, len));
		assert_int_not_equal(((struct rte_udp_hdr *)l4)->dgram_cksum, 0);
		assert_int_equal(((struct rte_udp_hdr *)l4)->dgram_cksum,
				 full_sum(&p.ip, IPPROTO_UDP, l4, len,
					  ipvs_proto_udp.csum_off));
	}
}

/* ... which needs all of it in one segment. */
static void test_udp_zero_checksum_segmented_refused(void **state)
{
	struct in6_addr s = rnd6(), d = rnd6();
	struct pkt p;
	uint32_t len;
	uint8_t *l4 = build(&p, IPPROTO_UDP, 0, 40, &len);

	(void)state;
	((struct rte_udp_hdr *)l4)->dgram_cksum = 0;
	assert_false(nat_rewrite6(&p.ip, l4, &ipvs_proto_udp, &s, &d, 3, 4,
				  len, len - 10));
}

/* A UDP sum that comes out 0 is sent as 0xffff, never as "none". */
static void test_udp_sum_zero_sent_as_ffff(void **state)
{
	struct pkt p;
	uint32_t len;

	(void)state;
	for (int i = 0; i < 3; i++) {
		uint8_t *l4 = build(&p, IPPROTO_UDP, 0, 2, &len);
		uint16_t *ports = (uint16_t *)l4;
		uint16_t *ck = (uint16_t *)(l4 + ipvs_proto_udp.csum_off);
		/* ~(sum of all but the source port): that port sums to 0xffff. */
		uint16_t np = csum_replace2(*ck, ports[0], 0);
		struct in6_addr s, d;

		memcpy(&s, p.ip.src_addr, 16);
		memcpy(&d, p.ip.dst_addr, 16);
		assert_true(nat_rewrite6(&p.ip, l4, &ipvs_proto_udp, &s, &d,
					 rte_be_to_cpu_16(np),
					 rte_be_to_cpu_16(ports[1]), len, len));
		assert_int_equal(*ck, 0xffff);
		assert_int_equal(*ck, full_sum(&p.ip, IPPROTO_UDP, l4, len,
					       ipvs_proto_udp.csum_off));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_rewrite_checksums),
		cmocka_unit_test(test_udp_rewrite_checksums),
		cmocka_unit_test(test_udp_zero_checksum_computed),
		cmocka_unit_test(test_udp_zero_checksum_segmented_refused),
		cmocka_unit_test(test_udp_sum_zero_sent_as_ffff),
	};

	srand(42);
	return cmocka_run_group_tests_name("nat_rewrite6", tests, NULL, NULL);
}
