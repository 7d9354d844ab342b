/*
 * The sync engine on the master lcore: the UDP socket (kernel path),
 * batching and rate limits, authentication, the bulk exchange and the
 * counters.  The data plane's side is ipvs/ipvs_sync.h; the message
 * format ha/sync_msg.h.  docs/ha.md has the picture.
 */
#ifndef DPVS_HA_SYNC_H
#define DPVS_HA_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "sync_msg.h"

struct dpvs_conf;

#define HA_SYNC_MASTER IPVS_SYNC_MASTER
#define HA_SYNC_BACKUP IPVS_SYNC_BACKUP

/* What starting a role takes (ctrl converts the wire's record to it). */
struct ha_sync_conf {
	unsigned roles;
	uint8_t syncid;
	uint8_t ttl;
	uint16_t port;
	uint16_t maxlen;           /* 0: from the interface's MTU */
	char ifname[16];
	uint32_t group;            /* host order */
	uint32_t peer;             /* host order; 0: multicast */
	struct sync_key key;
};

enum ha_bulk_phase {
	HA_BULK_NONE, HA_BULK_REQUESTING, HA_BULK_RECEIVING, HA_BULK_READY,
	HA_BULK_SENDING,
};

struct ha_sync_counters {
	uint64_t tx_msgs, tx_conns, tx_bytes, tx_dropped;
	uint64_t rx_msgs, rx_conns, rx_bytes, rx_dropped;
	uint64_t rx_bad, rx_other_id, rx_auth_failed, rx_replayed, rx_stale;
	uint64_t bulk_sent, bulk_received;
};

struct ha_sync_state {
	unsigned roles;
	enum ha_bulk_phase bulk;
	struct ha_sync_conf conf;  /* key zeroed, key.len kept */
	char key_fp[9];
	uint64_t sender_id, peer_sender_id;
	uint32_t peer_addr;
	uint64_t last_rx_ms;       /* UINT64_MAX: never */
	uint64_t bulk_conns;
	uint32_t bulk_ms;
	struct ha_sync_counters c;
	struct ipvs_sync_stats in; /* the installers' counts */
};

/* sync.* of dpvs.conf; the engine is off until a start. */
int ha_sync_init(const struct dpvs_conf *c);
/* Reload: the reloadable sync.* keys. */
void ha_sync_apply_conf(const struct dpvs_conf *c);
void ha_sync_fini(void);
/*
 * Starts roles.  0, or -EINVAL (bad settings; msg says which), -EBUSY
 * (a role runs with other transport settings), -errno of the socket.
 */
int ha_sync_start(const struct ha_sync_conf *c, char *msg, size_t msglen);
/* Stops roles; the socket goes with the last one. */
void ha_sync_stop(unsigned roles);
void ha_sync_state(struct ha_sync_state *out);
void ha_sync_reset(void);
/* The BACKUP asks for a bulk now.  -ENOENT without the backup role. */
int ha_sync_bulk(void);
/* Master loop job: drain, send, receive, bulk pages. */
int ha_sync_job(void *arg);

#endif
