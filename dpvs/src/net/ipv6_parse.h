/*
 * The IPv6 header and its extension-header chain, walked once.  Pure
 * (no DPDK), so the fuzzer and the unit tests drive it directly.  The
 * walk is bounded: at most IPV6_EXT_MAX headers, every length checked
 * against avail before it is read, all headers in the first segment.
 */
#ifndef DPVS_IPV6_PARSE_H
#define DPVS_IPV6_PARSE_H

#include <stdint.h>

#define IPV6_HDR_LEN 40
#define IPV6_EXT_MAX 8

#define IPV6_PKT_F_FRAG 0x01     /* a Fragment header */
#define IPV6_PKT_F_FIRST 0x02    /* ... at offset 0 */
#define IPV6_PKT_F_ATOMIC 0x04   /* offset 0, M clear (RFC 6946): unfragmented */
#define IPV6_PKT_F_HBH 0x08
#define IPV6_PKT_F_RH 0x10       /* Routing header with Segments Left 0 */
#define IPV6_PKT_F_DSTOPT 0x20
#define IPV6_PKT_F_RTALERT 0x40  /* Router Alert option: the kernel's (MLD) */

struct ipv6_pkt {
	uint16_t l4_off;          /* from the IPv6 header */
	uint16_t l4_len;          /* payload_len - (l4_off - 40) */
	uint8_t l4_proto;
	uint8_t n_ext;
	uint8_t flags;            /* IPV6_PKT_F_* */
	uint16_t nh_off;          /* offset of the Next Header byte naming l4_proto */
	uint16_t frag_off;        /* fragment offset in bytes */
	uint16_t frag_hdr_off;    /* offset of the Fragment header, 0: none */
	uint32_t frag_id;
};

enum ipv6_verdict {
	IPV6_OK,
	IPV6_BAD_HDR,       /* version, under 40 bytes, multicast source */
	IPV6_BAD_LEN,       /* payload_len past avail; jumbogram */
	IPV6_EXT_TRUNC,     /* an extension header past avail */
	IPV6_EXT_TOO_MANY,  /* more than IPV6_EXT_MAX */
	IPV6_EXT_ORDER,     /* HBH not first, a second Fragment header */
	IPV6_HBH_OPT,       /* bad option TLVs, unknown option whose action bits discard */
	IPV6_RH_SEGLEFT,    /* Segments Left > 0, or type 0 (RFC 5095) */
	IPV6_FRAG_BAD,      /* non-final fragment not a multiple of 8 */
	IPV6_OTHER,         /* AH, ESP, Mobility, No Next Header, unknown: the kernel's */
	IPV6_VERDICTS
};

/* ip6: the IPv6 header; avail: bytes readable from it. */
enum ipv6_verdict ipv6_parse(const void *ip6, uint32_t avail, struct ipv6_pkt *p);

#endif
