/*
 * dpvsadm: ipvsadm(8) for dpvs.  Virtual services, their real servers,
 * FullNAT local addresses, connections and timeouts, over libdpvs, with
 * ipvsadm's command line and its listing formats.
 *
 * The command line is parsed completely, by the pure parse_* functions,
 * into a struct cmd before dpvsadm connects: a usage error exits 2
 * whether or not the daemon runs.  Only then does run() talk to dpvs,
 * and the print_* functions format what it answered.  -R parses every
 * line of its input the same way, into a list of struct cmd, before it
 * connects and hands them to run() one by one.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cli_util.h"
#include "libdpvs.h"

#define DEF_SCHED "wlc"
#define DEF_PERSIST_TIMEOUT 300u
#define MAX_TIMEOUT (86400u * 31)   /* persistence */
_Static_assert(DPVS_TIMEOUT_MAX == 2678400u, "--help states the largest --set");
#define MAX_WEIGHT 65535u
#define ALL_ONES 0xffffffffu

static void usage(FILE *out)
{
	fprintf(out,
"Usage:\n"
"  dpvsadm -A|-E -t|-u VIP:PORT [-s SCHED] [-p [TIMEOUT]] [-M NETMASK]\n"
"                               [-b SCHED-FLAGS]\n"
"  dpvsadm -D -t|-u VIP:PORT\n"
"  dpvsadm -C\n"
"  dpvsadm -a|-e -t|-u VIP:PORT -r RS[:PORT] [-g|-m|-i|-b] [-w WEIGHT]\n"
"                               [-x UPPER] [-y LOWER]\n"
"  dpvsadm -d -t|-u VIP:PORT -r RS[:PORT]\n"
"  dpvsadm -L|-l [-t|-u VIP:PORT] [-n] [--stats|--rate|--thresholds|\n"
"                 --persistent-conn] [--exact] [--sort|--nosort]\n"
"  dpvsadm -L|-l -c | --timeout\n"
"  dpvsadm -S [-n] [--sort|--nosort]\n"
"  dpvsadm -R < FILE\n"
"  dpvsadm -Z [-t|-u VIP:PORT]\n"
"  dpvsadm --set TCP TCPFIN UDP\n"
"  dpvsadm -P|-Q -t|-u VIP:PORT -z LIP [-F IFNAME]\n"
"  dpvsadm -G [-t|-u VIP:PORT]\n"
"  dpvsadm -h\n"
"\n"
"Sets up and shows the virtual server table of a running dpvs, with\n"
"ipvsadm's syntax and output.  Addresses are IPv4 dotted quads and\n"
"ports numbers; nothing is looked up by name.\n"
"\n"
"Commands:\n"
"  --add-service     -A   add a virtual service\n"
"  --edit-service    -E   change the options given of a virtual service\n"
"  --delete-service  -D   delete a virtual service and its real servers\n"
"  --clear           -C   delete every virtual service\n"
"  --add-server      -a   add a real server to a virtual service\n"
"  --edit-server     -e   change the options given of a real server\n"
"  --delete-server   -d   delete a real server\n"
"  --list            -L|-l  list the table (the default without arguments)\n"
"  --save            -S   print the table as dpvsadm commands\n"
"  --restore         -R   read dpvsadm commands (as -S prints them) from\n"
"                         standard input and apply them\n"
"  --zero            -Z   zero the counters of one or every service\n"
"  --set TCP TCPFIN UDP   set the established TCP, TCP FIN_WAIT and UDP\n"
"                         timeouts in seconds, up to 2678400 (31 days;\n"
"                         0: leave unchanged)\n"
"  --add-laddr       -P   add a FullNAT local address to a service\n"
"  --del-laddr       -Q   delete a FullNAT local address\n"
"  --get-laddr       -G   list the local addresses of one or every service\n"
"  --help            -h   this help\n"
"\n"
"Options:\n"
"  --tcp-service  -t VIP:PORT  a TCP virtual service\n"
"  --udp-service  -u VIP:PORT  a UDP virtual service\n"
"  --scheduler    -s SCHED     rr wrr lc wlc sed nq sh dh fo mh conhash\n"
"                              (default %s)\n"
"  --persistent   -p [TIMEOUT] persistent service (default %u s)\n"
"  --netmask      -M NETMASK   persistence granularity (A.B.C.D or 0-32)\n"
"  --sched-flags  -b FLAGS     with -A/-E: sh-fallback,sh-port (-s sh) or\n"
"                              mh-fallback,mh-port (-s mh)\n"
"  --real-server  -r RS[:PORT] real server (PORT defaults to the service's)\n"
"  --gatewaying   -g           direct routing (the default)\n"
"  --masquerading -m           NAT\n"
"  --ipip         -i           IP-in-IP tunnelling\n"
"  --fullnat      -b           with -a/-e: FullNAT (needs local addresses)\n"
"  --weight       -w WEIGHT    0-%u (default 1; 0: no new connections)\n"
"  --u-threshold  -x UPPER     stop sending new connections at UPPER\n"
"  --l-threshold  -y LOWER     resume below LOWER\n"
"  --laddr        -z LIP       local address (a dpvs address with sapool)\n"
"  --ifname       -F IFNAME    port of the local address (default: the\n"
"                              port that owns LIP)\n"
"  --numeric      -n           accepted; output is always numeric\n"
"  --connection   -c           with -L: list the connections\n"
"  --timeout                   with -L: show the timeouts\n"
"  --stats                     with -L: counters\n"
"  --rate                      with -L: rates per second\n"
"  --thresholds                with -L: thresholds\n"
"  --persistent-conn           with -L: persistent connections\n"
"  --exact        -X           with -L: numbers in full, without K M G T\n"
"  --sort                      sort by protocol, address, port (default)\n"
"  --nosort                    list in dpvs's order, not sorted\n"
"  --ipc-file PATH             control socket (default %s)\n"
"\n"
"Examples:\n"
"  dpvsadm -A -t 10.0.0.100:80 -s rr\n"
"  dpvsadm -P -t 10.0.0.100:80 -z 10.0.1.100\n"
"  dpvsadm -a -t 10.0.0.100:80 -r 10.0.1.11:8080 -b -w 2\n"
"  dpvsadm -Ln --stats\n"
"  dpvsadm -S > rules; dpvsadm -R < rules\n"
"\n"
"The command line (and -R's whole input) is checked before dpvsadm\n"
"connects.  Exit status: 0 on success, 1 if dpvsadm could not connect, dpvs\n"
"refused the request or a line of -R's input is wrong, 2 on a usage error.\n", DEF_SCHED, DEF_PERSIST_TIMEOUT, MAX_WEIGHT,
		DPVS_DEFAULT_IPC);
}

/* ---- the command line (pure: no I/O, no daemon) ---- */

enum cmd_id {
	CMD_NONE,
	CMD_ADD,
	CMD_EDIT,
	CMD_DEL,
	CMD_FLUSH,
	CMD_LIST,
	CMD_SAVE,
	CMD_ZERO,
	CMD_ADDDEST,
	CMD_EDITDEST,
	CMD_DELDEST,
	CMD_SET,
	CMD_ADDLADDR,
	CMD_DELLADDR,
	CMD_GETLADDR,
	CMD_RESTORE,
	CMD_HELP,
	CMD_COUNT
};

static const char *const cmd_names[CMD_COUNT] = {
	[CMD_NONE] = "none",
	[CMD_ADD] = "add-service",
	[CMD_EDIT] = "edit-service",
	[CMD_DEL] = "delete-service",
	[CMD_FLUSH] = "clear",
	[CMD_LIST] = "list",
	[CMD_SAVE] = "save",
	[CMD_ZERO] = "zero",
	[CMD_ADDDEST] = "add-server",
	[CMD_EDITDEST] = "edit-server",
	[CMD_DELDEST] = "delete-server",
	[CMD_SET] = "set",
	[CMD_ADDLADDR] = "add-laddr",
	[CMD_DELLADDR] = "del-laddr",
	[CMD_GETLADDR] = "get-laddr",
	[CMD_RESTORE] = "restore",
	[CMD_HELP] = "help",
};

/* Options that can be given once each; bit numbers. */
enum opt_id {
	OPT_SERVICE,
	OPT_SCHED,
	OPT_PERSIST,
	OPT_NETMASK,
	OPT_SCHED_FLAGS,
	OPT_SERVER,
	OPT_FWD,
	OPT_WEIGHT,
	OPT_UTHRESH,
	OPT_LTHRESH,
	OPT_NUMERIC,
	OPT_CONN,
	OPT_TIMEOUT,
	OPT_STATS,
	OPT_RATE,
	OPT_THRESH,
	OPT_PCONN,
	OPT_NOSORT,
	OPT_SORT,
	OPT_EXACT,
	OPT_LADDR,
	OPT_IFNAME,
	OPT_COUNT
};

#define O(x) (1u << OPT_##x)

static const char *const opt_names[OPT_COUNT] = {
	[OPT_SERVICE] = "service-address (-t|-u)",
	[OPT_SCHED] = "scheduler (-s)",
	[OPT_PERSIST] = "persistent (-p)",
	[OPT_NETMASK] = "netmask (-M)",
	[OPT_SCHED_FLAGS] = "sched-flags (-b)",
	[OPT_SERVER] = "real-server (-r)",
	[OPT_FWD] = "forwarding-method (-g|-m|-i|-b)",
	[OPT_WEIGHT] = "weight (-w)",
	[OPT_UTHRESH] = "u-threshold (-x)",
	[OPT_LTHRESH] = "l-threshold (-y)",
	[OPT_NUMERIC] = "numeric (-n)",
	[OPT_CONN] = "connection (-c)",
	[OPT_TIMEOUT] = "timeout (--timeout)",
	[OPT_STATS] = "stats (--stats)",
	[OPT_RATE] = "rate (--rate)",
	[OPT_THRESH] = "thresholds (--thresholds)",
	[OPT_PCONN] = "persistent-conn (--persistent-conn)",
	[OPT_NOSORT] = "nosort (--nosort)",
	[OPT_SORT] = "sort (--sort)",
	[OPT_EXACT] = "exact (--exact)",
	[OPT_LADDR] = "laddr (-z)",
	[OPT_IFNAME] = "ifname (-F)",
};

/* Which options each command needs and which it accepts. */
static const struct {
	unsigned need;
	unsigned allow;
} cmd_rules[CMD_COUNT] = {
	[CMD_ADD] = { O(SERVICE), O(SERVICE) | O(SCHED) | O(PERSIST) |
				  O(NETMASK) | O(SCHED_FLAGS) },
	[CMD_EDIT] = { O(SERVICE), O(SERVICE) | O(SCHED) | O(PERSIST) |
				   O(NETMASK) | O(SCHED_FLAGS) },
	[CMD_DEL] = { O(SERVICE), O(SERVICE) },
	[CMD_FLUSH] = { 0, 0 },
	[CMD_LIST] = { 0, O(SERVICE) | O(NUMERIC) | O(CONN) | O(TIMEOUT) |
			      O(STATS) | O(RATE) | O(THRESH) | O(PCONN) |
			      O(NOSORT) | O(SORT) | O(EXACT) },
	[CMD_SAVE] = { 0, O(NUMERIC) | O(NOSORT) | O(SORT) },
	[CMD_ZERO] = { 0, O(SERVICE) },
	[CMD_ADDDEST] = { O(SERVICE) | O(SERVER),
			  O(SERVICE) | O(SERVER) | O(FWD) | O(WEIGHT) |
				  O(UTHRESH) | O(LTHRESH) },
	[CMD_EDITDEST] = { O(SERVICE) | O(SERVER),
			   O(SERVICE) | O(SERVER) | O(FWD) | O(WEIGHT) |
				   O(UTHRESH) | O(LTHRESH) },
	[CMD_DELDEST] = { O(SERVICE) | O(SERVER), O(SERVICE) | O(SERVER) },
	[CMD_SET] = { 0, 0 },
	[CMD_ADDLADDR] = { O(SERVICE) | O(LADDR),
			   O(SERVICE) | O(LADDR) | O(IFNAME) },
	[CMD_DELLADDR] = { O(SERVICE) | O(LADDR),
			   O(SERVICE) | O(LADDR) | O(IFNAME) },
	[CMD_GETLADDR] = { 0, O(SERVICE) | O(NUMERIC) | O(NOSORT) | O(SORT) },
	[CMD_RESTORE] = { 0, 0 },
	[CMD_HELP] = { 0, ~0u },
};

struct cmd {
	enum cmd_id cmd;
	unsigned opts;                 /* O(...) bits given */
	const char *ipc;               /* --ipc-file, NULL: default */
	struct dpvs_service svc;       /* key from -t/-u; -s -p -M -b */
	bool svc_port_given;           /* VIP:PORT rather than VIP */
	struct dpvs_dest dest;         /* -r, forwarding method, -w -x -y */
	bool dest_port_given;          /* RS:PORT rather than RS */
	const char *flags_for_sched;   /* -b names: "sh", "mh" or "" */
	struct dpvs_laddr laddr;       /* -z, -F */
	struct dpvs_timeouts timeouts; /* --set */
	const char *pos[4];            /* arguments that are not options */
	int npos;
};

/* Decimal digits only (no sign, no spaces), at most max. */
static bool parse_uint(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/*
 * "A.B.C.D" or "A.B.C.D:PORT" into addr (network order) and port (host
 * order; *port_given tells which form).  what names the address in
 * messages ("virtual service", "real server", "local").
 */
static int parse_addrport(const char *s, bool port_allowed, const char *what,
			  uint32_t *addr, uint16_t *port, bool *port_given,
			  char *err, size_t len)
{
	char buf[INET_ADDRSTRLEN];
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	uint32_t p;

	if (s[0] == '[' || (colon && strchr(colon + 1, ':')))
		return perr(err, len, "illegal %s address '%s': dpvs supports "
			    "IPv4 only", what, s);
	if (colon && !port_allowed)
		return perr(err, len, "illegal %s address '%s': no port here",
			    what, s);
	if (n >= sizeof(buf))
		return perr(err, len, "illegal %s address '%s'", what, s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!parse_ipv4(buf, addr))
		return perr(err, len, "illegal %s address '%s' (A.B.C.D%s)",
			    what, s, port_allowed ? "[:PORT]" : "");
	if (!is_unicast(*addr))
		return perr(err, len, "illegal %s address '%s' (not a unicast "
			    "address)", what, s);
	*port_given = colon != NULL;
	*port = 0;
	if (colon) {
		if (!parse_uint(colon + 1, 65535, &p))
			return perr(err, len, "illegal port in %s address '%s' "
				    "(0-65535)", what, s);
		*port = (uint16_t)p;
	}
	return 0;
}

/* A.B.C.D (contiguous) or a prefix length 0-32, into network order. */
static bool parse_netmask(const char *s, uint32_t *out)
{
	uint32_t plen, m;

	if (parse_uint(s, 32, &plen)) {
		*out = htonl(plen ? ALL_ONES << (32 - plen) : 0);
		return true;
	}
	if (!parse_ipv4(s, out))
		return false;
	m = ntohl(*out);
	return (m & (~m >> 1)) == 0; /* ones then zeroes */
}

/* Scheduler names: 1-15 of [a-z0-9_-]. */
static bool parse_sched(const char *s, char out[DPVS_SCHED_NAME_MAX + 1])
{
	size_t n = strlen(s);

	if (n == 0 || n > DPVS_SCHED_NAME_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-'))
			return false;
	memcpy(out, s, n + 1);
	return true;
}

/* Which scheduler a flag name belongs to: "sh", "mh" or "" (either). */
static const struct {
	const char *name;
	uint32_t flag;
	const char *sched;
} sched_flag_names[] = {
	{ "sh-fallback", DPVS_SVC_F_SCHED_FALLBACK, "sh" },
	{ "sh-port", DPVS_SVC_F_SCHED_PORT, "sh" },
	{ "mh-fallback", DPVS_SVC_F_SCHED_FALLBACK, "mh" },
	{ "mh-port", DPVS_SVC_F_SCHED_PORT, "mh" },
	{ "flag-1", DPVS_SVC_F_SCHED_FALLBACK, "" },
	{ "flag-2", DPVS_SVC_F_SCHED_PORT, "" },
};

#define SCHED_FLAGS (DPVS_SVC_F_SCHED_FALLBACK | DPVS_SVC_F_SCHED_PORT)

/*
 * "FLAG[,FLAG...]" into flag bits; *for_sched is the scheduler the names
 * ask for ("sh", "mh" or "" for flag-N).
 */
static int parse_sched_flags(const char *s, uint32_t *flags,
			     const char **for_sched, char *err, size_t len)
{
	const char *p = s;

	*flags = 0;
	*for_sched = "";
	while (1) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		size_t i, nf = sizeof(sched_flag_names) /
			       sizeof(sched_flag_names[0]);

		for (i = 0; i < nf; i++)
			if (strlen(sched_flag_names[i].name) == n &&
			    !strncmp(p, sched_flag_names[i].name, n))
				break;
		if (i == nf)
			return perr(err, len, "illegal scheduler flag '%.*s' in "
				    "'%s' (sh-fallback, sh-port, mh-fallback, "
				    "mh-port)", (int)n, p, s);
		if (sched_flag_names[i].sched[0]) {
			if ((*for_sched)[0] &&
			    strcmp(*for_sched, sched_flag_names[i].sched))
				return perr(err, len, "scheduler flags '%s' mix "
					    "sh and mh flags", s);
			*for_sched = sched_flag_names[i].sched;
		}
		*flags |= sched_flag_names[i].flag;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* The scheduler flags in flags suit scheduler sched. */
static int check_sched_flags(const char *sched, uint32_t flags,
			     const char *for_sched, char *err, size_t len)
{
	if (!(flags & SCHED_FLAGS))
		return 0;
	if (strcmp(sched, "sh") && strcmp(sched, "mh"))
		return perr(err, len, "scheduler flags (-b) apply to the sh and "
			    "mh schedulers only, not to '%s' (give -s sh or "
			    "-s mh)", sched);
	if (for_sched[0] && strcmp(for_sched, sched))
		return perr(err, len, "%s-* scheduler flags do not apply to "
			    "scheduler '%s'", for_sched, sched);
	return 0;
}

static int set_cmd(struct cmd *c, enum cmd_id id, char *err, size_t len)
{
	if (c->cmd != CMD_NONE)
		return perr(err, len, "multiple commands specified ('%s' and "
			    "'%s')", cmd_names[c->cmd], cmd_names[id]);
	c->cmd = id;
	return 0;
}

static int set_opt(struct cmd *c, enum opt_id id, char *err, size_t len)
{
	if (c->opts & (1u << id))
		return perr(err, len, "multiple '%s' options specified",
			    opt_names[id]);
	c->opts |= 1u << id;
	return 0;
}

/* What a command-line switch is. */
enum arg_kind { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL };

enum key {
	/* commands */
	K_ADD = 1, K_EDIT, K_DEL, K_FLUSH, K_LIST, K_SAVE, K_ZERO, K_ADDDEST,
	K_EDITDEST, K_DELDEST, K_SET, K_ADDLADDR, K_DELLADDR, K_GETLADDR,
	K_RESTORE, K_HELP,
	/* options */
	K_TCP, K_UDP, K_SCHED, K_PERSIST, K_NETMASK, K_SCHED_FLAGS, K_B,
	K_SERVER, K_DR, K_NAT, K_TUN, K_FNAT, K_WEIGHT, K_UTHRESH, K_LTHRESH,
	K_NUMERIC, K_CONN, K_TIMEOUT, K_STATS, K_RATE, K_THRESH, K_PCONN,
	K_NOSORT, K_SORT, K_EXACT, K_LADDR, K_IFNAME, K_IPC,
};

static const struct sw {
	char s;            /* short form, 0 if none */
	const char *l;     /* long form, NULL if none */
	enum key key;
	enum arg_kind arg;
} switches[] = {
	{ 'A', "add-service", K_ADD, ARG_NONE },
	{ 'E', "edit-service", K_EDIT, ARG_NONE },
	{ 'D', "delete-service", K_DEL, ARG_NONE },
	{ 'C', "clear", K_FLUSH, ARG_NONE },
	{ 'L', "list", K_LIST, ARG_NONE },
	{ 'l', NULL, K_LIST, ARG_NONE },
	{ 'S', "save", K_SAVE, ARG_NONE },
	{ 'Z', "zero", K_ZERO, ARG_NONE },
	{ 'a', "add-server", K_ADDDEST, ARG_NONE },
	{ 'e', "edit-server", K_EDITDEST, ARG_NONE },
	{ 'd', "delete-server", K_DELDEST, ARG_NONE },
	{ 0, "set", K_SET, ARG_NONE },
	{ 'P', "add-laddr", K_ADDLADDR, ARG_NONE },
	{ 'Q', "del-laddr", K_DELLADDR, ARG_NONE },
	{ 'G', "get-laddr", K_GETLADDR, ARG_NONE },
	{ 'R', "restore", K_RESTORE, ARG_NONE },
	{ 'h', "help", K_HELP, ARG_NONE },
	{ 't', "tcp-service", K_TCP, ARG_REQUIRED },
	{ 'u', "udp-service", K_UDP, ARG_REQUIRED },
	{ 's', "scheduler", K_SCHED, ARG_REQUIRED },
	{ 'p', "persistent", K_PERSIST, ARG_OPTIONAL },
	{ 'M', "netmask", K_NETMASK, ARG_REQUIRED },
	{ 0, "sched-flags", K_SCHED_FLAGS, ARG_REQUIRED },
	{ 'b', NULL, K_B, ARG_NONE },  /* depends on the command */
	{ 'r', "real-server", K_SERVER, ARG_REQUIRED },
	{ 'g', "gatewaying", K_DR, ARG_NONE },
	{ 'm', "masquerading", K_NAT, ARG_NONE },
	{ 'i', "ipip", K_TUN, ARG_NONE },
	{ 0, "fullnat", K_FNAT, ARG_NONE },
	{ 'w', "weight", K_WEIGHT, ARG_REQUIRED },
	{ 'x', "u-threshold", K_UTHRESH, ARG_REQUIRED },
	{ 'y', "l-threshold", K_LTHRESH, ARG_REQUIRED },
	{ 'n', "numeric", K_NUMERIC, ARG_NONE },
	{ 'c', "connection", K_CONN, ARG_NONE },
	{ 0, "timeout", K_TIMEOUT, ARG_NONE },
	{ 0, "stats", K_STATS, ARG_NONE },
	{ 0, "rate", K_RATE, ARG_NONE },
	{ 0, "thresholds", K_THRESH, ARG_NONE },
	{ 0, "persistent-conn", K_PCONN, ARG_NONE },
	{ 0, "nosort", K_NOSORT, ARG_NONE },
	{ 0, "sort", K_SORT, ARG_NONE },
	{ 'X', "exact", K_EXACT, ARG_NONE },
	{ 'z', "laddr", K_LADDR, ARG_REQUIRED },
	{ 'F', "ifname", K_IFNAME, ARG_REQUIRED },
	{ 0, "ipc-file", K_IPC, ARG_REQUIRED },
};

#define NSWITCHES (sizeof(switches) / sizeof(switches[0]))

/*
 * -b is --sched-flags after -A/-E and --fullnat after anything else
 * (DPVS's dpvsadm); before any command it is ambiguous.
 */
static int resolve_b(const struct cmd *c, const struct sw **sw, char *err,
		     size_t len)
{
	static const struct sw sched_flags = { 'b', "sched-flags",
					       K_SCHED_FLAGS, ARG_REQUIRED };
	static const struct sw fullnat = { 'b', "fullnat", K_FNAT, ARG_NONE };

	if (c->cmd == CMD_NONE)
		return perr(err, len, "-b: give the command first (-A/-E "
			    "-b SCHED-FLAGS, or -a/-e ... -b for FullNAT)");
	*sw = c->cmd == CMD_ADD || c->cmd == CMD_EDIT ? &sched_flags :
							 &fullnat;
	return 0;
}

static int set_fwd(struct cmd *c, uint32_t fwd, char *err, size_t len)
{
	if (set_opt(c, OPT_FWD, err, len))
		return -1;
	c->dest.fwd = fwd;
	return 0;
}

/* -t/-u VIP[:PORT] */
static int apply_service(struct cmd *c, uint8_t proto, const char *v,
			 char *err, size_t len)
{
	if (set_opt(c, OPT_SERVICE, err, len))
		return -1;
	c->svc.proto = proto;
	return parse_addrport(v, true, "virtual service", &c->svc.vip,
			      &c->svc.vport, &c->svc_port_given, err, len);
}

static const enum cmd_id key_cmd[] = {
	[K_ADD] = CMD_ADD, [K_EDIT] = CMD_EDIT, [K_DEL] = CMD_DEL,
	[K_FLUSH] = CMD_FLUSH, [K_LIST] = CMD_LIST, [K_SAVE] = CMD_SAVE,
	[K_ZERO] = CMD_ZERO, [K_ADDDEST] = CMD_ADDDEST,
	[K_EDITDEST] = CMD_EDITDEST, [K_DELDEST] = CMD_DELDEST,
	[K_SET] = CMD_SET, [K_ADDLADDR] = CMD_ADDLADDR,
	[K_DELLADDR] = CMD_DELLADDR, [K_GETLADDR] = CMD_GETLADDR,
	[K_RESTORE] = CMD_RESTORE, [K_HELP] = CMD_HELP,
};

static int apply(struct cmd *c, enum key k, const char *v, char *err,
		 size_t len)
{
	uint32_t n;
	bool port_given;

	if (k <= K_HELP)
		return set_cmd(c, key_cmd[k], err, len);
	switch (k) {
	case K_TCP:
		return apply_service(c, IPPROTO_TCP, v, err, len);
	case K_UDP:
		return apply_service(c, IPPROTO_UDP, v, err, len);
	case K_SCHED:
		if (set_opt(c, OPT_SCHED, err, len))
			return -1;
		if (!parse_sched(v, c->svc.sched))
			return perr(err, len, "illegal scheduler '%s' (1 to %d "
				    "of a-z 0-9 _ -)", v, DPVS_SCHED_NAME_MAX);
		return 0;
	case K_PERSIST:
		if (set_opt(c, OPT_PERSIST, err, len))
			return -1;
		c->svc.flags |= DPVS_SVC_F_PERSISTENT;
		c->svc.timeout = DEF_PERSIST_TIMEOUT;
		if (v && (!parse_uint(v, MAX_TIMEOUT, &c->svc.timeout) ||
			  c->svc.timeout == 0))
			return perr(err, len, "invalid persistence timeout '%s' "
				    "(1-%u seconds)", v, MAX_TIMEOUT);
		return 0;
	case K_NETMASK:
		if (set_opt(c, OPT_NETMASK, err, len))
			return -1;
		if (!parse_netmask(v, &c->svc.netmask))
			return perr(err, len, "illegal persistence netmask '%s' "
				    "(A.B.C.D with contiguous ones, or 0-32)", v);
		return 0;
	case K_SCHED_FLAGS:
		if (set_opt(c, OPT_SCHED_FLAGS, err, len))
			return -1;
		if (parse_sched_flags(v, &n, &c->flags_for_sched, err, len))
			return -1;
		c->svc.flags |= n;
		return 0;
	case K_SERVER:
		if (set_opt(c, OPT_SERVER, err, len))
			return -1;
		return parse_addrport(v, true, "real server", &c->dest.addr,
				      &c->dest.port, &c->dest_port_given, err,
				      len);
	case K_DR:
		return set_fwd(c, DPVS_FWD_DR, err, len);
	case K_NAT:
		return set_fwd(c, DPVS_FWD_NAT, err, len);
	case K_TUN:
		return set_fwd(c, DPVS_FWD_TUN, err, len);
	case K_FNAT:
		return set_fwd(c, DPVS_FWD_FNAT, err, len);
	case K_WEIGHT:
		if (set_opt(c, OPT_WEIGHT, err, len))
			return -1;
		if (!parse_uint(v, MAX_WEIGHT, &n))
			return perr(err, len, "illegal weight '%s' (0-%u)", v,
				    MAX_WEIGHT);
		c->dest.weight = (int32_t)n;
		return 0;
	case K_UTHRESH:
		if (set_opt(c, OPT_UTHRESH, err, len))
			return -1;
		if (!parse_uint(v, INT32_MAX, &c->dest.u_thresh))
			return perr(err, len, "illegal upper threshold '%s' "
				    "(0-%d)", v, INT32_MAX);
		return 0;
	case K_LTHRESH:
		if (set_opt(c, OPT_LTHRESH, err, len))
			return -1;
		if (!parse_uint(v, INT32_MAX, &c->dest.l_thresh))
			return perr(err, len, "illegal lower threshold '%s' "
				    "(0-%d)", v, INT32_MAX);
		return 0;
	case K_NUMERIC:
		return set_opt(c, OPT_NUMERIC, err, len);
	case K_CONN:
		return set_opt(c, OPT_CONN, err, len);
	case K_TIMEOUT:
		return set_opt(c, OPT_TIMEOUT, err, len);
	case K_STATS:
		return set_opt(c, OPT_STATS, err, len);
	case K_RATE:
		return set_opt(c, OPT_RATE, err, len);
	case K_THRESH:
		return set_opt(c, OPT_THRESH, err, len);
	case K_PCONN:
		return set_opt(c, OPT_PCONN, err, len);
	case K_NOSORT:
		return set_opt(c, OPT_NOSORT, err, len);
	case K_SORT:
		return set_opt(c, OPT_SORT, err, len); /* the default anyway */
	case K_EXACT:
		return set_opt(c, OPT_EXACT, err, len);
	case K_LADDR:
		if (set_opt(c, OPT_LADDR, err, len))
			return -1;
		return parse_addrport(v, false, "local", &c->laddr.addr,
				      &c->laddr.vport, &port_given, err, len);
	case K_IFNAME:
		if (set_opt(c, OPT_IFNAME, err, len))
			return -1;
		if (!*v || strlen(v) > DPVS_IFNAME_MAX)
			return perr(err, len, "illegal interface name '%s' (1 to "
				    "%d bytes)", v, DPVS_IFNAME_MAX);
		memcpy(c->laddr.ifname, v, strlen(v) + 1);
		return 0;
	case K_IPC:
		if (c->ipc)
			return perr(err, len, "multiple '--ipc-file' options "
				    "specified");
		c->ipc = v;
		return 0;
	default:
		return perr(err, len, "internal error: switch %d", (int)k);
	}
}

static const struct sw *find_long(const char *name, size_t n)
{
	for (size_t i = 0; i < NSWITCHES; i++)
		if (switches[i].l && strlen(switches[i].l) == n &&
		    !strncmp(switches[i].l, name, n))
			return &switches[i];
	return NULL;
}

static const struct sw *find_short(char ch)
{
	for (size_t i = 0; i < NSWITCHES; i++)
		if (switches[i].s == ch)
			return &switches[i];
	return NULL;
}

/* An optional argument is the next word unless that is an option. */
static const char *optional_next(int argc, char **argv, int *i)
{
	if (*i + 1 < argc && argv[*i + 1][0] != '-')
		return argv[++*i];
	return NULL;
}

/* --name, --name=value, --name value */
static int parse_long(struct cmd *c, int argc, char **argv, int *i,
		      char *err, size_t len)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const struct sw *sw = find_long(name, n);
	const char *v = eq ? eq + 1 : NULL;

	if (!sw)
		return perr(err, len, "unknown option '--%.*s'", (int)n, name);
	if (sw->arg == ARG_NONE && eq)
		return perr(err, len, "option '--%s' takes no argument", sw->l);
	if (sw->arg == ARG_REQUIRED && !eq) {
		if (*i + 1 >= argc)
			return perr(err, len, "option '--%s' needs an argument",
				    sw->l);
		v = argv[++*i];
	}
	if (sw->arg == ARG_OPTIONAL && !eq)
		v = optional_next(argc, argv, i);
	return apply(c, sw->key, v, err, len);
}

/* -x, -xVALUE, -x VALUE, and clusters such as -Ln or -at VIP:PORT */
static int parse_short(struct cmd *c, int argc, char **argv, int *i,
		       char *err, size_t len)
{
	const char *a = argv[*i];

	for (int j = 1; a[j]; j++) {
		const struct sw *sw = find_short(a[j]);
		const char *v = NULL;

		if (!sw)
			return perr(err, len, "unknown option '-%c'", a[j]);
		if (sw->key == K_B && resolve_b(c, &sw, err, len))
			return -1;
		if (sw->arg != ARG_NONE) {
			if (a[j + 1])
				v = a + j + 1;
			else if (sw->arg == ARG_OPTIONAL)
				v = optional_next(argc, argv, i);
			else if (*i + 1 < argc)
				v = argv[++*i];
			else
				return perr(err, len, "option '-%c' needs an "
					    "argument", a[j]);
		}
		if (apply(c, sw->key, v, err, len))
			return -1;
		if (sw->key == K_HELP)
			return 0;
		if (sw->arg != ARG_NONE)
			return 0;
	}
	return 0;
}

/* Commands and options agree with each other (ipvsadm's rules). */
static int check_rules(const struct cmd *c, char *err, size_t len)
{
	unsigned need = cmd_rules[c->cmd].need;
	unsigned allow = cmd_rules[c->cmd].allow;
	const char *name = cmd_names[c->cmd];

	for (int o = 0; o < OPT_COUNT; o++) {
		if ((need & (1u << o)) && !(c->opts & (1u << o)))
			return perr(err, len, "You need to supply the '%s' "
				    "option for the '%s' command", opt_names[o],
				    name);
		if ((c->opts & (1u << o)) && !(allow & (1u << o)))
			return perr(err, len, "Illegal '%s' option with the '%s' "
				    "command", opt_names[o], name);
	}
	if (c->cmd == CMD_SET && c->npos != 3)
		return perr(err, len, "--set needs 3 timeout values: TCP "
			    "TCPFIN UDP (seconds, 0 leaves one unchanged)");
	if (c->cmd != CMD_SET && c->npos > 0)
		return perr(err, len, "unexpected argument '%s'", c->pos[0]);
	if ((c->opts & O(SORT)) && (c->opts & O(NOSORT)))
		return perr(err, len, "--sort and --nosort exclude each other");
	return 0;
}

/* -L: which listing; the ones ipvsadm refuses together. */
static int check_list(const struct cmd *c, char *err, size_t len)
{
	const unsigned what = O(SERVICE) | O(CONN) | O(TIMEOUT);
	const unsigned cols = O(STATS) | O(RATE) | O(THRESH) | O(PCONN);
	unsigned w = c->opts & what, k = c->opts & cols;

	if (w & (w - 1))
		return perr(err, len, "-L: -t/-u, -c and --timeout exclude each "
			    "other");
	if (k & (k - 1))
		return perr(err, len, "-L: --stats, --rate, --thresholds and "
			    "--persistent-conn exclude each other");
	if (k && (c->opts & (O(CONN) | O(TIMEOUT))))
		return perr(err, len, "-L: %s shows no counters",
			    c->opts & O(CONN) ? "-c" : "--timeout");
	return 0;
}

/* The service's port: 0 only for a persistent service. */
static int check_service(struct cmd *c, char *err, size_t len)
{
	if (c->cmd != CMD_ADD && c->cmd != CMD_EDIT)
		return 0;
	if (c->cmd == CMD_ADD) {
		if (!c->svc.sched[0])
			memcpy(c->svc.sched, DEF_SCHED, sizeof(DEF_SCHED));
		if (!c->svc.vport && !(c->svc.flags & DPVS_SVC_F_PERSISTENT))
			return perr(err, len, "Zero port specified for "
				    "non-persistent service (VIP:PORT, or -p)");
		if ((c->opts & O(NETMASK)) && !(c->opts & O(PERSIST)))
			return perr(err, len, "-M sets the persistence "
				    "granularity: it needs -p");
	}
	if (!(c->opts & O(NETMASK)))
		c->svc.netmask = ALL_ONES;
	/* -E without -s: checked against the service's scheduler later. */
	if (c->svc.sched[0])
		return check_sched_flags(c->svc.sched, c->svc.flags,
					 c->flags_for_sched, err, len);
	return 0;
}

/* DR and TUN cannot change the port: the packet keeps the VIP's. */
static int check_dest_port(const struct dpvs_dest *d, char *err, size_t len)
{
	if ((d->fwd == DPVS_FWD_DR || d->fwd == DPVS_FWD_TUN) &&
	    d->port != d->vport)
		return perr(err, len, "real server port %u differs from the "
			    "service port %u: %s keeps the port (use -m or -b "
			    "to map ports)", d->port, d->vport,
			    d->fwd == DPVS_FWD_DR ? "direct routing (-g)" :
						    "tunnelling (-i)");
	return 0;
}

static int check_thresholds(const struct dpvs_dest *d, char *err, size_t len)
{
	if (d->u_thresh && d->l_thresh > d->u_thresh)
		return perr(err, len, "lower threshold %u is above the upper "
			    "threshold %u", d->l_thresh, d->u_thresh);
	return 0;
}

static int check_dest(struct cmd *c, char *err, size_t len)
{
	struct dpvs_dest *d = &c->dest;

	if (c->cmd != CMD_ADDDEST && c->cmd != CMD_EDITDEST &&
	    c->cmd != CMD_DELDEST)
		return 0;
	d->proto = c->svc.proto;
	d->vip = c->svc.vip;
	d->vport = c->svc.vport;
	if (!c->dest_port_given)
		d->port = d->vport;
	if (c->cmd == CMD_DELDEST)
		return 0;
	if (c->cmd == CMD_ADDDEST) {
		if (!(c->opts & O(FWD)))
			d->fwd = DPVS_FWD_DR;
		if (!(c->opts & O(WEIGHT)))
			d->weight = 1;
	}
	if (d->fwd && check_dest_port(d, err, len))
		return -1;
	return check_thresholds(d, err, len);
}

static int check_set(struct cmd *c, char *err, size_t len)
{
	uint32_t *t[3] = { &c->timeouts.tcp, &c->timeouts.tcp_fin,
			   &c->timeouts.udp };

	if (c->cmd != CMD_SET)
		return 0;
	for (int i = 0; i < 3; i++)
		if (!parse_uint(c->pos[i], DPVS_TIMEOUT_MAX, t[i]))
			return perr(err, len, "invalid timeout value '%s' "
				    "(0-%u seconds)", c->pos[i], DPVS_TIMEOUT_MAX);
	return 0;
}

/*
 * Parses argv[1..] into c.  Returns 0, or -1 with a message (without
 * "dpvsadm: ") in err.
 */
static int parse_cmd(int argc, char **argv, struct cmd *c, char *err,
		     size_t len)
{
	bool only_pos = false;

	memset(c, 0, sizeof(*c));
	c->flags_for_sched = "";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int rc;

		if (!only_pos && !strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (only_pos || a[0] != '-' || !a[1]) {
			if (c->npos == (int)(sizeof(c->pos) / sizeof(c->pos[0])))
				return perr(err, len, "unexpected argument '%s'",
					    a);
			c->pos[c->npos++] = a;
			continue;
		}
		rc = a[1] == '-' ? parse_long(c, argc, argv, &i, err, len) :
				   parse_short(c, argc, argv, &i, err, len);
		if (rc)
			return -1;
		if (c->cmd == CMD_HELP)
			return 0;
	}
	/* ipvsadm with no command lists the table. */
	if (c->cmd == CMD_NONE) {
		if (c->opts & ~O(NUMERIC))
			return perr(err, len, "no command given (-A -E -D -C -a "
				    "-e -d -L -S -R -Z --set -P -Q -G)");
		if (c->npos)
			return perr(err, len, "unexpected argument '%s'",
				    c->pos[0]);
		c->cmd = CMD_LIST;
	}
	if (check_rules(c, err, len))
		return -1;
	if (c->cmd == CMD_LIST && check_list(c, err, len))
		return -1;
	if (check_service(c, err, len) || check_dest(c, err, len) ||
	    check_set(c, err, len))
		return -1;
	if (c->cmd == CMD_ADDLADDR || c->cmd == CMD_DELLADDR) {
		c->laddr.proto = c->svc.proto;
		c->laddr.vip = c->svc.vip;
		c->laddr.vport = c->svc.vport;
	}
	return 0;
}

/* ---- output ---- */

static const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "TCP" : proto == IPPROTO_UDP ? "UDP" :
								     "???";
}

static const char *proto_switch(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "-u" : "-t";
}

static const char *fmt_ip(uint32_t addr_net, char buf[INET_ADDRSTRLEN])
{
	struct in_addr in = { .s_addr = addr_net };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN) ? buf : "?";
}

#define ADDRPORT_LEN (INET_ADDRSTRLEN + 6)

static const char *fmt_addrport(uint32_t addr_net, uint16_t port,
				char buf[ADDRPORT_LEN])
{
	char ip[INET_ADDRSTRLEN];

	snprintf(buf, ADDRPORT_LEN, "%s:%u", fmt_ip(addr_net, ip), port);
	return buf;
}

static const char *fwd_name(uint32_t fwd)
{
	switch (fwd) {
	case DPVS_FWD_FNAT:
		return "FullNat";
	case DPVS_FWD_DR:
		return "Route";
	case DPVS_FWD_NAT:
		return "Masq";
	case DPVS_FWD_TUN:
		return "Tunnel";
	}
	return "?";
}

static const char *fwd_switch(uint32_t fwd)
{
	switch (fwd) {
	case DPVS_FWD_FNAT:
		return "-b";
	case DPVS_FWD_NAT:
		return "-m";
	case DPVS_FWD_TUN:
		return "-i";
	}
	return "-g";
}

/* "sh-fallback,sh-port" as the scheduler calls them. */
static const char *fmt_sched_flags(const char *sched, uint32_t flags,
				   char buf[32])
{
	bool sh = !strcmp(sched, "sh"), mh = !strcmp(sched, "mh");

	snprintf(buf, 32, "%s%s%s",
		 !(flags & DPVS_SVC_F_SCHED_FALLBACK) ? "" :
		 sh ? "sh-fallback" : mh ? "mh-fallback" : "flag-1",
		 (flags & SCHED_FLAGS) == SCHED_FLAGS ? "," : "",
		 !(flags & DPVS_SVC_F_SCHED_PORT) ? "" :
		 sh ? "sh-port" : mh ? "mh-port" : "flag-2");
	return buf;
}

enum list_fmt { FMT_PLAIN, FMT_STATS, FMT_RATE, FMT_THRESH, FMT_PCONN };

struct out {
	enum list_fmt fmt;
	bool exact;
	bool sort;
};

/* ipvsadm's 9-column numbers: K, M, G, T beyond 8 digits. */
static void print_num(uint64_t v, bool exact)
{
	char tmp[24];
	int n;

	if (exact) {
		n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v);
		printf("%*s", n <= 8 ? 9 : n + 1, tmp);
	} else if (v < 100000000ull) {
		printf("%9llu", (unsigned long long)v);
	} else if (v < 1000000000ull) {
		printf("%8lluK", (unsigned long long)(v / 1000));
	} else if (v < 100000000000ull) {
		printf("%8lluM", (unsigned long long)(v / 1000000));
	} else if (v < 100000000000000ull) {
		printf("%8lluG", (unsigned long long)(v / 1000000000ull));
	} else {
		printf("%8lluT", (unsigned long long)(v / 1000000000000ull));
	}
}

static void print_counters(const struct dpvs_stats *s, const struct out *o)
{
	if (o->fmt == FMT_STATS) {
		print_num(s->conns, o->exact);
		print_num(s->inpkts, o->exact);
		print_num(s->outpkts, o->exact);
		print_num(s->inbytes, o->exact);
		print_num(s->outbytes, o->exact);
	} else {
		print_num(s->cps, o->exact);
		print_num(s->inpps, o->exact);
		print_num(s->outpps, o->exact);
		print_num(s->inbps, o->exact);
		print_num(s->outbps, o->exact);
	}
	printf("\n");
}

static void print_title(const struct out *o)
{
	switch (o->fmt) {
	case FMT_STATS:
		printf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
		       "Prot LocalAddress:Port", "Conns", "InPkts", "OutPkts",
		       "InBytes", "OutBytes");
		break;
	case FMT_RATE:
		printf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n",
		       "Prot LocalAddress:Port", "CPS", "InPPS", "OutPPS",
		       "InBPS", "OutBPS");
		break;
	case FMT_THRESH:
		printf("%-33s %-10s %-10s %-10s %-10s\n"
		       "  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
		       "Uthreshold", "Lthreshold", "ActiveConn", "InActConn");
		break;
	case FMT_PCONN:
		printf("%-33s %-9s %-11s %-10s %-10s\n"
		       "  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
		       "Weight", "PersistConn", "ActiveConn", "InActConn");
		break;
	case FMT_PLAIN:
		printf("Prot LocalAddress:Port Scheduler Flags\n"
		       "  -> RemoteAddress:Port           Forward Weight "
		       "ActiveConn InActConn\n");
		break;
	}
}

static void print_service(const struct dpvs_service *s, const struct out *o)
{
	char name[48], ap[ADDRPORT_LEN], mask[INET_ADDRSTRLEN], fl[32];

	snprintf(name, sizeof(name), "%s  %s", proto_name(s->proto),
		 fmt_addrport(s->vip, s->vport, ap));
	name[33] = '\0';
	if (o->fmt == FMT_STATS || o->fmt == FMT_RATE) {
		printf("%-33s", name);
		print_counters(&s->stats, o);
		return;
	}
	printf("%s %s", name, s->sched);
	if (s->flags & SCHED_FLAGS)
		printf(" (%s)", fmt_sched_flags(s->sched, s->flags, fl));
	if (s->flags & DPVS_SVC_F_PERSISTENT) {
		printf(" persistent %u", s->timeout);
		if (s->netmask != ALL_ONES)
			printf(" mask %s", fmt_ip(s->netmask, mask));
	}
	printf("\n");
}

static void print_dest(const struct dpvs_dest *d, const struct out *o)
{
	char ap[ADDRPORT_LEN];

	fmt_addrport(d->addr, d->port, ap); /* at most 21 of ipvsadm's 28 */
	switch (o->fmt) {
	case FMT_STATS:
	case FMT_RATE:
		printf("  -> %-28s", ap);
		print_counters(&d->stats, o);
		break;
	case FMT_THRESH:
		printf("  -> %-28s %-10u %-10u %-10u %-10u\n", ap, d->u_thresh,
		       d->l_thresh, d->activeconns, d->inactconns);
		break;
	case FMT_PCONN:
		printf("  -> %-28s %-9d %-11u %-10u %-10u\n", ap, d->weight,
		       d->persistconns, d->activeconns, d->inactconns);
		break;
	case FMT_PLAIN:
		printf("  -> %-28s %-7s %-6d %-10u %-10u\n", ap,
		       fwd_name(d->fwd), d->weight, d->activeconns,
		       d->inactconns);
		break;
	}
}

/* ---- talking to dpvs ---- */

/* The input line -R is applying (messages name it), 0 otherwise. */
static unsigned long restore_line;

/* "dpvsadm: [restore: line N: ]MESSAGE" on stderr; returns 1. */
__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dpvsadm: ");
	if (restore_line)
		fprintf(stderr, "restore: line %lu: ", restore_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int report(struct dpvs_handle *h, int rc, const char *what)
{
	const char *msg = dpvs_errmsg(h);

	if (rc == DPVS_OK)
		return 0;
	return fail("%s: %s", what, msg && *msg ? msg : dpvs_strerror(rc));
}

/* "TCP 10.0.0.100:80" */
#define SVC_NAME_LEN (4 + ADDRPORT_LEN)

static const char *fmt_svc(const struct dpvs_service *s,
			   char buf[SVC_NAME_LEN])
{
	char ap[ADDRPORT_LEN];

	snprintf(buf, SVC_NAME_LEN, "%s %s", proto_name(s->proto),
		 fmt_addrport(s->vip, s->vport, ap));
	return buf;
}

/* Services and dests in ipvsadm's order: protocol, address, port. */
static int cmp_key(uint8_t p1, uint32_t a1, uint16_t port1, uint8_t p2,
		   uint32_t a2, uint16_t port2)
{
	uint32_t h1 = ntohl(a1), h2 = ntohl(a2);

	if (p1 != p2)
		return p1 < p2 ? -1 : 1;
	if (h1 != h2)
		return h1 < h2 ? -1 : 1;
	return port1 < port2 ? -1 : port1 > port2;
}

static int cmp_svc(const void *a, const void *b)
{
	const struct dpvs_service *x = a, *y = b;

	return cmp_key(x->proto, x->vip, x->vport, y->proto, y->vip, y->vport);
}

/* Whether dpvs has the service key (true if that cannot be told). */
static bool svc_exists(struct dpvs_handle *h, const struct dpvs_service *key)
{
	struct dpvs_service *s;
	size_t n;
	bool found = false;

	if (dpvs_svc_list(h, &s, &n))
		return true;
	for (size_t i = 0; i < n && !found; i++)
		found = !cmp_svc(&s[i], key);
	free(s);
	return found;
}

/*
 * The outcome of c's request.  "Already exists" and "not found" are said
 * as ipvsadm says them, naming the service, real server or local
 * address; other refusals carry dpvs's own message.
 */
static int report_cmd(struct dpvs_handle *h, const struct cmd *c, int rc)
{
	const char *what = cmd_names[c->cmd], *msg = dpvs_errmsg(h);
	char dmsg[256], svc[SVC_NAME_LEN], obj[ADDRPORT_LEN + 32] = "";
	char ap[ADDRPORT_LEN], ip[INET_ADDRSTRLEN];
	bool is_dest = c->cmd == CMD_ADDDEST || c->cmd == CMD_EDITDEST ||
		       c->cmd == CMD_DELDEST;
	bool is_laddr = c->cmd == CMD_ADDLADDR || c->cmd == CMD_DELLADDR;

	if (rc == DPVS_OK)
		return 0;
	if ((rc != DPVS_EEXIST && rc != DPVS_ENOENT) ||
	    !(c->opts & O(SERVICE)))
		return report(h, rc, what);
	snprintf(dmsg, sizeof(dmsg), "%s", msg && *msg ? msg :
		 dpvs_strerror(rc));
	fmt_svc(&c->svc, svc);
	if (is_dest)
		snprintf(obj, sizeof(obj), "real server %s",
			 fmt_addrport(c->dest.addr, c->dest.port, ap));
	else if (is_laddr)
		snprintf(obj, sizeof(obj), "local address %s",
			 fmt_ip(c->laddr.addr, ip));
	if (rc == DPVS_EEXIST) {
		if (c->cmd == CMD_ADD)
			return fail("%s: service %s already exists", what, svc);
		if (is_dest || is_laddr)
			return fail("%s: %s already exists in service %s", what,
				    obj, svc);
		return fail("%s: %s", what, dmsg);
	}
	/* ENOENT: the service, or what was asked of it, is missing. */
	if (!svc_exists(h, &c->svc))
		return fail("%s: no such service %s", what, svc);
	if (is_dest || c->cmd == CMD_DELLADDR)
		return fail("%s: no such %s in service %s", what, obj, svc);
	return fail("%s: %s", what, dmsg);
}

/* A dest with its position in the daemon's answer (for --nosort). */
struct dref {
	const struct dpvs_dest *d;
	size_t idx;
};

static int cmp_dref(const void *a, const void *b, bool sort)
{
	const struct dref *x = a, *y = b;
	int r = cmp_key(x->d->proto, x->d->vip, x->d->vport, y->d->proto,
			y->d->vip, y->d->vport);

	if (r)
		return r;
	if (sort) {
		r = cmp_key(0, x->d->addr, x->d->port, 0, y->d->addr,
			    y->d->port);
		if (r)
			return r;
	}
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int cmp_dref_sorted(const void *a, const void *b)
{
	return cmp_dref(a, b, true);
}

static int cmp_dref_unsorted(const void *a, const void *b)
{
	return cmp_dref(a, b, false);
}

/* The whole table as it stands: services and every dest, grouped. */
struct table {
	struct dpvs_service *svcs;
	size_t nsvcs;
	struct dpvs_dest *dests;
	size_t ndests;
	struct dref *refs;     /* dests by service key */
};

static void table_free(struct table *t)
{
	free(t->svcs);
	free(t->dests);
	free(t->refs);
	memset(t, 0, sizeof(*t));
}

static int table_get(struct dpvs_handle *h, bool sort, struct table *t,
		     const char *what)
{
	int rc;

	memset(t, 0, sizeof(*t));
	/* One request, one gather: a service's counters are its servers'. */
	rc = dpvs_svc_dest_list(h, &t->svcs, &t->nsvcs, &t->dests, &t->ndests);
	if (rc) {
		table_free(t);
		return report(h, rc, what);
	}
	t->refs = calloc(t->ndests ? t->ndests : 1, sizeof(*t->refs));
	if (!t->refs) {
		table_free(t);
		return fail("%s: out of memory", what);
	}
	for (size_t i = 0; i < t->ndests; i++)
		t->refs[i] = (struct dref){ &t->dests[i], i };
	if (sort)
		qsort(t->svcs, t->nsvcs, sizeof(*t->svcs), cmp_svc);
	qsort(t->refs, t->ndests, sizeof(*t->refs),
	      sort ? cmp_dref_sorted : cmp_dref_unsorted);
	return 0;
}

/* The first dest of service s in t->refs, and how many there are. */
static size_t table_dests(const struct table *t, const struct dpvs_service *s,
			  size_t *first)
{
	size_t lo = 0, hi = t->ndests, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dpvs_dest *d = t->refs[mid].d;

		if (cmp_key(d->proto, d->vip, d->vport, s->proto, s->vip,
			    s->vport) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo + n < t->ndests) {
		const struct dpvs_dest *d = t->refs[lo + n].d;

		if (cmp_key(d->proto, d->vip, d->vport, s->proto, s->vip,
			    s->vport))
			break;
		n++;
	}
	return n;
}

static struct out out_of(const struct cmd *c)
{
	struct out o = {
		.fmt = c->opts & O(STATS) ? FMT_STATS :
		       c->opts & O(RATE) ? FMT_RATE :
		       c->opts & O(THRESH) ? FMT_THRESH :
		       c->opts & O(PCONN) ? FMT_PCONN : FMT_PLAIN,
		.exact = c->opts & O(EXACT),
		.sort = !(c->opts & O(NOSORT)),
	};
	return o;
}

static int cmd_list_all(struct dpvs_handle *h, const struct cmd *c)
{
	struct out o = out_of(c);
	struct dpvs_version_info v;
	struct table t;
	int rc = dpvs_get_version(h, &v);

	if (rc)
		return report(h, rc, "list");
	if (table_get(h, o.sort, &t, "list"))
		return 1;
	printf("IP Virtual Server version %s (size=%zu)\n", v.version, t.nsvcs);
	print_title(&o);
	for (size_t i = 0; i < t.nsvcs; i++) {
		size_t first, n = table_dests(&t, &t.svcs[i], &first);

		print_service(&t.svcs[i], &o);
		for (size_t j = 0; j < n; j++)
			print_dest(t.refs[first + j].d, &o);
	}
	table_free(&t);
	return 0;
}

/* Finds the service with c's key in the daemon's list. */
static int find_service(struct dpvs_handle *h, const struct cmd *c,
			const char *what, struct dpvs_service *out)
{
	struct dpvs_service *s;
	size_t n;
	bool found = false;
	char svc[SVC_NAME_LEN];
	int rc = dpvs_svc_list(h, &s, &n);

	if (rc)
		return report(h, rc, what);
	for (size_t i = 0; i < n && !found; i++)
		if (!cmp_svc(&s[i], &c->svc)) {
			*out = s[i];
			found = true;
		}
	free(s);
	if (found)
		return 0;
	return fail("%s: no such service %s", what, fmt_svc(&c->svc, svc));
}

static int cmd_list_service(struct dpvs_handle *h, const struct cmd *c)
{
	struct out o = out_of(c);
	struct dpvs_service s;
	struct dpvs_dest *d;
	size_t n;
	struct dref *refs;
	int rc;

	if (find_service(h, c, "list", &s))
		return 1;
	rc = dpvs_dest_list(h, &s, &d, &n);
	if (rc)
		return report(h, rc, "list");
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (!refs) {
		free(d);
		return fail("list: out of memory");
	}
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dref){ &d[i], i };
	if (o.sort)
		qsort(refs, n, sizeof(*refs), cmp_dref_sorted);
	print_title(&o);
	print_service(&s, &o);
	for (size_t i = 0; i < n; i++)
		print_dest(refs[i].d, &o);
	free(refs);
	free(d);
	return 0;
}

static void print_conn(const struct dpvs_conn *x)
{
	char src[ADDRPORT_LEN], vip[ADDRPORT_LEN], dst[ADDRPORT_LEN];
	char lip[ADDRPORT_LEN];

	if (x->laddr)
		fmt_addrport(x->laddr, x->lport, lip);
	else
		snprintf(lip, sizeof(lip), "-");
	printf("%-3s %02u:%02u  %-11s %-18s %-18s %-18s %-18s %u\n",
	       proto_name(x->proto), x->expire_s / 60, x->expire_s % 60,
	       x->state_name, fmt_addrport(x->caddr, x->cport, src),
	       fmt_addrport(x->vaddr, x->vport, vip),
	       fmt_addrport(x->daddr, x->dport, dst), lip, x->lcore);
}

/* Page by page: ten million connections never sit in our memory at once. */
static int cmd_list_conns(struct dpvs_handle *h)
{
	struct dpvs_conn *cs;
	uint32_t cursor = 0;
	size_t n;
	int rc;

	printf("IPVS connection entries\n");
	printf("%-3s %-6s %-11s %-18s %-18s %-18s %-18s %s\n", "pro", "expire",
	       "state", "source", "virtual", "destination", "local",
	       "lcore");
	do {
		rc = dpvs_conn_list_page(h, &cursor, &cs, &n);
		if (rc)
			return report(h, rc, "list connections");
		for (size_t i = 0; i < n; i++)
			print_conn(&cs[i]);
		free(cs);
	} while (cursor);
	return 0;
}

static int cmd_list_timeouts(struct dpvs_handle *h)
{
	struct dpvs_timeouts t;
	int rc = dpvs_timeout_get(h, &t);

	if (rc)
		return report(h, rc, "list timeouts");
	printf("Timeout (tcp tcpfin udp): %u %u %u\n", t.tcp, t.tcp_fin, t.udp);
	return 0;
}

/* -S: the table as the commands that make it. */
static int cmd_save(struct dpvs_handle *h, const struct cmd *c)
{
	struct table t;
	struct dpvs_laddr *l;
	size_t nl;
	char ap[ADDRPORT_LEN], rs[ADDRPORT_LEN], ip[INET_ADDRSTRLEN], fl[32];
	int rc;

	if (table_get(h, !(c->opts & O(NOSORT)), &t, "save"))
		return 1;
	rc = dpvs_laddr_list(h, NULL, &l, &nl);
	if (rc) {
		table_free(&t);
		return report(h, rc, "save");
	}
	for (size_t i = 0; i < t.nsvcs; i++) {
		const struct dpvs_service *s = &t.svcs[i];
		const char *ps = proto_switch(s->proto);
		size_t first, n = table_dests(&t, s, &first);

		fmt_addrport(s->vip, s->vport, ap);
		printf("-A %s %s -s %s", ps, ap, s->sched);
		if (s->flags & SCHED_FLAGS)
			printf(" -b %s", fmt_sched_flags(s->sched, s->flags, fl));
		if (s->flags & DPVS_SVC_F_PERSISTENT) {
			printf(" -p %u", s->timeout);
			if (s->netmask != ALL_ONES)
				printf(" -M %s", fmt_ip(s->netmask, ip));
		}
		printf("\n");
		for (size_t j = 0; j < nl; j++)
			if (!cmp_key(l[j].proto, l[j].vip, l[j].vport, s->proto,
				     s->vip, s->vport))
				printf("-P %s %s -z %s -F %s\n", ps, ap,
				       fmt_ip(l[j].addr, ip), l[j].ifname);
		for (size_t j = 0; j < n; j++) {
			const struct dpvs_dest *d = t.refs[first + j].d;

			printf("-a %s %s -r %s %s -w %d", ps, ap,
			       fmt_addrport(d->addr, d->port, rs),
			       fwd_switch(d->fwd), d->weight);
			if (d->u_thresh)
				printf(" -x %u", d->u_thresh);
			if (d->l_thresh)
				printf(" -y %u", d->l_thresh);
			printf("\n");
		}
	}
	free(l);
	table_free(&t);
	return 0;
}

static int cmp_laddr_key(const void *a, const void *b)
{
	const struct dpvs_laddr *x = a, *y = b;

	return cmp_key(x->proto, x->vip, x->vport, y->proto, y->vip, y->vport);
}

static void print_laddrs_of(const struct dpvs_service *s,
			    const struct dpvs_laddr *l, size_t nl)
{
	char ap[ADDRPORT_LEN], ip[INET_ADDRSTRLEN];
	size_t count = 0;

	for (size_t i = 0; i < nl; i++)
		count += !cmp_laddr_key(&l[i], s);
	printf("%-4s %-21s %zu\n", proto_name(s->proto),
	       fmt_addrport(s->vip, s->vport, ap), count);
	for (size_t i = 0; i < nl; i++)
		if (!cmp_laddr_key(&l[i], s))
			printf("%-4s %-21s %-6s %-16s %-16s %-10llu %u\n", "", "",
			       "", fmt_ip(l[i].addr, ip), l[i].ifname,
			       (unsigned long long)l[i].conns, l[i].ports_free);
}

static void print_laddr_title(void)
{
	printf("%-4s %-21s %-6s %-16s %-16s %-10s %s\n", "Prot", "VIP:VPORT",
	       "TOTAL", "SNAT_IP", "IFNAME", "CONNS", "PORTS_FREE");
}

/* -G: local addresses per service (DPVS's layout, with the protocol). */
static int cmd_get_laddr(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_service *s = NULL;
	struct dpvs_laddr *l;
	size_t ns = 0, nl;
	int rc;

	if (c->opts & O(SERVICE)) {
		rc = dpvs_laddr_list(h, &c->svc, &l, &nl);
		if (rc)
			return report_cmd(h, c, rc);
		print_laddr_title();
		print_laddrs_of(&c->svc, l, nl);
		free(l);
		return 0;
	}
	rc = dpvs_svc_list(h, &s, &ns);
	if (rc == DPVS_OK)
		rc = dpvs_laddr_list(h, NULL, &l, &nl);
	if (rc) {
		free(s);
		return report(h, rc, "get-laddr");
	}
	if (!(c->opts & O(NOSORT)))
		qsort(s, ns, sizeof(*s), cmp_svc);
	print_laddr_title();
	for (size_t i = 0; i < ns; i++)
		print_laddrs_of(&s[i], l, nl);
	free(l);
	free(s);
	return 0;
}

/*
 * -E: ipvsadm changes only what was given; so does dpvsadm, on top of
 * the service as dpvs has it.
 */
static int cmd_edit_service(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_service s;
	char err[256];

	if (find_service(h, c, "edit-service", &s))
		return 1;
	s.ndests = 0;
	memset(&s.stats, 0, sizeof(s.stats));
	if (c->opts & O(SCHED)) {
		memcpy(s.sched, c->svc.sched, sizeof(s.sched));
		/* sh/mh flags mean nothing to other schedulers */
		if (!(c->opts & O(SCHED_FLAGS)) && strcmp(s.sched, "sh") &&
		    strcmp(s.sched, "mh"))
			s.flags &= ~(uint32_t)SCHED_FLAGS;
	}
	if (c->opts & O(SCHED_FLAGS))
		s.flags = (s.flags & ~(uint32_t)SCHED_FLAGS) |
			  (c->svc.flags & SCHED_FLAGS);
	if (c->opts & O(PERSIST)) {
		s.flags |= DPVS_SVC_F_PERSISTENT;
		s.timeout = c->svc.timeout;
	}
	if (c->opts & O(NETMASK))
		s.netmask = c->svc.netmask;
	if ((c->opts & O(SCHED_FLAGS)) && !(c->opts & O(SCHED)) &&
	    check_sched_flags(s.sched, s.flags, c->flags_for_sched, err,
			      sizeof(err)))
		return fail("edit-service: %s", err);
	return report_cmd(h, c, dpvs_svc_edit(h, &s));
}

/* -e: likewise, on top of the real server as dpvs has it. */
static int cmd_edit_dest(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_dest *all, d;
	size_t n;
	bool found = false;
	char err[256], svc[SVC_NAME_LEN], rs[ADDRPORT_LEN];
	int rc = dpvs_dest_list(h, &c->svc, &all, &n);

	if (rc)
		return report_cmd(h, c, rc);
	for (size_t i = 0; i < n && !found; i++)
		if (all[i].addr == c->dest.addr && all[i].port == c->dest.port) {
			d = all[i];
			found = true;
		}
	free(all);
	if (!found)
		return fail("edit-server: no such real server %s in service %s",
			    fmt_addrport(c->dest.addr, c->dest.port, rs),
			    fmt_svc(&c->svc, svc));
	if (c->opts & O(FWD))
		d.fwd = c->dest.fwd;
	if (c->opts & O(WEIGHT))
		d.weight = c->dest.weight;
	if (c->opts & O(UTHRESH))
		d.u_thresh = c->dest.u_thresh;
	if (c->opts & O(LTHRESH))
		d.l_thresh = c->dest.l_thresh;
	if (check_dest_port(&d, err, sizeof(err)) ||
	    check_thresholds(&d, err, sizeof(err)))
		return fail("edit-server: %s", err);
	return report_cmd(h, c, dpvs_dest_edit(h, &d));
}

static int run(struct dpvs_handle *h, const struct cmd *c)
{
	switch (c->cmd) {
	case CMD_ADD:
		return report_cmd(h, c, dpvs_svc_add(h, &c->svc));
	case CMD_EDIT:
		return cmd_edit_service(h, c);
	case CMD_DEL:
		return report_cmd(h, c, dpvs_svc_del(h, &c->svc));
	case CMD_FLUSH:
		return report_cmd(h, c, dpvs_svc_flush(h));
	case CMD_LIST:
		if (c->opts & O(CONN))
			return cmd_list_conns(h);
		if (c->opts & O(TIMEOUT))
			return cmd_list_timeouts(h);
		if (c->opts & O(SERVICE))
			return cmd_list_service(h, c);
		return cmd_list_all(h, c);
	case CMD_SAVE:
		return cmd_save(h, c);
	case CMD_ZERO:
		return report_cmd(h, c, dpvs_zero(h, c->opts & O(SERVICE) ?
						      &c->svc : NULL));
	case CMD_ADDDEST:
		return report_cmd(h, c, dpvs_dest_add(h, &c->dest));
	case CMD_EDITDEST:
		return cmd_edit_dest(h, c);
	case CMD_DELDEST:
		return report_cmd(h, c, dpvs_dest_del(h, &c->dest));
	case CMD_SET:
		return report_cmd(h, c, dpvs_timeout_set(h, &c->timeouts));
	case CMD_ADDLADDR:
		return report_cmd(h, c, dpvs_laddr_add(h, &c->laddr));
	case CMD_DELLADDR:
		return report_cmd(h, c, dpvs_laddr_del(h, &c->laddr));
	case CMD_GETLADDR:
		return cmd_get_laddr(h, c);
	case CMD_NONE:
	case CMD_RESTORE:
	case CMD_HELP:
	case CMD_COUNT:
		break;
	}
	return 0;
}

static int connect_dpvs(const char *ipc, struct dpvs_handle **h)
{
	int rc = dpvs_connect(ipc, h);

	if (rc == DPVS_OK)
		return 0;
	fprintf(stderr, "dpvsadm: cannot connect to %s: %s%s\n",
		ipc ? ipc : DPVS_DEFAULT_IPC,
		rc == DPVS_EIO ? strerror(errno) : dpvs_strerror(rc),
		rc == DPVS_EIO ? " (is dpvs running?)" : "");
	return 1;
}

/* ---- -R: commands from standard input ---- */

/* The commands a restore file may give: those that change the table. */
static bool restorable(enum cmd_id id)
{
	switch (id) {
	case CMD_ADD:
	case CMD_EDIT:
	case CMD_DEL:
	case CMD_FLUSH:
	case CMD_ZERO:
	case CMD_ADDDEST:
	case CMD_EDITDEST:
	case CMD_DELDEST:
	case CMD_SET:
	case CMD_ADDLADDR:
	case CMD_DELLADDR:
		return true;
	default:
		return false;
	}
}

/* A word naming the program: "dpvsadm", "/usr/sbin/dpvsadm", "ipvsadm". */
static bool is_prog_name(const char *w)
{
	const char *base = strrchr(w, '/');

	base = base ? base + 1 : w;
	return !strcmp(base, "dpvsadm") || !strcmp(base, "ipvsadm");
}

/*
 * One input line into c.  Returns 1 if it holds a command, 0 if it is
 * blank or a comment, -1 with a message in err.  line is cut into words
 * in place; c keeps no pointer into it.
 */
static int parse_line(char *line, struct cmd *c, char *err, size_t len)
{
	static const char *const space = " \t\r\n\v\f";
	char **argv, *save = NULL;
	int argc = 1, rc;
	size_t max = 2;

	line += strspn(line, space);
	if (!*line || *line == '#')
		return 0;
	for (const char *p = line; *p; p++)
		max += strchr(space, *p) != NULL;
	argv = calloc(max + 1, sizeof(*argv));
	if (!argv)
		return perr(err, len, "out of memory");
	argv[0] = (char *)"dpvsadm";
	for (char *w = strtok_r(line, space, &save); w;
	     w = strtok_r(NULL, space, &save))
		argv[argc++] = w;
	if (argc > 1 && argv[1][0] != '-' && is_prog_name(argv[1])) {
		memmove(argv + 1, argv + 2, (size_t)(argc - 2) * sizeof(*argv));
		argc--;
	}
	if (argc == 1) {
		free(argv);
		return perr(err, len, "no command given");
	}
	rc = parse_cmd(argc, argv, c, err, len);
	free(argv);
	if (rc)
		return -1;
	if (c->ipc)
		return perr(err, len, "--ipc-file is given to 'dpvsadm -R', "
			    "not in its input");
	if (!restorable(c->cmd))
		return perr(err, len, "'%s' does not change the table: not "
			    "allowed in restore input", cmd_names[c->cmd]);
	c->npos = 0; /* --set's words are parsed into c->timeouts */
	return 1;
}

struct rcmd {
	unsigned long line;
	struct cmd c;
};

/*
 * -R: reads the whole of standard input and checks every line before
 * it connects, so a mistyped line changes nothing; then applies the
 * commands in order and stops at the first that dpvs refuses.
 */
static int cmd_restore(const struct cmd *rc_cmd)
{
	struct rcmd *cmds = NULL;
	size_t n = 0, cap = 0, linecap = 0;
	unsigned long lineno = 0;
	char *line = NULL, err[320];
	struct dpvs_handle *h;
	ssize_t got;
	int rc = 0;

	while ((got = getline(&line, &linecap, stdin)) >= 0) {
		struct cmd c;

		lineno++;
		if (strlen(line) != (size_t)got) {
			rc = fail("restore: line %lu: NUL byte in input", lineno);
			goto out;
		}
		switch (parse_line(line, &c, err, sizeof(err))) {
		case 0:
			continue;
		case 1:
			break;
		default:
			rc = fail("restore: line %lu: %s", lineno, err);
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct rcmd *nc = realloc(cmds, ncap * sizeof(*nc));

			if (!nc) {
				rc = fail("restore: out of memory");
				goto out;
			}
			cmds = nc;
			cap = ncap;
		}
		cmds[n].line = lineno;
		cmds[n].c = c;
		n++;
	}
	if (ferror(stdin)) {
		rc = fail("restore: cannot read standard input: %s",
			  strerror(errno));
		goto out;
	}
	if (n == 0)
		goto out;
	if (connect_dpvs(rc_cmd->ipc, &h)) {
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		restore_line = cmds[i].line;
		rc = run(h, &cmds[i].c);
	}
	restore_line = 0;
	dpvs_close(h);
out:
	free(line);
	free(cmds);
	return rc;
}

int main(int argc, char **argv)
{
	struct dpvs_handle *h;
	struct cmd c;
	char err[320];
	int rc;

	if (parse_cmd(argc, argv, &c, err, sizeof(err))) {
		fprintf(stderr, "dpvsadm: %s\nTry 'dpvsadm -h' or 'dpvsadm "
			"--help' for more information.\n", err);
		return 2;
	}
	if (c.cmd == CMD_HELP) {
		usage(stdout);
		return 0;
	}
	if (c.cmd == CMD_RESTORE)
		return cmd_restore(&c);
	if (connect_dpvs(c.ipc, &h))
		return 1;
	rc = run(h, &c);
	dpvs_close(h);
	return rc;
}
