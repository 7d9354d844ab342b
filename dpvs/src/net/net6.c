/* The IPv6 stack's start, stop and reload. */
#include "net6.h"

#include "core/log.h"
#include "core/timer.h"
#include "icmp6.h"
#include "inet6addr.h"
#include "ipv6.h"
#include "ndisc.h"
#include "neigh6.h"
#include "route6.h"

static struct core_timer neigh6_timer, dad_timer;
static bool enabled;

int net6_init(const struct dpvs_conf *c)
{
	enabled = c->ip6_enable;
	ipv6_set_enabled(enabled);
	if (!enabled)
		return 0;
	if (route6_init(c->ip6_max_routes) < 0 || neigh6_init(c) < 0 ||
	    inet6addr_init(c) < 0 || ndisc_init(c) < 0 || icmp6_init(c) < 0) {
		LOG_ERRX("ipv6", "IPv6 stack initialisation failed");
		return -1;
	}
	net6_apply(c);
	return 0;
}

int net6_start_timers(void)
{
	if (!enabled)
		return 0;
	if (core_timer_every(&neigh6_timer, "neigh6-expire", NEIGH_EXPIRE_MS,
			     neigh6_expire, NULL) < 0 ||
	    core_timer_every(&dad_timer, "dad", NDISC_DAD_TICK_MS,
			     ndisc_dad_tick, NULL) < 0)
		return -1;
	return 0;
}

void net6_stop_timers(void)
{
	core_timer_stop(&neigh6_timer);
	core_timer_stop(&dad_timer);
}

void net6_fini(void)
{
	if (!enabled)
		return;
	enabled = false;
	inet6addr_fini();
	ndisc_fini();
	neigh6_fini();
	route6_fini();
}

void net6_apply(const struct dpvs_conf *c)
{
	if (!enabled)
		return;
	ipv6_set_forwarding(c->ip6_forward);
	ndisc_set_params(c);
	icmp6_set_params(c);
	inet6addr_set_params(c);
}

int net6_worker_job(void *arg)
{
	if (!enabled)
		return 0;
	return neigh6_pending_job(arg);
}
