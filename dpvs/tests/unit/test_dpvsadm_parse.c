/*
 * Unit tests for dpvsadm's command line (dpvs/tools/dpvsadm_parse.c):
 * every command and option, the limits libdpvs.h sets, ipvsadm's rules
 * between them, and the message each bad input gets.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dpvsadm_parse.h"

#define MAX_WORDS 32

/* A command line split at spaces, as a shell would give it. */
struct args {
	char buf[512];
	char *argv[MAX_WORDS];
	int argc;
};

static void split(struct args *a, const char *line)
{
	char *save = NULL;

	snprintf(a->buf, sizeof(a->buf), "%s", line);
	a->argv[0] = (char *)"dpvsadm";
	a->argc = 1;
	for (char *w = strtok_r(a->buf, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		assert_true(a->argc < MAX_WORDS - 1);
		a->argv[a->argc++] = w;
	}
	a->argv[a->argc] = NULL;
}

static char err[320];

static int parse(const char *line, struct cmd *c)
{
	static struct args a; /* c keeps pointers into it (ipc, pos) */

	split(&a, line);
	memset(err, 0, sizeof(err));
	return parse_cmd(a.argc, a.argv, c, err, sizeof(err));
}

static void ok(const char *line, struct cmd *c)
{
	if (parse(line, c) != 0)
		fail_msg("'%s' refused: %s", line, err);
}

/* Refused, with a message holding want. */
static void bad(const char *line, const char *want)
{
	struct cmd c;

	if (parse(line, &c) == 0)
		fail_msg("'%s' accepted", line);
	if (!strstr(err, want))
		fail_msg("'%s': message '%s' lacks '%s'", line, err, want);
}

static uint32_t ip(const char *s)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, s, &in), 1);
	return in.s_addr;
}

static void test_no_arguments_lists(void **state)
{
	struct cmd c;

	(void)state;
	ok("", &c);
	assert_int_equal(c.cmd, CMD_LIST);
	ok("-n", &c);
	assert_int_equal(c.cmd, CMD_LIST);
	bad("--stats", "no command given");
	bad("extra", "unexpected argument 'extra'");
}

static void test_add_service_defaults(void **state)
{
	struct cmd c;

	(void)state;
	ok("-A -t 10.0.0.100:80", &c);
	assert_int_equal(c.cmd, CMD_ADD);
	assert_int_equal(c.svc.proto, IPPROTO_TCP);
	assert_int_equal(c.svc.vip, ip("10.0.0.100"));
	assert_int_equal(c.svc.vport, 80);
	assert_string_equal(c.svc.sched, DPVS_SCHED_DEFAULT);
	assert_int_equal(c.svc.flags, 0);
	assert_int_equal(c.svc.netmask, 0xffffffffu);
	assert_null(c.ipc);
}

static void test_add_service_options(void **state)
{
	struct cmd c;

	(void)state;
	ok("--add-service --udp-service 10.0.0.100:53 --scheduler rr "
	   "--persistent 600 --netmask 255.255.255.0", &c);
	assert_int_equal(c.cmd, CMD_ADD);
	assert_int_equal(c.svc.proto, IPPROTO_UDP);
	assert_int_equal(c.svc.vport, 53);
	assert_string_equal(c.svc.sched, "rr");
	assert_int_equal(c.svc.flags, DPVS_SVC_F_PERSISTENT);
	assert_int_equal(c.svc.timeout, 600);
	assert_int_equal(c.svc.netmask, ip("255.255.255.0"));
	/* -p alone: the default timeout; -M as a prefix length */
	ok("-A -t 10.0.0.100:80 -p -M 16", &c);
	assert_int_equal(c.svc.timeout, DPVS_PERSIST_TIMEOUT_DEFAULT);
	assert_int_equal(c.svc.netmask, ip("255.255.0.0"));
	ok("-A -t 10.0.0.100:80 -p -M 0", &c);
	assert_int_equal(c.svc.netmask, 0);
	/* port 0 is for persistent services only, as in ipvsadm */
	ok("-A -t 10.0.0.100 -p", &c);
	assert_int_equal(c.svc.vport, 0);
	bad("-A -t 10.0.0.100", "Zero port specified for non-persistent");
	bad("-A -t 10.0.0.100:80 -M 24", "-M sets the persistence "
	    "granularity: it needs -p");
}

static void test_optional_persistence_argument(void **state)
{
	struct cmd c;

	(void)state;
	ok("-A -t 10.0.0.100:80 -p5", &c);
	assert_int_equal(c.svc.timeout, 5);
	ok("-A -t 10.0.0.100:80 --persistent=7", &c);
	assert_int_equal(c.svc.timeout, 7);
	/* the next word is the timeout only if it is not an option */
	ok("-A -p -t 10.0.0.100:80", &c);
	assert_int_equal(c.svc.timeout, DPVS_PERSIST_TIMEOUT_DEFAULT);
	assert_int_equal(c.svc.vport, 80);
}

static void test_persistence_limits(void **state)
{
	char line[128];
	struct cmd c;

	(void)state;
	ok("-A -t 10.0.0.100:80 -p 1", &c);
	assert_int_equal(c.svc.timeout, 1);
	snprintf(line, sizeof(line), "-A -t 10.0.0.100:80 -p %u",
		 DPVS_PERSIST_TIMEOUT_MAX);
	ok(line, &c);
	assert_int_equal(c.svc.timeout, DPVS_PERSIST_TIMEOUT_MAX);
	snprintf(line, sizeof(line), "-A -t 10.0.0.100:80 -p %u",
		 DPVS_PERSIST_TIMEOUT_MAX + 1);
	bad(line, "invalid persistence timeout");
	bad("-A -t 10.0.0.100:80 -p 0", "(1-2678400 seconds)");
	bad("-A -t 10.0.0.100:80 -p x5", "invalid persistence timeout 'x5'");
	/* an optional argument never starts with '-' */
	bad("-A -t 10.0.0.100:80 -p -5", "unknown option '-5'");
	bad("-A -t 10.0.0.100:80 -p 99999999999999999999",
	    "invalid persistence timeout");
}

static void test_netmask(void **state)
{
	struct cmd c;

	(void)state;
	ok("-A -t 10.0.0.100:80 -p -M 32", &c);
	assert_int_equal(c.svc.netmask, 0xffffffffu);
	ok("-A -t 10.0.0.100:80 -p -M 255.255.255.128", &c);
	assert_int_equal(c.svc.netmask, ip("255.255.255.128"));
	bad("-A -t 10.0.0.100:80 -p -M 33", "illegal persistence netmask");
	bad("-A -t 10.0.0.100:80 -p -M 255.0.255.0", "contiguous ones");
	bad("-A -t 10.0.0.100:80 -p -M mask", "illegal persistence netmask");
}

static void test_service_address(void **state)
{
	struct cmd c;

	(void)state;
	ok("-D -t 10.0.0.100:65535", &c);
	assert_int_equal(c.svc.vport, 65535);
	bad("-D -t 10.0.0.100:65536", "illegal port in virtual service "
	    "address '10.0.0.100:65536' (0-65535)");
	bad("-D -t 10.0.0.100:http", "illegal port");
	bad("-D -t [::1]:80", "not a unicast address");
	bad("-D -t ::1", "not a unicast address");
	bad("-D -t 10.0.0:80", "illegal virtual service address");
	bad("-D -t www.example.com:80", "illegal virtual service address");
	bad("-D -t 224.0.0.1:80", "not a unicast address");
	bad("-D -t 0.1.2.3:80", "not a unicast address");
	bad("-D -t 240.0.0.1:80", "not a unicast address");
	bad("-D -t 10.0.0.100:80 -u 10.0.0.100:80",
	    "multiple 'service-address (-t|-u)' options");
	bad("-D", "You need to supply the 'service-address (-t|-u)' option "
	    "for the 'delete-service' command");
}

static void test_scheduler_names(void **state)
{
	struct cmd c;

	(void)state;
	ok("-A -t 10.0.0.100:80 -s conhash", &c);
	assert_string_equal(c.svc.sched, "conhash");
	ok("-A -t 10.0.0.100:80 -s abcdefghij_-123", &c); /* 15 */
	assert_string_equal(c.svc.sched, "abcdefghij_-123");
	bad("-A -t 10.0.0.100:80 -s abcdefghij_-1234", "illegal scheduler "
	    "'abcdefghij_-1234' (1 to 15 of a-z 0-9 _ -)");
	bad("-A -t 10.0.0.100:80 -s RR", "illegal scheduler");
	bad("-A -t 10.0.0.100:80 -s", "option '-s' needs an argument");
	bad("-A -t 10.0.0.100:80 --scheduler", "option '--scheduler' needs "
	    "an argument");
}

static void test_sched_flags(void **state)
{
	struct cmd c;

	(void)state;
	ok("-A -t 10.0.0.100:80 -s sh -b sh-fallback,sh-port", &c);
	assert_int_equal(c.svc.flags, DPVS_SVC_F_SCHED_FALLBACK |
					      DPVS_SVC_F_SCHED_PORT);
	ok("-A -t 10.0.0.100:80 -s mh --sched-flags mh-port", &c);
	assert_int_equal(c.svc.flags, DPVS_SVC_F_SCHED_PORT);
	ok("-A -t 10.0.0.100:80 -s mh -b flag-1", &c);
	assert_int_equal(c.svc.flags, DPVS_SVC_F_SCHED_FALLBACK);
	/* -E without -s: checked against dpvs's scheduler later */
	ok("-E -t 10.0.0.100:80 -b sh-port", &c);
	assert_int_equal(c.svc.flags, DPVS_SVC_F_SCHED_PORT);
	bad("-A -t 10.0.0.100:80 -s rr -b sh-port", "apply to the sh and mh "
	    "schedulers only, not to 'rr'");
	bad("-A -t 10.0.0.100:80 -b sh-port", "not to 'wlc'");
	bad("-A -t 10.0.0.100:80 -s mh -b sh-port", "sh-* scheduler flags do "
	    "not apply to scheduler 'mh'");
	bad("-A -t 10.0.0.100:80 -s sh -b sh-port,mh-port", "mix sh and mh");
	bad("-A -t 10.0.0.100:80 -s sh -b sh-port,", "illegal scheduler flag "
	    "''");
	bad("-A -t 10.0.0.100:80 -s sh -b bogus", "illegal scheduler flag "
	    "'bogus'");
	bad("-b -A -t 10.0.0.100:80", "-b: give the command first");
}

static void test_proxy_protocol(void **state)
{
	struct cmd c;

	(void)state;
	ok("-A -t 10.0.0.100:80 --proxy-protocol v2", &c);
	assert_int_equal(c.svc.flags, DPVS_SVC_F_PROXY_V2);
	assert_string_equal(fmt_proxy(c.svc.flags), "v2");
	ok("-A -t 10.0.0.100:80 -s sh -b sh-port --proxy-protocol v1", &c);
	assert_int_equal(c.svc.flags, DPVS_SVC_F_SCHED_PORT |
					      DPVS_SVC_F_PROXY_V1);
	ok("-E -t 10.0.0.100:80 --proxy-protocol none", &c);
	assert_true(c.opts & O(PROXY));
	assert_int_equal(c.svc.flags, 0);
	assert_string_equal(fmt_proxy(0), "none");
	bad("-A -t 10.0.0.100:80 --proxy-protocol v3", "illegal "
	    "proxy-protocol version 'v3'");
	bad("-A -u 10.0.0.100:53 --proxy-protocol v2", "for TCP services");
	bad("-A -t 10.0.0.100:80 --proxy-protocol v1 --proxy-protocol v2",
	    "proxy-protocol");
	bad("-a -t 10.0.0.100:80 -r 10.0.1.1 --proxy-protocol v2", "Illegal "
	    "'proxy-protocol (--proxy-protocol)' option");
}

static void test_edit_and_delete_service(void **state)
{
	struct cmd c;

	(void)state;
	ok("-E -t 10.0.0.100:80 -s wrr", &c);
	assert_int_equal(c.cmd, CMD_EDIT);
	assert_true(c.opts & O(SCHED));
	assert_false(c.opts & O(PERSIST));
	ok("--edit-service -t 10.0.0.100:80 -p 60", &c);
	assert_int_equal(c.svc.timeout, 60);
	ok("--delete-service -u 10.0.0.100:53", &c);
	assert_int_equal(c.cmd, CMD_DEL);
	bad("-D -t 10.0.0.100:80 -s rr", "Illegal 'scheduler (-s)' option "
	    "with the 'delete-service' command");
	ok("-C", &c);
	assert_int_equal(c.cmd, CMD_FLUSH);
	ok("--clear", &c);
	bad("-C -t 10.0.0.100:80", "Illegal 'service-address (-t|-u)' option "
	    "with the 'clear' command");
}

static void test_add_server_defaults(void **state)
{
	struct cmd c;

	(void)state;
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11", &c);
	assert_int_equal(c.cmd, CMD_ADDDEST);
	assert_int_equal(c.dest.proto, IPPROTO_TCP);
	assert_int_equal(c.dest.vip, ip("10.0.0.100"));
	assert_int_equal(c.dest.vport, 80);
	assert_int_equal(c.dest.addr, ip("10.0.1.11"));
	assert_int_equal(c.dest.port, 80);
	assert_int_equal(c.dest.fwd, DPVS_FWD_DR);
	assert_int_equal(c.dest.weight, 1);
	assert_int_equal(c.dest.u_thresh, 0);
	assert_int_equal(c.dest.l_thresh, 0);
	/* -e keeps what is not given: no defaults */
	ok("-e -t 10.0.0.100:80 -r 10.0.1.11 -w 5", &c);
	assert_int_equal(c.cmd, CMD_EDITDEST);
	assert_int_equal(c.dest.fwd, 0);
	assert_int_equal(c.dest.weight, 5);
	ok("-d -t 10.0.0.100:80 -r 10.0.1.11:8080", &c);
	assert_int_equal(c.cmd, CMD_DELDEST);
	assert_int_equal(c.dest.port, 8080);
	bad("-d -t 10.0.0.100:80 -r 10.0.1.11 -w 3", "Illegal 'weight (-w)' "
	    "option with the 'delete-server' command");
	bad("-a -t 10.0.0.100:80", "You need to supply the 'real-server (-r)' "
	    "option for the 'add-server' command");
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11 -s rr", "Illegal 'scheduler "
	    "(-s)' option with the 'add-server' command");
}

/* Every mode's switches, short and long, as libdpvs's table names them. */
static void test_forwarding_switches_from_table(void **state)
{
	char line[128];
	struct cmd c;

	(void)state;
	for (uint32_t id = DPVS_FWD_FNAT; id <= DPVS_FWD_MAX; id++) {
		const struct dpvs_fwd_mode *m = dpvs_fwd_by_id(id);

		assert_non_null(m);
		assert_int_equal(m->id, id);
		snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r 10.0.1.11 "
			 "-%c", m->short_opt);
		ok(line, &c);
		assert_int_equal(c.dest.fwd, id);
		snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r 10.0.1.11 "
			 "--%s", m->long_opt);
		ok(line, &c);
		assert_int_equal(c.dest.fwd, id);
	}
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11 -g", &c);
	assert_int_equal(c.dest.fwd, DPVS_FWD_DR);
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11 -m", &c);
	assert_int_equal(c.dest.fwd, DPVS_FWD_NAT);
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11 -i", &c);
	assert_int_equal(c.dest.fwd, DPVS_FWD_TUN);
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11 -b", &c);
	assert_int_equal(c.dest.fwd, DPVS_FWD_FNAT);
	ok("-e -t 10.0.0.100:80 -r 10.0.1.11 -b", &c);
	assert_int_equal(c.dest.fwd, DPVS_FWD_FNAT);
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11 -g -m", "multiple "
	    "'forwarding-method (-g|-m|-i|-b)' options");
	bad("-A -t 10.0.0.100:80 --fullnat", "Illegal 'forwarding-method "
	    "(-g|-m|-i|-b)' option with the 'add-service' command");
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11 --gatewaying=1", "option "
	    "'--gatewaying' takes no argument");
}

/* RS:PORT maps ports only in the modes that rewrite the destination. */
static void test_port_mapping_follows_mode(void **state)
{
	char line[128];
	struct cmd c;

	(void)state;
	for (uint32_t id = DPVS_FWD_FNAT; id <= DPVS_FWD_MAX; id++) {
		const struct dpvs_fwd_mode *m = dpvs_fwd_by_id(id);

		snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r "
			 "10.0.1.11:8080 -%c", m->short_opt);
		if (m->flags & DPVS_FWDF_KEEPS_PORT) {
			bad(line, "keeps the port");
			assert_non_null(strstr(err, m->desc));
		} else {
			ok(line, &c);
			assert_int_equal(c.dest.port, 8080);
		}
	}
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11:8080", "real server port 8080 "
	    "differs from the service port 80: direct routing (-g) keeps the "
	    "port (use -m or -b to map ports)");
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11:8080 -i", "tunnelling (-i) "
	    "keeps the port");
	/* the same port is no mapping */
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11:80 -i", &c);
}

static void test_weight_limits(void **state)
{
	char line[128];
	struct cmd c;

	(void)state;
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11 -w 0", &c);
	assert_int_equal(c.dest.weight, 0);
	snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r 10.0.1.11 "
		 "--weight %u", DPVS_WEIGHT_MAX);
	ok(line, &c);
	assert_int_equal(c.dest.weight, DPVS_WEIGHT_MAX);
	snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r 10.0.1.11 -w %u",
		 DPVS_WEIGHT_MAX + 1);
	bad(line, "illegal weight");
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11 -w -1", "illegal weight '-1' "
	    "(0-65535)");
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11 -w 1x", "illegal weight");
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11 -w ''", "illegal weight");
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11 -w 1 -w 2", "multiple "
	    "'weight (-w)' options");
}

static void test_threshold_limits(void **state)
{
	char line[160];
	struct cmd c;

	(void)state;
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11 -x 100 -y 50", &c);
	assert_int_equal(c.dest.u_thresh, 100);
	assert_int_equal(c.dest.l_thresh, 50);
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11 --u-threshold 10 "
	   "--l-threshold 10", &c);
	snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r 10.0.1.11 -x %u",
		 DPVS_THRESH_MAX);
	ok(line, &c);
	assert_int_equal(c.dest.u_thresh, DPVS_THRESH_MAX);
	snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r 10.0.1.11 -x %u",
		 DPVS_THRESH_MAX + 1u);
	bad(line, "illegal upper threshold '2147483648' (0-2147483647)");
	snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r 10.0.1.11 -y %u",
		 DPVS_THRESH_MAX + 1u);
	bad(line, "illegal lower threshold");
	/* a lower threshold without an upper one is no contradiction */
	ok("-a -t 10.0.0.100:80 -r 10.0.1.11 -y 5", &c);
	bad("-a -t 10.0.0.100:80 -r 10.0.1.11 -x 10 -y 11", "lower threshold "
	    "11 is above the upper threshold 10");
}

static void test_list_variants(void **state)
{
	struct cmd c;

	(void)state;
	ok("-L", &c);
	assert_int_equal(c.cmd, CMD_LIST);
	ok("-l", &c);
	assert_int_equal(c.cmd, CMD_LIST);
	ok("-Ln --stats --exact", &c);
	assert_true(c.opts & O(NUMERIC));
	assert_true(c.opts & O(STATS));
	assert_true(c.opts & O(EXACT));
	ok("--list -X --rate", &c);
	assert_true(c.opts & O(RATE));
	ok("-L --thresholds", &c);
	assert_true(c.opts & O(THRESH));
	ok("-L --persistent-conn --nosort", &c);
	assert_true(c.opts & O(PCONN));
	assert_true(c.opts & O(NOSORT));
	ok("-L --sort", &c);
	assert_true(c.opts & O(SORT));
	ok("-L -c", &c);
	assert_true(c.opts & O(CONN));
	ok("-L --connection", &c);
	ok("-L --timeout", &c);
	assert_true(c.opts & O(TIMEOUT));
	ok("-L -t 10.0.0.100:80 --stats", &c);
	assert_true(c.opts & O(SERVICE));
	bad("-L --stats --rate", "--stats, --rate, --thresholds and "
	    "--persistent-conn exclude each other");
	bad("-L -c --timeout", "-t/-u, -c and --timeout exclude each other");
	bad("-L -t 10.0.0.100:80 -c", "exclude each other");
	bad("-L -c --stats", "-L: -c shows no counters");
	bad("-L --timeout --rate", "-L: --timeout shows no counters");
	bad("-L --sort --nosort", "--sort and --nosort exclude each other");
	bad("-L -r 10.0.1.11", "Illegal 'real-server (-r)' option with the "
	    "'list' command");
	bad("-L -n -n", "multiple 'numeric (-n)' options");
}

static void test_save_zero_restore_help(void **state)
{
	struct cmd c;

	(void)state;
	ok("-S -n --nosort", &c);
	assert_int_equal(c.cmd, CMD_SAVE);
	ok("--save", &c);
	bad("-S --stats", "Illegal 'stats (--stats)' option with the 'save' "
	    "command");
	ok("-Z", &c);
	assert_int_equal(c.cmd, CMD_ZERO);
	assert_false(c.opts & O(SERVICE));
	ok("--zero -u 10.0.0.100:53", &c);
	assert_true(c.opts & O(SERVICE));
	ok("-R", &c);
	assert_int_equal(c.cmd, CMD_RESTORE);
	ok("--restore --ipc-file /tmp/x.ipc", &c);
	assert_string_equal(c.ipc, "/tmp/x.ipc");
	bad("-R -n", "Illegal 'numeric (-n)' option with the 'restore' "
	    "command");
	/* -h wins over everything after it, as ipvsadm's does */
	ok("-h -bogus", &c);
	assert_int_equal(c.cmd, CMD_HELP);
	ok("--help", &c);
	assert_int_equal(c.cmd, CMD_HELP);
	bad("-Lh", "multiple commands specified ('list' and 'help')");
}

static void test_set_timeouts(void **state)
{
	char line[128];
	struct cmd c;

	(void)state;
	ok("--set 900 120 300", &c);
	assert_int_equal(c.cmd, CMD_SET);
	assert_int_equal(c.timeouts.tcp, 900);
	assert_int_equal(c.timeouts.tcp_fin, 120);
	assert_int_equal(c.timeouts.udp, 300);
	ok("--set 0 0 0", &c);
	assert_int_equal(c.timeouts.tcp, 0);
	snprintf(line, sizeof(line), "--set %u 1 %u", DPVS_TIMEOUT_MAX,
		 DPVS_TIMEOUT_MAX);
	ok(line, &c);
	assert_int_equal(c.timeouts.tcp, DPVS_TIMEOUT_MAX);
	assert_int_equal(c.timeouts.udp, DPVS_TIMEOUT_MAX);
	snprintf(line, sizeof(line), "--set 1 %u 1", DPVS_TIMEOUT_MAX + 1);
	bad(line, "invalid timeout value '2678401' (0-2678400 seconds)");
	bad("--set 1 2", "--set needs 3 timeout values");
	bad("--set", "--set needs 3 timeout values");
	bad("--set 1 2 3 4", "--set needs 3 timeout values");
	bad("--set 1 2 3 4 5", "unexpected argument '5'");
	bad("--set 1 -2 3", "unknown option '-2'");
	bad("--set 1 x 3", "invalid timeout value 'x'");
	bad("--set 1 2 3 -n", "Illegal 'numeric (-n)' option with the 'set' "
	    "command");
}

static void test_laddr_commands(void **state)
{
	struct cmd c;

	(void)state;
	ok("-P -t 10.0.0.100:80 -z 10.0.1.100 -F dpdk0", &c);
	assert_int_equal(c.cmd, CMD_ADDLADDR);
	assert_int_equal(c.laddr.proto, IPPROTO_TCP);
	assert_int_equal(c.laddr.vip, ip("10.0.0.100"));
	assert_int_equal(c.laddr.vport, 80);
	assert_int_equal(c.laddr.addr, ip("10.0.1.100"));
	assert_string_equal(c.laddr.ifname, "dpdk0");
	ok("--add-laddr -u 10.0.0.100:53 --laddr 10.0.1.100", &c);
	assert_string_equal(c.laddr.ifname, "");
	ok("-Q -t 10.0.0.100:80 -z 10.0.1.100", &c);
	assert_int_equal(c.cmd, CMD_DELLADDR);
	ok("--del-laddr -t 10.0.0.100:80 -z 10.0.1.100", &c);
	ok("-G", &c);
	assert_int_equal(c.cmd, CMD_GETLADDR);
	ok("--get-laddr -t 10.0.0.100:80 --nosort", &c);
	ok("-P -t 10.0.0.100:80 -z 10.0.1.100 -F "
	   "abcdefghijklmnopqrstuvwxyz012345", &c); /* 32 bytes */
	bad("-P -t 10.0.0.100:80 -z 10.0.1.100 -F "
	    "abcdefghijklmnopqrstuvwxyz0123456", "illegal interface name");
	bad("-P -t 10.0.0.100:80 -z 10.0.1.100:5", "illegal local address "
	    "'10.0.1.100:5': no port here");
	bad("-P -t 10.0.0.100:80 -z 255.255.255.255", "not a unicast");
	bad("-P -t 10.0.0.100:80", "You need to supply the 'laddr (-z)' "
	    "option for the 'add-laddr' command");
	bad("-G -z 10.0.1.100", "Illegal 'laddr (-z)' option with the "
	    "'get-laddr' command");
}

static void test_command_line_syntax(void **state)
{
	struct cmd c;

	(void)state;
	ok("-At 10.0.0.100:80", &c); /* clustered, the value next word */
	assert_int_equal(c.svc.vport, 80);
	ok("-At10.0.0.100:81", &c); /* and attached */
	assert_int_equal(c.svc.vport, 81);
	ok("--add-service --tcp-service=10.0.0.100:82", &c);
	assert_int_equal(c.svc.vport, 82);
	ok("-L --ipc-file=/run/x.ipc", &c);
	assert_string_equal(c.ipc, "/run/x.ipc");
	bad("-L --ipc-file /a --ipc-file /b", "multiple '--ipc-file' options "
	    "specified");
	bad("-A -E -t 10.0.0.100:80", "multiple commands specified "
	    "('add-service' and 'edit-service')");
	bad("-Y", "unknown option '-Y'");
	bad("-LY", "unknown option '-Y'");
	bad("--bogus", "unknown option '--bogus'");
	bad("--bogus=1", "unknown option '--bogus'");
	bad("--list=1", "option '--list' takes no argument");
	bad("-A -t", "option '-t' needs an argument");
	bad("-A --tcp-service", "option '--tcp-service' needs an argument");
	bad("-A -t 10.0.0.100:80 -- -x", "unexpected argument '-x'");
	bad("-C extra", "unexpected argument 'extra'");
}

/* -R's lines: comments, the program's name, what may be restored. */
static void test_restore_lines(void **state)
{
	char line[256];
	struct cmd c;

	(void)state;
	snprintf(line, sizeof(line), "   \t\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), 0);
	snprintf(line, sizeof(line), "# -A -t 10.0.0.100:80\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), 0);
	snprintf(line, sizeof(line), "-A -t 10.0.0.100:80 -s rr\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), 1);
	assert_int_equal(c.cmd, CMD_ADD);
	assert_string_equal(c.svc.sched, "rr");
	snprintf(line, sizeof(line), "/usr/sbin/ipvsadm\t-a -t 10.0.0.100:80 "
		 "-r 10.0.1.11 -m -w 3\r\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), 1);
	assert_int_equal(c.cmd, CMD_ADDDEST);
	assert_int_equal(c.dest.fwd, DPVS_FWD_NAT);
	assert_int_equal(c.dest.weight, 3);
	snprintf(line, sizeof(line), "--set 1 2 3\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), 1);
	assert_int_equal(c.npos, 0);
	assert_int_equal(c.timeouts.tcp_fin, 2);
	snprintf(line, sizeof(line), "dpvsadm\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "no command given");
	snprintf(line, sizeof(line), "-L -n\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), -1);
	assert_string_equal(err, "'list' does not change the table: not "
			    "allowed in restore input");
	snprintf(line, sizeof(line), "-R\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not allowed in restore input"));
	snprintf(line, sizeof(line), "-C --ipc-file /x\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--ipc-file is given to 'dpvsadm -R'"));
	snprintf(line, sizeof(line), "-a -t 10.0.0.100:80 -r 10.0.1.11 -w "
		 "70000\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "illegal weight '70000'"));
}

/* The table itself: lookups by id and by every name it gives. */
static void test_fwd_mode_lookups(void **state)
{
	(void)state;
	assert_null(dpvs_fwd_by_id(0));
	assert_null(dpvs_fwd_by_id(DPVS_FWD_MAX + 1));
	assert_string_equal(dpvs_fwd_name(0), "?");
	assert_string_equal(dpvs_fwd_name(DPVS_FWD_FNAT), "FullNat");
	assert_string_equal(dpvs_fwd_name(DPVS_FWD_DR), "Route");
	assert_string_equal(dpvs_fwd_name(DPVS_FWD_NAT), "Masq");
	assert_string_equal(dpvs_fwd_name(DPVS_FWD_TUN), "Tunnel");
	for (uint32_t id = DPVS_FWD_FNAT; id <= DPVS_FWD_MAX; id++) {
		const struct dpvs_fwd_mode *m = dpvs_fwd_by_id(id);

		assert_ptr_equal(dpvs_fwd_by_name(m->name), m);
		assert_ptr_equal(dpvs_fwd_by_name(m->kind), m);
		assert_ptr_equal(dpvs_fwd_by_name(m->long_opt), m);
		/* a mode with its own source needs replies through the LB */
		if (m->flags & (DPVS_FWDF_SNAT | DPVS_FWDF_CLIENT_REPLY_KEY))
			assert_true(m->flags & DPVS_FWDF_REPLY_VIA_LB);
		assert_false((m->flags & DPVS_FWDF_SNAT) &&
			     (m->flags & DPVS_FWDF_CLIENT_REPLY_KEY));
	}
	assert_ptr_equal(dpvs_fwd_by_name("fnat"),
			 dpvs_fwd_by_id(DPVS_FWD_FNAT));
	assert_ptr_equal(dpvs_fwd_by_name("MASQ"),
			 dpvs_fwd_by_id(DPVS_FWD_NAT));
	assert_null(dpvs_fwd_by_name("bogus"));
	assert_null(dpvs_fwd_by_name(""));
	assert_null(dpvs_fwd_by_name(NULL));
}

/* ---- IPv6 (ipvsadm's syntax: brackets with a port) ---- */

static void assert_v6(const struct in6_addr *a, const char *s)
{
	struct in6_addr want;

	assert_int_equal(inet_pton(AF_INET6, s, &want), 1);
	assert_memory_equal(a, &want, 16);
}

static void test_v6_service_address(void **state)
{
	struct cmd c;

	(void)state;
	ok("-A -t [2001:db8::1]:80", &c);
	assert_int_equal(c.svc.af, AF_INET6);
	assert_v6(&c.svc.vip6, "2001:db8::1");
	assert_int_equal(c.svc.vip, 0);
	assert_int_equal(c.svc.vport, 80);
	assert_true(c.svc_port_given);
	assert_int_equal(c.svc.netmask, 128);    /* one client per address */
	ok("-A -u [2001:db8::1]:53 -s rr", &c);
	assert_int_equal(c.svc.proto, IPPROTO_UDP);
	/* A bare IPv6 address has no port: persistent services only. */
	ok("-A -t 2001:db8::1 -p", &c);
	assert_int_equal(c.svc.vport, 0);
	assert_false(c.svc_port_given);
	ok("-A -t [2001:db8::1] -p 60", &c);
	assert_int_equal(c.svc.vport, 0);
	bad("-A -t 2001:db8::1", "Zero port specified");
	ok("-D -t [2001:DB8:0:0::1]:65535", &c);
	assert_v6(&c.svc.vip6, "2001:db8::1");
	ok("-A -t [::ffff:10.0.0.1]:80", &c);     /* a v4-mapped v6 address */
	assert_int_equal(c.svc.af, AF_INET6);
	bad("-D -t [2001:db8::1]:65536", "illegal port in virtual service "
	    "address '[2001:db8::1]:65536'");
	bad("-D -t [2001:db8::1]80", "illegal virtual service address");
	bad("-D -t [2001:db8::1:80", "illegal virtual service address");
	bad("-D -t 2001:db8::1]:80", "illegal virtual service address");
	bad("-D -t []:80", "illegal virtual service address");
	bad("-D -t [10.0.0.1]:80", "illegal virtual service address");
	bad("-D -t [2001:db8::g]:80", "illegal virtual service address");
	bad("-D -t [ff02::1]:80", "not a unicast address");
	bad("-D -t [::]:80", "not a unicast address");
	bad("-D -t [fe80::1]:80", "not a unicast address of global scope");
	bad("-D -t [2001:db8::1%eth0]:80", "illegal virtual service address");
}

static void test_v6_persistence_prefix(void **state)
{
	struct cmd c;

	(void)state;
	ok("-A -t [2001:db8::1]:80 -p 300 -M 64", &c);
	assert_int_equal(c.svc.netmask, 64);
	ok("-A -t [2001:db8::1]:80 -M 128 -p", &c);
	assert_int_equal(c.svc.netmask, 128);
	ok("-A -M 48 -t [2001:db8::1]:80 -p", &c); /* -M before -t */
	assert_int_equal(c.svc.netmask, 48);
	ok("-E -t [2001:db8::1]:80 -M 1", &c);
	assert_int_equal(c.svc.netmask, 1);
	bad("-A -t [2001:db8::1]:80 -p -M 255.0.0.0", "-M on an IPv6 service "
	    "is a prefix length (1..128), not '255.0.0.0'");
	bad("-A -t [2001:db8::1]:80 -p -M 129", "-M on an IPv6 service is a "
	    "prefix length (1..128)");
	bad("-A -t [2001:db8::1]:80 -p -M 0", "-M on an IPv6 service is a "
	    "prefix length (1..128)");
	bad("-A -t [2001:db8::1]:80 -M 64", "-M sets the persistence "
	    "granularity: it needs -p");
	/* v4 unchanged: a mask or 0-32 */
	ok("-A -t 10.0.0.1:80 -p -M 24", &c);
	assert_int_equal(c.svc.netmask, ip("255.255.255.0"));
	bad("-A -t 10.0.0.1:80 -p -M 64", "illegal persistence netmask '64'");
}

static void test_v6_real_servers_and_nat64(void **state)
{
	struct cmd c;

	(void)state;
	ok("-a -t [2001:db8::1]:80 -r [2001:db8:2::11]:8080 -b", &c);
	assert_int_equal(c.dest.vaf, AF_INET6);
	assert_v6(&c.dest.vip6, "2001:db8::1");
	assert_int_equal(c.dest.af, AF_INET6);
	assert_v6(&c.dest.addr6, "2001:db8:2::11");
	assert_int_equal(c.dest.port, 8080);
	assert_int_equal(c.dest.fwd, DPVS_FWD_FNAT);
	/* No port: the service's (a bare IPv6 address has none). */
	ok("-a -t [2001:db8::1]:80 -r 2001:db8:2::11 -g", &c);
	assert_int_equal(c.dest.port, 80);
	assert_false(c.dest_port_given);
	ok("-a -t [2001:db8::1]:80 -r [2001:db8:2::11] -m -w 3", &c);
	assert_int_equal(c.dest.port, 80);
	assert_int_equal(c.dest.weight, 3);
	ok("-a -t [2001:db8::1]:80 -r [2001:db8:2::11]:80 -i", &c);
	/* NAT64: an IPv4 server under an IPv6 service, FullNAT only. */
	ok("-a -t [2001:db8::1]:80 -r 10.0.1.11:8080 -b", &c);
	assert_int_equal(c.dest.vaf, AF_INET6);
	assert_int_equal(c.dest.af, AF_INET);
	assert_int_equal(c.dest.addr, ip("10.0.1.11"));
	bad("-a -t [2001:db8::1]:80 -r 10.0.1.11:80 -g", "mixed families: "
	    "only FullNAT (-b) from an IPv6 service to IPv4 real servers "
	    "(NAT64)");
	bad("-a -t [2001:db8::1]:80 -r 10.0.1.11:80", "mixed families");
	bad("-a -t [2001:db8::1]:80 -r 10.0.1.11:8080 -m", "mixed families");
	bad("-a -t 10.0.0.1:80 -r [2001:db8:2::11]:80 -b", "mixed families");
	bad("-e -t 10.0.0.1:80 -r [2001:db8:2::11]:80 -g", "mixed families");
	/* -d needs no method: any family pair names a server to delete. */
	ok("-d -t [2001:db8::1]:80 -r 10.0.1.11:8080", &c);
	bad("-a -t [2001:db8::1]:80 -r [2001:db8:2::11]:8080 -g",
	    "real server port 8080 differs from the service port 80");
	bad("-a -t [2001:db8::1]:80 -r [fe80::11]:80 -b", "not a unicast "
	    "address of global scope");
}

static void test_v6_laddrs(void **state)
{
	struct cmd c;

	(void)state;
	ok("-P -t [2001:db8::1]:80 -z 2001:db8:1::200 -F dpdk1", &c);
	assert_int_equal(c.laddr.vaf, AF_INET6);
	assert_v6(&c.laddr.vip6, "2001:db8::1");
	assert_int_equal(c.laddr.af, AF_INET6);
	assert_v6(&c.laddr.addr6, "2001:db8:1::200");
	assert_string_equal(c.laddr.ifname, "dpdk1");
	ok("-P -t [2001:db8::1]:80 -z 10.0.1.200 -F dpdk1", &c); /* NAT64 */
	assert_int_equal(c.laddr.af, AF_INET);
	ok("-Q -t [2001:db8::1]:80 -z 2001:db8:1::200", &c);
	bad("-P -t [2001:db8::1]:80 -z [2001:db8:1::200]:80", "illegal local "
	    "address '[2001:db8:1::200]:80': no port here");
	ok("-G -t [2001:db8::1]:80", &c);
	assert_int_equal(c.svc.af, AF_INET6);
}

/* What -S writes for v6 and NAT64 services, -R reads back. */
static void test_v6_restore_lines(void **state)
{
	static const char *const lines[] = {
		"-A -t [2001:db8::1]:80 -s rr -p 300 -M 64",
		"-P -t [2001:db8::1]:80 -z 2001:db8:1::200 -F dpdk1",
		"-P -t [2001:db8::1]:80 -z 10.0.1.200 -F dpdk1",
		"-a -t [2001:db8::1]:80 -r [2001:db8:2::11]:80 -b -w 1",
		"-a -t [2001:db8::1]:80 -r 10.0.1.11:8080 -b -w 2 -x 100 -y 10",
		"-A -u [2001:db8::1]:53 -s wrr",
		"dpvsadm -A -t 10.0.0.100:80 -s wlc",
	};
	char line[160];
	struct cmd c;

	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(line, sizeof(line), "%s\n", lines[i]);
		if (parse_line(line, &c, err, sizeof(err)) != 1)
			fail_msg("'%s' refused: %s", lines[i], err);
	}
	snprintf(line, sizeof(line), "-a -t [2001:db8::1]:80 -r 10.0.1.11 -g\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mixed families"));
	snprintf(line, sizeof(line), "-A -t [2001:db8::1]:80 -p -M 255.255.0.0\n");
	assert_int_equal(parse_line(line, &c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "prefix length (1..128)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v6_service_address),
		cmocka_unit_test(test_v6_persistence_prefix),
		cmocka_unit_test(test_v6_real_servers_and_nat64),
		cmocka_unit_test(test_v6_laddrs),
		cmocka_unit_test(test_v6_restore_lines),
		cmocka_unit_test(test_no_arguments_lists),
		cmocka_unit_test(test_add_service_defaults),
		cmocka_unit_test(test_add_service_options),
		cmocka_unit_test(test_optional_persistence_argument),
		cmocka_unit_test(test_persistence_limits),
		cmocka_unit_test(test_netmask),
		cmocka_unit_test(test_service_address),
		cmocka_unit_test(test_scheduler_names),
		cmocka_unit_test(test_sched_flags),
		cmocka_unit_test(test_edit_and_delete_service),
		cmocka_unit_test(test_add_server_defaults),
		cmocka_unit_test(test_forwarding_switches_from_table),
		cmocka_unit_test(test_port_mapping_follows_mode),
		cmocka_unit_test(test_weight_limits),
		cmocka_unit_test(test_threshold_limits),
		cmocka_unit_test(test_list_variants),
		cmocka_unit_test(test_save_zero_restore_help),
		cmocka_unit_test(test_set_timeouts),
		cmocka_unit_test(test_laddr_commands),
		cmocka_unit_test(test_command_line_syntax),
		cmocka_unit_test(test_restore_lines),
		cmocka_unit_test(test_fwd_mode_lookups),
		cmocka_unit_test(test_proxy_protocol),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
