/* ICMPv6 (RFC 4443): echo to our addresses, and the errors dpvs sends. */
#ifndef DPVS_ICMP6_H
#define DPVS_ICMP6_H

#include <stdint.h>

#include <netinet/in.h>
#include <rte_mbuf.h>

#include "core/conf.h"
#include "ipv6_parse.h"

int icmp6_init(const struct dpvs_conf *c);
/* ipv6.icmp_error_pps, per worker; 0: no limit. */
void icmp6_set_params(const struct dpvs_conf *c);

/* Worker: an ICMPv6 message to a local address (m at its IPv6 header).
 * Answers echo in place; anything else goes to the kernel path. */
void icmp6_input(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p);
/*
 * Worker: an error about orig (its IPv6 header at l3_off) from src, the
 * quote cut to fit 1280 bytes; the new mbuf starts at its IPv6 header.
 * NULL when RFC 4443 2.4(e) forbids one or this worker's budget is spent
 * (icmp6_err_limited).  orig is not consumed.
 */
struct rte_mbuf *icmp6_error(unsigned lc, const struct rte_mbuf *orig, uint32_t l3_off,
			     uint8_t type, uint8_t code, uint32_t info,
			     const struct in6_addr *src);

#endif
