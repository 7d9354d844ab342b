/*
 * IPv6 golden packets through the real packet path, as test_ipvs_golden.c
 * does for IPv4: the daemon runs in this process on a net_ring port, set
 * up through the real control ops (v6 addresses, neighbours, services);
 * a frame put on a worker's ring goes through its loop (netif ->
 * ipv6_input -> ipvs_local_in6 or ipvs_forward_in6 -> xmit -> neigh6)
 * and what it sends is compared byte for byte with a frame built here
 * from scratch, checksums computed in full: FullNAT, NAT, DR and TUN,
 * replies, extension headers, TUN's packet too big, ICMPv6 errors
 * relayed both ways and a FullNAT reply handed to its worker.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "dpvs_ops.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_sync.h"
#include "../fuzz/fuzz_daemon.h"
#include "test_inproc.h"
#include "net/pktstats.h"

#define FRAME_MAX 1600
#define ETH_LEN ((uint16_t)sizeof(struct rte_ether_hdr))
#define IP6_LEN ((uint16_t)sizeof(struct rte_ipv6_hdr))

static struct fuzz_port port;

struct frame {
	uint8_t b[FRAME_MAX];
	uint16_t len;
};

/* ---- addresses: clients 2001:db8::/64, servers 2001:db8:1::/64 ---- */

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* Neighbours' MACs are 02:00:00:00:01:<last byte of their address>. */
static struct rte_ether_addr mac_of(const char *ip)
{
	struct rte_ether_addr m = { { 2, 0, 0, 0, 1, 0 } };

	m.addr_bytes[5] = a6(ip).s6_addr[15];
	return m;
}

/* ---- set-up through the control ops ---- */

static void op(uint32_t code, void (*enc)(struct wbuf *, const void *),
	       const void *rec)
{
	struct wbuf b;

	wb_init(&b);
	enc(&b, rec);
	inproc_op(code, &b);
}

static void enc_addr(struct wbuf *b, const void *r) { wire_enc_addr(b, r); }
static void enc_neigh(struct wbuf *b, const void *r) { wire_enc_neigh(b, r); }
static void enc_svc(struct wbuf *b, const void *r) { wire_enc_svc(b, r); }
static void enc_dest(struct wbuf *b, const void *r) { wire_enc_dest(b, r); }
static void enc_laddr(struct wbuf *b, const void *r) { wire_enc_laddr(b, r); }

static void addr6(const char *ip, uint8_t plen, uint32_t flags)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .af = AF_INET6,
				.addr6 = a6(ip), .plen = plen,
				.flags = flags | DPVS_ADDR_F_NODAD };

	op(DPVS_OP_ADDR_ADD, enc_addr, &a);
}

static void neigh6(const char *ip)
{
	struct dpvs_neigh n = { .ifname = "dpdk0", .af = AF_INET6,
				.ip6 = a6(ip), .state = DPVS_NEIGH_PERMANENT };

	memcpy(n.mac, mac_of(ip).addr_bytes, 6);
	op(DPVS_OP_NEIGH_ADD, enc_neigh, &n);
}

static struct dpvs_service svc6(uint8_t proto, const char *vip, uint16_t vport)
{
	struct dpvs_service s = { .proto = proto, .af = AF_INET6,
				  .vip6 = a6(vip), .vport = vport, .sched = "rr" };

	addr6(vip, 128, 0);
	op(DPVS_OP_SVC_ADD, enc_svc, &s);
	return s;
}

static void dest6(const struct dpvs_service *s, const char *ip, uint16_t rport,
		  uint32_t fwd)
{
	struct dpvs_dest d = { .proto = s->proto, .vaf = AF_INET6,
			       .vip6 = s->vip6, .vport = s->vport,
			       .af = AF_INET6, .addr6 = a6(ip), .port = rport,
			       .fwd = fwd, .weight = 1 };

	op(DPVS_OP_DEST_ADD, enc_dest, &d);
}

static void laddr6(const struct dpvs_service *s, const char *ip)
{
	struct dpvs_laddr l = { .proto = s->proto, .vaf = AF_INET6,
				.vip6 = s->vip6, .vport = s->vport,
				.af = AF_INET6, .addr6 = a6(ip),
				.ifname = "dpdk0" };

	addr6(ip, 128, DPVS_ADDR_F_SAPOOL);
	op(DPVS_OP_LADDR_ADD, enc_laddr, &l);
}

/*
 * VIPs: ::100 FullNAT (local address 2001:db8:1::200), ::101 NAT, ::102
 * DR, ::103 TUN, ::104 UDP FullNAT (::201).  Worker w hands out the
 * FullNAT ports p with p % 2 == w, the lowest first.
 */
static int setup(void **state)
{
	struct dpvs_service s;

	(void)state;
	fuzz_daemon_start("golden6", "net_ring0", NULL);
	if (fuzz_port_open(&port, "golden6_rx", 255) < 0)
		return -1;
	addr6("2001:db8::1", 64, 0);
	addr6("2001:db8:1::1", 64, 0);
	neigh6("2001:db8::2");
	neigh6("2001:db8:1::11");
	neigh6("2001:db8:1::12");
	neigh6("2001:db8:1::13");
	s = svc6(IPPROTO_TCP, "2001:db8::100", 80);
	dest6(&s, "2001:db8:1::11", 8080, DPVS_FWD_FNAT);
	laddr6(&s, "2001:db8:1::200");
	s = svc6(IPPROTO_TCP, "2001:db8::101", 80);
	dest6(&s, "2001:db8:1::12", 8080, DPVS_FWD_NAT);
	s = svc6(IPPROTO_TCP, "2001:db8::102", 80);
	dest6(&s, "2001:db8:1::13", 0, DPVS_FWD_DR);
	s = svc6(IPPROTO_TCP, "2001:db8::103", 80);
	dest6(&s, "2001:db8:1::12", 0, DPVS_FWD_TUN);
	s = svc6(IPPROTO_UDP, "2001:db8::104", 53);
	dest6(&s, "2001:db8:1::11", 5353, DPVS_FWD_FNAT);
	laddr6(&s, "2001:db8:1::201");
	return 0;
}

/* ---- frames, every sum in full ---- */

static struct rte_ipv6_hdr *ip6_of(struct frame *f)
{
	return (struct rte_ipv6_hdr *)(f->b + ETH_LEN);
}

static void eth(struct frame *f, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f->b;

	eh->dst_addr = *dst;
	eh->src_addr = port.mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
}

static struct rte_ipv6_hdr *ip6(uint8_t *at, uint8_t proto, const char *src,
				const char *dst, uint32_t payload)
{
	struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)at;
	struct in6_addr s = a6(src), d = a6(dst);

	memset(h, 0, sizeof(*h));
	h->vtc_flow = rte_cpu_to_be_32(6u << 28);
	h->payload_len = rte_cpu_to_be_16((uint16_t)payload);
	h->proto = proto;
	h->hop_limits = 64;
	memcpy(h->src_addr, &s, 16);
	memcpy(h->dst_addr, &d, 16);
	return h;
}

/* RFC 8200 8.1: the pseudo-header and len bytes of l4, summed whole. */
static uint16_t sum6(const struct rte_ipv6_hdr *h, uint8_t proto,
		     const uint8_t *l4, uint32_t len)
{
	uint8_t buf[40 + FRAME_MAX];
	uint16_t c;

	memcpy(buf, h->src_addr, 16);
	memcpy(buf + 16, h->dst_addr, 16);
	buf[32] = (uint8_t)(len >> 24);
	buf[33] = (uint8_t)(len >> 16);
	buf[34] = (uint8_t)(len >> 8);
	buf[35] = (uint8_t)len;
	buf[36] = buf[37] = buf[38] = 0;
	buf[39] = proto;
	memcpy(buf + 40, l4, len);
	c = (uint16_t)~rte_raw_cksum(buf, 40 + len);
	return c == 0 && proto == IPPROTO_UDP ? 0xffff : c;
}

struct seg {
	const char *src, *dst;
	uint16_t sp, dp;
	uint8_t flags;
	uint32_t plen;           /* payload bytes ('G') */
	uint8_t ext;             /* bytes of Destination Options first: 0, 8 */
};

/* A TCP segment (seq 1000) at `at`; returns the IPv6 packet's length. */
static uint16_t tcp_at(uint8_t *at, const struct seg *s)
{
	uint32_t l4len = sizeof(struct rte_tcp_hdr) + s->plen;
	struct rte_ipv6_hdr *h = ip6(at, s->ext ? IPPROTO_DSTOPTS : IPPROTO_TCP,
				     s->src, s->dst, s->ext + l4len);
	uint8_t *x = (uint8_t *)(h + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(x + s->ext);

	if (s->ext) {
		memset(x, 0, s->ext);
		x[0] = IPPROTO_TCP;
		x[1] = (uint8_t)(s->ext / 8 - 1);
		x[2] = 1;                       /* PadN */
		x[3] = (uint8_t)(s->ext - 4);
	}
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(s->sp);
	th->dst_port = rte_cpu_to_be_16(s->dp);
	th->sent_seq = RTE_BE32(1000);
	th->recv_ack = s->flags & RTE_TCP_ACK_FLAG ? RTE_BE32(5000) : 0;
	th->data_off = 5 << 4;
	th->tcp_flags = s->flags;
	th->rx_win = RTE_BE16(65535);
	memset(th + 1, 'G', s->plen);
	th->cksum = sum6(h, IPPROTO_TCP, (uint8_t *)th, l4len);
	return (uint16_t)(IP6_LEN + s->ext + l4len);
}

static void tcp(struct frame *f, const struct rte_ether_addr *to,
		const struct seg *s)
{
	memset(f, 0, sizeof(*f));
	eth(f, to);
	f->len = (uint16_t)(ETH_LEN + tcp_at(f->b + ETH_LEN, s));
}

static void udp(struct frame *f, const struct rte_ether_addr *to,
		const char *src, uint16_t sp, const char *dst, uint16_t dp,
		bool with_sum)
{
	uint32_t l4len = sizeof(struct rte_udp_hdr) + 4;
	struct rte_ipv6_hdr *h;
	struct rte_udp_hdr *uh;

	memset(f, 0, sizeof(*f));
	eth(f, to);
	h = ip6(f->b + ETH_LEN, IPPROTO_UDP, src, dst, l4len);
	uh = (struct rte_udp_hdr *)(h + 1);
	uh->src_port = rte_cpu_to_be_16(sp);
	uh->dst_port = rte_cpu_to_be_16(dp);
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)l4len);
	memcpy(uh + 1, "GOLD", 4);
	if (with_sum)
		uh->dgram_cksum = sum6(h, IPPROTO_UDP, (uint8_t *)uh, l4len);
	f->len = (uint16_t)(ETH_LEN + IP6_LEN + l4len);
}

/*
 * An ICMPv6 error from src to dst (hop limit hl) quoting `about` (at
 * its IPv6 header), cut to `quote` bytes.
 */
static void icmp6_err(struct frame *f, const struct rte_ether_addr *to,
		      const char *src, const char *dst, uint8_t hl,
		      uint8_t type, uint32_t info, const struct frame *about,
		      uint32_t quote)
{
	uint32_t len = 8 + quote;
	struct rte_ipv6_hdr *h;
	uint8_t *ic;

	memset(f, 0, sizeof(*f));
	eth(f, to);
	h = ip6(f->b + ETH_LEN, IPPROTO_ICMPV6, src, dst, len);
	h->hop_limits = hl;
	ic = (uint8_t *)(h + 1);
	ic[0] = type;
	info = rte_cpu_to_be_32(info);
	memcpy(ic + 4, &info, 4);
	memcpy(ic + 8, about->b + ETH_LEN, quote);
	*(uint16_t *)(ic + 2) = sum6(h, IPPROTO_ICMPV6, ic, len);
	f->len = (uint16_t)(ETH_LEN + IP6_LEN + len);
}

/* ---- the workers ---- */

/* NDP and MLD the daemon sends on its own are left out. */
static bool is_ours(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const void *);
	const struct rte_ipv6_hdr *h = (const void *)(eh + 1);
	const uint8_t *l4 = (const uint8_t *)(h + 1);

	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV6) ||
	    (eh->dst_addr.addr_bytes[0] & 1))
		return false;
	return h->proto != IPPROTO_ICMPV6 || l4[0] < 130 || l4[0] > 143;
}

static unsigned take_sent(struct frame *out, unsigned n)
{
	struct rte_mbuf *m;
	unsigned got = 0;

	for (unsigned q = 0; q < FUZZ_NWORKERS; q++)
		while (rte_ring_dequeue(port.rings[q], (void **)&m) == 0) {
			if (!is_ours(m)) {
				rte_pktmbuf_free(m);
				continue;
			}
			if (got < n) {
				uint16_t len = (uint16_t)RTE_MIN(m->pkt_len, (uint32_t)
								 FRAME_MAX);
				const void *p = rte_pktmbuf_read(m, 0, len,
								 out[got].b);

				if (p != out[got].b)
					memcpy(out[got].b, p, len);
				out[got].len = len;
			}
			got++;
			rte_pktmbuf_free(m);
		}
	return got;
}

/* f received on worker q's queue; both workers run (hand-overs). */
static unsigned rx_on(unsigned q, const struct frame *f, struct frame *sent)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(port.pool);

	assert_non_null(m);
	memcpy(rte_pktmbuf_append(m, f->len), f->b, f->len);
	m->port = port.id;
	assert_int_equal(rte_ring_enqueue(port.rings[q], m), 0);
	/*
	 * The other worker twice: what a hand-over made it send waits in
	 * its tx buffer for its next pass.  Not q again: its ring is its tx
	 * too, and holds what it sent.
	 */
	fuzz_run_worker(q);
	fuzz_run_worker(1 - q);
	fuzz_run_worker(1 - q);
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
					"" : "  <--");
		fail_msg("the frame sent is not the golden one");
	}
}

static void expect_on(unsigned q, const struct frame *in,
		      const struct frame *want)
{
	struct frame sent;

	assert_int_equal(rx_on(q, in, &sent), 1);
	assert_frame(&sent, want);
}

static void expect(const struct frame *in, const struct frame *want)
{
	expect_on(0, in, want);
}

static uint64_t counter(unsigned idx)
{
	uint64_t n[PKTSTATS_N];

	pktstats_sum(n);
	return n[idx];
}

#define SYN RTE_TCP_SYN_FLAG
#define SYNACK (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)

/* ---- tests ---- */

static void test_fnat6_syn_and_reply(void **state)
{
	struct rte_ether_addr rs = mac_of("2001:db8:1::11");
	struct rte_ether_addr cl = mac_of("2001:db8::2");
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::100",
					   40000, 80, SYN, 4, 0 });
	tcp(&want, &rs, &(struct seg){ "2001:db8:1::200", "2001:db8:1::11",
				       1024, 8080, SYN, 4, 0 });
	expect(&in, &want);
	/* The SYN-ACK to the local address goes back to the client. */
	tcp(&in, &port.mac, &(struct seg){ "2001:db8:1::11", "2001:db8:1::200",
					   8080, 1024, SYNACK, 0, 0 });
	tcp(&want, &cl, &(struct seg){ "2001:db8::100", "2001:db8::2",
				       80, 40000, SYNACK, 0, 0 });
	expect(&in, &want);
}

/* Extension headers stay as they are; the L4 sum is fixed past them. */
static void test_fnat6_extension_header_kept(void **state)
{
	struct rte_ether_addr rs = mac_of("2001:db8:1::11");
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::100",
					   40001, 80, SYN, 4, 8 });
	tcp(&want, &rs, &(struct seg){ "2001:db8:1::200", "2001:db8:1::11",
				       1026, 8080, SYN, 4, 8 });
	expect(&in, &want);
}

static void test_nat6_syn_and_reply(void **state)
{
	struct rte_ether_addr rs = mac_of("2001:db8:1::12");
	struct rte_ether_addr cl = mac_of("2001:db8::2");
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::101",
					   40002, 80, SYN, 4, 0 });
	tcp(&want, &rs, &(struct seg){ "2001:db8::2", "2001:db8:1::12",
				       40002, 8080, SYN, 4, 0 });
	expect(&in, &want);
	/* The reply is transit, caught by the forward hook. */
	tcp(&in, &port.mac, &(struct seg){ "2001:db8:1::12", "2001:db8::2",
					   8080, 40002, SYNACK, 0, 0 });
	tcp(&want, &cl, &(struct seg){ "2001:db8::101", "2001:db8::2",
				       80, 40002, SYNACK, 0, 0 });
	expect(&in, &want);
}

/* DR: the packet untouched, only the MAC the server's. */
static void test_dr6_syn(void **state)
{
	struct rte_ether_addr rs = mac_of("2001:db8:1::13");
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::102",
					   40003, 80, SYN, 4, 0 });
	tcp(&want, &rs, &(struct seg){ "2001:db8::2", "2001:db8::102",
				       40003, 80, SYN, 4, 0 });
	expect(&in, &want);
}

/*
 * TUN: the packet untouched inside an outer header from our address on
 * the servers' link, hop limit 64, the traffic class copied, the flow
 * label not.
 */
static void test_tun6_syn(void **state)
{
	struct rte_ether_addr rs = mac_of("2001:db8:1::12");
	struct seg s = { "2001:db8::2", "2001:db8::103", 40004, 80, SYN, 4, 0 };
	struct frame in, want;
	struct rte_ipv6_hdr *outer;
	uint16_t ilen;

	(void)state;
	tcp(&in, &port.mac, &s);
	ip6_of(&in)->vtc_flow = rte_cpu_to_be_32(6u << 28 | 0xb8u << 20 | 0x12345);
	memset(&want, 0, sizeof(want));
	eth(&want, &rs);
	outer = ip6_of(&want);
	ilen = (uint16_t)(in.len - ETH_LEN);
	ip6(want.b + ETH_LEN, IPPROTO_IPV6, "2001:db8:1::1", "2001:db8:1::12",
	    ilen);
	outer->vtc_flow = rte_cpu_to_be_32(6u << 28 | 0xb8u << 20);
	memcpy(outer + 1, in.b + ETH_LEN, ilen);
	want.len = (uint16_t)(ETH_LEN + IP6_LEN + ilen);
	expect(&in, &want);
}

/* Past the port's MTU with the outer header: PTB from the VIP, mtu - 40. */
static void test_tun6_too_big_sends_ptb_mtu_minus_40(void **state)
{
	struct rte_ether_addr cl = mac_of("2001:db8::2");
	/* 40 + 20 + 1441 = 1501 bytes: 1541 with the tunnel's header. */
	struct seg s = { "2001:db8::2", "2001:db8::103", 40005, 80, SYN, 1441, 0 };
	uint64_t big0 = counter(PKTSTATS_IDX_tun6_too_big);
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, &s);
	icmp6_err(&want, &cl, "2001:db8::103", "2001:db8::2", 64,
		  2 /* packet too big */, 1500 - 40, &in, 1280 - 48);
	expect(&in, &want);
	assert_int_equal(counter(PKTSTATS_IDX_tun6_too_big), big0 + 1);
}

/* UDP without a sum (legal in v4, not in v6): it leaves with one. */
static void test_fnat6_udp_zero_checksum_computed(void **state)
{
	struct rte_ether_addr rs = mac_of("2001:db8:1::11");
	struct frame in, want;

	(void)state;
	udp(&in, &port.mac, "2001:db8::2", 5000, "2001:db8::104", 53, false);
	udp(&want, &rs, "2001:db8:1::201", 1024, "2001:db8:1::11", 5353, true);
	expect(&in, &want);
}

/*
 * A PTB from the servers' side about our packet to the server: the
 * client gets it from the VIP about its own packet, MTU kept.
 */
static void test_fnat6_ptb_relayed_to_client(void **state)
{
	struct rte_ether_addr cl = mac_of("2001:db8::2");
	struct seg c2v = { "2001:db8::2", "2001:db8::100", 40006, 80, SYN, 4, 0 };
	struct seg l2r = { "2001:db8:1::200", "2001:db8:1::11", 1028, 8080,
			   SYN, 4, 0 };
	uint64_t ptb0 = counter(PKTSTATS_IDX_ipvs6_ptb_relayed);
	struct frame in, want, about, sent;

	(void)state;
	tcp(&in, &port.mac, &c2v);
	assert_int_equal(rx_on(0, &in, &sent), 1);
	tcp(&about, &port.mac, &l2r);
	icmp6_err(&in, &port.mac, "2001:db8:1::11", "2001:db8:1::200", 64, 2,
		  1400, &about, about.len - ETH_LEN);
	tcp(&about, &port.mac, &c2v);
	icmp6_err(&want, &cl, "2001:db8::100", "2001:db8::2", 64, 2, 1400,
		  &about, about.len - ETH_LEN);
	/* The quoted L4 sum is left as it was, as IPv4's relay does. */
	memcpy(want.b + ETH_LEN + IP6_LEN + 8 + IP6_LEN + 16,
	       in.b + ETH_LEN + IP6_LEN + 8 + IP6_LEN + 16, 2);
	{
		struct rte_ipv6_hdr *h = ip6_of(&want);
		uint8_t *ic = (uint8_t *)(h + 1);

		ic[2] = ic[3] = 0;
		*(uint16_t *)(ic + 2) = sum6(h, IPPROTO_ICMPV6, ic,
					     rte_be_to_cpu_16(h->payload_len));
	}
	expect(&in, &want);
	assert_int_equal(counter(PKTSTATS_IDX_ipvs6_ptb_relayed), ptb0 + 1);
}

/*
 * A PTB from the client's side about a reply we sent it: the server
 * gets it from our local address about its own packet (v6 routers never
 * fragment: without it the server's big segments are lost).
 */
static void test_fnat6_client_side_ptb_relayed_to_server(void **state)
{
	struct rte_ether_addr rs = mac_of("2001:db8:1::11");
	struct seg c2v = { "2001:db8::2", "2001:db8::100", 40007, 80, SYN, 4, 0 };
	struct seg v2c = { "2001:db8::100", "2001:db8::2", 80, 40007, SYNACK,
			   1200, 0 };
	struct seg r2l = { "2001:db8:1::11", "2001:db8:1::200", 8080, 1030,
			   SYNACK, 1200, 0 };
	uint64_t ptb0 = counter(PKTSTATS_IDX_ipvs6_ptb_relayed);
	struct frame in, want, about, sent;
	struct rte_ipv6_hdr *h;
	uint8_t *ic;

	(void)state;
	tcp(&in, &port.mac, &c2v);
	assert_int_equal(rx_on(0, &in, &sent), 1);
	tcp(&about, &port.mac, &v2c);
	icmp6_err(&in, &port.mac, "2001:db8::2", "2001:db8::100", 64, 2, 1280,
		  &about, 1280 - 48);
	tcp(&about, &port.mac, &r2l);
	icmp6_err(&want, &rs, "2001:db8:1::200", "2001:db8:1::11", 64, 2, 1280,
		  &about, 1280 - 48);
	memcpy(want.b + ETH_LEN + IP6_LEN + 8 + IP6_LEN + 16,
	       in.b + ETH_LEN + IP6_LEN + 8 + IP6_LEN + 16, 2);
	h = ip6_of(&want);
	ic = (uint8_t *)(h + 1);
	ic[2] = ic[3] = 0;
	*(uint16_t *)(ic + 2) = sum6(h, IPPROTO_ICMPV6, ic,
				     rte_be_to_cpu_16(h->payload_len));
	expect(&in, &want);
	assert_int_equal(counter(PKTSTATS_IDX_ipvs6_ptb_relayed), ptb0 + 1);
}

/*
 * A conn made on worker 1 (odd local port); its reply arrives on
 * worker 0, which hands it over by the port.
 */
static void test_fnat6_reply_handed_to_port_owner(void **state)
{
	struct rte_ether_addr rs = mac_of("2001:db8:1::11");
	struct rte_ether_addr cl = mac_of("2001:db8::2");
	uint64_t ho0 = counter(PKTSTATS_IDX_ipvs_handover);
	struct frame in, want;

	(void)state;
	tcp(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::100",
					   40008, 80, SYN, 4, 0 });
	tcp(&want, &rs, &(struct seg){ "2001:db8:1::200", "2001:db8:1::11",
				       1025, 8080, SYN, 4, 0 });
	expect_on(1, &in, &want);
	tcp(&in, &port.mac, &(struct seg){ "2001:db8:1::11", "2001:db8:1::200",
					   8080, 1025, SYNACK, 0, 0 });
	tcp(&want, &cl, &(struct seg){ "2001:db8::100", "2001:db8::2",
				       80, 40008, SYNACK, 0, 0 });
	expect_on(0, &in, &want);
	assert_int_equal(counter(PKTSTATS_IDX_ipvs_handover), ho0 + 1);
}

/* A TCP header cut short to a VIP: dropped and counted, nothing sent. */
static void test_short_l4_counted(void **state)
{
	uint64_t bad0 = counter(PKTSTATS_IDX_ipvs6_bad_l4);
	struct frame in, sent;

	(void)state;
	tcp(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::100",
					   40009, 80, SYN, 0, 0 });
	ip6_of(&in)->payload_len = RTE_BE16(10);
	in.len = ETH_LEN + IP6_LEN + 10;
	assert_int_equal(rx_on(0, &in, &sent), 0);
	assert_int_equal(counter(PKTSTATS_IDX_ipvs6_bad_l4), bad0 + 1);
}

/* Sync records queued by the workers since the last call. */
static unsigned sync_drained(void)
{
	struct ipvs_sync_rec r[64];
	unsigned n = 0, got;

	for (unsigned w = 0; w < FUZZ_NWORKERS; w++)
		while ((got = ipvs_sync_drain(w, r, RTE_DIM(r))) > 0)
			n += got;
	return n;
}

/*
 * A v6 conn due for sync (embryonic conns synced, this dpvs the
 * master) is not written as a v1 record, which holds IPv4 addresses
 * only: the peer would install a conn of garbage addresses.
 */
static void test_v6_conn_not_sent_as_a_v4_sync_record(void **state)
{
	struct ipvs_sync_params p = { .threshold = { 3, 50 }, .refresh_s = 300,
				      .embryonic = true };
	struct conn_tuple6 t = { .sport = 40011, .dport = 80,
				 .proto = IPPROTO_TCP };
	struct frame in, sent;
	struct ipvs_conn *c;
	enum conn_dir dir;

	(void)state;
	ipvs_sync_set_params(&p);
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	sync_drained();
	tcp(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::100",
					   40011, 80, SYN, 4, 0 });
	assert_int_equal(rx_on(0, &in, &sent), 1);
	t.saddr = a6("2001:db8::2");
	t.daddr = a6("2001:db8::100");
	c = ipvs_conn_lookup6(0, &t, &dir);
	assert_non_null(c);
	/* It was due (the producer saw it), and nothing was queued. */
	assert_true(c->flags & CONN_F_SENT);
	assert_int_equal(sync_drained(), 0);
	ipvs_sync_set_roles(0);
}

/* tcp() at another seq, with payload (plen bytes) if given. */
static void tcp_seq(struct frame *f, const struct rte_ether_addr *to,
		    const struct seg *s, uint32_t seq, const void *payload)
{
	struct rte_ipv6_hdr *h;
	struct rte_tcp_hdr *th;

	tcp(f, to, s);
	h = ip6_of(f);
	th = (struct rte_tcp_hdr *)(h + 1);
	th->sent_seq = rte_cpu_to_be_32(seq);
	if (payload)
		memcpy(th + 1, payload, s->plen);
	th->cksum = 0;
	th->cksum = sum6(h, IPPROTO_TCP, (uint8_t *)th, sizeof(*th) + s->plen);
}

/*
 * A PROXY v2 service (::105): the client's first segment reaches the
 * server behind the 52-byte header naming the v6 client and VIP, and a
 * PTB quoting a later segment reaches the client with its own seq.
 */
static void test_fnat6_proxy_v2_header_and_quoted_seq(void **state)
{
	static const uint8_t hdr[52] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
		0x21, 0x21, 0x00, 0x24,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 5,
		0x9c, 0x4a, 0x00, 0x50 };   /* 40010 -> 80 */
	struct rte_ether_addr rs = mac_of("2001:db8:1::11");
	struct rte_ether_addr cl = mac_of("2001:db8::2");
	struct dpvs_service s = { .proto = IPPROTO_TCP, .af = AF_INET6,
				  .vip6 = a6("2001:db8::105"), .vport = 80,
				  .sched = "rr", .flags = DPVS_SVC_F_PROXY_V2 };
	struct frame in, want, about, sent;
	struct rte_ipv6_hdr *h;
	uint8_t first[56];
	uint16_t lport;

	(void)state;
	addr6("2001:db8::105", 128, 0);
	op(DPVS_OP_SVC_ADD, enc_svc, &s);
	dest6(&s, "2001:db8:1::11", 8080, DPVS_FWD_FNAT);
	laddr6(&s, "2001:db8:1::202");
	tcp(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::105",
					   40010, 80, SYN, 0, 0 });
	assert_int_equal(rx_on(0, &in, &sent), 1);
	lport = rte_be_to_cpu_16(*(uint16_t *)(sent.b + ETH_LEN + IP6_LEN));
	/* The first segment (seq 1001, 4 bytes): the header in front. */
	memcpy(first, hdr, sizeof(hdr));
	memset(first + sizeof(hdr), 'G', 4);
	tcp_seq(&in, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::105",
					       40010, 80, RTE_TCP_ACK_FLAG, 4, 0 },
		1001, NULL);
	tcp_seq(&want, &rs, &(struct seg){ "2001:db8:1::202", "2001:db8:1::11",
					   lport, 8080, RTE_TCP_ACK_FLAG, 56, 0 },
		1001, first);
	expect(&in, &want);
	assert_int_equal(counter(PKTSTATS_IDX_ipvs_pp_sent), 1);
	/* A PTB about our segment at 1057 is about the client's at 1005. */
	tcp_seq(&about, &port.mac, &(struct seg){ "2001:db8:1::202",
						  "2001:db8:1::11", lport, 8080,
						  RTE_TCP_ACK_FLAG, 4, 0 }, 1057, NULL);
	icmp6_err(&in, &port.mac, "2001:db8:1::11", "2001:db8:1::202", 64, 2,
		  1400, &about, about.len - ETH_LEN);
	tcp_seq(&about, &port.mac, &(struct seg){ "2001:db8::2", "2001:db8::105",
						  40010, 80, RTE_TCP_ACK_FLAG, 4, 0 },
		1005, NULL);
	icmp6_err(&want, &cl, "2001:db8::105", "2001:db8::2", 64, 2, 1400,
		  &about, about.len - ETH_LEN);
	/* The quoted L4 sum is left as it was, as IPv4's relay does. */
	memcpy(want.b + ETH_LEN + IP6_LEN + 8 + IP6_LEN + 16,
	       in.b + ETH_LEN + IP6_LEN + 8 + IP6_LEN + 16, 2);
	h = ip6_of(&want);
	{
		uint8_t *ic = (uint8_t *)(h + 1);

		ic[2] = ic[3] = 0;
		*(uint16_t *)(ic + 2) = sum6(h, IPPROTO_ICMPV6, ic,
					     rte_be_to_cpu_16(h->payload_len));
	}
	expect(&in, &want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnat6_syn_and_reply),
		cmocka_unit_test(test_fnat6_extension_header_kept),
		cmocka_unit_test(test_nat6_syn_and_reply),
		cmocka_unit_test(test_dr6_syn),
		cmocka_unit_test(test_tun6_syn),
		cmocka_unit_test(test_tun6_too_big_sends_ptb_mtu_minus_40),
		cmocka_unit_test(test_fnat6_udp_zero_checksum_computed),
		cmocka_unit_test(test_fnat6_ptb_relayed_to_client),
		cmocka_unit_test(test_fnat6_client_side_ptb_relayed_to_server),
		cmocka_unit_test(test_fnat6_reply_handed_to_port_owner),
		cmocka_unit_test(test_short_l4_counted),
		cmocka_unit_test(test_v6_conn_not_sent_as_a_v4_sync_record),
		cmocka_unit_test(test_fnat6_proxy_v2_header_and_quoted_seq),
	};

	return cmocka_run_group_tests_name("ipvs_golden6", tests, setup, NULL);
}
