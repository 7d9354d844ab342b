/*
 * The registry of NAT reply tuples, shared by all workers: which worker's
 * connection owns a reply tuple.  A NAT reply carries no owner mark, and
 * two workers' conns (one client ip:port to two VIPs that share a real
 * server ip:port) would otherwise both take the same reply tuple.
 */
#ifndef DPVS_NAT_REG_H
#define DPVS_NAT_REG_H

#include <stdbool.h>
#include <stdint.h>

/* Keys of key_len bytes; entries: reply tuples held at once. */
int nat_reg_init(uint32_t entries, uint32_t key_len);
void nat_reg_fini(void);
/*
 * 0, 1 (taken from a conn that is over: nat_reg_yield), -EEXIST
 * (another conn's) or -ENOBUFS (registry full).
 */
int nat_reg_claim(const void *key, unsigned widx);
/*
 * Whether widx's conn of key lets a new conn of another worker take it
 * (yields: the conn is over, both sides closed) or not (again).  False
 * if widx does not own key (any more: it was taken).
 */
bool nat_reg_yield(const void *key, unsigned widx, bool yields);
/* Gives key back if widx owns it. */
void nat_reg_release(const void *key, unsigned widx);
/* Workers, each loop: frees positions whose grace period is over. */
void nat_reg_reclaim(void);
/* The owning worker, or -1. */
int nat_reg_owner(const void *key);

#endif
