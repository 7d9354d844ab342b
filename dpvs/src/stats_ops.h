/* Control operations for monitoring (ids 0x0400-0x04ff). */
#ifndef DPVS_STATS_OPS_H
#define DPVS_STATS_OPS_H

int stats_ops_init(void);

#endif
