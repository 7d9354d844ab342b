/*
 * The sync directory: the client tuple of each conn installed from the
 * HA peer -> the worker that owns it.  The owner is a guess of which
 * worker RSS gives the client (ipvs_sync_post); when the guess is wrong,
 * the client's packets reach another worker, which finds the owner here
 * and hands them over.  Made at the first BACKUP start, so an LB without
 * sync pays nothing; read without locks.
 */
#ifndef DPVS_SYNC_DIR_H
#define DPVS_SYNC_DIR_H

#include <stdbool.h>
#include <stdint.h>

/* Master; keys of key_len bytes.  0 (also when made already) or -ENOMEM. */
int sync_dir_init(uint32_t entries, uint32_t key_len);
void sync_dir_fini(void);
/* Worker widx owns key now (the newest record wins).  0, -ENOSPC, -ENODEV (none). */
int sync_dir_add(const void *key, unsigned widx);
/* Removes key if widx owns it. */
void sync_dir_del(const void *key, unsigned widx);
/* Any worker: the owner of key, or -1. */
int sync_dir_owner(const void *key);
/* Keys in the directory; read relaxed (0: a miss asks nothing). */
extern uint32_t sync_dir_nkeys;
/* Keys in the directory (relaxed), and its size (0: not made). */
uint32_t sync_dir_count(void);
uint32_t sync_dir_size(void);
/* Workers, each loop: frees positions whose grace period is over. */
void sync_dir_reclaim(void);

#endif
