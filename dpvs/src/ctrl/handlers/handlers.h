/*
 * The control handlers: each registers the operations of one part of the
 * daemon with the dispatcher (ctrl.h), converting between the wire
 * format and that part's own types.  Called once by daemon_start().
 */
#ifndef DPVS_CTRL_HANDLERS_H
#define DPVS_CTRL_HANDLERS_H

int core_ctl_init(void);      /* 0x0100-0x01ff: daemon, lcores, config */
int netif_ctl_init(void);     /* 0x0200-0x02ff: ports, addresses, routes */
int ipvs_ctl_init(void);      /* 0x0300-0x03ff: services, servers, conns */
int stats_ctl_init(void);     /* 0x0400-0x04ff: what SNMP reads */
int resources_ctl_init(void); /* 0x0500-0x05ff: tables against limits */

#endif
