/*
 * dpvs-exporter: serves dpvs's counters to Prometheus.
 *
 * scrape.c reads dpvs through libdpvs into one scrape (the same calls
 * and gathers as dpvs-snmp's snapshot); expo.c writes the text
 * exposition format; metrics_lb.c and metrics_dp.c say which series a
 * scrape becomes (metrics_ha.c: sync and the lease); http.c serves them with libmicrohttpd.
 */
#ifndef DPVS_EXPORTER_H
#define DPVS_EXPORTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libdpvs.h"

#define EXPORTER_DEFAULT_LISTEN ":9643"

/* ---- expo.c: text exposition format 0.0.4 ---- */

struct expo {
	char *buf;
	size_t len, cap;
	bool oom;                   /* an append failed: the text is unusable */
	const char *family;         /* name of the samples being written */
};

struct expo_label {
	const char *name;
	const char *value;          /* escaped on output */
};

enum expo_type { EXPO_COUNTER, EXPO_GAUGE };

void expo_init(struct expo *e);
void expo_free(struct expo *e);
/* HELP and TYPE lines; the samples that follow are of this family. */
void expo_family(struct expo *e, const char *name, enum expo_type type,
		 const char *help);
void expo_u64(struct expo *e, const struct expo_label *l, size_t nl,
	      uint64_t v);
void expo_f64(struct expo *e, const struct expo_label *l, size_t nl,
	      double v);
/* A whole family of one unlabelled sample. */
void expo_one(struct expo *e, const char *name, enum expo_type type,
	      const char *help, uint64_t v);

/* ---- scrape.c: one read of dpvs ---- */

struct scrape {
	bool up;                    /* dpvs answered every call */
	struct dpvs_version_info ver;
	struct dpvs_worker_stats_set *ws;
	struct dpvs_link_info *links;
	size_t nlinks;
	struct dpvs_service *svcs;
	size_t nsvcs;
	struct dpvs_dest *dests;
	size_t ndests;
	struct dpvs_laddr *laddrs;
	size_t nladdrs;
	struct dpvs_resource *res;
	size_t nres;
	bool have_sync, have_ha;    /* false: this dpvs has no such ops */
	struct dpvs_sync_state sync;
	struct dpvs_ha_state ha;
};

struct scraper;

struct scraper *scraper_new(const char *ipc, int timeout_ms);
void scraper_free(struct scraper *sc);
/* Fills *s (zeroed first); s->up false when dpvs did not answer. */
void scrape_take(struct scraper *sc, struct scrape *s);
void scrape_release(struct scrape *s);
/* ---- lb_key.c: the order of services and real servers ---- */

/*
 * A service's key (or a real server's: proto 0), ordered as the scrape's
 * svcs and dests are sorted (a service's real servers follow each other
 * in dests).
 */
struct lb_key {
	uint8_t proto;
	uint8_t af;                 /* AF_INET or AF_INET6, never 0 */
	uint32_t v4;                /* network order */
	struct in6_addr v6;
	uint16_t port;
};

struct lb_key lb_key_svc(const struct dpvs_service *v);
struct lb_key lb_key_dest_svc(const struct dpvs_dest *d);
struct lb_key lb_key_dest(const struct dpvs_dest *d);
int lb_key_cmp(const struct lb_key *a, const struct lb_key *b)
	__attribute__((pure));
/* The address as a label value: dotted quad, or RFC 5952 IPv6 text
 * without brackets (as node_exporter's IPVS collector writes it). */
const char *lb_addr_str(uint8_t af, uint32_t v4, const struct in6_addr *v6,
			char *buf, size_t len);

/* ---- metrics_lb.c, metrics_dp.c: a scrape as series ---- */

struct metrics_opts {
	bool per_service_only;      /* no per-real-server series */
};

void metrics_lb(struct expo *e, const struct scrape *s,
		const struct metrics_opts *o);
void metrics_dp(struct expo *e, const struct scrape *s);
void metrics_ha(struct expo *e, const struct scrape *s);
/* Everything, with dpvs_up and the scrape's own duration. */
void metrics_write(struct expo *e, const struct scrape *s,
		   const struct metrics_opts *o, double seconds);

/* ---- http.c ---- */

struct http_params {
	const char *listen;         /* [ADDR]:PORT */
	struct scraper *scraper;
	struct metrics_opts metrics;
};

struct http_server;

/* NULL with the reason on stderr (bad address, port in use). */
struct http_server *http_start(const struct http_params *p);
void http_stop(struct http_server *h);

#endif
