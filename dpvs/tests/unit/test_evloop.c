/*
 * The master's event loop and timers on a real EAL: a readable fd wakes
 * the idle wait at once and reaches its callback, a wake-only fd just
 * wakes, a busy service keeps the loop from sleeping, and a timer fires
 * every period -- once, not in a burst, after a stall.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_timer.h>

#include "core/evloop.h"
#include "core/timer.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct reader {
	struct evloop_fd h;   /* first: the callback's handle */
	unsigned calls;
	char got;
};

static void on_read(struct evloop_fd *h, uint32_t events)
{
	struct reader *r = (struct reader *)h;

	assert_true(events & EPOLLIN);
	r->calls++;
	assert_int_equal(read(h->fd, &r->got, 1), 1);
}

static void test_fd_wakes_the_wait_and_its_callback(void **state)
{
	struct reader r = { .calls = 0 };
	int p[2];
	uint64_t t0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(evloop_add(&r.h, p[0], EPOLLIN, on_read), 0);
	/* Nothing readable: the whole wait (200 ms), no callback. */
	t0 = now_ms();
	assert_int_equal(evloop_poll(200 * 1000), 0);
	assert_true(now_ms() - t0 >= 150);
	assert_int_equal(r.calls, 0);
	/* Readable: a 5 s wait returns at once, with the byte read. */
	assert_int_equal(write(p[1], "x", 1), 1);
	t0 = now_ms();
	assert_int_equal(evloop_poll(5000 * 1000), 1);
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.got, 'x');
	/* Interest dropped: a readable fd no longer reports. */
	assert_int_equal(evloop_mod(&r.h, 0), 0);
	assert_int_equal(write(p[1], "y", 1), 1);
	assert_int_equal(evloop_poll(0), 0);
	assert_int_equal(evloop_mod(&r.h, EPOLLIN), 0);
	assert_int_equal(evloop_poll(0), 1);
	evloop_del(&r.h);
	assert_int_equal(write(p[1], "z", 1), 1);
	assert_int_equal(evloop_poll(0), 0);
	assert_int_equal(r.calls, 2);
	close(p[0]);
	close(p[1]);
}

static void test_wake_only_fd(void **state)
{
	struct evloop_fd h;
	int p[2];
	uint64_t t0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(evloop_add(&h, p[0], EPOLLIN, NULL), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	t0 = now_ms();
	/* Level-triggered and nobody reads: it wakes every wait. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(evloop_poll(5000 * 1000), 1);
	assert_true(now_ms() - t0 < 2000);
	evloop_del(&h);
	close(p[0]);
	close(p[1]);
}

static bool busy;
static unsigned begins, ends;

static bool svc_busy(void)
{
	return busy;
}

static void svc_begin(void)
{
	begins++;
}

static int svc_end(void)
{
	ends++;
	return busy ? 1 : 0;
}

static const struct evloop_service svc = { svc_busy, svc_begin, svc_end };

static void test_busy_service_keeps_the_loop_awake(void **state)
{
	uint64_t t0;

	(void)state;
	assert_int_equal(evloop_add_service(&svc), 0);
	assert_int_equal(evloop_add_service(&svc), 0);    /* once only */
	busy = true;
	t0 = now_ms();
	assert_int_equal(evloop_poll(5000 * 1000), 1);
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(begins, 1);
	assert_int_equal(ends, 1);
	busy = false;
	assert_int_equal(evloop_poll(1000), 0);
	assert_int_equal(begins, 2);
	assert_int_equal(ends, 2);
}

static unsigned fired;

static void count_fire(void *arg)
{
	(*(unsigned *)arg)++;
}

/* Runs the timers job for ms milliseconds. */
static void run_for(uint32_t ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		core_timer_job(NULL);
		usleep(200);
	}
}

static void test_timer_every_period(void **state)
{
	struct core_timer t = { .fn = NULL };

	(void)state;
	fired = 0;
	assert_int_equal(core_timer_every(&t, "t", 0, count_fire, &fired),
			 -EINVAL);
	assert_int_equal(core_timer_every(&t, "t", 10, NULL, &fired), -EINVAL);
	assert_int_equal(core_timer_every(&t, "t", 50, count_fire, &fired), 0);
	run_for(30);
	assert_int_equal(fired, 0);                  /* first after 50 ms */
	run_for(500);
	/* 10 periods in 530 ms; generous for a loaded 2-core machine. */
	assert_in_range(fired, 6, 11);
	/* A 300 ms stall: one call after it, not six. */
	fired = 0;
	usleep(300 * 1000);
	run_for(20);
	assert_int_equal(fired, 1);
	core_timer_stop(&t);
	fired = 0;
	run_for(200);
	assert_int_equal(fired, 0);
	core_timer_stop(&t);                         /* twice is harmless */
}

static int setup(void **state)
{
	(void)state;
	if (rte_timer_subsystem_init() < 0)
		return -1;
	core_timer_set_tick(1000);
	return evloop_init();
}

static int teardown(void **state)
{
	(void)state;
	evloop_fini();
	rte_timer_subsystem_finalize();
	return 0;
}

int main(void)
{
	char prefix[64], path[96];
	char *eal[] = { "test_evloop", "--no-huge", "-m", "128", "--no-pci",
			"--lcores", "0@0", "--file-prefix", prefix,
			"--no-shconf", "--no-telemetry", "--log-level", "warning",
			NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_wakes_the_wait_and_its_callback),
		cmocka_unit_test(test_wake_only_fd),
		cmocka_unit_test(test_busy_service_keeps_the_loop_awake),
		cmocka_unit_test(test_timer_every_period),
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "test_evloop_%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return 1;
	rc = cmocka_run_group_tests_name("evloop", tests, setup, teardown);
	rte_eal_cleanup();
	/* EAL makes its runtime folder even without a shared config. */
	snprintf(path, sizeof(path), "/var/run/dpdk/%s", prefix);
	rmdir(path);
	return rc;
}
