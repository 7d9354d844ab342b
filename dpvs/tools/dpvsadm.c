/*
 * dpvsadm: ipvsadm's syntax and output for dpvs's load balancer, over
 * libdpvs.  The whole command line is parsed and checked before any
 * connection is made.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libdpvs.h"

enum cmd {
	C_NONE, C_ADD_SVC, C_EDIT_SVC, C_DEL_SVC, C_FLUSH, C_ADD_RS, C_EDIT_RS,
	C_DEL_RS, C_LIST, C_ZERO, C_SET, C_ADD_LADDR, C_DEL_LADDR, C_GET_LADDR,
};

struct args {
	enum cmd cmd;
	bool have_svc;
	struct dpvs_service svc;
	bool have_rs;
	struct dpvs_dest rs;
	bool have_laddr;
	struct dpvs_laddr laddr;
	struct dpvs_timeouts to;
	bool stats, rate, conns;
	const char *ipc;
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage:\n"
"  dpvsadm -A|-E -t|-u VIP:PORT [-s SCHED] [--sched-flags FLAGS]\n"
"  dpvsadm -D -t|-u VIP:PORT\n"
"  dpvsadm -C\n"
"  dpvsadm -a|-e -t|-u VIP:PORT -r RS[:PORT] [-b|-g|-m|-i] [-w W] [-x U] [-y L]\n"
"  dpvsadm -d -t|-u VIP:PORT -r RS[:PORT]\n"
"  dpvsadm -L|-l [-t|-u VIP:PORT] [-n] [--stats|--rate|-c]\n"
"  dpvsadm -Z [-t|-u VIP:PORT]\n"
"  dpvsadm --set TCP TCPFIN UDP\n"
"  dpvsadm -P|-Q -t|-u VIP:PORT -z LIP [-F IFNAME]\n"
"  dpvsadm -G [-t|-u VIP:PORT]\n"
"\n"
"Configures dpvs's virtual services as ipvsadm configures Linux IPVS.\n"
"\n"
"Commands:\n"
"  -A, --add-service      add a virtual service\n"
"  -E, --edit-service     change its scheduler or flags\n"
"  -D, --delete-service   delete it (its connections expire on their own)\n"
"  -C, --clear            delete every virtual service\n"
"  -a, --add-server       add a real server to a service\n"
"  -e, --edit-server      change a real server (method, weight, thresholds)\n"
"  -d, --delete-server    remove a real server\n"
"  -L, -l, --list         list services and real servers (one with -t/-u)\n"
"  -Z, --zero             zero the counters (of one service with -t/-u)\n"
"      --set TCP TCPFIN UDP  connection timeouts in seconds (0: unchanged)\n"
"  -P, --add-laddr        add a FullNAT local address to a service (-z)\n"
"  -Q, --del-laddr        remove one\n"
"  -G, --get-laddr        list the local addresses\n"
"  -h, --help             this help\n"
"\n"
"Options:\n"
"  -t, --tcp-service VIP:PORT   a TCP service\n"
"  -u, --udp-service VIP:PORT   a UDP service\n"
"  -s, --scheduler NAME   rr wrr lc wlc (default) sed nq sh dh fo mh conhash\n"
"      --sched-flags F    comma list: sh-fallback, sh-port, mh-fallback,\n"
"                         mh-port (fallback: skip unusable servers; port:\n"
"                         hash the source port too)\n"
"  -r, --real-server RS[:PORT]  a real server (port defaults to the VIP's)\n"
"  -b, --fullnat          forwarding method: full NAT (needs -P addresses)\n"
"  -g, --gatewaying       direct routing (the default)\n"
"  -m, --masquerading     NAT\n"
"  -i, --ipip             IP-in-IP tunnel\n"
"  -w, --weight W         0..65535, default 1; 0 takes no new connections\n"
"  -x, --u-threshold U    no new connections above U (0: no limit)\n"
"  -y, --l-threshold L    take new ones again below L\n"
"  -z, --laddr LIP        FullNAT local address (must be a 'sapool' address)\n"
"  -F, --ifname IFNAME    the port the local address is on\n"
"  -n, --numeric          numeric output (always the case)\n"
"      --stats            list with counters\n"
"      --rate             list with rates per second\n"
"  -c, --connection       list connections\n"
"      --ipc-file PATH    control socket (default %s)\n"
"\n"
"Persistence (-p) is not implemented yet.\n"
"Exit status: 0 ok, 1 dpvs refused or failed, 2 usage error.\n",
		DPVS_DEFAULT_IPC);
}

static int bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "dpvsadm: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see dpvsadm --help)\n");
	return -1;
}

/* A.B.C.D[:PORT]; port_required for services. */
static int parse_addr_port(const char *s, uint32_t *addr, uint16_t *port,
			   bool port_required)
{
	char buf[64];
	char *colon, *end;
	struct in_addr in;
	unsigned long p = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		p = strtoul(colon + 1, &end, 10);
		if (*end || end == colon + 1 || p > 65535)
			return -1;
	} else if (port_required) {
		return -1;
	}
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	*addr = in.s_addr;
	*port = (uint16_t)p;
	return 0;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end || end == s || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_sched_flags(const char *s, uint32_t *flags)
{
	char buf[128], *tok, *save;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "sh-fallback") || !strcmp(tok, "mh-fallback"))
			*flags |= DPVS_SVC_F_SCHED_FALLBACK;
		else if (!strcmp(tok, "sh-port") || !strcmp(tok, "mh-port"))
			*flags |= DPVS_SVC_F_SCHED_PORT;
		else
			return -1;
	}
	return 0;
}

static int set_cmd(struct args *a, enum cmd c)
{
	if (a->cmd != C_NONE && a->cmd != c)
		return bad("%s", "only one command at a time");
	a->cmd = c;
	return 0;
}

static int set_svc(struct args *a, const char *s, uint8_t proto)
{
	if (parse_addr_port(s, &a->svc.vip, &a->svc.vport, true) < 0)
		return bad("invalid service address '%s' (VIP:PORT)", s);
	a->svc.proto = proto;
	a->have_svc = true;
	return 0;
}

static const struct option opts[] = {
	{ "add-service", no_argument, NULL, 'A' },
	{ "edit-service", no_argument, NULL, 'E' },
	{ "delete-service", no_argument, NULL, 'D' },
	{ "clear", no_argument, NULL, 'C' },
	{ "add-server", no_argument, NULL, 'a' },
	{ "edit-server", no_argument, NULL, 'e' },
	{ "delete-server", no_argument, NULL, 'd' },
	{ "list", no_argument, NULL, 'L' },
	{ "zero", no_argument, NULL, 'Z' },
	{ "set", no_argument, NULL, 'S' },
	{ "add-laddr", no_argument, NULL, 'P' },
	{ "del-laddr", no_argument, NULL, 'Q' },
	{ "get-laddr", no_argument, NULL, 'G' },
	{ "tcp-service", required_argument, NULL, 't' },
	{ "udp-service", required_argument, NULL, 'u' },
	{ "scheduler", required_argument, NULL, 's' },
	{ "sched-flags", required_argument, NULL, 'f' },
	{ "persistent", optional_argument, NULL, 'p' },
	{ "real-server", required_argument, NULL, 'r' },
	{ "fullnat", no_argument, NULL, 'b' },
	{ "gatewaying", no_argument, NULL, 'g' },
	{ "masquerading", no_argument, NULL, 'm' },
	{ "ipip", no_argument, NULL, 'i' },
	{ "weight", required_argument, NULL, 'w' },
	{ "u-threshold", required_argument, NULL, 'x' },
	{ "l-threshold", required_argument, NULL, 'y' },
	{ "laddr", required_argument, NULL, 'z' },
	{ "ifname", required_argument, NULL, 'F' },
	{ "numeric", no_argument, NULL, 'n' },
	{ "stats", no_argument, NULL, 'T' },
	{ "rate", no_argument, NULL, 'R' },
	{ "connection", no_argument, NULL, 'c' },
	{ "ipc-file", required_argument, NULL, 'I' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_opt(int c, struct args *a)
{
	static const enum cmd cmds[128] = {
		['A'] = C_ADD_SVC, ['E'] = C_EDIT_SVC, ['D'] = C_DEL_SVC,
		['C'] = C_FLUSH, ['a'] = C_ADD_RS, ['e'] = C_EDIT_RS,
		['d'] = C_DEL_RS, ['L'] = C_LIST, ['l'] = C_LIST, ['Z'] = C_ZERO,
		['S'] = C_SET, ['P'] = C_ADD_LADDR, ['Q'] = C_DEL_LADDR,
		['G'] = C_GET_LADDR,
	};
	uint32_t v;

	if (c > 0 && c < 128 && cmds[c] != C_NONE)
		return set_cmd(a, cmds[c]);
	switch (c) {
	case 't':
		return set_svc(a, optarg, IPPROTO_TCP);
	case 'u':
		return set_svc(a, optarg, IPPROTO_UDP);
	case 's':
		if (strlen(optarg) > DPVS_SCHED_NAME_MAX)
			return bad("scheduler name '%s' too long", optarg);
		snprintf(a->svc.sched, sizeof(a->svc.sched), "%s", optarg);
		return 0;
	case 'f':
		return parse_sched_flags(optarg, &a->svc.flags) < 0 ?
			       bad("unknown scheduler flags '%s'", optarg) : 0;
	case 'p':
		a->svc.flags |= DPVS_SVC_F_PERSISTENT;
		if (optarg && parse_u32(optarg, 31536000, &a->svc.timeout) < 0)
			return bad("invalid persistence timeout '%s'", optarg);
		return 0;
	case 'r':
		a->have_rs = true;
		return parse_addr_port(optarg, &a->rs.addr, &a->rs.port, false) < 0 ?
			       bad("invalid real server '%s' (A.B.C.D[:PORT])",
				   optarg) : 0;
	case 'b':
		a->rs.fwd = DPVS_FWD_FNAT;
		return 0;
	case 'g':
		a->rs.fwd = DPVS_FWD_DR;
		return 0;
	case 'm':
		a->rs.fwd = DPVS_FWD_NAT;
		return 0;
	case 'i':
		a->rs.fwd = DPVS_FWD_TUN;
		return 0;
	case 'w':
		if (parse_u32(optarg, 65535, &v) < 0)
			return bad("invalid weight '%s' (0..65535)", optarg);
		a->rs.weight = (int32_t)v;
		return 0;
	case 'x':
		return parse_u32(optarg, UINT32_MAX, &a->rs.u_thresh) < 0 ?
			       bad("invalid upper threshold '%s'", optarg) : 0;
	case 'y':
		return parse_u32(optarg, UINT32_MAX, &a->rs.l_thresh) < 0 ?
			       bad("invalid lower threshold '%s'", optarg) : 0;
	case 'z':
		a->have_laddr = true;
		return inet_pton(AF_INET, optarg, &a->laddr.addr) != 1 ?
			       bad("invalid local address '%s'", optarg) : 0;
	case 'F':
		if (strlen(optarg) > DPVS_IFNAME_MAX)
			return bad("interface name '%s' too long", optarg);
		snprintf(a->laddr.ifname, sizeof(a->laddr.ifname), "%s", optarg);
		return 0;
	case 'n':
		return 0;
	case 'T':
		a->stats = true;
		return 0;
	case 'R':
		a->rate = true;
		return 0;
	case 'c':
		a->conns = true;
		return 0;
	case 'I':
		a->ipc = optarg;
		return 0;
	default:
		return bad("%s", "unknown option");
	}
}

/* What each command needs and allows. */
static int check_args(struct args *a, int argc, char **argv)
{
	bool needs_svc = a->cmd == C_ADD_SVC || a->cmd == C_EDIT_SVC ||
			 a->cmd == C_DEL_SVC || a->cmd == C_ADD_RS ||
			 a->cmd == C_EDIT_RS || a->cmd == C_DEL_RS ||
			 a->cmd == C_ADD_LADDR || a->cmd == C_DEL_LADDR;
	bool rs_cmd = a->cmd == C_ADD_RS || a->cmd == C_EDIT_RS ||
		      a->cmd == C_DEL_RS;

	if (a->cmd == C_NONE)
		return bad("%s", "no command given");
	if (needs_svc && !a->have_svc)
		return bad("%s", "this command needs -t or -u VIP:PORT");
	if (rs_cmd && !a->have_rs)
		return bad("%s", "this command needs -r RS[:PORT]");
	if ((a->cmd == C_ADD_LADDR || a->cmd == C_DEL_LADDR) && !a->have_laddr)
		return bad("%s", "this command needs -z LIP");
	if (a->cmd == C_SET) {
		if (argc - optind != 3 || parse_u32(argv[optind], 604800, &a->to.tcp) ||
		    parse_u32(argv[optind + 1], 86400, &a->to.tcp_fin) ||
		    parse_u32(argv[optind + 2], 604800, &a->to.udp))
			return bad("%s", "--set needs three timeouts in seconds");
		return 0;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	if (rs_cmd) {
		a->rs.proto = a->svc.proto;
		a->rs.vip = a->svc.vip;
		a->rs.vport = a->svc.vport;
		if (!a->rs.port)
			a->rs.port = a->svc.vport;
		if (!a->rs.fwd)
			a->rs.fwd = DPVS_FWD_DR;
	}
	a->laddr.proto = a->svc.proto;
	a->laddr.vip = a->svc.vip;
	a->laddr.vport = a->svc.vport;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	int c;

	memset(a, 0, sizeof(*a));
	a->rs.weight = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "AEDCaedLlZPQGt:u:s:p::r:bgmiw:x:y:z:F:nch",
				opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "dpvsadm: unknown option or missing argument "
				"'%s' (see dpvsadm --help)\n", argv[optind - 1]);
			return -1;
		}
		if (parse_opt(c, a) < 0)
			return -1;
	}
	return check_args(a, argc, argv);
}

/* ---- output ---- */

static const char *fwd_name(uint32_t f)
{
	static const char *const names[] = { "?", "FullNat", "Route", "Masq",
					      "Tunnel" };

	return f <= DPVS_FWD_TUN ? names[f] : "?";
}

static const char *ap(uint32_t addr, uint16_t port, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	struct in_addr in = { .s_addr = addr };

	inet_ntop(AF_INET, &in, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u", ip, port);
	return buf;
}

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "TCP" : p == IPPROTO_UDP ? "UDP" : "?";
}

static bool same_svc(const struct dpvs_dest *d, const struct dpvs_service *s)
{
	return d->proto == s->proto && d->vip == s->vip && d->vport == s->vport;
}

static void print_stats_row(const char *prefix, const char *name,
			    const struct dpvs_stats *st, bool rate)
{
	if (rate)
		printf("%s%-*s %8llu %8llu %8llu %9llu %9llu\n", prefix,
		       37 - (int)strlen(prefix), name, (unsigned long long)st->cps, (unsigned long long)st->inpps,
		       (unsigned long long)st->outpps,
		       (unsigned long long)st->inbps,
		       (unsigned long long)st->outbps);
	else
		printf("%s%-*s %8llu %8llu %8llu %9llu %9llu\n", prefix,
		       37 - (int)strlen(prefix), name,
		       (unsigned long long)st->conns,
		       (unsigned long long)st->inpkts,
		       (unsigned long long)st->outpkts,
		       (unsigned long long)st->inbytes,
		       (unsigned long long)st->outbytes);
}

static void print_header(const struct args *a, size_t nsvc)
{
	printf("IP Virtual Server version 0.1.0 (size=%zu)\n", nsvc);
	if (a->stats)
		printf("Prot LocalAddress:Port               Conns   InPkts  "
		       "OutPkts   InBytes  OutBytes\n  -> RemoteAddress:Port\n");
	else if (a->rate)
		printf("Prot LocalAddress:Port                 CPS    InPPS   "
		       "OutPPS     InBPS    OutBPS\n  -> RemoteAddress:Port\n");
	else
		printf("Prot LocalAddress:Port Scheduler Flags\n"
		       "  -> RemoteAddress:Port           Forward Weight "
		       "ActiveConn InActConn\n");
}

static void print_svc(const struct args *a, const struct dpvs_service *s,
		      const struct dpvs_dest *d, size_t nd)
{
	char buf[32], row[40];

	ap(s->vip, s->vport, buf, sizeof(buf));
	snprintf(row, sizeof(row), "%s  %s", proto_name(s->proto), buf);
	if (a->stats || a->rate)
		print_stats_row("", row, &s->stats, a->rate);
	else
		printf("%s  %s %s%s%s\n", proto_name(s->proto), buf, s->sched,
		       s->flags & DPVS_SVC_F_SCHED_FALLBACK ? " (fallback)" : "",
		       s->flags & DPVS_SVC_F_SCHED_PORT ? " (port)" : "");
	for (size_t i = 0; i < nd; i++) {
		if (!same_svc(&d[i], s))
			continue;
		ap(d[i].addr, d[i].port, buf, sizeof(buf));
		if (a->stats || a->rate)
			print_stats_row("  -> ", buf, &d[i].stats, a->rate);
		else
			printf("  -> %-28s %-7s %-6d %-10u %-10u\n", buf,
			       fwd_name(d[i].fwd), d[i].weight, d[i].activeconns,
			       d[i].inactconns);
	}
}

static int report(struct dpvs_handle *h, int rc)
{
	const char *m = dpvs_errmsg(h);

	if (rc == DPVS_OK)
		return 0;
	fprintf(stderr, "dpvsadm: %s\n", m && *m ? m : dpvs_strerror(rc));
	return 1;
}

static int list_conns(struct dpvs_handle *h)
{
	struct dpvs_conn *c;
	size_t n;
	char s[32], v[32], l[32], d[32];
	int rc = dpvs_conn_list(h, &c, &n);

	if (rc)
		return report(h, rc);
	printf("IPVS connection entries\npro expire state       source"
	       "                virtual               local                 "
	       "destination\n");
	for (size_t i = 0; i < n; i++)
		printf("%-3s %02u:%02u  %-11s %-21s %-21s %-21s %s\n",
		       proto_name(c[i].proto), c[i].expire_s / 60,
		       c[i].expire_s % 60, c[i].state_name,
		       ap(c[i].caddr, c[i].cport, s, sizeof(s)),
		       ap(c[i].vaddr, c[i].vport, v, sizeof(v)),
		       ap(c[i].laddr, c[i].lport, l, sizeof(l)),
		       ap(c[i].daddr, c[i].dport, d, sizeof(d)));
	free(c);
	return 0;
}

static int list(struct dpvs_handle *h, const struct args *a)
{
	struct dpvs_service *s;
	struct dpvs_dest *d;
	size_t ns, nd, shown = 0;
	int rc;

	if (a->conns)
		return list_conns(h);
	rc = dpvs_svc_list(h, &s, &ns);
	if (rc)
		return report(h, rc);
	rc = dpvs_dest_list(h, NULL, &d, &nd);
	if (rc) {
		free(s);
		return report(h, rc);
	}
	print_header(a, ns);
	for (size_t i = 0; i < ns; i++) {
		if (a->have_svc && (s[i].proto != a->svc.proto ||
				    s[i].vip != a->svc.vip ||
				    s[i].vport != a->svc.vport))
			continue;
		print_svc(a, &s[i], d, nd);
		shown++;
	}
	free(s);
	free(d);
	if (a->have_svc && !shown) {
		fprintf(stderr, "dpvsadm: no such service\n");
		return 1;
	}
	return 0;
}

static int list_laddrs(struct dpvs_handle *h, const struct args *a)
{
	struct dpvs_laddr *l;
	size_t n;
	char v[32], ip[INET_ADDRSTRLEN];
	int rc = dpvs_laddr_list(h, a->have_svc ? &a->svc : NULL, &l, &n);

	if (rc)
		return report(h, rc);
	printf("VIP:VPORT            TOTAL    SNAT_IP              CONFLICTS  CONNS\n");
	for (size_t i = 0; i < n; i++) {
		struct in_addr in = { .s_addr = l[i].addr };

		inet_ntop(AF_INET, &in, ip, sizeof(ip));
		printf("%-20s %-8zu %-20s %-10u %llu\n",
		       ap(l[i].vip, l[i].vport, v, sizeof(v)), n, ip, 0u,
		       (unsigned long long)l[i].conns);
	}
	free(l);
	return 0;
}

static int run(struct dpvs_handle *h, struct args *a)
{
	switch (a->cmd) {
	case C_ADD_SVC:
		return report(h, dpvs_svc_add(h, &a->svc));
	case C_EDIT_SVC:
		return report(h, dpvs_svc_edit(h, &a->svc));
	case C_DEL_SVC:
		return report(h, dpvs_svc_del(h, &a->svc));
	case C_FLUSH:
		return report(h, dpvs_svc_flush(h));
	case C_ADD_RS:
		return report(h, dpvs_dest_add(h, &a->rs));
	case C_EDIT_RS:
		return report(h, dpvs_dest_edit(h, &a->rs));
	case C_DEL_RS:
		return report(h, dpvs_dest_del(h, &a->rs));
	case C_LIST:
		return list(h, a);
	case C_ZERO:
		return report(h, dpvs_zero(h, a->have_svc ? &a->svc : NULL));
	case C_SET:
		return report(h, dpvs_timeout_set(h, &a->to));
	case C_ADD_LADDR:
		return report(h, dpvs_laddr_add(h, &a->laddr));
	case C_DEL_LADDR:
		return report(h, dpvs_laddr_del(h, &a->laddr));
	case C_GET_LADDR:
		return list_laddrs(h, a);
	default:
		return 2;
	}
}

int main(int argc, char **argv)
{
	struct dpvs_handle *h;
	struct args a;
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (parse_args(argc, argv, &a) < 0)
		return 2;
	rc = dpvs_connect(a.ipc, &h);
	if (rc) {
		fprintf(stderr, "dpvsadm: cannot connect to %s: %s%s\n",
			a.ipc ? a.ipc : DPVS_DEFAULT_IPC,
			rc == DPVS_EIO ? strerror(errno) : dpvs_strerror(rc),
			rc == DPVS_EIO ? " (is dpvs running?)" : "");
		return 1;
	}
	rc = run(h, &a);
	dpvs_close(h);
	return rc;
}
