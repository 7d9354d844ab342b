/*
 * One read of dpvs per scrape, within the time the operator allows
 * (--timeout): the services and real servers from one multicast gather
 * (their counters add up), the workers' counters from another, then
 * ports, local addresses, resources and the HA state.  The connection
 * is kept between scrapes; libdpvs reconnects after a broken call, and
 * a failed connect is tried again at the next scrape, so a dpvs that
 * comes back is seen at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter.h"

struct scraper {
	char *ipc;
	int timeout_ms;
	struct dpvs_handle *h;
	bool quiet;                 /* the failure was logged already */
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct scraper *scraper_new(const char *ipc, int timeout_ms)
{
	struct scraper *sc = calloc(1, sizeof(*sc));

	if (!sc || !(sc->ipc = strdup(ipc))) {
		free(sc);
		return NULL;
	}
	sc->timeout_ms = timeout_ms;
	return sc;
}

void scraper_free(struct scraper *sc)
{
	if (!sc)
		return;
	if (sc->h)
		dpvs_close(sc->h);
	free(sc->ipc);
	free(sc);
}

void scrape_release(struct scrape *s)
{
	free(s->ws);
	free(s->links);
	free(s->svcs);
	free(s->dests);
	free(s->laddrs);
	free(s->res);
	memset(s, 0, sizeof(*s));
}

/* Each call gets what is left of the scrape's budget. */
static int budget(struct scraper *sc, uint64_t deadline)
{
	uint64_t now = mono_ms();

	if (now >= deadline)
		return DPVS_ETIMEDOUT;
	dpvs_set_timeout(sc->h, (int)(deadline - now));
	return DPVS_OK;
}

/* Sync and lease are optional in a dpvs: ENOTSUP is no failure. */
static int read_ha(struct scraper *sc, struct scrape *s, uint64_t dl)
{
	int rc = budget(sc, dl) ? : dpvs_sync_state(sc->h, &s->sync);

	s->have_sync = rc == DPVS_OK;
	if (rc != DPVS_OK && rc != DPVS_ENOTSUP)
		return rc;
	rc = budget(sc, dl) ? : dpvs_ha_state(sc->h, &s->ha);
	s->have_ha = rc == DPVS_OK;
	return rc == DPVS_ENOTSUP ? DPVS_OK : rc;
}

static int read_all(struct scraper *sc, struct scrape *s, uint64_t dl)
{
	int rc = budget(sc, dl) ? : dpvs_get_version(sc->h, &s->ver);

	if (!rc)
		rc = budget(sc, dl) ? : dpvs_svc_dest_list(sc->h, &s->svcs,
				&s->nsvcs, &s->dests, &s->ndests);
	if (!rc)
		rc = budget(sc, dl) ? : dpvs_get_worker_stats(sc->h, &s->ws);
	if (!rc)
		rc = budget(sc, dl) ? : dpvs_link_list(sc->h, &s->links,
						       &s->nlinks);
	if (!rc)
		rc = budget(sc, dl) ? : dpvs_laddr_list(sc->h, NULL, &s->laddrs,
							&s->nladdrs);
	if (!rc)
		rc = budget(sc, dl) ? : dpvs_get_resources(sc->h, &s->res,
							   &s->nres);
	return rc ? rc : read_ha(sc, s, dl);
}

static int svc_order(const void *a, const void *b)
{
	struct lb_key x = lb_key_svc(a), y = lb_key_svc(b);

	return lb_key_cmp(&x, &y);
}

static int dest_order(const void *a, const void *b)
{
	struct lb_key x = lb_key_dest_svc(a), y = lb_key_dest_svc(b);
	int c = lb_key_cmp(&x, &y);

	if (c)
		return c;
	x = lb_key_dest(a);
	y = lb_key_dest(b);
	return lb_key_cmp(&x, &y);
}

static void log_failure(struct scraper *sc, const char *what)
{
	if (!sc->quiet)
		fprintf(stderr, "dpvs-exporter: dpvs at %s: %s; dpvs_up 0 "
			"until it answers\n", sc->ipc, what);
	sc->quiet = true;
}

void scrape_take(struct scraper *sc, struct scrape *s)
{
	uint64_t deadline = mono_ms() + (uint64_t)sc->timeout_ms;
	int rc;

	memset(s, 0, sizeof(*s));
	if (!sc->h && dpvs_connect(sc->ipc, &sc->h) != DPVS_OK) {
		sc->h = NULL;
		log_failure(sc, strerror(errno));
		return;
	}
	rc = read_all(sc, s, deadline);
	if (rc) {
		char why[300];

		snprintf(why, sizeof(why), "%s (%s)", dpvs_strerror(rc),
			 dpvs_errmsg(sc->h));
		log_failure(sc, why);
		/* A fresh connection next time: dpvs may have restarted. */
		dpvs_close(sc->h);
		sc->h = NULL;
		scrape_release(s);
		return;
	}
	if (sc->quiet)
		fprintf(stderr, "dpvs-exporter: dpvs at %s answers again "
			"(pid %u)\n", sc->ipc, s->ver.pid);
	sc->quiet = false;
	s->up = true;
	/* Series in a stable order, and a service's servers together. */
	qsort(s->svcs, s->nsvcs, sizeof(*s->svcs), svc_order);
	qsort(s->dests, s->ndests, sizeof(*s->dests), dest_order);
}
