/*
 * dpvs-exporter: a Prometheus exporter for dpvs.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "exporter.h"

struct opts {
	const char *listen;
	const char *ipc;
	unsigned timeout_ms;
	bool per_service_only;
};

static void usage(FILE *out)
{
	fprintf(out,
"Usage: dpvs-exporter [OPTIONS]\n"
"\n"
"Serves dpvs's counters to Prometheus: GET /metrics answers in the text\n"
"exposition format 0.0.4 with what dpvs reports over its control socket at\n"
"that moment (services, real servers, workers, drops by cause, the\n"
"connection pool, ports, FullNAT local ports, connection sync, the HA\n"
"lease).  The IPVS series use node_exporter's names (node_ipvs_*), the rest\n"
"are dpvs_*.  When dpvs does not answer, /metrics still answers 200 with\n"
"dpvs_up 0; the next scrape connects again.\n"
"\n"
"Options:\n"
"  -l, --listen ADDR:PORT   where to serve HTTP (default %s: every\n"
"                           address, port 9643); ADDR is an IPv4 address,\n"
"                           [an IPv6 one] or a host name\n"
"  -c, --ipc-file PATH      dpvs control socket (default %s)\n"
"  -s, --per-service-only   no per-real-server series (node_ipvs_backend_*,\n"
"                           dpvs_real_server_*): for large tables\n"
"  -t, --timeout MS         give up on dpvs after MS per scrape (default\n"
"                           2000; 10-60000); keep it under Prometheus's\n"
"                           scrape_timeout\n"
"  -h, --help               this help\n"
"  -V, --version            print the version and exit\n"
"\n"
"It stays in the foreground and logs to stderr (the journal under\n"
"systemd).  Exit status: 0 after SIGTERM or SIGINT, 1 if it could not\n"
"start (address in use), 2 on a usage error.  See dpvs-exporter(8) and\n"
"docs/monitoring.md.\n", EXPORTER_DEFAULT_LISTEN, DPVS_DEFAULT_IPC);
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "dpvs-exporter: bad %s '%s' (see --help)\n", what, arg);
	return 2;
}

static bool uint_arg(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || *s == '+' || v < lo ||
	    v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

/* [ADDR]:PORT with PORT 1..65535; the address is checked when bound. */
static bool listen_arg(const char *s)
{
	const char *colon = strrchr(s, ':');
	unsigned port;

	return colon && uint_arg(colon + 1, 1, 65535, &port) &&
	       (colon == s || s[0] != '[' || colon[-1] == ']');
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "ipc-file", required_argument, NULL, 'c' },
		{ "per-service-only", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "l:c:st:hV", longs, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!listen_arg(optarg))
				return bad("listen address", optarg);
			o->listen = optarg;
			break;
		case 'c':
			if (!*optarg || strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				return bad("control socket path", optarg);
			o->ipc = optarg;
			break;
		case 's': o->per_service_only = true; break;
		case 't':
			if (!uint_arg(optarg, 10, 60000, &o->timeout_ms))
				return bad("timeout", optarg);
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("dpvs-exporter %s\n", DPVS_VERSION); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind]);
	return 0;
}

/*
 * The signals are blocked in every thread (libmicrohttpd's inherit the
 * mask) and taken here with sigwait: no handler races the server.
 */
static int serve(const struct opts *o)
{
	struct http_params hp = {
		.listen = o->listen,
		.metrics = { .per_service_only = o->per_service_only },
	};
	struct http_server *h;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	hp.scraper = scraper_new(o->ipc, (int)o->timeout_ms);
	if (!hp.scraper)
		return 1;
	h = http_start(&hp);
	if (!h) {
		scraper_free(hp.scraper);
		return 1;
	}
	fprintf(stderr, "dpvs-exporter %s: serving /metrics on %s for dpvs "
		"at %s\n", DPVS_VERSION, o->listen, o->ipc);
	while (sigwait(&set, &sig) != 0)
		;
	fprintf(stderr, "dpvs-exporter: %s, stopping\n", strsignal(sig));
	http_stop(h);
	scraper_free(hp.scraper);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.listen = EXPORTER_DEFAULT_LISTEN,
		.ipc = DPVS_DEFAULT_IPC,
		.timeout_ms = 2000,
	};
	int rc = parse(argc, argv, &o);

	/* Lines, not blocks, in the journal. */
	setvbuf(stderr, NULL, _IOLBF, 0);
	return rc ? rc : serve(&o);
}
