/*
 * ICMP messages that report an error about a packet (and quote its
 * header), as opposed to queries such as echo: the one test the IPv4
 * stack and the load balancer's ICMP relay share.
 */
#ifndef DPVS_NET_ICMP_ERR_H
#define DPVS_NET_ICMP_ERR_H

#include <stdbool.h>
#include <stdint.h>

#define ICMP_T_DEST_UNREACH 3
#define ICMP_T_TIME_EXCEEDED 11
#define ICMP_T_PARAM_PROBLEM 12

static inline bool icmp_type_is_error(uint8_t type)
{
	return type == ICMP_T_DEST_UNREACH || type == ICMP_T_TIME_EXCEEDED ||
	       type == ICMP_T_PARAM_PROBLEM;
}

/* ICMPv6 errors are the types below 128 (RFC 4443 2.1). */
#define ICMP6_T_DEST_UNREACH 1
#define ICMP6_T_PACKET_TOO_BIG 2
#define ICMP6_T_TIME_EXCEEDED 3
#define ICMP6_T_PARAM_PROBLEM 4

static inline bool icmp6_type_is_error(uint8_t type)
{
	return type < 128;
}

#endif
