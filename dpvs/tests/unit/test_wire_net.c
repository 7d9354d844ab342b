/*
 * Unit tests for the wire format's network-stack records
 * (dpvs/lib/wire.c): links, counters, addresses, routes, neighbours.
 */
#include "test_wire_util.h"

/* ---- network-stack records ---- */

static struct dpvs_link_info sample_link(void)
{
	struct dpvs_link_info l = {
		.name = "dpdk0",
		.kni_name = "dpdk0.kni",
		.driver = "net_af_packet",
		.port_id = 0x01020304,
		.mac = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xfe },
		.mtu = 1500,
		.flags = DPVS_LINK_UP | DPVS_LINK_KNI,
		.speed_mbps = 10000,
		.nrxq = 1,
		.ntxq = 2,
		.ipackets = 1,
		.opackets = 2,
		.ibytes = 3,
		.obytes = 4,
		.imissed = 5,
		.ierrors = 6,
		.oerrors = 7,
		.rx_nombuf = 8,
		.kni_to_kernel = 9,
		.kni_from_kernel = 10,
		.kni_dropped = 0xfffffffffffffff1ull,
	};
	return l;
}

static void test_link_round_trip_and_record_len(void **state)
{
	struct dpvs_link_info l = sample_link(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x77, sizeof(back));
	wb_init(&w);
	wire_enc_link(&w, &l);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_LINK_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_link(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.name, "dpdk0");
	assert_string_equal(back.kni_name, "dpdk0.kni");
	assert_string_equal(back.driver, "net_af_packet");
	assert_int_equal(back.port_id, l.port_id);
	assert_memory_equal(back.mac, l.mac, 6);
	assert_int_equal(back.mtu, l.mtu);
	assert_int_equal(back.flags, l.flags);
	assert_int_equal(back.speed_mbps, l.speed_mbps);
	assert_int_equal(back.nrxq, l.nrxq);
	assert_int_equal(back.ntxq, l.ntxq);
	assert_true(back.ipackets == l.ipackets);
	assert_true(back.opackets == l.opackets);
	assert_true(back.ibytes == l.ibytes);
	assert_true(back.obytes == l.obytes);
	assert_true(back.imissed == l.imissed);
	assert_true(back.ierrors == l.ierrors);
	assert_true(back.oerrors == l.oerrors);
	assert_true(back.rx_nombuf == l.rx_nombuf);
	assert_true(back.kni_to_kernel == l.kni_to_kernel);
	assert_true(back.kni_from_kernel == l.kni_from_kernel);
	assert_true(back.kni_dropped == l.kni_dropped);
	wb_free(&w);
}

static void test_link_field_offsets_on_wire(void **state)
{
	static const uint8_t mac_pad[8] = { 0x02, 0xaa, 0xbb, 0xcc,
					    0xdd, 0xfe, 0, 0 };
	struct dpvs_link_info l = sample_link();
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_link(&w, &l);
	assert_memory_equal(w.data, "dpdk0\0\0\0", 8);
	assert_memory_equal(w.data + 32, "dpdk0.kni\0", 10);
	assert_memory_equal(w.data + 64, "net_af_packet\0", 14);
	rb_init(&r, w.data, w.len);
	r.off = 96;
	assert_int_equal(rb_u32(&r), 0x01020304);      /* port */
	assert_memory_equal(w.data + 100, mac_pad, 8); /* mac + 2 pad */
	r.off = 108;
	assert_int_equal(rb_u32(&r), 1500);            /* mtu */
	r.off = 124;
	assert_int_equal(rb_u32(&r), 2);               /* ntxq */
	assert_true(rb_u64(&r) == 1);                  /* ipackets first */
	r.off = w.len - 8;
	assert_true(rb_u64(&r) == l.kni_dropped);      /* kni_dropped last */
	wb_free(&w);
}

static void test_link_full_width_strings_round_trip(void **state)
{
	struct dpvs_link_info l = sample_link(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(l.name, 'n', DPVS_IFNAME_MAX);
	l.name[DPVS_IFNAME_MAX] = '\0';
	memset(l.kni_name, 'k', DPVS_IFNAME_MAX);
	l.kni_name[DPVS_IFNAME_MAX] = '\0';
	memset(l.driver, 'd', DPVS_IFNAME_MAX);
	l.driver[DPVS_IFNAME_MAX] = '\0';
	wb_init(&w);
	wire_enc_link(&w, &l);
	assert_int_equal(w.len, WIRE_LINK_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_link(&r, &back), DPVS_OK);
	assert_string_equal(back.name, l.name);
	assert_string_equal(back.kni_name, l.kni_name);
	assert_string_equal(back.driver, l.driver);
	wb_free(&w);
}

static void test_counter_round_trip_and_record_len(void **state)
{
	struct dpvs_counter c = { .name = "kni_up_limited",
				  .value = 0x8000000000000001ull };
	struct dpvs_counter back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x11, sizeof(back));
	wb_init(&w);
	wire_enc_counter(&w, &c);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_COUNTER_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_counter(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.name, "kni_up_limited");
	assert_true(back.value == c.value);
	wb_free(&w);
}

static struct dpvs_addr sample_addr(void)
{
	struct dpvs_addr a = {
		.ifname = "dpdk0",
		.addr = ip_net(10, 1, 2, 3),
		.plen = 24,
		.flags = DPVS_ADDR_F_SAPOOL,
	};
	return a;
}

static void test_addr_round_trip_and_record_len(void **state)
{
	struct dpvs_addr a = sample_addr(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x22, sizeof(back));
	wb_init(&w);
	wire_enc_addr(&w, &a);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_ADDR_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_addr(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.ifname, "dpdk0");
	assert_int_equal(back.addr, a.addr);
	assert_int_equal(back.plen, 24);
	assert_int_equal(back.flags, DPVS_ADDR_F_SAPOOL);
	wb_free(&w);
}

static void test_addr_bytes_on_wire_in_network_order(void **state)
{
	static const uint8_t want[28] = {
		4, 0, 0, 0,                  /* inet: af 4 + 3 pad */
		10, 1, 2, 3,                 /* addr, network order */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* v4 tail */
		24, 0, 0, 0,                 /* plen + 3 pad */
		0, 0, 0, DPVS_ADDR_F_SAPOOL, /* flags */
	};
	struct dpvs_addr a = sample_addr();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_addr(&w, &a);
	assert_memory_equal(w.data, "dpdk0\0", 6);
	assert_memory_equal(w.data + 32, want, sizeof(want));
	wb_free(&w);
}

static struct dpvs_route sample_route(void)
{
	struct dpvs_route rt = {
		.ifname = "dpdk1",
		.prefix = ip_net(192, 168, 0, 0),
		.plen = 16,
		.type = DPVS_RT_GATEWAY,
		.gw = ip_net(10, 0, 0, 254),
		.src = ip_net(10, 0, 0, 1),
	};
	return rt;
}

static void test_route_round_trip_and_record_len(void **state)
{
	struct dpvs_route rt = sample_route(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x44, sizeof(back));
	wb_init(&w);
	wire_enc_route(&w, &rt);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_ROUTE_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_route(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.ifname, "dpdk1");
	assert_int_equal(back.prefix, rt.prefix);
	assert_int_equal(back.plen, 16);
	assert_int_equal(back.type, DPVS_RT_GATEWAY);
	assert_int_equal(back.gw, rt.gw);
	assert_int_equal(back.src, rt.src);
	wb_free(&w);
}

static void test_route_bytes_on_wire(void **state)
{
#define V4(a, b, c, d) 4, 0, 0, 0, a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	static const uint8_t want[68] = {
		V4(192, 168, 0, 0),      /* prefix */
		16, 0, 0, 0,             /* plen + 3 pad */
		0, 0, 0, DPVS_RT_GATEWAY,/* type */
		V4(10, 0, 0, 254),       /* gw */
		V4(10, 0, 0, 1),         /* src */
	};
	struct dpvs_route rt = sample_route();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_route(&w, &rt);
	assert_memory_equal(w.data, "dpdk1\0", 6);
	assert_memory_equal(w.data + 32, want, sizeof(want));
	wb_free(&w);
}

static struct dpvs_neigh sample_neigh(void)
{
	struct dpvs_neigh nb = {
		.ifname = "dpdk0",
		.ip = ip_net(10, 0, 0, 2),
		.mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
		.state = DPVS_NEIGH_STALE,
		.age_s = 0xfffffffe,
	};
	return nb;
}

static void test_neigh_round_trip_and_record_len(void **state)
{
	struct dpvs_neigh nb = sample_neigh(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	memset(&back, 0x66, sizeof(back));
	wb_init(&w);
	wire_enc_neigh(&w, &nb);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_NEIGH_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_neigh(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_string_equal(back.ifname, "dpdk0");
	assert_int_equal(back.ip, nb.ip);
	assert_memory_equal(back.mac, nb.mac, 6);
	assert_int_equal(back.state, DPVS_NEIGH_STALE);
	assert_int_equal(back.age_s, 0xfffffffe);
	wb_free(&w);
}

static void test_neigh_bytes_on_wire(void **state)
{
	static const uint8_t want[40] = {
		V4(10, 0, 0, 2),               /* ip */
		0x02, 0, 0, 0, 0, 0x02, 0, 0,  /* mac + 2 pad */
		0, 0, 0, DPVS_NEIGH_STALE,     /* state */
		0xff, 0xff, 0xff, 0xfe,        /* age_s */
		0, 0, 0, 0,                    /* flags */
	};
	struct dpvs_neigh nb = sample_neigh();
	struct wbuf w;

	(void)state;
	wb_init(&w);
	wire_enc_neigh(&w, &nb);
	assert_memory_equal(w.data + 32, want, sizeof(want));
	wb_free(&w);
}

static void test_net_decoders_on_truncated_input_return_eproto(void **state)
{
	struct dpvs_link_info l = sample_link();
	struct dpvs_counter c = { .name = "rx_packets", .value = 1 };
	struct dpvs_addr a = sample_addr();
	struct dpvs_route rt = sample_route();
	struct dpvs_neigh nb = sample_neigh();

	(void)state;
	CHECK_TRUNCATED(struct dpvs_link_info, wire_enc_link, wire_dec_link,
			&l);
	CHECK_TRUNCATED(struct dpvs_counter, wire_enc_counter,
			wire_dec_counter, &c);
	CHECK_TRUNCATED(struct dpvs_addr, wire_enc_addr, wire_dec_addr, &a);
	CHECK_TRUNCATED(struct dpvs_route, wire_enc_route, wire_dec_route,
			&rt);
	CHECK_TRUNCATED(struct dpvs_neigh, wire_enc_neigh, wire_dec_neigh,
			&nb);
}

static void test_list_of_routes_decodes_in_sequence(void **state)
{
	struct dpvs_route rt = sample_route(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wb_u32(&w, 4);
	for (uint8_t i = 0; i < 4; i++) {
		rt.plen = (uint8_t)(i * 8);
		wire_enc_route(&w, &rt);
	}
	assert_int_equal(w.len, 4 + 4 * WIRE_ROUTE_REC_LEN);
	rb_init(&r, w.data, w.len);
	assert_int_equal(rb_u32(&r), 4);
	for (uint8_t i = 0; i < 4; i++) {
		assert_int_equal(wire_dec_route(&r, &back), DPVS_OK);
		assert_int_equal(back.plen, i * 8);
		assert_int_equal(back.gw, rt.gw);
	}
	assert_true(rb_done(&r));
	wb_free(&w);
}

/* ---- version 5: addresses of both families ---- */

static const struct in6_addr db8_1 = { { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					   0, 0, 0, 0, 0, 0, 0, 1 } } };
static const struct in6_addr db8_5 = { { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					   0, 0, 0, 0, 0, 0, 0, 5 } } };

static void test_inet_v6_bytes_and_back(void **state)
{
	struct wbuf w;
	struct rbuf r;
	struct in6_addr v6;
	uint32_t v4 = 1;
	uint8_t af = 0;

	(void)state;
	wb_init(&w);
	wire_enc_inet(&w, AF_INET6, 0, &db8_1);
	assert_int_equal(w.len, WIRE_INET_LEN);
	assert_memory_equal(w.data, "\x06\0\0\0", 4);
	assert_memory_equal(w.data + 4, &db8_1, 16);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_inet(&r, &af, &v4, &v6), DPVS_OK);
	assert_int_equal(af, AF_INET6);
	assert_int_equal(v4, 0);
	assert_memory_equal(&v6, &db8_1, 16);
	assert_true(rb_done(&r));
	wb_free(&w);
}

/* A zeroed struct of a v4-only caller (af 0) is IPv4 on the wire. */
static void test_inet_af_zero_is_v4(void **state)
{
	struct dpvs_addr a = sample_addr(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	a.af = 0;
	wb_init(&w);
	wire_enc_addr(&w, &a);
	assert_int_equal(w.data[32], WIRE_AF_INET);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_addr(&r, &back), DPVS_OK);
	assert_int_equal(back.af, AF_INET);
	assert_int_equal(back.addr, a.addr);
	wb_free(&w);
}

/* Decodes 20 bytes after changing byte at to val: must be refused. */
static void expect_inet_refused(int at, uint8_t val)
{
	struct wbuf w;
	struct rbuf r;
	struct in6_addr v6;
	uint32_t v4;
	uint8_t af;

	wb_init(&w);
	wire_enc_inet(&w, AF_INET, ip_net(10, 0, 0, 1), &db8_1);
	w.data[at] = val;
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_inet(&r, &af, &v4, &v6), DPVS_EPROTO);
	assert_true(r.err);
	wb_free(&w);
}

static void test_inet_bad_af_pad_tail_refused(void **state)
{
	(void)state;
	expect_inet_refused(0, 5);      /* af 5 */
	expect_inet_refused(0, 0);      /* af 0 */
	expect_inet_refused(0, AF_INET);  /* the OS's numbers are not the wire's */
	expect_inet_refused(0, AF_INET6);
	for (int i = 1; i < 4; i++)
		expect_inet_refused(i, 1);  /* pad */
	for (int i = 8; i < 20; i++)
		expect_inet_refused(i, 0x80); /* v4 tail */
}

static void test_inet_short_refused(void **state)
{
	struct wbuf w;
	struct in6_addr v6;
	uint32_t v4;
	uint8_t af;

	(void)state;
	wb_init(&w);
	wire_enc_inet(&w, AF_INET6, 0, &db8_1);
	for (size_t cut = 0; cut < WIRE_INET_LEN; cut++) {
		struct rbuf r;

		rb_init(&r, w.data, cut);
		assert_int_equal(wire_dec_inet(&r, &af, &v4, &v6), DPVS_EPROTO);
	}
	wb_free(&w);
}

static void test_addr_v6_round_trip(void **state)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .af = AF_INET6, .addr6 = db8_1,
			       .plen = 64, .flags = DPVS_ADDR_F_NODAD |
			       DPVS_ADDR_F_DADFAILED }, back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_addr(&w, &a);
	assert_int_equal(w.len, WIRE_ADDR_REC_LEN);
	assert_int_equal(WIRE_ADDR_REC_LEN, 60);
	assert_int_equal(w.data[32], WIRE_AF_INET6);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_addr(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.af, AF_INET6);
	assert_memory_equal(&back.addr6, &db8_1, 16);
	assert_int_equal(back.addr, 0);
	assert_int_equal(back.plen, 64);
	assert_int_equal(back.flags, a.flags);
	CHECK_TRUNCATED(struct dpvs_addr, wire_enc_addr, wire_dec_addr, &a);
	wb_free(&w);
}

static void test_route_v6_round_trip(void **state)
{
	struct dpvs_route rt = { .ifname = "dpdk0", .af = AF_INET6,
				 .prefix6 = db8_1, .plen = 48,
				 .type = DPVS_RT_GATEWAY, .gw6 = db8_5 }, back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_route(&w, &rt);
	assert_int_equal(w.len, WIRE_ROUTE_REC_LEN);
	assert_int_equal(WIRE_ROUTE_REC_LEN, 100);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_route(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.af, AF_INET6);
	assert_memory_equal(&back.prefix6, &db8_1, 16);
	assert_memory_equal(&back.gw6, &db8_5, 16);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&back.src6));
	assert_int_equal(back.plen, 48);
	assert_int_equal(back.type, DPVS_RT_GATEWAY);
	/* A v4 gateway in a v6 route is malformed. */
	w.data[32 + WIRE_INET_LEN + 8] = WIRE_AF_INET;
	memset(w.data + 32 + WIRE_INET_LEN + 8 + 8, 0, 12);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_route(&r, &back), DPVS_EPROTO);
	wb_free(&w);
}

static void test_neigh_v6_round_trip(void **state)
{
	struct dpvs_neigh nb = { .ifname = "dpdk1", .af = AF_INET6, .ip6 = db8_5,
				 .mac = { 2, 0, 0, 0, 0, 5 },
				 .state = DPVS_NEIGH_REACHABLE, .age_s = 7,
				 .flags = DPVS_NEIGH_F_ROUTER }, back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_neigh(&w, &nb);
	assert_int_equal(w.len, WIRE_NEIGH_REC_LEN);
	assert_int_equal(WIRE_NEIGH_REC_LEN, 72);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_neigh(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.af, AF_INET6);
	assert_memory_equal(&back.ip6, &db8_5, 16);
	assert_memory_equal(back.mac, nb.mac, 6);
	assert_int_equal(back.flags, DPVS_NEIGH_F_ROUTER);
	assert_int_equal(back.age_s, 7);
	CHECK_TRUNCATED(struct dpvs_neigh, wire_enc_neigh, wire_dec_neigh, &nb);
	wb_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_round_trip_and_record_len),
		cmocka_unit_test(test_link_field_offsets_on_wire),
		cmocka_unit_test(test_link_full_width_strings_round_trip),
		cmocka_unit_test(test_counter_round_trip_and_record_len),
		cmocka_unit_test(test_addr_round_trip_and_record_len),
		cmocka_unit_test(test_addr_bytes_on_wire_in_network_order),
		cmocka_unit_test(test_route_round_trip_and_record_len),
		cmocka_unit_test(test_route_bytes_on_wire),
		cmocka_unit_test(test_neigh_round_trip_and_record_len),
		cmocka_unit_test(test_neigh_bytes_on_wire),
		cmocka_unit_test(test_net_decoders_on_truncated_input_return_eproto),
		cmocka_unit_test(test_list_of_routes_decodes_in_sequence),
		cmocka_unit_test(test_inet_v6_bytes_and_back),
		cmocka_unit_test(test_inet_af_zero_is_v4),
		cmocka_unit_test(test_inet_bad_af_pad_tail_refused),
		cmocka_unit_test(test_inet_short_refused),
		cmocka_unit_test(test_addr_v6_round_trip),
		cmocka_unit_test(test_route_v6_round_trip),
		cmocka_unit_test(test_neigh_v6_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
