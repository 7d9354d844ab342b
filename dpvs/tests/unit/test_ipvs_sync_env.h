/*
 * What the connection-sync data-plane tests (test_ipvs_sync*.c) share:
 * the real daemon in process on a net_ring port (as test_ipvs_golden)
 * with its services, frames, its two workers played here, and helpers
 * that make, post and find sync records.
 */
#ifndef TEST_IPVS_SYNC_ENV_H
#define TEST_IPVS_SYNC_ENV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_sync.h"
#include "../fuzz/fuzz_daemon.h"

#define FRAME_MAX 256
#define RING 8192          /* sync.ring_size's default */
#define NW FUZZ_NWORKERS
#define CLIENT 0x0a000002u   /* 10.0.0.2 */

struct frame {
	uint8_t b[FRAME_MAX];
	uint16_t len;
};

/* The group set-up: the daemon, its addresses, neighbours, services. */
int sync_env_setup(void **state);
/* Each test's: no role, the default thresholds. */
int sync_env_before(void **state);

/* s in host order. */
uint32_t ip4(const char *s);
void frame_l4(struct frame *f, uint8_t proto, uint32_t src, uint16_t sp,
	      uint32_t dst, uint16_t dp, uint8_t flags);

void run_workers(unsigned loops);
/* The daemon's net_ring port (its rings are each worker's rx and tx). */
struct fuzz_port *sync_env_port(void);
/* IPv4 frames sent (ARP left out); the first's destination in *dst. */
unsigned take_sent(uint32_t *dst);
/* f received on worker w; the frames sent (see the definition). */
unsigned rx_on(unsigned w, const struct frame *f, uint32_t *dst);
/* A TCP segment from caddr:cport to vip:80 received on worker w. */
unsigned tcp_in(unsigned w, const char *vip, uint32_t caddr,
		uint16_t cport, uint8_t flags);

/* A TCP CONN record to vip:80; FullNAT's with the local address .200. */
struct ipvs_sync_rec conn_rec(uint8_t fwd, uint32_t caddr, uint16_t cport,
			      const char *vip, const char *rs, uint16_t dport,
			      uint8_t state);
/* The conn of r's client tuple on worker w, or NULL. */
struct ipvs_conn *find_conn(unsigned w, const struct ipvs_sync_rec *r);
struct ipvs_sync_stats sync_counts(void);
/* Posts r and lets the workers install it. */
void post_and_install(const struct ipvs_sync_rec *r, unsigned sender_nw);
/* Up to max records worker w produced. */
unsigned drain_all(unsigned w, struct ipvs_sync_rec *out, unsigned max);
/* The UDP thresholds and sync.embryonic; refresh 60 s, no backup_only. */
void producer_params(uint16_t th0, uint16_t th1, bool embryonic);
struct ipvs_dest *dest_of(const char *vip, uint16_t vport, uint8_t proto,
			  const char *rs);

#endif
