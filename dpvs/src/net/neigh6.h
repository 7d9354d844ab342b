/*
 * IPv6 neighbours (address, port -> MAC), the sibling of neigh.h: the
 * same states, aging, pending queues and learn budget, fed by NDP
 * (ndisc.c) instead of ARP.  Workers read without locks; the master
 * alone writes (RCU).  The key is (address, port), so a link-local
 * next hop is scoped by its port.
 */
#ifndef DPVS_NEIGH6_H
#define DPVS_NEIGH6_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "core/conf.h"
#include "neigh.h"

struct neigh6_info {
	struct in6_addr ip;
	uint16_t port;
	struct rte_ether_addr mac;
	enum neigh_state state;
	uint32_t age_s;              /* since last confirmed */
	bool router;                 /* NA with R set */
};

int neigh6_init(const struct dpvs_conf *c);
/*
 * The reloadable neigh.* keys (resolve_ms, reachable_s, learn_rate).
 * Added to the contract; ndisc_set_params calls it, as net6_apply runs
 * that on every reload.
 */
void neigh6_set_params(const struct dpvs_conf *c);
uint64_t neigh6_mem_need(const struct dpvs_conf *c);
void neigh6_fini(void);

/* Worker: sends m (at its IPv6 header) to next hop nh on port. */
void neigh6_output(unsigned lc, struct rte_mbuf *m, const struct in6_addr *nh,
		   uint16_t port);
/* Worker: an NS (solicited false, its SLLA) or an NA (RFC 4861 7.2.5). */
enum neigh_heard neigh6_confirm(unsigned lc, const struct in6_addr *ip, uint16_t port,
				const struct rte_ether_addr *mac, bool solicited,
				bool override, bool router);
/*
 * Worker: an NS for one of our addresses from ip carried mac as its SLLA
 * (RFC 4861 7.2.3): the entry is created or its MAC replaced, STALE.
 * Added to the contract: neigh6_confirm cannot tell an NS from an
 * unsolicited NA with O set, which must not create an entry.
 */
enum neigh_heard neigh6_solicited_by(unsigned lc, const struct in6_addr *ip,
				     uint16_t port, const struct rte_ether_addr *mac);
/* Worker loop job: flushes or expires held packets. */
int neigh6_pending_job(void *arg);

/* Master side. */
int neigh6_update(const struct in6_addr *ip, uint16_t port,
		  const struct rte_ether_addr *mac, bool permanent);
int neigh6_delete(const struct in6_addr *ip, uint16_t port);
void neigh6_walk(void (*fn)(const struct neigh6_info *n, void *arg), void *arg);
void neigh6_usage(uint32_t *used, uint32_t *size);
/* Master, every NEIGH_EXPIRE_MS: one tick of the state machine. */
void neigh6_expire(void *arg);
/* Master: a worker's MSG_TYPE_NEIGH6_LEARN. */
void neigh6_learn(const struct neigh6_info *n);

#endif
