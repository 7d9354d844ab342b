/*
 * libdpvs: the client library for dpvs's control socket.
 *
 * The only public header.  Tools, keepalived and the SNMP subagent use
 * these calls; none of them sees the wire format.  Structures here are in
 * host representation and may grow between releases of the library, never
 * on the wire.
 *
 * Every call returns DPVS_OK (0) or a positive dpvs_status code; the
 * daemon's message for the last failure is in dpvs_errmsg().
 */
#ifndef LIBDPVS_H
#define LIBDPVS_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DPVS_DEFAULT_IPC "/var/run/dpvs.ipc"

/* Status codes: fixed numbers, part of the protocol. */
enum dpvs_status {
	DPVS_OK = 0,
	DPVS_EINVAL = 1,   /* malformed or out-of-range argument */
	DPVS_ENOMEM = 2,   /* allocation failed */
	DPVS_ENOTSUP = 3,  /* unknown operation */
	DPVS_EVERSION = 4, /* wire version mismatch */
	DPVS_ETOOBIG = 5,  /* request or reply beyond the size limit */
	DPVS_EPERM = 6,    /* caller not allowed */
	DPVS_ETIMEDOUT = 7,
	DPVS_EEXIST = 8,
	DPVS_ENOENT = 9,
	DPVS_EBUSY = 10,
	DPVS_EIO = 11,     /* socket error, daemon gone */
	DPVS_EPROTO = 12,  /* peer broke the protocol */
	DPVS_ECONFIG = 13, /* configuration file rejected */
	DPVS_STATUS_MAX
};

const char *dpvs_strerror(int status);

struct dpvs_handle;

/*
 * Connects to the daemon's socket (NULL: DPVS_DEFAULT_IPC).  On failure
 * errno tells why (ENOENT, ECONNREFUSED: dpvs is not running).
 */
int dpvs_connect(const char *path, struct dpvs_handle **out);
void dpvs_close(struct dpvs_handle *h);
/* The daemon's (or the library's) message for the last failed call. */
const char *dpvs_errmsg(const struct dpvs_handle *h);
/* Bounds replies this handle accepts (default 256 MiB). */
void dpvs_set_max_reply(struct dpvs_handle *h, size_t max);
/* Per-call timeout in milliseconds for socket I/O (default 10000). */
void dpvs_set_timeout(struct dpvs_handle *h, int timeout_ms);

/*
 * Raw call: sends op with payload, returns the reassembled reply payload
 * in *reply (malloc'd, caller frees; may be NULL when empty).
 */
int dpvs_call(struct dpvs_handle *h, uint32_t op, const void *req,
	      size_t req_len, void **reply, size_t *reply_len);

/*
 * Batches: between dpvs_batch_begin() and dpvs_batch_end(), every call
 * whose reply carries no data (adds, edits, deletes, flush...) is sent
 * without waiting for its answer, and returns DPVS_OK once sent; dpvs
 * runs them in order.  Each one's status reaches fn, in order, with its
 * index (0, 1, ... counting the calls that returned DPVS_OK), its op
 * and dpvs's message ("" if it succeeded): one refused request does not
 * stop the others.  fn runs inside a later call of the batch or inside
 * dpvs_batch_end(), and must not call libdpvs on this handle.
 *
 * A call that fails before it is sent (a check, no connection) returns
 * its status as usual and gets no index.  If the connection breaks, the
 * requests in flight get its status (DPVS_EIO, DPVS_ETIMEDOUT, ...):
 * whether dpvs applied them is not known; the next call reconnects.
 * A call that needs its reply (a list, a get) first collects the
 * batch's.  At most a fixed window of requests is in flight, so a batch
 * of any size never blocks on full socket buffers.
 *
 * dpvs_batch_end() collects the rest and returns how many failed.
 */
typedef void (*dpvs_batch_fn)(void *arg, uint64_t index, uint32_t op,
			      int status, const char *errmsg);
int dpvs_batch_begin(struct dpvs_handle *h, dpvs_batch_fn fn, void *arg);
unsigned dpvs_batch_end(struct dpvs_handle *h);

struct dpvs_version_info {
	char version[33];
	uint32_t wire_version;
	uint32_t pid;
	uint32_t nworkers;
	uint32_t nports;
	uint64_t start_time;   /* unix seconds */
	uint64_t uptime_ms;
};

enum dpvs_lcore_role {
	DPVS_ROLE_NONE = 0,
	DPVS_ROLE_MASTER = 1,
	DPVS_ROLE_WORKER = 2,
};

struct dpvs_lcore_info {
	uint32_t lcore_id;
	uint32_t role;          /* enum dpvs_lcore_role */
	int32_t cpu;            /* first CPU of the lcore's set, -1 unknown */
	uint32_t nrxq;          /* rx queues polled */
	uint64_t loops;         /* loop iterations */
	uint64_t busy_loops;    /* iterations that did work */
	uint64_t idle_sleeps;   /* times the idle policy slept */
	uint64_t rx_packets;
	uint64_t msgs_handled;  /* message-bus messages processed */
};

struct dpvs_msgbus_stats {
	uint32_t type;
	char name[33];
	uint64_t sent;       /* requests sent */
	uint64_t received;   /* requests handled by a callback */
	uint64_t replied;    /* replies delivered to the waiting sender */
	uint64_t timed_out;  /* sync or multicast requests that timed out */
	uint64_t dropped;    /* ring full, pool empty, unknown type */
	uint64_t late;       /* replies that came after their timeout */
	uint64_t failed;     /* callbacks that returned an error */
};

struct dpvs_ctrl_stats {
	uint64_t accepted;
	uint64_t refused;        /* peer not root nor in the ctrl group */
	uint64_t active;
	uint64_t requests;
	uint64_t errors;         /* replies with a non-OK status */
	uint64_t bad_magic;
	uint64_t bad_version;
	uint64_t bad_flags;
	uint64_t too_big;
	uint64_t unknown_op;
	uint64_t bad_len;        /* payload length not allowed for the op */
	uint64_t truncated;      /* closed in the middle of a request */
	uint64_t idle_timeouts;
	uint64_t write_errors;   /* peer went away while we replied */
	uint64_t over_limit;     /* refused because max_clients was reached */
	uint64_t over_budget;    /* closed: request buffers of its uid or of
				    all clients full (ctrl.max_*_buffer) */
	uint64_t buffered;       /* request bytes buffered now */
	uint64_t loop_max_us;    /* longest master loop iteration since
				    start or the last reset (gauge) */
};

int dpvs_get_version(struct dpvs_handle *h, struct dpvs_version_info *out);
/* *out is malloc'd, *n records; caller frees. */
int dpvs_get_lcores(struct dpvs_handle *h, struct dpvs_lcore_info **out,
		    size_t *n);
int dpvs_get_msgbus_stats(struct dpvs_handle *h,
			  struct dpvs_msgbus_stats **out, size_t *n);
int dpvs_get_ctrl_stats(struct dpvs_handle *h, struct dpvs_ctrl_stats *out);
/* The same, then restarts loop_max_us from zero. */
int dpvs_reset_ctrl_stats(struct dpvs_handle *h, struct dpvs_ctrl_stats *out);
/*
 * What each table, pool and the fd space holds against its limit: the
 * view to check nothing leaks (after churn everything is back where it
 * started) and how close to full the daemon runs.
 */
enum dpvs_resource_kind {
	DPVS_RES_TABLE = 1,   /* a hash or array of entries */
	DPVS_RES_POOL = 2,    /* a mempool: objects out of the pool */
	DPVS_RES_FDS = 3,     /* open file descriptors, size = RLIMIT_NOFILE */
	DPVS_RES_HEAP = 4,    /* bytes of DPDK's malloc heaps allocated */
};

struct dpvs_resource {
	uint32_t kind;        /* enum dpvs_resource_kind */
	char name[33];
	uint64_t used;
	uint64_t size;
};

/* *out is malloc'd, *n records; caller frees. */
int dpvs_get_resources(struct dpvs_handle *h, struct dpvs_resource **out,
		       size_t *n);
/* Reloads the config file; *summary (malloc'd text) says what changed. */
int dpvs_reload(struct dpvs_handle *h, char **summary);
/* level: emerg alert crit err warning notice info debug, or 0..7 */
int dpvs_set_log_level(struct dpvs_handle *h, const char *level);
/*
 * Runs a multicast echo through the message bus `count` times
 * (a health check of the bus from outside).
 */
int dpvs_msgbus_ping(struct dpvs_handle *h, uint32_t count,
		     uint32_t *replies);

/* ---- network stack (dpip) ---- */

#define DPVS_IFNAME_MAX 32

#define DPVS_LINK_UP 0x1
#define DPVS_LINK_PROMISC 0x2
#define DPVS_LINK_KNI 0x4       /* has a kernel TAP twin */

struct dpvs_link_info {
	char name[DPVS_IFNAME_MAX + 1];
	char kni_name[DPVS_IFNAME_MAX + 1];
	char driver[DPVS_IFNAME_MAX + 1];
	uint32_t port_id;
	uint8_t mac[6];
	uint32_t mtu;
	uint32_t flags;          /* DPVS_LINK_* */
	uint32_t speed_mbps;
	uint32_t nrxq;
	uint32_t ntxq;
	/* from the PMD (rte_eth_stats) */
	uint64_t ipackets, opackets, ibytes, obytes;
	uint64_t imissed, ierrors, oerrors, rx_nombuf;
	/* the kernel exception path of this port */
	uint64_t kni_to_kernel;   /* written to the TAP */
	uint64_t kni_from_kernel; /* read from the TAP, queued to send */
	uint64_t kni_dropped;     /* lost on the way, either direction */
};

/* A named counter (see dpvs/src/pktstats.h for their meaning). */
#define DPVS_COUNTER_NAME_MAX 64

struct dpvs_counter {
	char name[DPVS_COUNTER_NAME_MAX + 1];
	uint64_t value;
};

/*
 * Addresses of both families.  Each structure carries its family in an
 * `af` field: AF_INET, or 0, which also means AF_INET (a zeroed structure
 * of a caller that knows only IPv4), with the IPv4 field (network byte
 * order, as in struct in_addr); or AF_INET6 with the *6 field.  Lists
 * always fill af.
 */
#define DPVS_ADDR_F_SAPOOL 0x1  /* serves as a FullNAT local address */
/*
 * Shared by the HA pair (a FullNAT local address both LBs configure):
 * answered for (ARP) and used for new connections only while this dpvs
 * holds the HA lease.
 */
#define DPVS_ADDR_F_HA 0x2
/* Added by the lease holder (keepalived's VIPs): removed when the lease ends. */
#define DPVS_ADDR_F_LEASED 0x4
/* Listing only: an HA address that is active now (the lease is held). */
#define DPVS_ADDR_F_HA_ACTIVE 0x8
/* IPv6: no duplicate address detection (keepalived's VIPs, tests). */
#define DPVS_ADDR_F_NODAD 0x10
/* Listing only, IPv6: DAD still running (not used yet) or it failed
 * (another host on the link has the address: dpvs never uses it). */
#define DPVS_ADDR_F_TENTATIVE 0x20
#define DPVS_ADDR_F_DADFAILED 0x40

struct dpvs_addr {
	char ifname[DPVS_IFNAME_MAX + 1];
	uint32_t addr;
	uint8_t plen;            /* 1..32, IPv6 1..128 */
	uint32_t flags;          /* DPVS_ADDR_F_* */
	uint8_t af;              /* AF_INET (0) or AF_INET6 */
	struct in6_addr addr6;
};

enum dpvs_route_type {
	DPVS_RT_LOCAL = 1,       /* an address of this host */
	DPVS_RT_CONNECTED = 2,   /* on-link subnet of an address */
	DPVS_RT_GATEWAY = 3,     /* via a next hop */
	DPVS_RT_KNI = 4,         /* scope kni_host: to the kernel path */
};

struct dpvs_route {
	char ifname[DPVS_IFNAME_MAX + 1];
	uint32_t prefix;
	uint8_t plen;
	uint32_t type;           /* enum dpvs_route_type */
	uint32_t gw;             /* DPVS_RT_GATEWAY only */
	uint32_t src;            /* preferred source, 0 if none */
	uint8_t af;              /* AF_INET (0) or AF_INET6: plen 0..128 */
	struct in6_addr prefix6, gw6, src6;  /* a link-local gw6 needs ifname */
};

enum dpvs_neigh_state {
	DPVS_NEIGH_REACHABLE = 1,
	DPVS_NEIGH_STALE = 2,    /* not confirmed within neigh.reachable_s */
	DPVS_NEIGH_PERMANENT = 3,/* static entry */
	DPVS_NEIGH_DELAY = 4,    /* stale and in use: probed soon */
	DPVS_NEIGH_PROBE = 5,    /* in use, unicast ARP probes going out */
};

struct dpvs_neigh {
	char ifname[DPVS_IFNAME_MAX + 1];
	uint32_t ip;
	uint8_t mac[6];
	uint32_t state;          /* enum dpvs_neigh_state */
	uint32_t age_s;          /* since last confirmed */
	uint8_t af;              /* AF_INET (0) or AF_INET6 */
	struct in6_addr ip6;
	uint32_t flags;          /* DPVS_NEIGH_F_*, listing only */
};

#define DPVS_NEIGH_F_ROUTER 0x1  /* IPv6: its NA had the router flag */

int dpvs_link_list(struct dpvs_handle *h, struct dpvs_link_info **out,
		   size_t *n);
/* Packet counters summed over workers. */
int dpvs_pkt_stats(struct dpvs_handle *h, struct dpvs_counter **out,
		   size_t *n);
/* One lcore's packet counters (lcore ids as in dpvsctl lcore show). */
int dpvs_pkt_stats_lcore(struct dpvs_handle *h, uint32_t lcore,
			 struct dpvs_counter **out, size_t *n);
/* The PMD's extended statistics of one port. */
int dpvs_link_xstats(struct dpvs_handle *h, const char *ifname,
		     struct dpvs_counter **out, size_t *n);
int dpvs_addr_add(struct dpvs_handle *h, const struct dpvs_addr *a);
int dpvs_addr_del(struct dpvs_handle *h, const struct dpvs_addr *a);
int dpvs_addr_list(struct dpvs_handle *h, struct dpvs_addr **out, size_t *n);
int dpvs_route_add(struct dpvs_handle *h, const struct dpvs_route *r);
int dpvs_route_del(struct dpvs_handle *h, const struct dpvs_route *r);
int dpvs_route_list(struct dpvs_handle *h, struct dpvs_route **out,
		    size_t *n);
int dpvs_neigh_add(struct dpvs_handle *h, const struct dpvs_neigh *nb);
int dpvs_neigh_del(struct dpvs_handle *h, const struct dpvs_neigh *nb);
int dpvs_neigh_list(struct dpvs_handle *h, struct dpvs_neigh **out,
		    size_t *n);
/* Sends a gratuitous ARP for ip from port ifname. */
int dpvs_garp(struct dpvs_handle *h, const char *ifname, uint32_t ip);
/*
 * Announces a->addr (gratuitous ARP) or a->addr6 (unsolicited neighbour
 * advertisements) from port a->ifname; plen and flags are not looked at.
 */
int dpvs_addr_announce(struct dpvs_handle *h, const struct dpvs_addr *a);

/*
 * Text to address and back, for either family.  pton: DPVS_OK with *af
 * AF_INET and *v4 (network order), or AF_INET6 and *v6; DPVS_EINVAL for
 * anything else (no scope ids, no prefixes).  ntop: buf (at least
 * DPVS_INET_ADDRSTRLEN bytes) or NULL when af is neither family.
 */
#define DPVS_INET_ADDRSTRLEN 46
int dpvs_inet_pton(const char *s, uint8_t *af, uint32_t *v4,
		   struct in6_addr *v6);
const char *dpvs_inet_ntop(uint8_t af, uint32_t v4, const struct in6_addr *v6,
			   char *buf, size_t len);

/* ---- load balancing (dpvsadm) ---- */

enum dpvs_fwd {
	DPVS_FWD_FNAT = 1,       /* full NAT: -b */
	DPVS_FWD_DR = 2,         /* direct routing: -g */
	DPVS_FWD_NAT = 3,        /* masquerading: -m */
	DPVS_FWD_TUN = 4,        /* IP-in-IP: -i */
	DPVS_FWD_MAX = DPVS_FWD_TUN,
};

/*
 * What a forwarding mode does, for every piece of code that must know:
 * the daemon's connection table and packet path, the tools, the
 * subagent.  One table, dpvs_fwd_modes[], indexed by enum dpvs_fwd.
 *
 * DPVS_FWDF_REPLY_VIA_LB: the real server's replies come back through
 *   the load balancer, which rewrites them; a connection is filed under
 *   its reply tuple too (the daemon's reply key).  Without it (DR, TUN)
 *   the replies go from the real server straight to the client and the
 *   connection has only its client-side key; dpvs follows TCP from the
 *   client's packets alone.
 * DPVS_FWDF_SNAT: the source is rewritten too, to one of the service's
 *   local addresses and a local port of the worker's own; the reply key
 *   is (real server -> laddr:lport), unique per worker by construction.
 *   A service needs local addresses (dpvsadm -P) for such real servers,
 *   or new connections are dropped (counter ipvs_no_laddr).
 * DPVS_FWDF_CLIENT_REPLY_KEY: the reply key is (real server -> client's
 *   address:port), which RSS may hash to another worker and which two
 *   workers may both want: the daemon claims it in the NAT reply
 *   registry, counts such real servers ("NAT dests") and, while there
 *   are any, hands replies it does not know to the other workers.
 *   Implies DPVS_FWDF_REPLY_VIA_LB; excludes DPVS_FWDF_SNAT.
 * DPVS_FWDF_KEEPS_PORT: the packet reaches the real server with the
 *   VIP's destination port unchanged, so a real server's port must be
 *   the service's (the tools refuse another, RS:PORT maps nothing).
 * DPVS_FWDF_TUNNEL: the packet is sent encapsulated (IP-in-IP) to the
 *   real server, which must decapsulate it and own the VIP.
 */
#define DPVS_FWDF_REPLY_VIA_LB 0x1u
#define DPVS_FWDF_SNAT 0x2u
#define DPVS_FWDF_CLIENT_REPLY_KEY 0x4u
#define DPVS_FWDF_KEEPS_PORT 0x8u
#define DPVS_FWDF_TUNNEL 0x10u

struct dpvs_fwd_mode {
	uint32_t id;          /* enum dpvs_fwd; 0 in the unused slot 0 */
	const char *name;     /* as ipvsadm lists it: "FullNat", "Route"... */
	const char *kind;     /* keepalived's lb_kind: "FNAT" "DR" "NAT" "TUN" */
	const char *long_opt; /* dpvsadm's option without "--": "fullnat"... */
	char short_opt;       /* dpvsadm's switch: 'b' 'g' 'm' 'i' */
	const char *desc;     /* for messages: "direct routing"... */
	uint32_t flags;       /* DPVS_FWDF_* */
};

/* Indexed by enum dpvs_fwd; slot 0 is all zero (NULL names). */
extern const struct dpvs_fwd_mode dpvs_fwd_modes[DPVS_FWD_MAX + 1];
/* The mode with this id, NULL if there is none. */
const struct dpvs_fwd_mode *dpvs_fwd_by_id(uint32_t id);
/*
 * The mode named name (its name, kind or long option, in any case):
 * "FullNat", "fnat", "fullnat" all give DPVS_FWD_FNAT.  NULL if unknown.
 */
const struct dpvs_fwd_mode *dpvs_fwd_by_name(const char *name);
/* Its listing name, "?" for an unknown id (what a listing prints). */
const char *dpvs_fwd_name(uint32_t id);

#define DPVS_SCHED_NAME_MAX 15
#define DPVS_SCHED_DEFAULT "wlc"      /* a service's with sched "" */

/*
 * The limits of the load-balancing records, one definition for the
 * daemon, the library and the tools (dpvsadm checks them before it
 * connects, so its messages state the same ranges).
 *
 * Each connection timeout (struct dpvs_timeouts) is 1..DPVS_TIMEOUT_MAX
 * seconds, or 0 in a set request to leave it as it is: 31 days, what
 * ipvsadm and keepalived's lvs_timeouts accept.  A persistence timeout
 * has the same range; 0 (or none given) is DPVS_PERSIST_TIMEOUT_DEFAULT.
 */
#define DPVS_TIMEOUT_MAX (86400u * 31)
#define DPVS_PERSIST_TIMEOUT_MAX DPVS_TIMEOUT_MAX
#define DPVS_PERSIST_TIMEOUT_DEFAULT 300u
/* A real server's weight: 0 (quiescent) .. DPVS_WEIGHT_MAX, ipvsadm's. */
#define DPVS_WEIGHT_MAX 65535u
/* Connection thresholds: 0 (none) .. DPVS_THRESH_MAX, l <= u. */
#define DPVS_THRESH_MAX 2147483647u
/*
 * A persistence netmask (host order) is a prefix: ones, then zeroes
 * (0 and all ones included).  dpvsadm and dpvs check it alike.
 */
static inline int dpvs_netmask_is_prefix(uint32_t m)
{
	return (m & (~m >> 1)) == 0;
}

#define DPVS_SVC_F_PERSISTENT 0x1   /* -p */
#define DPVS_SVC_F_SCHED_FALLBACK 0x2 /* mh/sh: skip unusable servers */
#define DPVS_SVC_F_SCHED_PORT 0x4   /* mh/sh: hash the source port too */
/* FullNAT TCP: a PROXY protocol header to the real server (one of the two) */
#define DPVS_SVC_F_PROXY_V1 0x8
#define DPVS_SVC_F_PROXY_V2 0x10

/* Statistics of a service, a real server or a local address. */
struct dpvs_stats {
	uint64_t conns;
	uint64_t inpkts;
	uint64_t outpkts;
	uint64_t inbytes;
	uint64_t outbytes;
	/* per second, over the last few seconds */
	uint64_t cps;
	uint64_t inpps;
	uint64_t outpps;
	uint64_t inbps;
	uint64_t outbps;
};

/* A service is keyed by (proto, vip, vport); the rest is its config. */
struct dpvs_service {
	uint8_t proto;            /* IPPROTO_TCP or IPPROTO_UDP */
	uint32_t vip;             /* network order */
	uint16_t vport;           /* host order */
	char sched[DPVS_SCHED_NAME_MAX + 1];  /* "" = wlc */
	uint32_t flags;           /* DPVS_SVC_F_* */
	uint32_t timeout;         /* persistence, seconds */
	uint32_t netmask;         /* persistence granularity, network order;
				     IPv6: a prefix length 1..128 (0: 128) */
	/* lists only */
	uint32_t ndests;
	struct dpvs_stats stats;
	uint8_t af;               /* AF_INET (0) or AF_INET6 */
	struct in6_addr vip6;
};

struct dpvs_dest {
	uint8_t proto;            /* the service it belongs to */
	uint32_t vip;
	uint16_t vport;
	uint32_t addr;            /* network order */
	uint16_t port;            /* host order */
	uint32_t fwd;             /* enum dpvs_fwd */
	int32_t weight;           /* 0: quiescent */
	uint32_t u_thresh;        /* 0: none */
	uint32_t l_thresh;
	/* lists only */
	uint32_t activeconns;
	uint32_t inactconns;
	uint32_t persistconns;
	struct dpvs_stats stats;
	uint8_t vaf;              /* the service's: AF_INET (0) or AF_INET6 */
	struct in6_addr vip6;
	/* the server's: the service's, or AF_INET under an IPv6 service
	 * with FullNAT (NAT64) */
	uint8_t af;
	struct in6_addr addr6;
};

/* A FullNAT local address of a service (on port ifname). */
struct dpvs_laddr {
	uint8_t proto;
	uint32_t vip;
	uint16_t vport;
	uint32_t addr;            /* network order */
	char ifname[DPVS_IFNAME_MAX + 1];
	/* lists only */
	uint64_t conns;           /* connections made through it */
	uint32_t ports_free;      /* local ports left, over every worker */
	uint32_t ports_total;     /* ports it offers (1024..65535) */
	uint8_t vaf;              /* the service's */
	struct in6_addr vip6;
	uint8_t af;               /* the local address's: a service may have
				     both (NAT64 takes IPv4 ones) */
	struct in6_addr addr6;
};

struct dpvs_conn {
	uint8_t proto;
	uint32_t caddr, vaddr, laddr, daddr;   /* network order */
	uint16_t cport, vport, lport, dport;   /* host order */
	uint32_t fwd;
	uint32_t state;           /* protocol state, see state_name */
	char state_name[16];      /* "ESTABLISHED", "SYN_RECV", "UDP", ... */
	uint32_t expire_s;        /* seconds left */
	uint32_t lcore;           /* owning worker */
	uint32_t flags;           /* DPVS_CONN_F_* */
	uint8_t caf;              /* client and VIP: AF_INET (0), AF_INET6 */
	uint8_t daf;              /* local address and real server */
	struct in6_addr caddr6, vaddr6, laddr6, daddr6;
};

#define DPVS_CONN_F_SYNCED 0x1  /* installed from the peer's sync messages */

struct dpvs_timeouts {
	uint32_t tcp;             /* established, seconds */
	uint32_t tcp_fin;         /* fin_wait */
	uint32_t udp;
};


int dpvs_svc_add(struct dpvs_handle *h, const struct dpvs_service *s);
int dpvs_svc_edit(struct dpvs_handle *h, const struct dpvs_service *s);
int dpvs_svc_del(struct dpvs_handle *h, const struct dpvs_service *s);
int dpvs_svc_list(struct dpvs_handle *h, struct dpvs_service **out, size_t *n);
int dpvs_svc_flush(struct dpvs_handle *h);
int dpvs_dest_add(struct dpvs_handle *h, const struct dpvs_dest *d);
int dpvs_dest_edit(struct dpvs_handle *h, const struct dpvs_dest *d);
int dpvs_dest_del(struct dpvs_handle *h, const struct dpvs_dest *d);
/* svc NULL: the real servers of every service. */
int dpvs_dest_list(struct dpvs_handle *h, const struct dpvs_service *svc,
		   struct dpvs_dest **out, size_t *n);
/*
 * Every service and every real server from one gather of the workers'
 * counters, so a service's counters equal the sum of its servers'.
 * Free both arrays.
 */
int dpvs_svc_dest_list(struct dpvs_handle *h, struct dpvs_service **svcs,
		       size_t *nsvcs, struct dpvs_dest **dests, size_t *ndests);
int dpvs_laddr_add(struct dpvs_handle *h, const struct dpvs_laddr *l);
int dpvs_laddr_del(struct dpvs_handle *h, const struct dpvs_laddr *l);
int dpvs_laddr_list(struct dpvs_handle *h, const struct dpvs_service *svc,
		    struct dpvs_laddr **out, size_t *n);
/*
 * Every connection, fetched page by page (each page is a bounded piece
 * of the daemon's time): a snapshot that is not atomic, like the table
 * it reads, which the workers change meanwhile.
 */
int dpvs_conn_list(struct dpvs_handle *h, struct dpvs_conn **out, size_t *n);
/*
 * One page: *cursor 0 starts the listing; on return it is where the next
 * page starts, 0 after the last.  *out is malloc'd (maybe 0 records).
 */
int dpvs_conn_list_page(struct dpvs_handle *h, uint32_t *cursor,
			struct dpvs_conn **out, size_t *n);
/* svc NULL: zero every counter. */
int dpvs_zero(struct dpvs_handle *h, const struct dpvs_service *svc);
int dpvs_timeout_set(struct dpvs_handle *h, const struct dpvs_timeouts *t);
int dpvs_timeout_get(struct dpvs_handle *h, struct dpvs_timeouts *t);

/* ---- monitoring (the SNMP subagent) ---- */

/* One worker's counters, all taken by that worker at one moment. */
struct dpvs_worker_stats {
	uint32_t lcore_id;
	uint32_t index;           /* worker index, 0..nworkers-1 */
	uint64_t conns;           /* connections in its table now */
	uint64_t conns_max;       /* what its table holds for sure */
	uint64_t msgs_handled;    /* message-bus messages it processed */
	uint64_t *counters;       /* ncounters values, names in the set */
};

struct dpvs_worker_stats_set {
	uint32_t conn_pool_size;  /* connection objects in all */
	uint32_t conn_pool_in_use;
	size_t ncounters;
	char (*names)[DPVS_COUNTER_NAME_MAX + 1]; /* see dpvs/src/pktstats.h */
	size_t nworkers;
	struct dpvs_worker_stats *workers;
};

/*
 * Every worker's packet counters and connection count, gathered by one
 * multicast: one consistent snapshot.  *out is one allocation; free() it.
 */
int dpvs_get_worker_stats(struct dpvs_handle *h,
			  struct dpvs_worker_stats_set **out);
/* The value of counter `name` in w, or 0 if the daemon has no such one. */
uint64_t dpvs_worker_counter(const struct dpvs_worker_stats_set *s,
			     const struct dpvs_worker_stats *w,
			     const char *name);

/*
 * Asks for a reply of `size` bytes (at most DPVS_ECHO_MAX) and checks its
 * content: exercises chunked replies end to end.  DPVS_EPROTO if the
 * bytes are wrong.
 */
#define DPVS_ECHO_MAX (64u << 20)
int dpvs_echo(struct dpvs_handle *h, uint32_t size);
/* The byte at offset i of an echo reply. */
static inline uint8_t dpvs_echo_byte(uint32_t i)
{
	return (uint8_t)(i * 131u + (i >> 16));
}

/* ---- HA: connection sync and the lease (docs/ha.md) ---- */

#define DPVS_SYNC_MASTER 0x1      /* sends this LB's connections */
#define DPVS_SYNC_BACKUP 0x2      /* installs the peer's */
#define DPVS_SYNC_KEY_MIN 32      /* bytes of the shared key */
#define DPVS_SYNC_KEY_MAX 64
#define DPVS_SYNC_PORT 8848       /* defaults, as Linux IPVS's */
#define DPVS_SYNC_GROUP 0xe0000051u /* 224.0.0.81 */

/*
 * Starting roles: the transport comes with the first role started; a
 * second start with other transport settings while a role runs is
 * refused (stop both first), as with the kernel's sync daemons.
 */
struct dpvs_sync_conf {
	uint32_t roles;           /* DPVS_SYNC_MASTER and/or _BACKUP */
	uint8_t syncid;           /* both LBs' must match */
	uint8_t ttl;              /* multicast TTL, 1..255 (0: 1) */
	uint16_t port;            /* UDP port (0: DPVS_SYNC_PORT) */
	uint16_t maxlen;          /* UDP payload bytes (0: from the MTU) */
	char ifname[DPVS_IFNAME_MAX + 1]; /* kernel interface: dpdk0.kni, eth1 */
	uint32_t group;           /* host order; 0: DPVS_SYNC_GROUP */
	uint32_t peer;            /* host order; set: unicast to it, no group */
	uint32_t key_len;         /* DPVS_SYNC_KEY_MIN..MAX */
	uint8_t key[DPVS_SYNC_KEY_MAX];
};

enum dpvs_sync_bulk {
	DPVS_BULK_NONE = 0,       /* no backup role */
	DPVS_BULK_REQUESTING = 1, /* asked the master, nothing yet */
	DPVS_BULK_RECEIVING = 2,
	DPVS_BULK_READY = 3,      /* the table is complete: may preempt */
	DPVS_BULK_SENDING = 4,    /* master: a bulk is on its way */
};

struct dpvs_sync_counters {
	uint64_t tx_msgs, tx_conns, tx_bytes;
	uint64_t tx_dropped;      /* records lost: ring full, rate, socket */
	uint64_t rx_msgs, rx_conns, rx_bytes;
	uint64_t rx_dropped;      /* authenticated records not installed: ring full */
	uint64_t rx_bad;          /* length, version, type */
	uint64_t rx_other_id;     /* another syncid */
	uint64_t rx_auth_failed;  /* HMAC mismatch */
	uint64_t rx_replayed;     /* sequence seen or older than the window */
	uint64_t rx_stale;        /* an older boot of the sender, or too old */
	/* records refused by the installer */
	uint64_t no_service, no_dest, no_laddr, port_busy, clash, full;
	uint64_t replaced;        /* a conn of ours the peer's replaced */
	uint64_t dir_full;
	uint64_t installed;       /* new synced conns */
	uint64_t updated;         /* synced conns updated in place */
	uint64_t bulk_sent, bulk_received;  /* bulks, not conns */
};

struct dpvs_sync_state {
	uint32_t roles;
	uint32_t bulk;            /* enum dpvs_sync_bulk */
	struct dpvs_sync_conf conf; /* key zeroed; key_len kept */
	char key_fp[9];           /* 8 hex digits of SHA-256(key): compare LBs */
	uint64_t sender_id;       /* ours (master role) */
	uint64_t peer_sender_id;  /* the last authenticated peer's */
	uint32_t peer_addr;       /* its source address, host order */
	uint64_t last_rx_ms;      /* since its last datagram; UINT64_MAX: never */
	uint64_t bulk_conns;      /* records in the last bulk, sent or received */
	uint32_t bulk_ms;         /* how long it took */
	uint32_t synced_conns;    /* live conns installed from sync */
	struct dpvs_sync_counters c;
};

int dpvs_sync_start(struct dpvs_handle *h, const struct dpvs_sync_conf *c);
int dpvs_sync_stop(struct dpvs_handle *h, uint32_t roles);
int dpvs_sync_state(struct dpvs_handle *h, struct dpvs_sync_state *out);
int dpvs_sync_reset(struct dpvs_handle *h);
int dpvs_sync_bulk(struct dpvs_handle *h);

struct dpvs_ha_state {
	uint32_t held;            /* 1 while a client holds the lease */
	uint32_t ms_left;
	uint32_t holder_pid;
	uint32_t ha_addrs;        /* DPVS_ADDR_F_HA addresses configured */
	uint32_t leased_addrs;    /* DPVS_ADDR_F_LEASED addresses present */
	uint64_t taken, lost;     /* times; lost: expired or holder gone */
	uint64_t released;        /* released by its holder */
};

/*
 * Takes or renews the lease for ttl_ms (clamped to 50..60000) on this
 * handle's connection; DPVS_EBUSY while another connection holds it.
 * When it ends (release, TTL, the connection closes) dpvs removes the
 * LEASED addresses and stops answering for the HA ones.
 */
int dpvs_ha_lease(struct dpvs_handle *h, uint32_t ttl_ms, uint32_t *ms_left);
int dpvs_ha_release(struct dpvs_handle *h);
int dpvs_ha_state(struct dpvs_handle *h, struct dpvs_ha_state *out);
/*
 * The holder announces its HA addresses again (ha.garp_count rounds,
 * ha.garp_interval_ms apart, as on taking the lease; a call while
 * rounds run restarts them): after two MASTERs met, the backends may
 * have followed the other LB.  DPVS_EPERM unless this connection holds
 * the lease.
 */
int dpvs_ha_announce(struct dpvs_handle *h);
/* The handle's socket, to watch for the daemon going away (EOF). */
int dpvs_handle_fd(const struct dpvs_handle *h);

#ifdef __cplusplus
}
#endif
#endif
