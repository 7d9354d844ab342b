/* Start-up, the master's jobs, reload, and clean shutdown. */
#include "daemon.h"
#include "daemon_preflight.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_timer.h>

#include "core/cmdline.h"
#include "core/evloop.h"
#include "ctrl/handlers/handlers.h"
#include "ctrl/ctrl.h"
#include "ha/sync.h"
#include "ha/ha_lease.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/msgbus.h"
#include "core/notify.h"
#include "net/inetaddr.h"
#include "net/ipv4.h"
#include "net/net6.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_core.h"
#include "ipvs/ipvs_persist.h"
#include "ipvs/ipvs_sync.h"
#include "net/kni.h"
#include "net/neigh.h"
#include "net/netif.h"
#include "core/rcu.h"
#include "core/timer.h"
#include "net/route.h"

static struct {
	struct dpvs_conf conf;
	const char *ipc_override;   /* -x wins over ctrl.ipc_file */
	const char *pid_file;
	int pid_fd;
	uint64_t start_time;
	uint64_t start_tsc;
	struct core_timer neigh_timer;
	struct core_timer msgbus_timer;
	struct core_timer rate_timer;
	char **eargv;               /* rte_eal_init's, kept until the end */
	char lcores[512];
	char main_lcore[16];
} d = { .pid_fd = -1 };

static volatile sig_atomic_t reload_flag;

const struct dpvs_conf *daemon_conf(void)
{
	return &d.conf;
}

uint64_t daemon_start_time(void)
{
	return d.start_time;
}

uint64_t daemon_uptime_ms(void)
{
	return (rte_get_tsc_cycles() - d.start_tsc) * 1000 / rte_get_tsc_hz();
}

void daemon_request_reload(void)
{
	reload_flag = 1;
}

static void ctrl_params_of(const struct dpvs_conf *c, struct ctrl_params *p)
{
	p->path = c->ipc_file;
	p->group = c->ctrl_group;
	p->max_request = c->max_request;
	p->max_clients = c->max_clients;
	p->client_timeout_ms = c->client_timeout_ms;
	p->max_user_buffer = c->max_user_buffer;
	p->max_total_buffer = c->max_total_buffer;
}

/* Puts the reloadable part of the running config into effect. */
static void apply_runtime(const struct dpvs_conf *c)
{
	struct ctrl_params p;

	lcore_set_idle(c->idle_policy, c->idle_empty_loops, c->idle_sleep_us,
		       c->idle_max_sleep_us);
	msgbus_set_timeout(c->sync_timeout_ms);
	ipv4_set_forwarding(c->ip_forward);
	neigh_set_params(c);
	net6_apply(c);
	kni_set_rates(c);
	ha_sync_apply_conf(c);
	ha_lease_set_bounds(c->ha_lease_min_ms, c->ha_lease_max_ms);
	inetaddr_ha_set_garp(c->ha_garp_count, c->ha_garp_interval_ms);
	ctrl_params_of(c, &p);
	ctrl_set_params(&p);
}

struct summary {
	char *buf;
	size_t len;
	size_t off;
};

static void summary_add(struct summary *s, const char *line)
{
	int n;

	if (s->off >= s->len)
		return;
	n = snprintf(s->buf + s->off, s->len - s->off, "%s\n", line);
	if (n > 0)
		s->off += (size_t)n;
	if (s->off > s->len)
		s->off = s->len;
}

static void report_change(void *arg, bool applied, const char *key,
			  const char *from, const char *to)
{
	char line[PATH_MAX * 2 + 128];

	if (applied) {
		snprintf(line, sizeof(line), "%s: %s -> %s (applied)", key, from, to);
		LOG_NOTICEX("reload", "%s", line);
	} else {
		snprintf(line, sizeof(line), "%s: %s -> %s (start-only: restart "
			 "dpvs to apply)", key, from, to);
		LOG_WARNX("reload", "%s", line);
	}
	summary_add(arg, line);
}

int daemon_reload(char *summary, size_t len)
{
	struct summary s = { summary, len, 0 };
	struct dpvs_conf *nc = malloc(sizeof(*nc));
	char line[PATH_MAX + 64];
	int changed;

	summary[0] = '\0';
	notify_reloading();
	if (!nc) {
		notify_reloaded(lcore_nworkers(), netif_nports(), NULL);
		snprintf(summary, len, "out of memory");
		return DPVS_ENOMEM;
	}
	if (conf_load(d.conf.file, nc, summary, len) < 0) {
		LOG_ERRX("reload", "%s rejected, keeping the running config:\n%s",
			 d.conf.file, summary);
		free(nc);
		notify_reloaded(lcore_nworkers(), netif_nports(), d.conf.file);
		return DPVS_ECONFIG;
	}
	if (d.ipc_override)
		snprintf(nc->ipc_file, sizeof(nc->ipc_file), "%s", d.ipc_override);
	if (nc->log_target != d.conf.log_target ||
	    strcmp(nc->log_file, d.conf.log_file)) {
		if (log_open(nc->log_target, nc->log_file, line, sizeof(line)) < 0) {
			LOG_ERRX("reload", "%s; keeping the old log target", line);
			nc->log_target = d.conf.log_target;
			memcpy(nc->log_file, d.conf.log_file, sizeof(nc->log_file));
		}
	}
	if (nc->log_level != d.conf.log_level)
		log_set_level(nc->log_level);
	changed = conf_diff(&d.conf, nc, report_change, &s);
	conf_apply_reloadable(&d.conf, nc);
	apply_runtime(&d.conf);
	free(nc);
	snprintf(line, sizeof(line), "reloaded %s: %d key%s changed",
		 d.conf.file, changed, changed == 1 ? "" : "s");
	LOG_NOTICEX("reload", "%s", line);
	summary_add(&s, line);
	notify_reloaded(lcore_nworkers(), netif_nports(), NULL);
	return DPVS_OK;
}

/* ---- master jobs ---- */

static int reload_job(void *arg __rte_unused)
{
	char summary[8192];

	if (!reload_flag)
		return 0;
	reload_flag = 0;
	daemon_reload(summary, sizeof(summary));
	return 1;
}

/*
 * The master's first act in its loop: by then the ports are started, the
 * control socket listens and is served from here on, and the workers are
 * launched (rte_eal_mp_remote_launch starts them before the master).
 */
static int ready_job(void *arg __rte_unused)
{
	notify_ready(lcore_nworkers(), netif_nports());
	notify_watchdog_start();
	return 0;
}

/* The master's fds (control socket, TAPs), without waiting. */
static int evloop_job(void *arg __rte_unused)
{
	return evloop_poll(0);
}

static struct lcore_job master_jobs[] = {
	{ .name = "notify-ready", .fn = ready_job, .kind = JOB_INIT },
	{ .name = "reload", .fn = reload_job, .kind = JOB_LOOP },
	{ .name = "evloop", .fn = evloop_job, .kind = JOB_LOOP },
	{ .name = "msgbus", .fn = msgbus_job, .kind = JOB_LOOP },
	{ .name = "timers", .fn = core_timer_job, .kind = JOB_LOOP },
	{ .name = "kni", .fn = kni_master_job, .kind = JOB_LOOP },
	{ .name = "link", .fn = netif_link_job, .kind = JOB_SLOW, .skip = 256 },
	{ .name = "ipvs-persist", .fn = ipvs_persist_expire_job, .kind = JOB_LOOP },
	{ .name = "sync", .fn = ha_sync_job, .kind = JOB_LOOP },
};

static struct lcore_job worker_jobs[] = {
	{ .name = "rx", .fn = netif_rx_job, .kind = JOB_LOOP },
	{ .name = "kni", .fn = kni_worker_job, .kind = JOB_LOOP },
	{ .name = "neigh", .fn = neigh_pending_job, .kind = JOB_LOOP },
	{ .name = "neigh6-pending", .fn = net6_worker_job, .kind = JOB_LOOP },
	{ .name = "ipvs-handover", .fn = ipvs_handover_job, .kind = JOB_LOOP },
	{ .name = "ipvs-conn", .fn = ipvs_conn_job, .kind = JOB_LOOP },
	{ .name = "ipvs-sync-in", .fn = ipvs_sync_in_job, .kind = JOB_LOOP },
	{ .name = "msgbus", .fn = msgbus_job, .kind = JOB_LOOP },
};

static int register_jobs(void)
{
	for (size_t i = 0; i < RTE_DIM(master_jobs); i++)
		if (lcore_job_register(&master_jobs[i], ROLE_MASTER) < 0)
			return -1;
	for (size_t i = 0; i < RTE_DIM(worker_jobs); i++)
		if (lcore_job_register(&worker_jobs[i], ROLE_WORKER) < 0)
			return -1;
	/* The master sleeps in its epoll set: a request wakes it at once. */
	lcore_set_idle_wait(ROLE_MASTER, evloop_idle_wait);
	return 0;
}

/* The master's periodic work; after the parts they call exist. */
static int start_timers(void)
{
	if (core_timer_every(&d.neigh_timer, "neigh-expire", NEIGH_EXPIRE_MS,
			     neigh_expire, NULL) < 0 ||
	    core_timer_every(&d.msgbus_timer, "msgbus-expire",
			     MSGBUS_EXPIRE_MS, msgbus_expire, NULL) < 0 ||
	    core_timer_every(&d.rate_timer, "ipvs-rates", IPVS_RATE_MS,
			     ipvs_rate_tick, NULL) < 0 ||
	    net6_start_timers() < 0)
		return -1;
	return 0;
}

static void stop_timers(void)
{
	core_timer_stop(&d.neigh_timer);
	core_timer_stop(&d.msgbus_timer);
	core_timer_stop(&d.rate_timer);
	net6_stop_timers();
}

/* ---- signals and pid file ---- */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_flag = 1;
	else
		lcore_stop();
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int pidfile_open(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "dpvs: cannot open pid file %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "dpvs: pid file %s is locked: another dpvs is "
			"running\n", path);
		close(fd);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%d\n", getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, strlen(buf)) < 0) {
		fprintf(stderr, "dpvs: cannot write pid file %s: %s\n", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	d.pid_fd = fd;
	return 0;
}

static void pidfile_close(void)
{
	if (d.pid_fd < 0)
		return;
	unlink(d.pid_file);
	close(d.pid_fd);
	d.pid_fd = -1;
}

/* ---- EAL arguments ---- */

static bool has_arg(int argc, char **argv, const char *const *names)
{
	for (int i = 0; i < argc; i++)
		for (int j = 0; names[j]; j++) {
			size_t n = strlen(names[j]);

			if (!strncmp(argv[i], names[j], n) &&
			    (argv[i][n] == '\0' || argv[i][n] == '='))
				return true;
		}
	return false;
}

/* argv for rte_eal_init: config's eal_args, then the command line's. */
static char **eal_argv(const struct cmdline *cl, int *argc_out,
		       char *lcores, size_t lcores_len, char *main_lcore)
{
	static const char *const lcore_opts[] = { "-l", "-c", "--lcores", NULL };
	static const char *const main_opts[] = { "--main-lcore", NULL };
	int max = (int)d.conf.neal_args + cl->eal_argc + 6, argc = 0;
	char **argv = calloc((size_t)max + 1, sizeof(char *));

	if (!argv)
		return NULL;
	argv[argc++] = "dpvs";
	for (uint32_t i = 0; i < d.conf.neal_args; i++)
		argv[argc++] = d.conf.eal_args[i];
	for (int i = 0; i < cl->eal_argc; i++)
		argv[argc++] = cl->eal_argv[i];
	if (!has_arg(argc, argv, lcore_opts)) {
		size_t off = (size_t)snprintf(lcores, lcores_len, "%u",
					      d.conf.master_lcore);

		for (uint32_t i = 0; i < d.conf.nworkers && off < lcores_len; i++)
			off += (size_t)snprintf(lcores + off, lcores_len - off,
						",%u", d.conf.workers[i].lcore);
		argv[argc++] = "-l";
		argv[argc++] = lcores;
	}
	if (!has_arg(argc, argv, main_opts)) {
		sprintf(main_lcore, "%u", d.conf.master_lcore);
		argv[argc++] = "--main-lcore";
		argv[argc++] = main_lcore;
	}
	*argc_out = argc;
	return argv;
}

/* ---- start and stop ---- */

/* What the control handlers may ask of the daemon (handlers.h). */
static const struct ctrl_daemon_ops ctl_daemon = {
	.version = DPVS_VERSION,
	.conf = daemon_conf,
	.start_time = daemon_start_time,
	.uptime_ms = daemon_uptime_ms,
	.reload = daemon_reload,
};

static int start_subsystems(void)
{
	struct msgbus_params mp = {
		.ring_size = d.conf.msg_ring_size,
		.pool_size = d.conf.msg_pool_size,
		.timeout_ms = d.conf.sync_timeout_ms,
	};
	struct ctrl_params cp;

	if (rte_timer_subsystem_init() < 0 && rte_errno != EALREADY)
		return -1;
	core_timer_set_tick(d.conf.timer_tick_us);
	if (lcore_roles_init(&d.conf) < 0 || rcu_init() < 0 ||
	    msgbus_init(&mp) < 0 || evloop_init() < 0 ||
	    core_ctl_init(&ctl_daemon) < 0 || register_jobs() < 0)
		return -1;
	/* The control socket is served once the loop runs. */
	ctrl_params_of(&d.conf, &cp);
	if (ctrl_init(&cp) < 0)
		return -1;
	if (route_init(d.conf.max_routes) < 0 || neigh_init(&d.conf) < 0 ||
	    net6_init(&d.conf) < 0 ||
	    netif_init(&d.conf) < 0 || kni_init(&d.conf) < 0 ||
	    netif_ctl_init() < 0 || ipvs_init(&d.conf) < 0 ||
	    ipvs_ctl_init() < 0 || stats_ctl_init() < 0 || resources_ctl_init(&ctl_daemon) < 0 ||
	    sync_ctl_init() < 0 || ha_ctl_init() < 0)
		return -1;
	if (ha_sync_init(&d.conf) < 0)
		return -1;
	if (ha_lease_init() < 0)
		return -1;
	return start_timers();
}

static void stop_subsystems(void)
{
	msgbus_cancel_all(); /* deferred replies and gathers end while all lives */
	stop_timers();
	ha_lease_fini();
	ctrl_fini();
	ha_sync_fini();
	ipvs_fini();
	kni_fini();
	evloop_fini();
	neigh_fini();
	net6_fini();
	netif_fini();
	route_fini();
	msgbus_fini();
	rcu_fini();
	rte_timer_subsystem_finalize();
}

static int load_conf(const struct cmdline *cl)
{
	static char err[16384];

	if (conf_load(cl->conf_file, &d.conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s", err);
		if (cl->test_config)
			fprintf(stderr, "dpvs: configuration file %s has errors\n",
				cl->conf_file);
		return -1;
	}
	if (cl->ipc_file)
		snprintf(d.conf.ipc_file, sizeof(d.conf.ipc_file), "%s",
			 cl->ipc_file);
	return 0;
}

static int early_checks(const struct cmdline *cl)
{
	char err[256];

	if (log_open(d.conf.log_target, d.conf.log_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpvs: %s\n", err);
		return -1;
	}
	log_set_level(d.conf.log_level);
	/* Before the EAL: a second instance must not disturb the first. */
	if (ctrl_check_free(d.conf.ipc_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpvs: %s\n", err);
		return -1;
	}
	return pidfile_open(cl->pid_file);
}

/* -t: the configuration, then the start-up checks on it. */
static int test_config(const struct cmdline *cl, int *rc)
{
	int eargc;
	char **eargv = eal_argv(cl, &eargc, d.lcores, sizeof(d.lcores),
				d.main_lcore);
	unsigned nerr = eargv ? daemon_preflight(&d.conf, eargc, eargv,
						 false) : 1;

	free(eargv);
	if (nerr) {
		fprintf(stderr, "dpvs: configuration file %s is OK, but %u "
			"start-up check%s failed\n", cl->conf_file, nerr,
			nerr == 1 ? "" : "s");
		return -1;
	}
	printf("dpvs: configuration file %s is OK\n", cl->conf_file);
	*rc = 0;
	return -1;
}

static void shutdown_all(void)
{
	stop_subsystems();
	pidfile_close();
	rte_eal_cleanup();
	free(d.eargv);
	d.eargv = NULL;
	LOG_NOTICEX("main", "stopped");
	log_close();
}

int daemon_start(int argc, char **argv, int *rc)
{
	struct cmdline cl;
	char err[256];
	int eargc;
	bool to_log;

	*rc = 1;
	if (cmdline_parse(argc, argv, &cl, err, sizeof(err)) < 0) {
		fprintf(stderr, "dpvs: %s\n", err);
		return -1;
	}
	if (cl.help || cl.version) {
		if (cl.help)
			cmdline_usage(argv[0], stdout);
		else
			printf("dpvs %s (control wire version %d)\n",
			       DPVS_VERSION, DPVS_WIRE_VERSION);
		*rc = 0;
		return -1;
	}
	if (load_conf(&cl) < 0)
		return -1;
	if (cl.test_config)
		return test_config(&cl, rc);
	d.ipc_override = cl.ipc_file;
	d.pid_file = cl.pid_file;
	if (early_checks(&cl) < 0)
		return -1;
	d.eargv = eal_argv(&cl, &eargc, d.lcores, sizeof(d.lcores),
			   d.main_lcore);
	to_log = d.conf.log_target != LOG_TO_STDERR;
	if (d.eargv && daemon_preflight(&d.conf, eargc, d.eargv, to_log)) {
		LOG_ERRX("main", "not started: the start-up checks failed");
		free(d.eargv);
		d.eargv = NULL;
		pidfile_close();
		return -1;
	}
	if (!d.eargv || rte_eal_init(eargc, d.eargv) < 0) {
		LOG_ERRX("main", "EAL initialisation failed: %s",
			 d.eargv ? rte_strerror(rte_errno) : "out of memory");
		if (d.eargv)
			daemon_preflight_explain(to_log);
		free(d.eargv);
		d.eargv = NULL;
		pidfile_close();
		return -1;
	}
	d.start_time = (uint64_t)time(NULL);
	d.start_tsc = rte_get_tsc_cycles();
	install_signals();
	if (start_subsystems() < 0) {
		shutdown_all();
		return -1;
	}
	apply_runtime(&d.conf);
	LOG_NOTICEX("main", "dpvs %s started: %u workers, %u ports, "
		    "control socket %s", DPVS_VERSION, lcore_nworkers(),
		    netif_nports(), d.conf.ipc_file);
	return 0;
}

void daemon_stop(void)
{
	LOG_NOTICEX("main", "stopping");
	notify_stopping();
	notify_watchdog_stop();
	shutdown_all();
}

int daemon_main(int argc, char **argv)
{
	int rc;

	if (daemon_start(argc, argv, &rc) < 0)
		return rc;
	lcore_run();
	daemon_stop();
	return 0;
}
