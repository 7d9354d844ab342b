/*
 * The IPv6 stack's start, stop and reload, in one place so the daemon
 * calls one function for each: routes, neighbours, addresses, NDP and
 * ICMPv6 in their order, plus their master timers.
 */
#ifndef DPVS_NET6_H
#define DPVS_NET6_H

#include "core/conf.h"

/* Before netif_init (the ports' addresses need the tables). */
int net6_init(const struct dpvs_conf *c);
/* The master timers (neighbour aging, DAD); after every init. */
int net6_start_timers(void);
void net6_stop_timers(void);
void net6_fini(void);
/* The reloadable ipv6.* keys. */
void net6_apply(const struct dpvs_conf *c);
/* Worker loop job: IPv6 packets held for a next hop. */
int net6_worker_job(void *arg);

#endif
