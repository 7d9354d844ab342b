/* Contract stub: IPv6 goes to the kernel path, as before. */
#include "ipv6.h"

#include "kni.h"

void ipv6_set_hooks(const struct ipv6_hooks *h)
{
	(void)h;
}

void ipv6_set_forwarding(bool on)
{
	(void)on;
}

void ipv6_set_enabled(bool on)
{
	(void)on;
}

void ipv6_input(unsigned lc, struct rte_mbuf *m)
{
	kni_up(lc, m);
}

void ipv6_forward(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	(void)lc;
	(void)p;
	rte_pktmbuf_free(m);
}

bool ipv6_output(unsigned lc, struct rte_mbuf *m, const struct in6_addr *nh_dst)
{
	(void)lc;
	(void)nh_dst;
	rte_pktmbuf_free(m);
	return false;
}
