/*
 * The start-up checks on the daemon's config: the pools' memory asked of
 * their owners (net, ipvs, which core may not include), the findings
 * printed where the operator starting dpvs looks.
 */
#include "daemon_preflight.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/msgbus.h"
#include "core/preflight.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_persist.h"
#include "net/netif.h"
#include "net/route.h"
#include "net/route6.h"

static struct pf_report last;

static void print(const struct pf_report *r, bool to_log)
{
	const char *p = r->buf;

	while (*p) {
		const char *nl = strchr(p, '\n');
		int n = (int)(nl ? nl - p : (long)strlen(p));

		fprintf(stderr, "dpvs: %.*s\n", n, p);
		if (to_log)
			log_msg(!strncmp(p, "error", 5) ? LOG_ERR : LOG_WARNING,
				"preflight", "%.*s", n, p);
		p += n + (nl ? 1 : 0);
	}
}

/* The pools that do not grow with ipvs.conn_pool_size. */
static uint64_t other_need(const struct dpvs_conf *c)
{
	struct msgbus_params mp = {
		.ring_size = c->msg_ring_size,
		.pool_size = c->msg_pool_size,
	};

	return netif_mem_need(c) + route_mem_need(c->max_routes) +
	       (c->ip6_enable ? route6_mem_need(c->ip6_max_routes) : 0) +
	       ipvs_svc_mem_need(c->max_services) +
	       msgbus_mem_need(&mp, c->nworkers + 1);
}

unsigned daemon_preflight(const struct dpvs_conf *c, int argc, char **argv,
			  bool to_log)
{
	struct pf_eal eal;
	struct pf_sys sys;
	struct pf_input in = { .conf = c, .eal = &eal, .sys = &sys, .root = "" };
	char err[256];

	memset(&last, 0, sizeof(last));
	if (pf_eal_parse(&eal, argc - 1, argv + 1, err, sizeof(err)) < 0) {
		pf_error(&last, "%s", err);
		pf_eal_free(&eal);
		print(&last, to_log);
		return last.nerr;
	}
	pf_eal_add_conf_devices(&eal, c);
	pf_sys_read("", &sys);
	in.need.conns = ipvs_conn_mem_need(c) +
			ipvs_persist_mem_need(c->conn_pool_size);
	in.need.other = other_need(c);
	preflight_run(&in, &last);
	pf_eal_free(&eal);
	print(&last, to_log);
	return last.nerr;
}

void daemon_preflight_explain(bool to_log)
{
	if (!last.off) {
		fprintf(stderr, "dpvs: the start-up checks found nothing that "
			"explains it\n");
		return;
	}
	fprintf(stderr, "dpvs: the start-up checks found:\n");
	print(&last, to_log);
}
