/* dpvsadm's command line into a struct cmd (see dpvsadm_parse.h). */
#include "dpvsadm_parse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"

const char *const cmd_names[CMD_COUNT] = {
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

/* How messages name an option (ipvsadm's names). */
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
	[OPT_PROXY] = "proxy-protocol (--proxy-protocol)",
};

/* Which options each command needs and which it accepts. */
static const struct {
	unsigned need;
	unsigned allow;
} cmd_rules[CMD_COUNT] = {
	[CMD_ADD] = { O(SERVICE), O(SERVICE) | O(SCHED) | O(PERSIST) |
				  O(NETMASK) | O(SCHED_FLAGS) | O(PROXY) },
	[CMD_EDIT] = { O(SERVICE), O(SERVICE) | O(SCHED) | O(PERSIST) |
				   O(NETMASK) | O(SCHED_FLAGS) | O(PROXY) },
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

#define ADDR_OF(af, v4, v6) ((struct inet_out){ &(af), &(v4), &(v6) })

/* A.B.C.D (contiguous) or a prefix length 0-32, into network order. */
static bool parse_netmask4(const char *s, uint32_t *out)
{
	uint32_t plen, m;

	if (parse_uint(s, 32, &plen)) {
		*out = htonl(plen ? ALL_ONES << (32 - plen) : 0);
		return true;
	}
	if (!parse_ipv4(s, out))
		return false;
	m = ntohl(*out);
	return dpvs_netmask_is_prefix(m);
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
int check_sched_flags(const char *sched, uint32_t flags,
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

/* What a command-line switch takes; -b's depends on the command. */
enum arg_kind { ARG_NONE, ARG_REQUIRED, ARG_OPTIONAL, ARG_BY_CMD };

struct sw;
/* Applies switch sw with argument v (NULL: none) to c. */
typedef int (*sw_fn)(struct cmd *c, const struct sw *sw, const char *v,
		     char *err, size_t len);

struct sw {
	char s;            /* short form, 0 if none */
	const char *l;     /* long form, NULL if none */
	enum arg_kind arg;
	sw_fn fn;
	int id;            /* fn's: cmd_id, opt_id, protocol or dpvs_fwd */
};

static int on_cmd(struct cmd *c, const struct sw *sw, const char *v,
		  char *err, size_t len)
{
	(void)v;
	return set_cmd(c, (enum cmd_id)sw->id, err, len);
}

/* Options that only say "given": -n -c --timeout --stats... */
static int on_flag(struct cmd *c, const struct sw *sw, const char *v,
		   char *err, size_t len)
{
	(void)v;
	return set_opt(c, (enum opt_id)sw->id, err, len);
}

/* -t/-u VIP[:PORT] */
static int on_service(struct cmd *c, const struct sw *sw, const char *v,
		      char *err, size_t len)
{
	if (set_opt(c, OPT_SERVICE, err, len))
		return -1;
	c->svc.proto = (uint8_t)sw->id;
	return parse_inet_port(v, true, "virtual service",
			      ADDR_OF(c->svc.af, c->svc.vip, c->svc.vip6),
			      &c->svc.vport, &c->svc_port_given, err, len);
}

static int on_sched(struct cmd *c, const struct sw *sw, const char *v,
		    char *err, size_t len)
{
	(void)sw;
	if (set_opt(c, OPT_SCHED, err, len))
		return -1;
	if (!parse_sched(v, c->svc.sched))
		return perr(err, len, "illegal scheduler '%s' (1 to %d of a-z "
			    "0-9 _ -)", v, DPVS_SCHED_NAME_MAX);
	return 0;
}

static int on_persist(struct cmd *c, const struct sw *sw, const char *v,
		      char *err, size_t len)
{
	(void)sw;
	if (set_opt(c, OPT_PERSIST, err, len))
		return -1;
	c->svc.flags |= DPVS_SVC_F_PERSISTENT;
	c->svc.timeout = DPVS_PERSIST_TIMEOUT_DEFAULT;
	if (v && (!parse_uint(v, DPVS_PERSIST_TIMEOUT_MAX, &c->svc.timeout) ||
		  c->svc.timeout == 0))
		return perr(err, len, "invalid persistence timeout '%s' (1-%u "
			    "seconds)", v, DPVS_PERSIST_TIMEOUT_MAX);
	return 0;
}

static int on_netmask(struct cmd *c, const struct sw *sw, const char *v,
		      char *err, size_t len)
{
	(void)sw;
	if (set_opt(c, OPT_NETMASK, err, len))
		return -1;
	/* Checked once the service's family is known (check_service). */
	if (strlen(v) >= sizeof(c->mask_arg))
		return perr(err, len, "illegal persistence netmask '%s' "
			    "(A.B.C.D with contiguous ones, or 0-32; IPv6: "
			    "1-128)", v);
	memcpy(c->mask_arg, v, strlen(v) + 1);
	return 0;
}

static int on_sched_flags(struct cmd *c, const struct sw *sw, const char *v,
			  char *err, size_t len)
{
	uint32_t flags;

	(void)sw;
	if (set_opt(c, OPT_SCHED_FLAGS, err, len))
		return -1;
	if (parse_sched_flags(v, &flags, &c->flags_for_sched, err, len))
		return -1;
	c->svc.flags |= flags;
	return 0;
}

static const struct {
	const char *name;
	uint32_t flag;
} proxy_names[] = {
	{ "v1", DPVS_SVC_F_PROXY_V1 },
	{ "v2", DPVS_SVC_F_PROXY_V2 },
	{ "none", 0 },
};

const char *fmt_proxy(uint32_t flags)
{
	for (size_t i = 0; i < sizeof(proxy_names) / sizeof(proxy_names[0]); i++)
		if ((flags & PROXY_FLAGS) == proxy_names[i].flag)
			return proxy_names[i].name;
	return "?";
}

static int on_proxy(struct cmd *c, const struct sw *sw, const char *v,
		    char *err, size_t len)
{
	(void)sw;
	if (set_opt(c, OPT_PROXY, err, len))
		return -1;
	for (size_t i = 0; i < sizeof(proxy_names) / sizeof(proxy_names[0]); i++)
		if (!strcmp(v, proxy_names[i].name)) {
			c->svc.flags |= proxy_names[i].flag;
			return 0;
		}
	return perr(err, len, "illegal proxy-protocol version '%s' (v1, v2 or "
		    "none)", v);
}

static int on_server(struct cmd *c, const struct sw *sw, const char *v,
		     char *err, size_t len)
{
	(void)sw;
	if (set_opt(c, OPT_SERVER, err, len))
		return -1;
	return parse_inet_port(v, true, "real server",
			      ADDR_OF(c->dest.af, c->dest.addr, c->dest.addr6),
			      &c->dest.port, &c->dest_port_given, err, len);
}

/* -g -m -i -b: the modes and their switches are libdpvs's table. */
static int on_fwd(struct cmd *c, const struct sw *sw, const char *v,
		  char *err, size_t len)
{
	(void)v;
	if (set_opt(c, OPT_FWD, err, len))
		return -1;
	c->dest.fwd = (uint32_t)sw->id;
	return 0;
}

static int on_weight(struct cmd *c, const struct sw *sw, const char *v,
		     char *err, size_t len)
{
	uint32_t n;

	(void)sw;
	if (set_opt(c, OPT_WEIGHT, err, len))
		return -1;
	if (!parse_uint(v, DPVS_WEIGHT_MAX, &n))
		return perr(err, len, "illegal weight '%s' (0-%u)", v,
			    DPVS_WEIGHT_MAX);
	c->dest.weight = (int32_t)n;
	return 0;
}

/* -x and -y */
static int on_thresh(struct cmd *c, const struct sw *sw, const char *v,
		     char *err, size_t len)
{
	bool upper = sw->id == OPT_UTHRESH;

	if (set_opt(c, (enum opt_id)sw->id, err, len))
		return -1;
	if (!parse_uint(v, DPVS_THRESH_MAX, upper ? &c->dest.u_thresh :
						    &c->dest.l_thresh))
		return perr(err, len, "illegal %s threshold '%s' (0-%u)",
			    upper ? "upper" : "lower", v, DPVS_THRESH_MAX);
	return 0;
}

static int on_laddr(struct cmd *c, const struct sw *sw, const char *v,
		    char *err, size_t len)
{
	bool port_given;

	(void)sw;
	if (set_opt(c, OPT_LADDR, err, len))
		return -1;
	return parse_inet_port(v, false, "local",
			      ADDR_OF(c->laddr.af, c->laddr.addr,
				      c->laddr.addr6),
			      &c->laddr.vport, &port_given, err, len);
}

static int on_ifname(struct cmd *c, const struct sw *sw, const char *v,
		     char *err, size_t len)
{
	(void)sw;
	if (set_opt(c, OPT_IFNAME, err, len))
		return -1;
	if (!*v || strlen(v) > DPVS_IFNAME_MAX)
		return perr(err, len, "illegal interface name '%s' (1 to %d "
			    "bytes)", v, DPVS_IFNAME_MAX);
	memcpy(c->laddr.ifname, v, strlen(v) + 1);
	return 0;
}

static int on_ipc(struct cmd *c, const struct sw *sw, const char *v,
		  char *err, size_t len)
{
	(void)sw;
	if (c->ipc)
		return perr(err, len, "multiple '--ipc-file' options specified");
	c->ipc = v;
	return 0;
}

/* The forwarding-mode switches come from dpvs_fwd_modes[], not here. */
static const struct sw switches[] = {
	{ 'A', "add-service", ARG_NONE, on_cmd, CMD_ADD },
	{ 'E', "edit-service", ARG_NONE, on_cmd, CMD_EDIT },
	{ 'D', "delete-service", ARG_NONE, on_cmd, CMD_DEL },
	{ 'C', "clear", ARG_NONE, on_cmd, CMD_FLUSH },
	{ 'L', "list", ARG_NONE, on_cmd, CMD_LIST },
	{ 'l', NULL, ARG_NONE, on_cmd, CMD_LIST },
	{ 'S', "save", ARG_NONE, on_cmd, CMD_SAVE },
	{ 'Z', "zero", ARG_NONE, on_cmd, CMD_ZERO },
	{ 'a', "add-server", ARG_NONE, on_cmd, CMD_ADDDEST },
	{ 'e', "edit-server", ARG_NONE, on_cmd, CMD_EDITDEST },
	{ 'd', "delete-server", ARG_NONE, on_cmd, CMD_DELDEST },
	{ 0, "set", ARG_NONE, on_cmd, CMD_SET },
	{ 'P', "add-laddr", ARG_NONE, on_cmd, CMD_ADDLADDR },
	{ 'Q', "del-laddr", ARG_NONE, on_cmd, CMD_DELLADDR },
	{ 'G', "get-laddr", ARG_NONE, on_cmd, CMD_GETLADDR },
	{ 'R', "restore", ARG_NONE, on_cmd, CMD_RESTORE },
	{ 'h', "help", ARG_NONE, on_cmd, CMD_HELP },
	{ 't', "tcp-service", ARG_REQUIRED, on_service, IPPROTO_TCP },
	{ 'u', "udp-service", ARG_REQUIRED, on_service, IPPROTO_UDP },
	{ 's', "scheduler", ARG_REQUIRED, on_sched, 0 },
	{ 'p', "persistent", ARG_OPTIONAL, on_persist, 0 },
	{ 'M', "netmask", ARG_REQUIRED, on_netmask, 0 },
	{ 0, "sched-flags", ARG_REQUIRED, on_sched_flags, 0 },
	{ 'b', NULL, ARG_BY_CMD, NULL, 0 },
	{ 0, "proxy-protocol", ARG_REQUIRED, on_proxy, 0 },
	{ 'r', "real-server", ARG_REQUIRED, on_server, 0 },
	{ 'w', "weight", ARG_REQUIRED, on_weight, 0 },
	{ 'x', "u-threshold", ARG_REQUIRED, on_thresh, OPT_UTHRESH },
	{ 'y', "l-threshold", ARG_REQUIRED, on_thresh, OPT_LTHRESH },
	{ 'n', "numeric", ARG_NONE, on_flag, OPT_NUMERIC },
	{ 'c', "connection", ARG_NONE, on_flag, OPT_CONN },
	{ 0, "timeout", ARG_NONE, on_flag, OPT_TIMEOUT },
	{ 0, "stats", ARG_NONE, on_flag, OPT_STATS },
	{ 0, "rate", ARG_NONE, on_flag, OPT_RATE },
	{ 0, "thresholds", ARG_NONE, on_flag, OPT_THRESH },
	{ 0, "persistent-conn", ARG_NONE, on_flag, OPT_PCONN },
	{ 0, "nosort", ARG_NONE, on_flag, OPT_NOSORT },
	{ 0, "sort", ARG_NONE, on_flag, OPT_SORT }, /* the default anyway */
	{ 'X', "exact", ARG_NONE, on_flag, OPT_EXACT },
	{ 'z', "laddr", ARG_REQUIRED, on_laddr, 0 },
	{ 'F', "ifname", ARG_REQUIRED, on_ifname, 0 },
	{ 0, "ipc-file", ARG_REQUIRED, on_ipc, 0 },
};

#define NSWITCHES (sizeof(switches) / sizeof(switches[0]))

static struct sw fwd_switch(const struct dpvs_fwd_mode *m)
{
	return (struct sw){ m->short_opt, m->long_opt, ARG_NONE, on_fwd,
			    (int)m->id };
}

/*
 * -b is --sched-flags after -A/-E and --fullnat after anything else
 * (DPVS's dpvsadm); before any command it is ambiguous.
 */
static int resolve_b(const struct cmd *c, struct sw *sw, char *err,
		     size_t len)
{
	static const struct sw sched_flags = { 'b', "sched-flags",
					       ARG_REQUIRED, on_sched_flags, 0 };

	if (c->cmd == CMD_NONE)
		return perr(err, len, "-b: give the command first (-A/-E "
			    "-b SCHED-FLAGS, or -a/-e ... -b for FullNAT)");
	*sw = c->cmd == CMD_ADD || c->cmd == CMD_EDIT ? sched_flags :
			fwd_switch(dpvs_fwd_by_id(DPVS_FWD_FNAT));
	return 0;
}

static bool find_long(const char *name, size_t n, struct sw *out)
{
	for (size_t i = 0; i < NSWITCHES; i++)
		if (switches[i].l && strlen(switches[i].l) == n &&
		    !strncmp(switches[i].l, name, n)) {
			*out = switches[i];
			return true;
		}
	for (uint32_t id = DPVS_FWD_FNAT; id <= DPVS_FWD_MAX; id++) {
		const struct dpvs_fwd_mode *m = dpvs_fwd_by_id(id);

		if (strlen(m->long_opt) == n && !strncmp(m->long_opt, name, n)) {
			*out = fwd_switch(m);
			return true;
		}
	}
	return false;
}

/* -b is in switches[], so it never reaches the forwarding modes. */
static bool find_short(char ch, struct sw *out)
{
	for (size_t i = 0; i < NSWITCHES; i++)
		if (switches[i].s == ch) {
			*out = switches[i];
			return true;
		}
	for (uint32_t id = DPVS_FWD_FNAT; id <= DPVS_FWD_MAX; id++) {
		const struct dpvs_fwd_mode *m = dpvs_fwd_by_id(id);

		if (m->short_opt == ch) {
			*out = fwd_switch(m);
			return true;
		}
	}
	return false;
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
	const char *v = eq ? eq + 1 : NULL;
	struct sw sw;

	if (!find_long(name, n, &sw))
		return perr(err, len, "unknown option '--%.*s'", (int)n, name);
	if (sw.arg == ARG_NONE && eq)
		return perr(err, len, "option '--%s' takes no argument", sw.l);
	if (sw.arg == ARG_REQUIRED && !eq) {
		if (*i + 1 >= argc)
			return perr(err, len, "option '--%s' needs an argument",
				    sw.l);
		v = argv[++*i];
	}
	if (sw.arg == ARG_OPTIONAL && !eq)
		v = optional_next(argc, argv, i);
	return sw.fn(c, &sw, v, err, len);
}

/* -x, -xVALUE, -x VALUE, and clusters such as -Ln or -at VIP:PORT */
static int parse_short(struct cmd *c, int argc, char **argv, int *i,
		       char *err, size_t len)
{
	const char *a = argv[*i];

	for (int j = 1; a[j]; j++) {
		const char *v = NULL;
		struct sw sw;

		if (!find_short(a[j], &sw))
			return perr(err, len, "unknown option '-%c'", a[j]);
		if (sw.arg == ARG_BY_CMD && resolve_b(c, &sw, err, len))
			return -1;
		if (sw.arg != ARG_NONE) {
			if (a[j + 1])
				v = a + j + 1;
			else if (sw.arg == ARG_OPTIONAL)
				v = optional_next(argc, argv, i);
			else if (*i + 1 < argc)
				v = argv[++*i];
			else
				return perr(err, len, "option '-%c' needs an "
					    "argument", a[j]);
		}
		if (sw.fn(c, &sw, v, err, len))
			return -1;
		if (c->cmd == CMD_HELP || sw.arg != ARG_NONE)
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

/*
 * -M: a netmask or 0-32 for an IPv4 service, a prefix length 1-128 for
 * an IPv6 one; none given is one client per address.
 */
static int check_netmask(struct cmd *c, char *err, size_t len)
{
	bool v6 = c->svc.af == AF_INET6;

	if (!(c->opts & O(NETMASK))) {
		c->svc.netmask = v6 ? 128 : ALL_ONES;
		return 0;
	}
	if (v6 && (!parse_uint(c->mask_arg, 128, &c->svc.netmask) ||
		   c->svc.netmask == 0))
		return perr(err, len, "-M on an IPv6 service is a prefix "
			    "length (1..128), not '%s'", c->mask_arg);
	if (!v6 && !parse_netmask4(c->mask_arg, &c->svc.netmask))
		return perr(err, len, "illegal persistence netmask '%s' "
			    "(A.B.C.D with contiguous ones, or 0-32)",
			    c->mask_arg);
	return 0;
}

/* The service's port: 0 only for a persistent service. */
static int check_service(struct cmd *c, char *err, size_t len)
{
	if (c->cmd != CMD_ADD && c->cmd != CMD_EDIT)
		return 0;
	if (c->cmd == CMD_ADD) {
		if (!c->svc.sched[0])
			memcpy(c->svc.sched, DPVS_SCHED_DEFAULT,
			       sizeof(DPVS_SCHED_DEFAULT));
		if (!c->svc.vport && !(c->svc.flags & DPVS_SVC_F_PERSISTENT))
			return perr(err, len, "Zero port specified for "
				    "non-persistent service (VIP:PORT, or -p)");
		if ((c->opts & O(NETMASK)) && !(c->opts & O(PERSIST)))
			return perr(err, len, "-M sets the persistence "
				    "granularity: it needs -p");
	}
	if ((c->svc.flags & PROXY_FLAGS) && c->svc.proto != IPPROTO_TCP)
		return perr(err, len, "--proxy-protocol: the PROXY protocol is "
			    "for TCP services (-t)");
	if (check_netmask(c, err, len))
		return -1;
	/* -E without -s: checked against the service's scheduler later. */
	if (c->svc.sched[0])
		return check_sched_flags(c->svc.sched, c->svc.flags,
					 c->flags_for_sched, err, len);
	return 0;
}

/* DR and TUN cannot change the port: the packet keeps the VIP's. */
int check_dest_port(const struct dpvs_dest *d, char *err, size_t len)
{
	const struct dpvs_fwd_mode *m = dpvs_fwd_by_id(d->fwd);

	if (m && (m->flags & DPVS_FWDF_KEEPS_PORT) && d->port != d->vport)
		return perr(err, len, "real server port %u differs from the "
			    "service port %u: %s (-%c) keeps the port (use -m "
			    "or -b to map ports)", d->port, d->vport, m->desc,
			    m->short_opt);
	return 0;
}

int check_thresholds(const struct dpvs_dest *d, char *err, size_t len)
{
	if (d->u_thresh && d->l_thresh > d->u_thresh)
		return perr(err, len, "lower threshold %u is above the upper "
			    "threshold %u", d->l_thresh, d->u_thresh);
	return 0;
}

int check_families(const struct dpvs_dest *d, char *err, size_t len)
{
	bool v6s = d->vaf == AF_INET6, v6d = d->af == AF_INET6;

	if (v6s == v6d || (v6s && d->fwd == DPVS_FWD_FNAT))
		return 0;
	return perr(err, len, "mixed families: only FullNAT (-b) from an "
		    "IPv6 service to IPv4 real servers (NAT64)");
}

static int check_dest(struct cmd *c, char *err, size_t len)
{
	struct dpvs_dest *d = &c->dest;

	if (c->cmd != CMD_ADDDEST && c->cmd != CMD_EDITDEST &&
	    c->cmd != CMD_DELDEST)
		return 0;
	d->proto = c->svc.proto;
	d->vaf = c->svc.af;
	d->vip = c->svc.vip;
	d->vip6 = c->svc.vip6;
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
	if (d->fwd && check_families(d, err, len))
		return -1;
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

int parse_cmd(int argc, char **argv, struct cmd *c, char *err, size_t len)
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
		c->laddr.vaf = c->svc.af;
		c->laddr.vip = c->svc.vip;
		c->laddr.vip6 = c->svc.vip6;
		c->laddr.vport = c->svc.vport;
	}
	return 0;
}

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

int parse_line(char *line, struct cmd *c, char *err, size_t len)
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
