/*
 * The HTTP side, libmicrohttpd with one internal polling thread: every
 * request is answered on it in turn, so scrapes are serialized and
 * share the one connection to dpvs.  A scrape takes at most --timeout
 * of dpvs's time; the connection limit and idle timeout bound what
 * clients can hold.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "exporter.h"

/* Each connection being answered holds its own scrape's text. */
#define HTTP_MAX_CLIENTS 16
#define HTTP_IDLE_S 30

struct http_server {
	struct MHD_Daemon *d;
	struct http_params p;
};

static const char INDEX_HTML[] =
"<html><head><title>dpvs-exporter</title></head><body>\n"
"<h1>dpvs-exporter " DPVS_VERSION "</h1>\n"
"<p><a href=\"/metrics\">Metrics</a></p>\n"
"</body></html>\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result metrics(struct http_server *h, struct MHD_Connection *c)
{
	double t0 = now_s();
	struct scrape s;
	struct expo e;

	scrape_take(h->p.scraper, &s);
	expo_init(&e);
	metrics_write(&e, &s, &h->p.metrics, now_s() - t0);
	scrape_release(&s);
	if (e.oom) {
		expo_free(&e);
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
			     "out of memory\n", 14, MHD_RESPMEM_PERSISTENT);
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
		     e.buf, e.len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version __attribute__((unused)),
				  const char *upload __attribute__((unused)),
				  size_t *upload_len __attribute__((unused)),
				  void **state __attribute__((unused)))
{
	static const char nf[] = "404 not found: try /metrics\n";
	static const char na[] = "405 only GET and HEAD\n";

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     (void *)na, sizeof(na) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics") == 0)
		return metrics(cls, c);
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8",
			     (void *)INDEX_HTML, sizeof(INDEX_HTML) - 1,
			     MHD_RESPMEM_PERSISTENT);
	return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", (void *)nf,
		     sizeof(nf) - 1, MHD_RESPMEM_PERSISTENT);
}

/*
 * [ADDR]:PORT: "" (every address, IPv6 and IPv4), a name, an IPv4
 * address or an IPv6 one in brackets.  Returns the getaddrinfo list.
 */
static struct addrinfo *resolve(const char *listen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	const char *colon = strrchr(listen, ':');
	struct addrinfo *ai = NULL;
	char host[256];
	size_t hl;
	int rc;

	if (!colon || !colon[1] || (hl = (size_t)(colon - listen)) >= sizeof(host)) {
		fprintf(stderr, "dpvs-exporter: listen address %s: no such "
			"address\n", listen);
		return NULL;
	}
	memcpy(host, listen, hl);
	host[hl] = '\0';
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
	if (rc) {
		fprintf(stderr, "dpvs-exporter: listen address %s: %s\n",
			listen, gai_strerror(rc));
		return NULL;
	}
	return ai;
}

static struct MHD_Daemon *start_on(struct http_server *h,
				   const struct addrinfo *a, bool any)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_USE_ERROR_LOG;

	if (a->ai_family == AF_INET6)
		flags |= any ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
				MHD_OPTION_SOCK_ADDR, a->ai_addr,
				MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)HTTP_MAX_CLIENTS,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)HTTP_IDLE_S,
				MHD_OPTION_END);
}

struct http_server *http_start(const struct http_params *p)
{
	struct http_server *h = calloc(1, sizeof(*h));
	struct addrinfo *ai = resolve(p->listen);
	bool any = p->listen[0] == ':';

	if (!h || !ai) {
		free(h);
		if (ai)
			freeaddrinfo(ai);
		return NULL;
	}
	h->p = *p;
	/* Any address: [::] dual stack first, 0.0.0.0 on a host without IPv6. */
	for (int pass = any ? 0 : 1; pass < 2 && !h->d; pass++)
		for (const struct addrinfo *a = ai; a && !h->d; a = a->ai_next)
			if (pass || a->ai_family == AF_INET6)
				h->d = start_on(h, a, any);
	freeaddrinfo(ai);
	if (!h->d) {
		fprintf(stderr, "dpvs-exporter: cannot listen on %s: %s\n",
			p->listen, strerror(errno));
		free(h);
		return NULL;
	}
	return h;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
