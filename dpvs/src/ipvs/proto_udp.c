/* UDP: a connection per flow, made by any datagram, with one state. */
#include "ipvs_proto.h"

#include <stddef.h>
#include <netinet/in.h>

#include <rte_udp.h>

static bool udp_may_create(const void *l4 __attribute__((unused)))
{
	return true;
}

static uint32_t udp_timeouts[CS_MAX] = { [CS_UDP] = 300 };

const struct ipvs_proto ipvs_proto_udp = {
	.name = "UDP",
	.proto = IPPROTO_UDP,
	.hdr_min = sizeof(struct rte_udp_hdr),
	.csum_off = offsetof(struct rte_udp_hdr, dgram_cksum),
	.csum_optional = true,
	.init_state = CS_UDP,
	.timeouts = udp_timeouts,
	.embryo_states = 0,
	.may_create = udp_may_create,
	.next_state = NULL,
};
