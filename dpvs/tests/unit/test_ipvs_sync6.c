/*
 * Connection sync of v6 and NAT64 conns (ipvs_sync_in6.c, the v6 half
 * of ipvs_sync_out.c): records of datagram version 2 installed on the
 * worker they name, under the v6 digest key and, for NAT64, the exact
 * v4 key of the replies; refused when this LB lacks what they name; the
 * producer's record of an installed conn is the record it came from.
 * test_ipvs_sync's in-process daemon, with v6 services added.
 */
#include <arpa/inet.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "dpvs_ops.h"
#include "ipvs/ipvs_persist.h"
#include "ipvs/ipvs_sync_int.h"
#include "ipvs/sync_dir.h"
#include "test_inproc.h"
#include "test_ipvs_sync_env.h"

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void op_addr6(const char *ip, uint8_t plen, uint32_t flags)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .af = AF_INET6,
				.addr6 = a6(ip), .plen = plen,
				.flags = flags | DPVS_ADDR_F_NODAD };
	struct wbuf b;

	wb_init(&b);
	wire_enc_addr(&b, &a);
	inproc_op(DPVS_OP_ADDR_ADD, &b);
}

static struct dpvs_service svc6(const char *vip)
{
	struct dpvs_service s = { .proto = IPPROTO_TCP, .af = AF_INET6,
				  .vip6 = a6(vip), .vport = 80, .sched = "rr" };
	struct wbuf b;

	op_addr6(vip, 128, 0);
	wb_init(&b);
	wire_enc_svc(&b, &s);
	inproc_op(DPVS_OP_SVC_ADD, &b);
	return s;
}

/* A v6 server, or (rs without a colon) a v4 one: NAT64. */
static void dest6(const struct dpvs_service *s, const char *rs, uint16_t port,
		  uint32_t fwd)
{
	struct dpvs_dest d = { .proto = s->proto, .vaf = AF_INET6,
			       .vip6 = s->vip6, .vport = s->vport,
			       .port = port, .fwd = fwd, .weight = 1 };
	struct wbuf b;

	if (strchr(rs, ':')) {
		d.af = AF_INET6;
		d.addr6 = a6(rs);
	} else {
		d.af = AF_INET;
		d.addr = inet_addr(rs);
	}
	wb_init(&b);
	wire_enc_dest(&b, &d);
	inproc_op(DPVS_OP_DEST_ADD, &b);
}

static void laddr6(const struct dpvs_service *s, const char *ip)
{
	struct dpvs_laddr l = { .proto = s->proto, .vaf = AF_INET6,
				.vip6 = s->vip6, .vport = s->vport,
				.ifname = "dpdk0" };
	struct wbuf b;

	if (strchr(ip, ':')) {
		l.af = AF_INET6;
		l.addr6 = a6(ip);
		op_addr6(ip, 128, DPVS_ADDR_F_SAPOOL);
	} else {
		l.af = AF_INET;
		l.addr = inet_addr(ip);
		inproc_addr(ip, 32, DPVS_ADDR_F_SAPOOL);
	}
	wb_init(&b);
	wire_enc_laddr(&b, &l);
	inproc_op(DPVS_OP_LADDR_ADD, &b);
}

/* A static v6 neighbour with the MAC 02:00:00:00:01:<last byte>. */
static void neigh6(const char *ip)
{
	struct dpvs_neigh n = { .ifname = "dpdk0", .af = AF_INET6,
				.ip6 = a6(ip), .mac = { 2, 0, 0, 0, 1, 0 },
				.state = DPVS_NEIGH_PERMANENT };
	struct wbuf b;

	n.mac[5] = n.ip6.s6_addr[15];
	wb_init(&b);
	wire_enc_neigh(&b, &n);
	inproc_op(DPVS_OP_NEIGH_ADD, &b);
}

/* A v6 service persistent per /64 for 300 s, DR6 to two servers. */
static void svc6_persistent(const char *vip, const char *rs1, const char *rs2)
{
	struct dpvs_service s = { .proto = IPPROTO_TCP, .af = AF_INET6,
				  .vip6 = a6(vip), .vport = 80, .sched = "rr",
				  .flags = DPVS_SVC_F_PERSISTENT, .timeout = 300,
				  .netmask = 64 };
	struct wbuf b;

	op_addr6(vip, 128, 0);
	wb_init(&b);
	wire_enc_svc(&b, &s);
	inproc_op(DPVS_OP_SVC_ADD, &b);
	dest6(&s, rs1, 0, DPVS_FWD_DR);
	dest6(&s, rs2, 0, DPVS_FWD_DR);
}

/*
 * test_ipvs_sync's v4 services, and: 2001:db8::100 FullNAT6 (local
 * address 2001:db8:1::200), ::101 NAT6, ::102 DR6, ::105 NAT64 to
 * 10.0.1.11:8080 (local address 10.0.1.202), ::106 DR6 persistent to
 * 2001:db8:1::13 and ::14.
 */
static int setup6(void **state)
{
	struct dpvs_service s;

	if (sync_env_setup(state) < 0)
		return -1;
	op_addr6("2001:db8::1", 64, 0);
	op_addr6("2001:db8:1::1", 64, 0);
	neigh6("2001:db8:1::13");
	s = svc6("2001:db8::100");
	dest6(&s, "2001:db8:1::11", 8080, DPVS_FWD_FNAT);
	laddr6(&s, "2001:db8:1::200");
	s = svc6("2001:db8::101");
	dest6(&s, "2001:db8:1::12", 8080, DPVS_FWD_NAT);
	s = svc6("2001:db8::102");
	dest6(&s, "2001:db8:1::13", 0, DPVS_FWD_DR);
	s = svc6("2001:db8::105");
	dest6(&s, "10.0.1.11", 8080, DPVS_FWD_FNAT);
	laddr6(&s, "10.0.1.202");
	neigh6("2001:db8:1::14");
	svc6_persistent("2001:db8::106", "2001:db8:1::13", "2001:db8:1::14");
	return 0;
}

/* An established TCP record of client 2001:db8::2 to vip:80. */
static struct ipvs_sync_rec6 rec6(uint8_t xmit, const char *vip, const char *rs,
				  uint16_t dport, const char *laddr,
				  uint16_t lport)
{
	struct ipvs_sync_rec6 r = {
		.rtype = IPVS_SYNC_CONN6, .proto = IPPROTO_TCP, .xmit = xmit,
		.state = CS_ESTABLISHED, .caf = IPVS_SYNC_AF6,
		.daf = strchr(rs, ':') ? IPVS_SYNC_AF6 : IPVS_SYNC_AF4,
		.cport = 43000, .vport = 80, .lport = lport, .dport = dport,
		.timeout_s = 900,
	};

	r.caddr.in6 = a6("2001:db8::2");
	r.vaddr.in6 = a6(vip);
	if (r.daf == IPVS_SYNC_AF6)
		r.daddr.in6 = a6(rs);
	else
		r.daddr.in4 = ip4(rs);
	if (laddr && r.daf == IPVS_SYNC_AF6)
		r.laddr.in6 = a6(laddr);
	else if (laddr)
		r.laddr.in4 = ip4(laddr);
	return r;
}

static struct ipvs_conn *find6(unsigned w, const struct ipvs_sync_rec6 *r,
			       enum conn_dir *dir)
{
	struct conn_tuple6 t = { r->caddr.in6, r->vaddr.in6, r->cport,
				 r->vport, r->proto };

	return ipvs_conn_lookup6(w, &t, dir);
}

static void post6(const struct ipvs_sync_rec6 *r, unsigned sender_nw)
{
	assert_int_equal(ipvs_sync_post6(r, sender_nw), 0);
	run_workers(1);
}

/* What the producer makes of c is what c was made from. */
static void check_round_trip(const struct ipvs_conn *c,
			     const struct ipvs_sync_rec6 *r)
{
	struct ipvs_sync_rec6 back;

	ipvs_sync_rec6_of(c, &back);
	assert_int_equal(back.xmit, r->xmit);
	assert_int_equal(back.caf, r->caf);
	assert_int_equal(back.daf, r->daf);
	assert_memory_equal(&back.caddr, &r->caddr, sizeof(r->caddr));
	assert_memory_equal(&back.vaddr, &r->vaddr, sizeof(r->vaddr));
	assert_memory_equal(&back.laddr, &r->laddr, sizeof(r->laddr));
	assert_memory_equal(&back.daddr, &r->daddr, sizeof(r->daddr));
	assert_int_equal(back.cport, r->cport);
	assert_int_equal(back.lport, r->lport);
	assert_int_equal(back.dport, r->dport);
	assert_int_equal(back.state, r->state);
}

/* FullNAT6: on the local port's worker, with its port and a directory entry. */
static void test_install_fnat6_on_port_worker(void **state)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_FNAT6, "2001:db8::100",
				       "2001:db8:1::11", 8080,
				       "2001:db8:1::200", 3001);
	struct conn_tuple6 in = { r.caddr.in6, r.vaddr.in6, 43000, 80,
				  IPPROTO_TCP };
	struct conn_tuple6 reply = { r.daddr.in6, r.laddr.in6, 8080, 3001,
				     IPPROTO_TCP };
	struct ipvs_sync_stats s0 = sync_counts();
	enum conn_dir dir;
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.widx = 0;
	post6(&r, 2);
	assert_null(find6(0, &r, &dir));
	c = find6(1, &r, &dir);
	assert_non_null(c);
	assert_int_equal(dir, DIR_IN);
	assert_true(ipvs_conn_is_v6(c));
	assert_true(c->flags & CONN_F_SYNCED);
	assert_true(c->flags & CONN_F_PORT_RSV);
	assert_true(ipvs_port_reserved(c->lobj, 1, 3001));
	assert_ptr_equal(ipvs_conn_lookup6(1, &reply, &dir), c);
	assert_int_equal(dir, DIR_OUT);
	assert_int_equal(sync_counts().installed - s0.installed, 1);
	/* Client packets reaching worker 0 find their owner. */
	assert_int_equal(ipvs_sync_dir_owner6(&in), 1);
	check_round_trip(c, &r);
	/* A second record updates it in place. */
	r.state = CS_FIN_WAIT;
	post6(&r, 2);
	assert_ptr_equal(find6(1, &r, &dir), c);
	assert_int_equal(c->state, CS_FIN_WAIT);
	assert_int_equal(sync_counts().updated - s0.updated, 1);
	assert_int_equal(sync_counts().installed - s0.installed, 1);
}

/* NAT64: the v6 client key and the exact v4 key of the server's replies. */
static void test_install_nat64(void **state)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_FNAT64, "2001:db8::105",
				       "10.0.1.11", 8080, "10.0.1.202", 4000);
	struct conn_tuple reply = { ip4("10.0.1.11"), ip4("10.0.1.202"), 8080,
				    4000, IPPROTO_TCP };
	enum conn_dir dir;
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.cport = 43100;
	r.widx = 1;
	post6(&r, 2);
	c = find6(0, &r, &dir);
	assert_non_null(c);
	assert_int_equal(c->fwd, IPVS_X_FNAT64);
	assert_ptr_equal(ipvs_conn_lookup(0, &reply, &dir), c);
	assert_int_equal(dir, DIR_OUT);
	assert_null(ipvs_conn_lookup(1, &reply, &dir));
	check_round_trip(c, &r);
}

/*
 * NAT6 and DR6: the sender's worker when it has as many; NAT6's reply
 * tuple is registered for its owner.
 */
static void test_install_nat6_dr6_named_worker(void **state)
{
	struct ipvs_sync_rec6 nat = rec6(IPVS_X_NAT6, "2001:db8::101",
					 "2001:db8:1::12", 8080, NULL, 0);
	struct ipvs_sync_rec6 dr = rec6(IPVS_X_DR6, "2001:db8::102",
					"2001:db8:1::13", 80, NULL, 0);
	struct conn_tuple6 reply = { nat.daddr.in6, nat.caddr.in6, 8080,
				     43200, IPPROTO_TCP };
	enum conn_dir dir;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	nat.cport = 43200;
	nat.widx = 1;
	post6(&nat, 2);
	assert_non_null(find6(1, &nat, &dir));
	assert_null(find6(0, &nat, &dir));
	assert_int_equal(ipvs_conn_nat_owner6(&reply), 1);
	dr.cport = 43201;
	dr.widx = 0;
	post6(&dr, 2);
	assert_non_null(find6(0, &dr, &dir));
	check_round_trip(find6(0, &dr, &dir), &dr);
}

/* What this LB lacks is counted; what no table holds is not posted. */
static void test_install6_refusals(void **state)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_FNAT6, "2001:db8::100",
				       "2001:db8:1::11", 8080,
				       "2001:db8:1::200", 3003);
	struct ipvs_sync_rec6 bad;
	struct ipvs_sync_stats s0 = sync_counts();
	enum conn_dir dir;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.cport = 43300;
	bad = r;
	bad.vaddr.in6 = a6("2001:db8::199");
	post6(&bad, 2);
	assert_int_equal(sync_counts().no_service - s0.no_service, 1);
	bad = r;
	bad.daddr.in6 = a6("2001:db8:1::99");
	post6(&bad, 2);
	assert_int_equal(sync_counts().no_dest - s0.no_dest, 1);
	bad = r;
	bad.dport = 8081;
	post6(&bad, 2);
	assert_int_equal(sync_counts().no_dest - s0.no_dest, 2);
	bad = r;
	bad.xmit = IPVS_X_NAT6;   /* the server is FullNAT here */
	post6(&bad, 2);
	assert_int_equal(sync_counts().no_dest - s0.no_dest, 3);
	bad = r;
	bad.laddr.in6 = a6("2001:db8:1::222");
	post6(&bad, 2);
	assert_int_equal(sync_counts().no_laddr - s0.no_laddr, 1);
	assert_null(find6(0, &r, &dir));
	assert_null(find6(1, &r, &dir));
	/* A v4 mode, a NAT64 mode with a v6 server, no local port. */
	bad = r;
	bad.xmit = IPVS_X_FNAT;
	assert_int_equal(ipvs_sync_post6(&bad, 2), -EINVAL);
	bad = r;
	bad.xmit = IPVS_X_FNAT64;
	assert_int_equal(ipvs_sync_post6(&bad, 2), -EINVAL);
	bad = r;
	bad.lport = 0;
	assert_int_equal(ipvs_sync_post6(&bad, 2), -EINVAL);
	bad = r;
	bad.state = CS_MAX;
	assert_int_equal(ipvs_sync_post6(&bad, 2), -EINVAL);
	/* The good one still goes in. */
	post6(&r, 2);
	assert_non_null(find6(1, &r, &dir));
}

/* A MASTER queues a v6 conn's record on its v6 ring, none on the v4 one. */
static void test_producer_v6_ring(void **state)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_FNAT64, "2001:db8::105",
				       "10.0.1.11", 8080, "10.0.1.202", 4002);
	struct ipvs_sync_rec6 out[4];
	struct ipvs_sync_rec v4[4];
	enum conn_dir dir;
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.cport = 43400;
	post6(&r, 2);
	c = find6(0, &r, &dir);
	assert_non_null(c);
	while (ipvs_sync_drain6(0, out, 4))
		;
	ipvs_sync_set_roles(IPVS_SYNC_MASTER | IPVS_SYNC_BACKUP);
	ipvs_sync_emit(c, 0);
	assert_int_equal(drain_all(0, v4, 4), 0);
	assert_int_equal(ipvs_sync_drain6(0, out, 4), 1);
	check_round_trip(c, &out[0]);
	assert_int_equal(out[0].widx, 0);
}

/* A client's TCP ACK to vip:80 from cport, received on worker w. */
static void ack6_on(unsigned w, const char *vip, uint16_t cport)
{
	struct fuzz_port *p = sync_env_port();
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip;
	struct rte_tcp_hdr *th;
	struct in6_addr s = a6("2001:db8::2"), d = a6(vip);

	assert_non_null(m);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eh) +
							sizeof(*ip) + sizeof(*th));
	memset(eh, 0, sizeof(*eh) + sizeof(*ip) + sizeof(*th));
	eh->dst_addr = p->mac;
	eh->src_addr = (struct rte_ether_addr){ { 2, 0, 0, 0, 1, 2 } };
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip = (struct rte_ipv6_hdr *)(eh + 1);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(sizeof(*th));
	ip->proto = IPPROTO_TCP;
	ip->hop_limits = 64;
	memcpy(ip->src_addr, &s, 16);
	memcpy(ip->dst_addr, &d, 16);
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = rte_cpu_to_be_16(cport);
	th->dst_port = RTE_BE16(80);
	th->data_off = 5 << 4;
	th->tcp_flags = RTE_TCP_ACK_FLAG;
	th->rx_win = RTE_BE16(65535);
	th->cksum = rte_ipv6_udptcp_cksum(ip, th);
	m->port = p->id;
	assert_int_equal(rte_ring_enqueue(p->rings[w], m), 0);
}

/* IPv6 frames sent to the MAC 02:00:00:00:01:<last>; the rest dropped. */
static unsigned sent6_to(uint8_t last)
{
	struct fuzz_port *p = sync_env_port();
	struct rte_mbuf *m;
	unsigned got = 0;

	for (unsigned q = 0; q < NW; q++)
		while (rte_ring_dequeue(p->rings[q], (void **)&m) == 0) {
			const struct rte_ether_hdr *eh =
				rte_pktmbuf_mtod(m, const void *);

			if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
			    eh->dst_addr.addr_bytes[5] == last)
				got++;
			rte_pktmbuf_free(m);
		}
	return got;
}

/*
 * After a failover the client's packets may reach another worker than
 * the one its synced DR6 conn was installed on: the sync directory's
 * v6 key hands them to the owner, which forwards them (no new conn on
 * the worker they reached).
 */
static void test_dir_hands_v6_client_packets_over(void **state)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_DR6, "2001:db8::102",
				       "2001:db8:1::13", 80, NULL, 0);
	struct ipvs_sync_stats s0;
	enum conn_dir dir;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.cport = 43500;
	r.widx = 1;
	post6(&r, 2);
	assert_non_null(find6(1, &r, &dir));
	sent6_to(0x13);
	s0 = sync_counts();
	ack6_on(0, "2001:db8::102", 43500);
	fuzz_run_worker(0);
	fuzz_run_worker(1);
	fuzz_run_worker(1);
	assert_int_equal(sent6_to(0x13), 1);
	assert_int_equal(sync_counts().handover - s0.handover, 1);
	assert_null(find6(0, &r, &dir));
}

/* Sets or clears PROXY v2 on service vip:80. */
static void svc6_proxy(const char *vip, uint32_t flags)
{
	struct dpvs_service s = { .proto = IPPROTO_TCP, .af = AF_INET6,
				  .vip6 = a6(vip), .vport = 80, .sched = "rr",
				  .flags = flags };
	struct wbuf b;

	wb_init(&b);
	wire_enc_svc(&b, &s);
	inproc_op(DPVS_OP_SVC_EDIT, &b);
}

/*
 * PROXY protocol over FullNAT6 and NAT64: an established conn's record
 * carries the client's isn1 and the flag, the peer makes the same v6
 * header's shift (52 bytes); a half-open record gives none, the next
 * one does; the installed conn's own record carries it on.
 */
static void test_proxy_protocol6_shift_synced(void **state)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_FNAT6, "2001:db8::100",
				       "2001:db8:1::11", 8080,
				       "2001:db8:1::200", 3005);
	struct ipvs_sync_rec6 n = rec6(IPVS_X_FNAT64, "2001:db8::105",
				       "10.0.1.11", 8080, "10.0.1.202", 4004);
	struct ipvs_sync_rec6 back;
	enum conn_dir dir;
	struct ipvs_conn *c;

	(void)state;
	svc6_proxy("2001:db8::100", DPVS_SVC_F_PROXY_V2);
	svc6_proxy("2001:db8::105", DPVS_SVC_F_PROXY_V2);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.cport = 43600;
	r.state = CS_SYN_RECV;
	r.flags = IPVS_SYNC_F_INACTIVE;
	post6(&r, 2);
	c = find6(1, &r, &dir);
	assert_non_null(c);
	assert_int_equal(c->pp.len, 0);
	r.state = CS_ESTABLISHED;
	r.flags = IPVS_SYNC_F_PP;
	r.reserved = 0xfffffff0;
	post6(&r, 2);
	assert_ptr_equal(find6(1, &r, &dir), c);
	assert_int_equal(c->pp.ver, 2);
	assert_int_equal(c->pp.len, 52);   /* 16 + 2 x (16 + 2) */
	assert_int_equal(c->pp.isn1, 0xfffffff0);
	ipvs_sync_rec6_of(c, &back);
	assert_true(back.flags & IPVS_SYNC_F_PP);
	assert_int_equal(back.reserved, 0xfffffff0);
	/* NAT64: the header names the v6 client and VIP. */
	n.cport = 43601;
	n.flags = IPVS_SYNC_F_PP;
	n.reserved = 7;
	post6(&n, 2);
	c = find6(0, &n, &dir);
	assert_non_null(c);
	assert_int_equal(c->pp.len, 52);
	assert_int_equal(c->pp.isn1, 7);
	svc6_proxy("2001:db8::100", 0);
	svc6_proxy("2001:db8::105", 0);
}

/* Without PROXY here the flag is ignored: no header the server does not want. */
static void test_proxy_flag_without_pp_service(void **state)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_FNAT6, "2001:db8::100",
				       "2001:db8:1::11", 8080,
				       "2001:db8:1::200", 3007);
	struct ipvs_sync_rec6 back;
	enum conn_dir dir;
	struct ipvs_conn *c;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.cport = 43602;
	r.flags = IPVS_SYNC_F_PP;
	r.reserved = 99;
	post6(&r, 2);
	c = find6(1, &r, &dir);
	assert_non_null(c);
	assert_int_equal(c->pp.len, 0);
	ipvs_sync_rec6_of(c, &back);
	assert_int_equal(back.flags & IPVS_SYNC_F_PP, 0);
	assert_int_equal(back.reserved, 0);
}

static struct ipvs_service *svc106(void)
{
	struct in6_addr vip = a6("2001:db8::106");
	struct ipvs_service *svc = ipvs_svc_lookup6(IPPROTO_TCP, &vip, 80);

	assert_non_null(svc);
	return svc;
}

/* The server (last address byte) client's /64 is pinned to, or -1. */
static int pinned_to(const char *client)
{
	struct ipvs_service *svc = svc106();
	const struct svc_snap *sn = svc->snap;
	struct in6_addr ca = a6(client);
	int i = ipvs_persist_lookup6(svc, sn, &ca);

	return i < 0 ? -1 : sn->dests[i]->addr.in6.s6_addr[15];
}

static struct ipvs_sync_rec6 tmpl6(const char *client, const char *rs)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_DR6, "2001:db8::106", rs, 80,
				       NULL, 0);

	r.rtype = IPVS_SYNC_TMPL6;
	r.state = 0;
	r.timeout_s = 300;
	r.caddr.in6 = a6(client);
	return r;
}

/*
 * A v6 template record pins the client's /64 on the peer (the whole
 * /64: the peer's own -M length); what this LB lacks is counted.
 */
static void test_install_tmpl6(void **state)
{
	struct ipvs_sync_rec6 r = tmpl6("2001:db8:5:1::7", "2001:db8:1::14");
	struct ipvs_sync_stats s0 = sync_counts();
	struct ipvs_sync_rec6 bad;

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	assert_int_equal(pinned_to("2001:db8:5:1::7"), -1);
	post6(&r, 2);
	assert_int_equal(pinned_to("2001:db8:5:1::7"), 0x14);
	assert_int_equal(pinned_to("2001:db8:5:1:ffff::1"), 0x14);
	assert_int_equal(pinned_to("2001:db8:5:2::7"), -1);
	assert_int_equal(sync_counts().installed - s0.installed, 1);
	r = tmpl6("2001:db8:5:3::1", "2001:db8:1::13");
	post6(&r, 2);
	assert_int_equal(pinned_to("2001:db8:5:3::2"), 0x13);
	/* A server or a persistent service this LB lacks. */
	bad = tmpl6("2001:db8:5:4::1", "2001:db8:1::99");
	post6(&bad, 2);
	assert_int_equal(sync_counts().no_dest - s0.no_dest, 1);
	bad = tmpl6("2001:db8:5:4::1", "2001:db8:1::13");
	bad.vaddr.in6 = a6("2001:db8::102");   /* DR6, not persistent */
	post6(&bad, 2);
	assert_int_equal(sync_counts().no_service - s0.no_service, 1);
	assert_int_equal(pinned_to("2001:db8:5:4::1"), -1);
	/* A mode the family pair cannot have is no template either. */
	bad.xmit = IPVS_X_FNAT64;
	assert_int_equal(ipvs_sync_post6(&bad, 2), -EINVAL);
}

/* A synced conn of a persistent v6 service pins its client too. */
static void test_conn6_pins_client(void **state)
{
	struct ipvs_sync_rec6 r = rec6(IPVS_X_DR6, "2001:db8::106",
				       "2001:db8:1::13", 80, NULL, 0);

	(void)state;
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	r.caddr.in6 = a6("2001:db8:6::5");
	r.cport = 43700;
	post6(&r, 2);
	assert_int_equal(pinned_to("2001:db8:6::99"), 0x13);
}

/*
 * A MASTER's new client of a persistent v6 service: its template goes
 * out as a v2 record naming the server it was pinned to, which
 * installs on the peer; none on the v4 ring (a v1 record of a v6 VIP
 * would be garbage).
 */
static void test_producer_tmpl6(void **state)
{
	struct ipvs_service *svc = svc106();
	const struct svc_snap *sn = svc->snap;
	struct in6_addr ca = a6("2001:db8:7::1");
	struct ipvs_sync_rec6 out[4];
	struct ipvs_sync_rec v4[4];

	(void)state;
	while (ipvs_sync_drain6(1, out, 4))
		;
	drain_all(1, v4, 4);
	ipvs_sync_set_roles(IPVS_SYNC_MASTER);
	ipvs_sync_note_tmpl(1, svc, sn, 0x0a000002, 1);
	ipvs_sync_note_tmpl6(1, svc, sn, &ca, 1);
	assert_int_equal(drain_all(1, v4, 4), 0);
	assert_int_equal(ipvs_sync_drain6(1, out, 4), 1);
	assert_int_equal(out[0].rtype, IPVS_SYNC_TMPL6);
	assert_int_equal(out[0].xmit, IPVS_X_DR6);
	assert_int_equal(out[0].daf, IPVS_SYNC_AF6);
	assert_memory_equal(&out[0].caddr.in6, &ca, 16);
	assert_memory_equal(&out[0].vaddr.in6, &svc->vip.in6, 16);
	assert_memory_equal(&out[0].daddr.in6, &sn->dests[1]->addr.in6, 16);
	assert_int_equal(out[0].vport, 80);
	assert_int_equal(out[0].dport, 80);
	assert_int_equal(out[0].timeout_s, 300);
	assert_int_equal(out[0].widx, 1);
	ipvs_sync_set_roles(IPVS_SYNC_BACKUP);
	post6(&out[0], 2);
	assert_int_equal(pinned_to("2001:db8:7::2"),
			 sn->dests[1]->addr.in6.s6_addr[15]);
	/* Not MASTER: nothing. */
	ipvs_sync_note_tmpl6(1, svc, sn, &ca, 0);
	assert_int_equal(ipvs_sync_drain6(1, out, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_install_fnat6_on_port_worker, sync_env_before),
		cmocka_unit_test_setup(test_install_nat64, sync_env_before),
		cmocka_unit_test_setup(test_install_nat6_dr6_named_worker, sync_env_before),
		cmocka_unit_test_setup(test_install6_refusals, sync_env_before),
		cmocka_unit_test_setup(test_producer_v6_ring, sync_env_before),
		cmocka_unit_test_setup(test_dir_hands_v6_client_packets_over, sync_env_before),
		cmocka_unit_test_setup(test_proxy_protocol6_shift_synced, sync_env_before),
		cmocka_unit_test_setup(test_proxy_flag_without_pp_service, sync_env_before),
		cmocka_unit_test_setup(test_install_tmpl6, sync_env_before),
		cmocka_unit_test_setup(test_conn6_pins_client, sync_env_before),
		cmocka_unit_test_setup(test_producer_tmpl6, sync_env_before),
	};

	return cmocka_run_group_tests(tests, setup6, NULL);
}
