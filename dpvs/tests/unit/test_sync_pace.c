/*
 * The sync engine's pure decisions (ha/sync_pace.c) on a fake clock:
 * the datagram rate, when a batch leaves, when a BACKUP's bulk is
 * complete (and when it asks again or gives up), the master's bulk gate
 * and the pacing of log lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ha/sync_pace.h"

#define S 1000000ull  /* a second in us */

static void test_bucket_rate_and_burst(void **state)
{
	struct sync_bucket b;
	uint64_t t = 5 * S, sent = 0;

	(void)state;
	sync_bucket_init(&b, 20000, t);
	/* A full bucket is 20 ms of the rate (+1): a batch, not a flood. */
	assert_int_equal(sync_bucket_avail(&b, t), 401);
	sync_bucket_take(&b, 401);
	assert_int_equal(sync_bucket_avail(&b, t), 0);
	/* Over 10 s, taking all each 100 us, the rate holds within one burst. */
	for (uint64_t now = t; now < t + 10 * S; now += 100) {
		uint32_t n = sync_bucket_avail(&b, now);

		sync_bucket_take(&b, n);
		sent += n;
	}
	assert_in_range(sent, 199000, 200401);
	/* A long silence refills one burst, not ten seconds' worth. */
	assert_int_equal(sync_bucket_avail(&b, t + 100 * S), 401);
}

static void test_bucket_low_rate_and_change(void **state)
{
	struct sync_bucket b;

	(void)state;
	sync_bucket_init(&b, 100, S);
	assert_int_equal(sync_bucket_avail(&b, S), 3);
	sync_bucket_take(&b, 3);
	assert_int_equal(sync_bucket_avail(&b, S + 9999), 0);
	assert_int_equal(sync_bucket_avail(&b, S + 10000), 1);
	/* Lowering the rate also lowers what is stored. */
	sync_bucket_init(&b, 1000000, S);
	sync_bucket_set_rate(&b, 100);
	assert_int_equal(sync_bucket_avail(&b, S), 3);
	/* Taking more than is there leaves zero, never a wrap. */
	sync_bucket_take(&b, 10);
	assert_int_equal(sync_bucket_avail(&b, S), 0);
}

static void test_batch_due(void **state)
{
	(void)state;
	assert_false(sync_batch_due(0, 35, 100, 5000, 10));
	assert_false(sync_batch_due(1, 35, 100, 109, 10));
	assert_true(sync_batch_due(1, 35, 100, 110, 10));
	assert_true(sync_batch_due(35, 35, 100, 100, 10));
}

static void test_bulk_complete_waits_for_installers(void **state)
{
	struct sync_bulk_rx b = { 0 };

	(void)state;
	assert_int_equal(sync_bulk_rx_start(&b, 1000), SYNC_BULK_SEND_REQ);
	assert_int_equal(b.phase, HA_BULK_REQUESTING);
	for (int i = 0; i < 100; i++)
		sync_bulk_rx_record(&b, true);
	assert_int_equal(b.phase, HA_BULK_RECEIVING);
	/* The count matches; ready once the installers processed up to 150. */
	assert_int_equal(sync_bulk_rx_end(&b, 100, 150, 1200), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 149, 1300), 0);
	assert_int_equal(b.phase, HA_BULK_RECEIVING);
	assert_int_equal(sync_bulk_rx_tick(&b, 150, 1400), SYNC_BULK_NOW_READY);
	assert_int_equal(b.phase, HA_BULK_READY);
	assert_int_equal(b.done_recs, 100);
	assert_int_equal(b.done_ms, 400);
	/* Bulk records of another BACKUP's bulk change nothing. */
	sync_bulk_rx_record(&b, false);
	assert_int_equal(sync_bulk_rx_end(&b, 7, 0, 1500), 0);
	assert_int_equal(b.phase, HA_BULK_READY);
}

/* A counter reset during the bulk: idle installers mean done. */
static void test_bulk_ready_when_installers_idle(void **state)
{
	struct sync_bulk_rx b = { 0 };

	(void)state;
	sync_bulk_rx_start(&b, 1000);
	sync_bulk_rx_record(&b, true);
	assert_int_equal(sync_bulk_rx_end(&b, 1, 500, 1100), 0);
	/* Still moving: not yet. */
	assert_int_equal(sync_bulk_rx_tick(&b, 10, 1200), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 11, 2100), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 11, 3099), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 11, 3100), SYNC_BULK_NOW_READY);
	assert_int_equal(b.phase, HA_BULK_READY);
}

static void test_bulk_empty_master(void **state)
{
	struct sync_bulk_rx b = { 0 };

	(void)state;
	sync_bulk_rx_start(&b, 1000);
	assert_int_equal(sync_bulk_rx_end(&b, 0, 0, 1001), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 1002), SYNC_BULK_NOW_READY);
}

static void test_bulk_asks_every_second_until_something_comes(void **state)
{
	struct sync_bulk_rx b = { 0 };

	(void)state;
	sync_bulk_rx_start(&b, 1000);
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 1999), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 2000), SYNC_BULK_SEND_REQ);
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 2500), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 3000), SYNC_BULK_SEND_REQ);
	sync_bulk_rx_record(&b, true);
	/* Receiving: no more requests. */
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 9000), 0);
}

static void test_bulk_loss_retries_then_gives_up(void **state)
{
	struct sync_bulk_rx b = { 0 };

	(void)state;
	sync_bulk_rx_start(&b, 1000);
	/* A datagram lost on the way: again. */
	sync_bulk_rx_record(&b, true);
	assert_int_equal(sync_bulk_rx_end(&b, 2, 1, 1100), SYNC_BULK_SEND_REQ);
	assert_int_equal(b.tries, 2);
	assert_int_equal(b.phase, HA_BULK_REQUESTING);
	/* An installer ring overflowed: again, even though the count matches. */
	sync_bulk_rx_record(&b, true);
	sync_bulk_rx_record(&b, false);
	assert_int_equal(sync_bulk_rx_end(&b, 2, 2, 1200), SYNC_BULK_SEND_REQ);
	assert_int_equal(b.tries, 3);
	/* The third failure: ready, with a warning. */
	sync_bulk_rx_record(&b, true);
	assert_int_equal(sync_bulk_rx_end(&b, 5, 3, 1300),
			 SYNC_BULK_NOW_READY | SYNC_BULK_INCOMPLETE);
	assert_int_equal(b.phase, HA_BULK_READY);
	assert_int_equal(b.done_recs, 1);
}

static void test_bulk_gives_up_after_30_s(void **state)
{
	struct sync_bulk_rx b = { 0 };

	(void)state;
	sync_bulk_rx_start(&b, 1000);
	sync_bulk_rx_record(&b, true);
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 30999), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 31000),
			 SYNC_BULK_NOW_READY | SYNC_BULK_INCOMPLETE);
	/* A restart (sync_bulk_rx_start) begins again. */
	assert_int_equal(sync_bulk_rx_start(&b, 40000), SYNC_BULK_SEND_REQ);
	assert_int_equal(b.tries, 1);
	assert_int_equal(b.phase, HA_BULK_REQUESTING);
}

/* A complete bulk that met no services here (a restarted dpvs before the
 * checker's push) is not the table: asked for again, bounded. */
static void test_bulk_refused_asks_again(void **state)
{
	struct sync_bulk_rx b = { 0 };

	(void)state;
	sync_bulk_rx_start(&b, 1000);
	sync_bulk_rx_record(&b, true);
	assert_int_equal(sync_bulk_rx_end(&b, 1, 1, 1010), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 1, 1020), SYNC_BULK_NOW_READY);
	assert_int_equal(sync_bulk_rx_refused(&b, 1020), 0);
	assert_int_equal(b.phase, HA_BULK_REQUESTING);
	assert_int_equal(sync_bulk_rx_tick(&b, 1, 2019), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 1, 2020), SYNC_BULK_SEND_REQ);
	/* The master's next bulk, taken this time. */
	sync_bulk_rx_record(&b, true);
	assert_int_equal(sync_bulk_rx_end(&b, 1, 2, 6100), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 2, 6110), SYNC_BULK_NOW_READY);
	assert_int_equal(b.phase, HA_BULK_READY);
	/* Refused past the give-up: ready without a complete bulk. */
	sync_bulk_rx_start(&b, 40000);
	assert_int_equal(sync_bulk_rx_end(&b, 0, 0, 69000), 0);
	assert_int_equal(sync_bulk_rx_tick(&b, 0, 70000), SYNC_BULK_NOW_READY);
	assert_int_equal(sync_bulk_rx_refused(&b, 70000),
			 SYNC_BULK_NOW_READY | SYNC_BULK_INCOMPLETE);
	assert_int_equal(b.phase, HA_BULK_READY);
	/* Nothing to take back once READY was settled by a later event. */
	assert_int_equal(sync_bulk_rx_refused(&(struct sync_bulk_rx){ 0 }, 1), 0);
}

static void test_gate_one_start_per_5_s_per_requester(void **state)
{
	struct sync_bulk_gate g = { 0 };

	(void)state;
	assert_true(sync_bulk_gate_pass(&g, 0xaa, 10000));
	assert_false(sync_bulk_gate_pass(&g, 0xaa, 14999));
	assert_true(sync_bulk_gate_pass(&g, 0xbb, 14999));
	assert_true(sync_bulk_gate_pass(&g, 0xaa, 15000));
	/* Many requesters: a replayed one is still held, the table never grows. */
	for (uint64_t id = 1; id <= 3 * SYNC_BULK_REQUESTERS; id++)
		assert_true(sync_bulk_gate_pass(&g, 0x1000 + id, 20000 + id));
	assert_false(sync_bulk_gate_pass(&g, 0x1000 + 3 * SYNC_BULK_REQUESTERS,
					 21000));
}

static void test_ratelog_once_per_10_s(void **state)
{
	struct sync_ratelog r = { 0 };

	(void)state;
	assert_int_equal(sync_ratelog_due(&r, 5000), 0);
	sync_ratelog_note(&r, 1);
	/* The first is told at once. */
	assert_int_equal(sync_ratelog_due(&r, 5000), 1);
	for (int i = 0; i < 412; i++)
		sync_ratelog_note(&r, 2);
	assert_int_equal(sync_ratelog_due(&r, 14999), 0);
	assert_int_equal(sync_ratelog_due(&r, 15000), 412);
	assert_int_equal(r.addr, 2);
	assert_int_equal(sync_ratelog_due(&r, 90000), 0);
}

/*
 * The bulk page's room: never more datagrams than tokens, whatever the
 * families of the conns the walk meets; and never stuck below a full
 * batch (a v1 batch of 34 still takes the one conn that fills it).
 */
static void test_bulk_room_mixed_families(void **state)
{
	(void)state;
	/* v1 only: as before v2 existed. */
	assert_int_equal(sync_bulk_room(3, 0, 0, 35, 0), 105);
	assert_int_equal(sync_bulk_room(3, 30, 0, 35, 0), 75);
	assert_int_equal(sync_bulk_room(0, 0, 0, 35, 0), 0);
	/* Every k up to the room is safe for every split of v1 and v2. */
	for (unsigned t = 0; t <= 4; t++)
		for (unsigned n = 0; n < 35; n += 3)
			for (unsigned n6 = 0; n6 < 15; n6 += 2) {
				unsigned room = sync_bulk_room(t, n, n6, 35, 15);

				for (unsigned a = 0; a <= room; a++) {
					unsigned d = (n + a) / 35 +
						     (n6 + room - a) / 15;

					assert_true(d <= t);
				}
				/* One more could overflow, for some split. */
				if (t) {
					unsigned worst = 0;

					for (unsigned a = 0; a <= room + 1; a++) {
						unsigned d = (n + a) / 35 +
							     (n6 + room + 1 - a) / 15;

						worst = d > worst ? d : worst;
					}
					assert_true(worst > t);
				}
				/* A token always lets one more conn in. */
				if (t >= 1)
					assert_true(room >= 1);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_rate_and_burst),
		cmocka_unit_test(test_bucket_low_rate_and_change),
		cmocka_unit_test(test_batch_due),
		cmocka_unit_test(test_bulk_complete_waits_for_installers),
		cmocka_unit_test(test_bulk_ready_when_installers_idle),
		cmocka_unit_test(test_bulk_empty_master),
		cmocka_unit_test(test_bulk_asks_every_second_until_something_comes),
		cmocka_unit_test(test_bulk_loss_retries_then_gives_up),
		cmocka_unit_test(test_bulk_gives_up_after_30_s),
		cmocka_unit_test(test_bulk_refused_asks_again),
		cmocka_unit_test(test_gate_one_start_per_5_s_per_requester),
		cmocka_unit_test(test_ratelog_once_per_10_s),
		cmocka_unit_test(test_bulk_room_mixed_families),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
