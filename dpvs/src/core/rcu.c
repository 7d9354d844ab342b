/* The RCU variable shared by every table that workers read. */
#include "rcu.h"

#include <errno.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "log.h"

static struct rte_rcu_qsbr *qs;

int rcu_init(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);

	qs = rte_zmalloc("rcu_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (!qs || rte_rcu_qsbr_init(qs, RTE_MAX_LCORE) != 0) {
		LOG_ERRX("rcu", "cannot allocate the RCU variable");
		rte_free(qs);
		qs = NULL;
		return -ENOMEM;
	}
	return 0;
}

void rcu_fini(void)
{
	rte_free(qs);
	qs = NULL;
}

struct rte_rcu_qsbr *rcu_qsbr(void)
{
	return qs;
}

void rcu_register(unsigned lcore)
{
	if (!qs)
		return;
	rte_rcu_qsbr_thread_register(qs, lcore);
	rte_rcu_qsbr_thread_online(qs, lcore);
}

void rcu_unregister(unsigned lcore)
{
	if (!qs)
		return;
	rte_rcu_qsbr_thread_offline(qs, lcore);
	rte_rcu_qsbr_thread_unregister(qs, lcore);
}

void rcu_online(unsigned lcore)
{
	if (qs)
		rte_rcu_qsbr_thread_online(qs, lcore);
}

void rcu_offline(unsigned lcore)
{
	if (qs)
		rte_rcu_qsbr_thread_offline(qs, lcore);
}

void rcu_quiescent(unsigned lcore)
{
	if (qs)
		rte_rcu_qsbr_quiescent(qs, lcore);
}

void rcu_synchronize(void)
{
	if (qs)
		rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
}

uint64_t rcu_token(void)
{
	return qs ? rte_rcu_qsbr_start(qs) : 0;
}

bool rcu_passed(uint64_t token, bool wait)
{
	return !qs || rte_rcu_qsbr_check(qs, token, wait) == 1;
}
