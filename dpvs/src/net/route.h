/*
 * IPv4 routes: one LPM table that workers read without locks (RCU) and
 * the master alone writes.  Local addresses are /32 routes of type
 * RT_LOCAL, so one lookup tells a worker whether a packet is ours, on
 * link, via a gateway or for the kernel (scope kni_host).
 *
 * No field a worker reads changes while an entry is published (the
 * master alone touches refs, by_addr and used): a route is added, written
 * whole before the LPM or the default-route index publishes it, or
 * deleted, unpublished and zeroed after rcu_synchronize(), so its slot is
 * reused only when no worker can hold it.  There is no replace.
 */
#ifndef DPVS_ROUTE_H
#define DPVS_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The data plane's own route types and flags; the control handlers
 * convert them from and to the wire's (libdpvs.h), so neither has to
 * follow the other.
 */
enum route_type {
	RT_LOCAL = 1,       /* an address of this host */
	RT_CONNECTED = 2,   /* on-link subnet of an address */
	RT_GATEWAY = 3,     /* via a next hop */
	RT_KNI = 4,         /* scope kni_host: to the kernel path */
};

/* RT_LOCAL flags, copied from the address (inetaddr.h IFA_F_*). */
#define RT_F_SAPOOL 0x1     /* the address is a FullNAT local address */
#define RT_F_HA     0x2     /* an HA address: live only with the lease */
#define RT_F_LEASED 0x4     /* added by the lease holder */

struct route_entry {
	uint32_t prefix;    /* host byte order */
	uint8_t plen;
	uint8_t type;       /* enum route_type */
	uint16_t port;      /* DPDK port id */
	uint32_t gw;        /* host order, RT_GATEWAY */
	uint32_t src;       /* host order, 0 = none */
	uint32_t flags;     /* RT_LOCAL: RT_F_* */
	uint32_t refs;      /* master only: addresses sharing a connected route */
	bool by_addr;       /* master only: installed by an address, not a user */
	bool used;          /* master only */
};

int route_init(uint32_t max_routes);
/* Bytes of DPDK memory route_init(n) takes (the start-up checks). */
uint64_t route_mem_need(uint32_t max_routes);
void route_fini(void);

/* Worker fast path; NULL if no route.  Valid until the next quiescent state. */
const struct route_entry *route_lookup(uint32_t dst);
/*
 * The same from lcore lc's packet path: between route_burst_begin and
 * _end (netif_rx_job) it remembers the burst's last few answers.
 */
const struct route_entry *route_lookup_lc(unsigned lc, uint32_t dst);
void route_burst_begin(unsigned lc);
void route_burst_end(unsigned lc);

/* Master only.  Return 0 or -EEXIST, -ENOENT, -ENOSPC, -EINVAL. */
int route_add(const struct route_entry *r);
int route_del(uint32_t prefix, uint8_t plen, uint8_t type);
/* Deletes a route a user added; -EPERM for those owned by an address. */
int route_del_user(uint32_t prefix, uint8_t plen);
/* The entry for exactly prefix/plen, or NULL. */
struct route_entry *route_find(uint32_t prefix, uint8_t plen);
/* Calls fn for each route, in table order. */
void route_walk(void (*fn)(const struct route_entry *r, void *arg), void *arg);

#endif
