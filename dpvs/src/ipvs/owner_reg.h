/*
 * A keyed owner registry, shared by all workers: key -> the worker that
 * owns it, read without locks.  One instance a use: the NAT reply
 * tuples (nat_reg.h, first claim wins) and the sync directory
 * (sync_dir.h, newest record wins, its writers serialised).
 */
#ifndef DPVS_OWNER_REG_H
#define DPVS_OWNER_REG_H

#include <stdbool.h>
#include <stdint.h>

struct owner_reg;

/*
 * name: the rte_hash's (resources list it); what: the log's.  NULL (and
 * logged) when it cannot be made.
 */
struct owner_reg *owner_reg_create(const char *name, const char *what,
				   uint32_t entries, uint32_t key_len);
/* The workers are stopped. */
void owner_reg_free(struct owner_reg *r);
/*
 * Lock-free: 0, 1 (taken from a worker that yielded it), -EEXIST
 * (another worker's) or -ENOSPC (full).
 */
int owner_reg_claim(struct owner_reg *r, const void *key, unsigned widx);
/*
 * While widx owns key: with yields, a claim by another worker takes it
 * (what widx had it for is over); without, it does not.  False if widx
 * does not own it (any more).
 */
bool owner_reg_yield(struct owner_reg *r, const void *key, unsigned widx,
		     bool yields);
/*
 * widx owns key now, whoever did: 1 (a new key), 0 or -ENOSPC.  Writers
 * of an instance that uses this serialise around it and release.
 */
int owner_reg_set(struct owner_reg *r, const void *key, unsigned widx);
/* Deletes key if widx owns it; true if it did. */
bool owner_reg_release(struct owner_reg *r, const void *key, unsigned widx);
/* The owning worker, or -1. */
int owner_reg_owner(const struct owner_reg *r, const void *key);
/* Frees positions whose grace period is over. */
void owner_reg_reclaim(struct owner_reg *r);

#endif
