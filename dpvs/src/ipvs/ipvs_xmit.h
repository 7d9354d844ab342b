/*
 * Forwarding modes: one entry per mode, bound to a connection when it is
 * made (c->fwd indexes the table), so there is no per-packet switch.
 * Everything that differs between modes is a field here; code elsewhere
 * asks the table, never tests a mode by name.  The properties are
 * libdpvs's dpvs_fwd_modes[] flags (DPVS_FWDF_REPLY_VIA_LB, _SNAT,
 * _CLIENT_REPLY_KEY) under the same names, in the daemon's own terms.
 */
#ifndef DPVS_IPVS_XMIT_H
#define DPVS_IPVS_XMIT_H

#include <stdbool.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "ipvs_conn.h"
#include "ipvs_fwd.h"

/*
 * m starts at its IPv4 header; the function consumes m.  It may change
 * c's per-packet state (the PROXY header's, c->pp), nothing else.
 */
typedef void (*ipvs_xmit_fn)(unsigned lc, struct ipvs_conn *c,
			     struct rte_mbuf *m, struct rte_ipv4_hdr *ip,
			     void *l4);

struct ipvs_xmit_ops {
	const char *name;
	ipvs_xmit_fn in;    /* client -> real server */
	/*
	 * Real server -> client; NULL: replies go straight to the client
	 * (DR, TUN), so a conn has no reply key and its TCP state follows
	 * the client's packets alone.
	 */
	ipvs_xmit_fn out;
	/*
	 * The source becomes one of the service's local addresses and
	 * ports (FullNAT): the reply comes back to it, and its port names
	 * the worker that owns the conn.
	 */
	bool snat;
	/*
	 * Replies come back to the client's own address and port, which
	 * name no worker: the shared NAT reply registry says whose the
	 * conn is, and a reply another worker received is passed round
	 * (ipvs_nat_dests counts the real servers of such a mode).
	 */
	bool client_reply_key;
};

extern const struct ipvs_xmit_ops ipvs_xmit[IPVS_FWD_MAX];

static inline bool ipvs_fwd_reply_via_lb(enum ipvs_fwd f)
{
	return ipvs_xmit[f].out != NULL;
}

static inline bool ipvs_fwd_snat(enum ipvs_fwd f)
{
	return ipvs_xmit[f].snat;
}

static inline bool ipvs_fwd_client_reply_key(enum ipvs_fwd f)
{
	return ipvs_xmit[f].client_reply_key;
}

/* Whether a real server of mode f counts in ipvs_nat_dests. */
static inline bool ipvs_fwd_counts_nat(enum ipvs_fwd f)
{
	return f < IPVS_FWD_MAX && ipvs_xmit[f].client_reply_key;
}

#endif
