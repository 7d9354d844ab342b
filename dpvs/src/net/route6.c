/* Contract stub: no IPv6 routes until the table lands. */
#include "route6.h"

#include <errno.h>
#include <stddef.h>

int route6_init(uint32_t max_routes)
{
	(void)max_routes;
	return 0;
}

uint64_t route6_mem_need(uint32_t max_routes)
{
	(void)max_routes;
	return 0;
}

void route6_fini(void)
{
}

const struct route6_entry *route6_lookup(const struct in6_addr *dst)
{
	(void)dst;
	return NULL;
}

int route6_add(const struct route6_entry *r)
{
	(void)r;
	return -EAFNOSUPPORT;
}

int route6_del(const struct in6_addr *prefix, uint8_t plen, uint8_t type)
{
	(void)prefix;
	(void)plen;
	(void)type;
	return -EAFNOSUPPORT;
}

int route6_del_user(const struct in6_addr *prefix, uint8_t plen)
{
	(void)prefix;
	(void)plen;
	return -EAFNOSUPPORT;
}

struct route6_entry *route6_find(const struct in6_addr *prefix, uint8_t plen)
{
	(void)prefix;
	(void)plen;
	return NULL;
}

void route6_walk(void (*fn)(const struct route6_entry *r, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
}

void route6_usage(uint32_t *used, uint32_t *size, uint32_t *plens)
{
	*used = 0;
	*size = 0;
	*plens = 0;
}

bool route6_source(const struct route6_entry *r, const struct in6_addr *dst,
		   struct in6_addr *src)
{
	(void)r;
	(void)dst;
	(void)src;
	return false;
}
