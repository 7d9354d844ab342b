/*
 * The neighbours of ndisc.c and neigh6.c, faked for their unit tests:
 * one port (FAKE_MAC), its IPv6 addresses and connected prefixes, and
 * the frames sent to the wire (netif_xmit), up to the kernel (kni_up)
 * and down through the kni worker (kni_send), kept for inspection.
 */
#ifndef TEST_ND_FAKES_H
#define TEST_ND_FAKES_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <rte_mbuf.h>

#define FAKE_PORT 0
#define FAKE_MAC { 0x02, 0, 0, 0, 0, 0x01 }
#define FAKE_FRAMES 256

enum fake_path { FAKE_TX, FAKE_UP, FAKE_DOWN, FAKE_PATHS };

int fake_init(void);
void fake_fini(void);
struct rte_mempool *fake_pool(void);
/* An address of the port with IFA_F_* | IFA6_F_* flags; its /plen connected. */
void fake_addr(const char *a, uint8_t plen, uint32_t flags);
void fake_addrs_clear(void);
void fake_ha_active(bool on);
/* Frames taken on one path, oldest first; fake_take hands one over. */
unsigned fake_count(enum fake_path p);
struct rte_mbuf *fake_take(enum fake_path p);
void fake_drain(void);
struct in6_addr fake_in6(const char *a);

#endif
