/* dpip's OBJECT [COMMAND [ARGS]] into a struct cmd (see dpip_parse.h). */
#include "dpip_parse.h"

#include <arpa/inet.h>
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
		} else if (!strcmp(argv[i], "ha")) {
			a->flags |= DPVS_ADDR_F_HA;
		} else if (!strcmp(argv[i], "leased")) {
			a->flags |= DPVS_ADDR_F_LEASED;
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

int parse_cmd(int argc, char **argv, struct cmd *c, char *err, size_t len)
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
