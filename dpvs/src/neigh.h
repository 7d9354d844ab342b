/*
 * Neighbours (IPv4 -> MAC per port).  One table shared by all lcores:
 * workers read it without locks, only the master writes (RCU).  A worker
 * that learns a MAC tells the master through the message bus, so a
 * neighbour learnt on one worker is usable by every worker.
 *
 * Packets for an unresolved next hop wait in a small per-worker queue
 * (neigh.queue_len per hop, bounded slots) while ARP requests go out;
 * after neigh.resolve_ms they are dropped and counted.
 */
#ifndef DPVS_NEIGH_H
#define DPVS_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "conf.h"
#include "libdpvs.h"

int neigh_init(const struct dpvs_conf *c);
void neigh_fini(void);
void neigh_set_params(const struct dpvs_conf *c);

/* Worker: sends m (starting at its IPv4 header) to next hop nh on port. */
void neigh_output(unsigned lcore, struct rte_mbuf *m, uint32_t nh,
		  uint16_t port);
/* Worker: a frame from ip carried mac.  True if that was news. */
bool neigh_confirm(unsigned lcore, uint32_t ip, uint16_t port,
		   const struct rte_ether_addr *mac);
/* Worker loop job: flushes or expires held packets. */
int neigh_pending_job(void *arg);

/* Master side. */
int neigh_update(uint32_t ip, uint16_t port, const struct rte_ether_addr *mac,
		 bool permanent);
int neigh_delete(uint32_t ip, uint16_t port);
void neigh_walk(void (*fn)(const struct dpvs_neigh *n, uint16_t port,
			   void *arg), void *arg);
/* Master slow job: marks stale, removes long-dead dynamic entries. */
int neigh_expire_job(void *arg);

#endif
