/*
 * STUB_p1: TEMPORARY stand-ins for the sync engine (P3: ha/sync.c) and
 * the lease and HA addresses (P4: ha/ha_lease.c, net/inetaddr.c), so that
 * the control surface (P1) links and its tools can be tried.  The lead
 * deletes this file at merge time; nothing here is the real behaviour.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "ha/ha_lease.h"
#include "ha/sync.h"
#include "net/inetaddr.h"

static struct ha_sync_conf stub_conf;
static unsigned stub_roles;

int ha_sync_start(const struct ha_sync_conf *c, char *msg, size_t msglen)
{
	if (msglen)
		msg[0] = '\0';
	stub_conf = *c;
	stub_roles |= c->roles;
	return 0;
}

void ha_sync_stop(unsigned roles)
{
	stub_roles &= ~roles;
}

void ha_sync_state(struct ha_sync_state *out)
{
	memset(out, 0, sizeof(*out));
	out->roles = stub_roles;
	out->conf = stub_conf;
	memset(out->conf.key.key, 0, sizeof(out->conf.key.key));
	if (stub_roles)
		sync_key_fingerprint(&stub_conf.key, out->key_fp);
	out->bulk = stub_roles & HA_SYNC_BACKUP ? HA_BULK_REQUESTING :
		    HA_BULK_NONE;
	out->last_rx_ms = UINT64_MAX;
}

void ha_sync_reset(void)
{
}

int ha_sync_bulk(void)
{
	return stub_roles & HA_SYNC_BACKUP ? 0 : -ENOENT;
}

static struct {
	bool held;
	uint64_t holder, until_ms;
	uint32_t pid;
	uint64_t taken, lost, released;
} lease;

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void expire(void)
{
	if (lease.held && mono_ms() >= lease.until_ms) {
		lease.held = false;
		lease.lost++;
	}
}

int ha_lease_renew(uint64_t holder, uint32_t pid, uint32_t ttl_ms,
		   uint32_t *ms_left)
{
	expire();
	if (lease.held && lease.holder != holder)
		return -EBUSY;
	if (ttl_ms < HA_LEASE_MIN_MS)
		ttl_ms = HA_LEASE_MIN_MS;
	if (ttl_ms > HA_LEASE_MAX_MS)
		ttl_ms = HA_LEASE_MAX_MS;
	lease.taken += !lease.held;
	lease.held = true;
	lease.holder = holder;
	lease.pid = pid;
	lease.until_ms = mono_ms() + ttl_ms;
	*ms_left = ttl_ms;
	return 0;
}

int ha_lease_release(uint64_t holder)
{
	expire();
	if (!lease.held)
		return 0;
	if (lease.holder != holder)
		return -EPERM;
	lease.held = false;
	lease.released++;
	return 0;
}

void ha_lease_on_close(uint64_t holder)
{
	if (lease.held && lease.holder == holder) {
		lease.held = false;
		lease.lost++;
	}
}

void ha_lease_state(struct ha_lease_state *out)
{
	expire();
	memset(out, 0, sizeof(*out));
	out->held = lease.held;
	out->ms_left = lease.held ? (uint32_t)(lease.until_ms - mono_ms()) : 0;
	out->holder = lease.holder;
	out->holder_pid = lease.pid;
	out->taken = lease.taken;
	out->lost = lease.lost;
	out->released = lease.released;
}

bool inetaddr_ha_active(void)
{
	expire();
	return lease.held;
}

void inetaddr_ha_set_active(bool on)
{
	(void)on;
}

unsigned inetaddr_flush_leased(void)
{
	return 0;
}
