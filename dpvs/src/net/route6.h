/*
 * IPv6 routes.  Workers read without locks (RCU), the master alone
 * writes, as route.h.  An rte_hash keyed by (masked prefix, plen) holds
 * the entries; a lookup probes the prefix lengths in use, longest first,
 * from an RCU-published list (DPDK 22.11's lpm6 has no safe concurrent
 * update).  Types and flags are route.h's.
 */
#ifndef DPVS_ROUTE6_H
#define DPVS_ROUTE6_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>

#include "route.h"

struct route6_entry {
	struct in6_addr prefix;   /* masked to plen */
	uint8_t plen;             /* 0..128 */
	uint8_t type;             /* enum route_type */
	uint16_t port;            /* DPDK port id */
	struct in6_addr gw;       /* RT_GATEWAY; a link-local gw is scoped by port */
	struct in6_addr src;      /* preferred source, :: none */
	uint32_t flags;           /* RT_LOCAL: RT_F_* */
	uint32_t refs;            /* master only */
	bool by_addr;             /* master only */
	bool used;                /* master only */
};

int route6_init(uint32_t max_routes);
uint64_t route6_mem_need(uint32_t max_routes);
void route6_fini(void);

/* Any lcore; NULL if no route.  Valid until the next quiescent state. */
const struct route6_entry *route6_lookup(const struct in6_addr *dst);

/* Master only.  0 or -EEXIST, -ENOENT, -ENOSPC, -EINVAL, -EAFNOSUPPORT. */
int route6_add(const struct route6_entry *r);
int route6_del(const struct in6_addr *prefix, uint8_t plen, uint8_t type);
int route6_del_user(const struct in6_addr *prefix, uint8_t plen);
struct route6_entry *route6_find(const struct in6_addr *prefix, uint8_t plen);
void route6_walk(void (*fn)(const struct route6_entry *r, void *arg), void *arg);
/* Routes held and the table's size; distinct prefix lengths in use. */
void route6_usage(uint32_t *used, uint32_t *size, uint32_t *plens);
/* The source for dst out of r: r->src, else a global address of r's port. */
bool route6_source(const struct route6_entry *r, const struct in6_addr *dst,
		   struct in6_addr *src);

#endif
