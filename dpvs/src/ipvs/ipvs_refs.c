/*
 * Lifetimes of real servers and local addresses.  Connections hold
 * references to them, so a config change that removes one leaves it to
 * the last connection (or stats request) to free.
 */
#include <rte_malloc.h>

#include "ipvs.h"
#include "ipvs_conn.h"
#include "ipvs_svc_priv.h"
#include "ipvs_xmit.h"

uint32_t ipvs_nat_dests;

void *ipvs_pc_alloc(size_t elem)
{
	unsigned n = ipvs_nworkers();

	return rte_zmalloc("ipvs_pc", elem * (n ? n : 1), RTE_CACHE_LINE_SIZE);
}

/* A running count: recounting every service per change made loading N
 * services cost N^2.  A dest leaves it when its last connection goes. */
void ipvs_nat_count(const struct ipvs_dest *d, int delta)
{
	if (ipvs_fwd_counts_nat((enum ipvs_fwd)d->fwd))
		__atomic_add_fetch(&ipvs_nat_dests, (uint32_t)delta,
				   __ATOMIC_RELAXED);
}

void ipvs_dest_put(struct ipvs_dest *d)
{
	if (__atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	/* Its NAT connections need the hand-over search until the last. */
	ipvs_nat_count(d, -1);
	rte_free(d->stats);
	rte_free(d);
}

void ipvs_laddr_put(struct ipvs_laddr *l)
{
	if (__atomic_sub_fetch(&l->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	ipvs_port_pools_free(l);
	rte_free(l->conns);
	rte_free(l);
}
