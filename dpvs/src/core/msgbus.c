/* The lcore message bus; see msgbus.h for the ownership rules. */
#include "msgbus.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "lcore.h"
#include "log.h"
#include "mem_size.h"

#define MF_REPLY 0x1   /* this message answers a request */
#define MF_NOREPLY 0x2 /* the sender wants no answer */
#define BURST 32
_Static_assert(MSGBUS_BUDGET % BURST == 0, "the budget is whole bursts");

struct msg {
	uint16_t type;
	uint16_t flags;
	uint16_t src;   /* sending lcore */
	uint16_t len;
	uint32_t seq;
	int32_t rc;     /* replies: the callback's return value */
	uint8_t data[MSGBUS_DATA_MAX];
};

struct type_stats {
	uint64_t sent;
	uint64_t received;
	uint64_t replied;
	uint64_t timed_out;
	uint64_t dropped;
	uint64_t late;
	uint64_t failed;
} __rte_cache_aligned;

/* A request the master waits for (sync) or will complete later (async). */
struct pending {
	bool used;
	bool sync;
	uint16_t type;
	uint32_t seq;
	unsigned expect;
	unsigned got;
	int rc;
	uint64_t deadline;
	msgbus_reply_cb on_reply;
	msgbus_done_cb done;
	void *arg;
};

static msgbus_cb callbacks[RTE_MAX_LCORE][MSGBUS_MAX_TYPES];
static msgbus_reply_dtor dtors[MSGBUS_MAX_TYPES];
static msgbus_reply_dtor req_dtors[MSGBUS_MAX_TYPES];
static char type_names[MSGBUS_MAX_TYPES][MSGBUS_NAME_MAX + 1];
static struct type_stats stats[RTE_MAX_LCORE][MSGBUS_MAX_TYPES];
static struct rte_ring *rings[RTE_MAX_LCORE];
static struct rte_mempool *pool;
static struct pending pend[MSGBUS_PENDING_MAX];
static unsigned npending;  /* async multicasts in flight */
static uint32_t next_seq;
static uint64_t timeout_tsc;

#define STAT(lc, t, f) lcore_stat_add(&stats[lc][t].f, 1)

void msgbus_set_timeout(uint32_t timeout_ms)
{
	__atomic_store_n(&timeout_tsc, rte_get_tsc_hz() / 1000 * timeout_ms,
			 __ATOMIC_RELAXED);
}

uint64_t msgbus_mem_need(const struct msgbus_params *p, unsigned nlcores)
{
	return mem_mempool_bytes(p->pool_size, sizeof(struct msg)) +
	       nlcores * (mem_pow2_ceil(p->ring_size) * 8 + 128);
}

int msgbus_init(const struct msgbus_params *p)
{
	char name[RTE_RING_NAMESIZE];
	unsigned lc;

	pool = rte_mempool_create("msgbus_pool", p->pool_size, sizeof(struct msg),
				  32, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY, 0);
	if (!pool) {
		LOG_ERRX("msgbus", "cannot create a pool of %u messages: %s",
			 p->pool_size, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	RTE_LCORE_FOREACH(lc) {
		snprintf(name, sizeof(name), "msgbus_%u", lc);
		/* Many senders, one reader: the owning lcore. */
		rings[lc] = rte_ring_create(name, p->ring_size, SOCKET_ID_ANY,
					    RING_F_SC_DEQ);
		if (!rings[lc]) {
			LOG_ERRX("msgbus", "cannot create ring %s of %u: %s", name,
				 p->ring_size, rte_strerror(rte_errno));
			msgbus_fini();
			return -ENOMEM;
		}
	}
	msgbus_set_timeout(p->timeout_ms);
	return 0;
}

void msgbus_fini(void)
{
	struct msg *m;

	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
		if (!rings[lc])
			continue;
		while (rte_ring_dequeue(rings[lc], (void **)&m) == 0)
			rte_mempool_put(pool, m);
		rte_ring_free(rings[lc]);
		rings[lc] = NULL;
	}
	rte_mempool_free(pool);
	pool = NULL;
	memset(pend, 0, sizeof(pend));
	npending = 0;
	memset(callbacks, 0, sizeof(callbacks));
	memset(dtors, 0, sizeof(dtors));
	memset(req_dtors, 0, sizeof(req_dtors));
	memset(type_names, 0, sizeof(type_names));
	memset(stats, 0, sizeof(stats));
}

int msgbus_register(unsigned lcore, uint16_t type, const char *name,
		    msgbus_cb cb)
{
	unsigned lc;

	if (type == 0 || type >= MSGBUS_MAX_TYPES || !cb || !name)
		return -EINVAL;
	if (type_names[type][0] && strcmp(type_names[type], name)) {
		LOG_ERRX("msgbus", "type %u is '%s', cannot register '%s'", type,
			 type_names[type], name);
		return -EEXIST;
	}
	if (lcore != MSGBUS_ALL_LCORES) {
		if (lcore >= RTE_MAX_LCORE || !rings[lcore])
			return -EINVAL;
		if (callbacks[lcore][type])
			return -EEXIST;
		callbacks[lcore][type] = cb;
	} else {
		RTE_LCORE_FOREACH(lc) {
			if (callbacks[lc][type])
				return -EEXIST;
		}
		RTE_LCORE_FOREACH(lc) {
			callbacks[lc][type] = cb;
		}
	}
	snprintf(type_names[type], sizeof(type_names[type]), "%s", name);
	return 0;
}

int msgbus_set_reply_dtor(uint16_t type, msgbus_reply_dtor dtor)
{
	if (type == 0 || type >= MSGBUS_MAX_TYPES)
		return -EINVAL;
	dtors[type] = dtor;
	return 0;
}

int msgbus_set_request_dtor(uint16_t type, msgbus_reply_dtor dtor)
{
	if (type == 0 || type >= MSGBUS_MAX_TYPES)
		return -EINVAL;
	req_dtors[type] = dtor;
	return 0;
}

/* A request copy no callback will see: what it holds goes back. */
static int undelivered(uint16_t type, uint16_t flags, const void *data,
		       uint16_t len, int rc)
{
	if (!(flags & MF_REPLY) && type < MSGBUS_MAX_TYPES && req_dtors[type])
		req_dtors[type](data, len);
	return rc;
}

/* Enqueues a new message; on failure it is freed and counted dropped. */
static int post(unsigned dst, uint16_t type, uint16_t flags, uint32_t seq,
		int32_t rc, const void *data, uint16_t len)
{
	unsigned self = rte_lcore_id();
	struct msg *m;

	if (dst >= RTE_MAX_LCORE || !rings[dst] || len > MSGBUS_DATA_MAX ||
	    type == 0 || type >= MSGBUS_MAX_TYPES)
		return undelivered(type, flags, data, len, -EINVAL);
	if (rte_mempool_get(pool, (void **)&m) < 0) {
		STAT(self, type, dropped);
		return undelivered(type, flags, data, len, -ENOMEM);
	}
	m->type = type;
	m->flags = flags;
	m->src = (uint16_t)self;
	m->len = len;
	m->seq = seq;
	m->rc = rc;
	if (len)
		memcpy(m->data, data, len);
	if (rte_ring_enqueue(rings[dst], m) < 0) {
		rte_mempool_put(pool, m);
		STAT(self, type, dropped);
		return undelivered(type, flags, data, len, -ENOBUFS);
	}
	if (!(flags & MF_REPLY))
		STAT(self, type, sent);
	return 0;
}

int msgbus_send_async(unsigned lcore, uint16_t type, const void *data,
		      uint16_t len)
{
	return post(lcore, type, MF_NOREPLY, 0, 0, data, len);
}

static struct pending *pend_find(uint16_t type, uint32_t seq)
{
	for (int i = 0; i < MSGBUS_PENDING_MAX; i++)
		if (pend[i].used && pend[i].type == type && pend[i].seq == seq)
			return &pend[i];
	return NULL;
}

static struct pending *pend_alloc(uint16_t type, unsigned expect)
{
	for (int i = 0; i < MSGBUS_PENDING_MAX; i++) {
		struct pending *p = &pend[i];

		if (p->used)
			continue;
		memset(p, 0, sizeof(*p));
		p->used = true;
		p->type = type;
		p->seq = ++next_seq;
		p->expect = expect;
		p->deadline = rte_get_tsc_cycles() +
			      __atomic_load_n(&timeout_tsc, __ATOMIC_RELAXED);
		return p;
	}
	return NULL;
}

static void pend_finish(struct pending *p, int rc)
{
	if (p->sync)
		return; /* the waiter reads and frees it */
	p->used = false;
	npending--;
	if (p->done)
		p->done(p->arg, rc ? rc : p->rc, p->got);
}

static void handle_reply(unsigned self, struct msg *m)
{
	struct pending *p = pend_find(m->type, m->seq);

	if (!p) {
		STAT(self, m->type, late);
		if (dtors[m->type])
			dtors[m->type](m->data, m->len);
		return;
	}
	STAT(self, m->type, replied);
	p->got++;
	if (m->rc < 0 && p->rc == 0)
		p->rc = m->rc;
	if (p->on_reply)
		p->on_reply(p->arg, m->src, m->rc, m->data, m->len);
	if (p->got == p->expect)
		pend_finish(p, 0);
}

static void handle_request(unsigned self, struct msg *m)
{
	uint8_t reply[MSGBUS_DATA_MAX];
	uint16_t reply_len = 0;
	msgbus_cb cb = callbacks[self][m->type];
	int rc;

	if (!cb) {
		STAT(self, m->type, dropped);
		undelivered(m->type, m->flags, m->data, m->len, 0);
		rc = -ENOTSUP;
	} else {
		STAT(self, m->type, received);
		rc = cb(m->data, m->len, reply, &reply_len);
		if (rc < 0)
			STAT(self, m->type, failed);
		if (reply_len > MSGBUS_DATA_MAX)
			reply_len = MSGBUS_DATA_MAX;
	}
	if (!(m->flags & MF_NOREPLY) &&
	    post(m->src, m->type, MF_REPLY, m->seq, rc, reply, reply_len) < 0 &&
	    dtors[m->type] && reply_len)
		dtors[m->type](reply, reply_len);
}

int msgbus_process(void)
{
	unsigned self = rte_lcore_id();
	struct msg *burst[BURST];
	unsigned n, total = 0;

	if (self >= RTE_MAX_LCORE || !rings[self])
		return 0;
	/* Bounded: a flood of messages must not hold the loop (and with it
	 * the control socket) here; the rest waits for the next call. */
	do {
		n = rte_ring_dequeue_burst(rings[self], (void **)burst, BURST, NULL);
		for (unsigned i = 0; i < n; i++) {
			struct msg *m = burst[i];

			if (m->type == 0 || m->type >= MSGBUS_MAX_TYPES)
				STAT(self, 0, dropped);
			else if (m->flags & MF_REPLY)
				handle_reply(self, m);
			else
				handle_request(self, m);
			rte_mempool_put(pool, m);
		}
		total += n;
	} while (n == BURST && total < MSGBUS_BUDGET);
	if (total)
		lcore_stat_add(&lcore_stats[self].msgs_handled, total);
	return (int)total;
}

/*
 * While async multicasts are in flight the master counts as busy, so it
 * polls for their replies instead of sleeping (as a sync wait would,
 * but with the rest of the loop running).
 */
int msgbus_job(void *arg __rte_unused)
{
	int n = msgbus_process();

	return n ? n : rte_lcore_id() == rte_get_main_lcore() && npending;
}

void msgbus_expire(void *arg __rte_unused)
{
	uint64_t now = rte_get_tsc_cycles();
	unsigned self = rte_lcore_id();

	for (int i = 0; i < MSGBUS_PENDING_MAX; i++) {
		struct pending *p = &pend[i];

		if (!p->used || p->sync || now < p->deadline)
			continue;
		STAT(self, p->type, timed_out);
		pend_finish(p, -ETIMEDOUT);
	}
}

/* Posts one request per destination; returns how many went out. */
static unsigned post_all(struct pending *p, const unsigned *dst, unsigned n,
			 const void *data, uint16_t len)
{
	unsigned sent = 0;

	for (unsigned i = 0; i < n; i++)
		if (post(dst[i], p->type, 0, p->seq, 0, data, len) == 0)
			sent++;
	return sent;
}

/* Master: polls its ring until p completes or its deadline passes. */
static int wait_pending(struct pending *p)
{
	unsigned self = rte_lcore_id();
	int rc;

	while (p->got < p->expect && rte_get_tsc_cycles() < p->deadline) {
		if (msgbus_process() == 0)
			rte_pause();
	}
	if (p->got < p->expect) {
		STAT(self, p->type, timed_out);
		rc = -ETIMEDOUT;
	} else {
		rc = p->rc;
	}
	p->used = false; /* from here on, its replies count as late */
	return rc;
}

struct sync_reply {
	void *buf;
	uint16_t *len;
};

static void copy_reply(void *arg, unsigned lcore __rte_unused,
		       int rc __rte_unused, const void *data, uint16_t len)
{
	struct sync_reply *r = arg;

	if (!r->buf || !r->len)
		return;
	if (len > *r->len)
		len = *r->len;
	memcpy(r->buf, data, len);
	*r->len = len;
}

int msgbus_send_sync(unsigned lcore, uint16_t type, const void *data,
		     uint16_t len, void *reply, uint16_t *reply_len)
{
	struct sync_reply r = { reply, reply_len };
	struct pending *p;

	if (rte_lcore_id() != rte_get_main_lcore() || lcore == rte_lcore_id())
		return -EINVAL;
	p = pend_alloc(type, 1);
	if (!p)
		return -EBUSY;
	p->sync = true;
	p->on_reply = copy_reply;
	p->arg = &r;
	if (post_all(p, &lcore, 1, data, len) == 0) {
		p->used = false;
		return -ENOBUFS;
	}
	return wait_pending(p);
}

static int mcast_start(uint16_t type, const void *data, uint16_t len,
		       struct pending **out)
{
	unsigned n = lcore_nworkers();
	struct pending *p;

	*out = NULL;
	if (rte_lcore_id() != rte_get_main_lcore() || len > MSGBUS_DATA_MAX)
		return -EINVAL;
	p = pend_alloc(type, n);
	if (!p)
		return -EBUSY;
	/* Replies only come from the copies that went out. */
	p->expect = post_all(p, lcore_workers(), n, data, len);
	*out = p;
	return p->expect < n ? -ENOBUFS : 0;
}

int msgbus_mcast(uint16_t type, const void *data, uint16_t len,
		 msgbus_reply_cb on_reply, void *arg, unsigned *nreplies)
{
	struct pending *p;
	int rc = mcast_start(type, data, len, &p);
	int wrc;

	if (!p)
		return rc;
	p->sync = true;
	p->on_reply = on_reply;
	p->arg = arg;
	wrc = wait_pending(p);
	if (nreplies)
		*nreplies = p->got;
	return rc ? rc : wrc;
}

int msgbus_mcast_async(uint16_t type, const void *data, uint16_t len,
		       msgbus_reply_cb on_reply, msgbus_done_cb done, void *arg)
{
	struct pending *p;
	int rc = mcast_start(type, data, len, &p);

	if (!p)
		return rc;
	p->on_reply = on_reply;
	p->done = done;
	p->arg = arg;
	/* No copy went out: nothing will reply, so nothing stays pending
	 * and the caller keeps arg (msgbus.h). */
	if (p->expect == 0) {
		p->used = false;
		return rc ? rc : -ENOBUFS;
	}
	npending++;
	/* Some copies were lost: done runs, and says so. */
	if (rc)
		p->rc = rc;
	return 0;
}

void msgbus_cancel_all(void)
{
	for (int i = 0; i < MSGBUS_PENDING_MAX; i++)
		if (pend[i].used && !pend[i].sync)
			pend_finish(&pend[i], -ECANCELED);
}

unsigned msgbus_stats(struct msgbus_type_stats *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned t = 0; t < MSGBUS_MAX_TYPES && n < max; t++) {
		struct msgbus_type_stats *s = &out[n];

		if (!type_names[t][0])
			continue;
		memset(s, 0, sizeof(*s));
		s->type = (uint16_t)t;
		memcpy(s->name, type_names[t], sizeof(s->name));
		for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
			const struct type_stats *ts = &stats[lc][t];

			s->sent += lcore_stat_read(&ts->sent);
			s->received += lcore_stat_read(&ts->received);
			s->replied += lcore_stat_read(&ts->replied);
			s->timed_out += lcore_stat_read(&ts->timed_out);
			s->dropped += lcore_stat_read(&ts->dropped);
			s->late += lcore_stat_read(&ts->late);
			s->failed += lcore_stat_read(&ts->failed);
		}
		n++;
	}
	return n;
}
