/*
 * FullNAT local ports.  Worker w hands out only the ports p with
 * p % nworkers == w, so a reply's destination port names the worker
 * that owns its connection, whichever the address's family.  Ports
 * belong to an address, by (family, address).
 */
#ifndef DPVS_IPVS_PORTS_H
#define DPVS_IPVS_PORTS_H

#include <stdbool.h>
#include <stdint.h>

#include "net/inet_addr.h"

struct ipvs_laddr;

/* FullNAT ports of one local address, per worker. */
int ipvs_port_pools_init(struct ipvs_laddr *l, unsigned nworkers);
void ipvs_port_pools_free(struct ipvs_laddr *l);
/* Master: whether a service has addr as a local address. */
bool ipvs_port_set_in_use(uint8_t af, const union inet_addr *addr);
/* The same for an IPv4 address (host order). */
bool ipvs_port_set_used(uint32_t addr);
/* 0 if exhausted. */
uint16_t ipvs_port_get(struct ipvs_laddr *l, unsigned widx);
void ipvs_port_put(struct ipvs_laddr *l, unsigned widx, uint16_t port);
/*
 * Worker widx: reserves port for a conn installed from the HA peer, so
 * that ipvs_port_get never hands it out.  0, -EBUSY (handed out or
 * reserved already) or -EINVAL (not a port of widx's pool).
 */
int ipvs_port_reserve(struct ipvs_laddr *l, unsigned widx, uint16_t port);
/*
 * Worker widx: a synced conn needs port, which a conn of this LB holds
 * (ipvs_port_reserve said -EBUSY): when the holder releases it, the port
 * is reserved for the synced conn instead of queued.  0, -EBUSY (not
 * held, or wanted already) or -EINVAL.
 */
int ipvs_port_want(struct ipvs_laddr *l, unsigned widx, uint16_t port);
/* The wanter's end: the want withdrawn, or the port it got unreserved. */
void ipvs_port_unwant(struct ipvs_laddr *l, unsigned widx, uint16_t port);
/* Ports handed from a released conn to their wanter, over the workers. */
uint64_t ipvs_port_handed(const struct ipvs_laddr *l);
/* Ends a reservation: the port is free again (queued at the back). */
void ipvs_port_unreserve(struct ipvs_laddr *l, unsigned widx, uint16_t port);
bool ipvs_port_reserved(const struct ipvs_laddr *l, unsigned widx,
			uint16_t port);
/*
 * FullNAT replies are found by their local address and port, not by a
 * key: worker w's slot for port of l (or of the local address addr,
 * lock-free from any lcore), which holds the index + 1 of the conn the
 * port's replies belong to, 0 for none.  NULL: not a port of w (or no
 * such local address).  Only worker w reads or writes its slots.
 */
uint32_t *ipvs_port_owner(const struct ipvs_laddr *l, unsigned w,
			  uint16_t port);
uint32_t *ipvs_port_owner_find(uint8_t af, const union inet_addr *addr,
			       unsigned w, uint16_t port);
/* Master: free ports over every worker, out of *total per address. */
void ipvs_port_usage(const struct ipvs_laddr *l, uint32_t *free_ports,
		     uint32_t *total);
/* At shutdown: frees every address's pools. */
void ipvs_port_sets_fini(void);

#endif
