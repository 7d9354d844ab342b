/* Contract stub: NDP frames go to the kernel path; DAD always succeeds. */
#include "ndisc.h"

#include <errno.h>

#include "kni.h"

int ndisc_init(const struct dpvs_conf *c)
{
	(void)c;
	return 0;
}

void ndisc_fini(void)
{
}

void ndisc_set_params(const struct dpvs_conf *c)
{
	(void)c;
}

void ndisc_input(unsigned lc, struct rte_mbuf *m, const struct ipv6_pkt *p)
{
	(void)p;
	rte_pktmbuf_free(m);
	(void)lc;
}

void ndisc_solicit(unsigned lc, uint16_t port, const struct in6_addr *target,
		   const struct rte_ether_addr *ucast_mac)
{
	(void)lc;
	(void)port;
	(void)target;
	(void)ucast_mac;
}

int ndisc_send_una(uint16_t port, const struct in6_addr *addr)
{
	(void)port;
	(void)addr;
	return -EAFNOSUPPORT;
}

int ndisc_dad_start(uint16_t port, const struct in6_addr *addr, ndisc_dad_done_fn done)
{
	done(port, addr, true);
	return 0;
}

void ndisc_dad_cancel(uint16_t port, const struct in6_addr *addr)
{
	(void)port;
	(void)addr;
}

void ndisc_dad_tick(void *arg)
{
	(void)arg;
}

void ndisc_dad_conflict(uint16_t port, const struct in6_addr *addr,
			const struct rte_ether_addr *from)
{
	(void)port;
	(void)addr;
	(void)from;
}

void ndisc_mld_report(uint16_t port)
{
	(void)port;
}
