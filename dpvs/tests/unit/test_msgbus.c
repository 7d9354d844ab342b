/*
 * Message bus tests on a real EAL: four worker lcores mapped onto CPU 1
 * (--lcores '0@0,(1-4)@1'), so the multi-worker paths run on 2 CPUs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "core/conf.h"
#include "core/lcore.h"
#include "core/msgbus.h"

#define NWORKERS 4
#define T_ADD (MSG_TYPE_TEST_MIN + 0)   /* reply = request + lcore id */
#define T_SLOW (MSG_TYPE_TEST_MIN + 1)  /* sleeps req ms, then echoes */
#define T_FAIL (MSG_TYPE_TEST_MIN + 2)  /* returns -EPERM */
#define T_KICK (MSG_TYPE_TEST_MIN + 3)  /* worker sends T_NOTE to master */
#define T_NOTE (MSG_TYPE_TEST_MIN + 4)  /* master counts notes */
#define T_NONE (MSG_TYPE_TEST_MIN + 5)  /* registered on the master only */
#define T_OWN (MSG_TYPE_TEST_MIN + 6)   /* requests hold a reference */

static unsigned notes;

static int add_cb(const void *req, uint16_t len, void *reply, uint16_t *rlen)
{
	uint32_t v;

	if (len != sizeof(v))
		return -EINVAL;
	memcpy(&v, req, sizeof(v));
	v += rte_lcore_id();
	memcpy(reply, &v, sizeof(v));
	*rlen = sizeof(v);
	return 0;
}

static int slow_cb(const void *req, uint16_t len, void *reply, uint16_t *rlen)
{
	uint32_t ms;

	memcpy(&ms, req, sizeof(ms));
	usleep(ms * 1000);
	memcpy(reply, req, len);
	*rlen = len;
	return 0;
}

static int fail_cb(const void *req, uint16_t len, void *reply, uint16_t *rlen)
{
	(void)req, (void)len, (void)reply, (void)rlen;
	return -EPERM;
}

static int kick_cb(const void *req, uint16_t len, void *reply, uint16_t *rlen)
{
	(void)reply, (void)rlen;
	return msgbus_send_async(rte_get_main_lcore(), T_NOTE, req, len);
}

static int note_cb(const void *req, uint16_t len, void *reply, uint16_t *rlen)
{
	(void)req, (void)len, (void)reply, (void)rlen;
	notes++;
	return 0;
}

/* T_OWN: every request holds one reference, dropped by whoever gets it. */
static uint32_t own_refs;

static int own_cb(const void *req, uint16_t len, void *reply, uint16_t *rlen)
{
	(void)req, (void)len, (void)reply, (void)rlen;
	__atomic_sub_fetch(&own_refs, 1, __ATOMIC_RELAXED);
	return 0;
}

static void own_lost(const void *req, uint16_t len)
{
	(void)req, (void)len;
	__atomic_sub_fetch(&own_refs, 1, __ATOMIC_RELAXED);
}

static struct lcore_job bus_job = { .name = "msgbus", .fn = msgbus_job,
				    .kind = JOB_LOOP };

static int setup_bus(void **state)
{
	static struct dpvs_conf conf;
	struct msgbus_params p = { .ring_size = 1024, .pool_size = 2048,
				   .timeout_ms = 2000 };
	unsigned lc;

	(void)state;
	conf_defaults(&conf);
	conf.nworkers = NWORKERS;
	for (unsigned i = 0; i < NWORKERS; i++)
		conf.workers[i].lcore = i + 1;
	if (lcore_roles_init(&conf) < 0 || msgbus_init(&p) < 0)
		return -1;
	if (msgbus_register(MSGBUS_ALL_LCORES, T_ADD, "add", add_cb) ||
	    msgbus_register(MSGBUS_ALL_LCORES, T_SLOW, "slow", slow_cb) ||
	    msgbus_register(MSGBUS_ALL_LCORES, T_FAIL, "fail", fail_cb) ||
	    msgbus_register(MSGBUS_ALL_LCORES, T_KICK, "kick", kick_cb) ||
	    msgbus_register(rte_get_main_lcore(), T_NOTE, "note", note_cb) ||
	    msgbus_register(rte_get_main_lcore(), T_NONE, "none", note_cb) ||
	    msgbus_register(1, T_OWN, "own", own_cb) ||
	    msgbus_set_request_dtor(T_OWN, own_lost))
		return -1;
	lcore_job_register(&bus_job, ROLE_WORKER);
	lcore_set_idle(IDLE_SLEEP, 64, 50, 200);
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (rte_eal_remote_launch(lcore_main, NULL, lc) < 0)
			return -1;
	}
	return 0;
}

static int teardown_bus(void **state)
{
	(void)state;
	lcore_stop();
	rte_eal_mp_wait_lcore();
	msgbus_fini();
	return 0;
}

static const struct msgbus_type_stats *stats_of(uint16_t type)
{
	static struct msgbus_type_stats st[MSGBUS_MAX_TYPES];
	unsigned n = msgbus_stats(st, MSGBUS_MAX_TYPES);

	for (unsigned i = 0; i < n; i++)
		if (st[i].type == type)
			return &st[i];
	fail_msg("type %u has no stats", type);
	return NULL;
}

static void test_register_rejects(void **state)
{
	(void)state;
	assert_int_equal(msgbus_register(MSGBUS_ALL_LCORES, 0, "zero", add_cb),
			 -EINVAL);
	assert_int_equal(msgbus_register(MSGBUS_ALL_LCORES, MSGBUS_MAX_TYPES,
					 "big", add_cb), -EINVAL);
	assert_int_equal(msgbus_register(MSGBUS_ALL_LCORES, T_ADD, "other",
					 add_cb), -EEXIST);
	assert_int_equal(msgbus_register(1, T_ADD, "add", add_cb), -EEXIST);
}

static void test_unicast_sync_each_worker(void **state)
{
	(void)state;
	for (unsigned w = 1; w <= NWORKERS; w++) {
		uint32_t req = 1000 * w, rep = 0;
		uint16_t rlen = sizeof(rep);

		assert_int_equal(msgbus_send_sync(w, T_ADD, &req, sizeof(req),
						  &rep, &rlen), 0);
		assert_int_equal(rlen, sizeof(rep));
		assert_int_equal(rep, 1000 * w + w);
	}
}

struct sum {
	unsigned replies;
	uint64_t total;
	unsigned seen_mask;
};

static void sum_reply(void *arg, unsigned lcore, int rc, const void *data,
		      uint16_t len)
{
	struct sum *s = arg;
	uint32_t v;

	assert_int_equal(rc, 0);
	assert_int_equal(len, sizeof(v));
	memcpy(&v, data, sizeof(v));
	s->replies++;
	s->total += v;
	s->seen_mask |= 1u << lcore;
}

static void test_mcast_10000_none_dropped(void **state)
{
	const struct msgbus_type_stats *st;
	struct sum s = { 0 };
	uint64_t sent0;

	(void)state;
	sent0 = stats_of(T_ADD)->sent;
	for (uint32_t i = 0; i < 10000; i++) {
		unsigned n = 0;

		assert_int_equal(msgbus_mcast(T_ADD, &i, sizeof(i), sum_reply, &s,
					      &n), 0);
		assert_int_equal(n, NWORKERS);
	}
	assert_int_equal(s.replies, 10000 * NWORKERS);
	assert_int_equal(s.seen_mask, 0x1e); /* lcores 1..4 all answered */
	/* sum over i of (4*i + 1+2+3+4) */
	assert_true(s.total == 4ull * (9999ull * 10000 / 2) + 10ull * 10000);
	st = stats_of(T_ADD);
	assert_true(st->sent - sent0 == 40000);
	assert_true(st->dropped == 0 && st->timed_out == 0 && st->late == 0);
	assert_true(st->replied == st->sent && st->received == st->sent);
}

static void test_timeout_then_late_reply_not_misdelivered(void **state)
{
	uint32_t slow = 200, rep = 0, req = 7;
	uint16_t rlen = sizeof(rep);
	uint64_t late0 = stats_of(T_SLOW)->late;
	uint64_t t0;

	(void)state;
	msgbus_set_timeout(30);
	assert_int_equal(msgbus_send_sync(1, T_SLOW, &slow, sizeof(slow), &rep,
					  &rlen), -ETIMEDOUT);
	assert_true(stats_of(T_SLOW)->timed_out >= 1);
	msgbus_set_timeout(2000);
	/* The next request on the same type gets its own reply, not the late one. */
	rlen = sizeof(rep);
	assert_int_equal(msgbus_send_sync(1, T_SLOW, &req, sizeof(req), &rep,
					  &rlen), 0);
	assert_int_equal(rep, 7);
	t0 = rte_get_tsc_cycles();
	while (stats_of(T_SLOW)->late == late0 &&
	       rte_get_tsc_cycles() - t0 < rte_get_tsc_hz())
		msgbus_process();
	assert_true(stats_of(T_SLOW)->late == late0 + 1);
}

static void test_callback_error_propagates(void **state)
{
	uint32_t v = 1;
	unsigned n = 0;

	(void)state;
	assert_int_equal(msgbus_send_sync(2, T_FAIL, &v, sizeof(v), NULL, NULL),
			 -EPERM);
	assert_int_equal(msgbus_mcast(T_FAIL, &v, sizeof(v), NULL, NULL, &n),
			 -EPERM);
	assert_int_equal(n, NWORKERS);
	assert_true(stats_of(T_FAIL)->failed == 1 + NWORKERS);
}

static void test_unregistered_type_answers_enotsup(void **state)
{
	uint32_t v = 1;

	(void)state;
	/* T_NONE exists only on the master: the worker has no callback. */
	assert_int_equal(msgbus_send_sync(3, T_NONE, &v, sizeof(v), NULL, NULL),
			 -ENOTSUP);
	assert_true(stats_of(T_NONE)->dropped == 1);
}

static void test_worker_to_master_async(void **state)
{
	uint32_t v = 5;
	uint64_t t0;

	(void)state;
	notes = 0;
	assert_int_equal(msgbus_mcast(T_KICK, &v, sizeof(v), NULL, NULL, NULL), 0);
	t0 = rte_get_tsc_cycles();
	while (notes < NWORKERS && rte_get_tsc_cycles() - t0 < rte_get_tsc_hz())
		msgbus_process();
	assert_int_equal(notes, NWORKERS);
}

struct done_state {
	int calls;
	int rc;
	unsigned n;
};

static void on_done(void *arg, int rc, unsigned n)
{
	struct done_state *d = arg;

	d->calls++;
	d->rc = rc;
	d->n = n;
}

static void done_reply(void *arg, unsigned lcore, int rc, const void *data,
		       uint16_t len)
{
	(void)arg, (void)lcore, (void)rc, (void)data, (void)len;
}

static void run_until_done(struct done_state *d)
{
	uint64_t t0 = rte_get_tsc_cycles();

	while (d->calls == 0 && rte_get_tsc_cycles() - t0 < 2 * rte_get_tsc_hz()) {
		msgbus_process();
		msgbus_expire(NULL);
	}
}

static void test_mcast_async_completes(void **state)
{
	struct done_state d = { 0 };
	uint32_t v = 3;

	(void)state;
	assert_int_equal(msgbus_mcast_async(T_ADD, &v, sizeof(v), done_reply,
					    on_done, &d), 0);
	run_until_done(&d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.rc, 0);
	assert_int_equal(d.n, NWORKERS);
}

static void test_mcast_async_times_out(void **state)
{
	struct done_state d = { 0 };
	uint32_t slow = 100;
	uint64_t t0;

	(void)state;
	msgbus_set_timeout(20);
	assert_int_equal(msgbus_mcast_async(T_SLOW, &slow, sizeof(slow), NULL,
					    on_done, &d), 0);
	run_until_done(&d);
	msgbus_set_timeout(2000);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.rc, -ETIMEDOUT);
	assert_true(d.n < NWORKERS);
	/* Let the slow replies arrive: they are late, and done is not rerun. */
	t0 = rte_get_tsc_cycles();
	while (rte_get_tsc_cycles() - t0 < rte_get_tsc_hz() / 2)
		msgbus_process();
	assert_int_equal(d.calls, 1);
}

/*
 * A request that holds a reference must give it back whatever happens
 * to it: a worker busy long enough lets its ring fill, and the copies
 * that do not fit, or go where no callback takes them, reach the type's
 * request destructor (they once just vanished with their reference).
 */
static void test_undelivered_requests_reach_their_dtor(void **state)
{
	uint32_t slow = 300, sent = 0, refused = 0, v = 0;
	uint64_t t0;

	(void)state;
	assert_int_equal(msgbus_send_async(1, T_SLOW, &slow, sizeof(slow)), 0);
	usleep(20000);    /* worker 1 is asleep in slow_cb */
	for (unsigned i = 0; i < 3000; i++) {
		__atomic_add_fetch(&own_refs, 1, __ATOMIC_RELAXED);
		if (msgbus_send_async(1, T_OWN, &v, sizeof(v)) == 0)
			sent++;
		else
			refused++;
	}
	/* No callback for T_OWN on worker 2. */
	__atomic_add_fetch(&own_refs, 1, __ATOMIC_RELAXED);
	assert_int_equal(msgbus_send_async(2, T_OWN, &v, sizeof(v)), 0);
	assert_true(refused > 0 && sent > 0);
	/* Generous: four workers share one CPU with whatever else runs. */
	t0 = rte_get_tsc_cycles();
	while (__atomic_load_n(&own_refs, __ATOMIC_RELAXED) != 0 &&
	       rte_get_tsc_cycles() - t0 < 20 * rte_get_tsc_hz())
		usleep(1000);
	assert_int_equal(__atomic_load_n(&own_refs, __ATOMIC_RELAXED), 0);
}

/*
 * A flood of messages to the master (neighbour learns under an ARP
 * flood) once kept it in msgbus_process until the ring was empty: a
 * call handles at most MSGBUS_BUDGET, and every message is handled in
 * later calls.
 */
static void test_process_is_bounded(void **state)
{
	unsigned queued = 0, calls = 0, v = 0;
	int n;

	(void)state;
	notes = 0;
	while (queued < 1000 &&
	       msgbus_send_async(rte_get_main_lcore(), T_NOTE, &v, sizeof(v)) == 0)
		queued++;
	assert_true(queued > 2 * MSGBUS_BUDGET);
	n = msgbus_process();
	assert_int_equal(n, MSGBUS_BUDGET);
	assert_int_equal(notes, MSGBUS_BUDGET);
	/* The loop job says there is more, so the master does not sleep. */
	assert_true(msgbus_job(NULL) > 0);
	while ((n = msgbus_process()) > 0) {
		assert_true(n <= MSGBUS_BUDGET);
		calls++;
	}
	assert_int_equal(notes, queued);
	assert_true(calls >= 1);
	/* Sync waits still see their replies behind a queue of notes. */
	for (unsigned i = 0; i < 3 * MSGBUS_BUDGET; i++)
		assert_int_equal(msgbus_send_async(rte_get_main_lcore(), T_NOTE,
						   &v, sizeof(v)), 0);
	assert_int_equal(msgbus_mcast(T_ADD, &v, sizeof(v), NULL, NULL, NULL), 0);
	while (msgbus_process() > 0)
		;
	assert_int_equal(notes, queued + 3 * MSGBUS_BUDGET);
}

/* Holds every worker in slow_cb for ms milliseconds. */
static void hold_workers(uint32_t ms)
{
	for (unsigned w = 1; w <= NWORKERS; w++)
		assert_int_equal(msgbus_send_async(w, T_SLOW, &ms, sizeof(ms)), 0);
	usleep(20000);
}

/* Fills worker w's ring (or the pool) with async T_ADDs; returns them. */
static unsigned fill_ring(unsigned w)
{
	uint32_t v = 0;
	unsigned n = 0;

	while (msgbus_send_async(w, T_ADD, &v, sizeof(v)) == 0)
		n++;
	return n;
}

/* The master polls for ms: replies, late ones, expiries. */
static void poll_master(uint32_t ms)
{
	uint64_t t0 = rte_get_tsc_cycles();

	while (rte_get_tsc_cycles() - t0 < rte_get_tsc_hz() / 1000 * ms) {
		msgbus_process();
		msgbus_expire(NULL);
	}
}

/*
 * The error contract of msgbus_mcast_async: an error return means
 * nothing is pending and done never runs (a caller frees arg on error);
 * 0 means done runs exactly once, also when some copies were lost.
 */
static void test_mcast_async_error_means_nothing_pending(void **state)
{
	struct done_state d = { 0 }, part = { 0 }, all = { 0 };
	uint32_t v = 1;
	uint64_t t0;

	(void)state;
	msgbus_set_timeout(1000);
	/* No copy can go out: the pool is used up by full rings. */
	hold_workers(400);
	for (unsigned w = 1; w <= NWORKERS; w++)
		fill_ring(w);
	assert_int_equal(msgbus_mcast_async(T_ADD, &v, sizeof(v), done_reply,
					    on_done, &d), -ENOBUFS);
	/* Not pending: the master's loop job has nothing to poll for. */
	assert_int_equal(msgbus_job(NULL), 0);
	poll_master(1500); /* past the workers' hold and the timeout */
	msgbus_cancel_all();
	assert_int_equal(d.calls, 0);
	/* Some copies lost (worker 1's ring full): 0, and done says so. */
	hold_workers(200);
	assert_true(fill_ring(1) > 0);
	assert_int_equal(msgbus_mcast_async(T_ADD, &v, sizeof(v), done_reply,
					    on_done, &part), 0);
	poll_master(1500);
	msgbus_set_timeout(2000);
	assert_int_equal(part.calls, 1);
	assert_int_equal(part.rc, -ENOBUFS);
	assert_int_equal(part.n, NWORKERS - 1);
	assert_int_equal(d.calls, 0);
	/* No pending slot was kept: all of them can be taken again. */
	for (unsigned i = 0; i < MSGBUS_PENDING_MAX; i++)
		assert_int_equal(msgbus_mcast_async(T_ADD, &v, sizeof(v),
						    done_reply, on_done, &all), 0);
	assert_int_equal(msgbus_mcast_async(T_ADD, &v, sizeof(v), done_reply,
					    on_done, &d), -EBUSY);
	t0 = rte_get_tsc_cycles();
	while (all.calls < MSGBUS_PENDING_MAX &&
	       rte_get_tsc_cycles() - t0 < 10 * rte_get_tsc_hz())
		poll_master(1);
	assert_int_equal(all.calls, MSGBUS_PENDING_MAX);
	assert_int_equal(d.calls, 0);
}

static void test_bad_sends_refused(void **state)
{
	uint8_t big[MSGBUS_DATA_MAX + 1] = { 0 };

	(void)state;
	assert_int_equal(msgbus_send_async(1, T_ADD, big, sizeof(big)), -EINVAL);
	assert_int_equal(msgbus_send_async(RTE_MAX_LCORE, T_ADD, big, 1), -EINVAL);
	assert_int_equal(msgbus_send_async(1, 0, big, 1), -EINVAL);
	/* Sync to itself would deadlock: refused. */
	assert_int_equal(msgbus_send_sync(rte_get_main_lcore(), T_ADD, big, 4,
					  NULL, NULL), -EINVAL);
}

int main(void)
{
	char prefix[64];
	char *eal[] = { "test_msgbus", "--no-huge", "-m", "128", "--no-pci",
			"--lcores", "0@0,(1-4)@1", "--file-prefix", prefix,
			"--log-level", "warning", NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_rejects),
		cmocka_unit_test(test_unicast_sync_each_worker),
		cmocka_unit_test(test_mcast_10000_none_dropped),
		cmocka_unit_test(test_timeout_then_late_reply_not_misdelivered),
		cmocka_unit_test(test_callback_error_propagates),
		cmocka_unit_test(test_unregistered_type_answers_enotsup),
		cmocka_unit_test(test_worker_to_master_async),
		cmocka_unit_test(test_mcast_async_completes),
		cmocka_unit_test(test_mcast_async_times_out),
		cmocka_unit_test(test_undelivered_requests_reach_their_dtor),
		cmocka_unit_test(test_process_is_bounded),
		cmocka_unit_test(test_mcast_async_error_means_nothing_pending),
		cmocka_unit_test(test_bad_sends_refused),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_msgbus_%d", getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "test_msgbus: EAL init failed\n");
		return 1;
	}
	rc = cmocka_run_group_tests_name("msgbus", tests, setup_bus,
					 teardown_bus);
	rte_eal_cleanup();
	return rc;
}
