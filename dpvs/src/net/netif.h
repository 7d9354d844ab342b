/*
 * Ports: probes every configured DPDK device (PCI or vdev), sets up its
 * queues as the config maps them to workers, polls rx queues on workers
 * and gives each worker a tx buffer per port on its own tx queue.
 */
#ifndef DPVS_NETIF_H
#define DPVS_NETIF_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "core/conf.h"

#define NETIF_MAX_PORTS RTE_MAX_ETHPORTS

struct netif_port {
	bool used;
	uint16_t id;
	char name[CONF_NAME_LEN];
	char kni_name[CONF_NAME_LEN];
	struct rte_ether_addr mac;
	uint32_t mtu;
	bool promisc;
	bool link_up;
	uint32_t speed;
	uint16_t nrxq;
	uint16_t ntxq;
	unsigned kni_lcore;   /* worker that transmits for the kernel */
};

int netif_init(const struct dpvs_conf *c);
/* Bytes of DPDK memory netif_init(c) takes (the start-up checks). */
uint64_t netif_mem_need(const struct dpvs_conf *c);
void netif_fini(void);
unsigned netif_nports(void);
unsigned netif_lcore_nrxq(unsigned lcore);
struct rte_mempool *netif_pktpool(void);

/* Port by DPDK id (NULL if not ours) or by dpvs name. */
const struct netif_port *netif_port(uint16_t id);
const struct netif_port *netif_port_by_name(const char *name);
/* Calls fn for every port. */
void netif_port_walk(void (*fn)(const struct netif_port *p, void *arg),
		     void *arg);

/* Worker: queues m for tx on `port` (consumes it in every case). */
void netif_xmit(unsigned lcore, uint16_t port, struct rte_mbuf *m);

/* Worker loop job: rx bursts, classify, flush tx buffers. */
int netif_rx_job(void *arg);

/*
 * What an upper layer does per rx burst around the packet-at-a-time
 * path (the load balancer looks a whole burst's connections up at
 * once).  begin sees the burst before any packet is handled, at(j)
 * comes before packet j, end after the last.  Set before the workers
 * start; NULL members are skipped.
 */
struct netif_burst_hook {
	void (*begin)(unsigned lcore, struct rte_mbuf **pkts, unsigned n);
	void (*at)(unsigned lcore, unsigned j);
	void (*end)(unsigned lcore);
};
void netif_set_burst_hook(const struct netif_burst_hook *h);
/* Master slow job: link state polling. */
int netif_link_job(void *arg);

#endif
