/*
 * Unit tests for the wire format's load-balancing records
 * (dpvs/lib/wire_ipvs.c): services, dests, local addresses,
 * connections, timeouts.
 */
#include "test_wire_util.h"

/* ---- load-balancing records ---- */

/* Distinct counters, so that a swap of two fields shows. */
static struct dpvs_stats sample_stats(uint64_t base)
{
	struct dpvs_stats s = {
		.conns = base + 1,
		.inpkts = base + 2,
		.outpkts = base + 3,
		.inbytes = base + 4,
		.outbytes = base + 5,
		.cps = base + 6,
		.inpps = base + 7,
		.outpps = base + 8,
		.inbps = base + 9,
		.outbps = base + 0xff00000000000010ull,
	};
	return s;
}

static void assert_stats_equal(const struct dpvs_stats *a,
			       const struct dpvs_stats *b)
{
	assert_true(a->conns == b->conns);
	assert_true(a->inpkts == b->inpkts);
	assert_true(a->outpkts == b->outpkts);
	assert_true(a->inbytes == b->inbytes);
	assert_true(a->outbytes == b->outbytes);
	assert_true(a->cps == b->cps);
	assert_true(a->inpps == b->inpps);
	assert_true(a->outpps == b->outpps);
	assert_true(a->inbps == b->inbps);
	assert_true(a->outbps == b->outbps);
}

#define V4(a, b, c, d) 4, 0, 0, 0, a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
/* The 28-byte key: proto + 3 pad, vip (inet), vport + 2 pad. */
static void assert_key_on_wire(const uint8_t *p, uint8_t proto,
			       const uint8_t vip[4], uint16_t vport)
{
	const uint8_t want[WIRE_SVC_KEY_LEN] = {
		proto, 0, 0, 0,
		V4(vip[0], vip[1], vip[2], vip[3]),
		(uint8_t)(vport >> 8), (uint8_t)vport, 0, 0,
	};

	assert_memory_equal(p, want, sizeof(want));
}

/* The 80-byte stats block at p holds s, big-endian, in struct order. */
static void assert_stats_on_wire(const uint8_t *p, const struct dpvs_stats *s)
{
	const uint64_t f[10] = { s->conns, s->inpkts, s->outpkts, s->inbytes,
				 s->outbytes, s->cps, s->inpps, s->outpps,
				 s->inbps, s->outbps };
	struct rbuf r;

	rb_init(&r, p, 80);
	for (int i = 0; i < 10; i++)
		assert_true(rb_u64(&r) == f[i]);
	assert_true(rb_done(&r));
}

static const uint8_t vip_bytes[4] = { 10, 0, 0, 100 };

static struct dpvs_service sample_svc(void)
{
	struct dpvs_service s = {
		.proto = IPPROTO_TCP,
		.vip = ip_net(10, 0, 0, 100),
		.vport = 0x1f90, /* 8080 */
		.sched = "wrr",
		.flags = DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_SCHED_PORT,
		.timeout = 0x01020304,
		.netmask = ip_net(255, 255, 255, 0),
		.ndests = 0xfffffffe,
		.stats = sample_stats(0x1000),
	};
	return s;
}

static void test_svc_round_trip_and_record_len(void **state)
{
	struct dpvs_service s = sample_svc(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x5a, sizeof(back));
	wb_init(&w);
	wire_enc_svc(&w, &s);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_SVC_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.proto, IPPROTO_TCP);
	assert_int_equal(back.vip, s.vip);
	assert_int_equal(back.vport, 8080);
	assert_string_equal(back.sched, "wrr");
	assert_int_equal(back.flags, s.flags);
	assert_int_equal(back.timeout, s.timeout);
	assert_int_equal(back.netmask, s.netmask);
	assert_int_equal(back.ndests, s.ndests);
	assert_stats_equal(&back.stats, &s.stats);
	wb_free(&w);
}

static void test_svc_bytes_on_wire(void **state)
{
	static const uint8_t sched[16] = { 'w', 'r', 'r' };
	static const uint8_t rest[16] = {
		0, 0, 0, DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_SCHED_PORT,
		0x01, 0x02, 0x03, 0x04, /* timeout */
		255, 255, 255, 0,       /* netmask, network order */
		0xff, 0xff, 0xff, 0xfe, /* ndests */
	};
	struct dpvs_service s = sample_svc();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_svc(&w, &s);
	assert_key_on_wire(w.data, IPPROTO_TCP, vip_bytes, 8080);
	assert_memory_equal(w.data + 28, sched, sizeof(sched));
	assert_memory_equal(w.data + 44, rest, sizeof(rest));
	assert_stats_on_wire(w.data + 60, &s.stats);
	wb_free(&w);
}

static void test_svc_full_width_sched_round_trip(void **state)
{
	struct dpvs_service s = sample_svc(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(s.sched, 's', DPVS_SCHED_NAME_MAX);
	s.sched[DPVS_SCHED_NAME_MAX] = '\0';
	wb_init(&w);
	wire_enc_svc(&w, &s);
	assert_int_equal(w.len, WIRE_SVC_REC_LEN);
	/* the 16th byte of the field stays NUL */
	assert_int_equal(w.data[12 + DPVS_SCHED_NAME_MAX], 0);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.sched, s.sched);
	wb_free(&w);
}

/* A sched field with no NUL never overflows the 16-byte struct field. */
static void test_svc_unterminated_sched_stays_in_bounds(void **state)
{
	struct dpvs_service s = sample_svc(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_svc(&w, &s);
	memset(w.data + WIRE_SVC_KEY_LEN, 'x', 16);
	rb_init(&r, w.data, w.len);
	(void)wire_dec_svc(&r, &back);
	assert_true(strlen(back.sched) <= DPVS_SCHED_NAME_MAX);
	assert_int_equal(back.flags, s.flags); /* later fields still line up */
	assert_int_equal(back.ndests, s.ndests);
	wb_free(&w);
}

static struct dpvs_dest sample_dest(void)
{
	struct dpvs_dest d = {
		.proto = IPPROTO_UDP,
		.vip = ip_net(10, 0, 0, 100),
		.vport = 53,
		.addr = ip_net(192, 168, 1, 12),
		.port = 0xfffe,
		.fwd = DPVS_FWD_TUN,
		.weight = 0x7ffffffe,
		.u_thresh = 1000,
		.l_thresh = 500,
		.activeconns = 0x11111111,
		.inactconns = 0x22222222,
		.persistconns = 0x33333333,
		.stats = sample_stats(0x2000),
	};
	return d;
}

static void test_dest_round_trip_and_record_len(void **state)
{
	struct dpvs_dest d = sample_dest(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x5a, sizeof(back));
	wb_init(&w);
	wire_enc_dest(&w, &d);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_DEST_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_dest(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.proto, IPPROTO_UDP);
	assert_int_equal(back.vip, d.vip);
	assert_int_equal(back.vport, 53);
	assert_int_equal(back.addr, d.addr);
	assert_int_equal(back.port, 0xfffe);
	assert_int_equal(back.fwd, DPVS_FWD_TUN);
	assert_int_equal(back.weight, d.weight);
	assert_int_equal(back.u_thresh, 1000);
	assert_int_equal(back.l_thresh, 500);
	assert_int_equal(back.activeconns, d.activeconns);
	assert_int_equal(back.inactconns, d.inactconns);
	assert_int_equal(back.persistconns, d.persistconns);
	assert_stats_equal(&back.stats, &d.stats);
	wb_free(&w);
}

static void test_dest_bytes_on_wire(void **state)
{
	static const uint8_t want[52] = {
		V4(192, 168, 1, 12),      /* addr, network order */
		0xff, 0xfe, 0, 0,         /* port + 2 pad */
		0, 0, 0, DPVS_FWD_TUN,    /* fwd */
		0x7f, 0xff, 0xff, 0xfe,   /* weight */
		0, 0, 0x03, 0xe8,         /* u_thresh 1000 */
		0, 0, 0x01, 0xf4,         /* l_thresh 500 */
		0x11, 0x11, 0x11, 0x11,   /* activeconns */
		0x22, 0x22, 0x22, 0x22,   /* inactconns */
		0x33, 0x33, 0x33, 0x33,   /* persistconns */
	};
	struct dpvs_dest d = sample_dest();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_dest(&w, &d);
	assert_key_on_wire(w.data, IPPROTO_UDP, vip_bytes, 53);
	assert_memory_equal(w.data + 28, want, sizeof(want));
	assert_stats_on_wire(w.data + 80, &d.stats);
	wb_free(&w);
}

static void test_dest_negative_weight_keeps_its_sign(void **state)
{
	struct dpvs_dest d = sample_dest(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	d.weight = -1;
	wb_init(&w);
	wire_enc_dest(&w, &d);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_dest(&r, &back), DPVS_OK);
	assert_int_equal(back.weight, -1);
	wb_free(&w);
}

static struct dpvs_laddr sample_laddr(void)
{
	struct dpvs_laddr l = {
		.proto = IPPROTO_TCP,
		.vip = ip_net(10, 0, 0, 100),
		.vport = 80,
		.addr = ip_net(10, 0, 1, 100),
		.ifname = "dpdk1",
		.conns = 0x0102030405060708ull,
		.ports_free = 64000,
		.ports_total = 64512,
	};
	return l;
}

static void test_laddr_round_trip_and_record_len(void **state)
{
	struct dpvs_laddr l = sample_laddr(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x5a, sizeof(back));
	wb_init(&w);
	wire_enc_laddr(&w, &l);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_LADDR_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_laddr(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.proto, IPPROTO_TCP);
	assert_int_equal(back.vip, l.vip);
	assert_int_equal(back.vport, 80);
	assert_int_equal(back.addr, l.addr);
	assert_string_equal(back.ifname, "dpdk1");
	assert_true(back.conns == l.conns);
	assert_int_equal(back.ports_free, 64000);
	assert_int_equal(back.ports_total, 64512);
	wb_free(&w);
}

static void test_laddr_bytes_on_wire(void **state)
{
	static const uint8_t lip[20] = { V4(10, 0, 1, 100) };
	static const uint8_t conns[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct dpvs_laddr l = sample_laddr();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_laddr(&w, &l);
	assert_key_on_wire(w.data, IPPROTO_TCP, vip_bytes, 80);
	assert_memory_equal(w.data + 28, lip, sizeof(lip));
	assert_memory_equal(w.data + 48, "dpdk1\0\0\0", 8);
	assert_memory_equal(w.data + 80, conns, 8);
	wb_free(&w);
}

static void test_laddr_full_width_ifname_round_trip(void **state)
{
	struct dpvs_laddr l = sample_laddr(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(l.ifname, 'i', DPVS_IFNAME_MAX);
	l.ifname[DPVS_IFNAME_MAX] = '\0';
	wb_init(&w);
	wire_enc_laddr(&w, &l);
	assert_int_equal(w.len, WIRE_LADDR_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_laddr(&r, &back), DPVS_OK);
	assert_string_equal(back.ifname, l.ifname);
	assert_true(back.conns == l.conns);
	wb_free(&w);
}

static struct dpvs_conn sample_conn(void)
{
	struct dpvs_conn c = {
		.proto = IPPROTO_TCP,
		.caddr = ip_net(10, 0, 0, 2),
		.vaddr = ip_net(10, 0, 0, 100),
		.laddr = ip_net(10, 0, 1, 100),
		.daddr = ip_net(10, 0, 1, 11),
		.cport = 0xc001,
		.vport = 80,
		.lport = 1025,
		.dport = 8080,
		.fwd = DPVS_FWD_FNAT,
		.state = 3,
		.state_name = "ESTABLISHED",
		.expire_s = 899,
		.lcore = 4,
		.flags = DPVS_CONN_F_SYNCED,
	};
	return c;
}

static void test_conn_round_trip_and_record_len(void **state)
{
	struct dpvs_conn c = sample_conn(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x5a, sizeof(back));
	wb_init(&w);
	wire_enc_conn(&w, &c);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_CONN_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_conn(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.proto, IPPROTO_TCP);
	assert_int_equal(back.caddr, c.caddr);
	assert_int_equal(back.vaddr, c.vaddr);
	assert_int_equal(back.laddr, c.laddr);
	assert_int_equal(back.daddr, c.daddr);
	assert_int_equal(back.cport, 0xc001);
	assert_int_equal(back.vport, 80);
	assert_int_equal(back.lport, 1025);
	assert_int_equal(back.dport, 8080);
	assert_int_equal(back.fwd, DPVS_FWD_FNAT);
	assert_int_equal(back.state, 3);
	assert_string_equal(back.state_name, "ESTABLISHED");
	assert_int_equal(back.expire_s, 899);
	assert_int_equal(back.lcore, 4);
	assert_int_equal(back.flags, DPVS_CONN_F_SYNCED);
	wb_free(&w);
}

static void test_conn_bytes_on_wire(void **state)
{
	static const uint8_t want[100] = {
		IPPROTO_TCP, 0, 0, 0,   /* proto + 3 pad */
		V4(10, 0, 0, 2),        /* caddr */
		V4(10, 0, 0, 100),      /* vaddr */
		V4(10, 0, 1, 100),      /* laddr */
		V4(10, 0, 1, 11),       /* daddr */
		0xc0, 0x01, 0, 80,      /* cport, vport: packed, no pad */
		0x04, 0x01, 0x1f, 0x90, /* lport 1025, dport 8080 */
		0, 0, 0, DPVS_FWD_FNAT, /* fwd */
		0, 0, 0, 3,             /* state */
	};
	static const uint8_t tail[12] = { 0, 0, 0x03, 0x83, 0, 0, 0, 4,
					  0, 0, 0, DPVS_CONN_F_SYNCED };
	struct dpvs_conn c = sample_conn();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_conn(&w, &c);
	assert_memory_equal(w.data, want, sizeof(want));
	assert_memory_equal(w.data + 100, "ESTABLISHED\0\0\0\0\0", 16);
	assert_memory_equal(w.data + 116, tail, sizeof(tail));
	wb_free(&w);
}

static void test_conn_longest_state_name_round_trip(void **state)
{
	struct dpvs_conn c = sample_conn(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(c.state_name, 'S', sizeof(c.state_name) - 1);
	c.state_name[sizeof(c.state_name) - 1] = '\0';
	wb_init(&w);
	wire_enc_conn(&w, &c);
	assert_int_equal(w.len, WIRE_CONN_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_conn(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.state_name, c.state_name);
	assert_int_equal(back.lcore, 4);
	wb_free(&w);
}

static void test_timeouts_round_trip_and_bytes(void **state)
{
	static const uint8_t want[WIRE_TIMEOUTS_REC_LEN] = {
		0, 0, 0x03, 0x84, /* tcp 900 */
		0, 0, 0, 120,     /* tcp_fin */
		0xff, 0xff, 0xff, 0xff,
	};
	struct dpvs_timeouts t = { .tcp = 900, .tcp_fin = 120,
				   .udp = 0xffffffff };
	struct dpvs_timeouts back = { 0, 0, 0 };
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_timeouts(&w, &t);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_TIMEOUTS_REC_LEN);
	assert_memory_equal(w.data, want, sizeof(want));
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_timeouts(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.tcp, 900);
	assert_int_equal(back.tcp_fin, 120);
	assert_int_equal(back.udp, 0xffffffff);
	wb_free(&w);
}

static void test_lb_decoders_on_truncated_input_return_eproto(void **state)
{
	struct dpvs_service s = sample_svc();
	struct dpvs_dest d = sample_dest();
	struct dpvs_laddr l = sample_laddr();
	struct dpvs_conn c = sample_conn();
	struct dpvs_timeouts t = { .tcp = 1, .tcp_fin = 2, .udp = 3 };

	(void)state;
	CHECK_TRUNCATED(struct dpvs_service, wire_enc_svc, wire_dec_svc, &s);
	CHECK_TRUNCATED(struct dpvs_dest, wire_enc_dest, wire_dec_dest, &d);
	CHECK_TRUNCATED(struct dpvs_laddr, wire_enc_laddr, wire_dec_laddr, &l);
	CHECK_TRUNCATED(struct dpvs_conn, wire_enc_conn, wire_dec_conn, &c);
	CHECK_TRUNCATED(struct dpvs_timeouts, wire_enc_timeouts,
			wire_dec_timeouts, &t);
}

/* A dest list: u32 count, then records that decode one after another. */
static void test_list_of_dests_decodes_in_sequence(void **state)
{
	struct dpvs_dest d = sample_dest(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wb_u32(&w, 5);
	for (uint16_t i = 0; i < 5; i++) {
		d.port = (uint16_t)(8000 + i);
		d.weight = i;
		wire_enc_dest(&w, &d);
	}
	assert_int_equal(w.len, 4 + 5 * WIRE_DEST_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(rb_u32(&r), 5);
	for (uint16_t i = 0; i < 5; i++) {
		assert_int_equal(wire_dec_dest(&r, &back), DPVS_OK);
		assert_int_equal(back.port, 8000 + i);
		assert_int_equal(back.weight, i);
		assert_true(back.stats.outbps == d.stats.outbps);
	}
	assert_true(rb_done(&r));
	wb_free(&w);
}

/* ---- version 5: IPv6 and NAT64 records ---- */

static const struct in6_addr vip6 = { { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 1 } } };
static const struct in6_addr rs6 = { { { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0,
					 0, 0, 0, 0, 0, 0, 0, 0x11 } } };

static void test_record_lengths_v5(void **state)
{
	(void)state;
	assert_int_equal(WIRE_SVC_KEY_LEN, 28);
	assert_int_equal(WIRE_SVC_REC_LEN, 140);
	assert_int_equal(WIRE_DEST_REC_LEN, 160);
	assert_int_equal(WIRE_LADDR_REC_LEN, 96);
	assert_int_equal(WIRE_CONN_REC_LEN, 128);
}

static void test_svc_v6_round_trip_prefix_length(void **state)
{
	struct dpvs_service s = sample_svc(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	s.af = AF_INET6;
	s.vip = 0;
	s.vip6 = vip6;
	s.netmask = 64;
	wb_init(&w);
	wire_enc_svc(&w, &s);
	assert_int_equal(w.len, WIRE_SVC_REC_LEN);
	assert_int_equal(w.data[4], WIRE_AF_INET6);
	assert_memory_equal(w.data + 8, &vip6, 16);
	/* the prefix length as it is, not byte-swapped like a netmask */
	assert_memory_equal(w.data + 52, "\0\0\0\x40", 4);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.af, AF_INET6);
	assert_memory_equal(&back.vip6, &vip6, 16);
	assert_int_equal(back.vip, 0);
	assert_int_equal(back.netmask, 64);
	assert_int_equal(back.vport, s.vport);
	CHECK_TRUNCATED(struct dpvs_service, wire_enc_svc, wire_dec_svc, &s);
	wb_free(&w);
}

/* NAT64: an IPv6 service's real server is IPv4; both families kept. */
static void test_dest_nat64_round_trip(void **state)
{
	struct dpvs_dest d = sample_dest(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	d.vaf = AF_INET6;
	d.vip = 0;
	d.vip6 = vip6;
	d.af = AF_INET;
	d.fwd = DPVS_FWD_FNAT;
	wb_init(&w);
	wire_enc_dest(&w, &d);
	assert_int_equal(w.len, WIRE_DEST_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_dest(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.vaf, AF_INET6);
	assert_memory_equal(&back.vip6, &vip6, 16);
	assert_int_equal(back.af, AF_INET);
	assert_int_equal(back.addr, d.addr);
	assert_int_equal(back.port, d.port);
	/* and a v6 server */
	d.af = AF_INET6;
	d.addr = 0;
	d.addr6 = rs6;
	wb_free(&w);
	wb_init(&w);
	wire_enc_dest(&w, &d);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_dest(&r, &back), DPVS_OK);
	assert_int_equal(back.af, AF_INET6);
	assert_memory_equal(&back.addr6, &rs6, 16);
	CHECK_TRUNCATED(struct dpvs_dest, wire_enc_dest, wire_dec_dest, &d);
	wb_free(&w);
}

static void test_laddr_v6_round_trip(void **state)
{
	struct dpvs_laddr l = sample_laddr(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	l.vaf = AF_INET6;
	l.vip6 = vip6;
	l.vip = 0;
	l.af = AF_INET6;
	l.addr6 = rs6;
	l.addr = 0;
	wb_init(&w);
	wire_enc_laddr(&w, &l);
	assert_int_equal(w.len, WIRE_LADDR_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_laddr(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.vaf, AF_INET6);
	assert_int_equal(back.af, AF_INET6);
	assert_memory_equal(&back.addr6, &rs6, 16);
	assert_string_equal(back.ifname, "dpdk1");
	CHECK_TRUNCATED(struct dpvs_laddr, wire_enc_laddr, wire_dec_laddr, &l);
	wb_free(&w);
}

static void test_conn_v6_and_nat64_round_trip(void **state)
{
	struct dpvs_conn c = sample_conn(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	c.caf = AF_INET6;
	c.caddr6 = rs6;
	c.vaddr6 = vip6;
	c.caddr = c.vaddr = 0;
	c.daf = AF_INET;         /* NAT64: the server's side stays v4 */
	wb_init(&w);
	wire_enc_conn(&w, &c);
	assert_int_equal(w.len, WIRE_CONN_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_conn(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.caf, AF_INET6);
	assert_int_equal(back.daf, AF_INET);
	assert_memory_equal(&back.caddr6, &rs6, 16);
	assert_memory_equal(&back.vaddr6, &vip6, 16);
	assert_int_equal(back.daddr, c.daddr);
	assert_int_equal(back.laddr, c.laddr);
	/* The client and the VIP of two families: malformed. */
	w.data[4 + WIRE_INET_LEN] = WIRE_AF_INET;
	memset(w.data + 4 + WIRE_INET_LEN + 8, 0, 12);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_conn(&r, &back), DPVS_EPROTO);
	wb_free(&w);
}

static void test_key_with_bad_inet_refused(void **state)
{
	struct dpvs_service s = sample_svc(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_svc(&w, &s);
	w.data[4] = 5;          /* af 5 */
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_EPROTO);
	w.data[4] = WIRE_AF_INET;
	w.data[23] = 1;         /* a v4 tail byte */
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_EPROTO);
	w.data[23] = 0;
	w.data[6] = 1;          /* pad */
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_EPROTO);
	w.data[6] = 0;
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_svc(&r, &back), DPVS_OK);
	wb_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svc_round_trip_and_record_len),
		cmocka_unit_test(test_svc_bytes_on_wire),
		cmocka_unit_test(test_svc_full_width_sched_round_trip),
		cmocka_unit_test(test_svc_unterminated_sched_stays_in_bounds),
		cmocka_unit_test(test_dest_round_trip_and_record_len),
		cmocka_unit_test(test_dest_bytes_on_wire),
		cmocka_unit_test(test_dest_negative_weight_keeps_its_sign),
		cmocka_unit_test(test_laddr_round_trip_and_record_len),
		cmocka_unit_test(test_laddr_bytes_on_wire),
		cmocka_unit_test(test_laddr_full_width_ifname_round_trip),
		cmocka_unit_test(test_conn_round_trip_and_record_len),
		cmocka_unit_test(test_conn_bytes_on_wire),
		cmocka_unit_test(test_conn_longest_state_name_round_trip),
		cmocka_unit_test(test_timeouts_round_trip_and_bytes),
		cmocka_unit_test(test_lb_decoders_on_truncated_input_return_eproto),
		cmocka_unit_test(test_list_of_dests_decodes_in_sequence),
		cmocka_unit_test(test_record_lengths_v5),
		cmocka_unit_test(test_svc_v6_round_trip_prefix_length),
		cmocka_unit_test(test_dest_nat64_round_trip),
		cmocka_unit_test(test_laddr_v6_round_trip),
		cmocka_unit_test(test_conn_v6_and_nat64_round_trip),
		cmocka_unit_test(test_key_with_bad_inet_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
