/*
 * Per-worker connection tables (ipvs_conn.c; expiry in
 * ipvs_conn_wheel.c, early drop in ipvs_conn_embryo.c, the rx burst's
 * bulk lookup in ipvs_conn_burst.c, the listing in ipvs_conn_list.c).
 * A connection lives in exactly one worker's table, hashed under its
 * client tuple (a NAT one also under its reply tuple; a FullNAT one's
 * replies are found by their local address and port, ipvs_ports.h);
 * nothing here is shared between workers, so nothing locks.  Expiry runs on a timer
 * wheel of one-second slots; a deadline moved later is re-filed lazily
 * when its old slot comes up, one moved earlier (a state with a shorter
 * timeout) at once.
 */
#ifndef DPVS_IPVS_CONN_H
#define DPVS_IPVS_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/queue.h>

#include "ipvs.h"
#include "ipvs_ports.h"
#include "ipvs_proto.h"
#include "proxy_proto.h"

#define CONN_F_INACTIVE 0x1   /* counted in the dest's inactive conns */
#define CONN_F_EMBRYO   0x2   /* on its worker's embryonic list */
#define CONN_F_DEAD     0x4   /* evicted: out of the table, still on the wheel */
#define CONN_F_KNOWN    0x8   /* embryo of a client known to complete handshakes */
#define CONN_F_SYNCED   0x10  /* installed from a sync record (ipvs_sync.h) */
#define CONN_F_PORT_RSV 0x20  /* holds a reserved FullNAT port: a synced conn's */
#define CONN_F_SENT     0x40  /* a sync record of it was queued: send its changes */
#define CONN_F_PORT_WANT 0x80 /* synced: its port, held by a stale conn, is wanted */

/*
 * One object for both families, no bigger for IPv6: a v4 conn holds its
 * four addresses inline, where they always were; a v6 (or NAT64) conn
 * holds only its client's, and reads its VIP, real server and local
 * address through dest and lobj (ipvs_conn_vaddr() ...), which its
 * references keep alive and whose addresses never change.  The family
 * is the service's, dest->vaf.
 */
struct ipvs_conn {
	union {
		struct {
			uint32_t caddr, vaddr, laddr, daddr;   /* host order */
		};
		struct in6_addr caddr6;   /* v6 and NAT64 conns, network order */
	};
	uint16_t cport, vport, lport, dport;
	uint8_t proto;
	uint8_t fwd;           /* enum ipvs_fwd */
	uint8_t state;
	uint8_t flags;
	uint8_t used;          /* in a table (read by the master's listing) */
	uint8_t widx;
	uint16_t sync_pkts;    /* UDP packets towards the next sync record */
	uint32_t expire;       /* wheel tick */
	uint32_t sync_tick;    /* wheel tick of the last sync record (or creation) */
	struct ipvs_dest *dest;
	struct ipvs_laddr *lobj;
	struct pp_state pp;    /* FullNAT TCP with a PROXY header, else 0 */
	/*
	 * Links as pool references (index + 1, 0 for none; conn_pool.h):
	 * half a pointer's size.  A wheel slot's first conn has as prev its
	 * slot (WHEEL_HEAD | slot), so it leaves without a search.
	 */
	uint32_t wheel_next, wheel_prev;
	uint32_t embryo_next, embryo_prev;   /* while CONN_F_EMBRYO */
};

_Static_assert(sizeof(struct ipvs_conn) == 80, "the conn object must not grow");

static inline bool ipvs_conn_is_v6(const struct ipvs_conn *c)
{
	return c->dest->vaf == AF_INET6;
}

/* Addresses of any conn's VIP, real server and local address. */
static inline const union inet_addr *ipvs_conn_vaddr(const struct ipvs_conn *c)
{
	return &c->dest->vaddr;
}

static inline const union inet_addr *ipvs_conn_daddr(const struct ipvs_conn *c)
{
	return &c->dest->addr;
}

/* NULL: no local address (not FullNAT). */
static inline const union inet_addr *ipvs_conn_laddr(const struct ipvs_conn *c)
{
	return c->lobj ? &c->lobj->addr : NULL;
}

struct conn_tuple {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
};

struct conn_tuple6 {
	struct in6_addr saddr, daddr;   /* network order */
	uint16_t sport, dport;          /* host order */
	uint8_t proto;
};

int ipvs_conn_init(const struct dpvs_conf *c);
/* Bytes of DPDK memory the connections of c take (start-up checks). */
uint64_t ipvs_conn_mem_need(const struct dpvs_conf *c);
void ipvs_conn_fini(void);
/*
 * Idle timeouts, seconds: established TCP, TCP closing (FIN_WAIT), UDP.
 * Setting, 0 leaves one unchanged.  (ctrl/ converts the wire's record.)
 */
struct ipvs_timeouts {
	uint32_t tcp;
	uint32_t tcp_fin;
	uint32_t udp;
};

void ipvs_conn_set_timeouts(const struct ipvs_timeouts *t);
void ipvs_conn_get_timeouts(struct ipvs_timeouts *t);

/* netif's per-burst hook: a whole rx burst's connections in one lookup. */
struct netif_burst_hook;
extern const struct netif_burst_hook ipvs_conn_burst_hook;

/* Worker fast path. */
/* Any worker: whose NAT conn has reply tuple t, or -1. */
int ipvs_conn_nat_owner(const struct conn_tuple *t);
struct ipvs_conn *ipvs_conn_lookup(unsigned widx, const struct conn_tuple *t,
				   enum conn_dir *dir);
/*
 * The same for an IPv6 tuple.  Its key carries a digest of the
 * addresses: a hit is checked against the conn's own, and one that
 * differs (a collision) is a miss.  A NAT64 conn's reply is an IPv4
 * tuple: ipvs_conn_lookup() finds it.
 */
struct ipvs_conn *ipvs_conn_lookup6(unsigned widx, const struct conn_tuple6 *t,
				    enum conn_dir *dir);
int ipvs_conn_nat_owner6(const struct conn_tuple6 *t);
/*
 * Creates and hashes a conn from c (fields filled by the caller).  When
 * the pool or the worker's table is full, the worker's oldest embryonic
 * TCP conn is evicted to make room (early drop).  NULL with rte_errno
 * EEXIST if one of its tuples is another conn's, ENOSPC if the pool or
 * the table is full and there is nothing to evict.  A v6 conn (c->dest->
 * vaf AF_INET6) takes its VIP, server and local address from c->dest
 * and c->lobj, its client from c->caddr6; refused because another conn
 * holds its key digest under other addresses, it counts
 * ipvs6_digest_clash.
 */
struct ipvs_conn *ipvs_conn_new(unsigned widx, const struct ipvs_conn *c);
/*
 * Early drop for FullNAT ports: evicts worker widx's oldest embryonic
 * conn holding a port of one of the n local addresses, so that a port
 * is free again.  False if none of the oldest few holds one.
 */
bool ipvs_conn_evict_for_port(unsigned widx, struct ipvs_laddr *const *laddrs,
			      unsigned n);
/*
 * A packet of c (l4: its L4 header) moves c's protocol state machine and
 * refreshes its deadline; input_only: replies bypass the load balancer.
 * True when the client started a new connection on c's entry (a SYN
 * after the last one closed), which counts as a connection.
 */
bool ipvs_conn_update(struct ipvs_conn *c, enum conn_dir dir, const void *l4,
		      bool input_only);
/* Worker loop job: expires what is due. */
int ipvs_conn_job(void *arg);
/* The same for worker index w (tests play a worker). */
int ipvs_conn_job_for(unsigned w);
const char *ipvs_conn_state_name(unsigned state);
/* Seconds until c expires (0 if due). */
uint32_t ipvs_conn_expires_in(const struct ipvs_conn *c);

/* On worker widx: connections in its table. */
uint32_t ipvs_conn_count(unsigned widx);
/* Connections each worker's table holds for sure (NAT: 2 keys each). */
uint32_t ipvs_conn_capacity(void);
/* The shared connection pool: objects in all, and taken. */
void ipvs_conn_pool_usage(uint32_t *size, uint32_t *in_use);

/* With the workers stopped: frees every connection. */
void ipvs_conn_flush_all(void);

/*
 * Master: visits the live conns among pool objects from index `from` on,
 * stopping after max_scan objects or max_conns conns (a racy but safe
 * snapshot).  Returns the index to resume from, 0 once at the end.
 */
uint32_t ipvs_conn_walk_page(uint32_t from, uint32_t max_scan,
			     uint32_t max_conns,
			     void (*fn)(const struct ipvs_conn *c, void *arg),
			     void *arg);

#endif
