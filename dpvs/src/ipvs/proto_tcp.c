/* TCP: a connection starts with a SYN; IPVS's state machine. */
#include "ipvs_proto.h"

#include <stddef.h>
#include <netinet/in.h>

#include <rte_tcp.h>

static uint8_t tcp_flags(const void *l4)
{
	return ((const struct rte_tcp_hdr *)l4)->tcp_flags;
}

/* A SYN without ACK: a SYN-ACK or a stray segment makes no connection. */
static bool tcp_may_create(const void *l4)
{
	return (tcp_flags(l4) & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
	       RTE_TCP_SYN_FLAG;
}

/*
 * IPVS's TCP state table: [direction][event][state].  Events are syn,
 * fin, ack, rst; directions input (client side), output (server side)
 * and input-only (DR/TUN, where replies bypass us).
 */
enum { EV_SYN, EV_FIN, EV_ACK, EV_RST, EV_MAX };
#define sNO CS_NONE
#define sES CS_ESTABLISHED
#define sSS CS_SYN_SENT
#define sSR CS_SYN_RECV
#define sFW CS_FIN_WAIT
#define sTW CS_TIME_WAIT
#define sCL CS_CLOSE
#define sCW CS_CLOSE_WAIT
#define sLA CS_LAST_ACK
#define sLI CS_LISTEN
#define sSA CS_SYNACK
static const uint8_t tcp_fsm[3][EV_MAX][CS_SYNACK + 1] = {
	{ /* input */
	  { sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR },
	  { sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW },
	  { sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES },
	  { sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR } },
	{ /* output */
	  { sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR },
	  { sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW },
	  { sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES },
	  { sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL } },
	{ /* input only */
	  { sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR },
	  { sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW },
	  { sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES },
	  { sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL } },
};

/* The flag that decides, in IPVS's order: RST over SYN over FIN over ACK. */
static int tcp_event(uint8_t flags)
{
	if (flags & RTE_TCP_RST_FLAG)
		return EV_RST;
	if (flags & RTE_TCP_SYN_FLAG)
		return EV_SYN;
	if (flags & RTE_TCP_FIN_FLAG)
		return EV_FIN;
	if (flags & RTE_TCP_ACK_FLAG)
		return EV_ACK;
	return -1;
}

static uint8_t tcp_next_state(uint8_t s, enum conn_dir dir, bool input_only,
			      const void *l4, bool *restart)
{
	int ev = tcp_event(tcp_flags(l4));

	*restart = ev == EV_SYN;
	if (ev < 0 || s > CS_SYNACK)
		return s;
	return tcp_fsm[input_only ? 2 : dir][ev][s];
}

/* Seconds per state; IPVS's defaults. */
static uint32_t tcp_timeouts[CS_MAX] = {
	[CS_NONE] = 2, [CS_ESTABLISHED] = 900, [CS_SYN_SENT] = 120,
	[CS_SYN_RECV] = 60, [CS_FIN_WAIT] = 120, [CS_TIME_WAIT] = 120,
	[CS_CLOSE] = 10, [CS_CLOSE_WAIT] = 60, [CS_LAST_ACK] = 30,
	[CS_LISTEN] = 120, [CS_SYNACK] = 120,
};

const struct ipvs_proto ipvs_proto_tcp = {
	.name = "TCP",
	.proto = IPPROTO_TCP,
	.hdr_min = sizeof(struct rte_tcp_hdr),
	.csum_off = offsetof(struct rte_tcp_hdr, cksum),
	.csum_optional = false,
	.init_state = CS_NONE,
	.timeouts = tcp_timeouts,
	.closed_states = 1u << CS_FIN_WAIT | 1u << CS_TIME_WAIT |
			 1u << CS_CLOSE | 1u << CS_CLOSE_WAIT | 1u << CS_LAST_ACK,
	.over_states = 1u << CS_TIME_WAIT | 1u << CS_CLOSE,
	.embryo_states = 1u << CS_NONE | 1u << CS_SYN_RECV | 1u << CS_SYN_SENT |
			 1u << CS_SYNACK,
	.may_create = tcp_may_create,
	.next_state = tcp_next_state,
};
