/*
 * A service's FullNAT local addresses: each worker gets its own slice
 * of each address's ports, so workers never share a port allocator.
 */
#include <errno.h>

#include <rte_malloc.h>

#include "core/log.h"
#include "net/netif.h"

#include "ipvs.h"
#include "ipvs_conn.h"
#include "ipvs_svc_priv.h"
#include "net/route.h"
#include "net/route6.h"

static void log_laddr(const struct ipvs_service *s, const struct ipvs_laddr *l,
		      const char *what)
{
	const struct netif_port *p = netif_port(l->port_id);
	char sn[IPVS_NAME_LEN], an[IPVS_NAME_LEN];

	LOG_INFOX("ipvs", "local address %s on %s %s service %s",
		  ipvs_addr_str(l->af, &l->addr, 0, an, sizeof(an)),
		  p ? p->name : "?", what, ipvs_svc_str(s, sn, sizeof(sn)));
}

/*
 * Cached: the choice of a new conn's source needs no route lookup.  An
 * HA address serves new conns only while its lease is held.
 */
static bool laddr_is_ha(uint8_t af, const union inet_addr *addr)
{
	const struct route6_entry *r6;
	const struct route_entry *r;

	if (af == AF_INET6) {
		r6 = route6_find(&addr->in6, 128);
		return r6 && r6->type == RT_LOCAL && (r6->flags & RT_F_HA);
	}
	r = route_find(addr->in4, 32);
	return r && r->type == RT_LOCAL && (r->flags & RT_F_HA);
}

/*
 * A v4 service takes v4 local addresses; a v6 one v6 addresses (FullNAT
 * v6) and v4 ones (NAT64), each used for servers of its family.
 */
static bool laddr_family_ok(const struct ipvs_service *s, uint8_t af)
{
	return af == AF_INET || (af == AF_INET6 && s->af == AF_INET6);
}

int ipvs_laddr_add(struct ipvs_service *s, uint8_t af, const union inet_addr *addr,
		   uint16_t port_id)
{
	struct ipvs_laddr *l, **tail;
	unsigned n = 0;

	af = af ? af : AF_INET;
	if (!laddr_family_ok(s, af))
		return -EAFNOSUPPORT;
	if (af == AF_INET6 && (ipv6_is_multicast(&addr->in6) ||
			       ipv6_is_unspecified(&addr->in6)))
		return -EINVAL;
	for (tail = &s->laddrs; *tail; tail = &(*tail)->next, n++)
		if ((*tail)->af == af && inet_addr_eq(&(*tail)->addr, addr))
			return -EEXIST;
	if (n >= IPVS_MAX_LADDR)
		return -ENOSPC;
	l = rte_zmalloc("ipvs_laddr", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (!l)
		return -ENOMEM;
	l->af = af;
	l->addr = af == AF_INET ? inet_v4(addr->in4) : inet_v6(&addr->in6);
	l->port_id = port_id;
	l->ha = laddr_is_ha(af, addr);
	l->refcnt = 1;
	l->conns = ipvs_pc_alloc(sizeof(uint64_t) * 8); /* a line per worker */
	if (!l->conns || ipvs_port_pools_init(l, ipvs_nworkers()) != 0) {
		rte_free(l->conns);
		rte_free(l);
		return -ENOMEM;
	}
	*tail = l;
	if (ipvs_snap_publish(s) != 0) {
		*tail = NULL;
		ipvs_laddr_put(l);
		return -ENOMEM;
	}
	log_laddr(s, l, "added to");
	return 0;
}

int ipvs_laddr_del(struct ipvs_service *s, uint8_t af, const union inet_addr *addr)
{
	struct ipvs_laddr **pp, *l;

	for (pp = &s->laddrs; *pp; pp = &(*pp)->next)
		if ((*pp)->af == (af ? af : AF_INET) && inet_addr_eq(&(*pp)->addr, addr))
			break;
	if (!*pp)
		return -ENOENT;
	l = *pp;
	*pp = l->next;
	if (ipvs_snap_publish(s) != 0) {
		*pp = l;
		return -ENOMEM;
	}
	log_laddr(s, l, "removed from");
	ipvs_laddr_put(l);
	return 0;
}
