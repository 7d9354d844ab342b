/*
 * The control-socket wire format: the one place that knows how bytes on
 * the socket look.  Both the daemon (server side) and libdpvs (client
 * side) link wire.c; nothing else builds or parses frames.
 *
 * Every frame is a fixed 24-byte header followed by `len` payload bytes.
 * All integers are big-endian and fixed-width; no C struct is ever copied
 * to the socket as-is, so compiler padding and host types never leak out.
 *
 *   offset size field
 *        0    4 magic    "DPVS" (0x44505653)
 *        4    2 version  DPVS_WIRE_VERSION
 *        6    2 flags    DPVS_WF_REPLY, DPVS_WF_MORE
 *        8    4 op       operation id (dpvs_ops.h)
 *       12    4 seq      chosen by the client, echoed in every reply frame
 *       16    4 status   0 in requests; a dpvs_status code in replies
 *       20    4 len      payload bytes following this header
 *
 * A reply may be split into several frames: all but the last carry
 * DPVS_WF_MORE.  A reply whose status is not DPVS_OK carries a human
 * readable message (no NUL) as its payload.
 */
#ifndef DPVS_WIRE_H
#define DPVS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "libdpvs.h"

#define DPVS_WIRE_MAGIC 0x44505653u
#define DPVS_WIRE_VERSION 5
#define DPVS_WIRE_HDR_LEN 24

#define DPVS_WF_REPLY 0x0001u
#define DPVS_WF_MORE 0x0002u
#define DPVS_WF_KNOWN (DPVS_WF_REPLY | DPVS_WF_MORE)

/* Largest payload the server puts in one reply frame. */
#define DPVS_WIRE_CHUNK_MAX (64u * 1024u)
/* Longest error message carried by a reply. */
#define DPVS_WIRE_MSG_MAX 512u

struct wire_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t flags;
	uint32_t op;
	uint32_t seq;
	uint32_t status;
	uint32_t len;
};

/* Why a header was refused; the server counts each separately. */
enum wire_verdict {
	WIRE_OK = 0,
	WIRE_BAD_MAGIC,
	WIRE_BAD_VERSION,
	WIRE_BAD_FLAGS,
	WIRE_TOO_BIG,
};

void wire_hdr_encode(uint8_t out[DPVS_WIRE_HDR_LEN], const struct wire_hdr *h);
void wire_hdr_decode(const uint8_t in[DPVS_WIRE_HDR_LEN], struct wire_hdr *h);
/* Checks a decoded request header; max_len bounds the payload. */
enum wire_verdict wire_req_check(const struct wire_hdr *h, uint32_t max_len);
/*
 * Checks a decoded reply header (client side).  A reply of another wire
 * version passes only as a version refusal (status DPVS_EVERSION, seq 0
 * or ours): the caller reports it with wire_version_refusal().
 */
enum wire_verdict wire_reply_check(const struct wire_hdr *h, uint32_t seq);
const char *wire_verdict_str(enum wire_verdict v);
/* What the client says about a daemon that speaks another version. */
void wire_version_refusal(char *buf, size_t len, uint16_t theirs);

/*
 * Growable output buffer.  A failed allocation sets `err` and turns later
 * writes into no-ops, so encoders need one check at the end.
 */
struct wbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool err;
};

void wb_init(struct wbuf *b);
void wb_free(struct wbuf *b);
void wb_u8(struct wbuf *b, uint8_t v);
void wb_u16(struct wbuf *b, uint16_t v);
void wb_u32(struct wbuf *b, uint32_t v);
void wb_u64(struct wbuf *b, uint64_t v);
/* Fixed-width string field: always `width` bytes, NUL padded. */
void wb_str(struct wbuf *b, const char *s, size_t width);
void wb_bytes(struct wbuf *b, const void *p, size_t n);

/* Bounded reader: reading past the end sets `err` and yields zeroes. */
struct rbuf {
	const uint8_t *data;
	size_t len;
	size_t off;
	bool err;
};

void rb_init(struct rbuf *b, const void *data, size_t len);
uint8_t rb_u8(struct rbuf *b);
uint16_t rb_u16(struct rbuf *b);
uint32_t rb_u32(struct rbuf *b);
uint64_t rb_u64(struct rbuf *b);
/* Reads a fixed-width string field into out (size width+1, NUL ended). */
void rb_str(struct rbuf *b, char *out, size_t width);
static inline size_t rb_left(const struct rbuf *b)
{
	return b->len - b->off;
}
/* True when the whole buffer was consumed without overrun. */
static inline bool rb_done(const struct rbuf *b)
{
	return !b->err && b->off == b->len;
}

/* Payload codecs, one pair per structure (see libdpvs.h for the fields). */
#define WIRE_VERSION_STR 32
#define WIRE_NAME_STR 32

void wire_enc_version(struct wbuf *b, const struct dpvs_version_info *v);
int wire_dec_version(struct rbuf *b, struct dpvs_version_info *v);
void wire_enc_lcore(struct wbuf *b, const struct dpvs_lcore_info *l);
int wire_dec_lcore(struct rbuf *b, struct dpvs_lcore_info *l);
void wire_enc_msgbus(struct wbuf *b, const struct dpvs_msgbus_stats *m);
int wire_dec_msgbus(struct rbuf *b, struct dpvs_msgbus_stats *m);
void wire_enc_ctrl_stats(struct wbuf *b, const struct dpvs_ctrl_stats *s);
int wire_dec_ctrl_stats(struct rbuf *b, struct dpvs_ctrl_stats *s);

/*
 * An address of either family (since version 5): af u8 (4 or 6, wire
 * numbers, not AF_*), 3 zero bytes, 16 address bytes in network order;
 * IPv4 takes the first 4 and the other 12 are zero.  The decoder sets
 * the reader's error (the record is malformed: DPVS_EPROTO) on another
 * af, a non-zero pad or a non-zero IPv4 tail.  In the structures af is
 * AF_INET (or 0, which means it) with the IPv4 address in network order
 * in v4, or AF_INET6 with v6.
 */
#define WIRE_INET_LEN 20
#define WIRE_AF_INET 4
#define WIRE_AF_INET6 6
void wire_enc_inet(struct wbuf *b, uint8_t af, uint32_t v4,
		   const struct in6_addr *v6);
int wire_dec_inet(struct rbuf *b, uint8_t *af, uint32_t *v4,
		  struct in6_addr *v6);

/*
 * Network-stack records.  Addresses are inet fields; interface names
 * 32-byte NUL-padded fields.
 */
void wire_enc_link(struct wbuf *b, const struct dpvs_link_info *l);
int wire_dec_link(struct rbuf *b, struct dpvs_link_info *l);
void wire_enc_counter(struct wbuf *b, const struct dpvs_counter *c);
int wire_dec_counter(struct rbuf *b, struct dpvs_counter *c);
void wire_enc_addr(struct wbuf *b, const struct dpvs_addr *a);
int wire_dec_addr(struct rbuf *b, struct dpvs_addr *a);
void wire_enc_route(struct wbuf *b, const struct dpvs_route *r);
int wire_dec_route(struct rbuf *b, struct dpvs_route *r);
void wire_enc_neigh(struct wbuf *b, const struct dpvs_neigh *n);
int wire_dec_neigh(struct rbuf *b, struct dpvs_neigh *n);

/*
 * Load-balancing records.  Keys first (proto u8 + 3 pad, vip inet,
 * vport u16 + 2 pad), then the fields in struct order; stats blocks are
 * 10 x u64 in struct dpvs_stats order; strings fixed-width NUL-padded.
 */
void wire_enc_svc(struct wbuf *b, const struct dpvs_service *s);
int wire_dec_svc(struct rbuf *b, struct dpvs_service *s);
void wire_enc_dest(struct wbuf *b, const struct dpvs_dest *d);
int wire_dec_dest(struct rbuf *b, struct dpvs_dest *d);
void wire_enc_laddr(struct wbuf *b, const struct dpvs_laddr *l);
int wire_dec_laddr(struct rbuf *b, struct dpvs_laddr *l);
void wire_enc_conn(struct wbuf *b, const struct dpvs_conn *c);
int wire_dec_conn(struct rbuf *b, struct dpvs_conn *c);
void wire_enc_timeouts(struct wbuf *b, const struct dpvs_timeouts *t);
int wire_dec_timeouts(struct rbuf *b, struct dpvs_timeouts *t);

/*
 * Worker stats (DPVS_OP_WORKER_STATS): a head -- pool size, pool in use,
 * ncounters, ncounters names of WIRE_COUNTER_STR bytes -- then u32
 * nworkers and that many rows: lcore, index, conns, conns_max, msgs,
 * ncounters u64.
 */
#define WIRE_WSTATS_ROW_LEN 32   /* lcore, index, conns, conns_max, msgs */
#define WIRE_WSTATS_MAX_COUNTERS 256
#define WIRE_WSTATS_MAX_WORKERS 1024
void wire_enc_wstats_head(struct wbuf *b, uint32_t pool_size,
			  uint32_t pool_in_use, uint32_t ncounters,
			  const char *const *names);
void wire_enc_wstats_row(struct wbuf *b, const struct dpvs_worker_stats *w,
			 uint32_t ncounters);
/* *out: one malloc'd block (see struct dpvs_worker_stats_set). */
int wire_dec_wstats(struct rbuf *b, struct dpvs_worker_stats_set **out);
/* DPVS_OP_RESOURCES: kind, name[32], used, size. */
#define WIRE_RES_REC_LEN 52
void wire_enc_resource(struct wbuf *b, const struct dpvs_resource *r);
int wire_dec_resource(struct rbuf *b, struct dpvs_resource *r);

/*
 * A list reply is a u32 count followed by count fixed-size records;
 * the decoder checks the count against the bytes actually present
 * before allocating anything.
 */
#define WIRE_LCORE_REC_LEN 56
#define WIRE_MSGBUS_REC_LEN 92
/* name, kni, driver (3 x 32), port, mac (6 + 2 pad), mtu, flags, speed,
 * nrxq, ntxq (6 x 4 + 8), 11 x u64 */
#define WIRE_LINK_REC_LEN 216
#define WIRE_COUNTER_STR 64
#define WIRE_COUNTER_REC_LEN 72  /* name[64] (xstats names are long), u64 */
/* ifname[32], addr, plen + 3 pad, flags */
#define WIRE_ADDR_REC_LEN (32 + WIRE_INET_LEN + 8)
/* ifname, prefix, plen + 3 pad, type, gw, src */
#define WIRE_ROUTE_REC_LEN (32 + 3 * WIRE_INET_LEN + 8)
/* ifname, ip, mac + 2 pad, state, age_s, flags */
#define WIRE_NEIGH_REC_LEN (32 + WIRE_INET_LEN + 20)
/* proto + 3 pad, vip, vport + 2 pad */
#define WIRE_SVC_KEY_LEN (4 + WIRE_INET_LEN + 4)
/* key, sched[16], flags, timeout, netmask (IPv6: the prefix length),
 * ndests, stats (80) */
#define WIRE_SVC_REC_LEN (WIRE_SVC_KEY_LEN + 16 + 16 + 80)
/* key, addr, port + 2 pad, fwd, weight, u_thresh, l_thresh,
 * active, inact, persist, stats */
#define WIRE_DEST_REC_LEN (WIRE_SVC_KEY_LEN + WIRE_INET_LEN + 32 + 80)
/* key, addr, ifname[32], conns, ports_free, ports_total */
#define WIRE_LADDR_REC_LEN (WIRE_SVC_KEY_LEN + WIRE_INET_LEN + 32 + 8 + 8)
/* proto + 3 pad, 4 addrs (client and VIP of one family, local address
 * and real server of one), 4 ports, fwd, state, state_name[16],
 * expire_s, lcore, flags */
#define WIRE_CONN_REC_LEN (4 + 4 * WIRE_INET_LEN + 8 + 8 + 16 + 12)
#define WIRE_TIMEOUTS_REC_LEN 12

/*
 * HA records (wire_ha.c).  Sync configuration: roles, syncid u8, ttl u8,
 * port u16, maxlen u16 + 2 pad, ifname[32], group, peer, key_len,
 * key[64] (zeroes but in a start request).  Sync state: roles, bulk,
 * the configuration, key_fp[8], sender_id, peer_sender_id (u64),
 * peer_addr, bulk_ms, last_rx_ms, bulk_conns (u64), synced_conns + 4
 * pad, 25 x u64 counters in struct dpvs_sync_counters order.  Lease
 * state: held, ms_left, holder_pid, ha_addrs, leased_addrs + 4 pad,
 * taken, lost, released (u64).
 */
#define WIRE_SYNC_CONF_LEN (12 + WIRE_NAME_STR + 12 + DPVS_SYNC_KEY_MAX)
#define WIRE_SYNC_COUNTERS 25
#define WIRE_SYNC_STATE_LEN (8 + WIRE_SYNC_CONF_LEN + 8 + 16 + 8 + 16 + 8 + \
			     8 * WIRE_SYNC_COUNTERS)
#define WIRE_HA_STATE_LEN 48
void wire_enc_sync_conf(struct wbuf *b, const struct dpvs_sync_conf *c);
/* DPVS_EPROTO: short, key_len over DPVS_SYNC_KEY_MAX, ifname without NUL. */
int wire_dec_sync_conf(struct rbuf *b, struct dpvs_sync_conf *c);
/* The configuration inside goes without its key. */
void wire_enc_sync_state(struct wbuf *b, const struct dpvs_sync_state *s);
int wire_dec_sync_state(struct rbuf *b, struct dpvs_sync_state *s);
void wire_enc_ha_state(struct wbuf *b, const struct dpvs_ha_state *s);
int wire_dec_ha_state(struct rbuf *b, struct dpvs_ha_state *s);

#endif
