/*
 * Monitoring: what the SNMP subagent reads beyond the tools' listings.
 *
 * Worker stats are gathered the way service counters are: the master
 * multicasts one request and every worker answers between two bursts
 * with its connection count; the master then copies that worker's packet
 * counters (memory only it writes) from its row.  A row is read after
 * its worker answered, so a listing never shows counters older than the
 * request.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/msgbus.h"
#include "net/pktstats.h"
#include "handlers.h"

/*
 * A worker's answer.  Its packet counters are too many for one message
 * (MSGBUS_DATA_MAX): the master copies them from the worker's own row
 * when the answer arrives, as pktstats_sum() does (one writer, aligned
 * 64-bit words), so they are at least as fresh as the answer.
 */
struct wstats_msg {
	uint32_t lcore;
	uint32_t widx;
	uint64_t conns;
	uint64_t msgs;
};

struct wstats_row {
	struct wstats_msg m;
	uint64_t counters[PKTSTATS_N];
};

static int wstats_cb(const void *req __rte_unused, uint16_t len __rte_unused,
		     void *reply, uint16_t *reply_len)
{
	unsigned self = rte_lcore_id();
	struct wstats_msg m = {
		.lcore = self,
		.widx = ipvs_worker_index(self),
		.msgs = lcore_stat_read(&lcore_stats[self].msgs_handled),
	};

	m.conns = ipvs_conn_count(m.widx);
	memcpy(reply, &m, sizeof(m));
	*reply_len = sizeof(m);
	return 0;
}

struct wstats_gather {
	struct ctrl_deferred *d;
	struct wstats_row *rows;   /* [nworkers], by worker index */
	unsigned n;
};

static void wstats_reply(void *arg, unsigned lcore __rte_unused, int rc,
			 const void *reply, uint16_t len)
{
	struct wstats_gather *g = arg;
	struct wstats_msg m;

	if (rc || len != sizeof(m))
		return;
	memcpy(&m, reply, sizeof(m));
	if (m.widx >= g->n || m.lcore >= RTE_MAX_LCORE)
		return;
	g->rows[m.widx].m = m;
	memcpy(g->rows[m.widx].counters, &pktstats[m.lcore],
	       sizeof(g->rows[m.widx].counters));
}

static void wstats_encode(struct wbuf *b, const struct wstats_gather *g)
{
	uint32_t size, in_use;

	ipvs_conn_pool_usage(&size, &in_use);
	wire_enc_wstats_head(b, size, in_use, PKTSTATS_N, pktstats_names);
	wb_u32(b, g->n);
	for (unsigned w = 0; w < g->n; w++) {
		struct dpvs_worker_stats row = {
			.lcore_id = g->rows[w].m.lcore,
			.index = w,
			.conns = g->rows[w].m.conns,
			.conns_max = ipvs_conn_capacity(),
			.msgs_handled = g->rows[w].m.msgs,
			.counters = g->rows[w].counters,
		};

		wire_enc_wstats_row(b, &row, PKTSTATS_N);
	}
}

static void wstats_free(struct wstats_gather *g)
{
	free(g->rows);
	free(g);
}

/* Every worker answered, or the time ran out: the reply goes now. */
static void wstats_done(void *arg, int rc, unsigned nreplies)
{
	struct wstats_gather *g = arg;
	struct ctrl_reply rep = { .status = DPVS_OK };

	wb_init(&rep.data);
	if (rc)
		ctrl_error(&rep, DPVS_ETIMEDOUT,
			   "worker stats: %u of %u workers answered", nreplies,
			   g->n);
	else
		wstats_encode(&rep.data, g);
	ctrl_answer(g->d, &rep);
	wb_free(&rep.data);
	wstats_free(g);
}

/* The master multicasts and goes on; wstats_done answers. */
static int op_worker_stats(uint32_t op __rte_unused,
			   struct rbuf *req __rte_unused, struct ctrl_reply *rep)
{
	struct wstats_gather *g = calloc(1, sizeof(*g));
	int rc;

	if (g) {
		g->n = lcore_nworkers();
		g->rows = calloc(g->n ? g->n : 1, sizeof(*g->rows));
	}
	if (!g || !g->rows || !(g->d = ctrl_defer(rep))) {
		if (g)
			wstats_free(g);
		return ctrl_error(rep, DPVS_ENOMEM, "worker stats");
	}
	rc = g->n ? msgbus_mcast_async(MSG_TYPE_WORKER_STATS, NULL, 0,
				       wstats_reply, wstats_done, g) : 0;
	if (g->n == 0)
		wstats_done(g, 0, 0);
	if (rc < 0)
		wstats_done(g, rc, 0);
	return DPVS_OK;
}

static const struct ctrl_op stats_ops[] = {
	{ DPVS_OP_WORKER_STATS, "worker-stats", 0, 0, op_worker_stats },
};

static struct ctrl_range stats_range = {
	.module = "stats",
	.min = DPVS_OP_STATS_MIN,
	.max = DPVS_OP_STATS_MAX,
	.ops = stats_ops,
	.nops = sizeof(stats_ops) / sizeof(stats_ops[0]),
};

int stats_ctl_init(void)
{
	int rc = msgbus_register(MSGBUS_ALL_LCORES, MSG_TYPE_WORKER_STATS,
				 "worker-stats", wstats_cb);

	return rc ? rc : ctrl_register(&stats_range);
}
