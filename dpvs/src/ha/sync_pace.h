/*
 * The sync engine's decisions that need no socket and no DPDK: how many
 * datagrams the rate allows now, when a batch is due, when a BACKUP's
 * bulk is complete, when a MASTER may start one, when a log line is due.
 * Times are the caller's (ms or us as named), so tests drive them.
 */
#ifndef DPVS_HA_SYNC_PACE_H
#define DPVS_HA_SYNC_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "sync.h"

/* Token bucket of datagrams a second; bursts of 20 ms of its rate. */
struct sync_bucket {
	uint64_t last_us;
	uint64_t micro;            /* tokens x 1e6 */
	uint32_t rate;
};

void sync_bucket_init(struct sync_bucket *b, uint32_t rate, uint64_t now_us);
void sync_bucket_set_rate(struct sync_bucket *b, uint32_t rate);
/* Whole tokens available now (refills first). */
uint32_t sync_bucket_avail(struct sync_bucket *b, uint64_t now_us);
/* Takes n <= sync_bucket_avail() tokens. */
void sync_bucket_take(struct sync_bucket *b, uint32_t n);

/* A batch leaves when full or flush_ms after its first record. */
static inline bool sync_batch_due(unsigned n, unsigned max, uint64_t first_ms,
				  uint64_t now_ms, uint32_t flush_ms)
{
	return n && (n >= max || now_ms - first_ms >= flush_ms);
}

/*
 * The MASTER's bulk page: how many more conns the walk may take when
 * n v1 and n6 v2 records wait in their batches (of cap and cap6 records
 * a datagram; cap6 0: no v2 batch), so that the datagrams they fill
 * number at most tokens, whatever their families.
 */
unsigned sync_bulk_room(unsigned tokens, unsigned n, unsigned n6,
			unsigned cap, unsigned cap6);

/* ---- the BACKUP's bulk (docs/ha.md 4.5) ---- */

#define SYNC_BULK_REQ_MS 1000      /* BULK_REQ again while nothing came */
#define SYNC_BULK_GIVEUP_MS 30000  /* then ready without a complete bulk */
#define SYNC_BULK_TRIES 3
/*
 * After a matching BULK_END: installers that took nothing for this long
 * hold nothing (they take 256 a loop), whatever the count says -- a
 * counter reset while the bulk ran must not hold READY back 30 s.
 */
#define SYNC_BULK_IDLE_MS 1000

/* What the engine must do after an event (flags). */
#define SYNC_BULK_SEND_REQ 0x1
#define SYNC_BULK_NOW_READY 0x2
#define SYNC_BULK_INCOMPLETE 0x4   /* ready, but without a complete bulk */

struct sync_bulk_rx {
	enum ha_bulk_phase phase;
	unsigned tries;
	uint64_t start_ms;         /* of the first try */
	uint64_t try_ms;           /* of this try */
	uint64_t last_req_ms;
	uint64_t recs;             /* BULK records received this try */
	uint64_t lost;             /* ... lost to a full installer ring */
	bool have_end;             /* BULK_END matched: waiting for the installers */
	uint64_t target;           /* installers' count that means "all done" */
	uint64_t seen_proc;        /* their count at seen_ms */
	uint64_t seen_ms;
	uint64_t done_recs;        /* the last complete bulk's records */
	uint32_t done_ms;          /* and how long it took */
};

/* A new bulk: SYNC_BULK_SEND_REQ. */
unsigned sync_bulk_rx_start(struct sync_bulk_rx *b, uint64_t now_ms);
/* A BULK record arrived; kept: not lost to a full installer ring. */
void sync_bulk_rx_record(struct sync_bulk_rx *b, bool kept);
/*
 * BULK_END with the count the master sent.  target: the installers'
 * processed count once every record posted so far is done.  Asks again
 * when records went missing, up to SYNC_BULK_TRIES tries.
 */
unsigned sync_bulk_rx_end(struct sync_bulk_rx *b, uint32_t count,
			  uint64_t target, uint64_t now_ms);
/* Each loop: processed is the installers' count now. */
unsigned sync_bulk_rx_tick(struct sync_bulk_rx *b, uint64_t processed,
			   uint64_t now_ms);
/*
 * Right after a complete bulk made it READY, if the installers refused
 * some of its records (no service, real server or local address here
 * yet: the checker had not pushed them to a restarted dpvs): not READY
 * after all, REQUESTING again -- BULK_REQ every SYNC_BULK_REQ_MS, which
 * the master answers once its hold is over -- until SYNC_BULK_GIVEUP_MS
 * after the first try, then READY without a complete bulk.
 */
unsigned sync_bulk_rx_refused(struct sync_bulk_rx *b, uint64_t now_ms);

/* ---- the MASTER's: one at a time, one start per 5 s per requester ---- */

#define SYNC_BULK_HOLD_MS 5000
#define SYNC_BULK_REQUESTERS 8

struct sync_bulk_gate {
	struct {
		uint64_t sender_id;
		uint64_t at_ms;
	} last[SYNC_BULK_REQUESTERS];
};

/* True (and remembered) if sender_id may start a bulk now. */
bool sync_bulk_gate_pass(struct sync_bulk_gate *g, uint64_t sender_id,
			 uint64_t now_ms);

/* ---- one log line per reason per 10 s ---- */

#define SYNC_LOG_EVERY_MS 10000

struct sync_ratelog {
	uint64_t last_ms;
	uint64_t count;            /* events not yet logged */
	uint32_t addr;             /* the last event's source, host order */
	bool logged;               /* once: last_ms is meaningful */
};

void sync_ratelog_note(struct sync_ratelog *r, uint32_t addr);
/* The count to log now (0: nothing due), reset as logged. */
uint64_t sync_ratelog_due(struct sync_ratelog *r, uint64_t now_ms);

#endif
