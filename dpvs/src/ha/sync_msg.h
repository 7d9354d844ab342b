/*
 * The sync datagram: a 32-byte header, nrec records, a 32-byte
 * HMAC-SHA256 tag over all that precedes it.  Version 1 carries 40-byte
 * v4 records (every type); version 2, CONN only, 92-byte records with
 * families and 16-byte addresses (v6 and NAT64 conns).  An LB that knows
 * only version 1 refuses version 2 as bad and keeps taking version 1:
 * v4 conns keep syncing through a rolling upgrade.  The one place that
 * speaks this format; pure code, no DPDK (unit-tested and fuzzed).
 * Layout and reasons: docs/ha.md, "The message".
 */
#ifndef DPVS_HA_SYNC_MSG_H
#define DPVS_HA_SYNC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipvs/ipvs_sync.h"

#define SYNC_MSG_VERSION 1
#define SYNC_MSG_VERSION6 2
#define SYNC_HDR_LEN 32
#define SYNC_REC_LEN 40
#define SYNC_REC6_LEN 92
#define SYNC_TAG_LEN 32
#define SYNC_MAX_RECS 255
#define SYNC_MIN_LEN (SYNC_HDR_LEN + SYNC_TAG_LEN)
#define SYNC_MAX_LEN (SYNC_MIN_LEN + SYNC_MAX_RECS * SYNC_REC_LEN)
/* Version 2 within SYNC_MAX_LEN (a sync_sock slot). */
#define SYNC_MAX_RECS6 ((SYNC_MAX_LEN - SYNC_MIN_LEN) / SYNC_REC6_LEN)

enum sync_msg_type {
	SYNC_MSG_CONN = 1,
	SYNC_MSG_BULK_REQ = 2,
	SYNC_MSG_BULK_END = 3,     /* count: records the bulk sent */
	SYNC_MSG_HEARTBEAT = 4,
};

struct sync_msg_hdr {
	uint8_t version;
	uint8_t type;
	uint8_t syncid;
	uint8_t nrec;
	uint16_t len;              /* datagram bytes, tag included */
	uint16_t nworkers;         /* the sender's */
	uint64_t sender_id;        /* random per sync start */
	uint64_t seq;              /* +1 per datagram, never 0 */
	uint32_t start_s;          /* sender's clock when it drew sender_id */
	uint32_t sent_s;
	uint32_t count;            /* BULK_END only (a pseudo-record): v1 records */
	uint32_t count6;           /* BULK_END: v2 records (0 from an older peer,
				    * which an older peer does not read) */
};

#define SYNC_KEY_MIN 32            /* = DPVS_SYNC_KEY_MIN, DPVS_SYNC_KEY_MAX */
#define SYNC_KEY_MAX 64

struct sync_key {
	uint32_t len;              /* SYNC_KEY_MIN..MAX; other lengths never match */
	uint8_t key[64];
};

enum sync_verdict {
	SYNC_OK = 0,
	SYNC_BAD,                  /* length, version, type, nrec, families */
	SYNC_AUTH,                 /* tag mismatch */
	SYNC_OTHER_ID,             /* another syncid */
	SYNC_REPLAY,               /* seq seen or below the window */
	SYNC_STALE,                /* older boot of the sender, or too old */
};

/* Records that fit a UDP payload of maxlen bytes (at most 255). */
unsigned sync_msg_max_recs(unsigned maxlen);
/* The same for version 2 records. */
unsigned sync_msg_max_recs6(unsigned maxlen);
/*
 * Writes header (len and nrec from nrec), records and tag into buf;
 * returns the length, or 0 if cap is too small or nrec > 255.
 */
size_t sync_msg_build(uint8_t *buf, size_t cap, const struct sync_msg_hdr *h,
		      const struct ipvs_sync_rec *recs, unsigned nrec,
		      const struct sync_key *k);
/*
 * A version 2 CONN datagram of nrec (1..SYNC_MAX_RECS6) records; 0 also
 * when a record's families are not a pair version 2 carries.
 */
size_t sync_msg_build6(uint8_t *buf, size_t cap, const struct sync_msg_hdr *h,
		       const struct ipvs_sync_rec6 *recs, unsigned nrec,
		       const struct sync_key *k);
/*
 * Checks length, version, type and the tag before reading anything but
 * len, then the records' families (version 2) and the syncid; fills *h
 * (h->version says which records it holds).  SYNC_OK, SYNC_BAD,
 * SYNC_AUTH or SYNC_OTHER_ID.
 */
enum sync_verdict sync_msg_verify(const uint8_t *buf, size_t len,
				  const struct sync_key *k, uint8_t syncid,
				  struct sync_msg_hdr *h);
/* Record i (< h->nrec) of a verified datagram of version 1. */
void sync_msg_rec(const uint8_t *buf, unsigned i, struct ipvs_sync_rec *r);
/* Record i (< h->nrec) of a verified datagram of version 2. */
void sync_msg_rec6(const uint8_t *buf, unsigned i, struct ipvs_sync_rec6 *r);

/* Anti-replay state for one peer (IPsec's sliding window of 64). */
struct sync_replay {
	bool have;
	uint64_t sender_id;
	uint32_t start_s;
	uint64_t top;              /* highest seq accepted */
	uint64_t window;           /* bit i: top - i seen */
};

/*
 * SYNC_OK (and records seq), SYNC_REPLAY or SYNC_STALE.  Both versions
 * share one window: the sender numbers its datagrams in one sequence.  A new
 * sender_id is accepted if its start_s is not older than the current
 * one's; max_age_s > 0 also refuses sent_s further than that from now_s.
 */
enum sync_verdict sync_replay_check(struct sync_replay *r,
				    const struct sync_msg_hdr *h,
				    uint32_t now_s, uint32_t max_age_s);
/*
 * HMAC-SHA256 with any key (the tag's primitive, exported for the RFC
 * 4231 tests, whose keys are longer than a sync key).  false: no tag.
 */
bool sync_hmac(const uint8_t *key, size_t klen, const uint8_t *data, size_t n,
	       uint8_t out[SYNC_TAG_LEN]);
/* 8 hex digits of SHA-256(key) and a NUL: shown to compare the LBs. */
void sync_key_fingerprint(const struct sync_key *k, char out[9]);

#endif
