/*
 * The control handlers: each registers the operations of one part of the
 * daemon with the dispatcher (ctrl.h), converting between the wire
 * format and that part's own types.  Called once by daemon_start().
 */
#ifndef DPVS_CTRL_HANDLERS_H
#define DPVS_CTRL_HANDLERS_H

#include <stddef.h>
#include <stdint.h>

struct dpvs_conf;

/*
 * What the handlers need of the daemon as a whole, handed in by
 * daemon.c: the handlers sit below the composition root and never
 * include it (docs/architecture.md, "Boundaries").
 */
struct ctrl_daemon_ops {
	const char *version;
	const struct dpvs_conf *(*conf)(void);  /* the running config */
	uint64_t (*start_time)(void);           /* unix seconds */
	uint64_t (*uptime_ms)(void);
	/* Reloads now; DPVS_OK or DPVS_ECONFIG, what happened in summary. */
	int (*reload)(char *summary, size_t len);
};

int core_ctl_init(const struct ctrl_daemon_ops *d); /* 0x0100-0x01ff */
int netif_ctl_init(void);     /* 0x0200-0x02ff: ports, addresses, routes */
int ipvs_ctl_init(void);      /* 0x0300-0x03ff: services, servers, conns */
int stats_ctl_init(void);     /* 0x0400-0x04ff: what SNMP reads */
/* 0x0500-0x05ff: tables against limits */
int resources_ctl_init(const struct ctrl_daemon_ops *d);
int sync_ctl_init(void);      /* 0x0600-0x060f: connection sync */
/* 0x0610-0x06ff: the HA lease; the close hook that ends it */
int ha_ctl_init(void);

#endif
