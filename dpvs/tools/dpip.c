/*
 * dpip: an iproute2-like tool for dpvs's network stack (links, addresses,
 * routes, neighbours) over libdpvs.
 *
 * The command line is parsed completely, by the pure parse_* functions,
 * into a struct cmd before dpip connects: a usage error exits 2 whether
 * or not the daemon runs.  Only then does run() talk to dpvs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "libdpvs.h"

static void usage(FILE *out)
{
	fprintf(out,
"Usage: dpip [OPTIONS] OBJECT [COMMAND [ARGS]]\n"
"\n"
"Shows and changes the network stack of a running dpvs: its DPDK ports\n"
"(links), their IPv4 addresses, the route table and the neighbour (ARP)\n"
"table.  Like ip(8), but for the ports dpvs owns, which the kernel does\n"
"not see.\n"
"\n"
"Objects and commands:\n"
"  link [show [[dev] DEV]]\n"
"        ports: flags, MTU, driver, kernel twin, MAC, queues; with -s\n"
"        their RX/TX and kernel-path counters\n"
"  addr [show [[dev] DEV]]\n"
"  addr add A.B.C.D[/PLEN] dev DEV [sapool]\n"
"        add an address (PLEN 1-32, default 32).  It brings a /32 local\n"
"        route (scope host) and, below /32, a connected route for its\n"
"        subnet (scope link).  sapool: it also serves as a FullNAT\n"
"        local address\n"
"  addr del A.B.C.D[/PLEN] dev DEV\n"
"        remove an address and its routes\n"
"  route [show [dev DEV]]\n"
"  route add PREFIX dev DEV [via GW] [src A.B.C.D] [scope link|kni_host]\n"
"        PREFIX is A.B.C.D/PLEN, A.B.C.D (a /32) or 'default' (0.0.0.0/0).\n"
"        With 'via', a gateway route; with 'scope kni_host', packets to\n"
"        PREFIX go to the kernel through the port's twin; otherwise\n"
"        PREFIX is on link (scope link)\n"
"  route del PREFIX [dev DEV] [...]\n"
"        remove the route for exactly PREFIX (routes an address made\n"
"        go with 'addr del')\n"
"  neigh [show [dev DEV]]\n"
"  neigh add A.B.C.D lladdr MAC dev DEV\n"
"        a static (PERMANENT) neighbour; MAC is xx:xx:xx:xx:xx:xx\n"
"  neigh del A.B.C.D dev DEV\n"
"  garp A.B.C.D dev DEV\n"
"        send a gratuitous ARP for A.B.C.D out of DEV\n"
"  stats [lcore N]\n"
"        packet counters summed over the workers (plus mbuf pool size\n"
"        and use), or those of one lcore, one per line; zero counters\n"
"        are left out unless -a is given\n"
"  help\n"
"        this text\n"
"\n"
"Abbreviations as in ip(8): l(ink), a(ddr), r(oute), n(eigh); s, sh,\n"
"list, ls for show; a for add, d or delete for del.\n"
"\n"
"Options (before OBJECT):\n"
"  -x, --ipc-file PATH  control socket (default %s)\n"
"  -s, --stats          with link: add the counters; twice: the PMD's\n"
"                       extended counters (xstats) too\n"
"  -a, --all            with stats or -s -s: print zero counters too\n"
"  -h, --help           this help\n"
"\n"
"Examples:\n"
"  dpip addr add 10.0.0.1/24 dev dpdk0\n"
"  dpip route add default via 10.0.0.254 dev dpdk0\n"
"  dpip route add 10.0.0.100 dev dpdk0 scope kni_host\n"
"  dpip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev dpdk0\n"
"  dpip -s link show dpdk0\n"
"\n"
"The command line is checked before dpip connects.  Exit status: 0 on\n"
"success, 1 if dpip could not connect or dpvs refused or failed the\n"
"request, 2 on a usage error.\n", DPVS_DEFAULT_IPC);
}

/* ---- the command line (pure: no I/O, no daemon) ---- */

enum obj { OBJ_HELP, OBJ_LINK, OBJ_ADDR, OBJ_ROUTE, OBJ_NEIGH, OBJ_STATS,
	   OBJ_GARP };
enum verb { VERB_SHOW, VERB_ADD, VERB_DEL };

struct cmd {
	enum obj obj;
	enum verb verb;
	char what[32];                     /* "route add": for messages */
	char dev[DPVS_IFNAME_MAX + 1];     /* show filter; "" for all */
	struct dpvs_addr addr;             /* addr add/del, garp */
	bool plen_given;                   /* addr add/del: "/PLEN" given */
	struct dpvs_route route;           /* route add/del */
	struct dpvs_neigh neigh;           /* neigh add/del */
	long lcore;                        /* stats: one lcore, -1 = sum */
};

/* iproute2's matches(): arg is a non-empty prefix of word. */
static bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n > 0 && n <= strlen(word) && !strncmp(arg, word, n);
}

/* Decimal 0..32, no sign, no spaces. */
static bool parse_plen(const char *s, uint8_t *out)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 2)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > 32)
		return false;
	*out = (uint8_t)v;
	return true;
}

/* "A.B.C.D/PLEN", "A.B.C.D" (a /32) or, if allow_default, "default". */
static bool parse_prefix(const char *s, bool allow_default, uint32_t *addr,
			 uint8_t *plen)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (allow_default && !strcmp(s, "default")) {
		*addr = 0;
		*plen = 0;
		return true;
	}
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!parse_ipv4(buf, addr))
		return false;
	if (!slash) {
		*plen = 32;
		return true;
	}
	return parse_plen(slash + 1, plen);
}

static uint32_t mask_of(uint8_t plen)
{
	return htonl(plen ? ~0u << (32 - plen) : 0);
}

/* "xx:xx:xx:xx:xx:xx", one or two hex digits per byte. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		int digits = 0;

		for (; digits < 3; digits++, s++) {
			char c = *s;

			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v = v * 16 + (unsigned)(c - 'A' + 10);
			else
				break;
		}
		if (digits == 0 || digits > 2)
			return false;
		mac[i] = (uint8_t)v;
		if (i < 5 && *s++ != ':')
			return false;
	}
	return *s == '\0';
}

/* 1..DPVS_IFNAME_MAX bytes. */
static bool parse_ifname(const char *s, char out[DPVS_IFNAME_MAX + 1])
{
	size_t n = strlen(s);

	if (n == 0 || n > DPVS_IFNAME_MAX)
		return false;
	memcpy(out, s, n + 1);
	return true;
}

static int parse_dev(const char *s, char out[DPVS_IFNAME_MAX + 1], char *err,
		     size_t len)
{
	if (out[0])
		return perr(err, len, "device given twice ('%s' and '%s')",
			    out, s);
	if (!parse_ifname(s, out))
		return perr(err, len, "invalid device name '%s' (1 to %d bytes)",
			    s, DPVS_IFNAME_MAX);
	return 0;
}

/* The value after keyword argv[*i]; advances *i. */
static const char *arg_of(int argc, char **argv, int *i, char *err,
			  size_t len)
{
	if (*i + 1 >= argc) {
		perr(err, len, "'%s' needs an argument", argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static int parse_verb(const char *arg, enum verb *out)
{
	if (matches(arg, "show") || matches(arg, "list") ||
	    !strcmp(arg, "ls") || !strcmp(arg, "lst"))
		*out = VERB_SHOW;
	else if (matches(arg, "add"))
		*out = VERB_ADD;
	else if (matches(arg, "delete"))
		*out = VERB_DEL;
	else
		return -1;
	return 0;
}

/* show [dev] [DEV] (bare DEV only where dev_bare). */
static int parse_show(struct cmd *c, int argc, char **argv, bool dev_bare,
		      char *err, size_t len)
{
	for (int i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "dev")) {
			v = arg_of(argc, argv, &i, err, len);
			if (!v || parse_dev(v, c->dev, err, len))
				return -1;
		} else if (dev_bare) {
			if (parse_dev(argv[i], c->dev, err, len))
				return -1;
		} else {
			return perr(err, len, "%s: unknown argument '%s'",
				    c->what, argv[i]);
		}
	}
	return 0;
}

static int parse_addr(struct cmd *c, int argc, char **argv, char *err,
		      size_t len)
{
	struct dpvs_addr *a = &c->addr;
	bool have = false;

	for (int i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "dev")) {
			v = arg_of(argc, argv, &i, err, len);
			if (!v || parse_dev(v, a->ifname, err, len))
				return -1;
		} else if (!strcmp(argv[i], "sapool")) {
			a->flags |= DPVS_ADDR_F_SAPOOL;
		} else if (!have) {
			if (!parse_prefix(argv[i], false, &a->addr, &a->plen) ||
			    a->plen == 0)
				return perr(err, len, "invalid prefix '%s'",
					    argv[i]);
			c->plen_given = strchr(argv[i], '/') != NULL;
			if (!is_unicast(a->addr))
				return perr(err, len, "invalid address '%s' "
					    "(not a unicast address)", argv[i]);
			have = true;
		} else {
			return perr(err, len, "%s: unknown argument '%s'",
				    c->what, argv[i]);
		}
	}
	if (!have)
		return perr(err, len, "%s: missing address A.B.C.D/PLEN",
			    c->what);
	if (!a->ifname[0])
		return perr(err, len, "%s: missing 'dev DEV'", c->what);
	return 0;
}

static int parse_scope(const char *v, uint32_t *type, char *err, size_t len)
{
	if (!strcmp(v, "kni_host"))
		*type = DPVS_RT_KNI;
	else if (!strcmp(v, "link"))
		*type = DPVS_RT_CONNECTED;
	else if (!strcmp(v, "host"))
		return perr(err, len, "scope host routes come from addresses: "
			    "use 'dpip addr add'");
	else
		return perr(err, len, "unknown scope '%s' (link or kni_host)",
			    v);
	return 0;
}

static int parse_route(struct cmd *c, int argc, char **argv, char *err,
		       size_t len)
{
	struct dpvs_route *r = &c->route;
	const char *pfx = NULL, *scope = NULL, *via = NULL, *src = NULL;
	uint32_t scope_type = 0;

	for (int i = 0; i < argc; i++) {
		const char *kw = argv[i], *v;
		const char **slot = !strcmp(kw, "via") ? &via :
				    !strcmp(kw, "src") ? &src :
				    !strcmp(kw, "scope") ? &scope : NULL;

		if (slot || !strcmp(kw, "dev") || !strcmp(kw, "to")) {
			v = arg_of(argc, argv, &i, err, len);
			if (!v)
				return -1;
			if (!strcmp(kw, "dev")) {
				if (parse_dev(v, r->ifname, err, len))
					return -1;
				continue;
			}
			if (!strcmp(kw, "to"))
				slot = &pfx;
			if (*slot)
				return perr(err, len, "'%s' given twice", kw);
			*slot = v;
		} else if (!pfx) {
			pfx = kw;
		} else {
			return perr(err, len, "%s: unknown argument '%s'",
				    c->what, kw);
		}
	}
	if (!pfx)
		return perr(err, len, "%s: missing PREFIX", c->what);
	if (!parse_prefix(pfx, true, &r->prefix, &r->plen))
		return perr(err, len, "invalid prefix '%s'", pfx);
	if (r->prefix & ~mask_of(r->plen))
		return perr(err, len, "invalid prefix '%s' (host bits set for "
			    "/%u)", pfx, r->plen);
	if (via && (!parse_ipv4(via, &r->gw) || !is_unicast(r->gw)))
		return perr(err, len, "invalid gateway '%s'", via);
	if (src && (!parse_ipv4(src, &r->src) || !is_unicast(r->src)))
		return perr(err, len, "invalid source address '%s'", src);
	if (scope && parse_scope(scope, &scope_type, err, len))
		return -1;
	if (via && scope)
		return perr(err, len, "'via' and 'scope %s' exclude each other",
			    scope);
	/* dpvs deletes a route by its prefix alone. */
	if (!r->ifname[0] && c->verb == VERB_ADD)
		return perr(err, len, "%s: missing 'dev DEV'", c->what);
	r->type = via ? DPVS_RT_GATEWAY :
		  scope_type ? scope_type : DPVS_RT_CONNECTED;
	return 0;
}

/* neigh add IP lladdr MAC dev DEV | neigh del IP dev DEV */
static int parse_neigh(struct cmd *c, int argc, char **argv, char *err,
		       size_t len)
{
	struct dpvs_neigh *nb = &c->neigh;
	bool have_ip = false, have_mac = false;

	for (int i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "dev")) {
			v = arg_of(argc, argv, &i, err, len);
			if (!v || parse_dev(v, nb->ifname, err, len))
				return -1;
		} else if (!strcmp(argv[i], "lladdr") && c->verb == VERB_ADD) {
			v = arg_of(argc, argv, &i, err, len);
			if (!v)
				return -1;
			if (have_mac)
				return perr(err, len, "'lladdr' given twice");
			if (!parse_mac(v, nb->mac))
				return perr(err, len, "invalid lladdr '%s' "
					    "(xx:xx:xx:xx:xx:xx)", v);
			if ((nb->mac[0] & 1) ||
			    !(nb->mac[0] | nb->mac[1] | nb->mac[2] |
			      nb->mac[3] | nb->mac[4] | nb->mac[5]))
				return perr(err, len, "invalid lladdr '%s' "
					    "(not a unicast MAC)", v);
			have_mac = true;
		} else if (!have_ip) {
			if (!parse_ipv4(argv[i], &nb->ip) || !is_unicast(nb->ip))
				return perr(err, len, "invalid address '%s'",
					    argv[i]);
			have_ip = true;
		} else {
			return perr(err, len, "%s: unknown argument '%s'",
				    c->what, argv[i]);
		}
	}
	if (!have_ip)
		return perr(err, len, "%s: missing address A.B.C.D", c->what);
	if (c->verb == VERB_ADD && !have_mac)
		return perr(err, len, "%s: missing 'lladdr MAC'", c->what);
	if (!nb->ifname[0])
		return perr(err, len, "%s: missing 'dev DEV'", c->what);
	if (c->verb == VERB_ADD)
		nb->state = DPVS_NEIGH_PERMANENT;
	return 0;
}

/* garp A.B.C.D dev DEV */
static int parse_garp(struct cmd *c, int argc, char **argv, char *err,
		      size_t len)
{
	struct dpvs_addr *a = &c->addr;
	bool have = false;

	for (int i = 0; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "dev")) {
			v = arg_of(argc, argv, &i, err, len);
			if (!v || parse_dev(v, a->ifname, err, len))
				return -1;
		} else if (!have) {
			if (!parse_ipv4(argv[i], &a->addr) || !is_unicast(a->addr))
				return perr(err, len, "invalid address '%s'",
					    argv[i]);
			have = true;
		} else {
			return perr(err, len, "garp: unknown argument '%s'",
				    argv[i]);
		}
	}
	if (!have)
		return perr(err, len, "garp: missing address A.B.C.D");
	if (!a->ifname[0])
		return perr(err, len, "garp: missing 'dev DEV'");
	return 0;
}

/* stats [lcore N] */
static int parse_stats(struct cmd *c, int argc, char **argv, char *err,
		       size_t len)
{
	char *end;

	c->lcore = -1;
	if (argc == 0)
		return 0;
	if (argc != 2 || strcmp(argv[0], "lcore"))
		return perr(err, len, "stats: unknown argument '%s' (stats "
			    "[lcore N])", argv[0]);
	c->lcore = strtol(argv[1], &end, 10);
	if (*end || end == argv[1] || c->lcore < 0 || c->lcore > 1023)
		return perr(err, len, "stats: invalid lcore '%s'", argv[1]);
	return 0;
}

static const struct {
	const char *name;  /* for messages */
	bool can_change;   /* has add and del */
} objs[] = {
	[OBJ_HELP] = { "help", false },
	[OBJ_LINK] = { "link", false },
	[OBJ_ADDR] = { "addr", true },
	[OBJ_ROUTE] = { "route", true },
	[OBJ_NEIGH] = { "neigh", true },
	[OBJ_STATS] = { "stats", false },
	[OBJ_GARP] = { "garp", false },
};

static int parse_obj(const char *arg, enum obj *out)
{
	if (!strcmp(arg, "help"))
		*out = OBJ_HELP;
	else if (!strcmp(arg, "garp"))
		*out = OBJ_GARP;
	else if (matches(arg, "link"))
		*out = OBJ_LINK;
	else if (matches(arg, "address"))
		*out = OBJ_ADDR;
	else if (matches(arg, "route"))
		*out = OBJ_ROUTE;
	else if (matches(arg, "neighbour") || matches(arg, "neighbor"))
		*out = OBJ_NEIGH;
	else if (matches(arg, "stats"))
		*out = OBJ_STATS;
	else
		return -1;
	return 0;
}

/*
 * Parses OBJECT [COMMAND [ARGS]] into c.  Returns 0, or -1 with a
 * message (without "dpip: ") in err.
 */
static int parse_cmd(int argc, char **argv, struct cmd *c, char *err,
		     size_t len)
{
	int i;

	memset(c, 0, sizeof(*c));
	if (argc < 1)
		return perr(err, len, "no object given (see dpip --help)");
	if (parse_obj(argv[0], &c->obj))
		return perr(err, len, "unknown object '%s' (link, addr, route, "
			    "neigh, garp, stats; see dpip --help)", argv[0]);
	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return perr(err, len, "options go before the object: "
				    "'%s'", argv[i]);
	argc--;
	argv++;
	if (c->obj == OBJ_HELP || (argc > 0 && !strcmp(argv[0], "help"))) {
		c->obj = OBJ_HELP;
		return 0;
	}
	if (c->obj == OBJ_GARP) {
		snprintf(c->what, sizeof(c->what), "garp");
		return parse_garp(c, argc, argv, err, len);
	}
	c->verb = VERB_SHOW;
	if (argc > 0 && !(c->obj == OBJ_STATS && !strcmp(argv[0], "lcore"))) {
		if (parse_verb(argv[0], &c->verb))
			return perr(err, len, "%s: unknown command '%s' (%s)",
				    objs[c->obj].name, argv[0],
				    objs[c->obj].can_change ?
					    "show, add or del" : "show");
		argc--;
		argv++;
	}
	if (c->verb != VERB_SHOW && !objs[c->obj].can_change)
		return perr(err, len, "%s: only 'show' is supported",
			    objs[c->obj].name);
	snprintf(c->what, sizeof(c->what), "%s %s", objs[c->obj].name,
		 c->verb == VERB_SHOW ? "show" :
		 c->verb == VERB_ADD ? "add" : "del");
	if (c->verb == VERB_SHOW) {
		if (c->obj == OBJ_STATS)
			return parse_stats(c, argc, argv, err, len);
		return parse_show(c, argc, argv,
				  c->obj == OBJ_LINK || c->obj == OBJ_ADDR,
				  err, len);
	}
	switch (c->obj) {
	case OBJ_ADDR:
		return parse_addr(c, argc, argv, err, len);
	case OBJ_ROUTE:
		return parse_route(c, argc, argv, err, len);
	case OBJ_NEIGH:
		return parse_neigh(c, argc, argv, err, len);
	default:
		return perr(err, len, "%s: only 'show' is supported",
			    objs[c->obj].name);
	}
}

/* ---- output ---- */

static const char *fmt_ip(uint32_t addr_net, char buf[INET_ADDRSTRLEN])
{
	struct in_addr in = { .s_addr = addr_net };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN) ? buf : "?";
}

static const char *fmt_mac(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
	return buf;
}

/* "default" or "A.B.C.D/PLEN". */
static const char *fmt_prefix(uint32_t prefix, uint8_t plen, char buf[20])
{
	char ip[INET_ADDRSTRLEN];

	if (prefix == 0 && plen == 0)
		snprintf(buf, 20, "default");
	else
		snprintf(buf, 20, "%s/%u", fmt_ip(prefix, ip), plen);
	return buf;
}

static int report(struct dpvs_handle *h, int rc, const char *what)
{
	const char *msg = dpvs_errmsg(h);

	if (rc == DPVS_OK)
		return 0;
	fprintf(stderr, "dpip: %s: %s\n", what,
		msg && *msg ? msg : dpvs_strerror(rc));
	return 1;
}

/*
 * A show filtered by dev printed nothing: is that because the device
 * does not exist?  Returns the exit status.
 */
static int check_dev_exists(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_link_info *l;
	size_t n;
	bool found = false;
	int rc = dpvs_link_list(h, &l, &n);

	if (rc)
		return report(h, rc, c->what);
	for (size_t i = 0; i < n; i++)
		found |= !strcmp(l[i].name, c->dev);
	free(l);
	if (found)
		return 0;
	fprintf(stderr, "dpip: %s: device '%s' does not exist\n", c->what,
		c->dev);
	return 1;
}

static bool dev_match(const struct cmd *c, const char *ifname)
{
	return !c->dev[0] || !strcmp(c->dev, ifname);
}

static void print_link(const struct dpvs_link_info *l, int stats)
{
	char mac[18];

	printf("%u: %s: <%s%s> mtu %u", l->port_id + 1, l->name,
	       l->flags & DPVS_LINK_UP ? "UP" : "DOWN",
	       l->flags & DPVS_LINK_PROMISC ? ",PROMISC" : "", l->mtu);
	if (l->driver[0])
		printf(" driver %s", l->driver);
	if (l->flags & DPVS_LINK_KNI)
		printf(" kni %s", l->kni_name);
	printf("\n    link/ether %s port %u rxq %u txq %u", fmt_mac(l->mac, mac),
	       l->port_id, l->nrxq, l->ntxq);
	if (l->speed_mbps)
		printf(" speed %uMb/s", l->speed_mbps);
	printf("\n");
	if (!stats)
		return;
	printf("    RX: %14s %12s %8s %8s %8s\n", "bytes", "packets", "errors",
	       "dropped", "nombuf");
	printf("        %14llu %12llu %8llu %8llu %8llu\n",
	       (unsigned long long)l->ibytes, (unsigned long long)l->ipackets,
	       (unsigned long long)l->ierrors, (unsigned long long)l->imissed,
	       (unsigned long long)l->rx_nombuf);
	printf("    TX: %14s %12s %8s\n", "bytes", "packets", "errors");
	printf("        %14llu %12llu %8llu\n", (unsigned long long)l->obytes,
	       (unsigned long long)l->opackets, (unsigned long long)l->oerrors);
	if (!(l->flags & DPVS_LINK_KNI))
		return;
	printf("    KNI: %13s %12s %8s\n", "to-kernel", "from-kernel",
	       "dropped");
	printf("        %14llu %12llu %8llu\n",
	       (unsigned long long)l->kni_to_kernel,
	       (unsigned long long)l->kni_from_kernel,
	       (unsigned long long)l->kni_dropped);
}

/* -s -s: the PMD's extended counters, the non-zero ones unless -a. */
static void print_xstats(struct dpvs_handle *h, const char *dev, bool all)
{
	struct dpvs_counter *x;
	size_t n;

	if (dpvs_link_xstats(h, dev, &x, &n) != DPVS_OK)
		return;
	printf("    xstats:\n");
	for (size_t i = 0; i < n; i++)
		if (x[i].value || all)
			printf("      %-40s %llu\n", x[i].name,
			       (unsigned long long)x[i].value);
	free(x);
}

static int cmd_link(struct dpvs_handle *h, const struct cmd *c, int stats,
		    bool all)
{
	struct dpvs_link_info *l;
	size_t n, shown = 0;
	int rc = dpvs_link_list(h, &l, &n);

	if (rc)
		return report(h, rc, c->what);
	for (size_t i = 0; i < n; i++) {
		if (!dev_match(c, l[i].name))
			continue;
		print_link(&l[i], stats);
		if (stats > 1)
			print_xstats(h, l[i].name, all);
		shown++;
	}
	free(l);
	if (c->dev[0] && !shown) {
		fprintf(stderr, "dpip: %s: device '%s' does not exist\n",
			c->what, c->dev);
		return 1;
	}
	return 0;
}

static int cmd_stats(struct dpvs_handle *h, const struct cmd *c, bool all)
{
	struct dpvs_counter *s;
	size_t n;
	int width = 0;
	int rc = c->lcore >= 0 ?
			 dpvs_pkt_stats_lcore(h, (uint32_t)c->lcore, &s, &n) :
			 dpvs_pkt_stats(h, &s, &n);

	if (rc)
		return report(h, rc, c->what);
	for (size_t i = 0; i < n; i++)
		if ((s[i].value || all) && (int)strlen(s[i].name) > width)
			width = (int)strlen(s[i].name);
	for (size_t i = 0; i < n; i++)
		if (s[i].value || all)
			printf("%-*s %llu\n", width, s[i].name,
			       (unsigned long long)s[i].value);
	free(s);
	return 0;
}

/*
 * "addr del A.B.C.D dev DEV" without /PLEN: dpvs wants the exact prefix
 * length, so take it from the address list, as ip(8) does.
 */
static int cmd_addr_del(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_addr del = c->addr, *a;
	size_t n;
	int rc;

	if (!c->plen_given) {
		rc = dpvs_addr_list(h, &a, &n);
		if (rc)
			return report(h, rc, c->what);
		for (size_t i = 0; i < n; i++)
			if (a[i].addr == del.addr &&
			    !strcmp(a[i].ifname, del.ifname))
				del.plen = a[i].plen;
		free(a);
	}
	return report(h, dpvs_addr_del(h, &del), c->what);
}

static int cmd_addr_show(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_addr *a;
	size_t n, shown = 0;
	char ip[INET_ADDRSTRLEN];
	int rc = dpvs_addr_list(h, &a, &n);

	if (rc)
		return report(h, rc, c->what);
	for (size_t i = 0; i < n; i++) {
		if (!dev_match(c, a[i].ifname))
			continue;
		printf("%s: inet %s/%u%s\n", a[i].ifname, fmt_ip(a[i].addr, ip),
		       a[i].plen,
		       a[i].flags & DPVS_ADDR_F_SAPOOL ? " sapool" : "");
		shown++;
	}
	free(a);
	return c->dev[0] && !shown ? check_dev_exists(h, c) : 0;
}

static void print_route(const struct dpvs_route *r)
{
	char pfx[20], ip[INET_ADDRSTRLEN];

	printf("%s", fmt_prefix(r->prefix, r->plen, pfx));
	switch (r->type) {
	case DPVS_RT_GATEWAY:
		printf(" via %s dev %s", fmt_ip(r->gw, ip), r->ifname);
		break;
	case DPVS_RT_LOCAL:
		printf(" dev %s scope host", r->ifname);
		break;
	case DPVS_RT_CONNECTED:
		printf(" dev %s scope link", r->ifname);
		break;
	case DPVS_RT_KNI:
		printf(" dev %s scope kni_host", r->ifname);
		break;
	default:
		printf(" dev %s type %u", r->ifname, r->type);
		break;
	}
	if (r->src)
		printf(" src %s", fmt_ip(r->src, ip));
	printf("\n");
}

static int cmd_route_show(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_route *r;
	size_t n, shown = 0;
	int rc = dpvs_route_list(h, &r, &n);

	if (rc)
		return report(h, rc, c->what);
	for (size_t i = 0; i < n; i++) {
		if (!dev_match(c, r[i].ifname))
			continue;
		print_route(&r[i]);
		shown++;
	}
	free(r);
	return c->dev[0] && !shown ? check_dev_exists(h, c) : 0;
}

static const char *neigh_state(uint32_t state)
{
	switch (state) {
	case DPVS_NEIGH_REACHABLE:
		return "REACHABLE";
	case DPVS_NEIGH_STALE:
		return "STALE";
	case DPVS_NEIGH_PERMANENT:
		return "PERMANENT";
	case DPVS_NEIGH_DELAY:
		return "DELAY";
	case DPVS_NEIGH_PROBE:
		return "PROBE";
	}
	return NULL;
}

static int cmd_neigh_show(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_neigh *nb;
	size_t n, shown = 0;
	char ip[INET_ADDRSTRLEN], mac[18];
	int rc = dpvs_neigh_list(h, &nb, &n);

	if (rc)
		return report(h, rc, c->what);
	for (size_t i = 0; i < n; i++) {
		const char *st = neigh_state(nb[i].state);

		if (!dev_match(c, nb[i].ifname))
			continue;
		printf("%s dev %s lladdr %s ", fmt_ip(nb[i].ip, ip),
		       nb[i].ifname, fmt_mac(nb[i].mac, mac));
		if (st)
			printf("%s", st);
		else
			printf("state %u", nb[i].state);
		if (nb[i].state != DPVS_NEIGH_PERMANENT)
			printf(" age %us", nb[i].age_s);
		printf("\n");
		shown++;
	}
	free(nb);
	return c->dev[0] && !shown ? check_dev_exists(h, c) : 0;
}

struct opts {
	const char *ipc;
	int stats;   /* -s count */
	bool all;    /* -a */
};

static int run(struct dpvs_handle *h, const struct cmd *c,
	       const struct opts *o)
{
	bool add = c->verb == VERB_ADD;

	switch (c->obj) {
	case OBJ_LINK:
		return cmd_link(h, c, o->stats, o->all);
	case OBJ_STATS:
		return cmd_stats(h, c, o->all);
	case OBJ_ADDR:
		if (c->verb == VERB_SHOW)
			return cmd_addr_show(h, c);
		if (!add)
			return cmd_addr_del(h, c);
		return report(h, dpvs_addr_add(h, &c->addr), c->what);
	case OBJ_ROUTE:
		if (c->verb == VERB_SHOW)
			return cmd_route_show(h, c);
		return report(h, add ? dpvs_route_add(h, &c->route) :
				       dpvs_route_del(h, &c->route), c->what);
	case OBJ_NEIGH:
		if (c->verb == VERB_SHOW)
			return cmd_neigh_show(h, c);
		return report(h, add ? dpvs_neigh_add(h, &c->neigh) :
				       dpvs_neigh_del(h, &c->neigh), c->what);
	case OBJ_GARP:
		return report(h, dpvs_garp(h, c->addr.ifname, c->addr.addr),
			      c->what);
	case OBJ_HELP:
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "ipc-file", required_argument, NULL, 'x' },
		{ "stats", no_argument, NULL, 's' },
		{ "statistics", no_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .ipc = NULL };
	struct dpvs_handle *h;
	struct cmd c;
	char err[256];
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+x:sah", lopts, NULL)) != -1) {
		if (ch == 'x') {
			o.ipc = optarg;
		} else if (ch == 's') {
			o.stats++;
		} else if (ch == 'a') {
			o.all = true;
		} else if (ch == 'h') {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "dpip: see dpip --help\n");
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (parse_cmd(argc - optind, argv + optind, &c, err, sizeof(err))) {
		fprintf(stderr, "dpip: %s\n", err);
		return 2;
	}
	if (c.obj == OBJ_HELP) {
		usage(stdout);
		return 0;
	}
	rc = dpvs_connect(o.ipc, &h);
	if (rc) {
		fprintf(stderr, "dpip: cannot connect to %s: %s%s\n",
			o.ipc ? o.ipc : DPVS_DEFAULT_IPC,
			rc == DPVS_EIO ? strerror(errno) : dpvs_strerror(rc),
			rc == DPVS_EIO ? " (is dpvs running?)" : "");
		return 1;
	}
	rc = run(h, &c, &o);
	dpvs_close(h);
	return rc;
}
