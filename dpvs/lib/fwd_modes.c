/*
 * The forwarding modes and what each implies (libdpvs.h says what every
 * property means).  Pure data, linked into the daemon and the tools
 * alike, so that they cannot disagree on a mode's name or behaviour.
 */
#include "libdpvs.h"

#include <stddef.h>
#include <strings.h>

const struct dpvs_fwd_mode dpvs_fwd_modes[DPVS_FWD_MAX + 1] = {
	[DPVS_FWD_FNAT] = { DPVS_FWD_FNAT, "FullNat", "FNAT", "fullnat", 'b',
			    "FullNAT",
			    DPVS_FWDF_REPLY_VIA_LB | DPVS_FWDF_SNAT },
	[DPVS_FWD_DR] = { DPVS_FWD_DR, "Route", "DR", "gatewaying", 'g',
			  "direct routing", DPVS_FWDF_KEEPS_PORT },
	[DPVS_FWD_NAT] = { DPVS_FWD_NAT, "Masq", "NAT", "masquerading", 'm',
			   "masquerading",
			   DPVS_FWDF_REPLY_VIA_LB | DPVS_FWDF_CLIENT_REPLY_KEY },
	[DPVS_FWD_TUN] = { DPVS_FWD_TUN, "Tunnel", "TUN", "ipip", 'i',
			   "tunnelling",
			   DPVS_FWDF_KEEPS_PORT | DPVS_FWDF_TUNNEL },
};

const struct dpvs_fwd_mode *dpvs_fwd_by_id(uint32_t id)
{
	return id >= DPVS_FWD_FNAT && id <= DPVS_FWD_MAX ? &dpvs_fwd_modes[id] :
							   NULL;
}

const struct dpvs_fwd_mode *dpvs_fwd_by_name(const char *name)
{
	for (uint32_t id = DPVS_FWD_FNAT; name && id <= DPVS_FWD_MAX; id++) {
		const struct dpvs_fwd_mode *m = &dpvs_fwd_modes[id];

		if (!strcasecmp(name, m->name) || !strcasecmp(name, m->kind) ||
		    !strcasecmp(name, m->long_opt))
			return m;
	}
	return NULL;
}

const char *dpvs_fwd_name(uint32_t id)
{
	const struct dpvs_fwd_mode *m = dpvs_fwd_by_id(id);

	return m ? m->name : "?";
}
