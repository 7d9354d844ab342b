/*
 * Load-balancing series: node_exporter's IPVS collector's names and
 * labels where they mean the same (so its dashboards and alerts work),
 * then dpvs_service_*, dpvs_real_server_* and the FullNAT local
 * addresses.  docs/monitoring.md lists every one.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "exporter.h"

/* Label values of a service or real server, as text. */
struct lb_text {
	char vip[INET6_ADDRSTRLEN], vport[8];
	char rip[INET6_ADDRSTRLEN], rport[8];
	const char *proto;
	struct expo_label l[6];
};

static const char *proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "TCP" : p == IPPROTO_UDP ? "UDP" : "?";
}

/* local_address, local_port, proto: the service (k: its key). */
static size_t svc_labels(struct lb_text *t, struct lb_key k)
{
	lb_addr_str(k.af, k.v4, &k.v6, t->vip, sizeof(t->vip));
	snprintf(t->vport, sizeof(t->vport), "%u", k.port);
	t->proto = proto_name(k.proto);
	t->l[0] = (struct expo_label){ "local_address", t->vip };
	t->l[1] = (struct expo_label){ "local_port", t->vport };
	t->l[2] = (struct expo_label){ "proto", t->proto };
	return 3;
}

/* The IPVS collector's six, in its order; local_mark is always "". */
static size_t dest_labels(struct lb_text *t, const struct dpvs_dest *d)
{
	svc_labels(t, lb_key_dest_svc(d));
	lb_addr_str(d->af == AF_INET6 ? AF_INET6 : AF_INET, d->addr, &d->addr6,
		    t->rip, sizeof(t->rip));
	snprintf(t->rport, sizeof(t->rport), "%u", d->port);
	t->l[2] = (struct expo_label){ "remote_address", t->rip };
	t->l[3] = (struct expo_label){ "remote_port", t->rport };
	t->l[4] = (struct expo_label){ "proto", t->proto };
	t->l[5] = (struct expo_label){ "local_mark", "" };
	return 6;
}

enum stat_field { ST_CONNS, ST_INPKTS, ST_OUTPKTS, ST_INBYTES, ST_OUTBYTES };

static uint64_t stat_of(const struct dpvs_stats *st, enum stat_field f)
{
	switch (f) {
	case ST_CONNS: return st->conns;
	case ST_INPKTS: return st->inpkts;
	case ST_OUTPKTS: return st->outpkts;
	case ST_INBYTES: return st->inbytes;
	default: return st->outbytes;
	}
}

static const struct {
	const char *suffix, *help;
} STATS[] = {
	[ST_CONNS] = { "connections_total", "connections made" },
	[ST_INPKTS] = { "incoming_packets_total", "packets from clients" },
	[ST_OUTPKTS] = { "outgoing_packets_total",
			 "packets from real servers" },
	[ST_INBYTES] = { "incoming_bytes_total", "bytes from clients" },
	[ST_OUTBYTES] = { "outgoing_bytes_total",
			  "bytes from real servers" },
};

/* node_ipvs_*_total: sums over the services, like /proc/net/ip_vs_stats. */
static void ipvs_totals(struct expo *e, const struct scrape *s)
{
	static const char *const help[] = {
		"The total number of connections made.",
		"The total number of incoming packets.",
		"The total number of outgoing packets.",
		"The total amount of incoming data.",
		"The total amount of outgoing data.",
	};
	char name[64];

	for (int f = ST_CONNS; f <= ST_OUTBYTES; f++) {
		uint64_t sum = 0;

		for (size_t i = 0; i < s->nsvcs; i++)
			sum += stat_of(&s->svcs[i].stats, f);
		snprintf(name, sizeof(name), "node_ipvs_%s", STATS[f].suffix);
		expo_one(e, name, EXPO_COUNTER, help[f], sum);
	}
}

static void ipvs_backends(struct expo *e, const struct scrape *s)
{
	static const char *const name[] = {
		"node_ipvs_backend_connections_active",
		"node_ipvs_backend_connections_inactive",
		"node_ipvs_backend_weight",
	};
	static const char *const help[] = {
		"The current active connections by local and remote address.",
		"The current inactive connections by local and remote address.",
		"The current backend weight by local and remote address.",
	};
	struct lb_text t;

	for (int m = 0; m < 3; m++) {
		expo_family(e, name[m], EXPO_GAUGE, help[m]);
		for (size_t i = 0; i < s->ndests; i++) {
			const struct dpvs_dest *d = &s->dests[i];
			size_t n = dest_labels(&t, d);

			expo_u64(e, t.l, n, m == 0 ? d->activeconns :
				 m == 1 ? d->inactconns :
				 (uint64_t)(d->weight > 0 ? d->weight : 0));
		}
	}
}

static void services(struct expo *e, const struct scrape *s)
{
	char name[64], help[96];
	struct lb_text t;

	for (int f = ST_CONNS; f <= ST_OUTBYTES; f++) {
		snprintf(name, sizeof(name), "dpvs_service_%s", STATS[f].suffix);
		snprintf(help, sizeof(help), "Per service: %s.", STATS[f].help);
		expo_family(e, name, EXPO_COUNTER, help);
		for (size_t i = 0; i < s->nsvcs; i++) {
			const struct dpvs_service *v = &s->svcs[i];
			size_t n = svc_labels(&t, lb_key_svc(v));

			expo_u64(e, t.l, n, stat_of(&v->stats, f));
		}
	}
	expo_family(e, "dpvs_service_connections_per_second", EXPO_GAUGE,
		    "Per service: new connections per second over the last "
		    "few seconds, as dpvs computes it.");
	for (size_t i = 0; i < s->nsvcs; i++) {
		const struct dpvs_service *v = &s->svcs[i];
		size_t n = svc_labels(&t, lb_key_svc(v));

		expo_u64(e, t.l, n, v->stats.cps);
	}
}

/*
 * Real servers per service, and those with weight > 0: one walk, the
 * servers being sorted by service like the services.
 */
static void service_backends(struct expo *e, const struct scrape *s,
			     bool usable)
{
	struct lb_text t;
	size_t j = 0;

	expo_family(e, usable ? "dpvs_service_real_servers_usable" :
		    "dpvs_service_real_servers", EXPO_GAUGE, usable ?
		    "Per service: real servers with a weight above 0." :
		    "Per service: real servers configured.");
	for (size_t i = 0; i < s->nsvcs; i++) {
		const struct dpvs_service *v = &s->svcs[i];
		struct lb_key key = lb_key_svc(v);
		size_t n = svc_labels(&t, key);
		uint64_t c = 0;

		for (; j < s->ndests; j++) {
			const struct dpvs_dest *d = &s->dests[j];
			struct lb_key dk = lb_key_dest_svc(d);
			int o = lb_key_cmp(&dk, &key);

			if (o > 0)
				break;
			c += o == 0 && (!usable || d->weight > 0);
		}
		expo_u64(e, t.l, n, c);
	}
}

static void real_servers(struct expo *e, const struct scrape *s)
{
	char name[64], help[96];
	struct lb_text t;

	for (int f = ST_CONNS; f <= ST_OUTBYTES + 1; f++) {
		bool persist = f > ST_OUTBYTES;

		snprintf(name, sizeof(name), "dpvs_real_server_%s", persist ?
			 "persistent_connections" : STATS[f].suffix);
		snprintf(help, sizeof(help), "Per real server: %s.", persist ?
			 "persistence templates pointing at it" : STATS[f].help);
		expo_family(e, name, persist ? EXPO_GAUGE : EXPO_COUNTER, help);
		for (size_t i = 0; i < s->ndests; i++) {
			const struct dpvs_dest *d = &s->dests[i];
			size_t n = dest_labels(&t, d) - 1; /* no local_mark */

			expo_u64(e, t.l, n, persist ? d->persistconns :
				 stat_of(&d->stats, f));
		}
	}
}

static void laddrs(struct expo *e, const struct scrape *s)
{
	static const char *const name[] = {
		"dpvs_fullnat_local_ports_free", "dpvs_fullnat_local_ports",
		"dpvs_fullnat_local_address_connections_total",
	};
	static const char *const help[] = {
		"FullNAT local ports left on this local address, over every "
		"worker.",
		"FullNAT local ports this local address offers.",
		"Connections made through this FullNAT local address.",
	};
	char la[INET6_ADDRSTRLEN];
	struct lb_text t;

	for (int m = 0; m < 3; m++) {
		expo_family(e, name[m], m == 2 ? EXPO_COUNTER : EXPO_GAUGE,
			    help[m]);
		for (size_t i = 0; i < s->nladdrs; i++) {
			const struct dpvs_laddr *l = &s->laddrs[i];
			size_t n = svc_labels(&t, (struct lb_key){ l->proto,
				l->vaf == AF_INET6 ? AF_INET6 : AF_INET, l->vip,
				l->vip6, l->vport });

			lb_addr_str(l->af == AF_INET6 ? AF_INET6 : AF_INET, l->addr,
				    &l->addr6, la, sizeof(la));
			t.l[n++] = (struct expo_label){ "fullnat_address", la };
			t.l[n++] = (struct expo_label){ "port", l->ifname };
			expo_u64(e, t.l, n, m == 0 ? l->ports_free :
				 m == 1 ? l->ports_total : l->conns);
		}
	}
}

void metrics_lb(struct expo *e, const struct scrape *s,
		const struct metrics_opts *o)
{
	ipvs_totals(e, s);
	if (!o->per_service_only)
		ipvs_backends(e, s);
	services(e, s);
	service_backends(e, s, false);
	service_backends(e, s, true);
	if (!o->per_service_only)
		real_servers(e, s);
	laddrs(e, s);
}
