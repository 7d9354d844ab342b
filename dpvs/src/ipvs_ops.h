/* Control operations of the load balancer (dpvsadm's backend). */
#ifndef DPVS_IPVS_OPS_H
#define DPVS_IPVS_OPS_H

int ipvs_ops_init(void);

#endif
