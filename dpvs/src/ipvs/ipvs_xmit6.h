/*
 * The IPv6 entries of ipvs_xmit[] (ipvs_xmit6.c): FullNAT, NAT, DR and
 * IPv6-in-IPv6 (RFC 2473).  m starts at its IPv6 header, l3; l4 is past
 * its extension headers.  Only ipvs_xmit.c's table names them.
 */
#ifndef DPVS_IPVS_XMIT6_H
#define DPVS_IPVS_XMIT6_H

#include <rte_mbuf.h>

#include "ipvs_conn.h"

/* The outer header of TUN6, and the smallest MTU a tunnel fits in. */
#define TUN6_HDR_LEN 40u
#define TUN6_MIN_MTU (1280u + TUN6_HDR_LEN)

void ipvs_fnat6_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		   void *l3, void *l4);
void ipvs_fnat6_out(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		    void *l3, void *l4);
void ipvs_nat6_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		  void *l3, void *l4);
void ipvs_nat6_out(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		   void *l3, void *l4);
void ipvs_dr6_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		 void *l3, void *l4);
void ipvs_tun6_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		  void *l3, void *l4);
/* An entry not built yet (NAT64's): drops m, counted ipvs_no_dest. */
void ipvs_xmit_none(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		    void *l3, void *l4);

#endif
