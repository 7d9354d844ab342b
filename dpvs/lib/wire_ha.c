/*
 * Wire records of the HA operations (0x06xx, docs/ha.md): the sync
 * configuration, the sync state with its counters, the lease state.
 * The key travels only in a start request; the state's copy of the
 * configuration always carries zeroes in its place.
 */
#include "wire.h"

#include <string.h>

static void enc_sync_conf(struct wbuf *b, const struct dpvs_sync_conf *c,
			  bool with_key)
{
	uint32_t klen = c->key_len > DPVS_SYNC_KEY_MAX ? DPVS_SYNC_KEY_MAX :
							 c->key_len;
	uint8_t key[DPVS_SYNC_KEY_MAX] = { 0 };

	if (with_key)
		memcpy(key, c->key, klen);
	wb_u32(b, c->roles);
	wb_u8(b, c->syncid);
	wb_u8(b, c->ttl);
	wb_u16(b, c->port);
	wb_u16(b, c->maxlen);
	wb_u16(b, 0);
	wb_str(b, c->ifname, WIRE_NAME_STR);
	wb_u32(b, c->group);
	wb_u32(b, c->peer);
	wb_u32(b, c->key_len);
	wb_bytes(b, key, sizeof(key));
}

void wire_enc_sync_conf(struct wbuf *b, const struct dpvs_sync_conf *c)
{
	enc_sync_conf(b, c, true);
}

int wire_dec_sync_conf(struct rbuf *b, struct dpvs_sync_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->roles = rb_u32(b);
	c->syncid = rb_u8(b);
	c->ttl = rb_u8(b);
	c->port = rb_u16(b);
	c->maxlen = rb_u16(b);
	rb_u16(b);
	rb_str(b, c->ifname, WIRE_NAME_STR);
	c->group = rb_u32(b);
	c->peer = rb_u32(b);
	c->key_len = rb_u32(b);
	for (unsigned i = 0; i < DPVS_SYNC_KEY_MAX; i++)
		c->key[i] = rb_u8(b);
	/* An ifname field with no NUL in it was cut: refuse, never truncate. */
	if (b->err || c->key_len > DPVS_SYNC_KEY_MAX ||
	    strlen(c->ifname) == WIRE_NAME_STR) {
		memset(c->key, 0, sizeof(c->key));
		return DPVS_EPROTO;
	}
	return DPVS_OK;
}

static void enc_sync_counters(struct wbuf *b, const struct dpvs_sync_counters *c)
{
	const uint64_t v[] = {
		c->tx_msgs, c->tx_conns, c->tx_bytes, c->tx_dropped,
		c->rx_msgs, c->rx_conns, c->rx_bytes, c->rx_dropped,
		c->rx_bad, c->rx_other_id, c->rx_auth_failed, c->rx_replayed,
		c->rx_stale, c->no_service, c->no_dest, c->no_laddr,
		c->port_busy, c->clash, c->full, c->replaced, c->dir_full,
		c->installed, c->updated, c->bulk_sent, c->bulk_received,
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		wb_u64(b, v[i]);
}

static void dec_sync_counters(struct rbuf *b, struct dpvs_sync_counters *c)
{
	uint64_t *v[] = {
		&c->tx_msgs, &c->tx_conns, &c->tx_bytes, &c->tx_dropped,
		&c->rx_msgs, &c->rx_conns, &c->rx_bytes, &c->rx_dropped,
		&c->rx_bad, &c->rx_other_id, &c->rx_auth_failed, &c->rx_replayed,
		&c->rx_stale, &c->no_service, &c->no_dest, &c->no_laddr,
		&c->port_busy, &c->clash, &c->full, &c->replaced, &c->dir_full,
		&c->installed, &c->updated, &c->bulk_sent, &c->bulk_received,
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		*v[i] = rb_u64(b);
}

void wire_enc_sync_state(struct wbuf *b, const struct dpvs_sync_state *s)
{
	wb_u32(b, s->roles);
	wb_u32(b, s->bulk);
	enc_sync_conf(b, &s->conf, false);
	wb_str(b, s->key_fp, 8);
	wb_u64(b, s->sender_id);
	wb_u64(b, s->peer_sender_id);
	wb_u32(b, s->peer_addr);
	wb_u32(b, s->bulk_ms);
	wb_u64(b, s->last_rx_ms);
	wb_u64(b, s->bulk_conns);
	wb_u32(b, s->synced_conns);
	wb_u32(b, 0);
	enc_sync_counters(b, &s->c);
}

int wire_dec_sync_state(struct rbuf *b, struct dpvs_sync_state *s)
{
	memset(s, 0, sizeof(*s));
	s->roles = rb_u32(b);
	s->bulk = rb_u32(b);
	if (wire_dec_sync_conf(b, &s->conf) != DPVS_OK)
		return DPVS_EPROTO;
	rb_str(b, s->key_fp, 8);
	s->sender_id = rb_u64(b);
	s->peer_sender_id = rb_u64(b);
	s->peer_addr = rb_u32(b);
	s->bulk_ms = rb_u32(b);
	s->last_rx_ms = rb_u64(b);
	s->bulk_conns = rb_u64(b);
	s->synced_conns = rb_u32(b);
	rb_u32(b);
	dec_sync_counters(b, &s->c);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

void wire_enc_ha_state(struct wbuf *b, const struct dpvs_ha_state *s)
{
	wb_u32(b, s->held);
	wb_u32(b, s->ms_left);
	wb_u32(b, s->holder_pid);
	wb_u32(b, s->ha_addrs);
	wb_u32(b, s->leased_addrs);
	wb_u32(b, 0);
	wb_u64(b, s->taken);
	wb_u64(b, s->lost);
	wb_u64(b, s->released);
}

int wire_dec_ha_state(struct rbuf *b, struct dpvs_ha_state *s)
{
	memset(s, 0, sizeof(*s));
	s->held = rb_u32(b);
	s->ms_left = rb_u32(b);
	s->holder_pid = rb_u32(b);
	s->ha_addrs = rb_u32(b);
	s->leased_addrs = rb_u32(b);
	rb_u32(b);
	s->taken = rb_u64(b);
	s->lost = rb_u64(b);
	s->released = rb_u64(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}
