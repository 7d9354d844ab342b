/*
 * Inside the sync engine: what sync.c, sync_bulk.c and sync_sock.c share.
 * Master lcore only.
 */
#ifndef DPVS_HA_SYNC_INT_H
#define DPVS_HA_SYNC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sync.h"
#include "sync_pace.h"

/* libdpvs.h's DPVS_SYNC_* (the data plane does not include the library). */
#define HA_SYNC_KEY_MIN 32
#define HA_SYNC_KEY_MAX 64
#define HA_SYNC_PORT 8848          /* as Linux IPVS's */
#define HA_SYNC_GROUP 0xe0000051u  /* 224.0.0.81 */

#define SYNC_MMSG 32              /* datagrams per sendmmsg/recvmmsg */
#define SYNC_RX_PER_LOOP 64
#define SYNC_DRAIN_PER_LOOP 2048
#define SYNC_MIN_MAXLEN 104       /* two records */
#define SYNC_BULK_SCAN 8192       /* pool objects a bulk page visits */
/*
 * The job's time on the master, per loop: the drain stops past the
 * first mark, the bulk page starts only before it, receiving stops past
 * the second (the control socket and the kernel path share the loop).
 */
#define SYNC_TX_BUDGET_US 150
#define SYNC_JOB_BUDGET_US 400
#define SYNC_HOLD_RETRY_US 100    /* a held datagram tries its ring again */
#define SYNC_RECHECK_MS 2000      /* a bulk again this long after a change */

/* ---- sync_sock.c: the kernel UDP socket ---- */

/* The UDP payload for an interface: MTU - 28, within the format's bounds. */
int sync_sock_maxlen(const char *ifname, unsigned want, unsigned *out);
int sync_sock_open(const struct ha_sync_conf *c, unsigned buf_kb,
		   char *msg, size_t msglen);
void sync_sock_close(void);
bool sync_sock_is_open(void);
/* A buffer for the next datagram (SYNC_MAX_LEN bytes), NULL while all are queued. */
uint8_t *sync_sock_slot(void);
unsigned sync_sock_free_slots(void);
/* Queues the datagram just written into sync_sock_slot(). */
void sync_sock_commit(size_t len, unsigned nrec);
/* Sends what is queued; EAGAIN keeps the rest.  Datagrams sent. */
unsigned sync_sock_flush(struct ha_sync_counters *c);
/*
 * Up to max datagrams, each to fn with its source (host order), none
 * begun after deadline_us (sync_now_us()'s clock).  fn
 * returns false to hold a datagram (the installers' rings are full): it
 * comes again, first, at the next call, and the kernel keeps the rest.
 */
typedef bool (*sync_rx_fn)(const uint8_t *buf, size_t len, uint32_t src);
unsigned sync_sock_recv(unsigned max, uint64_t deadline_us, sync_rx_fn fn,
			struct ha_sync_counters *c);
/* Lets go of a held datagram. */
void sync_sock_skip(void);

/* ---- sync.c, for sync_bulk.c ---- */

/* A datagram of type with recs queued (header, seq, tag); false if no room. */
bool sync_emit(uint8_t type, const struct ipvs_sync_rec *recs, unsigned n,
	       uint32_t count);
unsigned sync_max_recs(void);
/* A version 2 CONN datagram of v6 records; false if no room. */
bool sync_emit6(const struct ipvs_sync_rec6 *recs, unsigned n);
/* BULK_END with the v1 and v2 records the bulk sent; false if no room. */
bool sync_emit_end(uint32_t count, uint32_t count6);

/* ---- sync6.c: the workers' v6 records into version 2 datagrams ---- */

/* A sync start with this UDP payload: records per datagram. */
void sync6_start(unsigned maxlen);
unsigned sync6_max_recs(void);
/* As drain() for v4: what the rate (tb) and the send queue let leave. */
int sync6_drain(struct sync_bucket *tb, uint32_t flush_ms, uint64_t now_ms,
		uint64_t now_us);
void sync6_discard(void);
uint64_t sync_now_ms(void);
uint64_t sync_now_us(void);

/* ---- sync_bulk.c ---- */

/* MASTER: a BULK_REQ from sender_id. */
void sync_bulk_request(uint64_t sender_id, uint64_t now_ms);
/* MASTER: one page of the walk at the bulk rate; work done. */
int sync_bulk_page(struct sync_bucket *tb, bool embryonic, uint64_t now_us);
bool sync_bulk_sending(void);
void sync_bulk_abort(void);
/* The last bulk sent: records and ms. */
void sync_bulk_last(uint64_t *recs, uint32_t *ms);
uint64_t sync_bulk_count(void);

#endif
