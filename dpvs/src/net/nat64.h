/*
 * NAT64 header translation (RFC 7915) for FullNAT: an IPv6 packet becomes
 * an IPv4 one and back, ICMP errors and the packets they quote included.
 * Pure mbuf work: the caller (the load balancer) chooses the addresses
 * and ports from its connection, counts the verdicts and routes the
 * result.  m starts at its L3 header, before and after.
 */
#ifndef DPVS_NAT64_H
#define DPVS_NAT64_H

#include <stdint.h>

#include <netinet/in.h>
#include <rte_mbuf.h>

#include "ipv6_parse.h"

enum nat64_verdict {
	NAT64_OK,
	NAT64_DROP_TYPE,     /* protocol, ICMP type or code with no translation */
	NAT64_DROP_FRAG,     /* a fragment (no ports to translate) */
	NAT64_DROP_SHORT,    /* headers or an ICMP quote cut short */
	NAT64_DROP_NOROOM,   /* too little headroom for the bigger header */
	NAT64_DROP_CSUM,     /* an ICMP error whose checksum is wrong */
};

/*
 * The translated packet's addresses and ports (the conn's, for the
 * direction the packet goes).  An ICMP error's quote is the reverse
 * flow: it gets daddr:dport as source and saddr:sport as destination.
 * mtu: the MTU of the out port, a cap on the MTU a translated
 * "packet too big" / "fragmentation needed" reports; 0 for none.
 */
struct nat64_v4 {
	uint32_t saddr, daddr;              /* host order */
	uint16_t sport, dport;              /* host order */
	uint16_t mtu;
};
struct nat64_v6 {
	struct in6_addr saddr, daddr;       /* network order */
	uint16_t sport, dport;              /* host order */
	uint16_t mtu;
};

/* Translated packets of at most this many bytes go out with DF clear. */
#define NAT64_DF_MAX 1260

/*
 * IPv6 -> IPv4.  p: m's parsed header chain.  TCP, UDP and ICMPv6
 * errors; ip_id is the IPv4 ID when DF ends up clear.  On a drop m is
 * left for the caller to free.
 */
enum nat64_verdict nat64_6to4(struct rte_mbuf *m, const struct ipv6_pkt *p,
			      const struct nat64_v4 *a, uint16_t ip_id);
/* IPv4 (header already validated) -> IPv6.  TCP, UDP and ICMP errors. */
enum nat64_verdict nat64_4to6(struct rte_mbuf *m, const struct nat64_v6 *a);

/* RFC 1191's estimate of the MTU behind a "fragmentation needed" of 0. */
uint16_t nat64_plateau(uint16_t tot_len);

#endif
