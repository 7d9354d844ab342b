/*
 * The IPv6 half of the network stack's operations: netif_ctl.c decodes
 * a record and hands it here when its family is AF_INET6.  Everything
 * goes through the v6 stack's own API (inet6addr.h, route6.h, neigh6.h).
 */
#include "netif6_ctl.h"

#include <errno.h>
#include <string.h>

#include "core/log.h"
#include "net/inet6addr.h"
#include "net/neigh6.h"
#include "net/route6.h"

/* The stack answers EAFNOSUPPORT while it has no IPv6 tables. */
static int v6_errno(struct ctrl_reply *rep, int rc, const char *what)
{
	if (rc == -EAFNOSUPPORT)
		return ctrl_error(rep, DPVS_ENOTSUP, "%s: IPv6 is not "
				  "supported by this dpvs yet", what);
	return ctrl_errno(rep, rc, what);
}

static const char *str6(const struct in6_addr *a, char buf[INET6_ADDRSTRLEN])
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

/*
 * An address dpvs may own: not ::, multicast or loopback; link-local
 * ones are the kernel twin's (it has the port's MAC, hence its EUI-64).
 */
static bool unicast_ok(struct ctrl_reply *rep, const struct netif_port *p,
		       const struct in6_addr *a, const char *what)
{
	char s[INET6_ADDRSTRLEN];

	if (ipv6_is_linklocal(a)) {
		ctrl_error(rep, DPVS_EINVAL, "%s: link-local addresses belong "
			   "to the kernel twin (add it on %s)", str6(a, s),
			   p->kni_name[0] ? p->kni_name : "its kni device");
		return false;
	}
	if (ipv6_is_unspecified(a) || ipv6_is_multicast(a) ||
	    IN6_IS_ADDR_LOOPBACK(a)) {
		ctrl_error(rep, DPVS_EINVAL, "%s: not a unicast %s",
			   str6(a, s), what);
		return false;
	}
	return true;
}

static uint32_t ifa6_flags_of(uint32_t wire)
{
	return ((wire & DPVS_ADDR_F_SAPOOL) ? IFA_F_SAPOOL : 0) |
	       ((wire & DPVS_ADDR_F_HA) ? IFA_F_HA : 0) |
	       ((wire & DPVS_ADDR_F_LEASED) ? IFA_F_LEASED : 0) |
	       ((wire & DPVS_ADDR_F_NODAD) ? IFA6_F_NODAD : 0);
}

static uint32_t wire_addr6_flags(uint32_t ifa)
{
	return ((ifa & IFA_F_SAPOOL) ? DPVS_ADDR_F_SAPOOL : 0) |
	       ((ifa & IFA_F_HA) ? DPVS_ADDR_F_HA : 0) |
	       ((ifa & IFA_F_HA) && inetaddr_ha_active() ?
			DPVS_ADDR_F_HA_ACTIVE : 0) |
	       ((ifa & IFA_F_LEASED) ? DPVS_ADDR_F_LEASED : 0) |
	       ((ifa & IFA6_F_NODAD) ? DPVS_ADDR_F_NODAD : 0) |
	       ((ifa & IFA6_F_TENTATIVE) ? DPVS_ADDR_F_TENTATIVE : 0) |
	       ((ifa & IFA6_F_DADFAILED) ? DPVS_ADDR_F_DADFAILED : 0);
}

int netif6_addr_add(struct ctrl_reply *rep, const struct netif_port *p,
		    const struct dpvs_addr *a)
{
	uint32_t flags = ifa6_flags_of(a->flags);
	char s[INET6_ADDRSTRLEN];
	int rc;

	if (!unicast_ok(rep, p, &a->addr6, "address"))
		return (int)rep->status;
	if (a->plen == 0 || a->plen > 128)
		return ctrl_error(rep, DPVS_EINVAL, "prefix length /%u is not "
				  "1..128", a->plen);
	if ((flags & IFA_F_HA) && a->plen != 128)
		return ctrl_error(rep, DPVS_EINVAL, "an ha address is a /128, "
				  "not /%u (a subnet route would announce it "
				  "while the peer owns it)", a->plen);
	rc = inet6addr_add(p->id, &a->addr6, a->plen, flags);
	if (rc == 0)
		LOG_INFOX("netif", "%s: address %s/%u added", p->name,
			  str6(&a->addr6, s), a->plen);
	return v6_errno(rep, rc, "address");
}

int netif6_addr_del(struct ctrl_reply *rep, const struct netif_port *p,
		    const struct dpvs_addr *a)
{
	char s[INET6_ADDRSTRLEN];
	int rc;

	if (a->plen > 128 || ipv6_is_unspecified(&a->addr6))
		return ctrl_error(rep, DPVS_EINVAL, "invalid address or prefix "
				  "length /%u", a->plen);
	rc = inet6addr_del(p->id, &a->addr6, a->plen);
	if (rc == 0)
		LOG_INFOX("netif", "%s: address %s/%u deleted", p->name,
			  str6(&a->addr6, s), a->plen);
	return v6_errno(rep, rc, "address");
}

/* garp of an IPv6 address: unsolicited neighbour advertisements. */
int netif6_una(struct ctrl_reply *rep, const struct netif_port *p,
	       const struct dpvs_addr *a)
{
	int rc;

	if (!unicast_ok(rep, p, &a->addr6, "address"))
		return (int)rep->status;
	rc = inet6addr_una(p->id, &a->addr6);
	if (rc == -EADDRNOTAVAIL)
		return ctrl_error(rep, DPVS_EINVAL, "garp: an ha address is "
				  "announced only while this dpvs holds the "
				  "HA lease");
	return v6_errno(rep, rc, "garp");
}

struct list6 {
	struct wbuf *b;
	uint32_t *n;
};

static void ifname_of(char *out, size_t len, uint16_t port)
{
	const struct netif_port *p = netif_port(port);

	snprintf(out, len, "%s", p ? p->name : "?");
}

static void put_addr6(uint16_t port, const struct in6_addr *addr, uint8_t plen,
		      uint32_t flags, void *arg)
{
	struct list6 *l = arg;
	struct dpvs_addr a = { .af = AF_INET6, .addr6 = *addr, .plen = plen,
			       .flags = wire_addr6_flags(flags) };

	ifname_of(a.ifname, sizeof(a.ifname), port);
	wire_enc_addr(l->b, &a);
	(*l->n)++;
}

void netif6_addr_list(struct wbuf *b, uint32_t *n)
{
	struct list6 l = { b, n };

	inet6addr_walk(put_addr6, &l);
}

/* The record's prefix masked to its length (a copy: in6_addr is only
 * 4-byte aligned, the union 8). */
static union inet_addr prefix_of(const struct dpvs_route *r)
{
	union inet_addr a = inet_v6(&r->prefix6), m;

	inet_addr_mask(AF_INET6, &m, &a, r->plen);
	return m;
}

int netif6_route_add(struct ctrl_reply *rep, const struct netif_port *p,
		     const struct dpvs_route *r, uint8_t type)
{
	struct route6_entry e;
	char s[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	int rc;

	uint32_t fl;

	memset(&e, 0, sizeof(e));
	/* A link-local gateway is fine: the route's port scopes it. */
	if (type == RT_GATEWAY &&
	    (ipv6_is_unspecified(&r->gw6) || ipv6_is_multicast(&r->gw6) ||
	     IN6_IS_ADDR_LOOPBACK(&r->gw6)))
		return ctrl_error(rep, DPVS_EINVAL, "a gateway route needs "
				  "'via' a unicast address");
	if (!ipv6_is_unspecified(&r->src6) &&
	    !inet6addr_is_local(p->id, &r->src6, &fl))
		return ctrl_error(rep, DPVS_EINVAL, "src %s is not an address "
				  "of %s", str6(&r->src6, s), p->name);
	e.type = type;
	e.plen = r->plen;
	e.port = p->id;
	e.gw = r->gw6;
	e.src = r->src6;
	e.refs = 1;
	e.prefix = prefix_of(r).in6;
	rc = route6_add(&e);
	if (rc == 0)
		LOG_INFOX("route", "route %s/%u%s%s dev %s added",
			  str6(&e.prefix, s), e.plen,
			  type == RT_GATEWAY ? " via " : "",
			  type == RT_GATEWAY ? str6(&e.gw, g) : "", p->name);
	return v6_errno(rep, rc, "route");
}

int netif6_route_del(struct ctrl_reply *rep, const struct dpvs_route *r)
{
	union inet_addr m = prefix_of(r);
	char s[INET6_ADDRSTRLEN];
	int rc;

	rc = route6_del_user(&m.in6, r->plen);
	if (rc == 0)
		LOG_INFOX("route", "route %s/%u removed", str6(&m.in6, s),
			  r->plen);
	return v6_errno(rep, rc, "route");
}

static void put_route6(const struct route6_entry *e, void *arg)
{
	struct list6 *l = arg;
	struct dpvs_route r = { .af = AF_INET6, .prefix6 = e->prefix,
				.plen = e->plen, .gw6 = e->gw, .src6 = e->src,
				.type = netif_wire_route_type(e->type) };

	ifname_of(r.ifname, sizeof(r.ifname), e->port);
	wire_enc_route(l->b, &r);
	(*l->n)++;
}

void netif6_route_list(struct wbuf *b, uint32_t *n)
{
	struct list6 l = { b, n };

	route6_walk(put_route6, &l);
}

int netif6_neigh_add(struct ctrl_reply *rep, const struct netif_port *p,
		     const struct dpvs_neigh *nb,
		     const struct rte_ether_addr *mac)
{
	char s[INET6_ADDRSTRLEN];
	int rc;

	/* A static neighbour may be link-local (a router's). */
	if (ipv6_is_unspecified(&nb->ip6) || ipv6_is_multicast(&nb->ip6))
		return ctrl_error(rep, DPVS_EINVAL, "%s: not a unicast "
				  "neighbour", str6(&nb->ip6, s));
	rc = neigh6_update(&nb->ip6, p->id, mac, true);
	if (rc == 0)
		LOG_INFOX("neigh", "%s: neighbour %s lladdr "
			  RTE_ETHER_ADDR_PRT_FMT " added (permanent)", p->name,
			  str6(&nb->ip6, s), RTE_ETHER_ADDR_BYTES(mac));
	return v6_errno(rep, rc, "neighbour");
}

int netif6_neigh_del(struct ctrl_reply *rep, const struct netif_port *p,
		     const struct dpvs_neigh *nb)
{
	char s[INET6_ADDRSTRLEN];
	int rc = neigh6_delete(&nb->ip6, p->id);

	if (rc == 0)
		LOG_INFOX("neigh", "%s: neighbour %s removed", p->name,
			  str6(&nb->ip6, s));
	return v6_errno(rep, rc, "neighbour");
}

static void put_neigh6(const struct neigh6_info *ni, void *arg)
{
	struct list6 *l = arg;
	struct dpvs_neigh n = { .af = AF_INET6, .ip6 = ni->ip,
				.state = netif_wire_neigh_state(ni->state),
				.age_s = ni->age_s,
				.flags = ni->router ? DPVS_NEIGH_F_ROUTER : 0 };

	memcpy(n.mac, ni->mac.addr_bytes, 6);
	ifname_of(n.ifname, sizeof(n.ifname), ni->port);
	wire_enc_neigh(l->b, &n);
	(*l->n)++;
}

void netif6_neigh_list(struct wbuf *b, uint32_t *n)
{
	struct list6 l = { b, n };

	neigh6_walk(put_neigh6, &l);
}
