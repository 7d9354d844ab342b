/*
 * The MASTER's bulk (docs/ha.md 4.5): a BACKUP that (re)starts asks with
 * BULK_REQ; the master walks its connection pool a page per loop at
 * sync.bulk_msgs_per_s, records flagged BULK, then BULK_END with the
 * count so the BACKUP knows its table is complete.  v6 and NAT64 conns
 * go in version 2 datagrams, counted apart in BULK_END, where an LB that
 * knows only version 1 reads the v4 count alone and is complete without
 * them.  One bulk at a time;
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
	uint64_t sent, sent6;      /* records of this bulk queued: v1, v2 */
	uint64_t start_ms;
	struct ipvs_sync_rec recs[SYNC_MAX_RECS];
	unsigned n;
	struct ipvs_sync_rec6 recs6[SYNC_MAX_RECS6];
	unsigned n6;
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
	b.sent = b.sent6 = 0;
	b.n = b.n6 = 0;
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
	b.n = b.n6 = 0;
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

static void emit6(struct sync_bucket *tb)
{
	if (!b.n6)
		return;
	sync_emit6(b.recs6, b.n6);
	sync_bucket_take(tb, 1);
	b.sent6 += b.n6;
	b.n6 = 0;
}

/* An embryo is left out unless sync.embryonic (see add_conn). */
static bool skip(uint8_t proto, uint16_t flags)
{
	return proto == IPPROTO_TCP && (flags & IPVS_SYNC_F_INACTIVE) &&
	       !b.embryonic;
}

static void add_conn6(const struct ipvs_conn *c, struct sync_bucket *tb)
{
	struct ipvs_sync_rec6 *r = &b.recs6[b.n6];

	if (!sync6_max_recs())   /* no v2 record fits the payload */
		return;
	ipvs_sync_rec6_of(c, r);
	if (skip(r->proto, r->flags))
		return;
	r->flags |= IPVS_SYNC_F_BULK;
	if (++b.n6 == sync6_max_recs())
		emit6(tb);
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

	if (ipvs_sync_is_v6(c)) {
		add_conn6(c, ctx->tb);
		return;
	}
	ipvs_sync_rec_of(c, r);
	if (skip(r->proto, r->flags))
		return;
	r->flags |= IPVS_SYNC_F_BULK;
	if (++b.n == sync_max_recs())
		emit(ctx->tb);
}

/* The last partial batches, then BULK_END with the counts. */
static int finish(struct sync_bucket *tb, uint64_t now_us)
{
	uint32_t tokens = sync_bucket_avail(tb, now_us);
	uint64_t now_ms = now_us / 1000;
	unsigned need = 1 + (b.n ? 1u : 0u) + (b.n6 ? 1u : 0u);

	if (tokens < need || sync_sock_free_slots() < need)
		return 0;
	emit(tb);
	emit6(tb);
	sync_emit_end((uint32_t)b.sent, (uint32_t)b.sent6);
	sync_bucket_take(tb, 1);
	b.active = false;
	b.last_recs = b.sent + b.sent6;
	b.last_ms = (uint32_t)(now_ms - b.start_ms);
	b.count++;
	LOG_INFOX("sync", "bulk sent: %llu conns in %u ms",
		  (unsigned long long)b.last_recs, b.last_ms);
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
	room = sync_bulk_room(tokens, b.n, b.n6, sync_max_recs(),
			      sync6_max_recs());
	if (!room)
		return 0;
	b.embryonic = embryonic;
	b.cursor = ipvs_conn_walk_page(b.cursor, SYNC_BULK_SCAN, room, add_conn,
				       &ctx);
	b.walked = b.cursor == 0;
	return 1;
}
