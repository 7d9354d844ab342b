/* The master's periodic timers on rte_timer. */
#include "timer.h"

#include <errno.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "log.h"

static uint64_t tick_tsc;
static uint64_t last_tick;

void core_timer_set_tick(uint32_t tick_us)
{
	tick_tsc = rte_get_tsc_hz() / 1000000 * tick_us;
}

static void rearm(struct core_timer *t);

static void fire(struct rte_timer *rt __rte_unused, void *arg)
{
	struct core_timer *t = arg;

	rearm(t);
	t->fn(t->arg);
}

static void rearm(struct core_timer *t)
{
	if (rte_timer_reset(&t->rt, t->period, SINGLE, rte_get_main_lcore(),
			    fire, t) < 0)
		LOG_ERRX("timer", "%s: cannot arm", t->name);
}

int core_timer_every(struct core_timer *t, const char *name, uint32_t ms,
		     void (*fn)(void *arg), void *arg)
{
	if (!ms || !fn)
		return -EINVAL;
	rte_timer_init(&t->rt);
	t->period = rte_get_tsc_hz() / 1000 * ms;
	t->fn = fn;
	t->arg = arg;
	t->name = name;
	rearm(t);
	return 0;
}

void core_timer_stop(struct core_timer *t)
{
	if (!t->fn)
		return; /* never started */
	rte_timer_stop_sync(&t->rt);
	t->fn = NULL;
}

int core_timer_job(void *arg __rte_unused)
{
	uint64_t now = rte_get_tsc_cycles();

	if (now - last_tick < tick_tsc)
		return 0;
	last_tick = now;
	rte_timer_manage();
	return 0;
}
