/* The sync engine's pure decisions: rates, the bulk's accounting, log pacing. */
#include "sync_pace.h"

#include <string.h>

#define MICRO 1000000ull

/* 20 ms of the rate, at least one datagram: a batch, not a flood. */
static uint64_t burst_of(uint32_t rate)
{
	return ((uint64_t)rate / 50 + 1) * MICRO;
}

void sync_bucket_init(struct sync_bucket *b, uint32_t rate, uint64_t now_us)
{
	b->rate = rate;
	b->last_us = now_us;
	b->micro = burst_of(rate);
}

void sync_bucket_set_rate(struct sync_bucket *b, uint32_t rate)
{
	b->rate = rate;
	if (b->micro > burst_of(rate))
		b->micro = burst_of(rate);
}

uint32_t sync_bucket_avail(struct sync_bucket *b, uint64_t now_us)
{
	uint64_t dt = now_us - b->last_us, cap = burst_of(b->rate);

	/* A second refills more than any burst: no overflow past it. */
	if (dt > MICRO)
		dt = MICRO;
	b->micro += dt * b->rate;
	b->last_us = now_us;
	if (b->micro > cap)
		b->micro = cap;
	return (uint32_t)(b->micro / MICRO);
}

void sync_bucket_take(struct sync_bucket *b, uint32_t n)
{
	uint64_t want = (uint64_t)n * MICRO;

	b->micro = b->micro > want ? b->micro - want : 0;
}

/* ---- the MASTER's bulk ---- */

/*
 * The most datagrams k more conns can fill: j full v1 datagrams take
 * the fewest conns when the rest are v2 (smaller records), so the worst
 * case is one of those j.
 */
static unsigned worst_dgrams(unsigned k, unsigned n, unsigned n6,
			     unsigned cap, unsigned cap6)
{
	unsigned best = 0;

	for (unsigned j = 0;; j++) {
		unsigned a = j * cap > n ? j * cap - n : 0, d;

		if (a > k)
			break;
		d = j + (n6 + k - a) / cap6;
		if (d > best)
			best = d;
	}
	return best;
}

unsigned sync_bulk_room(unsigned tokens, unsigned n, unsigned n6,
			unsigned cap, unsigned cap6)
{
	unsigned lo = 0, hi;

	if (!cap)
		return 0;
	if (!cap6)   /* v1 only: tokens datagrams of cap */
		return tokens * cap > n ? tokens * cap - n : 0;
	/* worst_dgrams() grows with k: the largest k within tokens. */
	hi = (tokens + 1) * cap;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo + 1) / 2;

		if (worst_dgrams(mid, n, n6, cap, cap6) <= tokens)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* ---- the BACKUP's bulk ---- */

static void new_try(struct sync_bulk_rx *b, uint64_t now_ms)
{
	b->phase = HA_BULK_REQUESTING;
	b->try_ms = b->last_req_ms = now_ms;
	b->recs = b->lost = 0;
	b->have_end = false;
}

unsigned sync_bulk_rx_start(struct sync_bulk_rx *b, uint64_t now_ms)
{
	uint64_t recs = b->done_recs;
	uint32_t ms = b->done_ms;

	memset(b, 0, sizeof(*b));
	b->done_recs = recs;
	b->done_ms = ms;
	b->tries = 1;
	b->start_ms = now_ms;
	new_try(b, now_ms);
	return SYNC_BULK_SEND_REQ;
}

void sync_bulk_rx_record(struct sync_bulk_rx *b, bool kept)
{
	if (b->phase != HA_BULK_REQUESTING && b->phase != HA_BULK_RECEIVING)
		return;
	b->phase = HA_BULK_RECEIVING;
	b->recs++;
	if (!kept)
		b->lost++;
}

static unsigned ready(struct sync_bulk_rx *b, uint64_t now_ms, unsigned how)
{
	b->phase = HA_BULK_READY;
	b->have_end = false;
	b->done_ms = (uint32_t)(now_ms - b->start_ms);
	return how;
}

unsigned sync_bulk_rx_end(struct sync_bulk_rx *b, uint32_t count,
			  uint64_t target, uint64_t now_ms)
{
	if (b->phase != HA_BULK_REQUESTING && b->phase != HA_BULK_RECEIVING)
		return 0;
	if (b->recs == count && !b->lost) {
		b->have_end = true;
		b->target = target;
		b->done_recs = count;
		b->seen_proc = UINT64_MAX;
		b->seen_ms = now_ms;
		return 0;
	}
	/* Datagrams lost on the way, or a ring overflowed: again. */
	if (b->tries >= SYNC_BULK_TRIES) {
		b->done_recs = b->recs - b->lost;
		return ready(b, now_ms, SYNC_BULK_NOW_READY | SYNC_BULK_INCOMPLETE);
	}
	b->tries++;
	new_try(b, now_ms);
	return SYNC_BULK_SEND_REQ;
}

unsigned sync_bulk_rx_tick(struct sync_bulk_rx *b, uint64_t processed,
			   uint64_t now_ms)
{
	if (b->phase != HA_BULK_REQUESTING && b->phase != HA_BULK_RECEIVING)
		return 0;
	if (b->have_end && processed >= b->target)
		return ready(b, now_ms, SYNC_BULK_NOW_READY);
	if (b->have_end && processed != b->seen_proc) {
		b->seen_proc = processed;
		b->seen_ms = now_ms;
	} else if (b->have_end && now_ms - b->seen_ms >= SYNC_BULK_IDLE_MS) {
		return ready(b, now_ms, SYNC_BULK_NOW_READY);
	}
	if (now_ms - b->start_ms >= SYNC_BULK_GIVEUP_MS) {
		b->done_recs = b->recs - b->lost;
		return ready(b, now_ms, SYNC_BULK_NOW_READY | SYNC_BULK_INCOMPLETE);
	}
	if (b->phase == HA_BULK_REQUESTING &&
	    now_ms - b->last_req_ms >= SYNC_BULK_REQ_MS) {
		b->last_req_ms = now_ms;
		return SYNC_BULK_SEND_REQ;
	}
	return 0;
}

unsigned sync_bulk_rx_refused(struct sync_bulk_rx *b, uint64_t now_ms)
{
	if (b->phase != HA_BULK_READY)
		return 0;
	if (now_ms - b->start_ms >= SYNC_BULK_GIVEUP_MS)
		return SYNC_BULK_NOW_READY | SYNC_BULK_INCOMPLETE;
	/* The services are likely on their way: no request before the tick's. */
	new_try(b, now_ms);
	return 0;
}

/* ---- the MASTER's gate ---- */

bool sync_bulk_gate_pass(struct sync_bulk_gate *g, uint64_t sender_id,
			 uint64_t now_ms)
{
	unsigned oldest = 0;

	for (unsigned i = 0; i < SYNC_BULK_REQUESTERS; i++) {
		if (g->last[i].sender_id == sender_id && g->last[i].at_ms) {
			if (now_ms - g->last[i].at_ms < SYNC_BULK_HOLD_MS)
				return false;
			g->last[i].at_ms = now_ms;
			return true;
		}
		if (g->last[i].at_ms < g->last[oldest].at_ms)
			oldest = i;
	}
	/* A new requester takes the slot heard from longest ago. */
	g->last[oldest].sender_id = sender_id;
	g->last[oldest].at_ms = now_ms;
	return true;
}

/* ---- log pacing ---- */

void sync_ratelog_note(struct sync_ratelog *r, uint32_t addr)
{
	r->count++;
	r->addr = addr;
}

uint64_t sync_ratelog_due(struct sync_ratelog *r, uint64_t now_ms)
{
	uint64_t n = r->count;

	if (!n || (r->logged && now_ms - r->last_ms < SYNC_LOG_EVERY_MS))
		return 0;
	r->count = 0;
	r->last_ms = now_ms;
	r->logged = true;
	return n;
}
