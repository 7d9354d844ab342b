/* Unit tests for the HA records (dpvs/lib/wire_ha.c). */
#include "test_wire_util.h"

static struct dpvs_sync_conf sample_conf(void)
{
	struct dpvs_sync_conf c = {
		.roles = DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP,
		.syncid = 51, .ttl = 2, .port = 8848, .maxlen = 1472,
		.ifname = "dpdk0.kni",
		.group = 0xe0000051u, .peer = 0x0a00000cu,
		.key_len = 40,
	};

	for (unsigned i = 0; i < DPVS_SYNC_KEY_MAX; i++)
		c.key[i] = (uint8_t)(0xa0 + i);
	return c;
}

static void test_sync_conf_round_trip(void **state)
{
	struct dpvs_sync_conf c = sample_conf(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_sync_conf(&w, &c);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_SYNC_CONF_LEN);
	/* Only key_len bytes of the key travel; the rest are zeroes. */
	assert_int_equal(w.data[w.len - DPVS_SYNC_KEY_MAX + 39], 0xa0 + 39);
	assert_int_equal(w.data[w.len - DPVS_SYNC_KEY_MAX + 40], 0);
	memset(&back, 0x5a, sizeof(back));
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_sync_conf(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.roles, 3);
	assert_int_equal(back.syncid, 51);
	assert_int_equal(back.ttl, 2);
	assert_int_equal(back.port, 8848);
	assert_int_equal(back.maxlen, 1472);
	assert_string_equal(back.ifname, "dpdk0.kni");
	assert_int_equal(back.group, 0xe0000051u);
	assert_int_equal(back.peer, 0x0a00000cu);
	assert_int_equal(back.key_len, 40);
	assert_memory_equal(back.key, c.key, 40);
	for (unsigned i = 40; i < DPVS_SYNC_KEY_MAX; i++)
		assert_int_equal(back.key[i], 0);
	/* Host-order addresses go big-endian, like every integer. */
	assert_int_equal(w.data[12 + WIRE_NAME_STR], 0xe0);
	assert_int_equal(w.data[12 + WIRE_NAME_STR + 3], 0x51);
	wb_free(&w);
	CHECK_TRUNCATED(struct dpvs_sync_conf, wire_enc_sync_conf,
			wire_dec_sync_conf, &c);
}

/* Re-encodes c with one field overwritten on the wire. */
static int dec_patched(const struct dpvs_sync_conf *c, size_t off,
		       const uint8_t *bytes, size_t n, struct dpvs_sync_conf *out)
{
	struct wbuf w;
	struct rbuf r;
	int rc;

	wb_init(&w);
	wire_enc_sync_conf(&w, c);
	memcpy(w.data + off, bytes, n);
	rb_init(&r, w.data, w.len);
	rc = wire_dec_sync_conf(&r, out);
	wb_free(&w);
	return rc;
}

static void test_sync_conf_refuses_bad_fields(void **state)
{
	struct dpvs_sync_conf c = sample_conf(), back;
	const size_t klen_at = 12 + WIRE_NAME_STR + 8;
	uint8_t name[WIRE_NAME_STR], v[4];

	(void)state;
	/* key_len over the field: refused, and no key bytes left behind. */
	memcpy(v, (uint8_t[]){ 0, 0, 0, 65 }, 4);
	assert_int_equal(dec_patched(&c, klen_at, v, 4, &back), DPVS_EPROTO);
	for (unsigned i = 0; i < DPVS_SYNC_KEY_MAX; i++)
		assert_int_equal(back.key[i], 0);
	memcpy(v, (uint8_t[]){ 0x80, 0, 0, 32 }, 4);
	assert_int_equal(dec_patched(&c, klen_at, v, 4, &back), DPVS_EPROTO);
	memcpy(v, (uint8_t[]){ 0, 0, 0, 64 }, 4);
	assert_int_equal(dec_patched(&c, klen_at, v, 4, &back), DPVS_OK);
	assert_int_equal(back.key_len, 64);
	/* Short keys decode: the handler says what is wrong with them. */
	memcpy(v, (uint8_t[]){ 0, 0, 0, 0 }, 4);
	assert_int_equal(dec_patched(&c, klen_at, v, 4, &back), DPVS_OK);
	/* An interface name field without its NUL. */
	memset(name, 'e', sizeof(name));
	assert_int_equal(dec_patched(&c, 12, name, sizeof(name), &back),
			 DPVS_EPROTO);
	name[WIRE_NAME_STR - 1] = '\0';
	assert_int_equal(dec_patched(&c, 12, name, sizeof(name), &back), DPVS_OK);
	assert_int_equal(strlen(back.ifname), WIRE_NAME_STR - 1);
	/* One byte too many is the caller's to refuse (rb_done). */
	{
		struct wbuf w;
		struct rbuf r;

		wb_init(&w);
		wire_enc_sync_conf(&w, &c);
		wb_u8(&w, 0);
		rb_init(&r, w.data, w.len);
		assert_int_equal(wire_dec_sync_conf(&r, &back), DPVS_OK);
		assert_false(rb_done(&r));
		wb_free(&w);
	}
}

static struct dpvs_sync_state sample_state(void)
{
	struct dpvs_sync_state s = {
		.roles = DPVS_SYNC_BACKUP, .bulk = DPVS_BULK_READY,
		.conf = sample_conf(), .key_fp = "3f9a12c0",
		.sender_id = 0x1122334455667788ull,
		.peer_sender_id = 0x9c3e71d04a5b2f18ull,
		.peer_addr = 0x0a00000bu, .last_rx_ms = 40,
		.bulk_conns = 12480, .bulk_ms = 210, .synced_conns = 391,
	};
	uint64_t *c = &s.c.tx_msgs;

	/* Every counter distinct, in struct order. */
	for (unsigned i = 0; i < WIRE_SYNC_COUNTERS; i++)
		c[i] = 1000 + i * 1000003ull;
	return s;
}

static void test_sync_state_round_trip(void **state)
{
	struct dpvs_sync_state s = sample_state(), back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	_Static_assert(sizeof(struct dpvs_sync_counters) ==
		       WIRE_SYNC_COUNTERS * sizeof(uint64_t),
		       "a counter the wire does not carry");
	wb_init(&w);
	wire_enc_sync_state(&w, &s);
	assert_false(w.err);
	assert_int_equal(w.len, WIRE_SYNC_STATE_LEN);
	memset(&back, 0x5a, sizeof(back));
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_sync_state(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.roles, DPVS_SYNC_BACKUP);
	assert_int_equal(back.bulk, DPVS_BULK_READY);
	assert_string_equal(back.conf.ifname, "dpdk0.kni");
	assert_int_equal(back.conf.key_len, 40);
	assert_string_equal(back.key_fp, "3f9a12c0");
	assert_true(back.sender_id == s.sender_id);
	assert_true(back.peer_sender_id == s.peer_sender_id);
	assert_int_equal(back.peer_addr, s.peer_addr);
	assert_true(back.last_rx_ms == 40);
	assert_true(back.bulk_conns == 12480);
	assert_int_equal(back.bulk_ms, 210);
	assert_int_equal(back.synced_conns, 391);
	assert_memory_equal(&back.c, &s.c, sizeof(s.c));
	/* The state never carries the key, whatever the daemon held. */
	for (unsigned i = 0; i < DPVS_SYNC_KEY_MAX; i++)
		assert_int_equal(back.conf.key[i], 0);
	for (size_t i = 0; i + 4 <= w.len; i++)
		assert_false(memcmp(w.data + i, s.conf.key + 8, 4) == 0);
	wb_free(&w);
	s.last_rx_ms = UINT64_MAX;
	wb_init(&w);
	wire_enc_sync_state(&w, &s);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_sync_state(&r, &back), DPVS_OK);
	assert_true(back.last_rx_ms == UINT64_MAX);
	wb_free(&w);
	CHECK_TRUNCATED(struct dpvs_sync_state, wire_enc_sync_state,
			wire_dec_sync_state, &s);
}

static void test_ha_state_round_trip(void **state)
{
	struct dpvs_ha_state s = {
		.held = 1, .ms_left = 280, .holder_pid = 4211, .ha_addrs = 4,
		.leased_addrs = 2, .taken = 7, .lost = 3, .released = 4,
	}, back;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	wire_enc_ha_state(&w, &s);
	assert_int_equal(w.len, WIRE_HA_STATE_LEN);
	memset(&back, 0x5a, sizeof(back));
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_ha_state(&r, &back), DPVS_OK);
	assert_true(rb_done(&r));
	assert_int_equal(back.held, 1);
	assert_int_equal(back.ms_left, 280);
	assert_int_equal(back.holder_pid, 4211);
	assert_int_equal(back.ha_addrs, 4);
	assert_int_equal(back.leased_addrs, 2);
	assert_true(back.taken == 7 && back.lost == 3 && back.released == 4);
	wb_free(&w);
	CHECK_TRUNCATED(struct dpvs_ha_state, wire_enc_ha_state,
			wire_dec_ha_state, &s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_conf_round_trip),
		cmocka_unit_test(test_sync_conf_refuses_bad_fields),
		cmocka_unit_test(test_sync_state_round_trip),
		cmocka_unit_test(test_ha_state_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
