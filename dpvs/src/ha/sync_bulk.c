/*
 * The MASTER's bulk (docs/ha.md 4.5): a BACKUP that (re)starts asks with
 * BULK_REQ; the master walks its connection pool a page per loop at
 * sync.bulk_msgs_per_s, records flagged BULK, then BULK_END with the
 * count so the BACKUP knows its table is complete.  One bulk at a time;
 * a requester starts one at most every 5 s, so a replayed request cannot
 * make the master flood.  Incremental records go on meanwhile.
 */
#include "sync_int.h"

#include <string.h>

#include "core/log.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_sync.h"

static struct {
	bool active, walked;       /* walked: the pool is done, the end is due */
	uint32_t cursor;
	uint64_t sent;             /* records of this bulk queued */
	uint64_t start_ms;
	struct ipvs_sync_rec recs[SYNC_MAX_RECS];
	unsigned n;
	bool embryonic;
	struct sync_bulk_gate gate;
	uint64_t last_recs, count;
	uint32_t last_ms;
} b;

void sync_bulk_request(uint64_t sender_id, uint64_t now_ms)
{
	if (b.active || !sync_bulk_gate_pass(&b.gate, sender_id, now_ms))
		return;
	b.active = true;
	b.walked = false;
	b.cursor = 0;
	b.sent = 0;
	b.n = 0;
	b.start_ms = now_ms;
	LOG_INFOX("sync", "bulk requested by sender %016llx",
		  (unsigned long long)sender_id);
}

bool sync_bulk_sending(void)
{
	return b.active;
}

void sync_bulk_abort(void)
{
	b.active = false;
	b.n = 0;
}

void sync_bulk_last(uint64_t *recs, uint32_t *ms)
{
	*recs = b.last_recs;
	*ms = b.last_ms;
}

uint64_t sync_bulk_count(void)
{
	return b.count;
}

/* Emits the batch; the caller made sure a token and a slot are there. */
static void emit(struct sync_bucket *tb)
{
	if (!b.n)
		return;
	sync_emit(SYNC_MSG_CONN, b.recs, b.n, 0);
	sync_bucket_take(tb, 1);
	b.sent += b.n;
	b.n = 0;
}

struct page_ctx {
	struct sync_bucket *tb;
};

/*
 * A conn of the walk.  An embryo is left out unless sync.embryonic:
 * a SYN flood in progress must not be copied onto the link.
 */
static void add_conn(const struct ipvs_conn *c, void *arg)
{
	struct page_ctx *ctx = arg;
	struct ipvs_sync_rec *r = &b.recs[b.n];

	if (c->fwd >= IPVS_FWD_MAX)   /* v6, NAT64: no v1 record holds them */
		return;
	ipvs_sync_rec_of(c, r);
	if (r->proto == IPPROTO_TCP && (r->flags & IPVS_SYNC_F_INACTIVE) &&
	    !b.embryonic)
		return;
	r->flags |= IPVS_SYNC_F_BULK;
	if (++b.n == sync_max_recs())
		emit(ctx->tb);
}

/* The last partial batch, then BULK_END with the count. */
static int finish(struct sync_bucket *tb, uint64_t now_us)
{
	uint32_t tokens = sync_bucket_avail(tb, now_us);
	uint64_t now_ms = now_us / 1000;

	if (tokens < (b.n ? 2u : 1u) || sync_sock_free_slots() < (b.n ? 2u : 1u))
		return 0;
	emit(tb);
	sync_emit(SYNC_MSG_BULK_END, NULL, 0, (uint32_t)b.sent);
	sync_bucket_take(tb, 1);
	b.active = false;
	b.last_recs = b.sent;
	b.last_ms = (uint32_t)(now_ms - b.start_ms);
	b.count++;
	LOG_INFOX("sync", "bulk sent: %llu conns in %u ms",
		  (unsigned long long)b.sent, b.last_ms);
	return 1;
}

int sync_bulk_page(struct sync_bucket *tb, bool embryonic, uint64_t now_us)
{
	struct page_ctx ctx = { tb };
	uint32_t tokens, slots, room;

	if (!b.active)
		return 0;
	if (b.walked)
		return finish(tb, now_us);
	tokens = sync_bucket_avail(tb, now_us);
	slots = sync_sock_free_slots();
	if (slots < tokens)
		tokens = slots;
	/* Conns that fill only the datagrams that may leave now. */
	room = tokens * sync_max_recs();
	if (room <= b.n)
		return 0;
	room -= b.n;
	b.embryonic = embryonic;
	b.cursor = ipvs_conn_walk_page(b.cursor, SYNC_BULK_SCAN, room, add_conn,
				       &ctx);
	b.walked = b.cursor == 0;
	return 1;
}
