/*
 * An address of either family, as the data plane holds it.  IPv4 stays
 * a host-order uint32_t, as every IPv4 field of the daemon, so the v4
 * path compares and hashes the same bytes it always did; IPv6 stays in
 * network order, as on the wire, so nothing is byte-swapped.  The bytes
 * an in4 does not use are zero, so memcmp compares two of one family.
 */
#ifndef DPVS_INET_ADDR_H
#define DPVS_INET_ADDR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

union inet_addr {
	uint32_t in4;             /* host order */
	struct in6_addr in6;      /* network order */
	uint8_t b[16];
	uint64_t w[2];
};
_Static_assert(sizeof(union inet_addr) == 16, "inet_addr is 16 bytes");

#define INET_ADDRSTR_MAX 46

static inline union inet_addr inet_v4(uint32_t host)
{
	union inet_addr a;

	memset(&a, 0, sizeof(a));
	a.in4 = host;
	return a;
}

/* A pointer to a temporary inet_v4(host), for v4 callers' arguments. */
#define INET_V4P(host) (&(union inet_addr[1]){ inet_v4(host) }[0])

static inline union inet_addr inet_v6(const void *net16)
{
	union inet_addr a;

	memcpy(&a, net16, sizeof(a));
	return a;
}

static inline bool inet_addr_eq(const union inet_addr *a, const union inet_addr *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1];
}

static inline bool inet_addr_is_any(const union inet_addr *a)
{
	return (a->w[0] | a->w[1]) == 0;
}

/* out = a with all but the first plen bits cleared (plen of the family). */
static inline void inet_addr_mask(uint8_t af, union inet_addr *out,
				  const union inet_addr *a, uint8_t plen)
{
	if (af == AF_INET) {
		*out = inet_v4(plen == 0 ? 0 : plen >= 32 ? a->in4 :
			       a->in4 & (0xffffffffu << (32 - plen)));
		return;
	}
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;

		out->b[i] = bits >= 8 ? a->b[i] :
			    (uint8_t)(a->b[i] & (0xff00u >> bits));
	}
}

static inline bool inet_prefix_has(uint8_t af, const union inet_addr *prefix,
				   uint8_t plen, const union inet_addr *a)
{
	union inet_addr m;

	inet_addr_mask(af, &m, a, plen);
	return inet_addr_eq(&m, prefix);
}

static inline const char *inet_addr_str(uint8_t af, const union inet_addr *a,
					char buf[INET_ADDRSTR_MAX])
{
	if (af == AF_INET) {
		uint32_t be = htonl(a->in4);

		return inet_ntop(AF_INET, &be, buf, INET_ADDRSTR_MAX);
	}
	return inet_ntop(AF_INET6, &a->in6, buf, INET_ADDRSTR_MAX);
}

static inline bool ipv6_is_multicast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;                       /* ff00::/8 */
}

static inline bool ipv6_is_linklocal(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}

static inline bool ipv6_is_unspecified(const struct in6_addr *a)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;

	return memcmp(a, &any, sizeof(any)) == 0;
}

/* ff02::1:ffXX:XXXX, the group an NS for a is sent to (RFC 4291 2.7.1). */
static inline void ipv6_solicited_node(struct in6_addr *out, const struct in6_addr *a)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 1, 0xff };

	memcpy(out->s6_addr, pfx, sizeof(pfx));
	memcpy(out->s6_addr + 13, a->s6_addr + 13, 3);
}

/* 33:33 and the group's last four bytes (RFC 2464 7). */
static inline void ipv6_mcast_mac(uint8_t mac[6], const struct in6_addr *mc)
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, mc->s6_addr + 12, 4);
}

#endif
