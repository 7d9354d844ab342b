/* Interface addresses and their routes. */
#include "inetaddr.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_common.h>

#include "arp.h"
#include "inet6addr.h"
#include "kni.h"
#include "core/log.h"
#include "core/timer.h"
#include "route.h"

struct ifa {
	bool used;
	uint16_t port;
	uint8_t plen;
	uint32_t addr;
	uint32_t flags;
};

static struct ifa addrs[INETADDR_MAX];

/*
 * Every address ever added LEASED, until a non-lease delete or a flush
 * forgets it: the kernel path may not speak ARP for them (kni.c), even
 * after the lease ended and a hung keepalived left them on the TAP.
 * Full, the oldest one no longer configured makes room: as many slots
 * as addresses, so there is always one.
 */
static struct {
	uint32_t addr[INETADDR_LEASED_SEEN_MAX];
	uint64_t stamp[INETADDR_LEASED_SEEN_MAX];  /* when remembered */
	unsigned n;
	uint64_t clock;
} seen;

/*
 * Whether HA addresses are live: written by the master, read by the
 * workers with a relaxed load (a packet racing a change may see either
 * value, as it would a moment earlier or later).
 */
static bool ha_active;

/* The announcements after taking the lease: backends must follow soon. */
static struct {
	struct core_timer timer;
	uint32_t count, interval_ms;
	uint32_t left;              /* rounds still to send */
	bool running;
} garp = { .count = INETADDR_HA_GARP_COUNT,
	   .interval_ms = INETADDR_HA_GARP_INTERVAL_MS };

static struct ifa *find(uint32_t addr)
{
	for (unsigned i = 0; i < INETADDR_MAX; i++)
		if (addrs[i].used && addrs[i].addr == addr)
			return &addrs[i];
	return NULL;
}

static struct ifa *alloc_ifa(void)
{
	for (unsigned i = 0; i < INETADDR_MAX; i++)
		if (!addrs[i].used)
			return &addrs[i];
	return NULL;
}

static int seen_find(uint32_t addr)
{
	for (unsigned i = 0; i < seen.n; i++)
		if (seen.addr[i] == addr)
			return (int)i;
	return -1;
}

static void seen_forget(uint32_t addr)
{
	int i = seen_find(addr);

	if (i < 0)
		return;
	seen.n--;
	seen.addr[i] = seen.addr[seen.n];
	seen.stamp[i] = seen.stamp[seen.n];
}

/* The slot of the oldest address no longer configured. */
static unsigned seen_victim(void)
{
	unsigned v = 0;
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < seen.n; i++)
		if (seen.stamp[i] < best && !find(seen.addr[i])) {
			best = seen.stamp[i];
			v = i;
		}
	return v;
}

static void seen_remember(uint32_t addr)
{
	int i = seen_find(addr);

	if (i < 0 && seen.n < INETADDR_LEASED_SEEN_MAX)
		i = (int)seen.n++;
	else if (i < 0)
		i = (int)seen_victim();
	seen.addr[i] = addr;
	seen.stamp[i] = ++seen.clock;
}

bool inetaddr_was_leased(uint32_t addr)
{
	return seen_find(addr) >= 0;
}

bool inetaddr_leased_gone(uint32_t addr)
{
	return seen_find(addr) >= 0 && !find(addr);
}

unsigned inetaddr_leased_seen(void)
{
	return seen.n;
}

static int connected_get(uint16_t port, uint32_t addr, uint8_t plen)
{
	struct route_entry *r = route_find(addr, plen);
	struct route_entry n = { .prefix = addr, .plen = plen,
				 .type = RT_CONNECTED, .port = port,
				 .src = addr, .refs = 1, .by_addr = true };

	if (plen == 32)
		return 0;
	if (r) {
		/* Shared with another address of the subnet, or a user route. */
		if (r->type == RT_CONNECTED && r->port == port && r->by_addr)
			r->refs++;
		return 0;
	}
	return route_add(&n);
}

static void connected_put(uint16_t port, uint32_t addr, uint8_t plen)
{
	struct route_entry *r = route_find(addr, plen);

	if (plen == 32 || !r || !r->by_addr || r->type != RT_CONNECTED ||
	    r->port != port)
		return;
	if (--r->refs == 0)
		route_del(addr, plen, RT_CONNECTED);
}

int inetaddr_add(uint16_t port, uint32_t addr, uint8_t plen, uint32_t flags)
{
	struct route_entry local = { .prefix = addr, .plen = 32,
				     .type = RT_LOCAL, .port = port,
				     .src = addr, .flags = flags,
				     .by_addr = true };
	struct ifa *a;
	int rc;

	if (plen == 0 || plen > 32 || addr == 0)
		return -EINVAL;
	/*
	 * A subnet's connected route takes its first address as the source
	 * of ARP requests: an HA one would announce itself while inactive.
	 */
	if ((flags & IFA_F_HA) && plen != 32)
		return -EINVAL;
	if (find(addr))
		return -EEXIST;
	a = alloc_ifa();
	if (!a)
		return -ENOSPC;
	rc = route_add(&local);
	if (rc < 0)
		return rc;
	rc = connected_get(port, addr, plen);
	if (rc < 0) {
		route_del(addr, 32, RT_LOCAL);
		return rc;
	}
	*a = (struct ifa){ true, port, plen, addr, flags };
	if (flags & IFA_F_LEASED)
		seen_remember(addr);
	inetaddr_garp(port, addr); /* refused for an inactive HA address */
	return 0;
}

/* Removes the address; the lease's end keeps it remembered. */
static int ifa_remove(uint16_t port, uint32_t addr, uint8_t plen)
{
	struct ifa *a = find(addr);

	if (!a || a->port != port || (plen && a->plen != plen))
		return -ENOENT;
	route_del(addr, 32, RT_LOCAL);
	connected_put(port, addr, a->plen);
	memset(a, 0, sizeof(*a));
	return 0;
}

int inetaddr_del(uint16_t port, uint32_t addr, uint8_t plen)
{
	int rc = ifa_remove(port, addr, plen);

	if (rc == 0)
		seen_forget(addr);
	return rc;
}

void inetaddr_walk(void (*fn)(uint16_t port, uint32_t addr, uint8_t plen,
			      uint32_t flags, void *arg), void *arg)
{
	for (unsigned i = 0; i < INETADDR_MAX; i++)
		if (addrs[i].used)
			fn(addrs[i].port, addrs[i].addr, addrs[i].plen,
			   addrs[i].flags, arg);
}

void inetaddr_flush(void)
{
	memset(addrs, 0, sizeof(addrs));
	memset(&seen, 0, sizeof(seen));
}

int inetaddr_garp(uint16_t port, uint32_t addr)
{
	const struct ifa *a = find(addr);
	struct rte_mbuf *m;

	/* The peer owns it now: announcing it would steal its traffic. */
	if (a && (a->flags & IFA_F_HA) && !inetaddr_ha_active())
		return -EADDRNOTAVAIL;
	m = arp_build_request(port, addr, addr);
	if (!m)
		return -ENOBUFS;
	return kni_send(m);
}

/* ---- HA addresses (docs/ha.md) ---- */

bool inetaddr_ha_active(void)
{
	return __atomic_load_n(&ha_active, __ATOMIC_RELAXED);
}

static void garp_ha_all(void)
{
	for (unsigned i = 0; i < INETADDR_MAX; i++)
		if (addrs[i].used && (addrs[i].flags & IFA_F_HA))
			inetaddr_garp(addrs[i].port, addrs[i].addr);
	/* IPv6 ha addresses: unsolicited NAs in the same rounds. */
	inet6addr_ha_announce();
}

static void garp_stop(void)
{
	if (garp.running)
		core_timer_stop(&garp.timer);
	garp.running = false;
	garp.left = 0;
}

static void garp_round(void *arg __rte_unused)
{
	garp_ha_all();
	if (garp.left <= 1)
		garp_stop();
	else
		garp.left--;
}

/* One round now, count - 1 more on the timer. */
static void garp_start(void)
{
	garp_ha_all();
	if (garp.count <= 1)
		return;
	/* A timer, not a sleep: the master keeps serving meanwhile. */
	garp.left = garp.count - 1;
	garp.running = core_timer_every(&garp.timer, "ha-garp",
					garp.interval_ms, garp_round,
					NULL) == 0;
}

void inetaddr_ha_set_active(bool on)
{
	bool was = inetaddr_ha_active();

	__atomic_store_n(&ha_active, on, __ATOMIC_RELAXED);
	if (!on) {
		garp_stop();
		return;
	}
	if (!was) /* else announced when it became active */
		garp_start();
}

/*
 * While a series runs, it gets its full count again at the timer's pace:
 * however often a caller asks, no more than one round an interval.
 */
void inetaddr_ha_announce(void)
{
	if (!inetaddr_ha_active())
		return;
	if (garp.running)
		garp.left = garp.count;
	else
		garp_start();
}

void inetaddr_ha_set_garp(uint32_t count, uint32_t interval_ms)
{
	if (count >= 1)
		garp.count = count;
	if (interval_ms >= 1)
		garp.interval_ms = interval_ms;
}

unsigned inetaddr_flush_leased(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < INETADDR_MAX; i++)
		if (addrs[i].used && (addrs[i].flags & IFA_F_LEASED) &&
		    ifa_remove(addrs[i].port, addrs[i].addr, 0) == 0)
			n++;
	/* The lease's end takes the IPv6 VIPs too. */
	return n + inet6addr_flush_leased();
}

void inetaddr_count(unsigned *ha, unsigned *leased)
{
	*ha = *leased = 0;
	for (unsigned i = 0; i < INETADDR_MAX; i++) {
		if (!addrs[i].used)
			continue;
		*ha += !!(addrs[i].flags & IFA_F_HA);
		*leased += !!(addrs[i].flags & IFA_F_LEASED);
	}
}
