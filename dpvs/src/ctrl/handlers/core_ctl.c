/* Control operations of the daemon core (ids 0x0100-0x01ff). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "handlers.h"
#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/msgbus.h"
#include "net/netif.h"

static const struct ctrl_daemon_ops *daemon_ops;

static int op_version(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
		      struct ctrl_reply *rep)
{
	struct dpvs_version_info v = {
		.wire_version = DPVS_WIRE_VERSION,
		.pid = (uint32_t)getpid(),
		.nworkers = lcore_nworkers(),
		.nports = netif_nports(),
		.start_time = daemon_ops->start_time(),
		.uptime_ms = daemon_ops->uptime_ms(),
	};

	snprintf(v.version, sizeof(v.version), "%s", daemon_ops->version);
	wire_enc_version(&rep->data, &v);
	return DPVS_OK;
}

static int op_lcores(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
		     struct ctrl_reply *rep)
{
	unsigned lc, n = 0;

	RTE_LCORE_FOREACH(lc) {
		if (lcore_role(lc) != ROLE_NONE)
			n++;
	}
	wb_u32(&rep->data, n);
	RTE_LCORE_FOREACH(lc) {
		const struct lcore_stats *st = &lcore_stats[lc];
		rte_cpuset_t cpus = rte_lcore_cpuset(lc);
		struct dpvs_lcore_info info = {
			.lcore_id = lc,
			.role = lcore_role(lc),
			.cpu = -1,
			.nrxq = netif_lcore_nrxq(lc),
			.loops = lcore_stat_read(&st->loops),
			.busy_loops = lcore_stat_read(&st->busy_loops),
			.idle_sleeps = lcore_stat_read(&st->idle_sleeps),
			.rx_packets = lcore_stat_read(&st->rx_packets),
			.msgs_handled = lcore_stat_read(&st->msgs_handled),
		};

		if (info.role == ROLE_NONE)
			continue;
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &cpus)) {
				info.cpu = c;
				break;
			}
		wire_enc_lcore(&rep->data, &info);
	}
	return DPVS_OK;
}

static int op_msgbus_stats(uint32_t op __rte_unused,
			   struct rbuf *req __rte_unused, struct ctrl_reply *rep)
{
	struct msgbus_type_stats st[MSGBUS_MAX_TYPES];
	unsigned n = msgbus_stats(st, MSGBUS_MAX_TYPES);

	wb_u32(&rep->data, n);
	for (unsigned i = 0; i < n; i++) {
		struct dpvs_msgbus_stats w = {
			.type = st[i].type, .sent = st[i].sent,
			.received = st[i].received, .replied = st[i].replied,
			.timed_out = st[i].timed_out, .dropped = st[i].dropped,
			.late = st[i].late, .failed = st[i].failed,
		};

		_Static_assert(sizeof(w.name) == sizeof(st[i].name),
			       "msgbus type names differ in length");
		memcpy(w.name, st[i].name, sizeof(w.name));
		wire_enc_msgbus(&rep->data, &w);
	}
	return DPVS_OK;
}

static int op_ctrl_stats(uint32_t op __rte_unused, struct rbuf *req,
			 struct ctrl_reply *rep)
{
	uint32_t flags = rb_left(req) ? rb_u32(req) : 0;
	struct dpvs_ctrl_stats st;

	if (flags & ~DPVS_CTRL_STATS_RESET)
		return ctrl_error(rep, DPVS_EINVAL, "unknown flags %#x", flags);
	ctrl_get_stats(&st);
	st.loop_max_us = lcore_loop_max_us(rte_get_main_lcore(),
					   flags & DPVS_CTRL_STATS_RESET);
	wire_enc_ctrl_stats(&rep->data, &st);
	return DPVS_OK;
}

static int op_reload(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
		     struct ctrl_reply *rep)
{
	char summary[8192];
	int rc = daemon_ops->reload(summary, sizeof(summary));
	size_t n = strlen(summary);

	while (n && summary[n - 1] == '\n')
		summary[--n] = '\0';
	if (rc != DPVS_OK)
		return ctrl_error(rep, (uint32_t)rc, "%s", summary);
	wb_bytes(&rep->data, summary, n);
	wb_u8(&rep->data, '\n');
	return DPVS_OK;
}

static int op_log_level(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	uint32_t lvl = rb_u32(req);

	if (lvl > LOG_DEBUG)
		return ctrl_error(rep, DPVS_EINVAL, "log level %u is not 0..7", lvl);
	log_set_level((int)lvl);
	LOG_NOTICEX("ctrl", "log level set to %s", log_level_name((int)lvl));
	return DPVS_OK;
}

/*
 * `count` echo multicasts, one after the other, each started when the
 * last one completed: the master loop runs between them.
 */
struct ping {
	struct ctrl_deferred *d;
	uint32_t count, i, replies;
};

static void ping_reply(void *arg, unsigned lcore __rte_unused, int rc,
		       const void *data __rte_unused, uint16_t len __rte_unused)
{
	struct ping *p = arg;

	if (rc == 0)
		p->replies++;
}

static void ping_answer(struct ping *p, int rc)
{
	struct ctrl_reply rep = { .status = DPVS_OK };

	wb_init(&rep.data);
	if (rc == -ETIMEDOUT)
		ctrl_error(&rep, DPVS_ETIMEDOUT, "echo %u of %u timed out",
			   p->i + 1, p->count);
	else if (rc < 0)
		ctrl_error(&rep, DPVS_EIO, "echo %u of %u: %s", p->i + 1,
			   p->count, strerror(-rc));
	else
		wb_u32(&rep.data, p->replies);
	ctrl_answer(p->d, &rep);
	wb_free(&rep.data);
	free(p);
}

static void ping_done(void *arg, int rc, unsigned nreplies __rte_unused);

static void ping_next(struct ping *p)
{
	int rc;

	if (p->i == p->count || lcore_nworkers() == 0) {
		ping_answer(p, 0);
		return;
	}
	rc = msgbus_mcast_async(MSG_TYPE_ECHO, &p->i, sizeof(p->i), ping_reply,
				ping_done, p);
	if (rc < 0)
		ping_answer(p, rc);
}

static void ping_done(void *arg, int rc, unsigned nreplies __rte_unused)
{
	struct ping *p = arg;

	if (rc < 0) {
		ping_answer(p, rc);
		return;
	}
	p->i++;
	ping_next(p);
}

/* Runs `count` echo multicasts: a check of the bus from outside. */
static int op_msgbus_ping(uint32_t op __rte_unused, struct rbuf *req,
			  struct ctrl_reply *rep)
{
	uint32_t count = rb_u32(req);
	struct ping *p;

	if (count == 0 || count > 100000)
		return ctrl_error(rep, DPVS_EINVAL, "count %u is not 1..100000",
				  count);
	p = calloc(1, sizeof(*p));
	if (p)
		p->d = ctrl_defer(rep);
	if (!p || !p->d) {
		free(p);
		return ctrl_error(rep, DPVS_ENOMEM, "msgbus ping");
	}
	p->count = count;
	ping_next(p);
	return DPVS_OK;
}

/* A reply of the asked size: tests chunking and slow or vanishing readers. */
static int op_echo(uint32_t op __rte_unused, struct rbuf *req,
		   struct ctrl_reply *rep)
{
	uint32_t size = rb_u32(req);

	if (size > DPVS_ECHO_MAX)
		return ctrl_error(rep, DPVS_ETOOBIG, "echo of %u bytes is over %u",
				  size, DPVS_ECHO_MAX);
	for (uint32_t i = 0; i < size; i++)
		wb_u8(&rep->data, dpvs_echo_byte(i));
	return DPVS_OK;
}

static const struct ctrl_op core_ops[] = {
	{ DPVS_OP_VERSION, "version", 0, 0, op_version },
	{ DPVS_OP_LCORES, "lcores", 0, 0, op_lcores },
	{ DPVS_OP_MSGBUS_STATS, "msgbus-stats", 0, 0, op_msgbus_stats },
	{ DPVS_OP_CTRL_STATS, "ctrl-stats", 0, 4, op_ctrl_stats },
	{ DPVS_OP_RELOAD, "reload", 0, 0, op_reload },
	{ DPVS_OP_LOG_LEVEL, "log-level", 4, 4, op_log_level },
	{ DPVS_OP_MSGBUS_PING, "msgbus-ping", 4, 4, op_msgbus_ping },
	{ DPVS_OP_ECHO, "echo", 4, 4, op_echo },
};

static struct ctrl_range core_range = {
	.module = "core",
	.min = DPVS_OP_CORE_MIN,
	.max = DPVS_OP_CORE_MAX,
	.ops = core_ops,
	.nops = sizeof(core_ops) / sizeof(core_ops[0]),
};

static int echo_cb(const void *req, uint16_t len, void *reply,
		   uint16_t *reply_len)
{
	memcpy(reply, req, len);
	*reply_len = len;
	return 0;
}

int core_ctl_init(const struct ctrl_daemon_ops *d)
{
	daemon_ops = d;
	int rc = msgbus_register(MSGBUS_ALL_LCORES, MSG_TYPE_ECHO, "echo",
				 echo_cb);

	return rc ? rc : ctrl_register(&core_range);
}
