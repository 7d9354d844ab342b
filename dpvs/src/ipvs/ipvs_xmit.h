/*
 * Forwarding modes: one ops entry per mode, bound to a connection when it
 * is made (c->fwd indexes the table), so there is no per-packet switch.
 */
#ifndef DPVS_IPVS_XMIT_H
#define DPVS_IPVS_XMIT_H

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ipvs_conn.h"

/* m starts at its IPv4 header; the function consumes m. */
typedef void (*ipvs_xmit_fn)(unsigned lc, const struct ipvs_conn *c,
			     struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
			     void *l4);

struct ipvs_xmit_ops {
	const char *name;
	ipvs_xmit_fn in;    /* client -> real server */
	ipvs_xmit_fn out;   /* real server -> client (NULL: never seen) */
};

extern const struct ipvs_xmit_ops ipvs_xmit[IPVS_FWD_MAX];

/* Routes m (at its IPv4 header) towards dst; consumes m. */
void ipvs_route_out(unsigned lc, struct rte_mbuf *m, uint32_t dst);

#endif
