/*
 * The locality tables of lblc and lblcr (sched_lbl.c): destination
 * address (its sched_addr_key: a v4 address itself, a v6 one folded to
 * 64 bits, so two v6 destinations may share an entry) -> server(s), one fixed-size table per worker in the worker's
 * scratch area (sched_ops.wstate_size), so workers never share or lock
 * it and the fast path never allocates.  Included by sched_lbl*.c only.
 *
 * A table is LBL_BUCKETS buckets of LBL_WAYS entries.  An address lives
 * in the bucket its hash names; a new one takes that bucket's empty or
 * expired entry, else its least recently used one, so the table holds
 * up to LBL_SLOTS addresses whatever the churn and needs no timer: an
 * entry not used for LBL_EXPIRE seconds counts as absent when next met.
 */
#ifndef DPVS_SCHED_LBL_H
#define DPVS_SCHED_LBL_H

#include <stdbool.h>
#include <stdint.h>

#include "sched_int.h"

#define LBL_WAYS 4
#define LBL_BUCKETS 64
#define LBL_SLOTS (LBL_WAYS * LBL_BUCKETS)
/* IPVS's lblc_expiration and lblcr_expiration defaults: 24 hours. */
#define LBL_EXPIRE (24u * 60 * 60)
/* lblcr: most servers one address's set holds (IPVS: no limit). */
#define LBL_SET_MAX 6

struct lbl_entry {
	uint64_t addr;          /* sched_addr_key of the destination */
	uint32_t used;          /* flow time of the last use: expiry */
	uint32_t seq;           /* the table's use count then: LRU order */
	uint32_t mod;           /* lblcr: when the set last changed */
	uint16_t n;             /* servers in set; 0: an empty entry */
	uint16_t set[LBL_SET_MAX]; /* indexes into svc->dests */
};

/* A worker's table; all zeroes is an empty one. */
struct lbl_ws {
	uint32_t seq;
	struct lbl_entry e[LBL_SLOTS];
};

_Static_assert(sizeof(struct lbl_ws) <= SCHED_WSTATE_MAX,
	       "a worker's table outgrows its scratch area");

/* addr's live entry, marked used at now; NULL if none (or expired). */
struct lbl_entry *lbl_find(struct lbl_ws *w, uint64_t addr, uint32_t now);
/* A fresh entry for addr with an empty set, evicting if need be. */
struct lbl_entry *lbl_insert(struct lbl_ws *w, uint64_t addr, uint32_t now);
/*
 * IPVS's is_overloaded() of lblc and lblcr: more active connections than
 * its weight while some server has fewer than half its weight.
 */
bool lbl_overloaded(const struct sched_svc *svc, const struct sched_dest *d);
/* Usable and not overloaded in that sense: the cached server stands. */
bool lbl_fits(const struct sched_svc *svc, unsigned i);

#endif
