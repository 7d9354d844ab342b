/*
 * dpip: an iproute2-like tool for dpvs's network stack (links, addresses,
 * routes, neighbours) over libdpvs.
 *
 * The command line is parsed completely (dpip_parse.c) into a struct cmd
 * before dpip connects: a usage error exits 2 whether or not the daemon
 * runs.  Only then does run() talk to dpvs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpip_parse.h"

static void usage(FILE *out)
{
	fprintf(out,
"Usage: dpip [OPTIONS] OBJECT [COMMAND [ARGS]]\n"
"\n"
"Shows and changes the network stack of a running dpvs: its DPDK ports\n"
"(links), their IPv4 and IPv6 addresses, the route tables and the\n"
"neighbour tables (ARP, NDP).  Like ip(8), but for the ports dpvs owns,\n"
"which the kernel does not see.  Each address says its family; -4 or -6\n"
"narrows the listings to one.\n"
"\n"
"Objects and commands:\n"
"  link [show [[dev] DEV]]\n"
"        ports: flags, MTU, driver, kernel twin, MAC, queues; with -s\n"
"        their RX/TX and kernel-path counters\n"
"  addr [show [[dev] DEV]]\n"
"  addr add ADDR[/PLEN] dev DEV [sapool] [ha] [leased] [nodad]\n"
"        add an address: A.B.C.D (PLEN 1-32, default 32) or an IPv6\n"
"        address (PLEN 1-128, default 128; link-local ones belong to\n"
"        the port's kernel twin).  It brings a host route (scope host)\n"
"        and, below it, a connected route for its subnet (scope link).\n"
"        sapool: it also serves as a FullNAT local address.  ha: both\n"
"        LBs of an HA pair have it; it is answered for and used only\n"
"        while this dpvs holds the HA lease (shown 'ha inactive'\n"
"        otherwise).  leased: removed when the lease ends (keepalived\n"
"        marks its VIPs so).  nodad, IPv6 only: usable at once, no\n"
"        duplicate address detection (shown 'tentative' while DAD runs,\n"
"        'dadfailed' if another host has it: dpvs never uses it then)\n"
"  addr del ADDR[/PLEN] dev DEV\n"
"        remove an address and its routes\n"
"  route [show [dev DEV]]\n"
"  route add PREFIX dev DEV [via GW] [src ADDR] [scope link|kni_host]\n"
"        PREFIX is ADDR/PLEN, ADDR (a host route) or 'default'\n"
"        (0.0.0.0/0, or ::/0 with -6 or an IPv6 GW).  With 'via', a\n"
"        gateway route (GW and src of PREFIX's family; a link-local GW\n"
"        is on DEV's link); with 'scope kni_host', packets to PREFIX go\n"
"        to the kernel through the port's twin; otherwise PREFIX is on\n"
"        link (scope link)\n"
"  route del PREFIX [dev DEV] [...]\n"
"        remove the route for exactly PREFIX (routes an address made\n"
"        go with 'addr del')\n"
"  neigh [show [dev DEV]]\n"
"  neigh add ADDR lladdr MAC dev DEV\n"
"        a static (PERMANENT) neighbour; MAC is xx:xx:xx:xx:xx:xx.  An\n"
"        IPv6 neighbour whose advertisements had the router flag shows\n"
"        'router'\n"
"  neigh del ADDR dev DEV\n"
"  garp ADDR dev DEV\n"
"        announce ADDR out of DEV: a gratuitous ARP, or for IPv6\n"
"        unsolicited neighbour advertisements\n"
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
"  -4, -6               listings of IPv4 or IPv6 only; addresses of the\n"
"                       other family refused\n"
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
"  dpip addr add 2001:db8::1/64 dev dpdk0 nodad\n"
"  dpip route add default via fe80::1 dev dpdk0\n"
"  dpip -6 neigh\n"
"  dpip -s link show dpdk0\n"
"\n"
"The command line is checked before dpip connects.  Exit status: 0 on\n"
"success, 1 if dpip could not connect or dpvs refused or failed the\n"
"request, 2 on a usage error.\n", DPVS_DEFAULT_IPC);
}


/* ---- output ---- */

static const char *fmt_mac(const uint8_t m[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
	return buf;
}

#define ADDR_STR INET6_ADDRSTRLEN
#define PREFIX_STR (INET6_ADDRSTRLEN + 4)

/* An address of either family (af 0: IPv4). */
static const char *fmt_inet(uint8_t af, uint32_t v4, const struct in6_addr *v6,
			    char buf[ADDR_STR])
{
	return dpvs_inet_ntop(af, v4, v6, buf, ADDR_STR) ? buf : "?";
}

/* "default" or "ADDR/PLEN". */
static const char *fmt_prefix(const struct dpvs_route *r, char buf[PREFIX_STR])
{
	char ip[ADDR_STR];

	if (r->plen == 0)
		snprintf(buf, PREFIX_STR, "default");
	else
		snprintf(buf, PREFIX_STR, "%s/%u",
			 fmt_inet(r->af, r->prefix, &r->prefix6, ip), r->plen);
	return buf;
}

/* -4/-6: only records of that family are listed. */
static bool af_match(const struct cmd *c, uint8_t af)
{
	return !c->family || c->family == (af == AF_INET6 ? AF_INET6 : AF_INET);
}

static bool same_addr(const struct dpvs_addr *a, const struct dpvs_addr *b)
{
	bool v6 = a->af == AF_INET6;

	return v6 == (b->af == AF_INET6) &&
	       (v6 ? !memcmp(&a->addr6, &b->addr6, 16) : a->addr == b->addr);
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
			if (same_addr(&a[i], &del) &&
			    !strcmp(a[i].ifname, del.ifname))
				del.plen = a[i].plen;
		free(a);
	}
	return report(h, dpvs_addr_del(h, &del), c->what);
}

/* dpdk0: inet6 2001:db8::1/64 sapool nodad tentative */
static void print_addr(const struct dpvs_addr *a)
{
	char ip[ADDR_STR];
	uint32_t f = a->flags;

	printf("%s: %s %s/%u%s%s%s%s%s%s\n", a->ifname,
	       a->af == AF_INET6 ? "inet6" : "inet",
	       fmt_inet(a->af, a->addr, &a->addr6, ip), a->plen,
	       f & DPVS_ADDR_F_SAPOOL ? " sapool" : "",
	       !(f & DPVS_ADDR_F_HA) ? "" :
	       f & DPVS_ADDR_F_HA_ACTIVE ? " ha" : " ha inactive",
	       f & DPVS_ADDR_F_LEASED ? " leased" : "",
	       f & DPVS_ADDR_F_NODAD ? " nodad" : "",
	       f & DPVS_ADDR_F_TENTATIVE ? " tentative" : "",
	       f & DPVS_ADDR_F_DADFAILED ? " dadfailed" : "");
}

static int cmd_addr_show(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_addr *a;
	size_t n, shown = 0;
	int rc = dpvs_addr_list(h, &a, &n);

	if (rc)
		return report(h, rc, c->what);
	for (size_t i = 0; i < n; i++) {
		if (!dev_match(c, a[i].ifname) || !af_match(c, a[i].af))
			continue;
		print_addr(&a[i]);
		shown++;
	}
	free(a);
	return c->dev[0] && !shown ? check_dev_exists(h, c) : 0;
}

static void print_route(const struct dpvs_route *r)
{
	char pfx[PREFIX_STR], ip[ADDR_STR];
	bool v6 = r->af == AF_INET6;

	printf("%s", fmt_prefix(r, pfx));
	switch (r->type) {
	case DPVS_RT_GATEWAY:
		printf(" via %s dev %s", fmt_inet(r->af, r->gw, &r->gw6, ip),
		       r->ifname);
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
	if (v6 ? !IN6_IS_ADDR_UNSPECIFIED(&r->src6) : r->src != 0)
		printf(" src %s", fmt_inet(r->af, r->src, &r->src6, ip));
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
		if (!dev_match(c, r[i].ifname) || !af_match(c, r[i].af))
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
	char ip[ADDR_STR], mac[18];
	int rc = dpvs_neigh_list(h, &nb, &n);

	if (rc)
		return report(h, rc, c->what);
	for (size_t i = 0; i < n; i++) {
		const char *st = neigh_state(nb[i].state);

		if (!dev_match(c, nb[i].ifname) || !af_match(c, nb[i].af))
			continue;
		printf("%s dev %s lladdr %s %s",
		       fmt_inet(nb[i].af, nb[i].ip, &nb[i].ip6, ip),
		       nb[i].ifname, fmt_mac(nb[i].mac, mac),
		       nb[i].flags & DPVS_NEIGH_F_ROUTER ? "router " : "");
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
		return report(h, dpvs_addr_announce(h, &c->addr), c->what);
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
	uint8_t family = 0;
	struct opts o = { .ipc = NULL };
	struct dpvs_handle *h;
	struct cmd c;
	char err[256];
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "+x:sah46", lopts, NULL)) != -1) {
		if (ch == '4' || ch == '6') {
			family = ch == '4' ? AF_INET : AF_INET6;
		} else if (ch == 'x') {
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
	if (parse_cmd_af(argc - optind, argv + optind, family, &c, err,
			 sizeof(err))) {
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
