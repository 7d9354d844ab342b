/*
 * The HA lease on the master lcore.  One holder (a control connection)
 * at a time; it ends on release, on TTL (checked every
 * HA_LEASE_CHECK_MS by a master timer, and before any renewal) or when
 * the holder's connection closes.  Each end removes the LEASED
 * addresses before silencing the HA ones and telling the sync engine,
 * so no VIP outlives the lease.
 */
#include "ha_lease.h"

#include <errno.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "core/log.h"
#include "core/timer.h"
#include "net/inetaddr.h"

#define HA_LEASE_CHECK_MS 10

static struct {
	bool held;
	uint64_t holder;
	uint32_t pid;
	uint64_t deadline;          /* tsc */
	uint64_t taken, lost, released;
	void (*end_cb)(const char *why);
	struct core_timer timer;
	uint32_t min_ms, max_ms;
} L = { .min_ms = HA_LEASE_MIN_MS, .max_ms = HA_LEASE_MAX_MS };

static uint64_t ms_to_tsc(uint32_t ms)
{
	return rte_get_tsc_hz() / 1000 * ms;
}

static uint32_t ms_left_at(uint64_t now)
{
	if (!L.held || now >= L.deadline)
		return 0;
	return (uint32_t)((L.deadline - now) * 1000 / rte_get_tsc_hz());
}

/* Ends the lease; `lost`: not let go by its holder. */
static void lease_end(const char *why, bool lost)
{
	unsigned vips, ha, leased;

	L.held = false;
	L.holder = 0;
	L.pid = 0;
	if (lost)
		L.lost++;
	else
		L.released++;
	/* The VIPs first: an HA address must never be silent under a VIP. */
	vips = inetaddr_flush_leased();
	inetaddr_ha_set_active(false);
	inetaddr_count(&ha, &leased);
	LOG_NOTICEX("ha", "lease %s%s%s: removed %u VIP%s, %u ha address%s "
		    "inactive", lost ? "lost (" : "released", lost ? why : "",
		    lost ? ")" : "", vips, vips == 1 ? "" : "s", ha,
		    ha == 1 ? "" : "es");
	if (L.end_cb)
		L.end_cb(why);
}

/* A dpvs that stalled past the TTL finds out here first. */
static bool expire_if_due(uint64_t now)
{
	if (!L.held || now < L.deadline)
		return false;
	lease_end("TTL passed", true);
	return true;
}

static void check_timer(void *arg __rte_unused)
{
	expire_if_due(rte_get_tsc_cycles());
}

int ha_lease_init(void)
{
	return core_timer_every(&L.timer, "ha-lease", HA_LEASE_CHECK_MS,
				check_timer, NULL);
}

/* Leaves the addresses as they are (dpvs is going away), silent. */
void ha_lease_fini(void)
{
	core_timer_stop(&L.timer);
	L.held = false;
	L.end_cb = NULL;
	inetaddr_ha_set_active(false); /* stops the announcements' timer */
}

static void lease_take(uint64_t holder, uint32_t pid)
{
	unsigned ha, leased;

	L.held = true;
	L.holder = holder;
	L.pid = pid;
	L.taken++;
	inetaddr_ha_set_active(true);
	inetaddr_count(&ha, &leased);
	LOG_NOTICEX("ha", "lease taken by pid %u: %u ha address%s active",
		    pid, ha, ha == 1 ? "" : "es");
}

void ha_lease_set_bounds(uint32_t min_ms, uint32_t max_ms)
{
	if (min_ms && min_ms <= max_ms) {
		L.min_ms = min_ms;
		L.max_ms = max_ms;
	}
}

int ha_lease_renew(uint64_t holder, uint32_t pid, uint32_t ttl_ms,
		   uint32_t *ms_left)
{
	uint64_t now = rte_get_tsc_cycles();

	expire_if_due(now);
	if (L.held && L.holder != holder)
		return -EBUSY;
	ttl_ms = RTE_MAX(ttl_ms, L.min_ms);
	ttl_ms = RTE_MIN(ttl_ms, L.max_ms);
	if (!L.held)
		lease_take(holder, pid);
	L.deadline = now + ms_to_tsc(ttl_ms);
	*ms_left = ttl_ms;
	return 0;
}

int ha_lease_release(uint64_t holder)
{
	if (expire_if_due(rte_get_tsc_cycles()) || !L.held)
		return 0;
	if (L.holder != holder)
		return -EPERM;
	lease_end("released", false);
	return 0;
}

void ha_lease_on_close(uint64_t holder)
{
	if (L.held && L.holder == holder)
		lease_end("connection closed", true);
}

int ha_lease_announce(uint64_t holder)
{
	expire_if_due(rte_get_tsc_cycles());
	if (!L.held || L.holder != holder)
		return -EPERM;
	inetaddr_ha_announce();
	return 0;
}

bool ha_lease_held(void)
{
	return L.held;
}

void ha_lease_state(struct ha_lease_state *out)
{
	out->held = L.held;
	out->ms_left = ms_left_at(rte_get_tsc_cycles());
	out->holder = L.held ? L.holder : 0;
	out->holder_pid = L.held ? L.pid : 0;
	out->taken = L.taken;
	out->lost = L.lost;
	out->released = L.released;
}

void ha_lease_set_end_cb(void (*cb)(const char *why))
{
	L.end_cb = cb;
}
