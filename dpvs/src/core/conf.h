/*
 * The daemon's configuration: parsed from a libconfig file into one plain
 * structure, checked as a whole, and compared key by key on reload.
 * Pure code (no DPDK), so it is unit-tested directly.
 */
#ifndef DPVS_CONF_H
#define DPVS_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define CONF_MAX_DEVICES 16
#define CONF_MAX_QUEUES 16
#define CONF_MAX_WORKERS 63
#define CONF_MAX_LCORE 127
#define CONF_MAX_EAL_ARGS 32
#define CONF_EAL_ARG_LEN 256
#define CONF_NAME_LEN 32
#define CONF_DEVARGS_LEN 256

struct conf_device {
	char name[CONF_NAME_LEN];        /* dpvs's name, e.g. dpdk0 */
	char devargs[CONF_DEVARGS_LEN];  /* PCI address or vdev spec */
	uint32_t rx_queues;
	uint32_t tx_queues;
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t mtu;
	bool promisc;
	bool kni;                        /* create the kernel TAP twin */
	char kni_name[CONF_NAME_LEN];    /* default: <name>.kni */
};

/* The queues of one port that one worker owns. */
struct conf_queue_map {
	uint32_t port;                   /* index into devices[] */
	uint32_t nrx;
	uint32_t ntx;
	uint16_t rx[CONF_MAX_QUEUES];
	uint16_t tx[CONF_MAX_QUEUES];
};

struct conf_worker {
	uint32_t lcore;
	uint32_t nmaps;
	struct conf_queue_map maps[CONF_MAX_DEVICES];
};

enum idle_policy { IDLE_BUSY_POLL, IDLE_SLEEP };

struct dpvs_conf {
	char file[PATH_MAX];

	/* global */
	int log_level;
	enum log_target log_target;
	char log_file[PATH_MAX];
	uint32_t neal_args;
	char eal_args[CONF_MAX_EAL_ARGS][CONF_EAL_ARG_LEN];

	/* netif */
	uint32_t ndevices;
	struct conf_device devices[CONF_MAX_DEVICES];
	uint32_t mbuf_pool_size;       /* packet mbufs; 0 = what the queues need */

	/* workers */
	uint32_t master_lcore;
	uint32_t nworkers;
	struct conf_worker workers[CONF_MAX_WORKERS];
	enum idle_policy idle_policy;
	uint32_t idle_empty_loops;
	uint32_t idle_sleep_us;
	uint32_t idle_max_sleep_us;

	/* ctrl */
	uint32_t msg_ring_size;
	uint32_t msg_pool_size;
	uint32_t sync_timeout_ms;
	char ipc_file[108];
	char ctrl_group[CONF_NAME_LEN];
	uint32_t max_request;
	uint32_t max_clients;
	uint32_t client_timeout_ms;
	uint32_t max_user_buffer;   /* request bytes buffered at once, per uid */
	uint32_t max_total_buffer;  /* ... and over every client */

	/* timers */
	uint32_t timer_tick_us;

	/* ipv4 */
	bool ip_forward;
	uint32_t max_routes;

	/* ipv6 (docs/network.md "IPv6") */
	bool ip6_enable;               /* false: every IPv6 frame to the kernel */
	bool ip6_forward;
	uint32_t ip6_max_routes;
	uint32_t ip6_max_addrs;
	uint32_t ip6_dad_transmits;    /* 0: no DAD */
	uint32_t ip6_dad_retrans_ms;
	uint32_t ip6_icmp_error_pps;   /* per worker; 0: no limit */
	bool ip6_mld_reports;

	/* neigh */
	uint32_t neigh_max;
	uint32_t neigh6_max;
	uint32_t neigh_reachable_s;
	uint32_t neigh_queue_len;      /* packets held per unresolved hop */
	uint32_t neigh_resolve_ms;
	uint32_t neigh_learn_rate;     /* learn messages a worker sends a second */

	/* ipvs */
	uint32_t conn_pool_size;
	uint32_t max_services;

	/* kni */
	uint32_t kni_ring_size;
	uint32_t kni_rate_pps;         /* bulk to the kernel, per port; 0 = no limit */
	uint32_t kni_prio_rate_pps;    /* priority, per kind and worker; 0 = no limit */
	uint32_t kni_sync_rate_pps;    /* HA sync datagrams, per worker; 0 = no limit */

	/* sync (docs/ha.md): the transport comes from keepalived */
	uint32_t sync_ring_size;       /* records per worker ring, power of 2 */
	uint32_t sync_flush_ms;        /* a batch leaves this long after its first record */
	uint32_t sync_threshold[2];    /* UDP: at packet [0], then every [1] */
	uint32_t sync_refresh_s;
	bool sync_embryonic;
	uint32_t sync_max_msgs_per_s;
	uint32_t sync_bulk_msgs_per_s;
	uint32_t sync_heartbeat_ms;
	uint32_t sync_sock_buf_kb;
	uint32_t sync_max_age_s;       /* 0: no check of the sender's clock */
	bool sync_backup_only;
	uint32_t sync_dir_entries;     /* 0: 1.25 x conn_pool_size + 1024 */

	/* ha: the lease and the HA addresses (docs/ha.md) */
	uint32_t ha_lease_min_ms;      /* a taker's TTL is clamped to these */
	uint32_t ha_lease_max_ms;
	uint32_t ha_garp_count;        /* announcements of each HA address ... */
	uint32_t ha_garp_interval_ms;  /* ... this far apart, on taking the lease */
};

/* Fills in every default (the values conf/dpvs.conf.sample documents). */
void conf_defaults(struct dpvs_conf *c);

/*
 * Parses and checks `path`.  On failure returns -1 and writes every
 * problem found, one per line, each naming file, line and key, into err.
 */
int conf_load(const char *path, struct dpvs_conf *c, char *err, size_t errlen);

/* Same, from a string (for tests); `name` stands in for the file name. */
int conf_load_string(const char *text, const char *name, struct dpvs_conf *c,
		     char *err, size_t errlen);

/*
 * Compares a running config with a newly loaded one.  For each key that
 * changed, calls report(): reloadable keys with applied=true, start-only
 * keys with applied=false.  Returns the number of changed keys.
 */
typedef void (*conf_report_fn)(void *arg, bool applied, const char *key,
			       const char *from, const char *to);
int conf_diff(const struct dpvs_conf *old, const struct dpvs_conf *cur,
	      conf_report_fn report, void *arg);

/* Copies the reloadable keys of src into dst. */
void conf_apply_reloadable(struct dpvs_conf *dst, const struct dpvs_conf *src);

#endif
