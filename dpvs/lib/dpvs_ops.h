/*
 * Operation ids of the control socket.  Each is a fixed number written
 * here once; never derive one from an enum position.  Ranges are owned by
 * modules (the daemon refuses overlapping registrations at start):
 *
 *   0x0100-0x01ff  daemon core (version, lcores, message bus, reload, log)
 *   0x0200-0x02ff  netif: ports, addresses, routes, neighbours
 *   0x0300-0x03ff  ipvs: services, real servers, laddrs, conns
 *   0x0400-0x04ff  stats for monitoring
 *   0x0500-0x05ff  resources: tables, pools, fds (ctrl/handlers/resources_ctl.c)
 */
#ifndef DPVS_OPS_H
#define DPVS_OPS_H

#define DPVS_OP_CORE_MIN 0x0100u
#define DPVS_OP_VERSION 0x0100u      /* -> version record */
#define DPVS_OP_LCORES 0x0101u       /* -> u32 n, n lcore records */
#define DPVS_OP_MSGBUS_STATS 0x0102u /* -> u32 n, n msgbus records */
#define DPVS_OP_CTRL_STATS 0x0103u   /* [u32 flags] -> ctrl stats record */
#define DPVS_CTRL_STATS_RESET 0x1u   /* flag: restart loop_max_us */
#define DPVS_OP_RELOAD 0x0110u       /* -> text summary */
#define DPVS_OP_LOG_LEVEL 0x0111u    /* u32 level -> nothing */
#define DPVS_OP_MSGBUS_PING 0x0112u  /* u32 count -> u32 replies */
#define DPVS_OP_ECHO 0x0113u         /* u32 size -> size pattern bytes */
#define DPVS_OP_CORE_MAX 0x01ffu

#define DPVS_OP_NETIF_MIN 0x0200u
#define DPVS_OP_LINK_LIST 0x0200u   /* -> u32 n, n link records */
#define DPVS_OP_PKT_STATS 0x0201u   /* [u32 lcore] -> u32 n, n counter records */
#define DPVS_OP_LINK_XSTATS 0x0202u /* ifname[32] -> u32 n, n counter records */
#define DPVS_OP_ADDR_ADD 0x0210u    /* addr record -> nothing */
#define DPVS_OP_ADDR_DEL 0x0211u    /* addr record -> nothing */
#define DPVS_OP_ADDR_LIST 0x0212u   /* -> u32 n, n addr records */
#define DPVS_OP_ROUTE_ADD 0x0220u   /* route record -> nothing */
#define DPVS_OP_ROUTE_DEL 0x0221u   /* route record -> nothing */
#define DPVS_OP_ROUTE_LIST 0x0222u  /* -> u32 n, n route records */
#define DPVS_OP_NEIGH_ADD 0x0230u   /* neigh record -> nothing */
#define DPVS_OP_NEIGH_DEL 0x0231u   /* neigh record -> nothing */
#define DPVS_OP_NEIGH_LIST 0x0232u  /* -> u32 n, n neigh records */
#define DPVS_OP_GARP 0x0233u        /* addr record (plen ignored) -> nothing */
#define DPVS_OP_NETIF_MAX 0x02ffu

#define DPVS_OP_IPVS_MIN 0x0300u
#define DPVS_OP_SVC_ADD 0x0300u     /* service record -> nothing */
#define DPVS_OP_SVC_EDIT 0x0301u    /* service record -> nothing */
#define DPVS_OP_SVC_DEL 0x0302u     /* service record (key) -> nothing */
#define DPVS_OP_SVC_LIST 0x0303u    /* [service record] -> u32 n, n svcs */
#define DPVS_OP_SVC_FLUSH 0x0304u   /* -> nothing: every service goes */
#define DPVS_OP_SVC_DEST_LIST 0x0305u /* -> u32 n, n svcs, u32 m, m dests */
#define DPVS_OP_DEST_ADD 0x0310u    /* dest record -> nothing */
#define DPVS_OP_DEST_EDIT 0x0311u   /* dest record -> nothing */
#define DPVS_OP_DEST_DEL 0x0312u    /* dest record (key) -> nothing */
#define DPVS_OP_DEST_LIST 0x0313u   /* [service record] -> u32 n, n dests */
#define DPVS_OP_LADDR_ADD 0x0320u   /* laddr record -> nothing */
#define DPVS_OP_LADDR_DEL 0x0321u   /* laddr record -> nothing */
#define DPVS_OP_LADDR_LIST 0x0322u  /* [service record] -> u32 n, n laddrs */
#define DPVS_OP_CONN_LIST 0x0330u   /* u32 cursor -> u32 next cursor (0:
					 the end), u32 n, n conn records */
/* A page holds at most this many conns, from this many pool objects. */
#define DPVS_CONN_PAGE_MAX 4096u
#define DPVS_CONN_PAGE_SCAN 65536u
#define DPVS_OP_ZERO 0x0340u        /* [service record] -> nothing */
#define DPVS_OP_TIMEOUT_SET 0x0341u /* timeouts record -> nothing */
#define DPVS_OP_TIMEOUT_GET 0x0342u /* -> timeouts record */
#define DPVS_OP_IPVS_MAX 0x03ffu

#define DPVS_OP_STATS_MIN 0x0400u
#define DPVS_OP_WORKER_STATS 0x0400u /* -> worker stats set (wire.h) */
#define DPVS_OP_STATS_MAX 0x04ffu

#define DPVS_OP_RES_MIN 0x0500u
#define DPVS_OP_RESOURCES 0x0500u    /* -> u32 n, n resource records */
#define DPVS_OP_RES_MAX 0x05ffu

/* Connection sync between the LBs of an HA pair (docs/ha.md). */
#define DPVS_OP_SYNC_MIN 0x0600u
#define DPVS_OP_SYNC_START 0x0600u   /* sync conf record -> nothing (root) */
#define DPVS_OP_SYNC_STOP 0x0601u    /* u32 roles -> nothing */
#define DPVS_OP_SYNC_STATE 0x0602u   /* -> sync state record */
#define DPVS_OP_SYNC_RESET 0x0603u   /* -> nothing: counters to 0 */
#define DPVS_OP_SYNC_BULK 0x0604u    /* -> nothing: the BACKUP asks again */
#define DPVS_OP_SYNC_MAX 0x060fu

/* The HA lease: which LB of the pair owns the VIPs now. */
#define DPVS_OP_HA_MIN 0x0610u
#define DPVS_OP_HA_LEASE 0x0610u     /* u32 ttl_ms -> u32 ms left */
#define DPVS_OP_HA_RELEASE 0x0611u   /* -> nothing */
#define DPVS_OP_HA_STATE 0x0612u     /* -> ha state record */
#define DPVS_OP_HA_ANNOUNCE 0x0613u  /* -> nothing (the holder only) */
#define DPVS_OP_HA_MAX 0x06ffu

#endif
