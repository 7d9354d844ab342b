/*
 * A service's real servers: the master's list, from which each change
 * publishes a new snapshot.  A server removed from the list lives on
 * while connections reference it.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_malloc.h>

#include "ipvs.h"
#include "ipvs_svc_priv.h"
#include "core/log.h"

/* "real server 10.0.1.11:80 of service TCP 10.0.0.100:80 <what>". */
static void log_dest(const struct ipvs_service *s, uint8_t af,
		     const union inet_addr *addr, uint16_t port, const char *what)
{
	char sn[IPVS_NAME_LEN], dn[IPVS_NAME_LEN];

	LOG_INFOX("ipvs", "real server %s of service %s %s",
		  ipvs_addr_str(af, addr, port, dn, sizeof(dn)),
		  ipvs_svc_str(s, sn, sizeof(sn)), what);
}

/* What an edit changed, "weight 1 -> 3, fwd nat -> dr", into buf. */
static void dest_changes(const struct ipvs_dest *d,
			 const struct ipvs_dest_conf *c, char *buf, size_t len)
{
	size_t off = (size_t)snprintf(buf, len, "edited:");

	if (d->fwd != c->fwd && off < len)
		off += (size_t)snprintf(buf + off, len - off, " fwd %s -> %s,",
					ipvs_fwd_str(d->fwd), ipvs_fwd_str(c->fwd));
	if (d->weight != c->weight && off < len)
		off += (size_t)snprintf(buf + off, len - off, " weight %d -> %d,",
					d->weight, c->weight);
	if ((d->u_thresh != c->u_thresh || d->l_thresh != c->l_thresh) &&
	    off < len)
		off += (size_t)snprintf(buf + off, len - off, " thresholds "
					"%u/%u -> %u/%u,", d->u_thresh,
					d->l_thresh, c->u_thresh, c->l_thresh);
	if (off >= len)
		return;
	if (buf[off - 1] == ',')
		buf[off - 1] = '\0';
	else
		snprintf(buf + off, len - off, " no change");
}

static struct ipvs_dest **dest_find(struct ipvs_service *s, uint8_t af,
				    const union inet_addr *addr, uint16_t port)
{
	struct ipvs_dest **pp;

	for (pp = &s->dests; *pp; pp = &(*pp)->next)
		if ((*pp)->af == af && inet_addr_eq(&(*pp)->addr, addr) &&
		    (*pp)->port == port)
			return pp;
	return NULL;
}

/*
 * A server of the service's family, whatever the method; or NAT64: an
 * IPv4 server of an IPv6 service, by FullNAT, which alone rewrites both
 * addresses (and so can translate the headers) and has v4 local addresses.
 */
static bool dest_family_ok(const struct ipvs_service *s, uint8_t af, uint8_t fwd)
{
	if (af != AF_INET && af != AF_INET6)
		return false;
	return af == s->af ||
	       (s->af == AF_INET6 && af == AF_INET && fwd == IPVS_FWD_FNAT);
}

/* No v6 server on an address that names no single host. */
static bool dest_addr_ok(const struct ipvs_dest_conf *c)
{
	return c->af != AF_INET6 || (!ipv6_is_multicast(&c->addr.in6) &&
				     !ipv6_is_unspecified(&c->addr.in6));
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
	char what[64];

	if (!dest_family_ok(s, c->af, c->fwd))
		return -EAFNOSUPPORT;
	if (!dest_addr_ok(c))
		return -EINVAL;
	if (dest_find(s, c->af, &c->addr, c->port))
		return -EEXIST;
	d = rte_zmalloc("ipvs_dest", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (!d || !(d->stats = ipvs_pc_alloc(sizeof(*d->stats)))) {
		rte_free(d);
		return -ENOMEM;
	}
	d->af = c->af;
	d->addr = c->af == AF_INET ? inet_v4(c->addr.in4) : inet_v6(&c->addr.in6);
	d->vaf = s->af;
	d->vaddr = s->vip;
	d->port = c->port;
	d->refcnt = 1;
	dest_set(d, c);
	for (tail = &s->dests; *tail; tail = &(*tail)->next)
		;
	*tail = d;
	s->ndests++;
	/* Counted before publishing: the put of a failed publish uncounts it. */
	ipvs_nat_count(d, 1);
	if (ipvs_snap_publish_lazy(s) != 0) {
		*tail = NULL;
		s->ndests--;
		ipvs_dest_put(d);
		return -ENOMEM;
	}
	snprintf(what, sizeof(what), "added: %s, weight %d", ipvs_fwd_str(d->fwd),
		 d->weight);
	log_dest(s, d->af, &d->addr, d->port, what);
	return 0;
}

int ipvs_dest_edit(struct ipvs_service *s, const struct ipvs_dest_conf *c)
{
	struct ipvs_dest **pp = dest_find(s, c->af ? c->af : AF_INET, &c->addr, c->port);
	char what[160];
	int rc;

	if (!pp)
		return -ENOENT;
	if (!dest_family_ok(s, (*pp)->af, c->fwd))
		return -EAFNOSUPPORT;
	dest_changes(*pp, c, what, sizeof(what));
	/* Existing conns keep the method they were made with. */
	ipvs_nat_count(*pp, -1);
	dest_set(*pp, c);
	ipvs_nat_count(*pp, 1);
	rc = ipvs_snap_publish_lazy(s);
	if (rc == 0)
		log_dest(s, (*pp)->af, &c->addr, c->port, what);
	return rc;
}

int ipvs_dest_del(struct ipvs_service *s, uint8_t af, const union inet_addr *addr,
		  uint16_t port)
{
	struct ipvs_dest **pp = dest_find(s, af ? af : AF_INET, addr, port), *d;

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
	log_dest(s, af ? af : AF_INET, addr, port, "removed");
	return 0;
}
