/* What ndisc.c (NS/NA) and ndisc_dad.c (DAD, MLD) share: frame building. */
#ifndef DPVS_NDISC_INT_H
#define DPVS_NDISC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "core/conf.h"

#define ND_NS 135
#define ND_NA 136
#define MLD2_REPORT 143
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define ND_NA_R 0x80
#define ND_NA_S 0x40
#define ND_NA_O 0x20
#define ND_HDR_LEN 24            /* type, code, csum, flags, target */
#define ND_OPT_LLA_LEN 8
#define ND_HOP_LIMIT 255

/*
 * A frame from port's MAC to dst_mac: Ethernet, an IPv6 header (src,
 * dst, hop limit, next header nh) and len bytes of payload, zeroed; NULL
 * if no mbuf.  *payload points at them.
 */
struct rte_mbuf *nd_frame(uint16_t port, const struct in6_addr *src,
			  const struct in6_addr *dst, const uint8_t dst_mac[6],
			  uint8_t hop, uint8_t nh, uint16_t len, uint8_t **payload);
/* The ICMPv6 checksum of len bytes at l4 under ip's addresses. */
uint16_t nd_csum(const struct rte_ipv6_hdr *ip, const void *l4, uint32_t len);
/* An NS for target: SLLA of port if slla; the caller sends it. */
struct rte_mbuf *nd_build_ns(uint16_t port, const struct in6_addr *src,
			     const struct in6_addr *target,
			     const struct rte_ether_addr *ucast, bool slla);
/* An NA for target with flags ND_NA_*, TLLA of port, to dst. */
struct rte_mbuf *nd_build_na(uint16_t port, const struct in6_addr *target,
			     const struct in6_addr *dst, const uint8_t dst_mac[6],
			     uint8_t flags);

/* ndisc_dad.c: DAD runs for up to ipv6.max_addrs addresses. */
int nd_dad_init(const struct dpvs_conf *c);
void nd_dad_fini(void);
/* An MLDv2 report for port unless one went out within the last second. */
void nd_mld_report_soon(uint16_t port);

#endif
