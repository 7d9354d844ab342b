/*
 * Lcore roles and the job registry.  Each lcore runs the jobs registered
 * for its role: INIT jobs once, LOOP jobs every iteration, SLOW jobs every
 * `skip` iterations.  A job returns how much work it did; an iteration in
 * which no job did any is idle, and the idle policy decides what to do.
 */
#ifndef DPVS_LCORE_H
#define DPVS_LCORE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "conf.h"

enum lcore_role { ROLE_NONE = 0, ROLE_MASTER = 1, ROLE_WORKER = 2 };
enum lcore_job_kind { JOB_INIT, JOB_LOOP, JOB_SLOW, JOB_KINDS };

struct lcore_job {
	const char *name;
	/* Returns the number of work items done; 0 means idle. */
	int (*fn)(void *arg);
	void *arg;
	enum lcore_job_kind kind;
	uint32_t skip;          /* JOB_SLOW: run once every `skip` loops */
	struct lcore_job *next; /* registry link, owned by lcore.c */
};

/* Counters of one lcore; only that lcore writes them. */
struct lcore_stats {
	uint64_t loops;
	uint64_t busy_loops;
	uint64_t idle_sleeps;
	uint64_t rx_packets;
	uint64_t msgs_handled;
	uint64_t loop_max_tsc;  /* longest busy stretch (gauge) */
} __rte_cache_aligned;

extern struct lcore_stats lcore_stats[RTE_MAX_LCORE];

/*
 * Notes a busy stretch of the calling lcore (a loop iteration's jobs, or
 * the work done after an idle wait woke up) for the worst-loop gauge.
 */
void lcore_note_busy(uint64_t tsc);
/* The lcore's longest busy stretch in microseconds; reset: restart it
 * (on that lcore only, so the gauge has a single writer). */
uint64_t lcore_loop_max_us(unsigned lcore, bool reset);

/* Registers a job for every lcore of `role`; before lcore_run() launches them. */
int lcore_job_register(struct lcore_job *job, enum lcore_role role);

/* Sets roles from the config and checks them against the EAL's lcores. */
int lcore_roles_init(const struct dpvs_conf *conf);
enum lcore_role lcore_role(unsigned lcore);
unsigned lcore_nworkers(void);
/* Worker lcore ids in config order. */
const unsigned *lcore_workers(void);

/*
 * How a role waits when idle (default nanosleep).  The master waits in
 * its event loop's epoll instead (evloop.h), so a request wakes it at once.
 */
void lcore_set_idle_wait(enum lcore_role role, void (*wait)(uint32_t us));

/* Idle policy; may change at any time (reload). */
void lcore_set_idle(enum idle_policy p, uint32_t empty_loops, uint32_t sleep_us,
		    uint32_t max_sleep_us);

/*
 * One pass of the calling lcore's LOOP jobs and due SLOW jobs, without
 * idling; returns the work done.  lcore_main's body; the fuzz targets
 * step the lcores with it.
 */
int lcore_loop_once(void);
/* The loop of one lcore (for rte_eal_remote_launch); returns on stop. */
int lcore_main(void *arg);
/* Starts workers, runs the master loop on the caller until lcore_stop(). */
void lcore_run(void);
void lcore_stop(void);
/* Clears the stop flag (tests that run the loops more than once). */
void lcore_reset_stop(void);
bool lcore_stopping(void);

/* Reads another lcore's counter without tearing. */
static inline uint64_t lcore_stat_read(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static inline void lcore_stat_add(uint64_t *p, uint64_t n)
{
	/* Single writer: a plain add with a relaxed store is enough. */
	__atomic_store_n(p, *p + n, __ATOMIC_RELAXED);
}

#endif
