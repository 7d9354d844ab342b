/* Unit tests for the per-worker stats table (dpvs/lib/wire_stats.c). */
#include "test_wire_util.h"

/* ---- worker stats ---- */

static const char *const wnames[3] = { "rx_packets", "tx_packets",
				       "ipvs_conn_new" };

static void enc_wstats(struct wbuf *w, uint32_t nw)
{
	uint64_t vals[3];

	wire_enc_wstats_head(w, 131072, 77, 3, wnames);
	wb_u32(w, nw);
	for (uint32_t i = 0; i < nw; i++) {
		struct dpvs_worker_stats row = {
			.lcore_id = i + 1, .index = i, .conns = 10 + i,
			.conns_max = 5000,
			.msgs_handled = 100 + i, .counters = vals,
		};

		vals[0] = 1000 * (i + 1);
		vals[1] = 2000 * (i + 1);
		vals[2] = 3 + i;
		wire_enc_wstats_row(w, &row, 3);
	}
}

static void test_wstats_round_trip(void **state)
{
	struct dpvs_worker_stats_set *s;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	enc_wstats(&w, 2);
	assert_false(w.err);
	assert_int_equal(w.len, 12 + 3 * WIRE_COUNTER_STR + 4 +
			 2 * (WIRE_WSTATS_ROW_LEN + 24));
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_wstats(&r, &s), DPVS_OK);
	assert_int_equal(s->conn_pool_size, 131072);
	assert_int_equal(s->conn_pool_in_use, 77);
	assert_int_equal(s->ncounters, 3);
	assert_string_equal(s->names[2], "ipvs_conn_new");
	assert_int_equal(s->nworkers, 2);
	assert_int_equal(s->workers[1].lcore_id, 2);
	assert_int_equal(s->workers[1].index, 1);
	assert_int_equal(s->workers[1].conns, 11);
	assert_int_equal(s->workers[1].conns_max, 5000);
	assert_int_equal(s->workers[1].msgs_handled, 101);
	assert_int_equal(s->workers[0].counters[0], 1000);
	assert_int_equal(s->workers[1].counters[1], 4000);
	assert_int_equal(dpvs_worker_counter(s, &s->workers[1], "ipvs_conn_new"), 4);
	assert_int_equal(dpvs_worker_counter(s, &s->workers[1], "no_such"), 0);
	assert_true(((uintptr_t)s->workers & 7) == 0);
	free(s);
	wb_free(&w);
}

static void test_wstats_refuses_bad_lengths(void **state)
{
	struct dpvs_worker_stats_set *s = (void *)1;
	struct wbuf w;
	struct rbuf r;

	(void)state;
	wb_init(&w);
	enc_wstats(&w, 2);
	/* One byte short, one byte long, and every truncation. */
	for (size_t len = 0; len < w.len; len++) {
		rb_init(&r, w.data, len);
		assert_int_equal(wire_dec_wstats(&r, &s), DPVS_EPROTO);
		assert_null(s);
	}
	wb_u8(&w, 0);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_wstats(&r, &s), DPVS_EPROTO);
	wb_free(&w);
	/* A counter count beyond the limit is refused before allocating. */
	wb_init(&w);
	wb_u32(&w, 1);
	wb_u32(&w, 1);
	wb_u32(&w, WIRE_WSTATS_MAX_COUNTERS + 1);
	rb_init(&r, w.data, w.len);
	assert_int_equal(wire_dec_wstats(&r, &s), DPVS_EPROTO);
	wb_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wstats_round_trip),
		cmocka_unit_test(test_wstats_refuses_bad_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
