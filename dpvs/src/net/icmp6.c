/* Contract stub: ICMPv6 goes to the kernel path; no errors are sent. */
#include "icmp6.h"

#include "kni.h"

int icmp6_init(const struct dpvs_conf *c)
{
	(void)c;
	return 0;
}

void icmp6_set_params(const struct dpvs_conf *c)
{
	(void)c;
}

void icmp6_input(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	(void)p;
	rte_pktmbuf_free(m);
	(void)lc;
}

struct rte_mbuf *icmp6_error(unsigned lc, const struct rte_mbuf *orig, uint32_t l3_off,
			     uint8_t type, uint8_t code, uint32_t info,
			     const struct in6_addr *src)
{
	(void)lc;
	(void)orig;
	(void)l3_off;
	(void)type;
	(void)code;
	(void)info;
	(void)src;
	return NULL;
}
