/* dpvsctl's `sync` and `ha` commands (dpvsctl_ha.c). */
#ifndef DPVSCTL_HA_H
#define DPVSCTL_HA_H

#include "libdpvs.h"

/*
 * argv[0] is "sync" or "ha".  Before connecting: 0 if the command and
 * its arguments are good, else 2 with the reason on stderr.
 */
int ha_cmd_check(int argc, char **argv);
/* Exit status: 0, 1 (dpvs refused or failed), 2 (usage). */
int ha_sync_cmd(struct dpvs_handle *h, int argc, char **argv);
int ha_ha_cmd(struct dpvs_handle *h, int argc, char **argv);

#endif
