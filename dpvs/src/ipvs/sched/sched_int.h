/*
 * Scheduler internals shared by the sched*.c files only: each
 * algorithm's ops for the registry, the connection overheads IPVS
 * compares, and the lookup tables the hash-based schedulers build in
 * init and only index on the fast path.
 */
#ifndef DPVS_SCHED_INT_H
#define DPVS_SCHED_INT_H

#include <stdint.h>

#include "sched.h"
#include "sched_addr.h"

extern const struct sched_ops sched_rr_ops, sched_wrr_ops, sched_lc_ops,
	sched_wlc_ops, sched_sed_ops, sched_nq_ops, sched_sh_ops, sched_dh_ops,
	sched_fo_ops, sched_mh_ops, sched_conhash_ops, sched_lblc_ops,
	sched_lblcr_ops, sched_ovf_ops, sched_twos_ops;

/* A table slot that maps to no server; also the cap on servers. */
#define SCHED_NONE 0xffffu

static inline uint64_t sched_flow_saddr_key(const struct sched_flow *f)
{
	return sched_addr_key(f->af, f->saddr, f->saddr6);
}

static inline uint64_t sched_flow_daddr_key(const struct sched_flow *f)
{
	return sched_addr_key(f->af, f->daddr, f->daddr6);
}

/*
 * What sh and mh hash of a flow: its source, with the port if asked.
 * v4: the address above the port, as always; v6: the folded address
 * and the port mixed, which the table lookup's hash spreads again.
 */
static inline uint64_t sched_src_key(const struct sched_svc *svc,
				     const struct sched_flow *f)
{
	uint64_t port = svc->flags & SCHED_F_PORT ? f->sport : 0;

	if (f->af == AF_INET6)
		return sched_flow_saddr_key(f) ^ port;
	return (uint64_t)f->saddr << 16 | port;
}

/* A server's key: where mh and conhash place it. */
static inline uint64_t sched_dest_key(const struct sched_dest *d)
{
	if (d->af == AF_INET6)
		return sched_addr_key(d->af, 0, d->addr6) ^ d->port;
	return (uint64_t)d->addr << 16 | d->port;
}

static inline uint32_t sched_load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* IPVS: an active conn weighs 256 inactive ones (ip_vs_dest_conn_overhead). */
static inline uint64_t sched_overhead(const struct sched_dest *d)
{
	if (!d->cnt)
		return 0;
	return (uint64_t)sched_load(&d->cnt->active) * 256 +
	       sched_load(&d->cnt->inactive);
}

static inline uint32_t sched_active(const struct sched_dest *d)
{
	return d->cnt ? sched_load(&d->cnt->active) : 0;
}

/*
 * The least loaded usable server by overhead(d) / weight, compared by
 * cross-multiplication as IPVS does (no division); first wins a tie.
 */
int sched_least(const struct sched_svc *svc,
		uint64_t (*overhead)(const struct sched_dest *d));

/* The first usable server from `start` on, wrapping; -1 if none. */
int sched_first_usable(const struct sched_svc *svc, unsigned start);

/* Greatest common divisor of the positive weights; 0 if there are none. */
uint32_t sched_weight_gcd(const struct sched_svc *svc);

/*
 * The servers a hash table is built from: weight > 0, ordered by
 * family (v4 first), address and port so the table does not depend on
 * the order the control side happens to list them in.
 */
struct sched_set {
	unsigned n;
	uint32_t gcd;           /* of their weights */
	uint64_t wsum;          /* sum of their weights */
	unsigned idx[];         /* into svc->dests */
};

/* 0, -ENOMEM, or -EINVAL for more servers than a table slot can name. */
int sched_set_build(const struct sched_svc *svc, struct sched_set **out);

/* A lookup table: slot -> index into svc->dests, or SCHED_NONE. */
struct sched_tab {
	uint32_t size;
	uint16_t slot[];
};

/* A table of `size` empty slots, or NULL. */
struct sched_tab *sched_tab_alloc(uint32_t size);

/*
 * The server of the slot `key` hashes to; if it is unusable, -1, or with
 * SCHED_F_FALLBACK the next usable slot of the flow's own probe
 * sequence, so a failed server's flows spread by weight over the rest.
 */
int sched_tab_lookup(const struct sched_svc *svc, const struct sched_tab *t,
		     uint64_t key);

/* sh and dh: a table of buckets shared out by weight (sched_sh.c). */
int sched_bucket_init(struct sched_svc *svc);

/*
 * The usable server of the highest weight (the first listed wins a
 * tie), -1 if none: fo's choice, and ovf's with capped (a server with
 * more active connections than its weight is full).
 */
static inline int sched_highest_weight(const struct sched_svc *svc, bool capped)
{
	int32_t hw = 0;
	int best = -1;

	for (unsigned i = 0; i < svc->ndests; i++) {
		const struct sched_dest *d = &svc->dests[i];

		if (d->weight > hw &&
		    (!capped || (int64_t)sched_active(d) <= d->weight) &&
		    sched_dest_usable(d)) {
			best = (int)i;
			hw = d->weight;
		}
	}
	return best;
}

/* The `done` of every scheduler whose priv is one malloc'd block. */
void sched_free_priv(struct sched_svc *svc);

#endif
