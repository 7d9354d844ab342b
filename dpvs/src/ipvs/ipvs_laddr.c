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

static void log_laddr(const struct ipvs_service *s, const struct ipvs_laddr *l,
		      const char *what)
{
	const struct netif_port *p = netif_port(l->port_id);
	char sn[IPVS_NAME_LEN], an[IPVS_NAME_LEN];

	LOG_INFOX("ipvs", "local address %s on %s %s service %s",
		  ipvs_addr_str(l->addr.in4, 0, an, sizeof(an)),
		  p ? p->name : "?", what, ipvs_svc_str(s, sn, sizeof(sn)));
}

int ipvs_laddr_add(struct ipvs_service *s, uint8_t af, const union inet_addr *addr,
		   uint16_t port_id)
{
	const struct route_entry *r;
	struct ipvs_laddr *l, **tail;
	unsigned n = 0;

	if (af && af != AF_INET)
		return -EAFNOSUPPORT;
	r = route_find(addr->in4, 32);
	for (tail = &s->laddrs; *tail; tail = &(*tail)->next, n++)
		if (inet_addr_eq(&(*tail)->addr, addr))
			return -EEXIST;
	if (n >= IPVS_MAX_LADDR)
		return -ENOSPC;
	l = rte_zmalloc("ipvs_laddr", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (!l)
		return -ENOMEM;
	l->af = AF_INET;
	l->addr = *addr;
	l->port_id = port_id;
	/* Cached: the choice of a new conn's source needs no route lookup. */
	l->ha = r && r->type == RT_LOCAL && (r->flags & RT_F_HA);
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
