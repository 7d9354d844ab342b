/*
 * The mbuf side of the PROXY protocol for FullNAT conns of every family
 * (proxy_proto.h does the header rewrites): the header in front of the
 * client's first sequence number, client segments shifted, server
 * segments shifted back.  v4 conns, FNAT6 conns (IPv6 both sides) and
 * NAT64 conns (their IPv4 side, where the header names the v6 client
 * and VIP) share it.  th: the segment's TCP header inside m.
 */
#ifndef DPVS_IPVS_PP_XMIT_H
#define DPVS_IPVS_PP_XMIT_H

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "ipvs_conn.h"

/* The conn's header (IPv6 names for v6 and NAT64 conns); its length. */
unsigned pp_xmit_hdr(const struct ipvs_conn *c, uint8_t *hdr);

/* A client segment after its rewrite; NULL: dropped (counted). */
struct rte_mbuf *pp_xmit_in4(unsigned lc, struct ipvs_conn *c,
			     struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
			     struct rte_tcp_hdr *th);
struct rte_mbuf *pp_xmit_in6(unsigned lc, struct ipvs_conn *c,
			     struct rte_mbuf *m, struct rte_ipv6_hdr *ip6,
			     struct rte_tcp_hdr *th);

/* A server segment: its acknowledgement, SACK edges and MSS. */
void pp_xmit_out4(struct ipvs_conn *c, const struct rte_mbuf *m,
		  const struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th);
void pp_xmit_out6(struct ipvs_conn *c, const struct rte_mbuf *m,
		  const struct rte_ipv6_hdr *ip6, struct rte_tcp_hdr *th);

#endif
