/*
 * The HA lease: which LB of the pair owns the VIPs now.  keepalived's
 * VRRP process takes it when an instance becomes MASTER and renews it
 * with every advert; it ends when the holder releases it, when its TTL
 * passes (a hung keepalived) or when the holder's control connection
 * closes (a dead one).  Then dpvs removes the addresses the holder added
 * (LEASED), stops answering for the shared HA local addresses and stops
 * sending sync, so a dpvs whose keepalived is gone never keeps the VIPs
 * the peer is taking over.  Master lcore only.
 */
#ifndef DPVS_HA_LEASE_H
#define DPVS_HA_LEASE_H

#include <stdbool.h>
#include <stdint.h>

/* The defaults of ha.lease_min_ms and ha.lease_max_ms. */
#define HA_LEASE_MIN_MS 50
#define HA_LEASE_MAX_MS 60000

struct ha_lease_state {
	bool held;
	uint32_t ms_left;
	uint64_t holder;           /* control connection id */
	uint32_t holder_pid;
	uint64_t taken, lost, released;
};

/*
 * Registers the expiry timer (the master's timers, every 10 ms).  The
 * close hook is the control handler's to register (ha_ctl.c calls
 * ctrl_set_close_hook(ha_lease_on_close)): ha/ may not include ctrl/.
 */
int ha_lease_init(void);
/* Stops the timers; the addresses stay as they are (dpvs is stopping). */
void ha_lease_fini(void);
/* The TTL bounds (ha.lease_min_ms, lease_max_ms; min <= max). */
void ha_lease_set_bounds(uint32_t min_ms, uint32_t max_ms);
/*
 * Takes or renews (ttl_ms clamped to the bounds, by default
 * HA_LEASE_MIN_MS..MAX_MS).  0 and
 * *ms_left, or -EBUSY while another connection holds it.
 */
int ha_lease_renew(uint64_t holder, uint32_t pid, uint32_t ttl_ms,
		   uint32_t *ms_left);
/* 0, or -EPERM if holder does not hold it (not an error when none does). */
int ha_lease_release(uint64_t holder);
/* The control connection holder closed (ctrl_set_close_hook). */
void ha_lease_on_close(uint64_t holder);
/*
 * The holder announces the HA addresses again (inetaddr_ha_announce):
 * 0, or -EPERM unless holder holds the lease.
 */
int ha_lease_announce(uint64_t holder);
bool ha_lease_held(void);
void ha_lease_state(struct ha_lease_state *out);
/*
 * Called once per end, after the LEASED addresses went and the HA ones
 * went silent, with "released", "TTL passed" or "connection closed"
 * (the sync engine drops MASTER).
 */
void ha_lease_set_end_cb(void (*cb)(const char *why));

#endif
