/*
 * PROXY protocol for FullNAT (docs/loadbalancing.md, "Client address:
 * PROXY protocol"): a header naming the client and the VIP goes to the
 * real server at the client's first sequence number, so the client's
 * sequence numbers are shifted by its length for the rest of the
 * connection and the server's acknowledgements (and SACK blocks) shifted
 * back.  The functions here are pure rewrites of contiguous headers, so
 * golden-packet tests run them without an EAL; ipvs_xmit.c does the mbuf
 * work around them.
 */
#ifndef DPVS_PROXY_PROTO_H
#define DPVS_PROXY_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#define PP_V1 1
#define PP_V2 2
#define PP_HDR_MAX 104     /* v1 for IPv6: "PROXY TCP6 " + 2x39 + 2x5 + ... */

/* A connection's part: 8 bytes of struct ipvs_conn. */
struct pp_state {
	uint32_t isn1;     /* the client's first sequence number after SYN */
	uint8_t ver;       /* 0: no header; PP_V1, PP_V2 */
	uint8_t len;       /* the header's length: the shift */
	uint8_t acked;     /* the server acknowledged the whole header */
	uint8_t pad;
};

/* The header for client caddr:cport to vaddr:vport (host order); its length. */
unsigned pp_build(uint8_t ver, uint8_t *buf, uint32_t caddr, uint16_t cport,
		  uint32_t vaddr, uint16_t vport);

/*
 * The same for an IPv6 client and VIP (16 bytes each, network order):
 * v2 "TCP over IPv6" (0x21) with 36 address bytes, v1 "PROXY TCP6".
 * FNAT6 and NAT64 conns name their v6 client and VIP whatever the
 * server's family.
 */
unsigned pp_build6(uint8_t ver, uint8_t *buf, const void *caddr, uint16_t cport,
		   const void *vaddr, uint16_t vport);

/* A connection's state for a header of version ver (0: none). */
void pp_init(struct pp_state *st, uint8_t ver, uint32_t caddr, uint16_t cport,
	     uint32_t vaddr, uint16_t vport);
void pp_init6(struct pp_state *st, uint8_t ver, const void *caddr,
	      uint16_t cport, const void *vaddr, uint16_t vport);

/* Whether a client segment needs the header in front of its payload. */
bool pp_client_wants_hdr(const struct pp_state *st,
			 const struct rte_tcp_hdr *th);

/*
 * A client segment that does not get the header: a SYN sets isn1, any
 * later one is shifted by the header's length.
 */
void pp_client_shift(struct pp_state *st, struct rte_tcp_hdr *th);

/*
 * Bytes pp_insert needs in front of the packet for an n-byte header:
 * n rounded up to even, so the packet keeps its 2-byte alignment.
 */
unsigned pp_room(unsigned n);

/*
 * Inserts n header bytes between the TCP header and the payload: the
 * IPv4 and TCP headers (l3l4 bytes at *ip) move pp_room(n) bytes down,
 * into room the caller made; for an odd n the payload (contiguous then)
 * moves one byte down too and the packet ends one byte earlier.  The
 * lengths and checksums follow.  False (nothing changed) when n is odd
 * and the segment's checksum is wrong (it is then recomputed in full,
 * which would hide that).  Returns the new IPv4 header in *ip.
 */
bool pp_insert(struct rte_ipv4_hdr **ip, uint32_t l3l4, const uint8_t *hdr,
	       unsigned n);

/*
 * The same for IPv6: the TCP header is l4off bytes into the packet
 * (extension headers before it move down too); the payload length and
 * the TCP sum follow.
 */
bool pp_insert6(struct rte_ipv6_hdr **ip6, uint32_t l4off, uint32_t l3l4,
		const uint8_t *hdr, unsigned n);

/*
 * A server segment of a connection with a header: the acknowledgement
 * and SACK edges shifted back, the MSS of a SYN-ACK lowered by the
 * header's length (so that the client's first full segment plus the
 * header still fits).  thlen: the bytes of TCP header present.
 */
void pp_server(struct pp_state *st, struct rte_tcp_hdr *th, uint32_t thlen);

/*
 * The sequence number (4 bytes at seq, network order) an ICMP error
 * quotes of a client segment we sent, in the client's terms again.
 */
void pp_quoted_seq(const struct pp_state *st, void *seq);

#endif
