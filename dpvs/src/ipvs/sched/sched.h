/*
 * Schedulers: which real server gets a new connection.  One small file
 * per algorithm (sched_rr.c, sched_wlc.c, ...) behind this ops table,
 * registered by name.  Pure code, no DPDK: unit-tested directly.
 *
 * The control side builds a sched_svc (the usable view of a service's
 * real servers) and calls ops->init once; the result is read-only on the
 * fast path.  A worker calls ops->schedule with its own zeroed scratch
 * area of ops->wstate_size bytes (round-robin positions, lblc's table,
 * twos's random state), so workers never share mutable scheduler state.
 * The area is zeroed with each new snapshot: indexes into dests kept
 * there never outlive the dests they index.
 */
#ifndef DPVS_SCHED_H
#define DPVS_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Live connection counters of one real server, shared by all workers
 * (atomic updates).  `overloaded` follows IPVS: set when active +
 * inactive reaches the upper threshold, cleared below the lower one.
 */
struct sched_counters {
	uint32_t active;
	uint32_t inactive;
	uint32_t overloaded;
};

/*
 * Addresses of both families as raw bytes: this folder sees no net/
 * types.  af 0 or AF_INET: the v4 fields; AF_INET6: the 16-byte ones.
 */
struct sched_dest {
	uint32_t addr;          /* host byte order; v4 */
	uint16_t port;          /* host byte order */
	uint8_t af;
	uint8_t addr6[16];      /* network order; v6 */
	int32_t weight;         /* 0: quiescent, no new connections */
	uint32_t u_thresh;      /* 0: no upper limit */
	uint32_t l_thresh;      /* 0: 3/4 of u_thresh, as IPVS */
	struct sched_counters *cnt;
	void *owner;            /* the caller's real-server object */
};

#define SCHED_F_FALLBACK 0x1    /* mh/sh/dh: skip unusable servers */
#define SCHED_F_PORT 0x2        /* mh/sh: hash the source port too */

struct sched_svc {
	struct sched_dest *dests;
	unsigned ndests;
	uint32_t flags;         /* SCHED_F_* */
	uint32_t mh_size;       /* Maglev table size, a prime (0: 65537) */
	void *priv;             /* built by init, freed by done */
};

struct sched_flow {
	uint32_t saddr;         /* host byte order; v4 */
	uint32_t daddr;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint32_t now;           /* seconds, any origin: lblc/lblcr expiry */
	uint8_t af;             /* 0 or AF_INET: saddr, daddr */
	const uint8_t *saddr6;  /* AF_INET6: 16 bytes each, network order */
	const uint8_t *daddr6;
};

/* The largest per-worker scratch area a scheduler may ask for. */
#define SCHED_WSTATE_MAX 16384

struct sched_ops {
	const char *name;
	size_t wstate_size;     /* per-worker scratch bytes, zeroed; up to
				 * SCHED_WSTATE_MAX */
	/* Builds priv from dests; 0 or -ENOMEM/-EINVAL.  May be NULL. */
	int (*init)(struct sched_svc *svc);
	void (*done)(struct sched_svc *svc);
	/* Index into svc->dests of the chosen server, or -1 if none fits. */
	int (*schedule)(const struct sched_svc *svc, void *ws,
			const struct sched_flow *f);
};

/* The scheduler named `name` (rr wrr lc wlc sed nq sh dh fo
 * mh conhash lblc lblcr ovf twos). */
const struct sched_ops *sched_lookup(const char *name);
/* Names of every scheduler, NULL-terminated. */
const char *const *sched_names(void);
/* Weight > 0 and not over its connection threshold (updates hysteresis). */
bool sched_dest_usable(const struct sched_dest *d);

#endif
