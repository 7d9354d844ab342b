/* The resource view: tables, pools and fds against their limits. */
#ifndef DPVS_RES_OPS_H
#define DPVS_RES_OPS_H

int res_ops_init(void);

#endif
