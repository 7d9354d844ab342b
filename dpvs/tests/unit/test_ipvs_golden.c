/*
 * Golden packets through the real packet path: the daemon runs in this
 * process (dpvs/tests/fuzz/fuzz_daemon.c) on a net_ring port whose
 * queue q is one ring for rx and tx, set up through the real control
 * ops.  A frame put on worker 0's ring goes through its loop (netif ->
 * ipv4_input -> ipvs_local_in or ipvs_forward_in -> xmit -> neighbour)
 * and what it sends is compared byte for byte with a frame built here
 * from scratch, checksums computed in full: a SYN to a FullNAT, NAT,
 * DR and TUN service, a NAT reply, and ICMP errors from a real server
 * relayed to the client.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "core/lcore.h"
#include "ipvs/ipvs.h"
#include "core/rcu.h"
#include "dpvs_ops.h"
#include "../fuzz/fuzz_daemon.h"
#include "test_inproc.h"
#include "net/netif.h"
#include "net/pktstats.h"

#define FRAME_MAX 1600   /* a full-sized segment (PROXY protocol test) */

static struct fuzz_port port;
/* Neighbours' MACs are 02:00:00:00:01:<last byte of their address>. */
static const struct rte_ether_addr client_mac = { { 2, 0, 0, 0, 1, 2 } };

struct frame {
	uint8_t b[FRAME_MAX];
	uint16_t len;
};

/* ---- frames ---- */

static uint32_t ip4(const char *s)
{
	return ntohl(inet_addr(s));
}

static struct rte_ipv4_hdr *ip_of(struct frame *f)
{
	return (struct rte_ipv4_hdr *)(f->b + sizeof(struct rte_ether_hdr));
}

static void eth(struct frame *f, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f->b;

	eh->dst_addr = *dst;
	eh->src_addr = *src;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
}

/* An IPv4 header (id 0x1234, DF, TTL 64) for l4len bytes, checksummed. */
static struct rte_ipv4_hdr *ipv4(struct frame *f, size_t off, uint8_t proto,
				 uint32_t src, uint32_t dst, size_t l4len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f->b + off);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + l4len));
	ip->packet_id = RTE_BE16(0x1234);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = proto;
	ip->src_addr = rte_cpu_to_be_32(src);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return ip;
}

/* A TCP segment (4 bytes of payload) in a frame, all sums in full. */
static void tcp(struct frame *f, const struct rte_ether_addr *dst_mac,
		uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
		uint8_t flags)
{
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	size_t l4len = sizeof(*th) + 4;

	memset(f, 0, sizeof(*f));
	eth(f, dst_mac, &port.mac);
	ip = ipv4(f, sizeof(struct rte_ether_hdr), IPPROTO_TCP, src, dst, l4len);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(sp);
	th->dst_port = rte_cpu_to_be_16(dp);
	th->sent_seq = RTE_BE32(1000);
	th->recv_ack = flags & RTE_TCP_ACK_FLAG ? RTE_BE32(5000) : 0;
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	memcpy(th + 1, "GOLD", 4);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	f->len = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*ip) + l4len);
}

/* A TCP segment with its own seq, ack, flags and plen payload bytes. */
static void tcp_seg(struct frame *f, const struct rte_ether_addr *dst_mac,
		    uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
		    uint8_t flags, uint32_t seq, uint32_t ack,
		    const void *payload, size_t plen)
{
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	size_t l4len = sizeof(*th) + plen;

	memset(f, 0, sizeof(*f));
	eth(f, dst_mac, &port.mac);
	ip = ipv4(f, sizeof(struct rte_ether_hdr), IPPROTO_TCP, src, dst, l4len);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(sp);
	th->dst_port = rte_cpu_to_be_16(dp);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	th->rx_win = RTE_BE16(65535);
	if (plen)
		memcpy(th + 1, payload, plen);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	f->len = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*ip) + l4len);
}

static void udp(struct frame *f, const struct rte_ether_addr *dst_mac,
		uint32_t src, uint16_t sp, uint32_t dst, uint16_t dp,
		bool with_sum)
{
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;
	size_t l4len = sizeof(*uh) + 4;

	memset(f, 0, sizeof(*f));
	eth(f, dst_mac, &port.mac);
	ip = ipv4(f, sizeof(struct rte_ether_hdr), IPPROTO_UDP, src, dst, l4len);
	uh = (struct rte_udp_hdr *)(ip + 1);
	uh->src_port = rte_cpu_to_be_16(sp);
	uh->dst_port = rte_cpu_to_be_16(dp);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
	memcpy(uh + 1, "GOLD", 4);
	if (with_sum)
		uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	f->len = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*ip) + l4len);
}

/*
 * An ICMP error (type, code, 32-bit rest) from src to dst quoting the
 * IPv4 header and first 8 bytes of the packet in `about`.
 */
static void icmp_err(struct frame *f, const struct rte_ether_addr *dst_mac,
		     uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
		     uint32_t rest, struct frame *about)
{
	const struct rte_ipv4_hdr *q = ip_of(about);
	size_t quote = rte_ipv4_hdr_len(q) + 8;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;

	memset(f, 0, sizeof(*f));
	eth(f, dst_mac, &port.mac);
	ip = ipv4(f, sizeof(struct rte_ether_hdr), IPPROTO_ICMP, src, dst,
		  sizeof(*ic) + quote);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	ic->icmp_type = type;
	ic->icmp_code = code;
	memcpy(&ic->icmp_ident, &rest, sizeof(rest));
	memcpy(ic + 1, q, quote);
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, sizeof(*ic) + quote);
	f->len = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*ip) +
			    sizeof(*ic) + quote);
}

/* IP-in-IP: inner (at its IPv4 header) behind an outer header. */
static void ipip(struct frame *f, const struct rte_ether_addr *dst_mac,
		 uint32_t src, uint32_t dst, const struct frame *inner)
{
	size_t ilen = inner->len - sizeof(struct rte_ether_hdr);
	struct rte_ipv4_hdr *outer;

	memset(f, 0, sizeof(*f));
	eth(f, dst_mac, &port.mac);
	outer = ipv4(f, sizeof(struct rte_ether_hdr), IPPROTO_IPIP, src, dst, ilen);
	outer->packet_id = 0;
	outer->hdr_checksum = 0;
	outer->hdr_checksum = rte_ipv4_cksum(outer);
	memcpy(outer + 1, inner->b + sizeof(struct rte_ether_hdr), ilen);
	f->len = (uint16_t)(sizeof(struct rte_ether_hdr) + sizeof(*outer) + ilen);
}

static struct rte_ether_addr mac_of(const char *ip)
{
	struct rte_ether_addr m = { { 2, 0, 0, 0, 1, 0 } };

	m.addr_bytes[5] = (uint8_t)(ip4(ip) & 0xff);
	return m;
}

/* ---- the worker ---- */

/*
 * The IPv4 frames the daemon sent, in *out (n at most); returns their
 * count.  ARP is left out: adding addresses sends gratuitous ARP.
 */
static unsigned take_sent(struct frame *out, unsigned n)
{
	struct rte_mbuf *m;
	unsigned got = 0;

	for (unsigned q = 0; q < FUZZ_NWORKERS; q++)
		while (rte_ring_dequeue(port.rings[q], (void **)&m) == 0) {
			const struct rte_ether_hdr *eh =
				rte_pktmbuf_mtod(m, const void *);

			if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
				rte_pktmbuf_free(m);
				continue;
			}
			if (got < n) {
				out[got].len = (uint16_t)RTE_MIN(m->data_len,
								 FRAME_MAX);
				memcpy(out[got].b, rte_pktmbuf_mtod(m, void *),
				       out[got].len);
			}
			got++;
			rte_pktmbuf_free(m);
		}
	return got;
}

/*
 * Receives f on worker 0 (the other runs after it, for hand-overs) and
 * returns how many frames went out, the first in *sent.
 */
static unsigned rx(const struct frame *f, struct frame *sent)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(port.pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, f->len), f->b, f->len);
	m->port = port.id;
	assert_int_equal(rte_ring_enqueue(port.rings[0], m), 0);
	fuzz_run_worker(0);
	fuzz_run_worker(1);
	return take_sent(sent, 1);
}

static void assert_frame(const struct frame *got, const struct frame *want)
{
	if (got->len != want->len || memcmp(got->b, want->b, want->len) != 0) {
		fprintf(stderr, "sent (%u bytes) / expected (%u bytes):\n",
			got->len, want->len);
		for (unsigned i = 0; i < RTE_MAX(got->len, want->len); i++)
			fprintf(stderr, "%4u: %02x %02x%s\n", i,
				i < got->len ? got->b[i] : 0,
				i < want->len ? want->b[i] : 0,
				i < got->len && i < want->len &&
						got->b[i] == want->b[i] ?
					"" :
					"  <--");
		fail_msg("the frame sent is not the golden one");
	}
}

static void expect(const struct frame *in, const struct frame *want)
{
	struct frame sent;

	assert_int_equal(rx(in, &sent), 1);
	assert_frame(&sent, want);
}

/*
 * Clients on 10.0.0.0/24, real servers on 10.0.1.0/24, VIPs .100-.104.
 * Each FullNAT service has a local address of its own, so its first
 * conn on worker 0 takes port 1024 (worker w hands out p % 2 == w, the
 * lowest first).
 */
/* 10.0.0.105:80, FullNAT with PROXY v2 to 10.0.1.11:8080 from .202. */
static void pp_service(void)
{
	struct dpvs_service s = { .proto = IPPROTO_TCP,
				  .vip = inet_addr("10.0.0.105"), .vport = 80,
				  .sched = "rr", .flags = DPVS_SVC_F_PROXY_V2 };
	struct wbuf b;

	inproc_addr("10.0.0.105", 32, 0);
	inproc_addr("10.0.1.202", 32, DPVS_ADDR_F_SAPOOL);
	wb_init(&b);
	wire_enc_svc(&b, &s);
	inproc_op(DPVS_OP_SVC_ADD, &b);
	inproc_dest(&s, "10.0.1.11", 8080, DPVS_FWD_FNAT, 1);
	inproc_laddr(&s, "10.0.1.202");
}

static int setup(void **state)
{
	static const char *const vips[] = { "10.0.0.100", "10.0.0.101",
					    "10.0.0.102", "10.0.0.103",
					    "10.0.0.104" };
	struct dpvs_service s;

	(void)state;
	fuzz_daemon_start("golden", "net_ring0", NULL);
	if (fuzz_port_open(&port, "golden_rx", 255) < 0)
		return -1;
	inproc_addr("10.0.0.1", 24, 0);
	inproc_addr("10.0.1.1", 24, 0);
	for (unsigned i = 0; i < RTE_DIM(vips); i++)
		inproc_addr(vips[i], 32, 0);
	inproc_addr("10.0.1.200", 32, DPVS_ADDR_F_SAPOOL);
	inproc_addr("10.0.1.201", 32, DPVS_ADDR_F_SAPOOL);
	inproc_neigh("10.0.0.2");
	inproc_neigh("10.0.1.11");
	inproc_neigh("10.0.1.12");
	inproc_neigh("10.0.1.13");
	s = inproc_svc(IPPROTO_TCP, "10.0.0.100", 80);
	inproc_dest(&s, "10.0.1.11", 8080, DPVS_FWD_FNAT, 1);
	inproc_laddr(&s, "10.0.1.200");
	s = inproc_svc(IPPROTO_TCP, "10.0.0.101", 80);
	inproc_dest(&s, "10.0.1.12", 8080, DPVS_FWD_NAT, 1);
	s = inproc_svc(IPPROTO_TCP, "10.0.0.102", 80);
	inproc_dest(&s, "10.0.1.13", 0, DPVS_FWD_DR, 1);
	s = inproc_svc(IPPROTO_TCP, "10.0.0.103", 80);
	inproc_dest(&s, "10.0.1.12", 0, DPVS_FWD_TUN, 1);
	s = inproc_svc(IPPROTO_UDP, "10.0.0.104", 53);
	inproc_dest(&s, "10.0.1.11", 5353, DPVS_FWD_FNAT, 1);
	inproc_laddr(&s, "10.0.1.201");
	pp_service();
	return 0;
}

/* ---- tests ---- */

static void test_fnat_syn_and_reply(void **state)
{
	struct rte_ether_addr rs = mac_of("10.0.1.11");
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, ip4("10.0.0.2"), 40000, ip4("10.0.0.100"), 80,
	    RTE_TCP_SYN_FLAG);
	tcp(&want, &rs, ip4("10.0.1.200"), 1024, ip4("10.0.1.11"), 8080,
	    RTE_TCP_SYN_FLAG);
	expect(&in, &want);
	/* The SYN-ACK to the local address goes back to the client. */
	tcp(&in, &port.mac, ip4("10.0.1.11"), 8080, ip4("10.0.1.200"), 1024,
	    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	tcp(&want, &client_mac, ip4("10.0.0.100"), 80, ip4("10.0.0.2"), 40000,
	    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	expect(&in, &want);
}

static void test_nat_syn_and_reply(void **state)
{
	struct rte_ether_addr rs = mac_of("10.0.1.12");
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, ip4("10.0.0.2"), 40001, ip4("10.0.0.101"), 80,
	    RTE_TCP_SYN_FLAG);
	tcp(&want, &rs, ip4("10.0.0.2"), 40001, ip4("10.0.1.12"), 8080,
	    RTE_TCP_SYN_FLAG);
	expect(&in, &want);
	/* The reply is forwarded traffic, caught on its way to the client. */
	tcp(&in, &port.mac, ip4("10.0.1.12"), 8080, ip4("10.0.0.2"), 40001,
	    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	tcp(&want, &client_mac, ip4("10.0.0.101"), 80, ip4("10.0.0.2"), 40001,
	    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	expect(&in, &want);
}

/* DR: the packet itself untouched, only the MAC the server's. */
static void test_dr_syn(void **state)
{
	struct rte_ether_addr rs = mac_of("10.0.1.13");
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, ip4("10.0.0.2"), 40002, ip4("10.0.0.102"), 80,
	    RTE_TCP_SYN_FLAG);
	tcp(&want, &rs, ip4("10.0.0.2"), 40002, ip4("10.0.0.102"), 80,
	    RTE_TCP_SYN_FLAG);
	expect(&in, &want);
}

/* TUN: the packet untouched inside IP-in-IP from our address there. */
/* A packet counter summed over every lcore. */
static uint64_t conns_created(void)
{
	uint64_t n[PKTSTATS_N];

	pktstats_sum(n);
	return n[PKTSTATS_IDX_ipvs_conn_new];
}

/* Connections the DR service's one real server counted, over workers. */
static uint64_t dr_conns(void)
{
	const struct ipvs_service *s =
		ipvs_svc_lookup(IPPROTO_TCP, ip4("10.0.0.102"), 80);
	uint64_t n = 0;

	assert_non_null(s);
	for (unsigned w = 0; w < FUZZ_NWORKERS; w++)
		n += s->dests->stats[w].conns;
	return n;
}

/*
 * A client that reuses its port once its connection is over starts a new
 * connection on the same entry: it counts as one, as ipvsadm shows it.
 */
static void test_syn_after_close_counts_a_connection(void **state)
{
	struct rte_ether_addr rs = mac_of("10.0.1.13");
	const uint8_t steps[] = { RTE_TCP_SYN_FLAG, RTE_TCP_ACK_FLAG,
				  RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
				  RTE_TCP_SYN_FLAG, RTE_TCP_ACK_FLAG };
	uint64_t before = dr_conns(), created = conns_created();
	struct frame in, want;

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(steps); i++) {
		tcp(&in, &port.mac, ip4("10.0.0.2"), 40100, ip4("10.0.0.102"),
		    80, steps[i]);
		tcp(&want, &rs, ip4("10.0.0.2"), 40100, ip4("10.0.0.102"), 80,
		    steps[i]);
		expect(&in, &want);
	}
	assert_int_equal(dr_conns() - before, 2);
	assert_int_equal(conns_created() - created, 2);
}

static void test_tun_syn(void **state)
{
	struct rte_ether_addr rs = mac_of("10.0.1.12");
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, ip4("10.0.0.2"), 40003, ip4("10.0.0.103"), 80,
	    RTE_TCP_SYN_FLAG);
	ipip(&want, &rs, ip4("10.0.1.1"), ip4("10.0.1.12"), &in);
	expect(&in, &want);
}

static void test_fnat_udp_keeps_no_checksum(void **state)
{
	struct rte_ether_addr rs = mac_of("10.0.1.11");
	struct frame in, want;

	(void)state;
	udp(&in, &port.mac, ip4("10.0.0.2"), 40004, ip4("10.0.0.104"), 53, false);
	udp(&want, &rs, ip4("10.0.1.201"), 1024, ip4("10.0.1.11"), 5353, false);
	expect(&in, &want);
	udp(&in, &port.mac, ip4("10.0.0.2"), 40005, ip4("10.0.0.104"), 53, true);
	udp(&want, &rs, ip4("10.0.1.201"), 1026, ip4("10.0.1.11"), 5353, true);
	expect(&in, &want);
}

/* Only a SYN makes a TCP connection: anything else is a counted drop. */
static void test_ack_without_conn_is_dropped(void **state)
{
	unsigned lc = lcore_workers()[0];
	uint64_t before = pktstats[lc].ipvs_no_conn;
	struct frame in, sent;

	(void)state;
	tcp(&in, &port.mac, ip4("10.0.0.2"), 40006, ip4("10.0.0.100"), 80,
	    RTE_TCP_ACK_FLAG);
	assert_int_equal(rx(&in, &sent), 0);
	tcp(&in, &port.mac, ip4("10.0.0.2"), 40006, ip4("10.0.0.100"), 80,
	    RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	assert_int_equal(rx(&in, &sent), 0);
	assert_int_equal(pktstats[lc].ipvs_no_conn, before + 2);
}

/*
 * FullNAT: "fragmentation needed" from the real server about the SYN
 * we sent it reaches the client from the VIP, about the SYN the client
 * sent: outer and quoted addresses and ports rewritten, both checksums
 * recomputed, the MTU kept.
 */
static void test_fnat_icmp_frag_needed_relayed(void **state)
{
	struct frame syn, sent_syn, err, want;
	uint32_t mtu = rte_cpu_to_be_32(1400); /* unused 16 bits, next-hop MTU */

	(void)state;
	tcp(&syn, &port.mac, ip4("10.0.0.2"), 40007, ip4("10.0.0.100"), 80,
	    RTE_TCP_SYN_FLAG);
	assert_int_equal(rx(&syn, &sent_syn), 1);
	assert_int_equal(ip_of(&sent_syn)->src_addr,
			 rte_cpu_to_be_32(ip4("10.0.1.200")));
	icmp_err(&err, &port.mac, ip4("10.0.1.11"), ip4("10.0.1.200"), 3, 4,
		 mtu, &sent_syn);
	icmp_err(&want, &client_mac, ip4("10.0.0.100"), ip4("10.0.0.2"), 3, 4,
		 mtu, &syn);
	expect(&err, &want);
}

/* NAT: "port unreachable" from the real server, on its way to the client. */
static void test_nat_icmp_port_unreachable_relayed(void **state)
{
	struct frame syn, sent_syn, err, want;

	(void)state;
	tcp(&syn, &port.mac, ip4("10.0.0.2"), 40008, ip4("10.0.0.101"), 80,
	    RTE_TCP_SYN_FLAG);
	assert_int_equal(rx(&syn, &sent_syn), 1);
	icmp_err(&err, &port.mac, ip4("10.0.1.12"), ip4("10.0.0.2"), 3, 3, 0,
		 &sent_syn);
	icmp_err(&want, &client_mac, ip4("10.0.0.101"), ip4("10.0.0.2"), 3, 3, 0,
		 &syn);
	expect(&err, &want);
}

/* An ICMP query to a VIP is not an error: the relay leaves it alone. */
static void test_icmp_echo_is_not_relayed(void **state)
{
	struct frame syn, echo, sent;

	(void)state;
	tcp(&syn, &port.mac, ip4("10.0.0.2"), 40009, ip4("10.0.0.100"), 80,
	    RTE_TCP_SYN_FLAG);
	/* An echo request quoting a conn's packet gets an echo reply. */
	icmp_err(&echo, &port.mac, ip4("10.0.0.2"), ip4("10.0.0.100"),
		 RTE_IP_ICMP_ECHO_REQUEST, 0, 0, &syn);
	assert_int_equal(rx(&echo, &sent), 1);
	assert_int_equal(ip_of(&sent)->src_addr,
			 rte_cpu_to_be_32(ip4("10.0.0.100")));
	assert_int_equal(((struct rte_icmp_hdr *)(ip_of(&sent) + 1))->icmp_type,
			 RTE_IP_ICMP_ECHO_REPLY);
}

static const uint8_t pp2_40100[28] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
	0x21, 0x11, 0x00, 0x0c, 10, 0, 0, 2, 10, 0, 0, 105, 0x9c, 0xa4, 0, 80 };

static uint64_t pkt_counter(unsigned idx)
{
	uint64_t n[PKTSTATS_N];

	pktstats_sum(n);
	return n[idx];
}

/*
 * PROXY v2 through the real packet path: the handshake's ACK leaves with
 * the header as its payload, the request behind the header again (same
 * seq), later client seqs shifted by 28, the server's ack shifted back.
 */
static void test_fnat_proxy_protocol_v2(void **state)
{
	struct rte_ether_addr rs = mac_of("10.0.1.11");
	uint32_t c = ip4("10.0.0.2"), v = ip4("10.0.0.105");
	uint32_t l = ip4("10.0.1.202"), r = ip4("10.0.1.11");
	uint8_t both[28 + 7];
	uint64_t sent0 = pkt_counter(PKTSTATS_IDX_ipvs_pp_sent);
	struct frame in, want;

	(void)state;
	memcpy(both, pp2_40100, 28);
	memcpy(both + 28, "GET /\r\n", 7);
	tcp_seg(&in, &port.mac, c, 40100, v, 80, RTE_TCP_SYN_FLAG, 999, 0, NULL, 0);
	tcp_seg(&want, &rs, l, 1024, r, 8080, RTE_TCP_SYN_FLAG, 999, 0, NULL, 0);
	expect(&in, &want);
	tcp_seg(&in, &port.mac, r, 8080, l, 1024,
		RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 7000, 1000, NULL, 0);
	tcp_seg(&want, &client_mac, v, 80, c, 40100,
		RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 7000, 1000, NULL, 0);
	expect(&in, &want);
	tcp_seg(&in, &port.mac, c, 40100, v, 80, RTE_TCP_ACK_FLAG, 1000, 7001,
		NULL, 0);
	tcp_seg(&want, &rs, l, 1024, r, 8080, RTE_TCP_ACK_FLAG, 1000, 7001,
		pp2_40100, 28);
	expect(&in, &want);
	tcp_seg(&in, &port.mac, c, 40100, v, 80, RTE_TCP_ACK_FLAG, 1000, 7001,
		"GET /\r\n", 7);
	tcp_seg(&want, &rs, l, 1024, r, 8080, RTE_TCP_ACK_FLAG, 1000, 7001,
		both, sizeof(both));
	expect(&in, &want);
	assert_int_equal(pkt_counter(PKTSTATS_IDX_ipvs_pp_sent), sent0 + 2);
	tcp_seg(&in, &port.mac, r, 8080, l, 1024, RTE_TCP_ACK_FLAG, 7001,
		1000 + 28 + 7, "OK", 2);
	tcp_seg(&want, &client_mac, v, 80, c, 40100, RTE_TCP_ACK_FLAG, 7001,
		1007, "OK", 2);
	expect(&in, &want);
	/* acknowledged: the header is not sent again, seqs are shifted */
	tcp_seg(&in, &port.mac, c, 40100, v, 80, RTE_TCP_ACK_FLAG, 1000, 7003,
		"GET /\r\n", 7);
	tcp_seg(&want, &rs, l, 1024, r, 8080, RTE_TCP_ACK_FLAG, 1028, 7003,
		"GET /\r\n", 7);
	expect(&in, &want);
	tcp_seg(&in, &port.mac, c, 40100, v, 80, RTE_TCP_ACK_FLAG |
		RTE_TCP_FIN_FLAG, 1007, 7003, NULL, 0);
	tcp_seg(&want, &rs, l, 1024, r, 8080, RTE_TCP_ACK_FLAG |
		RTE_TCP_FIN_FLAG, 1035, 7003, NULL, 0);
	expect(&in, &want);
	assert_int_equal(pkt_counter(PKTSTATS_IDX_ipvs_pp_sent), sent0 + 2);
}

/*
 * A first segment already at the MTU (1500): its payload is dropped and
 * the header leaves alone, FIN and PSH cleared; the client resends.
 */
static void test_fnat_proxy_protocol_full_first_segment(void **state)
{
	struct rte_ether_addr rs = mac_of("10.0.1.11");
	uint32_t c = ip4("10.0.0.2"), v = ip4("10.0.0.105");
	uint32_t l = ip4("10.0.1.202"), r = ip4("10.0.1.11");
	uint64_t cut0 = pkt_counter(PKTSTATS_IDX_ipvs_pp_cut);
	static uint8_t big[1460];
	uint8_t hdr[28];
	struct frame in, want, sent;

	(void)state;
	memset(big, 'x', sizeof(big));
	memcpy(hdr, pp2_40100, 28);
	hdr[25] = 0xa5;   /* client port 40101 */
	tcp_seg(&in, &port.mac, c, 40101, v, 80, RTE_TCP_SYN_FLAG, 5, 0, NULL, 0);
	assert_int_equal(rx(&in, &sent), 1);
	tcp_seg(&in, &port.mac, c, 40101, v, 80, RTE_TCP_ACK_FLAG |
		RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG, 6, 1, big, sizeof(big));
	tcp_seg(&want, &rs, l, 1026, r, 8080, RTE_TCP_ACK_FLAG, 6, 1, hdr, 28);
	expect(&in, &want);
	assert_int_equal(pkt_counter(PKTSTATS_IDX_ipvs_pp_cut), cut0 + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnat_syn_and_reply),
		cmocka_unit_test(test_nat_syn_and_reply),
		cmocka_unit_test(test_dr_syn),
		cmocka_unit_test(test_tun_syn),
		cmocka_unit_test(test_syn_after_close_counts_a_connection),
		cmocka_unit_test(test_fnat_udp_keeps_no_checksum),
		cmocka_unit_test(test_ack_without_conn_is_dropped),
		cmocka_unit_test(test_fnat_icmp_frag_needed_relayed),
		cmocka_unit_test(test_nat_icmp_port_unreachable_relayed),
		cmocka_unit_test(test_icmp_echo_is_not_relayed),
		cmocka_unit_test(test_fnat_proxy_protocol_v2),
		cmocka_unit_test(test_fnat_proxy_protocol_full_first_segment),
	};

	return cmocka_run_group_tests_name("ipvs_golden", tests, setup, NULL);
}
