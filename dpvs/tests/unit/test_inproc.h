/*
 * Set-up through the real control ops for the unit tests that run the
 * daemon in process (fuzz_daemon.h): each op must succeed (a cmocka
 * assertion).  Addresses in dotted quads, on dpdk0.
 */
#ifndef TEST_INPROC_H
#define TEST_INPROC_H

#include <stdint.h>

#include "libdpvs.h"
#include "wire.h"

void inproc_op(uint32_t code, struct wbuf *b);
void inproc_addr(const char *ip, uint8_t plen, uint32_t flags);
/* A permanent neighbour, MAC 02:00:00:00:01:<ip's last byte>. */
void inproc_neigh(const char *ip);
/* A service scheduled rr. */
struct dpvs_service inproc_svc(uint8_t proto, const char *vip, uint16_t port);
void inproc_dest(const struct dpvs_service *s, const char *ip, uint16_t port,
		 uint32_t fwd, int weight);
void inproc_laddr(const struct dpvs_service *s, const char *ip);

#endif
