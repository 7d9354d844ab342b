/* Forwarding modes inside the daemon; ctrl/handlers convert from DPVS_FWD_*. */
#ifndef DPVS_IPVS_FWD_H
#define DPVS_IPVS_FWD_H
enum ipvs_fwd { IPVS_FWD_FNAT, IPVS_FWD_DR, IPVS_FWD_NAT, IPVS_FWD_TUN, IPVS_FWD_MAX };

/*
 * A mode for a pair of families: the index of ipvs_xmit[] (ipvs_xmit.h)
 * a connection holds.  The IPv4 entries keep the values of enum
 * ipvs_fwd, so a v4 conn's index is its dest's mode, as it always was.
 */
enum ipvs_xmit_id {
	IPVS_X_FNAT = IPVS_FWD_FNAT, IPVS_X_DR = IPVS_FWD_DR,
	IPVS_X_NAT = IPVS_FWD_NAT, IPVS_X_TUN = IPVS_FWD_TUN,
	IPVS_X_FNAT6, IPVS_X_DR6, IPVS_X_NAT6, IPVS_X_TUN6,
	IPVS_X_FNAT64,          /* an IPv6 service's IPv4 server (NAT64) */
	IPVS_XMIT_MAX
};
#endif
