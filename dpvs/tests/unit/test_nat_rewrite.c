/*
 * Golden-packet tests of the NAT rewrite: after rewriting addresses and
 * ports incrementally, the IP and TCP/UDP checksums must equal a full
 * recomputation, for many random packets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_tcp.h>
#include <rte_udp.h>

#include "ipvs/nat_rewrite.h"

struct pkt {
	struct rte_ipv4_hdr ip;
	union {
		struct rte_tcp_hdr tcp;
		struct rte_udp_hdr udp;
	};
	uint8_t payload[64];
} __attribute__((packed));

static uint32_t rnd32(void)
{
	return ((uint32_t)rand() << 16) ^ (uint32_t)rand();
}

static void build(struct pkt *p, uint8_t proto, size_t plen)
{
	size_t l4len = (proto == IPPROTO_TCP ? sizeof(p->tcp) : sizeof(p->udp)) + plen;

	memset(p, 0, sizeof(*p));
	p->ip.version_ihl = RTE_IPV4_VHL_DEF;
	p->ip.total_length = rte_cpu_to_be_16((uint16_t)(sizeof(p->ip) + l4len));
	p->ip.time_to_live = 64;
	p->ip.next_proto_id = proto;
	p->ip.src_addr = rnd32();
	p->ip.dst_addr = rnd32();
	if (proto == IPPROTO_TCP) {
		p->tcp.src_port = (uint16_t)rand();
		p->tcp.dst_port = (uint16_t)rand();
		p->tcp.sent_seq = rnd32();
		p->tcp.data_off = 5 << 4;
		p->tcp.tcp_flags = RTE_TCP_ACK_FLAG;
	} else {
		p->udp.src_port = (uint16_t)rand();
		p->udp.dst_port = (uint16_t)rand();
		p->udp.dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
	}
	for (size_t i = 0; i < plen; i++)
		((uint8_t *)&p->tcp)[(proto == IPPROTO_TCP ? sizeof(p->tcp) :
				      sizeof(p->udp)) + i] = (uint8_t)rand();
	p->ip.hdr_checksum = rte_ipv4_cksum(&p->ip);
	if (proto == IPPROTO_TCP)
		p->tcp.cksum = rte_ipv4_udptcp_cksum(&p->ip, &p->tcp);
	else
		p->udp.dgram_cksum = rte_ipv4_udptcp_cksum(&p->ip, &p->udp);
}

static void check_sums(struct pkt *p, uint8_t proto)
{
	uint16_t ip_ck = p->ip.hdr_checksum, l4_ck, want;

	p->ip.hdr_checksum = 0;
	assert_int_equal(ip_ck, rte_ipv4_cksum(&p->ip));
	p->ip.hdr_checksum = ip_ck;
	if (proto == IPPROTO_TCP) {
		l4_ck = p->tcp.cksum;
		p->tcp.cksum = 0;
		want = rte_ipv4_udptcp_cksum(&p->ip, &p->tcp);
		p->tcp.cksum = l4_ck;
	} else {
		l4_ck = p->udp.dgram_cksum;
		p->udp.dgram_cksum = 0;
		want = rte_ipv4_udptcp_cksum(&p->ip, &p->udp);
		p->udp.dgram_cksum = l4_ck;
	}
	assert_int_equal(l4_ck, want);
}

static void rewrite_many(uint8_t proto)
{
	struct pkt p;

	for (int i = 0; i < 20000; i++) {
		uint32_t s = rnd32(), d = rnd32();
		uint16_t sp = (uint16_t)rand(), dp = (uint16_t)rand();

		build(&p, proto, (size_t)(rand() % 64));
		/* Sometimes keep fields: only what changes is touched. */
		if (i % 3 == 0)
			s = rte_be_to_cpu_32(p.ip.src_addr);
		if (i % 5 == 0)
			dp = rte_be_to_cpu_16(p.tcp.dst_port);
		nat_rewrite(&p.ip, &p.tcp, ipvs_proto_get(proto), s, d, sp, dp);
		assert_int_equal(p.ip.src_addr, rte_cpu_to_be_32(s));
		assert_int_equal(p.ip.dst_addr, rte_cpu_to_be_32(d));
		assert_int_equal(p.tcp.src_port, rte_cpu_to_be_16(sp));
		assert_int_equal(p.tcp.dst_port, rte_cpu_to_be_16(dp));
		check_sums(&p, proto);
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

static void test_udp_without_checksum_stays_without(void **state)
{
	struct pkt p;

	(void)state;
	build(&p, IPPROTO_UDP, 10);
	p.udp.dgram_cksum = 0;
	nat_rewrite(&p.ip, &p.udp, &ipvs_proto_udp, 1, 2, 3, 4);
	assert_int_equal(p.udp.dgram_cksum, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_rewrite_checksums),
		cmocka_unit_test(test_udp_rewrite_checksums),
		cmocka_unit_test(test_udp_without_checksum_stays_without),
	};

	srand(42);
	return cmocka_run_group_tests_name("nat_rewrite", tests, NULL, NULL);
}
