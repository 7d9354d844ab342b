/*
 * The MASTER's v6 side of sync.c's drain: the workers' v6 and NAT64
 * records (ipvs_sync_drain6) batched into version 2 datagrams, on the
 * same token bucket and send queue as the v4 ones.  Kept apart so that
 * a v4-only pair sends exactly what it always did, and an LB that knows
 * only version 1 still gets every v4 conn.
 */
#include "sync_int.h"

#include "core/lcore.h"
#include "ha/sync_msg.h"
#include "ipvs/ipvs_sync.h"

static struct {
	struct ipvs_sync_rec6 recs[SYNC_MAX_RECS6];
	unsigned n, max;
	uint64_t first_ms;
	unsigned next_worker;
} s6;

void sync6_start(unsigned maxlen)
{
	s6.max = sync_msg_max_recs6(maxlen);
	s6.n = 0;
}

unsigned sync6_max_recs(void)
{
	return s6.max;
}

static bool flush(struct sync_bucket *tb)
{
	if (!sync_emit6(s6.recs, s6.n))
		return false;
	sync_bucket_take(tb, 1);
	s6.n = 0;
	return true;
}

void sync6_discard(void)
{
	struct ipvs_sync_rec6 tmp[16];

	for (unsigned w = 0; w < lcore_nworkers(); w++)
		while (ipvs_sync_drain6(w, tmp, 16) == 16)
			;
	s6.n = 0;
}

int sync6_drain(struct sync_bucket *tb, uint32_t flush_ms, uint64_t now_ms,
		uint64_t now_us)
{
	unsigned nw = lcore_nworkers(), budget = SYNC_DRAIN_PER_LOOP, idle = 0;
	int work = 0;

	/* A payload too small for one v2 record (maxlen under 156). */
	if (!s6.max) {
		sync6_discard();
		return 0;
	}
	while (budget && nw && idle < nw) {
		unsigned room = s6.max - s6.n, got;

		if (!sync_bucket_avail(tb, now_us) || !sync_sock_free_slots() ||
		    sync_now_us() - now_us >= SYNC_TX_BUDGET_US)
			break;
		if (room > budget)
			room = budget;
		got = ipvs_sync_drain6(s6.next_worker, s6.recs + s6.n, room);
		if (got && !s6.n)
			s6.first_ms = now_ms;
		s6.n += got;
		budget -= got;
		work += (int)got;
		if (got < room) {   /* this ring is empty: the next one */
			s6.next_worker = (s6.next_worker + 1) % nw;
			idle++;
		}
		if (s6.n == s6.max && !flush(tb))
			break;
	}
	if (sync_batch_due(s6.n, s6.max, s6.first_ms, now_ms, flush_ms) &&
	    sync_bucket_avail(tb, now_us))
		flush(tb);
	return work;
}
