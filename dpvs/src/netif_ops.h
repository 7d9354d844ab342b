/* Control operations of the network stack (dpip's backend). */
#ifndef DPVS_NETIF_OPS_H
#define DPVS_NETIF_OPS_H

int netif_ops_init(void);

#endif
