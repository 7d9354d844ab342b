/*
 * What the IPv4 and IPv6 hooks (ipvs_core.c, ipvs_core6.c) share: the
 * hand-over rings and their marks, and sending a packet of a conn.
 */
#ifndef DPVS_IPVS_CORE_INT_H
#define DPVS_IPVS_CORE_INT_H

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "ipvs.h"
#include "ipvs_conn.h"

#define HO_NAT 0x100   /* m->hash.usr: a NAT reply looking for its owner */
#define HO_SYNC 0x200  /* m->hash.usr: a client packet for a synced conn's owner */

/* Workers (the hand-over rings are there only with 2 or more). */
unsigned ipvs_core_workers(void);
/* m to worker `to`'s ring from `from`; counted, dropped when full. */
void ipvs_core_handover(unsigned lc, unsigned from, unsigned to,
			struct rte_mbuf *m);
/* ipvs_core6.c: an IPv6 packet another worker handed over (m at L3). */
void ipvs_handover6(unsigned lc, unsigned w, struct rte_mbuf *m);

/* Whole seconds: all lblc and lblcr need to expire their entries. */
static inline uint32_t sched_now(void)
{
	return (uint32_t)(rte_get_tsc_cycles() / rte_get_tsc_hz());
}

/*
 * Counts and sends a packet of an existing connection (l3: its IP
 * header, either family).  The IPv4 path calls its own static copy, so
 * its code is what it was.
 */
void ipvs_conn_xmit(unsigned lc, unsigned w, struct ipvs_conn *c,
		    enum conn_dir dir, struct rte_mbuf *m, void *l3, void *l4);

#endif
