/* dpvsadm's output: ipvsadm's listing formats, on standard output. */
#include "dpvsadm.h"

#include <netinet/in.h>
#include <string.h>

const char *proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "TCP" : proto == IPPROTO_UDP ? "UDP" :
								     "???";
}

const char *proto_switch(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "-u" : "-t";
}

const char *fmt_ip(struct ip_ref a, char buf[IP_LEN])
{
	return dpvs_inet_ntop(a.af, a.v4, a.v6, buf, IP_LEN) ? buf : "?";
}

const char *fmt_addrport(struct ip_ref a, uint16_t port,
			 char buf[ADDRPORT_LEN])
{
	char ip[IP_LEN];

	snprintf(buf, ADDRPORT_LEN, a.af == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 fmt_ip(a, ip), port);
	return buf;
}

bool has_mask(const struct dpvs_service *s)
{
	if (s->af == AF_INET6)
		return s->netmask && s->netmask < 128;
	return s->netmask != ALL_ONES;
}

const char *fmt_mask(const struct dpvs_service *s, char buf[IP_LEN])
{
	struct ip_ref m = { AF_INET, s->netmask, NULL };

	if (s->af == AF_INET6)
		snprintf(buf, IP_LEN, "%u", s->netmask);
	else
		fmt_ip(m, buf);
	return buf;
}

const char *fmt_svc(const struct dpvs_service *s, char buf[SVC_NAME_LEN])
{
	char ap[ADDRPORT_LEN];

	snprintf(buf, SVC_NAME_LEN, "%s %s", proto_name(s->proto),
		 fmt_addrport(SVC_IP(s), s->vport, ap));
	return buf;
}

char fwd_flag(uint32_t fwd)
{
	const struct dpvs_fwd_mode *m = dpvs_fwd_by_id(fwd);

	return m ? m->short_opt : 'g';
}

const char *fmt_sched_flags(const char *sched, uint32_t flags, char buf[32])
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

void print_title(const struct out *o)
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

void print_service(const struct dpvs_service *s, const struct out *o)
{
	char name[SVC_NAME_LEN + 1], ap[ADDRPORT_LEN], mask[IP_LEN], fl[32];

	snprintf(name, sizeof(name), "%s  %s", proto_name(s->proto),
		 fmt_addrport(SVC_IP(s), s->vport, ap));
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
		if (has_mask(s))
			printf(" mask %s", fmt_mask(s, mask));
	}
	if (s->flags & PROXY_FLAGS)
		printf(" proxy-protocol %s", fmt_proxy(s->flags));
	printf("\n");
}

void print_dest(const struct dpvs_dest *d, const struct out *o)
{
	char ap[ADDRPORT_LEN];

	fmt_addrport(DEST_IP(d), d->port, ap); /* v4: 21 of ipvsadm's 28 */
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
		       dpvs_fwd_name(d->fwd), d->weight, d->activeconns,
		       d->inactconns);
		break;
	}
}

struct out out_of(const struct cmd *c)
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

void print_conn(const struct dpvs_conn *x)
{
	char src[ADDRPORT_LEN], vip[ADDRPORT_LEN], dst[ADDRPORT_LEN];
	char lip[ADDRPORT_LEN];

	struct ip_ref c = { x->caf, x->caddr, &x->caddr6 };
	struct ip_ref v = { x->caf, x->vaddr, &x->vaddr6 };
	struct ip_ref d = { x->daf, x->daddr, &x->daddr6 };
	struct ip_ref l = { x->daf, x->laddr, &x->laddr6 };

	if (x->daf == AF_INET6 ? !IN6_IS_ADDR_UNSPECIFIED(&x->laddr6) :
	    x->laddr != 0)
		fmt_addrport(l, x->lport, lip);
	else
		snprintf(lip, sizeof(lip), "-");
	/* [S]: synced from the HA peer, so it survives a failover. */
	printf("%-3s %02u:%02u  %-11s %-18s %-18s %-18s %-18s %u%s\n",
	       proto_name(x->proto), x->expire_s / 60, x->expire_s % 60,
	       x->state_name, fmt_addrport(c, x->cport, src),
	       fmt_addrport(v, x->vport, vip),
	       fmt_addrport(d, x->dport, dst), lip, x->lcore,
	       x->flags & DPVS_CONN_F_SYNCED ? " [S]" : "");
}

static bool of_svc(const struct dpvs_laddr *l, const struct dpvs_service *s)
{
	return !cmp_key(l->proto, VIP_OF(l), l->vport, s->proto, SVC_IP(s),
			s->vport);
}

/* The local addresses of service s among l[0..nl). */
void print_laddrs_of(const struct dpvs_service *s,
		     const struct dpvs_laddr *l, size_t nl)
{
	char ap[ADDRPORT_LEN], ip[IP_LEN];
	size_t count = 0;

	for (size_t i = 0; i < nl; i++)
		count += of_svc(&l[i], s);
	printf("%-4s %-21s %zu\n", proto_name(s->proto),
	       fmt_addrport(SVC_IP(s), s->vport, ap), count);
	for (size_t i = 0; i < nl; i++)
		if (of_svc(&l[i], s))
			printf("%-4s %-21s %-6s %-16s %-16s %-10llu %u\n", "", "",
			       "", fmt_ip(LADDR_IP(&l[i]), ip), l[i].ifname,
			       (unsigned long long)l[i].conns, l[i].ports_free);
}

/* -G: local addresses per service (DPVS's layout, with the protocol). */
void print_laddr_title(void)
{
	printf("%-4s %-21s %-6s %-16s %-16s %-10s %s\n", "Prot", "VIP:VPORT",
	       "TOTAL", "SNAT_IP", "IFNAME", "CONNS", "PORTS_FREE");
}
