/* Contract stub: no IPv6 neighbours until the table lands. */
#include "neigh6.h"

#include <errno.h>

int neigh6_init(const struct dpvs_conf *c)
{
	(void)c;
	return 0;
}

uint64_t neigh6_mem_need(const struct dpvs_conf *c)
{
	(void)c;
	return 0;
}

void neigh6_fini(void)
{
}

void neigh6_output(unsigned lc, struct rte_mbuf *m, const struct in6_addr *nh,
		   uint16_t port)
{
	(void)lc;
	(void)nh;
	(void)port;
	rte_pktmbuf_free(m);
}

enum neigh_heard neigh6_confirm(unsigned lc, const struct in6_addr *ip, uint16_t port,
				const struct rte_ether_addr *mac, bool solicited,
				bool override, bool router)
{
	(void)lc;
	(void)ip;
	(void)port;
	(void)mac;
	(void)solicited;
	(void)override;
	(void)router;
	return NEIGH_HEARD_IGNORED;
}

int neigh6_pending_job(void *arg)
{
	(void)arg;
	return 0;
}

int neigh6_update(const struct in6_addr *ip, uint16_t port,
		  const struct rte_ether_addr *mac, bool permanent)
{
	(void)ip;
	(void)port;
	(void)mac;
	(void)permanent;
	return -EAFNOSUPPORT;
}

int neigh6_delete(const struct in6_addr *ip, uint16_t port)
{
	(void)ip;
	(void)port;
	return -EAFNOSUPPORT;
}

void neigh6_walk(void (*fn)(const struct neigh6_info *n, void *arg), void *arg)
{
	(void)fn;
	(void)arg;
}

void neigh6_usage(uint32_t *used, uint32_t *size)
{
	*used = 0;
	*size = 0;
}

void neigh6_expire(void *arg)
{
	(void)arg;
}

void neigh6_learn(const struct neigh6_info *n)
{
	(void)n;
}
