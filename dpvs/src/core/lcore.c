/* Lcore roles, job registry, the per-lcore loop and its idle policy. */
#include "lcore.h"

#include <errno.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_pause.h>

#include "log.h"
#include "rcu.h"

struct lcore_stats lcore_stats[RTE_MAX_LCORE];

static enum lcore_role roles[RTE_MAX_LCORE];
static unsigned worker_ids[RTE_MAX_LCORE];
static unsigned nworkers;
/* Jobs per role and kind, in registration order. */
static struct lcore_job *jobs[3][JOB_KINDS];
static volatile bool stop_flag;
static void (*idle_wait[3])(uint32_t us);

static struct {
	enum idle_policy policy;
	uint32_t empty_loops;
	uint32_t sleep_us;
	uint32_t max_sleep_us;
} idle = { IDLE_SLEEP, 64, 50, 1000 };

int lcore_job_register(struct lcore_job *job, enum lcore_role role)
{
	struct lcore_job **pp;

	if (!job || !job->fn || job->kind >= JOB_KINDS || role == ROLE_NONE ||
	    (job->kind == JOB_SLOW && job->skip == 0))
		return -EINVAL;
	for (pp = &jobs[role][job->kind]; *pp; pp = &(*pp)->next)
		if (*pp == job)
			return -EEXIST;
	job->next = NULL;
	*pp = job;
	return 0;
}

int lcore_roles_init(const struct dpvs_conf *conf)
{
	unsigned main_lcore = rte_get_main_lcore();

	if (main_lcore != conf->master_lcore) {
		LOG_ERRX("lcore", "workers.master_lcore is %u but the EAL's main "
			 "lcore is %u (check --main-lcore)", conf->master_lcore,
			 main_lcore);
		return -EINVAL;
	}
	roles[main_lcore] = ROLE_MASTER;
	nworkers = 0;
	for (uint32_t i = 0; i < conf->nworkers; i++) {
		unsigned id = conf->workers[i].lcore;

		if (id >= RTE_MAX_LCORE || !rte_lcore_is_enabled(id)) {
			LOG_ERRX("lcore", "worker lcore %u is not enabled in the EAL "
				 "(add it to -l/--lcores)", id);
			return -EINVAL;
		}
		roles[id] = ROLE_WORKER;
		worker_ids[nworkers++] = id;
	}
	return 0;
}

enum lcore_role lcore_role(unsigned lcore)
{
	return lcore < RTE_MAX_LCORE ? roles[lcore] : ROLE_NONE;
}

unsigned lcore_nworkers(void)
{
	return nworkers;
}

const unsigned *lcore_workers(void)
{
	return worker_ids;
}

void lcore_set_idle_wait(enum lcore_role role, void (*wait)(uint32_t us))
{
	idle_wait[role] = wait;
}

void lcore_set_idle(enum idle_policy p, uint32_t empty_loops, uint32_t sleep_us,
		    uint32_t max_sleep_us)
{
	__atomic_store_n(&idle.max_sleep_us, max_sleep_us, __ATOMIC_RELAXED);
	__atomic_store_n(&idle.empty_loops, empty_loops, __ATOMIC_RELAXED);
	__atomic_store_n(&idle.sleep_us, sleep_us, __ATOMIC_RELAXED);
	__atomic_store_n(&idle.policy, p, __ATOMIC_RELAXED);
}

void lcore_stop(void)
{
	stop_flag = true;
}

void lcore_reset_stop(void)
{
	stop_flag = false;
}

bool lcore_stopping(void)
{
	return stop_flag;
}

void lcore_note_busy(uint64_t tsc)
{
	struct lcore_stats *st = &lcore_stats[rte_lcore_id()];

	if (tsc > st->loop_max_tsc)
		__atomic_store_n(&st->loop_max_tsc, tsc, __ATOMIC_RELAXED);
}

uint64_t lcore_loop_max_us(unsigned lcore, bool reset)
{
	uint64_t tsc = lcore_stat_read(&lcore_stats[lcore].loop_max_tsc);

	if (reset && lcore == rte_lcore_id())
		__atomic_store_n(&lcore_stats[lcore].loop_max_tsc, 0,
				 __ATOMIC_RELAXED);
	return tsc * 1000000 / rte_get_tsc_hz();
}

static int run_jobs(struct lcore_job *j)
{
	int work = 0;

	for (; j; j = j->next)
		work += j->fn(j->arg);
	return work;
}

/*
 * Idle policy: after `empty_loops` idle iterations in a row, sleep; each
 * further idle sleep doubles, up to max_sleep_us.  Sleeping hands the CPU
 * to the kernel, clients and servers sharing it; the cost is up to the
 * current sleep (plus timer slack) of added latency for the first packet
 * or message after a quiet spell.  Any work resets it to the minimum.
 */
static void idle_step(enum lcore_role role, struct lcore_stats *st,
		      uint32_t *empty, uint32_t *cur_us)
{
	struct timespec ts;
	uint32_t lo, hi, us;

	if (__atomic_load_n(&idle.policy, __ATOMIC_RELAXED) == IDLE_BUSY_POLL ||
	    ++*empty < __atomic_load_n(&idle.empty_loops, __ATOMIC_RELAXED)) {
		rte_pause();
		return;
	}
	lo = __atomic_load_n(&idle.sleep_us, __ATOMIC_RELAXED);
	hi = __atomic_load_n(&idle.max_sleep_us, __ATOMIC_RELAXED);
	us = *cur_us < lo ? lo : *cur_us > hi ? hi : *cur_us;
	*cur_us = us * 2;
	lcore_stat_add(&st->idle_sleeps, 1);
	if (idle_wait[role]) {
		idle_wait[role](us);
		return;
	}
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	/* Offline while asleep: RCU writers must not wait for us. */
	rcu_offline(rte_lcore_id());
	nanosleep(&ts, NULL);
	rcu_online(rte_lcore_id());
}

int lcore_loop_once(void)
{
	unsigned id = rte_lcore_id();
	enum lcore_role role = lcore_role(id);
	struct lcore_stats *st;
	uint64_t t0;
	int work;

	if (role == ROLE_NONE)
		return 0;
	st = &lcore_stats[id];
	t0 = rte_rdtsc();
	work = run_jobs(jobs[role][JOB_LOOP]);
	for (struct lcore_job *j = jobs[role][JOB_SLOW]; j; j = j->next)
		if (st->loops % j->skip == 0)
			work += j->fn(j->arg);
	lcore_note_busy(rte_rdtsc() - t0);
	lcore_stat_add(&st->loops, 1);
	return work;
}

int lcore_main(void *arg __rte_unused)
{
	unsigned id = rte_lcore_id();
	enum lcore_role role = roles[id];
	struct lcore_stats *st = &lcore_stats[id];
	uint32_t empty = 0, sleep_us = 0;

	if (role == ROLE_NONE)
		return 0;
	if (role == ROLE_WORKER)
		rcu_register(id);
	run_jobs(jobs[role][JOB_INIT]);
	while (!stop_flag) {
		int work = lcore_loop_once();

		if (role == ROLE_WORKER)
			rcu_quiescent(id);
		if (work) {
			lcore_stat_add(&st->busy_loops, 1);
			empty = 0;
			sleep_us = 0;
		} else {
			idle_step(role, st, &empty, &sleep_us);
		}
	}
	if (role == ROLE_WORKER)
		rcu_unregister(id);
	return 0;
}

void lcore_run(void)
{
	/* A SIGTERM during start-up already set stop_flag: keep it. */
	rte_eal_mp_remote_launch(lcore_main, NULL, CALL_MAIN);
	rte_eal_mp_wait_lcore();
}
