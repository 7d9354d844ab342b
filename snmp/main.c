/*
 * dpvs-snmp: an AgentX subagent of snmpd serving DPVS-MIB from dpvs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "agent.h"

#define DEFAULT_PIDFILE "/var/run/dpvs-snmp.pid"

struct opts {
	const char *agentx;      /* NULL: net-snmp's default */
	const char *pidfile;
	const char *log;         /* "stderr" or "syslog" */
	struct snap_params snap;
	struct notify_params notify;
	unsigned poll_s;
	unsigned ping_s;
	bool foreground;
};

static volatile sig_atomic_t stop;

static void usage(FILE *out)
{
	fprintf(out,
"Usage: dpvs-snmp [OPTIONS]\n"
"\n"
"An AgentX subagent: connects to snmpd's master agent (`master agentx` in\n"
"snmpd.conf) and serves DPVS-MIB (enterprises.99999) with what dpvs reports\n"
"over its control socket: services, real servers, workers, ports, FullNAT\n"
"local addresses.  It sends dpvsPortDown/dpvsPortUp and dpvsConnPoolFull/\n"
"dpvsConnPoolOk notifications through snmpd's trap sinks.  When dpvs or\n"
"snmpd restarts it reconnects by itself.\n"
"\n"
"Options:\n"
"  -x, --agentx SOCKET    snmpd's AgentX socket, as in snmpd.conf's\n"
"                         agentXSocket (default net-snmp's: /var/agentx/master)\n"
"  -c, --ipc-file PATH    dpvs control socket (default %s)\n"
"  -t, --cache SECONDS    serve one snapshot of dpvs this long, so a walk of\n"
"                         a big table reads dpvs once (default 3; 0: read dpvs\n"
"                         for every request)\n"
"  -i, --poll SECONDS     read dpvs this often to check for notifications\n"
"                         (default 5)\n"
"  -a, --pool-alarm PCT   send dpvsConnPoolFull when this share of the\n"
"                         connection pool is in use (default 90; 1-100)\n"
"  -T, --timeout MS       give up on a dpvs request after MS (default 800);\n"
"                         keep it under snmpd's agentXTimeout (1 s unless\n"
"                         snmpd.conf sets it)\n"
"  -P, --ping SECONDS     check the link to snmpd this often and reconnect\n"
"                         (default 5)\n"
"  -f, --foreground       stay in the foreground (logs to stderr)\n"
"  -p, --pid-file PATH    pid file (default %s; refused if another\n"
"                         dpvs-snmp holds it)\n"
"  -l, --log WHERE        stderr or syslog (default: stderr in the\n"
"                         foreground, syslog (daemon facility) otherwise)\n"
"  -h, --help             this help\n"
"\n"
"Exit status: 0 after SIGTERM or SIGINT, 1 if it could not start, 2 on a\n"
"usage error.  See docs/snmp.md.\n", DPVS_DEFAULT_IPC, DEFAULT_PIDFILE);
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "dpvs-snmp: bad %s '%s' (see --help)\n", what, arg);
	return 2;
}

/* Unsigned integer in [lo, hi], all of the string. */
static bool uint_arg(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "agentx", required_argument, NULL, 'x' },
		{ "ipc-file", required_argument, NULL, 'c' },
		{ "cache", required_argument, NULL, 't' },
		{ "poll", required_argument, NULL, 'i' },
		{ "pool-alarm", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "ping", required_argument, NULL, 'P' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "log", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned v;
	int c;

	while ((c = getopt_long(argc, argv, "x:c:t:i:a:T:P:fp:l:h", longs,
				NULL)) != -1) {
		switch (c) {
		case 'x': o->agentx = optarg; break;
		case 'c': o->snap.ipc = optarg; break;
		case 't':
			if (!uint_arg(optarg, 0, 3600, &v))
				return bad("cache time", optarg);
			o->snap.cache_ms = v * 1000;
			break;
		case 'i':
			if (!uint_arg(optarg, 1, 3600, &o->poll_s))
				return bad("poll interval", optarg);
			break;
		case 'a':
			if (!uint_arg(optarg, 1, 100, &o->notify.pool_alarm_pct))
				return bad("pool alarm", optarg);
			break;
		case 'T':
			if (!uint_arg(optarg, 10, 600000, &v))
				return bad("timeout", optarg);
			o->snap.timeout_ms = (int)v;
			break;
		case 'P':
			if (!uint_arg(optarg, 1, 3600, &o->ping_s))
				return bad("ping interval", optarg);
			break;
		case 'f': o->foreground = true; break;
		case 'p': o->pidfile = optarg; break;
		case 'l':
			if (strcmp(optarg, "stderr") && strcmp(optarg, "syslog"))
				return bad("log destination", optarg);
			o->log = optarg;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind]);
	return 0;
}

/* Held (locked) for the life of the process; another instance fails. */
static int pidfile_open(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "dpvs-snmp: pid file %s: %s\n", path,
			errno == EWOULDBLOCK ? "another dpvs-snmp is running"
					     : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, strlen(buf)) < 0) {
		fprintf(stderr, "dpvs-snmp: pid file %s: %s\n", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void on_signal(int sig __attribute__((unused)))
{
	stop = 1;
}

static void on_poll(unsigned reg __attribute__((unused)),
		    void *arg __attribute__((unused)))
{
	notify_check(snapshot_refresh());
}

static void setup_netsnmp(const struct opts *o)
{
	if (strcmp(o->log, "syslog") == 0)
		snmp_enable_calllog(), snmp_enable_syslog_ident("dpvs-snmp",
								LOG_DAEMON);
	else
		snmp_enable_stderrlog();
	/* No MIB parsing, no config files, no state saved at exit. */
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
			       NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
}

/* After init_agent(), which sets its own defaults for these. */
static void setup_agentx(const struct opts *o)
{
	if (o->agentx)
		netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
				      NETSNMP_DS_AGENT_X_SOCKET, o->agentx);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
			   NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, (int)o->ping_s);
}

static int run(const struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: the agent's select() must return on a signal. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (init_agent("dpvs-snmp") != 0) {
		snmp_log(LOG_ERR, "dpvs-snmp: cannot start the agent library\n");
		return 1;
	}
	setup_agentx(o);
	snapshot_init(&o->snap);
	notify_init(&o->notify);
	if (mib_dpvs_register() < 0)
		return 1;
	init_snmp("dpvs-snmp");
	snmp_alarm_register(o->poll_s, SA_REPEAT, on_poll, NULL);
	snmp_log(LOG_INFO, "dpvs-snmp: serving DPVS-MIB for dpvs at %s\n",
		 o->snap.ipc);
	notify_check(snapshot_refresh());
	while (!stop)
		agent_check_and_process(1);
	snmp_log(LOG_INFO, "dpvs-snmp: stopping\n");
	snmp_shutdown("dpvs-snmp");
	mib_dpvs_fini();
	snapshot_fini();
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.pidfile = DEFAULT_PIDFILE,
		.snap = { .ipc = DPVS_DEFAULT_IPC, .cache_ms = 3000,
			  .timeout_ms = 800 },
		.notify = { .pool_alarm_pct = 90 },
		.poll_s = 5,
		.ping_s = 5,
	};
	int rc = parse(argc, argv, &o), fd;

	if (rc)
		return rc;
	if (!o.log)
		o.log = o.foreground ? "stderr" : "syslog";
	/* Keeps the working folder: relative -c, -x and -p still resolve. */
	if (!o.foreground && daemon(1, 0) < 0) {
		perror("dpvs-snmp: daemon");
		return 1;
	}
	fd = pidfile_open(o.pidfile);
	if (fd < 0)
		return 1;
	setup_netsnmp(&o);
	rc = run(&o);
	unlink(o.pidfile);
	close(fd);
	return rc;
}
