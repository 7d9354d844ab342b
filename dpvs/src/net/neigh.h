/*
 * Neighbours (IPv4 -> MAC per port).  One table shared by all lcores:
 * workers read it without locks, only the master writes (RCU).  A worker
 * that learns a MAC tells the master through the message bus, so a
 * neighbour learnt on one worker is usable by every worker.
 *
 * Packets for an unresolved next hop wait in a small per-worker queue
 * (neigh.queue_len per hop, bounded slots) while ARP requests go out;
 * after neigh.resolve_ms they are dropped and counted.
 *
 * As in Linux: only ARP aimed at our addresses creates entries; traffic
 * keeps an entry in use (a STALE one in use goes DELAY, then PROBE with
 * unicast requests, and is dropped only if those go unanswered); a full
 * table evicts the entries no traffic used lately.
 */
#ifndef DPVS_NEIGH_H
#define DPVS_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "core/conf.h"

/* Linux's NUD states, as far as dpvs has them. */
enum neigh_state {
	NEIGH_REACHABLE = 1,
	NEIGH_STALE = 2,     /* not confirmed within neigh.reachable_s */
	NEIGH_PERMANENT = 3, /* static entry */
	NEIGH_DELAY = 4,     /* stale and in use: probed soon */
	NEIGH_PROBE = 5,     /* in use, unicast ARP probes going out */
};

/* What neigh_walk reports of one entry. */
struct neigh_info {
	uint32_t ip;                 /* host order */
	uint16_t port;
	struct rte_ether_addr mac;
	enum neigh_state state;
	uint32_t age_s;              /* since last confirmed */
};

int neigh_init(const struct dpvs_conf *c);
void neigh_fini(void);
void neigh_set_params(const struct dpvs_conf *c);

/*
 * Between these (netif_rx_job, one lcore's rx bursts) neigh_output
 * remembers the last next hop it found.
 */
void neigh_burst_begin(unsigned lcore);
void neigh_burst_end(unsigned lcore);
/* Worker: sends m (starting at its IPv4 header) to next hop nh on port. */
void neigh_output(unsigned lcore, struct rte_mbuf *m, uint32_t nh,
		  uint16_t port);
enum neigh_heard {
	NEIGH_HEARD_KNOWN,      /* nothing new */
	NEIGH_HEARD_NEWS,       /* new neighbour or MAC: sent to the master */
	NEIGH_HEARD_IGNORED,    /* unknown sender, not aimed at us: not learnt */
};

/*
 * Worker: an ARP frame from ip carried mac.  for_us: its target is one of
 * our addresses (not gratuitous), which confirms and may create an entry;
 * any other ARP only updates the MAC of an existing entry.
 */
enum neigh_heard neigh_confirm(unsigned lcore, uint32_t ip, uint16_t port,
			       const struct rte_ether_addr *mac, bool for_us);
/* Worker loop job: flushes or expires held packets. */
int neigh_pending_job(void *arg);

/* Master side. */
int neigh_update(uint32_t ip, uint16_t port, const struct rte_ether_addr *mac,
		 bool permanent);
int neigh_delete(uint32_t ip, uint16_t port);
void neigh_walk(void (*fn)(const struct neigh_info *n, void *arg), void *arg);
/*
 * Master, once a second (NEIGH_EXPIRE_MS, a core timer): one tick of the
 * state machine, probes, aging.
 */
#define NEIGH_EXPIRE_MS 1000
void neigh_expire(void *arg);

#endif
