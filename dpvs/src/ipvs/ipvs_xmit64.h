/*
 * NAT64 through FullNAT (ipvs_xmit64.c): an IPv6 service's IPv4 real
 * server.  The client's packets come in on the IPv6 hook (IN, a digest
 * key); the server's replies on the IPv4 hook, by an exact IPv4 key
 * (OUT).  Headers are translated by net/nat64.c with the conn's
 * addresses and ports.
 */
#ifndef DPVS_IPVS_XMIT64_H
#define DPVS_IPVS_XMIT64_H

#include <stdbool.h>

#include <rte_mbuf.h>

#include "ipvs_conn.h"
#include "net/ipv6_parse.h"

/* IPv6 header minus IPv4's: what a packet gains on the way to the client. */
#define NAT64_GROWTH 20u

/* ipvs_xmit[IPVS_X_FNAT64]: client -> server (m at its IPv6 header) and back. */
void ipvs_fnat64_in(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		    void *l3, void *l4);
void ipvs_fnat64_out(unsigned lc, struct ipvs_conn *c, struct rte_mbuf *m,
		     void *l3, void *l4);

/*
 * The ICMP relays, called once the quoted tuple has named c (worker w):
 * an ICMPv4 error about our packet to the server goes to the client as
 * ICMPv6 from the VIP (m at its IPv4 header); an ICMPv6 error about our
 * reply to the client (m at its IPv6 header, p its chain) goes to the
 * server as ICMPv4 from the local address.  Both consume m.
 */
void ipvs_fnat64_icmp_out(unsigned lc, unsigned w, struct ipvs_conn *c,
			  struct rte_mbuf *m);
void ipvs_fnat64_icmp_in(unsigned lc, unsigned w, struct ipvs_conn *c,
			 struct rte_mbuf *m, const struct ipv6_pkt *p);

/* The MSS both ends are told: a segment fits both sides once translated. */
static inline uint16_t ipvs_fnat64_mss(uint32_t mtu6, uint32_t mtu4)
{
	uint32_t a = mtu6 - 60, b = mtu4 - 40;   /* IPv6 + TCP, IPv4 + TCP */

	return (uint16_t)(a < b ? a : b);
}

#endif
