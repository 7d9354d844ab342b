/*
 * Operation ids of the control socket.  Each is a fixed number written
 * here once; never derive one from an enum position.  Ranges are owned by
 * modules (the daemon refuses overlapping registrations at start):
 *
 *   0x0100-0x01ff  daemon core (version, lcores, message bus, reload, log)
 *   0x0200-0x02ff  netif: ports, addresses, routes, neighbours (reserved)
 *   0x0300-0x03ff  ipvs: services, real servers, laddrs (reserved)
 *   0x0400-0x04ff  stats for monitoring (reserved)
 */
#ifndef DPVS_OPS_H
#define DPVS_OPS_H

#define DPVS_OP_CORE_MIN 0x0100u
#define DPVS_OP_VERSION 0x0100u      /* -> version record */
#define DPVS_OP_LCORES 0x0101u       /* -> u32 n, n lcore records */
#define DPVS_OP_MSGBUS_STATS 0x0102u /* -> u32 n, n msgbus records */
#define DPVS_OP_CTRL_STATS 0x0103u   /* -> ctrl stats record */
#define DPVS_OP_RELOAD 0x0110u       /* -> text summary */
#define DPVS_OP_LOG_LEVEL 0x0111u    /* u32 level -> nothing */
#define DPVS_OP_MSGBUS_PING 0x0112u  /* u32 count -> u32 replies */
#define DPVS_OP_ECHO 0x0113u         /* u32 size -> size pattern bytes */
#define DPVS_OP_CORE_MAX 0x01ffu

#endif
