/*
 * Connection sync with dpvs: the secret and the peer that keepalived's
 * lvs_sync_daemon does not carry (vrrp/vrrp_dpvs_ha.c).
 *
 *   global_defs {
 *       lvs_sync_daemon dpdk0.kni VI_1 id 51
 *       lvs_sync_daemon_key_file /etc/keepalived/sync.key
 *       lvs_sync_daemon_peer 10.0.0.12        # optional: unicast
 *   }
 */
#ifndef _VRRP_DPVS_HA_H
#define _VRRP_DPVS_HA_H

#include <stdbool.h>

#include "libdpvs.h"

/*
 * Installs the two global_defs keywords.  A parse of global_defs
 * (active) starts without them; a process that inherits them (the VRRP
 * child at its start, from the parent) keeps what it has.
 */
void vrrp_dpvs_ha_keywords(bool active);
/*
 * Copies the key and the peer into c (c may be NULL: only asks).  False
 * when this process has no usable key: dpvs does not sync without one.
 */
bool vrrp_dpvs_sync_secret(struct dpvs_sync_conf *c);

#endif
