/*
 * The order of services and real servers, for both families: the scrape
 * sorts by it and the series walk services and real servers side by
 * side in it.  Pure code (no libdpvs calls): test_exporter_expo links it.
 */
#include <arpa/inet.h>
#include <string.h>

#include "exporter.h"

struct lb_key lb_key_svc(const struct dpvs_service *v)
{
	return (struct lb_key){ v->proto, v->af == AF_INET6 ? AF_INET6 : AF_INET,
				v->vip, v->vip6, v->vport };
}

struct lb_key lb_key_dest_svc(const struct dpvs_dest *d)
{
	return (struct lb_key){ d->proto, d->vaf == AF_INET6 ? AF_INET6 : AF_INET,
				d->vip, d->vip6, d->vport };
}

struct lb_key lb_key_dest(const struct dpvs_dest *d)
{
	return (struct lb_key){ 0, d->af == AF_INET6 ? AF_INET6 : AF_INET,
				d->addr, d->addr6, d->port };
}

/* Protocol, then IPv4 before IPv6, the address's bytes, the port. */
int lb_key_cmp(const struct lb_key *a, const struct lb_key *b)
{
	int c;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->af != b->af)
		return a->af == AF_INET ? -1 : 1;
	if (a->af == AF_INET6)
		c = memcmp(&a->v6, &b->v6, sizeof(a->v6));
	else
		c = ntohl(a->v4) < ntohl(b->v4) ? -1 : ntohl(a->v4) > ntohl(b->v4);
	if (c)
		return c;
	return a->port < b->port ? -1 : a->port > b->port;
}

/* As node_exporter's IPVS collector prints it: Go's net.IP, no brackets. */
const char *lb_addr_str(uint8_t af, uint32_t v4, const struct in6_addr *v6,
			char *buf, size_t len)
{
	if (af == AF_INET6)
		return inet_ntop(AF_INET6, v6, buf, (socklen_t)len);
	return inet_ntop(AF_INET, &v4, buf, (socklen_t)len);
}
