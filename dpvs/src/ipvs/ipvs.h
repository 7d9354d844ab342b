/*
 * The load-balancing core: services, real servers (dests), FullNAT local
 * addresses, and per-worker connection tables.
 *
 * Services and what a worker needs of them (the scheduler view, the
 * local-address pool) are published as immutable snapshots under RCU:
 * the master builds a new one whole and swaps one pointer.  Dests and
 * local addresses are long-lived objects that connections reference, so
 * a config change never touches established connections of a real
 * server that stays.  Dests are not immutable: ipvs_dest_edit() rewrites
 * fwd, weight and thresholds in place before publishing.
 */
#ifndef DPVS_IPVS_H
#define DPVS_IPVS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "core/conf.h"
#include "net/inet_addr.h"
#include "ipvs/ipvs_fwd.h"
#include "ipvs/sched/sched.h"

/*
 * The data plane's own vocabulary: ctrl/handlers/ipvs_ctl.c converts
 * the wire's records to and from these, so neither the wire format nor
 * these structures need change when the other does.
 */
#define IPVS_MAX_LADDR 64
#define IPVS_WSTATE_STRIDE 64   /* least per-worker scheduler scratch */
#define IPVS_SCHED_NAME_MAX 15
#define IPVS_SCHED_DEFAULT "wlc"
#define IPVS_PERSIST_TIMEOUT_DEFAULT 300 /* seconds, as ipvsadm */

#define IPVS_SVC_F_PERSISTENT 0x1
#define IPVS_SVC_F_SCHED_FALLBACK 0x2 /* mh/sh/dh: skip unusable servers */
#define IPVS_SVC_F_SCHED_PORT 0x4     /* mh/sh: hash the source port too */
#define IPVS_SVC_F_PROXY_V1 0x8       /* FullNAT TCP: PROXY v1 header to servers */
#define IPVS_SVC_F_PROXY_V2 0x10      /* FullNAT TCP: PROXY v2 header to servers */

/* A service's configuration, as asked for; 0 and "" take defaults. */
struct ipvs_svc_conf {
	uint8_t proto;
	uint8_t af;                /* AF_INET (0 means it too) or AF_INET6 */
	union inet_addr vip;       /* in4 host order, in6 network order */
	uint16_t vport;
	char sched[IPVS_SCHED_NAME_MAX + 1]; /* "": IPVS_SCHED_DEFAULT */
	uint32_t flags;            /* IPVS_SVC_F_* */
	uint32_t timeout;          /* persistent only; 0: the default */
	uint32_t netmask;          /* host order; 0: one client per address.
				    * AF_INET6: a prefix length 1..128 */
};

/* A real server's configuration. */
struct ipvs_dest_conf {
	uint8_t af;                /* the server's: AF_INET6 service with an
				    * AF_INET server is NAT64 (FullNAT only) */
	union inet_addr addr;
	uint16_t port;
	uint8_t fwd;               /* enum ipvs_fwd */
	int32_t weight;            /* 0: quiescent */
	uint32_t u_thresh;         /* 0: no limit */
	uint32_t l_thresh;
};

/* Traffic counted since start (or since the last zeroing). */
struct ipvs_counters {
	uint64_t conns;
	uint64_t inpkts;
	uint64_t outpkts;
	uint64_t inbytes;
	uint64_t outbytes;
};

/* The same per second. */
struct ipvs_rates {
	uint64_t cps;
	uint64_t inpps;
	uint64_t outpps;
	uint64_t inbps;
	uint64_t outbps;
};

/* Counters of one worker for one object; only that worker writes. */
struct ipvs_pcstats {
	uint64_t conns;
	uint64_t inpkts;
	uint64_t outpkts;
	uint64_t inbytes;
	uint64_t outbytes;
} __rte_cache_aligned;

/* Rates the master derives from the summed counters. */
/* Samples every IPVS_RATE_MS; rates are over the last IPVS_RATE_WINDOW. */
#define IPVS_RATE_MS 2000
#define IPVS_RATE_WINDOW 4

struct ipvs_rate_sample {
	uint64_t tsc;              /* 0: empty */
	struct ipvs_counters c;
};

struct ipvs_rate {
	struct ipvs_rate_sample ring[IPVS_RATE_WINDOW + 1];
	unsigned head;             /* next slot to write */
	struct ipvs_rates rate;    /* per second over the window */
};

struct ipvs_dest {
	union inet_addr addr;      /* in4 host order */
	uint8_t af;                /* the server's */
	uint8_t vaf;               /* the service's (in a pad byte): differs
				    * for NAT64 only; 0 means AF_INET */
	uint16_t port;
	uint8_t fwd;               /* enum ipvs_fwd */
	int32_t weight;
	uint32_t u_thresh;
	uint32_t l_thresh;
	struct sched_counters cnt; /* active/inactive, shared atomics */
	uint32_t persistconns;
	uint32_t refcnt;           /* conns + 1 while listed; atomic */
	struct ipvs_pcstats *stats;/* [nworkers], by worker index */
	struct ipvs_counters total;/* master: last gathered sum - base */
	struct ipvs_counters base; /* master: the raw sum at the last -Z */
	struct ipvs_rate rate;     /* master only */
	struct ipvs_dest *next;    /* master: the service's list */
	/* Last, so the v4 fields keep their offsets and cache lines. */
	union inet_addr vaddr;     /* the service's VIP: v6 conns read it here */
};

/* A FullNAT local address: each worker owns its own slice of ports. */
struct ipvs_laddr {
	union inet_addr addr;      /* in4 host order */
	uint8_t af;
	uint16_t port_id;          /* DPDK port it lives on */
	bool ha;                   /* an HA address when added: new conns use
				    * it only while the lease is held */
	uint32_t refcnt;           /* conns + 1 while listed; atomic */
	uint64_t *conns;           /* [nworkers * 8] conns made, a line each */
	struct port_pool **pools;  /* [nworkers], worker-private; of pset */
	struct port_set *pset;     /* the address's ports, shared by services */
	struct ipvs_laddr *next;
};

/*
 * What workers read of a service; never changed once published (the
 * master publishes a new one).  Workers write only their own wstate
 * slice and, through ss.dests[].cnt, the dests' shared counters.
 */
struct svc_snap {
	const struct sched_ops *ops;
	struct sched_svc ss;
	struct ipvs_dest **dests;  /* parallel to ss.dests */
	unsigned nladdr;           /* v4 local addresses: laddrs[0, nladdr) */
	struct ipvs_laddr *laddrs[IPVS_MAX_LADDR]; /* then nladdr6 v6 ones */
	uint8_t *wstate;           /* nworkers * wstride */
	size_t wstride;            /* ops->wstate_size, in cache lines */
	uint32_t persist_timeout;  /* seconds; 0: not persistent */
	uint32_t netmask;          /* host order: client granularity */
	uint8_t pp_ver;            /* FullNAT TCP: PROXY header version, 0: none */
	uint8_t af;                /* the service's */
	uint8_t plen6;             /* AF_INET6: client granularity, 1..128 */
	unsigned nladdr6;          /* v6 local addresses: laddrs[nladdr, +nladdr6) */
};

struct ipvs_service {
	uint8_t proto;
	uint8_t af;                /* AF_INET or AF_INET6 */
	union inet_addr vip;       /* in4 host order */
	uint16_t vport;
	char sched[IPVS_SCHED_NAME_MAX + 1];
	uint32_t flags;            /* IPVS_SVC_F_* */
	uint32_t timeout;          /* persistence, seconds; 0: none */
	uint32_t netmask;          /* host order; AF_INET6: a prefix length */
	struct svc_snap *snap;     /* RCU-published */
	unsigned ndests;
	struct ipvs_dest *dests;   /* master list */
	struct ipvs_laddr *laddrs; /* master list */
	struct ipvs_rate rate;     /* of the sum over its dests */
	struct ipvs_counters gone; /* counted by dests since deleted */
};

int ipvs_init(const struct dpvs_conf *c);
void ipvs_fini(void);

/* Worker index (0..nworkers-1) of an lcore: FullNAT ports encode it. */
unsigned ipvs_worker_index(unsigned lcore);

/* Master-side configuration; 0 or -errno. */
/*
 * The service tables (ipvs_svc.c), one per family; ipvs.max_services
 * bounds both together.  af 0 means AF_INET.  -EAFNOSUPPORT: another
 * family.  An IPv6 service's VIP is neither multicast nor ::, and its
 * netmask a prefix length up to 128 (0: 128); else -EINVAL.
 */
struct ipvs_service *ipvs_svc_get(uint8_t proto, uint8_t af, const union inet_addr *vip,
				  uint16_t vport);
int ipvs_svc_add(const struct ipvs_svc_conf *c);
int ipvs_svc_edit(const struct ipvs_svc_conf *c);
int ipvs_svc_del(uint8_t proto, uint8_t af, const union inet_addr *vip, uint16_t vport);
void ipvs_svc_flush(void);
void ipvs_svc_walk(void (*fn)(struct ipvs_service *s, void *arg), void *arg);
/* A service's real servers (ipvs_dest.c) and local addresses (ipvs_laddr.c). */
int ipvs_dest_add(struct ipvs_service *s, const struct ipvs_dest_conf *c);
int ipvs_dest_edit(struct ipvs_service *s, const struct ipvs_dest_conf *c);
int ipvs_dest_del(struct ipvs_service *s, uint8_t af, const union inet_addr *addr,
		  uint16_t port);
/*
 * Family rules (-EAFNOSUPPORT otherwise): a real server of the service's
 * family for every method, or NAT64, an IPv4 server of an IPv6 service
 * by FullNAT (an edit may not move such a server off FullNAT).  A v4
 * service takes v4 local addresses; a v6 one both families, each used
 * for servers of its family.  At most IPVS_MAX_LADDR of them.
 */
int ipvs_laddr_add(struct ipvs_service *s, uint8_t af, const union inet_addr *addr,
		   uint16_t port_id);
int ipvs_laddr_del(struct ipvs_service *s, uint8_t af, const union inet_addr *addr);
/*
 * Sums every worker's counters of every real server into dest->total,
 * through a multicast message, without waiting for it: cb(arg, rc) runs
 * on the master once every worker answered (rc 0) or the time ran out
 * (rc < 0, the last totals kept).  0: cb will run (maybe already has);
 * -errno: it never will.
 */
typedef void (*ipvs_gather_cb)(void *arg, int rc);
int ipvs_stats_gather_async(ipvs_gather_cb cb, void *arg);
/* Only svc's real servers (all when NULL). */
int ipvs_stats_gather_svc_async(struct ipvs_service *svc, ipvs_gather_cb cb,
				void *arg);
int ipvs_stats_init(void);
/* Counters since the last zeroing (ipvs_counters.c). */
void ipvs_svc_stats(const struct ipvs_service *s, struct ipvs_counters *out);
void ipvs_zero(struct ipvs_service *s);
int ipvs_svc_table_init(uint32_t max_services);
/* Bytes of DPDK memory the table of n services takes (start-up checks). */
uint64_t ipvs_svc_mem_need(uint32_t max_services);
void ipvs_svc_table_fini(void);
/* Key slots in use (deleted ones not yet given back count) and the limit. */
void ipvs_svc_usage(uint32_t *used, uint32_t *size);
/*
 * Master: moves with every change of a service, its real servers or
 * local addresses (HA sync asks for a bulk again after one).
 */
uint64_t ipvs_config_gen(void);
/* Rates (ipvs_rate.c): one new sample of r's counters. */
void ipvs_rate_job_one(struct ipvs_rate *r, const struct ipvs_counters *now);
/* Master timer, every IPVS_RATE_MS: refreshes every service's and dest's rates. */
void ipvs_rate_tick(void *arg);

/*
 * NAT real servers configured, over every service: while there are
 * none, replies that match no connection of their worker are not passed
 * round the others (NAT replies carry no owner mark).  Kept by ipvs_refs.c
 * as dests come, go and change method; read by workers.
 */
extern uint32_t ipvs_nat_dests;

/*
 * Drops a reference; the last one frees the object at once.  The grace
 * period is the caller's: the master drops the list's reference only
 * after publish() waited for one, and a connection's reference keeps the
 * object until the connection is freed.
 */
void ipvs_dest_put(struct ipvs_dest *d);
void ipvs_laddr_put(struct ipvs_laddr *l);

/* Service lookup on the fast path (RCU). */
struct ipvs_service *ipvs_svc_lookup(uint8_t proto, uint32_t vip,
				     uint16_t vport);
struct ipvs_service *ipvs_svc_lookup6(uint8_t proto, const struct in6_addr *vip,
				      uint16_t vport);

#endif
