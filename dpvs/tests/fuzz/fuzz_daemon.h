/*
 * The real daemon, started in the fuzzer's process: config file, EAL,
 * every subsystem and control-op registration, exactly as dpvs starts
 * (daemon_start).  The fuzzer's thread is the master lcore; the fuzz
 * targets drive the lcores themselves instead of lcore_run().
 */
#ifndef DPVS_FUZZ_DAEMON_H
#define DPVS_FUZZ_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "wire.h"

/* Workers are lcores 1 and 2, each owning rx/tx queue 0 or 1 of dpdk0. */
#define FUZZ_NWORKERS 2

/*
 * Writes a config for a dpdk0 on `devargs` (2 queues) and starts the
 * daemon; exits the process if it cannot.  `extra` is appended to the
 * config (more sections).
 */
void fuzz_daemon_start(const char *name, const char *devargs,
		       const char *extra);

/*
 * Runs one control op through the real dispatcher; returns its status.
 * The reply data is left in *out if out is not NULL (wb_free it).
 */
uint32_t fuzz_op(uint32_t op, const void *payload, size_t len,
		 struct wbuf *out);
/* Same with the payload in a wbuf, which it frees. */
uint32_t fuzz_op_wb(uint32_t op, struct wbuf *req);

/*
 * dpdk0 on net_ring0 as the in-process tests drive it: queue q's ring is
 * both its rx and its tx, and frames put on it come from pool.
 */
struct fuzz_port {
	uint16_t id;
	struct rte_ether_addr mac;
	struct rte_ring *rings[FUZZ_NWORKERS];
	struct rte_mempool *pool;
};

/*
 * After fuzz_daemon_start on "net_ring0": finds the port and its rings
 * and makes a pool of n mbufs; -1 if any is missing.
 */
int fuzz_port_open(struct fuzz_port *p, const char *pool_name, unsigned n);

/*
 * One pass of worker w's loop, run on this thread as that lcore: its
 * own thread is idle meanwhile, so every per-lcore structure (queues,
 * caches, rings) keeps one user at a time.  Two thread hand-offs per
 * frame would cost more than the pass on a busy machine.
 */
void fuzz_run_worker(unsigned w);

/*
 * Undoes what control ops may have changed since the start: services,
 * addresses, routes, neighbours, timeouts, log level.
 */
void fuzz_daemon_reset(void);

#endif
