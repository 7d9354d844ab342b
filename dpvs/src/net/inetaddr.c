/* Interface addresses and their routes. */
#include "inetaddr.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "arp.h"
#include "kni.h"
#include "core/log.h"
#include "route.h"

struct ifa {
	bool used;
	uint16_t port;
	uint8_t plen;
	uint32_t addr;
	uint32_t flags;
};

static struct ifa addrs[INETADDR_MAX];

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
	inetaddr_garp(port, addr);
	return 0;
}

int inetaddr_del(uint16_t port, uint32_t addr, uint8_t plen)
{
	struct ifa *a = find(addr);

	if (!a || a->port != port || (plen && a->plen != plen))
		return -ENOENT;
	route_del(addr, 32, RT_LOCAL);
	connected_put(port, addr, a->plen);
	memset(a, 0, sizeof(*a));
	return 0;
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
}

int inetaddr_garp(uint16_t port, uint32_t addr)
{
	struct rte_mbuf *m = arp_build_request(port, addr, addr);

	if (!m)
		return -ENOBUFS;
	return kni_send(m);
}
