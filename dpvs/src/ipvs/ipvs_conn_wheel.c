/*
 * Expiry: each worker's timer wheel of one-second slots, drained a
 * budget at a time by the worker's loop job.
 */
#include "ipvs_conn_int.h"

#include <rte_lcore.h>

#include "core/lcore.h"
#include "nat_reg.h"

#define WHEEL_BUDGET 4096     /* conns looked at per loop, bounds latency */

uint32_t ipvs_conn_expires_in(const struct ipvs_conn *c)
{
	int32_t left = (int32_t)(c->expire - now_tick());

	return left > 0 ? (uint32_t)left : 0;
}

int ipvs_conn_job(void *arg __rte_unused)
{
	unsigned lc = rte_lcore_id();

	if (!conn_tabs || lcore_role(lc) != ROLE_WORKER)
		return 0;
	nat_reg_reclaim();
	return ipvs_conn_job_for(ipvs_worker_index(lc));
}

/* Moves every conn of slot i into the empty draining list. */
static void wheel_move(struct worker_tab *t, uint32_t i)
{
	struct ipvs_conn *c = conn_at(t->wheel[i].first);

	t->draining.first = t->wheel[i].first;
	if (c)
		c->wheel_prev = WHEEL_HEAD | WHEEL_DRAINING;
	t->wheel[i].first = 0;
}

/*
 * Drains the slot of tick now + 1, then advances; at most WHEEL_BUDGET
 * conns a call, the rest next loop.  The tick advances only once its
 * whole slot has been looked at.
 */
int ipvs_conn_job_for(unsigned w)
{
	struct worker_tab *t = &conn_tabs[w];
	uint32_t now = now_tick();
	int budget = WHEEL_BUDGET, n = 0;
	struct ipvs_conn *c;

	for (;;) {
		c = conn_at(t->draining.first);
		if (!c) {
			if (t->loaded) {
				t->loaded = false;
				t->now++;
			}
			if (t->now == now)
				break;
			wheel_move(t, (t->now + 1) % WHEEL_SLOTS);
			t->loaded = true;
			continue;
		}
		if (budget-- <= 0)
			break;
		wheel_remove(t, c);
		if ((int32_t)(c->expire - (t->now + 1)) > 0) {
			wheel_add(t, c); /* refreshed, or laps ahead: re-file */
			continue;
		}
		conn_free(t, c, w);
		n++;
	}
	return n;
}

static void free_list(struct worker_tab *t, uint32_t id, unsigned w)
{
	struct ipvs_conn *c;

	while ((c = conn_at(wheel_head(t, id)->first))) {
		wheel_remove(t, c);
		conn_free(t, c, w);
	}
}

/* At shutdown, with the workers stopped: drop every connection. */
void ipvs_conn_flush_all(void)
{
	for (unsigned w = 0; conn_tabs && w < conn_ntabs; w++) {
		free_list(&conn_tabs[w], WHEEL_DRAINING, w);
		for (unsigned i = 0; i < WHEEL_SLOTS; i++)
			free_list(&conn_tabs[w], i, w);
	}
}
