/*
 * A service's real servers: the master's list, from which each change
 * publishes a new snapshot.  A server removed from the list lives on
 * while connections reference it.
 */
#include <errno.h>

#include <rte_malloc.h>

#include "ipvs.h"
#include "ipvs_svc_priv.h"

static struct ipvs_dest **dest_find(struct ipvs_service *s, uint32_t addr,
				    uint16_t port)
{
	struct ipvs_dest **pp;

	for (pp = &s->dests; *pp; pp = &(*pp)->next)
		if ((*pp)->addr == addr && (*pp)->port == port)
			return pp;
	return NULL;
}

static void dest_set(struct ipvs_dest *d, const struct ipvs_dest_conf *c)
{
	d->fwd = c->fwd;
	d->weight = c->weight;
	d->u_thresh = c->u_thresh;
	d->l_thresh = c->l_thresh;
}

int ipvs_dest_add(struct ipvs_service *s, const struct ipvs_dest_conf *c)
{
	struct ipvs_dest *d, **tail;

	if (dest_find(s, c->addr, c->port))
		return -EEXIST;
	d = rte_zmalloc("ipvs_dest", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (!d || !(d->stats = ipvs_pc_alloc(sizeof(*d->stats)))) {
		rte_free(d);
		return -ENOMEM;
	}
	d->addr = c->addr;
	d->port = c->port;
	d->refcnt = 1;
	dest_set(d, c);
	for (tail = &s->dests; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	s->ndests++;
	/* Counted before publishing: the put of a failed publish uncounts it. */
	ipvs_nat_count(d, 1);
	if (ipvs_snap_publish(s) != 0) {
		*tail = NULL;
		s->ndests--;
		ipvs_dest_put(d);
		return -ENOMEM;
	}
	return 0;
}

int ipvs_dest_edit(struct ipvs_service *s, const struct ipvs_dest_conf *c)
{
	struct ipvs_dest **pp = dest_find(s, c->addr, c->port);

	if (!pp)
		return -ENOENT;
	/* Existing conns keep the method they were made with. */
	ipvs_nat_count(*pp, -1);
	dest_set(*pp, c);
	ipvs_nat_count(*pp, 1);
	return ipvs_snap_publish(s);
}

int ipvs_dest_del(struct ipvs_service *s, uint32_t addr, uint16_t port)
{
	struct ipvs_dest **pp = dest_find(s, addr, port), *d;

	if (!pp)
		return -ENOENT;
	d = *pp;
	*pp = d->next;
	s->ndests--;
	/* Workers keep reading the old snapshot, which names d: keep it. */
	if (ipvs_snap_publish(s) != 0) {
		*pp = d;
		s->ndests++;
		return -ENOMEM;
	}
	/* A service's counters never go back: its deleted servers' stay. */
	ipvs_counters_add(&s->gone, &d->total);
	ipvs_dest_put(d);
	return 0;
}
