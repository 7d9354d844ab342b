/* The protocol table: an entry per protocol the load balancer handles. */
#include "ipvs_proto.h"

#include <netinet/in.h>

const struct ipvs_proto *const ipvs_protos[256] = {
	[IPPROTO_TCP] = &ipvs_proto_tcp,
	[IPPROTO_UDP] = &ipvs_proto_udp,
};
