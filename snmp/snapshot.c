/*
 * Reading dpvs: one snapshot at a time, each a handful of libdpvs calls.
 * The service and real-server counters come from dpvs's own multicast
 * gather, the worker rows from another; the snapshot is kept for the
 * cache time so a walk of a big table costs dpvs one read, not one per row.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"

static struct snap_params params;
static struct dpvs_handle *handle;
static struct snapshot *cur;
static uint64_t next_gen = 1;
static bool was_ok = true;   /* log the first failure, then transitions */

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void snap_free(struct snapshot *s)
{
	if (!s)
		return;
	free(s->ws);
	free(s->links);
	free(s->svcs);
	free(s->extra);
	free(s->dests);
	free(s->laddrs);
	free(s);
}

/* Index order of DPVS-MIB's Inet tables: protocol, then the family
 * (IPv4 first), the address's bytes, then the port. */
static int key_cmp(uint8_t pa, uint8_t fa, uint32_t va, const struct in6_addr *ua,
		   uint16_t qa, uint8_t pb, uint8_t fb, uint32_t vb,
		   const struct in6_addr *ub, uint16_t qb)
{
	bool a6 = fa == AF_INET6, b6 = fb == AF_INET6;
	int c;

	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (a6 != b6)
		return a6 ? 1 : -1;
	if (a6 && (c = memcmp(ua, ub, sizeof(*ua))))
		return c;
	if (!a6 && ntohl(va) != ntohl(vb))
		return ntohl(va) < ntohl(vb) ? -1 : 1;
	return qa < qb ? -1 : qa > qb;
}

static int svc_cmp(const void *a, const void *b)
{
	const struct dpvs_service *x = a, *y = b;

	return key_cmp(x->proto, x->af, x->vip, &x->vip6, x->vport,
		       y->proto, y->af, y->vip, &y->vip6, y->vport);
}

static int dest_cmp(const void *a, const void *b)
{
	const struct dpvs_dest *x = a, *y = b;
	int c = key_cmp(x->proto, x->vaf, x->vip, &x->vip6, x->vport,
			y->proto, y->vaf, y->vip, &y->vip6, y->vport);

	return c ? c : key_cmp(0, x->af, x->addr, &x->addr6, x->port,
			       0, y->af, y->addr, &y->addr6, y->port);
}

static struct dpvs_service *svc_of(struct snapshot *s, uint8_t proto,
				   uint8_t af, uint32_t vip,
				   const struct in6_addr *vip6, uint16_t vport)
{
	struct dpvs_service key = { .proto = proto, .af = af, .vip = vip,
				    .vip6 = *vip6, .vport = vport };

	return bsearch(&key, s->svcs, s->nsvcs, sizeof(key), svc_cmp);
}

static void add_dest(struct svc_extra *e, const struct dpvs_dest *d)
{
	uint32_t fwd = mib_fwd(d->fwd);

	e->active += d->activeconns;
	e->inactive += d->inactconns;
	e->nrs++;
	e->nrs_up += d->weight > 0;
	e->fwd = e->nrs == 1 ? fwd : e->fwd == fwd ? fwd : 5 /* mixed */;
}

/* Per-service sums the MIB shows and dpvs's service record lacks. */
static int derive(struct snapshot *s)
{
	s->extra = calloc(s->nsvcs ? s->nsvcs : 1, sizeof(*s->extra));
	if (!s->extra)
		return -1;
	for (size_t i = 0; i < s->nsvcs; i++)
		s->extra[i].fwd = 6; /* none */
	for (size_t i = 0; i < s->ndests; i++) {
		const struct dpvs_dest *d = &s->dests[i];
		struct dpvs_service *v = svc_of(s, d->proto, d->vaf, d->vip,
						&d->vip6, d->vport);

		if (v)
			add_dest(&s->extra[v - s->svcs], d);
	}
	for (size_t i = 0; i < s->nladdrs; i++) {
		const struct dpvs_laddr *l = &s->laddrs[i];
		struct dpvs_service *v = svc_of(s, l->proto, l->vaf, l->vip,
						&l->vip6, l->vport);

		if (v)
			s->extra[v - s->svcs].nladdr++;
	}
	for (size_t w = 0; s->ws && w < s->ws->nworkers; w++) {
		const struct dpvs_worker_stats *r = &s->ws->workers[w];

		s->conns += r->conns;
		s->conns_created += dpvs_worker_counter(s->ws, r, "ipvs_conn_new");
		s->rx_pkts += dpvs_worker_counter(s->ws, r, "rx_packets");
		s->tx_pkts += dpvs_worker_counter(s->ws, r, "tx_packets");
		s->rx_bytes += dpvs_worker_counter(s->ws, r, "rx_bytes");
		s->tx_bytes += dpvs_worker_counter(s->ws, r, "tx_bytes");
	}
	return 0;
}

/* A dpvs without the HA operations leaves dpvsSync empty, not the rest. */
static int read_ha(struct snapshot *s)
{
	int rc = dpvs_sync_state(handle, &s->sync);

	s->have_sync = rc == DPVS_OK;
	if (rc && rc != DPVS_ENOTSUP)
		return rc;
	rc = dpvs_ha_state(handle, &s->ha);
	s->have_ha = rc == DPVS_OK;
	return rc == DPVS_ENOTSUP ? DPVS_OK : rc;
}

static int read_dpvs(struct snapshot *s)
{
	int rc;

	if (!handle) {
		if (dpvs_connect(params.ipc, &handle) != DPVS_OK) {
			snmp_log(was_ok ? LOG_WARNING : LOG_DEBUG,
				 "dpvs-snmp: cannot reach dpvs at %s: %s\n",
				 params.ipc, strerror(errno));
			return -1;
		}
		dpvs_set_timeout(handle, params.timeout_ms);
	}
	rc = dpvs_get_version(handle, &s->ver);
	if (!rc)
		rc = dpvs_get_worker_stats(handle, &s->ws);
	if (!rc)
		rc = dpvs_link_list(handle, &s->links, &s->nlinks);
	if (!rc)
		rc = dpvs_svc_dest_list(handle, &s->svcs, &s->nsvcs, &s->dests,
					&s->ndests);
	if (!rc)
		rc = dpvs_laddr_list(handle, NULL, &s->laddrs, &s->nladdrs);
	if (!rc)
		rc = read_ha(s);
	if (rc) {
		snmp_log(was_ok ? LOG_WARNING : LOG_DEBUG,
			 "dpvs-snmp: reading dpvs failed: %s (%s)\n",
			 dpvs_strerror(rc), dpvs_errmsg(handle));
		/* A new connection next time: dpvs may have restarted. */
		dpvs_close(handle);
		handle = NULL;
		return -1;
	}
	qsort(s->svcs, s->nsvcs, sizeof(*s->svcs), svc_cmp);
	qsort(s->dests, s->ndests, sizeof(*s->dests), dest_cmp);
	return derive(s);
}

const struct snapshot *snapshot_refresh(void)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return cur;   /* keep serving the old one */
	s->ok = read_dpvs(s) == 0;
	if (!s->ok) {
		struct snapshot *empty = calloc(1, sizeof(*empty));

		snap_free(s);
		if (!empty)
			return cur;
		s = empty;
	}
	if (s->ok && !was_ok)
		snmp_log(LOG_NOTICE, "dpvs-snmp: dpvs reachable again (pid %u)\n",
			 s->ver.pid);
	was_ok = s->ok;
	s->gen = next_gen++;
	s->taken_ms = now_ms();
	snap_free(cur);
	cur = s;
	return cur;
}

const struct snapshot *snapshot_get(void)
{
	if (!cur || now_ms() - cur->taken_ms >= params.cache_ms)
		return snapshot_refresh();
	return cur;
}

void snapshot_init(const struct snap_params *p)
{
	params = *p;
}

void snapshot_fini(void)
{
	snap_free(cur);
	cur = NULL;
	if (handle)
		dpvs_close(handle);
	handle = NULL;
}
