/*
 * Transport protocols the load balancer knows, one ops entry each (as
 * IPVS's struct ip_vs_protocol), found by IP protocol number.  An entry
 * holds only what is the protocol's own: where its ports and checksum
 * are, which packet may start a connection, its state machine.  The L3
 * header stays out, so a second address family reuses the entries; a
 * new protocol (SCTP, ICMP) is a new proto_*.c and a line in
 * ipvs_proto.c.
 *
 * What the per-packet path reads is data (header length, checksum
 * offset), not calls; a call is made only where the protocol decides
 * (a new connection, a state change).
 */
#ifndef DPVS_IPVS_PROTO_H
#define DPVS_IPVS_PROTO_H

#include <stdbool.h>
#include <stdint.h>

enum conn_dir { DIR_IN = 0, DIR_OUT = 1 };

/* TCP states as IPVS; UDP conns stay in CS_UDP. */
enum conn_state {
	CS_NONE, CS_ESTABLISHED, CS_SYN_SENT, CS_SYN_RECV, CS_FIN_WAIT,
	CS_TIME_WAIT, CS_CLOSE, CS_CLOSE_WAIT, CS_LAST_ACK, CS_LISTEN,
	CS_SYNACK, CS_UDP, CS_MAX
};

struct ipvs_proto {
	const char *name;
	uint8_t proto;            /* IPPROTO_* */
	/*
	 * L4 header bytes a packet must hold: the ports (source then
	 * destination, 16 bits each, at the start of the header) and what
	 * the hooks below read.
	 */
	uint8_t hdr_min;
	uint8_t csum_off;         /* of the 16-bit L4 checksum */
	bool csum_optional;       /* a zero checksum means none (UDP) */
	uint8_t init_state;       /* of a new connection */
	/*
	 * Seconds a connection lives idle, by state (enum conn_state);
	 * the control plane sets some (ipvs_conn_set_timeouts).
	 */
	uint32_t *timeouts;
	/* States of a half-open connection, the ones early drop evicts. */
	uint32_t embryo_states;   /* bit per enum conn_state */
	/*
	 * States of a connection that is over or closing: a client that
	 * starts again from one (a new SYN on a reused port) opens a new
	 * connection on the same entry, counted as one (bit per state).
	 */
	uint32_t closed_states;
	/*
	 * States of a connection that is over, both sides closed: a new
	 * NAT connection may take its reply tuple (ipvs_conn.c, reply_taken).
	 */
	uint32_t over_states;
	/* Whether the packet at l4 may create a connection. */
	bool (*may_create)(const void *l4);
	/*
	 * The state a packet at l4 moves a connection in state s to;
	 * input_only: replies bypass the load balancer (DR, TUN).  *restart:
	 * the packet starts the connection again (a SYN resent).  NULL: a
	 * protocol with one state.
	 */
	uint8_t (*next_state)(uint8_t s, enum conn_dir dir, bool input_only,
			      const void *l4, bool *restart);
};

extern const struct ipvs_proto ipvs_proto_tcp;
extern const struct ipvs_proto ipvs_proto_udp;
extern const struct ipvs_proto *const ipvs_protos[256];

/* NULL: a protocol the load balancer does not handle. */
static inline const struct ipvs_proto *ipvs_proto_get(uint8_t proto)
{
	return ipvs_protos[proto];
}

static inline bool ipvs_proto_embryonic(const struct ipvs_proto *pp,
					uint8_t state)
{
	return (pp->embryo_states >> state) & 1;
}

#endif
