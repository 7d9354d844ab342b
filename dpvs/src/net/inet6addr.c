/* Contract stub: no IPv6 addresses until the table lands. */
#include "inet6addr.h"

#include <errno.h>

int inet6addr_init(const struct dpvs_conf *c)
{
	(void)c;
	return 0;
}

void inet6addr_fini(void)
{
}

void inet6addr_set_params(const struct dpvs_conf *c)
{
	(void)c;
}

int inet6addr_add(uint16_t port, const struct in6_addr *a, uint8_t plen, uint32_t flags)
{
	(void)port;
	(void)a;
	(void)plen;
	(void)flags;
	return -EAFNOSUPPORT;
}

int inet6addr_del(uint16_t port, const struct in6_addr *a, uint8_t plen)
{
	(void)port;
	(void)a;
	(void)plen;
	return -EAFNOSUPPORT;
}

void inet6addr_walk(void (*fn)(uint16_t port, const struct in6_addr *a, uint8_t plen,
			       uint32_t flags, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
}

void inet6addr_flush(void)
{
}

int inet6addr_una(uint16_t port, const struct in6_addr *a)
{
	(void)port;
	(void)a;
	return -EAFNOSUPPORT;
}

void inet6addr_ha_announce(void)
{
}

unsigned inet6addr_flush_leased(void)
{
	return 0;
}

bool inet6addr_leased_gone(const struct in6_addr *a)
{
	(void)a;
	return false;
}

bool inet6addr_port_source(uint16_t port, struct in6_addr *out)
{
	(void)port;
	(void)out;
	return false;
}

bool inet6addr_is_local(uint16_t port, const struct in6_addr *a, uint32_t *flags)
{
	(void)port;
	(void)a;
	(void)flags;
	return false;
}

void inet6addr_count(unsigned *n, unsigned *ha, unsigned *leased)
{
	*n = 0;
	*ha = 0;
	*leased = 0;
}
