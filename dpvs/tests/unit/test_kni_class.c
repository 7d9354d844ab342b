/*
 * Kernel-path classification on a real EAL (mbufs, the LPM route table):
 * which frames are priority, and the kernel's own flows learnt from what
 * it sends -- by what opens a flow only.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net/kni_class.h"
#include "net/route.h"
#include "net/route6.h"

#define KADDR RTE_IPV4(10, 0, 0, 11)    /* the kernel's (kni_host) */
#define LIP RTE_IPV4(10, 0, 0, 101)     /* dpvs's (local) */
#define PEER RTE_IPV4(10, 0, 0, 12)
#define RS RTE_IPV4(10, 0, 0, 21)

/* (RTE_IPV4 shifts a signed int: UB for 224.x.) */
#define MCAST(x) (0xe0000000u | (x))

static struct rte_mempool *pool;

static int setup(void **state)
{
	struct route_entry kni = { .prefix = KADDR, .plen = 32,
				   .type = RT_KNI };
	struct route_entry local = { .prefix = LIP, .plen = 32,
				     .type = RT_LOCAL };

	(void)state;
	pool = rte_pktmbuf_pool_create("kc", 64, 0, 0, 2048, SOCKET_ID_ANY);
	if (!pool || route_init(64) < 0 || route_add(&kni) < 0 ||
	    route_add(&local) < 0 || route6_init(64) < 0)
		return -1;
	kni_flows_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	route_fini();
	route6_fini();
	rte_mempool_free(pool);
	return 0;
}

/* route6.o's neighbour: the classifier never asks it for a source. */
bool inet6addr_port_source(uint16_t port, struct in6_addr *out);
bool inet6addr_port_source(uint16_t port, struct in6_addr *out)
{
	(void)port;
	(void)out;
	return false;
}

/* An mbuf holding len bytes of f. */
static struct rte_mbuf *mb(const void *f, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, len), f, len);
	return m;
}

struct ip_frame {
	struct rte_ether_hdr eh;
	struct rte_ipv4_hdr ip;
	uint8_t l4[20];
};
_Static_assert(offsetof(struct ip_frame, l4) == 34, "frame layout");

static struct ip_frame ip_frame(uint8_t proto, uint32_t src, uint32_t dst,
				uint8_t ttl)
{
	struct ip_frame f = {
		.eh.ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4),
		.ip = { .version_ihl = 0x45, .time_to_live = ttl,
			.next_proto_id = proto,
			.total_length = RTE_BE16(40),
			.src_addr = rte_cpu_to_be_32(src),
			.dst_addr = rte_cpu_to_be_32(dst) },
	};

	return f;
}

static struct ip_frame l4_frame(uint8_t proto, uint32_t src, uint16_t sport,
				uint32_t dst, uint16_t dport, uint8_t tcp_flags)
{
	struct ip_frame f = ip_frame(proto, src, dst, 64);
	uint16_t s = rte_cpu_to_be_16(sport), d = rte_cpu_to_be_16(dport);

	memcpy(f.l4, &s, 2);
	memcpy(f.l4 + 2, &d, 2);
	f.l4[12] = 0x50;
	f.l4[13] = tcp_flags;
	return f;
}

static enum kni_kind kind_of(const void *f, uint16_t len)
{
	struct rte_mbuf *m = mb(f, len);
	enum kni_kind k = kni_classify(m);

	rte_pktmbuf_free(m);
	return k;
}

static void learn(const struct ip_frame *f)
{
	struct rte_mbuf *m = mb(f, sizeof(*f));

	kni_flow_learn(m);
	rte_pktmbuf_free(m);
}

static void test_vrrp(void **state)
{
	struct ip_frame f = ip_frame(112, PEER, MCAST(18), 255);

	(void)state;
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_VRRP);
	f.ip.dst_addr = rte_cpu_to_be_32(KADDR);          /* unicast_peer */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_VRRP);
	f.ip.dst_addr = rte_cpu_to_be_32(MCAST(5));
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
	f = ip_frame(112, PEER, MCAST(18), 254);  /* routed */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
	f = ip_frame(112, PEER, MCAST(18), 255);
	f.ip.fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
}

static void test_arp_for_our_addresses_only(void **state)
{
	struct {
		struct rte_ether_hdr eh;
		struct rte_arp_hdr a;
	} f = {
		.eh.ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP),
		.a.arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST),
	};
	uint32_t targets[] = { KADDR, LIP, PEER, RTE_IPV4(10, 0, 0, 200) };
	enum kni_kind want[] = { KNI_ARP, KNI_ARP, KNI_BULK, KNI_BULK };

	(void)state;
	assert_int_equal(sizeof(f), 42);
	for (unsigned i = 0; i < RTE_DIM(targets); i++) {
		f.a.arp_data.arp_sip = rte_cpu_to_be_32(RS);
		f.a.arp_data.arp_tip = rte_cpu_to_be_32(targets[i]);
		assert_int_equal(kind_of(&f, sizeof(f)), want[i]);
	}
	/* Truncated: no read past the frame (the sanitizer build checks). */
	assert_int_equal(kind_of(&f, sizeof(f) - 1), KNI_BULK);
}

/* Whether the kernel's frame f (len bytes) claims an address, and which. */
static bool claim_of(const void *f, uint16_t len, uint32_t *sip)
{
	struct rte_mbuf *m = mb(f, len);
	bool r = kni_arp_claim(m, sip);

	rte_pktmbuf_free(m);
	return r;
}

/* The kernel's ARP that would tell the LAN a VIP is behind our MAC. */
static void test_arp_claims_from_the_kernel(void **state)
{
	struct {
		struct rte_ether_hdr eh;
		struct rte_arp_hdr a;
	} f = {
		.eh.ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP),
		.a = { .arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER),
		       .arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4),
		       .arp_hlen = RTE_ETHER_ADDR_LEN, .arp_plen = 4,
		       .arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY) },
	};
	struct {
		struct rte_ether_hdr eh;
		struct rte_vlan_hdr v;
		struct rte_arp_hdr a;
	} vf = { .eh.ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN),
		 .v.eth_proto = RTE_BE16(RTE_ETHER_TYPE_ARP) };
	uint32_t sip = 0;

	(void)state;
	f.a.arp_data.arp_sip = rte_cpu_to_be_32(LIP);
	f.a.arp_data.arp_tip = rte_cpu_to_be_32(RS);
	/* A reply. */
	assert_true(claim_of(&f, sizeof(f), &sip));
	assert_int_equal(sip, LIP);
	/* A gratuitous request. */
	f.a.arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	f.a.arp_data.arp_tip = f.a.arp_data.arp_sip;
	assert_true(claim_of(&f, sizeof(f), &sip));
	/* Behind a VLAN tag. */
	vf.a = f.a;
	sip = 0;
	assert_true(claim_of(&vf, sizeof(vf), &sip));
	assert_int_equal(sip, LIP);
	assert_false(claim_of(&vf, sizeof(vf) - 1, &sip));
	/* An ordinary request resolves a neighbour: not a claim. */
	f.a.arp_data.arp_tip = rte_cpu_to_be_32(RS);
	assert_false(claim_of(&f, sizeof(f), &sip));
	/* Not ethernet/IPv4 ARP, truncated, not ARP. */
	f.a.arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	f.a.arp_plen = 16;
	assert_false(claim_of(&f, sizeof(f), &sip));
	f.a.arp_plen = 4;
	assert_true(claim_of(&f, sizeof(f), &sip));
	assert_false(claim_of(&f, sizeof(f) - 1, &sip));
	assert_false(claim_of(&f, 10, &sip));
	f.eh.ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	assert_false(claim_of(&f, sizeof(f), &sip));
}

static void test_bgp(void **state)
{
	struct ip_frame in = l4_frame(IPPROTO_TCP, PEER, 33000, KADDR, 179, 0x02);
	struct ip_frame out = l4_frame(IPPROTO_TCP, PEER, 179, KADDR, 33000, 0x10);

	(void)state;
	assert_int_equal(kind_of(&in, sizeof(in)), KNI_BGP);
	assert_int_equal(kind_of(&out, sizeof(out)), KNI_BGP);
}

static void test_replies_on_the_kernels_tcp_flows(void **state)
{
	struct ip_frame syn = l4_frame(IPPROTO_TCP, KADDR, 40000, RS, 80, 0x02);
	struct ip_frame synack = l4_frame(IPPROTO_TCP, RS, 80, KADDR, 40000, 0x12);
	struct ip_frame other = l4_frame(IPPROTO_TCP, RS, 80, KADDR, 40001, 0x12);
	struct ip_frame rst = l4_frame(IPPROTO_TCP, KADDR, 22, PEER, 5555, 0x14);
	struct ip_frame flood = l4_frame(IPPROTO_TCP, PEER, 5555, KADDR, 22, 0x02);

	(void)state;
	assert_int_equal(kind_of(&synack, sizeof(synack)), KNI_BULK);
	learn(&syn);
	assert_int_equal(kind_of(&synack, sizeof(synack)), KNI_FLOW);
	assert_int_equal(kind_of(&other, sizeof(other)), KNI_BULK);
	/* The kernel's RST to a flood's SYN opens nothing. */
	learn(&rst);
	assert_int_equal(kind_of(&flood, sizeof(flood)), KNI_BULK);
	/* Truncated before the ports: bulk, and no read past the frame. */
	assert_int_equal(kind_of(&synack, sizeof(struct rte_ether_hdr) + 22),
			 KNI_BULK);
}

static void test_udp_from_ephemeral_ports_only(void **state)
{
	struct ip_frame query = l4_frame(IPPROTO_UDP, KADDR, 50000, RS, 53, 0);
	struct ip_frame answer = l4_frame(IPPROTO_UDP, RS, 53, KADDR, 50000, 0);
	struct ip_frame served = l4_frame(IPPROTO_UDP, KADDR, 161, PEER, 7000, 0);
	struct ip_frame asker = l4_frame(IPPROTO_UDP, PEER, 7000, KADDR, 161, 0);

	(void)state;
	learn(&query);
	assert_int_equal(kind_of(&answer, sizeof(answer)), KNI_FLOW);
	/* A server's answer (snmpd, port 161) does not make its asker priority. */
	learn(&served);
	assert_int_equal(kind_of(&asker, sizeof(asker)), KNI_BULK);
}

static void test_echo_replies_to_the_kernels_pings(void **state)
{
	struct ip_frame req = ip_frame(IPPROTO_ICMP, KADDR, RS, 64);
	struct ip_frame rep = ip_frame(IPPROTO_ICMP, RS, KADDR, 64);
	struct ip_frame their_req = ip_frame(IPPROTO_ICMP, RS, KADDR, 64);

	(void)state;
	req.l4[0] = 8;
	req.l4[4] = 0x12;
	rep.l4[0] = 0;
	rep.l4[4] = 0x12;
	their_req.l4[0] = 8;
	their_req.l4[4] = 0x12;
	learn(&req);
	assert_int_equal(kind_of(&rep, sizeof(rep)), KNI_FLOW);
	assert_int_equal(kind_of(&their_req, sizeof(their_req)), KNI_BULK);
}

/* HA sync: UDP to the engine's port, at its group or a kni_host address. */
static void test_sync(void **state)
{
	struct ip_frame grp = l4_frame(IPPROTO_UDP, PEER, 8848, MCAST(0x51), 8848, 0);
	struct ip_frame uni = l4_frame(IPPROTO_UDP, PEER, 40000, KADDR, 8848, 0);
	struct ip_frame lip = l4_frame(IPPROTO_UDP, PEER, 8848, LIP, 8848, 0);
	struct ip_frame other = l4_frame(IPPROTO_UDP, PEER, 8848, MCAST(0x52), 8848, 0);
	struct ip_frame port = l4_frame(IPPROTO_UDP, PEER, 8848, KADDR, 8849, 0);
	struct ip_frame tcp = l4_frame(IPPROTO_TCP, PEER, 8848, KADDR, 8848, 0x02);

	(void)state;
	/* Not running: nothing is sync. */
	assert_int_equal(kind_of(&grp, sizeof(grp)), KNI_BULK);
	assert_int_equal(kind_of(&uni, sizeof(uni)), KNI_BULK);
	kni_class_set_sync(8848, MCAST(0x51));
	assert_int_equal(kind_of(&grp, sizeof(grp)), KNI_SYNC);
	assert_int_equal(kind_of(&uni, sizeof(uni)), KNI_SYNC);
	/* dpvs's own address, another group, port or protocol: not sync. */
	assert_int_equal(kind_of(&lip, sizeof(lip)), KNI_BULK);
	assert_int_equal(kind_of(&other, sizeof(other)), KNI_BULK);
	assert_int_equal(kind_of(&port, sizeof(port)), KNI_BULK);
	assert_int_equal(kind_of(&tcp, sizeof(tcp)), KNI_BULK);
	/* Truncated before the ports: bulk, and no read past the frame. */
	assert_int_equal(kind_of(&grp, sizeof(struct rte_ether_hdr) + 22),
			 KNI_BULK);
	kni_class_set_sync(0, 0);
	assert_int_equal(kind_of(&grp, sizeof(grp)), KNI_BULK);
}

static void test_everything_else_is_bulk(void **state)
{
	struct ip_frame f = l4_frame(IPPROTO_UDP, PEER, 1000, KADDR, 9, 0);

	(void)state;
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
	f.eh.ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
	f = ip_frame(112, PEER, MCAST(18), 255);
	f.ip.version_ihl = 0x4f;                    /* IHL beyond the frame */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
	assert_int_equal(kind_of(&f, 10), KNI_BULK);
}

/* ---- IPv6 ---- */

struct ip6_frame {
	struct rte_ether_hdr eh;
	struct rte_ipv6_hdr ip;
	uint8_t l4[32];
};
_Static_assert(offsetof(struct ip6_frame, l4) == 54, "frame layout");

static struct in6_addr in6(const char *a)
{
	struct in6_addr x;

	assert_int_equal(inet_pton(AF_INET6, a, &x), 1);
	return x;
}

static struct ip6_frame ip6_frame(uint8_t nh, const char *src, const char *dst,
				  uint8_t hop)
{
	struct ip6_frame f = {
		.eh.ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6),
		.ip = { .vtc_flow = RTE_BE32(6u << 28), .proto = nh,
			.hop_limits = hop, .payload_len = RTE_BE16(32) },
	};
	struct in6_addr s = in6(src), d = in6(dst);

	memcpy(f.ip.src_addr, &s, 16);
	memcpy(f.ip.dst_addr, &d, 16);
	return f;
}

static struct ip6_frame l4_frame6(uint8_t nh, const char *src, uint16_t sport,
				  const char *dst, uint16_t dport, uint8_t tcp_flags)
{
	struct ip6_frame f = ip6_frame(nh, src, dst, 64);
	uint16_t s = rte_cpu_to_be_16(sport), d = rte_cpu_to_be_16(dport);

	memcpy(f.l4, &s, 2);
	memcpy(f.l4 + 2, &d, 2);
	f.l4[12] = 0x50;
	f.l4[13] = tcp_flags;
	return f;
}

/* An NS or NA (type) for target, hop limit 255. */
static struct ip6_frame nd_frame(uint8_t type, const char *src, const char *dst,
				 const char *target)
{
	struct ip6_frame f = ip6_frame(IPPROTO_ICMPV6, src, dst, 255);
	struct in6_addr t = in6(target);

	f.l4[0] = type;
	memcpy(f.l4 + 8, &t, 16);
	return f;
}

static void learn6(const struct ip6_frame *f)
{
	struct rte_mbuf *m = mb(f, sizeof(*f));

	kni_flow_learn(m);
	rte_pktmbuf_free(m);
}

static void test_vrrpv3(void **state)
{
	struct ip6_frame f = ip6_frame(112, "fe80::2", "ff02::12", 255);

	(void)state;
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_VRRP);
	f = ip6_frame(112, "2001:db8::12", "2001:db8::11", 255);   /* unicast_peer */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_VRRP);
	f = ip6_frame(112, "fe80::2", "ff02::1", 255);
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
	f = ip6_frame(112, "fe80::2", "ff02::12", 254);            /* routed */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
	assert_int_equal(kind_of(&f, 40), KNI_BULK);                /* short */
}

static void test_ndp_for_the_twin_and_us(void **state)
{
	struct ip6_frame f = nd_frame(135, "fe80::2", "ff02::1:ff00:1", "fe80::1");
	struct route6_entry kni = { .prefix = in6("2001:db8::11"), .plen = 128,
				    .type = RT_KNI };

	(void)state;
	/* The twin's link-local: its neighbours must resolve it. */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_ARP);
	f = nd_frame(135, "2001:db8::5", "ff02::1:ff00:99", "2001:db8::99");
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);         /* a stranger's */
	f = nd_frame(136, "fe80::2", "fe80::1", "fe80::2");         /* answer to the twin */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_ARP);
	f = nd_frame(136, "2001:db8::5", "ff02::1", "2001:db8::5"); /* unsolicited */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_ARP);
	f = nd_frame(135, "fe80::2", "ff02::1:ff00:1", "fe80::1");
	f.ip.hop_limits = 254;                                      /* not NDP */
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BULK);
	/* kni_host addresses are the twin's too (once route6 holds them). */
	if (route6_add(&kni) < 0)
		return;
	f = nd_frame(135, "2001:db8::5", "ff02::1:ff00:11", "2001:db8::11");
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_ARP);
}

static void test_bgp_v6(void **state)
{
	struct ip6_frame f = l4_frame6(IPPROTO_TCP, "2001:db8::12", 179,
				       "2001:db8::11", 50000, RTE_TCP_ACK_FLAG);

	(void)state;
	assert_int_equal(kind_of(&f, sizeof(f)), KNI_BGP);
}

static void test_replies_on_the_kernels_v6_flows(void **state)
{
	struct ip6_frame syn = l4_frame6(IPPROTO_TCP, "2001:db8::11", 40000,
					 "2001:db8::21", 80, RTE_TCP_SYN_FLAG);
	struct ip6_frame reply = l4_frame6(IPPROTO_TCP, "2001:db8::21", 80,
					   "2001:db8::11", 40000,
					   RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	struct ip6_frame other = l4_frame6(IPPROTO_TCP, "2001:db8::22", 80,
					   "2001:db8::11", 40000, RTE_TCP_ACK_FLAG);
	struct ip6_frame echo = ip6_frame(IPPROTO_ICMPV6, "2001:db8::11",
					  "2001:db8::21", 64);
	struct ip6_frame echo_reply = ip6_frame(IPPROTO_ICMPV6, "2001:db8::21",
						"2001:db8::11", 64);

	(void)state;
	assert_int_equal(kind_of(&reply, sizeof(reply)), KNI_BULK);
	learn6(&syn);
	assert_int_equal(kind_of(&reply, sizeof(reply)), KNI_FLOW);
	assert_int_equal(kind_of(&other, sizeof(other)), KNI_BULK);
	echo.l4[0] = 128;
	echo.l4[4] = 0x12;
	echo_reply.l4[0] = 129;
	echo_reply.l4[4] = 0x12;
	assert_int_equal(kind_of(&echo_reply, sizeof(echo_reply)), KNI_BULK);
	learn6(&echo);
	assert_int_equal(kind_of(&echo_reply, sizeof(echo_reply)), KNI_FLOW);
}

static void test_mld_and_ra_are_bulk(void **state)
{
	struct ip6_frame mld = ip6_frame(IPPROTO_HOPOPTS, "fe80::2", "ff02::16", 1);
	struct ip6_frame ra = ip6_frame(IPPROTO_ICMPV6, "fe80::2", "ff02::1", 255);

	(void)state;
	mld.l4[0] = IPPROTO_ICMPV6;   /* HBH: Router Alert, then MLDv2 */
	mld.l4[2] = 5;
	mld.l4[3] = 2;
	mld.l4[6] = 1;
	mld.l4[8] = 143;
	assert_int_equal(kind_of(&mld, sizeof(mld)), KNI_BULK);
	ra.l4[0] = 134;
	assert_int_equal(kind_of(&ra, sizeof(ra)), KNI_BULK);
}

static void test_na_claims_from_the_kernel(void **state)
{
	struct ip6_frame na = nd_frame(136, "2001:db8::100", "ff02::1", "2001:db8::100");
	struct ip6_frame ns = nd_frame(135, "2001:db8::100", "ff02::1:ff00:5",
				       "2001:db8::5");
	struct in6_addr t, want = in6("2001:db8::100");
	struct rte_mbuf *m = mb(&na, sizeof(na));

	(void)state;
	assert_true(kni_na_claim(m, &t));
	assert_memory_equal(&t, &want, sizeof(t));
	rte_pktmbuf_free(m);
	m = mb(&ns, sizeof(ns));
	assert_false(kni_na_claim(m, &t));
	rte_pktmbuf_free(m);
	m = mb(&na, 60);                          /* cut short */
	assert_false(kni_na_claim(m, &t));
	rte_pktmbuf_free(m);
}

int main(void)
{
	char prefix[64], path[96];
	char *eal[] = { "test_kni_class", "--no-huge", "-m", "256", "--no-pci",
			"--lcores", "0@0", "--file-prefix", prefix,
			"--no-shconf", "--no-telemetry", "--log-level", "warning",
			NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vrrp),
		cmocka_unit_test(test_arp_for_our_addresses_only),
		cmocka_unit_test(test_arp_claims_from_the_kernel),
		cmocka_unit_test(test_bgp),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_replies_on_the_kernels_tcp_flows),
		cmocka_unit_test(test_udp_from_ephemeral_ports_only),
		cmocka_unit_test(test_echo_replies_to_the_kernels_pings),
		cmocka_unit_test(test_everything_else_is_bulk),
		cmocka_unit_test(test_vrrpv3),
		cmocka_unit_test(test_ndp_for_the_twin_and_us),
		cmocka_unit_test(test_bgp_v6),
		cmocka_unit_test(test_replies_on_the_kernels_v6_flows),
		cmocka_unit_test(test_mld_and_ra_are_bulk),
		cmocka_unit_test(test_na_claims_from_the_kernel),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_kni_class_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("kni_class", tests, setup, teardown);
	rte_eal_cleanup();
	/* EAL makes its runtime folder even without a shared config. */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	rmdir(path);
	return rc;
}
