/*
 * Inside connection sync: what the connection table (ipvs_conn.c), the
 * packet path (ipvs_core.c), the producer (ipvs_sync_out.c) and the
 * installer (ipvs_sync_in.c) share.  The per-packet test is inline here:
 * without the MASTER role it is one load.
 */
#ifndef DPVS_IPVS_SYNC_INT_H
#define DPVS_IPVS_SYNC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_common.h>

#include "ipvs_conn.h"
#include "ipvs_sync.h"
#include "sync_dir.h"

/* Set by the master, read relaxed by the workers. */
extern unsigned ipvs_sync_roles_now;
extern struct ipvs_sync_params ipvs_sync_params_now;

/* What one worker counted; only that worker writes its row. */
struct sync_wstats {
	uint64_t out_ring_full, processed, installed, updated, replaced;
	uint64_t no_service, no_dest, no_laddr, port_busy, clash, full;
	uint64_t dir_full, handover, backup_only;
	uint64_t synced_in, synced_out;   /* synced conns made, released */
} __rte_cache_aligned;

extern struct sync_wstats ipvs_sync_wstats[RTE_MAX_LCORE];

struct rte_ring;

struct ipvs_service;
struct svc_snap;

/* ipvs_sync_out.c: queues a record of c (due); never blocks. */
void ipvs_sync_emit(struct ipvs_conn *c, uint32_t now);
/* Worker w pinned caddr to sn->dests[i] (ipvs_persist_bind): MASTER sends it. */
void ipvs_sync_note_tmpl(unsigned w, const struct ipvs_service *svc,
			 const struct svc_snap *sn, uint32_t caddr, int i);
/* The same for a v6 service (ipvs_persist_bind6): a v2 record. */
void ipvs_sync_note_tmpl6(unsigned w, const struct ipvs_service *svc,
			  const struct svc_snap *sn,
			  const struct in6_addr *caddr, int i);
/* A ring of size records, single producer and consumer. */
struct rte_ring *ipvs_sync_ring_new(const char *what, unsigned w,
				    uint32_t size);
/* The same of esize-byte elements (ipvs_sync_rec6); and nw rings freed. */
struct rte_ring *ipvs_sync_ring_new_elem(const char *what, unsigned w,
					 uint32_t size, unsigned esize);
void ipvs_sync_rings_free(struct rte_ring **r, unsigned nw);
/* nw rings of v6 records, "sync_<what>_<w>"; NULL if one cannot be made. */
struct rte_ring **ipvs_sync_rings6_new(const char *what, unsigned nw,
				       uint32_t size);

/*
 * Whether a packet that just moved c (state changed: changed; deadline
 * now + timeout) makes a record due: TCP on reaching ESTABLISHED and
 * each later change, UDP at threshold[0] packets then every
 * threshold[1], any conn already sent again once its last record is
 * older than min(refresh_s, timeout / 2).
 */
static inline bool ipvs_sync_due(struct ipvs_conn *c, bool changed,
				 uint32_t now, uint32_t timeout)
{
	const struct ipvs_sync_params *p = &ipvs_sync_params_now;
	bool sent = c->flags & CONN_F_SENT;
	uint32_t lim;

	if (c->proto == IPPROTO_UDP) {
		uint16_t n = c->sync_pkts < UINT16_MAX ? ++c->sync_pkts : UINT16_MAX;

		if (p->threshold[0] && n == p->threshold[0])
			return true;
		if (p->threshold[0] && p->threshold[1] &&
		    n >= p->threshold[0] + p->threshold[1]) {
			c->sync_pkts = p->threshold[0];
			return true;
		}
	} else if (changed) {
		if (c->state == CS_ESTABLISHED || sent || p->embryonic)
			return true;
	}
	/* An unsent TCP conn never completed its handshake: nothing to save. */
	if (!sent && c->proto != IPPROTO_UDP)
		return false;
	/* At most one refresh a second, whatever the timeout. */
	lim = RTE_MIN(timeout / 2, p->refresh_s);
	if (lim == 0)
		lim = 1;
	return now - c->sync_tick >= lim;
}

/* The end of ipvs_conn_update(), on the owning worker. */
static inline void ipvs_sync_note(struct ipvs_conn *c, bool changed,
				  uint32_t now, uint32_t timeout)
{
	if (!(__atomic_load_n(&ipvs_sync_roles_now, __ATOMIC_RELAXED) &
	      IPVS_SYNC_MASTER))
		return;
	if (ipvs_sync_due(c, changed, now, timeout))
		ipvs_sync_emit(c, now);
}

/* ipvs_sync_in.c; with_v6: v6 install rings too (ipv6.enable). */
int ipvs_sync_in_init(unsigned nw, uint32_t ring_size, bool with_v6);
void ipvs_sync_in_fini(void);
/* Records ipvs_sync_post could not queue (the master's count). */
uint64_t ipvs_sync_in_ring_full(void);
/* Records waiting in the install rings. */
uint32_t ipvs_sync_in_ring_count(void);
/* On worker w: installs tmpl (checked, no conn of its tuples here). */
void ipvs_sync_install_new(unsigned w, struct ipvs_conn *tmpl,
			   struct sync_wstats *st);

/* ipvs_sync_in6.c: the same for v6 and NAT64 records. */
int ipvs_sync_in6_init(unsigned nw, uint32_t ring_size);
void ipvs_sync_in6_fini(void);
uint32_t ipvs_sync_in6_ring_count(void);
uint64_t ipvs_sync_in6_ring_full(void);
/* Worker w's loop: installs what waits in its v6 ring.  Records taken. */
int ipvs_sync_install6(unsigned w);

/* conn_release() of a CONN_F_SYNCED conn on worker widx. */
void ipvs_sync_conn_gone(const struct ipvs_conn *c, unsigned widx);
/* The worker owning a synced conn of client tuple t, or -1. */
int ipvs_sync_dir_owner(const struct conn_tuple *t);
int ipvs_sync_dir_owner6(const struct conn_tuple6 *t);

/* sync.backup_only: BACKUP without MASTER makes no new conns. */
static inline bool ipvs_sync_refuses_new(void)
{
	return __atomic_load_n(&ipvs_sync_roles_now, __ATOMIC_RELAXED) ==
		       IPVS_SYNC_BACKUP &&
	       __atomic_load_n(&ipvs_sync_params_now.backup_only,
			       __ATOMIC_RELAXED);
}

static inline bool ipvs_sync_dir_used(void)
{
	return __atomic_load_n(&sync_dir_nkeys, __ATOMIC_RELAXED) != 0;
}

#endif
