/* Control operations of the daemon core and the bus's echo type. */
#ifndef DPVS_CORE_OPS_H
#define DPVS_CORE_OPS_H

int core_ops_init(void);

#endif
