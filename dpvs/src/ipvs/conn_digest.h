/*
 * The 64-bit digest an IPv6 connection key carries in place of its two
 * 16-byte addresses (ipvs_conn_int.h): keyed SipHash-1-3 over (saddr,
 * daddr), with a 128-bit key drawn from getrandom() at start that never
 * leaves the host, so nobody outside can aim a collision at a client.
 * A hit is always checked against the connection's full addresses; a
 * collision by chance is a miss and refuses one new connection.  libc
 * only.
 */
#ifndef DPVS_CONN_DIGEST_H
#define DPVS_CONN_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* A fresh per-boot key; 0 or -errno (no randomness to be had). */
int conn_digest_init(void);
uint64_t conn_digest(const struct in6_addr *s, const struct in6_addr *d);

typedef uint64_t (*conn_digest_fn)(const struct in6_addr *s,
				   const struct in6_addr *d);
/* Tests: fn instead of SipHash (NULL: SipHash again), to force collisions. */
void conn_digest_set_test_fn(conn_digest_fn fn);

/* SipHash-c-d of msg under key (RFC-less reference: Aumasson, Bernstein). */
uint64_t conn_siphash(unsigned crounds, unsigned drounds, const uint8_t key[16],
		      const void *msg, size_t len);

#endif
