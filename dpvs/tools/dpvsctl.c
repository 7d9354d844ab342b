/*
 * dpvsctl: a small control tool for dpvs over libdpvs.  Address, route
 * and service commands live in dpip and dpvsadm; this one talks to the
 * daemon itself.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "dpvsctl_ha.h"
#include "libdpvs.h"

static void usage(FILE *out)
{
	fprintf(out,
"Usage: dpvsctl [-x PATH] COMMAND [ARGS]\n"
"\n"
"Talks to a running dpvs over its control socket.\n"
"\n"
"Commands:\n"
"  version              daemon version, pid, start time and uptime\n"
"  lcore [show]         lcores with their role and loop counters\n"
"  msgbus [show]        message-bus counters per message type\n"
"  msgbus ping [N]      run N (default 1) echo multicasts to every worker\n"
"  ctrl [show]          control-socket counters (clients, bad requests)\n"
"                       and the master's longest loop (loop_max_us)\n"
"  ctrl reset           show them, then restart loop_max_us\n"
"  ctrl echo SIZE       fetch a SIZE-byte test reply and check it\n"
"  resources [show]     each table, pool and the fd space: used, size, use%%\n"
"  reload               reload the configuration file, print what changed\n"
"  log-level LEVEL      set the log level (emerg alert crit err warning\n"
"                       notice info debug, or 0-7)\n"
"\n"
"HA (docs/ha.md; keepalived normally drives both):\n"
"  sync [show]          connection sync: role, transport, key fingerprint,\n"
"                       the peer last heard, the bulk, the counters\n"
"  sync start --role master|backup|both --iface IF --syncid N\n"
"             --key-file FILE [--port P] [--ttl T] [--maxlen L]\n"
"             [--group ADDR | --peer ADDR]\n"
"                       start sync roles (root only).  IF: a kernel\n"
"                       interface (dpdk0.kni, eth1); N: 0-255, equal on\n"
"                       both LBs; P: UDP port (8848); T: multicast TTL (1);\n"
"                       L: UDP payload bytes 104-10272 (from the MTU);\n"
"                       --group: multicast group (224.0.0.81), --peer:\n"
"                       unicast to that address instead.  FILE: 32-64 raw\n"
"                       bytes or 64-128 hex digits, mode 0600 or stricter\n"
"  sync conns           the connections installed from the peer, as\n"
"                       dpvsadm -L -c lists them, then their count\n"
"  sync stop master|backup|all\n"
"                       stop roles; the socket goes with the last one\n"
"  sync reset           set the sync counters to 0\n"
"  sync bulk            (backup) ask the master for its whole table now\n"
"  ha [show]            the HA lease: held, ms left, holder pid; HA and\n"
"                       leased address counts; times taken, lost, released\n"
"  ha hold [--ttl MS] [--for SECONDS] [--announce-every S]\n"
"                       take the lease on this connection and renew it\n"
"                       every MS/3 (MS: 50-60000, default 1000) until\n"
"                       SIGTERM or SIGINT, or SECONDS pass; then release\n"
"                       it.  A manual takeover without keepalived; exits\n"
"                       1 with dpvs's message if another client holds it.\n"
"                       --announce-every: announce the ha addresses again\n"
"                       every S seconds (1-86400), as keepalived does when\n"
"                       it re-announces its VIPs\n"
"\n"
"Options:\n"
"  -x, --ipc-file PATH  control socket (default %s)\n"
"  -h, --help           this help\n"
"\n"
"Exit status: 0 on success, 1 if dpvs refused or failed the request,\n"
"2 on a usage error.\n", DPVS_DEFAULT_IPC);
}

static int report(struct dpvs_handle *h, int rc, const char *what)
{
	const char *msg = dpvs_errmsg(h);

	if (rc == DPVS_OK)
		return 0;
	fprintf(stderr, "dpvsctl: %s: %s\n", what,
		msg && *msg ? msg : dpvs_strerror(rc));
	return 1;
}

static int cmd_version(struct dpvs_handle *h)
{
	struct dpvs_version_info v;
	int rc = dpvs_get_version(h, &v);

	if (rc)
		return report(h, rc, "version");
	time_t started = (time_t)v.start_time;
	char when[64];

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z",
		 localtime(&started));
	printf("dpvs %s (wire version %u)\npid %u, %u workers, %u ports\n"
	       "started %s, uptime %llu.%03llu s\n", v.version, v.wire_version,
	       v.pid, v.nworkers, v.nports, when,
	       (unsigned long long)(v.uptime_ms / 1000),
	       (unsigned long long)(v.uptime_ms % 1000));
	return 0;
}

static const char *role_name(uint32_t role)
{
	return role == DPVS_ROLE_MASTER ? "master" :
	       role == DPVS_ROLE_WORKER ? "worker" : "none";
}

static int cmd_lcores(struct dpvs_handle *h)
{
	struct dpvs_lcore_info *l;
	size_t n;
	int rc = dpvs_get_lcores(h, &l, &n);

	if (rc)
		return report(h, rc, "lcore show");
	printf("%-6s %-7s %-4s %-4s %14s %14s %12s %14s %10s\n", "lcore", "role",
	       "cpu", "rxq", "loops", "busy_loops", "idle_sleeps", "rx_packets",
	       "msgs");
	for (size_t i = 0; i < n; i++)
		printf("%-6u %-7s %-4d %-4u %14llu %14llu %12llu %14llu %10llu\n",
		       l[i].lcore_id, role_name(l[i].role), l[i].cpu, l[i].nrxq,
		       (unsigned long long)l[i].loops,
		       (unsigned long long)l[i].busy_loops,
		       (unsigned long long)l[i].idle_sleeps,
		       (unsigned long long)l[i].rx_packets,
		       (unsigned long long)l[i].msgs_handled);
	free(l);
	return 0;
}

static int cmd_msgbus(struct dpvs_handle *h)
{
	struct dpvs_msgbus_stats *m;
	size_t n;
	int rc = dpvs_get_msgbus_stats(h, &m, &n);

	if (rc)
		return report(h, rc, "msgbus show");
	printf("%-4s %-16s %10s %10s %10s %9s %8s %8s %8s\n", "type", "name",
	       "sent", "received", "replied", "timedout", "dropped", "late",
	       "failed");
	for (size_t i = 0; i < n; i++)
		printf("%-4u %-16s %10llu %10llu %10llu %9llu %8llu %8llu %8llu\n",
		       m[i].type, m[i].name, (unsigned long long)m[i].sent,
		       (unsigned long long)m[i].received,
		       (unsigned long long)m[i].replied,
		       (unsigned long long)m[i].timed_out,
		       (unsigned long long)m[i].dropped,
		       (unsigned long long)m[i].late,
		       (unsigned long long)m[i].failed);
	free(m);
	return 0;
}

static int cmd_ping(struct dpvs_handle *h, const char *arg)
{
	char *end;
	unsigned long n = arg ? strtoul(arg, &end, 10) : 1;
	uint32_t replies;
	int rc;

	if (arg && (*end || n == 0 || n > 100000)) {
		fprintf(stderr, "dpvsctl: msgbus ping: count must be 1..100000\n");
		return 2;
	}
	rc = dpvs_msgbus_ping(h, (uint32_t)n, &replies);
	if (rc)
		return report(h, rc, "msgbus ping");
	printf("%lu multicasts, %u replies\n", n, replies);
	return 0;
}

static const char *res_kind(uint32_t kind)
{
	return kind == DPVS_RES_TABLE ? "table" :
	       kind == DPVS_RES_POOL ? "pool" :
	       kind == DPVS_RES_FDS ? "fds" :
	       kind == DPVS_RES_HEAP ? "heap" : "other";
}

static int cmd_resources(struct dpvs_handle *h)
{
	struct dpvs_resource *r;
	size_t n;
	int rc = dpvs_get_resources(h, &r, &n);

	if (rc)
		return report(h, rc, "resources show");
	printf("%-6s %-24s %12s %12s %6s\n", "kind", "name", "used", "size",
	       "use%");
	for (size_t i = 0; i < n; i++)
		printf("%-6s %-24s %12llu %12llu %6.1f\n", res_kind(r[i].kind),
		       r[i].name, (unsigned long long)r[i].used,
		       (unsigned long long)r[i].size,
		       r[i].size ? 100.0 * (double)r[i].used / (double)r[i].size :
				   0.0);
	free(r);
	return 0;
}

#define CTRL_ROW(f) printf("%-14s %llu\n", #f, (unsigned long long)s.f)

static int cmd_ctrl(struct dpvs_handle *h, bool reset)
{
	struct dpvs_ctrl_stats s;
	int rc = reset ? dpvs_reset_ctrl_stats(h, &s) : dpvs_get_ctrl_stats(h, &s);

	if (rc)
		return report(h, rc, reset ? "ctrl reset" : "ctrl show");
	CTRL_ROW(accepted);
	CTRL_ROW(active);
	CTRL_ROW(refused);
	CTRL_ROW(over_limit);
	CTRL_ROW(requests);
	CTRL_ROW(errors);
	CTRL_ROW(bad_magic);
	CTRL_ROW(bad_version);
	CTRL_ROW(bad_flags);
	CTRL_ROW(too_big);
	CTRL_ROW(unknown_op);
	CTRL_ROW(bad_len);
	CTRL_ROW(truncated);
	CTRL_ROW(idle_timeouts);
	CTRL_ROW(write_errors);
	CTRL_ROW(over_budget);
	CTRL_ROW(buffered);
	CTRL_ROW(loop_max_us);
	return 0;
}

static int cmd_echo(struct dpvs_handle *h, const char *arg)
{
	char *end;
	unsigned long n = strtoul(arg, &end, 10);
	int rc;

	if (*end || end == arg || n > DPVS_ECHO_MAX) {
		fprintf(stderr, "dpvsctl: ctrl echo: size must be 0..%u\n",
			DPVS_ECHO_MAX);
		return 2;
	}
	rc = dpvs_echo(h, (uint32_t)n);
	if (rc)
		return report(h, rc, "ctrl echo");
	printf("%lu bytes ok\n", n);
	return 0;
}

static int cmd_reload(struct dpvs_handle *h)
{
	char *summary;
	int rc = dpvs_reload(h, &summary);

	if (rc)
		return report(h, rc, "reload");
	fputs(summary, stdout);
	free(summary);
	return 0;
}

static bool is_show(int argc, char **argv)
{
	return argc == 1 || (argc == 2 && !strcmp(argv[1], "show"));
}

typedef int (*cmd_fn)(struct dpvs_handle *h, int argc, char **argv);

static int do_version(struct dpvs_handle *h, int c, char **v)
{
	(void)c, (void)v;
	return cmd_version(h);
}

static int do_lcores(struct dpvs_handle *h, int c, char **v)
{
	(void)c, (void)v;
	return cmd_lcores(h);
}

static int do_msgbus(struct dpvs_handle *h, int c, char **v)
{
	(void)c, (void)v;
	return cmd_msgbus(h);
}

static int do_ping(struct dpvs_handle *h, int c, char **v)
{
	return cmd_ping(h, c == 3 ? v[2] : NULL);
}

static int do_ctrl(struct dpvs_handle *h, int c, char **v)
{
	return cmd_ctrl(h, c == 2 && !strcmp(v[1], "reset"));
}

static int do_resources(struct dpvs_handle *h, int c, char **v)
{
	(void)c, (void)v;
	return cmd_resources(h);
}

static int do_echo(struct dpvs_handle *h, int c, char **v)
{
	(void)c;
	return cmd_echo(h, v[2]);
}

static int do_reload(struct dpvs_handle *h, int c, char **v)
{
	(void)c, (void)v;
	return cmd_reload(h);
}

static int do_log_level(struct dpvs_handle *h, int c, char **v)
{
	(void)c;
	return report(h, dpvs_set_log_level(h, v[1]), "log-level");
}

static int do_sync(struct dpvs_handle *h, int c, char **v)
{
	return ha_sync_cmd(h, c, v);
}

static int do_ha(struct dpvs_handle *h, int c, char **v)
{
	return ha_ha_cmd(h, c, v);
}

/* Picks the command before connecting, so a typo is a usage error. */
static cmd_fn lookup(int argc, char **argv)
{
	const char *cmd = argv[0];

	if (!strcmp(cmd, "version") && argc == 1)
		return do_version;
	if (!strcmp(cmd, "lcore") && is_show(argc, argv))
		return do_lcores;
	if (!strcmp(cmd, "msgbus") && is_show(argc, argv))
		return do_msgbus;
	if (!strcmp(cmd, "msgbus") && argc <= 3 && !strcmp(argv[1], "ping"))
		return do_ping;
	if (!strcmp(cmd, "ctrl") && (is_show(argc, argv) ||
				     (argc == 2 && !strcmp(argv[1], "reset"))))
		return do_ctrl;
	if (!strcmp(cmd, "ctrl") && argc == 3 && !strcmp(argv[1], "echo"))
		return do_echo;
	if (!strcmp(cmd, "resources") && is_show(argc, argv))
		return do_resources;
	if (!strcmp(cmd, "reload") && argc == 1)
		return do_reload;
	if (!strcmp(cmd, "log-level") && argc == 2)
		return do_log_level;
	if (!strcmp(cmd, "sync"))
		return do_sync;
	if (!strcmp(cmd, "ha"))
		return do_ha;
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ipc-file", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct dpvs_handle *h;
	cmd_fn fn;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+x:h", opts, NULL)) != -1) {
		if (c == 'x') {
			path = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	/* The command's own option parsing below moves optind. */
	argc -= optind;
	argv += optind;
	fn = lookup(argc, argv);
	if ((fn == do_sync || fn == do_ha) && (rc = ha_cmd_check(argc, argv)))
		return rc;
	if (!fn) {
		fprintf(stderr, "dpvsctl: unknown command or arguments: '%s' "
			"(see dpvsctl --help)\n", argv[0]);
		return 2;
	}
	rc = dpvs_connect(path, &h);
	if (rc) {
		fprintf(stderr, "dpvsctl: cannot connect to %s: %s%s\n",
			path ? path : DPVS_DEFAULT_IPC,
			rc == DPVS_EIO ? strerror(errno) : dpvs_strerror(rc),
			rc == DPVS_EIO ? " (is dpvs running?)" : "");
		return 1;
	}
	rc = fn(h, argc, argv);
	dpvs_close(h);
	return rc;
}
