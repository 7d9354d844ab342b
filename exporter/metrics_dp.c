/*
 * The daemon's own series: workers (packets, drops by cause, the
 * connection pool), ports, resources, connection sync and the HA lease.
 * Labels are bounded: workers, ports, resources and drop causes are
 * fixed sets of a running dpvs.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "exporter.h"

/*
 * The worker counters that count packets dropped (dpvs/src/net/
 * pktstats.h): the cause label is the counter's name.  One the daemon
 * does not have is left out.
 */
static const char *const DROP_CAUSES[] = {
	"tx_dropped", "tx_no_queue", "eth_short", "arp_bad", "ip_bad_hdr",
	"ip_bad_csum", "ip_bad_len", "ip_ttl", "ip_no_route", "ip_not_local",
	"neigh_full", "neigh_timeout", "kni_up_full", "kni_up_limited",
	"kni_prio_full", "kni_prio_limited", "kni_disabled",
	"kni_arp_vip_dropped", "ipvs_conn_full", "ipvs_conn_clash",
	"ipvs_embryonic_evicted", "ipvs_no_dest", "ipvs_no_laddr",
	"ipvs_no_port", "ipvs_no_conn", "ipvs_handover_full", "ipvs_bad_l4",
	"ipvs_pp_bad", "tun_frag_fail",
};

/* Index of counter name in the set, -1 if the daemon has none. */
static long counter_idx(const struct dpvs_worker_stats_set *ws,
			const char *name)
{
	for (size_t i = 0; i < ws->ncounters; i++)
		if (strcmp(ws->names[i], name) == 0)
			return (long)i;
	return -1;
}

struct worker_text {
	char idx[12], lcore[12];
	struct expo_label l[3];
};

static size_t worker_labels(struct worker_text *t,
			    const struct dpvs_worker_stats *w)
{
	snprintf(t->idx, sizeof(t->idx), "%u", w->index);
	snprintf(t->lcore, sizeof(t->lcore), "%u", w->lcore_id);
	t->l[0] = (struct expo_label){ "worker", t->idx };
	t->l[1] = (struct expo_label){ "lcore", t->lcore };
	return 2;
}

/* One family of one worker counter; absent counters give none. */
static void worker_counter(struct expo *e, const struct dpvs_worker_stats_set *ws,
			   const char *counter, const char *name,
			   const char *help)
{
	long c = counter_idx(ws, counter);
	struct worker_text t;

	if (c < 0)
		return;
	expo_family(e, name, EXPO_COUNTER, help);
	for (size_t w = 0; w < ws->nworkers; w++)
		expo_u64(e, t.l, worker_labels(&t, &ws->workers[w]),
			 ws->workers[w].counters[c]);
}

static void worker_drops(struct expo *e, const struct dpvs_worker_stats_set *ws)
{
	struct worker_text t;

	expo_family(e, "dpvs_worker_drops_total", EXPO_COUNTER,
		    "Packets a worker dropped, by cause (the name of the "
		    "worker counter; docs/monitoring.md).");
	for (size_t k = 0; k < sizeof(DROP_CAUSES) / sizeof(*DROP_CAUSES); k++) {
		long c = counter_idx(ws, DROP_CAUSES[k]);

		for (size_t w = 0; c >= 0 && w < ws->nworkers; w++) {
			size_t n = worker_labels(&t, &ws->workers[w]);

			t.l[n++] = (struct expo_label){ "cause", DROP_CAUSES[k] };
			expo_u64(e, t.l, n, ws->workers[w].counters[c]);
		}
	}
}

static void workers(struct expo *e, const struct dpvs_worker_stats_set *ws)
{
	struct worker_text t;

	expo_family(e, "dpvs_worker_connections", EXPO_GAUGE,
		    "Connections in a worker's table now.");
	for (size_t w = 0; w < ws->nworkers; w++)
		expo_u64(e, t.l, worker_labels(&t, &ws->workers[w]),
			 ws->workers[w].conns);
	expo_family(e, "dpvs_worker_connections_max", EXPO_GAUGE,
		    "Connections a worker's table holds for sure.");
	for (size_t w = 0; w < ws->nworkers; w++)
		expo_u64(e, t.l, worker_labels(&t, &ws->workers[w]),
			 ws->workers[w].conns_max);
	worker_counter(e, ws, "rx_packets", "dpvs_worker_receive_packets_total",
		       "Packets a worker received from its ports.");
	worker_counter(e, ws, "rx_bytes", "dpvs_worker_receive_bytes_total",
		       "Bytes a worker received from its ports.");
	worker_counter(e, ws, "tx_packets", "dpvs_worker_transmit_packets_total",
		       "Packets a worker handed to a port's tx queue.");
	worker_counter(e, ws, "tx_bytes", "dpvs_worker_transmit_bytes_total",
		       "Bytes a worker handed to a port's tx queue.");
	worker_counter(e, ws, "ipvs_conn_new", "dpvs_worker_connections_created_total",
		       "Connections a worker created.");
	worker_drops(e, ws);
	expo_one(e, "dpvs_conn_pool_size", EXPO_GAUGE,
		 "Connection objects in the pool (ipvs.conn_pool_size).",
		 ws->conn_pool_size);
	expo_one(e, "dpvs_conn_pool_in_use", EXPO_GAUGE,
		 "Connection objects in use.", ws->conn_pool_in_use);
}

static const struct {
	const char *name, *help;
	enum expo_type type;
	size_t off;
} PORT_SERIES[] = {
#define P(n, t, f, h) { n, h, t, offsetof(struct dpvs_link_info, f) }
	P("dpvs_port_receive_packets_total", EXPO_COUNTER, ipackets,
	  "Packets the port received (the PMD's count)."),
	P("dpvs_port_transmit_packets_total", EXPO_COUNTER, opackets,
	  "Packets the port sent."),
	P("dpvs_port_receive_bytes_total", EXPO_COUNTER, ibytes,
	  "Bytes the port received."),
	P("dpvs_port_transmit_bytes_total", EXPO_COUNTER, obytes,
	  "Bytes the port sent."),
	P("dpvs_port_receive_missed_total", EXPO_COUNTER, imissed,
	  "Packets the NIC dropped: rx queues full."),
	P("dpvs_port_receive_errors_total", EXPO_COUNTER, ierrors,
	  "Erroneous packets received."),
	P("dpvs_port_transmit_errors_total", EXPO_COUNTER, oerrors,
	  "Packets that failed to be sent."),
	P("dpvs_port_receive_nombuf_total", EXPO_COUNTER, rx_nombuf,
	  "Receive buffer allocation failures."),
	P("dpvs_port_kernel_path_to_kernel_total", EXPO_COUNTER, kni_to_kernel,
	  "Packets handed to the port's kernel twin."),
	P("dpvs_port_kernel_path_from_kernel_total", EXPO_COUNTER,
	  kni_from_kernel, "Packets the kernel twin sent through the port."),
	P("dpvs_port_kernel_path_dropped_total", EXPO_COUNTER, kni_dropped,
	  "Packets lost on the kernel path, either direction."),
#undef P
};

static void ports(struct expo *e, const struct scrape *s)
{
	struct expo_label l[2];

	expo_family(e, "dpvs_port_up", EXPO_GAUGE,
		    "1 if the port's link is up.");
	for (size_t i = 0; i < s->nlinks; i++) {
		l[0] = (struct expo_label){ "port", s->links[i].name };
		expo_u64(e, l, 1, !!(s->links[i].flags & DPVS_LINK_UP));
	}
	for (size_t m = 0; m < sizeof(PORT_SERIES) / sizeof(*PORT_SERIES); m++) {
		expo_family(e, PORT_SERIES[m].name, PORT_SERIES[m].type,
			    PORT_SERIES[m].help);
		for (size_t i = 0; i < s->nlinks; i++) {
			const char *p = (const char *)&s->links[i];

			l[0] = (struct expo_label){ "port", s->links[i].name };
			expo_u64(e, l, 1, *(const uint64_t *)(p +
					  PORT_SERIES[m].off));
		}
	}
}

static const char *res_kind(uint32_t k)
{
	switch (k) {
	case DPVS_RES_TABLE: return "table";
	case DPVS_RES_POOL: return "pool";
	case DPVS_RES_FDS: return "fds";
	case DPVS_RES_HEAP: return "heap";
	default: return "other";
	}
}

static void resources(struct expo *e, const struct scrape *s)
{
	struct expo_label l[2];

	for (int size = 0; size < 2; size++) {
		expo_family(e, size ? "dpvs_resource_size" : "dpvs_resource_used",
			    EXPO_GAUGE, size ?
			    "What a table, pool, the fd space or the heap holds "
			    "at most (dpvsctl resources)." :
			    "What a table, pool, the fd space or the heap holds "
			    "now (dpvsctl resources).");
		for (size_t i = 0; i < s->nres; i++) {
			l[0] = (struct expo_label){ "kind", res_kind(s->res[i].kind) };
			l[1] = (struct expo_label){ "name", s->res[i].name };
			expo_u64(e, l, 2, size ? s->res[i].size : s->res[i].used);
		}
	}
}

void metrics_dp(struct expo *e, const struct scrape *s)
{
	char ver[64];
	struct expo_label l = { "version", ver };

	snprintf(ver, sizeof(ver), "%s", s->ver.version);
	expo_family(e, "dpvs_daemon_info", EXPO_GAUGE,
		    "1, labelled with the running dpvs's version.");
	expo_u64(e, &l, 1, 1);
	expo_one(e, "dpvs_start_time_seconds", EXPO_GAUGE,
		 "When dpvs started, seconds since the epoch.",
		 s->ver.start_time);
	expo_one(e, "dpvs_workers", EXPO_GAUGE, "Worker lcores of dpvs.",
		 s->ver.nworkers);
	if (s->ws)
		workers(e, s->ws);
	ports(e, s);
	resources(e, s);
	metrics_ha(e, s);
}

void metrics_write(struct expo *e, const struct scrape *s,
		   const struct metrics_opts *o, double seconds)
{
	struct expo_label l = { "version", DPVS_VERSION };

	expo_one(e, "dpvs_up", EXPO_GAUGE,
		 "1 if dpvs answered this scrape, 0 if not (then no other "
		 "dpvs series).", s->up);
	expo_family(e, "dpvs_build_info", EXPO_GAUGE,
		    "1, labelled with dpvs-exporter's version.");
	expo_u64(e, &l, 1, 1);
	if (s->up) {
		metrics_dp(e, s);
		metrics_lb(e, s, o);
	}
	expo_family(e, "dpvs_scrape_duration_seconds", EXPO_GAUGE,
		    "How long reading dpvs took for this scrape.");
	expo_f64(e, NULL, 0, seconds);
}
