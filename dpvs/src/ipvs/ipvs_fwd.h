/* Forwarding modes inside the daemon; ctrl/handlers convert from DPVS_FWD_*. */
#ifndef DPVS_IPVS_FWD_H
#define DPVS_IPVS_FWD_H
enum ipvs_fwd { IPVS_FWD_FNAT, IPVS_FWD_DR, IPVS_FWD_NAT, IPVS_FWD_TUN, IPVS_FWD_MAX };
#endif
