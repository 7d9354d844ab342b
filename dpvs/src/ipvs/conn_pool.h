/*
 * The connection objects of all workers: one flat array, no per-object
 * header or cache-line rounding (a mempool's 24-byte header put each
 * 96-byte conn in 128 bytes); each worker's list of free objects,
 * linked through them, and a shared ring of free 32-bit indices (4
 * bytes a slot, not a mempool's 8-byte pointers) between the lists.  An
 * index names its object by arithmetic, so the master's listing walks
 * the array itself.
 */
#ifndef DPVS_CONN_POOL_H
#define DPVS_CONN_POOL_H

#include <stdint.h>

#include "ipvs_conn.h"

extern struct ipvs_conn *conn_objs;   /* [conn_nobjs] */
extern uint32_t conn_nobjs;

static inline uint32_t conn_index(const struct ipvs_conn *c)
{
	return (uint32_t)(c - conn_objs);
}

/* A link's reference to c: its index + 1, 0 for none. */
static inline uint32_t conn_ref(const struct ipvs_conn *c)
{
	return conn_index(c) + 1;
}

static inline struct ipvs_conn *conn_at(uint32_t ref)
{
	return ref ? &conn_objs[ref - 1] : NULL;
}

/* n objects for nworkers workers' lists (conn_pool_get/put's w). */
int conn_pool_init(uint32_t n, unsigned nworkers);
void conn_pool_fini(void);
/* Bytes conn_pool_init(n) takes (start-up checks). */
uint64_t conn_pool_bytes(uint64_t n);
/*
 * A free object for worker w, or NULL when all are taken; and one given
 * back.  Worker w's list is its own: only its thread (or one thread
 * while the workers are stopped) may pass w.  Any other w (>= nworkers)
 * goes to the shared ring, from any thread.
 */
struct ipvs_conn *conn_pool_get(unsigned w);
void conn_pool_put(unsigned w, struct ipvs_conn *c);
/* Objects taken (racy: a few conns stale at worst). */
uint32_t conn_pool_in_use(void);

#endif
