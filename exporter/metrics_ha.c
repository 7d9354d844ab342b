/*
 * Connection sync and the HA lease (docs/ha.md), when this dpvs has
 * them: what to watch to know the pair can fail over without losing
 * connections.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>

#include "exporter.h"

static const struct {
	const char *name, *help;
	size_t off;
} SYNC_COUNTERS[] = {
#define C(n, f, h) { "dpvs_sync_" n "_total", h, \
		     offsetof(struct dpvs_sync_counters, f) }
	C("sent_messages", tx_msgs, "Sync datagrams sent."),
	C("sent_connections", tx_conns, "Connection records sent."),
	C("sent_dropped", tx_dropped,
	  "Records not sent: ring full, rate limit, socket error."),
	C("received_messages", rx_msgs, "Sync datagrams received."),
	C("received_connections", rx_conns, "Connection records received."),
	C("received_dropped", rx_dropped,
	  "Authenticated records not installed: ring full."),
	C("received_bad", rx_bad, "Datagrams refused: length, version, type."),
	C("received_other_syncid", rx_other_id,
	  "Datagrams of another syncid."),
	C("auth_failures", rx_auth_failed, "Datagrams whose HMAC was wrong."),
	C("replayed", rx_replayed, "Datagrams seen before or too old."),
	C("stale", rx_stale, "Datagrams of an older boot of the sender."),
	C("installed", installed, "Synced connections installed."),
	C("updated", updated, "Synced connections updated in place."),
	C("refused_no_service", no_service,
	  "Records refused: no such service here."),
	C("refused_no_dest", no_dest, "Records refused: no such real server."),
	C("refused_no_laddr", no_laddr,
	  "Records refused: no such FullNAT local address."),
	C("refused_port_busy", port_busy,
	  "Records refused: the local port is in use here."),
	C("refused_clash", clash, "Records refused: the tuple is taken."),
	C("refused_full", full, "Records refused: connection pool full."),
	C("bulk_sent", bulk_sent, "Bulk transfers sent (not connections)."),
	C("bulk_received", bulk_received, "Bulk transfers received."),
#undef C
};

static const char *const BULK_STATES[] = {
	[DPVS_BULK_NONE] = "none", [DPVS_BULK_REQUESTING] = "requesting",
	[DPVS_BULK_RECEIVING] = "receiving", [DPVS_BULK_READY] = "ready",
	[DPVS_BULK_SENDING] = "sending",
};

/* One gauge per role and per bulk state: 1 for the current ones. */
static void sync_states(struct expo *e, const struct dpvs_sync_state *st)
{
	struct expo_label l;

	expo_family(e, "dpvs_sync_role", EXPO_GAUGE,
		    "1 for each connection-sync role this dpvs runs.");
	l = (struct expo_label){ "role", "master" };
	expo_u64(e, &l, 1, !!(st->roles & DPVS_SYNC_MASTER));
	l = (struct expo_label){ "role", "backup" };
	expo_u64(e, &l, 1, !!(st->roles & DPVS_SYNC_BACKUP));
	expo_family(e, "dpvs_sync_bulk_state", EXPO_GAUGE,
		    "1 for the state of the bulk transfer (ready: the backup's "
		    "table is complete).");
	for (uint32_t b = 0; b < sizeof(BULK_STATES) / sizeof(*BULK_STATES); b++) {
		l = (struct expo_label){ "state", BULK_STATES[b] };
		expo_u64(e, &l, 1, st->bulk == b);
	}
}

static void sync_peer(struct expo *e, const struct dpvs_sync_state *st)
{
	char peer[INET_ADDRSTRLEN];
	uint32_t a = htonl(st->peer_addr);
	struct expo_label l = { "peer", peer };

	expo_one(e, "dpvs_sync_connections", EXPO_GAUGE,
		 "Live connections installed from the peer's sync.",
		 st->synced_conns);
	if (st->last_rx_ms == UINT64_MAX)
		return;   /* never heard: no age to give */
	inet_ntop(AF_INET, &a, peer, sizeof(peer));
	expo_family(e, "dpvs_sync_peer_last_message_age_seconds", EXPO_GAUGE,
		    "Seconds since the peer's last authenticated datagram.");
	expo_f64(e, &l, 1, (double)st->last_rx_ms / 1000.0);
}

static void sync_series(struct expo *e, const struct dpvs_sync_state *st)
{
	sync_states(e, st);
	for (size_t i = 0; i < sizeof(SYNC_COUNTERS) / sizeof(*SYNC_COUNTERS); i++)
		expo_one(e, SYNC_COUNTERS[i].name, EXPO_COUNTER,
			 SYNC_COUNTERS[i].help, *(const uint64_t *)(
			 (const char *)&st->c + SYNC_COUNTERS[i].off));
	sync_peer(e, st);
}

static void lease_series(struct expo *e, const struct dpvs_ha_state *ha)
{
	expo_one(e, "dpvs_ha_lease_held", EXPO_GAUGE,
		 "1 while a client (keepalived's MASTER) holds the HA lease.",
		 ha->held);
	expo_family(e, "dpvs_ha_lease_remaining_seconds", EXPO_GAUGE,
		    "What is left of the lease's TTL.");
	expo_f64(e, NULL, 0, (double)ha->ms_left / 1000.0);
	expo_one(e, "dpvs_ha_lease_taken_total", EXPO_COUNTER,
		 "Times the lease was taken.", ha->taken);
	expo_one(e, "dpvs_ha_lease_lost_total", EXPO_COUNTER,
		 "Times the lease expired or its holder went away.", ha->lost);
	expo_one(e, "dpvs_ha_lease_released_total", EXPO_COUNTER,
		 "Times its holder released the lease.", ha->released);
	expo_one(e, "dpvs_ha_addresses", EXPO_GAUGE,
		 "HA addresses configured (answered for only with the lease).",
		 ha->ha_addrs);
	expo_one(e, "dpvs_ha_leased_addresses", EXPO_GAUGE,
		 "Addresses the lease holder added (keepalived's VIPs).",
		 ha->leased_addrs);
}

void metrics_ha(struct expo *e, const struct scrape *s)
{
	if (s->have_sync)
		sync_series(e, &s->sync);
	if (s->have_ha)
		lease_series(e, &s->ha);
}
