/*
 * Addresses between the wire's records and the data plane: a record
 * carries (af, IPv4 in network order, IPv6) and the data plane a family
 * and a union inet_addr (IPv4 in host order).  Shared by the handlers.
 */
#ifndef DPVS_CTRL_INET_WIRE_H
#define DPVS_CTRL_INET_WIRE_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#include "net/inet_addr.h"

/* The decoders give AF_INET or AF_INET6; 0 (a zeroed v4 record) is v4. */
static inline uint8_t inet_wire_af(uint8_t af)
{
	return af == AF_INET6 ? AF_INET6 : AF_INET;
}

static inline union inet_addr inet_of_wire(uint8_t af, uint32_t v4_be,
					   const struct in6_addr *v6)
{
	return af == AF_INET6 ? inet_v6(v6) : inet_v4(rte_be_to_cpu_32(v4_be));
}

/* Fills a record's three fields; the other family's stays zero. */
static inline void inet_to_wire(uint8_t af, const union inet_addr *a,
				uint8_t *waf, uint32_t *v4_be,
				struct in6_addr *v6)
{
	*waf = inet_wire_af(af);
	*v4_be = af == AF_INET6 ? 0 : rte_cpu_to_be_32(a->in4);
	if (af == AF_INET6)
		memcpy(v6, &a->in6, sizeof(*v6));
	else
		memset(v6, 0, sizeof(*v6));
}

/* "2001:db8::1" or "10.0.0.1" for messages. */
static inline const char *inet_wire_str(uint8_t af, const union inet_addr *a,
					char buf[INET_ADDRSTR_MAX])
{
	return inet_addr_str(inet_wire_af(af), a, buf);
}

#endif
