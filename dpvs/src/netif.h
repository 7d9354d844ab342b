/*
 * Ports: probes every configured DPDK device (PCI or vdev), sets up its
 * queues as the config maps them to workers, and polls them on workers.
 * (The packet path proper grows here in the network-stack work; for now
 * workers count and free what they receive.)
 */
#ifndef DPVS_NETIF_H
#define DPVS_NETIF_H

#include <stdint.h>

#include "conf.h"

int netif_init(const struct dpvs_conf *c);
void netif_fini(void);
unsigned netif_nports(void);
unsigned netif_lcore_nrxq(unsigned lcore);
/* Worker loop job: polls the lcore's rx queues. */
int netif_rx_job(void *arg);

#endif
