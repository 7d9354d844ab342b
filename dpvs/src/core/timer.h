/*
 * The master's timers: "every N ms, call fn".  One facility for every
 * periodic job of the master (neighbour aging, multicast timeouts ...),
 * on DPDK's rte_timer, run by the master's `timers` job, which calls
 * rte_timer_manage() at most once per timers.tick_us.
 *
 * A timer is re-armed from its call, relative to then: after a stall
 * (a long reload) it fires once, not once per period missed.
 */
#ifndef DPVS_TIMER_H
#define DPVS_TIMER_H

#include <stdint.h>

#include <rte_timer.h>

struct core_timer {
	struct rte_timer rt;
	uint64_t period;       /* tsc cycles */
	void (*fn)(void *arg);
	void *arg;
	const char *name;
};

/* Sets the timers job's granularity (timers.tick_us). */
void core_timer_set_tick(uint32_t tick_us);
/*
 * Master, before or while its loop runs: fn(arg) every `ms` from now on,
 * the first call `ms` from now.  t must live until core_timer_stop.
 * 0 or -EINVAL (ms 0, no fn).
 */
int core_timer_every(struct core_timer *t, const char *name, uint32_t ms,
		     void (*fn)(void *arg), void *arg);
void core_timer_stop(struct core_timer *t);
/* The master's loop job: runs the timers that are due, once per tick. */
int core_timer_job(void *arg);

#endif
