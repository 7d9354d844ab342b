/*
 * The IPv6 half of the network stack's operations (netif6_ctl.c):
 * netif_ctl.c decodes each record and calls these for AF_INET6 ones.
 * Each returns the reply's status, with its message set on failure.
 */
#ifndef DPVS_NETIF6_CTL_H
#define DPVS_NETIF6_CTL_H

#include <stdint.h>

#include <rte_ether.h>

#include "ctrl/ctrl.h"
#include "net/inet_addr.h"
#include "net/inetaddr.h"
#include "net/neigh.h"
#include "net/netif.h"
#include "net/route.h"

int netif6_addr_add(struct ctrl_reply *rep, const struct netif_port *p,
		    const struct dpvs_addr *a);
int netif6_addr_del(struct ctrl_reply *rep, const struct netif_port *p,
		    const struct dpvs_addr *a);
int netif6_una(struct ctrl_reply *rep, const struct netif_port *p,
	       const struct dpvs_addr *a);
/* Appends the v6 records to a list, counting them in *n. */
void netif6_addr_list(struct wbuf *b, uint32_t *n);
/* type: RT_CONNECTED, RT_GATEWAY or RT_KNI, checked by the caller. */
int netif6_route_add(struct ctrl_reply *rep, const struct netif_port *p,
		     const struct dpvs_route *r, uint8_t type);
int netif6_route_del(struct ctrl_reply *rep, const struct dpvs_route *r);
void netif6_route_list(struct wbuf *b, uint32_t *n);
int netif6_neigh_add(struct ctrl_reply *rep, const struct netif_port *p,
		     const struct dpvs_neigh *nb,
		     const struct rte_ether_addr *mac);
int netif6_neigh_del(struct ctrl_reply *rep, const struct netif_port *p,
		     const struct dpvs_neigh *nb);
void netif6_neigh_list(struct wbuf *b, uint32_t *n);

/* The wire's numbers of the data plane's route types and states. */
uint32_t netif_wire_route_type(uint8_t type);
uint32_t netif_wire_neigh_state(enum neigh_state s);

#endif
