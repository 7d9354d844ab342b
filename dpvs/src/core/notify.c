/* systemd's notify protocol: readiness, reloads, stop, watchdog. */
#include "notify.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "timer.h"

static struct core_timer watchdog_timer;

/* A failed send is logged, never fatal: the manager's timeout decides. */
static void send_state(const char *state)
{
	int r = sd_notify(0, state);

	if (r < 0)
		LOG_WARNX("notify", "cannot notify the service manager: %s",
			  strerror(-r));
}

static void send_ready(unsigned nworkers, unsigned nports, const char *extra)
{
	char msg[PATH_MAX + 256];

	snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d\nSTATUS=serving: %u "
		 "worker%s, %u port%s%s", (int)getpid(), nworkers,
		 nworkers == 1 ? "" : "s", nports, nports == 1 ? "" : "s",
		 extra);
	send_state(msg);
}

void notify_ready(unsigned nworkers, unsigned nports)
{
	send_ready(nworkers, nports, "");
}

void notify_reloaded(unsigned nworkers, unsigned nports, const char *rejected)
{
	char extra[PATH_MAX + 64] = "";

	if (rejected)
		snprintf(extra, sizeof(extra), "; last reload rejected: %s has "
			 "errors", rejected);
	send_ready(nworkers, nports, extra);
}

void notify_reloading(void)
{
	char msg[128];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu\n"
		 "STATUS=reloading",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
			 (unsigned long long)ts.tv_nsec / 1000);
	send_state(msg);
}

void notify_stopping(void)
{
	send_state("STOPPING=1\nSTATUS=stopping");
}

static void watchdog_kick(void *arg __attribute__((unused)))
{
	sd_notify(0, "WATCHDOG=1");
}

int notify_watchdog_start(void)
{
	uint64_t usec = 0;
	uint64_t ms;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	/* Half the period, as sd_watchdog_enabled(3) advises. */
	ms = usec / 2000;
	if (ms == 0)
		ms = 1;
	if (ms > UINT32_MAX)
		ms = UINT32_MAX;
	if (core_timer_every(&watchdog_timer, "watchdog", (uint32_t)ms,
			     watchdog_kick, NULL) < 0)
		return -1;
	sd_notify(0, "WATCHDOG=1");
	LOG_INFOX("notify", "watchdog: WATCHDOG=1 every %llu ms",
		  (unsigned long long)ms);
	return 0;
}

void notify_watchdog_stop(void)
{
	core_timer_stop(&watchdog_timer);
}
