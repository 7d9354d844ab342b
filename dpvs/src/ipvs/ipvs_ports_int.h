/*
 * Inside the FullNAT port pools: what ipvs_ports.c (the pools) and
 * ports_tab.c (their sets found by address) share.
 */
#ifndef DPVS_IPVS_PORTS_INT_H
#define DPVS_IPVS_PORTS_INT_H

#include <stdint.h>

#include "net/inet_addr.h"

/*
 * A worker's free ports of one local address, reused oldest first: a
 * port freed by early drop may still be known to a real server (a
 * half-open connection there, its SYN-ACKs on the way), so it goes to
 * the back of the queue rather than to the next connection.
 *
 * A conn installed from the HA peer (ipvs_sync.h) holds a port this
 * worker never handed out, maybe still queued: it is reserved instead of
 * taken out of the middle of the queue.  Four bitmaps over the pool's
 * ports (bit (port - FNAT_PORT_MIN) / nworkers): HELD, handed out by
 * ipvs_port_get; RSV, reserved by a synced conn; SKIP, popped while
 * reserved (so out of the queue until the reservation ends); WANT, a
 * synced conn needs the port a stale conn of this LB still holds (the
 * peer reused it), so the holder's release reserves it instead of
 * queueing it.  Only the owning worker writes them.
 */
enum { PB_HELD, PB_RSV, PB_SKIP, PB_WANT, PB_N };

struct port_pool {
	uint32_t count;        /* queued ports; read by the master */
	uint32_t rsv_queued;   /* of them reserved (not free); read by the master */
	uint32_t head;         /* the oldest */
	uint32_t size;         /* slots */
	uint64_t handed;       /* released ports that went to their wanter */
	unsigned nw;           /* the bit of a port: (port - MIN) / nw */
	uint64_t *bits[PB_N];  /* size bits each, in one allocation after ports */
	/*
	 * By bit: the conn index + 1 of the conn whose replies this port
	 * brings (ipvs_port_owner), 0 for none; only the owning worker
	 * reads or writes it.
	 */
	uint32_t *owner;
	uint16_t ports[];
};
/*
 * Local ports belong to the address, not to a service: services that
 * share a local address (keepalived's local_address_group does that)
 * must never hand out the same port, or the reply slot of one
 * connection would name another and send its replies to the wrong
 * client.  So each address has one set of per-worker pools, found by
 * address when a service adds it.  The master keeps the registry and
 * frees unused sets; a worker dropping the last connection of a local
 * address only lowers the count.
 */
struct port_set {
	uint8_t af;
	union inet_addr addr;
	uint32_t refs;               /* laddr objects using it; atomic */
	struct port_pool **pools;    /* [nworkers] */
	unsigned npools;
	struct port_set *next;       /* master's registry */
};


/* ports_tab.c: the sets by address, for the workers' reply lookups. */
/* Master. */
int ports_tab_add(struct port_set *ps);
void ports_tab_del(const struct port_set *ps);
void ports_tab_fini(void);
/* Any lcore, lock-free; the set stays valid until its next quiescent state. */
struct port_set *ports_tab_find(uint8_t af, const union inet_addr *addr);

#endif
