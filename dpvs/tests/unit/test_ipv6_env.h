/*
 * The layers around the IPv6 stack, for its unit tests: the kernel path,
 * the ports, the IPv6 neighbours and NDP.  Each records what the stack
 * hands it (the last frame, byte for byte, and how many) and frees it.
 */
#ifndef TEST_IPV6_ENV_H
#define TEST_IPV6_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <rte_mbuf.h>

#define ENV_FRAME_MAX 2048

struct env_frame {
	unsigned n;                 /* frames handed over so far */
	uint8_t b[ENV_FRAME_MAX];   /* the last one, from its first byte */
	uint32_t len;
	uint16_t port;
	struct in6_addr nh;         /* neigh6_output: the next hop */
};

struct env {
	struct env_frame kni;       /* kni_up: m at its ethernet header */
	struct env_frame xmit;      /* netif_xmit: ethernet */
	struct env_frame neigh;     /* neigh6_output: IPv6 header */
	struct env_frame ndisc;     /* ndisc_input: IPv6 header */
	uint32_t mtu;               /* every port's */
	bool ha_active;
	bool dad_manual;            /* DAD runs until env_dad_end() */
	unsigned dad_started, dad_cancelled, una_sent;
	struct in6_addr una_last;
	uint16_t dad_port;
	struct in6_addr dad_addr;
	void (*dad_done)(uint16_t port, const struct in6_addr *a, bool ok);
};

extern struct env env;

/* Clears every record; mtu 1500, DAD at once and successful. */
void env_reset(void);
/* Ends the running DAD (env.dad_manual) with ok. */
void env_dad_end(bool ok);
struct in6_addr env_in6(const char *s);
/* EAL on one lcore (two with second_lcore), a pool of n mbufs of 4 KB. */
struct rte_mempool *env_eal(const char *name, bool second_lcore, unsigned n);
void env_eal_end(const char *name);

#endif

/* ---- frames (checksums computed here, independently of csum6.h) ---- */

#define ENV_MAC_US { { 2, 0, 0, 0, 0, 1 } }
#define ENV_MAC_PEER { { 2, 0, 0, 0, 0, 2 } }

/*
 * Ethernet (peer to us) + IPv6 (src, dst, hop, next header nh) + the
 * len bytes of body, into b; returns the frame's length.
 */
uint32_t env_frame6(uint8_t *b, const char *src, const char *dst, uint8_t hop,
		    uint8_t nh, const void *body, uint32_t len);
/* The ICMPv6 checksum of l4 (len bytes, its checksum field zero). */
uint16_t env_icmp6_csum(const uint8_t *ip6, const uint8_t *l4, uint32_t len);
/* An echo request (id, seq, n data bytes) with its checksum, as a frame. */
uint32_t env_echo(uint8_t *b, const char *src, const char *dst, uint32_t ndata);
/* An mbuf from pool holding the len bytes of b; port 0. */
struct rte_mbuf *env_mbuf(struct rte_mempool *pool, const uint8_t *b, uint32_t len);
