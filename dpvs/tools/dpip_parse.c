/* dpip's OBJECT [COMMAND [ARGS]] into a struct cmd (see dpip_parse.h). */
#include "dpip_parse.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"

/* iproute2's matches(): arg is a non-empty prefix of word. */
static bool matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n > 0 && n <= strlen(word) && !strncmp(arg, word, n);
}

/* Decimal 0..max, no sign, no spaces. */
static bool parse_plen(const char *s, unsigned max, uint8_t *out)
{
	unsigned v = 0;

	if (!*s || strlen(s) > 3)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > max)
		return false;
	*out = (uint8_t)v;
	return true;
}

/* An address or prefix of either family, as a record holds it. */
struct inet {
	uint8_t af;
	uint32_t v4;
	struct in6_addr v6;
	uint8_t plen;
};

/*
 * "ADDR/PLEN" or "ADDR" (a host prefix) of either family, or, if
 * allow_default, "default" (af 0: its family is decided later).
 */
static bool parse_prefix(const char *s, bool allow_default, struct inet *p)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(p, 0, sizeof(*p));
	if (allow_default && !strcmp(s, "default"))
		return true;
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!parse_inet(buf, &p->af, &p->v4, &p->v6))
		return false;
	p->plen = p->af == AF_INET6 ? 128 : 32;
	return !slash || parse_plen(slash + 1, p->plen, &p->plen);
}

/* Bits of p past its prefix length that are set. */
static bool host_bits(const struct inet *p)
{
	if (p->af != AF_INET6)
		return p->plen < 32 &&
		       (ntohl(p->v4) & (0xffffffffu >> p->plen));
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = p->plen > i * 8 ? p->plen - i * 8 : 0;

		if (keep < 8 && (p->v6.s6_addr[i] & (0xffu >> keep)))
			return true;
	}
	return false;
}

/* An address of the family -4/-6 asked for; 0 if none. */
static int check_family(uint8_t want, uint8_t af, const char *s, char *err,
			size_t len)
{
	if (!want || !af || want == af)
		return 0;
	return perr(err, len, "'%s' is not an %s address (%s)", s,
		    want == AF_INET6 ? "IPv6" : "IPv4",
		    want == AF_INET6 ? "-6" : "-4");
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

/* A unicast address of either family into a's fields. */
static int addr_of(struct cmd *c, const char *s, struct dpvs_addr *a,
		   char *err, size_t len)
{
	struct inet p;

	if (!parse_prefix(s, false, &p) || p.plen == 0)
		return perr(err, len, "invalid prefix '%s'", s);
	if (check_family(c->family, p.af, s, err, len))
		return -1;
	c->plen_given = strchr(s, '/') != NULL;
	if (p.af == AF_INET ? !is_unicast(p.v4) : !is_unicast6(&p.v6))
		return perr(err, len, "invalid address '%s' (not a unicast "
			    "address)", s);
	a->af = p.af;
	a->addr = p.v4;
	a->addr6 = p.v6;
	a->plen = p.plen;
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
		} else if (!strcmp(argv[i], "ha")) {
			a->flags |= DPVS_ADDR_F_HA;
		} else if (!strcmp(argv[i], "leased")) {
			a->flags |= DPVS_ADDR_F_LEASED;
		} else if (!strcmp(argv[i], "nodad")) {
			a->flags |= DPVS_ADDR_F_NODAD;
		} else if (!have) {
			if (addr_of(c, argv[i], a, err, len))
				return -1;
			have = true;
		} else {
			return perr(err, len, "%s: unknown argument '%s'",
				    c->what, argv[i]);
		}
	}
	if (!have)
		return perr(err, len, "%s: missing address ADDR/PLEN",
			    c->what);
	if ((a->flags & DPVS_ADDR_F_NODAD) && a->af != AF_INET6)
		return perr(err, len, "%s: 'nodad' is for IPv6 addresses "
			    "(IPv4 has no duplicate address detection here)",
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

/* A gateway or source of the route's family (af 0: it decides). */
static int route_addr(uint8_t *af, const char *s, const char *what,
		      uint32_t *v4, struct in6_addr *v6, char *err, size_t len)
{
	uint8_t got;

	if (!parse_inet(s, &got, v4, v6) ||
	    (got == AF_INET ? !is_unicast(*v4) : !is_unicast6(v6)))
		return perr(err, len, "invalid %s '%s'", what, s);
	if (*af && got != *af)
		return perr(err, len, "%s '%s' is not of the prefix's family",
			    what, s);
	*af = got;
	return 0;
}

static int route_addrs(struct cmd *c, const char *pfx, const char *via,
		       const char *src, char *err, size_t len)
{
	struct dpvs_route *r = &c->route;
	struct inet p;

	if (!parse_prefix(pfx, true, &p))
		return perr(err, len, "invalid prefix '%s'", pfx);
	if (check_family(c->family, p.af, pfx, err, len))
		return -1;
	if (host_bits(&p))
		return perr(err, len, "invalid prefix '%s' (host bits set for "
			    "/%u)", pfx, p.plen);
	r->af = p.af;
	if (via && route_addr(&r->af, via, "gateway", &r->gw, &r->gw6, err,
			      len))
		return -1;
	if (src && route_addr(&r->af, src, "source address", &r->src,
			      &r->src6, err, len))
		return -1;
	if (check_family(c->family, r->af, via ? via : src, err, len))
		return -1;
	if (!r->af)               /* 'default' alone */
		r->af = c->family ? c->family : AF_INET;
	r->prefix = p.v4;
	r->prefix6 = p.v6;
	r->plen = p.plen;
	/* A link-local next hop means nothing without its link. */
	if (via && r->af == AF_INET6 && is_linklocal6(&r->gw6) && !r->ifname[0])
		return perr(err, len, "%s: the link-local gateway '%s' needs "
			    "'dev DEV'", c->what, via);
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
	if (route_addrs(c, pfx, via, src, err, len))
		return -1;
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

/* One unicast address of either family (of -4/-6's if given). */
static int unicast_of(struct cmd *c, const char *s, uint8_t *af, uint32_t *v4,
		      struct in6_addr *v6, char *err, size_t len)
{
	if (!parse_inet(s, af, v4, v6) ||
	    (*af == AF_INET ? !is_unicast(*v4) : !is_unicast6(v6)))
		return perr(err, len, "invalid address '%s'", s);
	return check_family(c->family, *af, s, err, len);
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
			if (unicast_of(c, argv[i], &nb->af, &nb->ip, &nb->ip6,
				       err, len))
				return -1;
			have_ip = true;
		} else {
			return perr(err, len, "%s: unknown argument '%s'",
				    c->what, argv[i]);
		}
	}
	if (!have_ip)
		return perr(err, len, "%s: missing address ADDR", c->what);
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
			if (unicast_of(c, argv[i], &a->af, &a->addr, &a->addr6,
				       err, len))
				return -1;
			have = true;
		} else {
			return perr(err, len, "garp: unknown argument '%s'",
				    argv[i]);
		}
	}
	if (!have)
		return perr(err, len, "garp: missing address ADDR");
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

int parse_cmd(int argc, char **argv, struct cmd *c, char *err, size_t len)
{
	return parse_cmd_af(argc, argv, 0, c, err, len);
}

int parse_cmd_af(int argc, char **argv, uint8_t family, struct cmd *c,
		 char *err, size_t len)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->family = family;
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
