/*
 * Forwarding modes: one entry per mode and pair of families (enum
 * ipvs_xmit_id), bound to a connection when it is made (c->fwd indexes
 * the table), so there is no per-packet switch, and none on the family.
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
 * m starts at its IP header, l3 (the entry's family on that side: IPv4,
 * or IPv6 with l4 past any extension headers); the function consumes m.
 * It may change c's per-packet state (the PROXY header's, c->pp),
 * nothing else.
 */
typedef void (*ipvs_xmit_fn)(unsigned lc, struct ipvs_conn *c,
			     struct rte_mbuf *m, void *l3, void *l4);

struct ipvs_xmit_ops {
	const char *name;   /* a v6 entry has its v4 mode's: "FullNat"... */
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
	/* Last: an entry stays 32 bytes, the v4 fields where they were. */
	uint8_t fwd;        /* enum ipvs_fwd */
	uint8_t vaf, daf;   /* the client's and the real server's families */
};

_Static_assert(sizeof(struct ipvs_xmit_ops) == 32, "an entry is 32 bytes");

extern const struct ipvs_xmit_ops ipvs_xmit[IPVS_XMIT_MAX];

/*
 * The entry of mode f from a service of family vaf to a server of
 * family daf (AF_INET or 0, AF_INET6); IPVS_XMIT_MAX: no such pair.
 */
enum ipvs_xmit_id ipvs_xmit_of(enum ipvs_fwd f, uint8_t vaf, uint8_t daf);

/*
 * The properties of an entry: x is an ipvs_xmit[] index (a conn's
 * c->fwd), or a dest's enum ipvs_fwd, which is its IPv4 entry's index
 * and has the same properties in every family.
 */
static inline bool ipvs_fwd_reply_via_lb(unsigned x)
{
	return ipvs_xmit[x].out != NULL;
}

static inline bool ipvs_fwd_snat(unsigned x)
{
	return ipvs_xmit[x].snat;
}

static inline bool ipvs_fwd_client_reply_key(unsigned x)
{
	return ipvs_xmit[x].client_reply_key;
}

/* Whether a real server of mode f counts in ipvs_nat_dests. */
static inline bool ipvs_fwd_counts_nat(enum ipvs_fwd f)
{
	return f < IPVS_FWD_MAX && ipvs_xmit[f].client_reply_key;
}

#endif
