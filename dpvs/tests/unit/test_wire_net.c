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
	static const uint8_t want[12] = {
		10, 1, 2, 3,                 /* addr, network order */
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
	static const uint8_t want[20] = {
		192, 168, 0, 0,          /* prefix */
		16, 0, 0, 0,             /* plen + 3 pad */
		0, 0, 0, DPVS_RT_GATEWAY,/* type */
		10, 0, 0, 254,           /* gw */
		10, 0, 0, 1,             /* src */
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
	static const uint8_t want[20] = {
		10, 0, 0, 2,                   /* ip */
		0x02, 0, 0, 0, 0, 0x02, 0, 0,  /* mac + 2 pad */
		0, 0, 0, DPVS_NEIGH_STALE,     /* state */
		0xff, 0xff, 0xff, 0xfe,        /* age_s */
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
