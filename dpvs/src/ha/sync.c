/*
 * The sync engine on the master lcore (docs/ha.md): roles, batching of
 * the workers' records into authenticated datagrams at a bounded rate,
 * heartbeats, the receive side (verify, replay window, post to the
 * installers), the BACKUP's bulk accounting and the counters.
 */
#include "sync_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/conf.h"
#include "core/lcore.h"
#include "core/log.h"
#include "ha_lease.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_sync.h"
#include "net/kni_class.h"

struct batch {
	struct ipvs_sync_rec recs[SYNC_MAX_RECS];
	unsigned n;
	uint64_t first_ms;
};

/* Reasons logged at most once per 10 s each. */
enum { RL_AUTH, RL_BAD, RL_OTHER_ID, RL_REPLAY, RL_STALE, RL_N };

static struct {
	unsigned roles;
	struct ha_sync_conf conf;      /* as started (defaults filled in) */
	uint16_t want_maxlen;          /* as asked, to compare a second start */
	unsigned max_recs;
	uint64_t sender_id, seq;
	uint32_t start_s;
	/* dpvs.conf */
	uint32_t flush_ms, heartbeat_ms, max_age_s, sock_buf_kb;
	bool embryonic;
	struct sync_bucket msg_tb, bulk_tb;
	struct batch inc;
	unsigned next_worker;          /* round robin of the drains */
	uint64_t last_tx_ms;
	struct ha_sync_counters c;
	/*
	 * One replay window, whatever address a datagram comes from: the
	 * pair has one peer, and a window per address would take a replay
	 * sent from another address for a new peer.
	 */
	struct sync_replay rp;
	uint64_t peer_sender_id;
	uint32_t peer_addr;
	uint64_t last_rx_ms;           /* 0: never */
	struct sync_bulk_rx brx;
	/*
	 * A bulk whose records met no service or real server here (the
	 * checker had not pushed them yet) is asked for once more, 2 s
	 * after this LB's services next change.
	 */
	uint64_t refused_base;
	bool recheck;
	uint64_t recheck_gen, recheck_at;
	/* A datagram held by a full installer ring: where to go on. */
	bool held;
	struct sync_msg_hdr held_hdr;
	unsigned held_next;
	uint64_t held_retry_us;
	/* posted - (processed - proc_zero): records the installers still hold */
	uint64_t posted;
	int64_t proc_zero;
	struct sync_ratelog rl[RL_N];
} e;

uint64_t sync_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t sync_now_ms(void)
{
	return sync_now_us() / 1000;
}

static uint32_t wall_s(void)
{
	return (uint32_t)time(NULL);
}

unsigned sync_max_recs(void)
{
	return e.max_recs;
}

static uint64_t processed_now(void)
{
	struct ipvs_sync_stats st;

	ipvs_sync_stats(&st);
	return st.processed;
}

/* Records the installers refused for want of a service, real server or
 * local address: the checker may not have pushed them yet. */
static uint64_t refusals(void)
{
	struct ipvs_sync_stats st;

	ipvs_sync_stats(&st);
	return st.no_service + st.no_dest + st.no_laddr;
}

/* v1 and v2 datagrams share one sequence: the peer has one window. */
static struct sync_msg_hdr next_hdr(uint8_t type, uint32_t count)
{
	return (struct sync_msg_hdr){
		.type = type, .syncid = e.conf.syncid,
		.nworkers = (uint16_t)lcore_nworkers(),
		.sender_id = e.sender_id, .seq = e.seq + 1,
		.start_s = e.start_s, .sent_s = wall_s(), .count = count,
	};
}

/* The datagram just built into the slot (len 0: it could not be). */
static void commit(size_t len, unsigned n)
{
	if (!len) {
		e.c.tx_dropped += n;
		return;  /* cannot happen with n <= max_recs: not retried */
	}
	e.seq++;
	sync_sock_commit(len, n);
	e.last_tx_ms = sync_now_ms();
}

bool sync_emit6(const struct ipvs_sync_rec6 *recs, unsigned n)
{
	struct sync_msg_hdr h = next_hdr(SYNC_MSG_CONN, 0);
	uint8_t *buf = sync_sock_slot();

	if (!buf)
		return false;
	commit(sync_msg_build6(buf, SYNC_MAX_LEN, &h, recs, n, &e.conf.key), n);
	return true;
}

bool sync_emit_end(uint32_t count, uint32_t count6)
{
	struct sync_msg_hdr h = next_hdr(SYNC_MSG_BULK_END, count);
	uint8_t *buf = sync_sock_slot();

	if (!buf)
		return false;
	h.count6 = count6;
	commit(sync_msg_build(buf, SYNC_MAX_LEN, &h, NULL, 0, &e.conf.key), 0);
	return true;
}

bool sync_emit(uint8_t type, const struct ipvs_sync_rec *recs, unsigned n,
	       uint32_t count)
{
	struct sync_msg_hdr h = next_hdr(type, count);
	uint8_t *buf = sync_sock_slot();
	size_t len;

	if (!buf)
		return false;
	len = sync_msg_build(buf, SYNC_MAX_LEN, &h, recs, n, &e.conf.key);
	if (!len) {
		e.c.tx_dropped += n;
		return true;  /* cannot happen with n <= max_recs: not retried */
	}
	e.seq++;
	sync_sock_commit(len, n);
	e.last_tx_ms = sync_now_ms();
	return true;
}

/* ---- MASTER: the workers' records into datagrams ---- */

static bool flush_inc(void)
{
	if (!sync_emit(SYNC_MSG_CONN, e.inc.recs, e.inc.n, 0))
		return false;
	sync_bucket_take(&e.msg_tb, 1);
	e.inc.n = 0;
	return true;
}

/*
 * Takes from the rings only what the rate and the send queue let leave
 * now: the excess waits in the rings, where a full ring counts it.
 */
static int drain(uint64_t now_ms, uint64_t now_us)
{
	unsigned nw = lcore_nworkers(), budget = SYNC_DRAIN_PER_LOOP, idle = 0;
	int work = 0;

	while (budget && nw && idle < nw) {
		uint32_t tokens = sync_bucket_avail(&e.msg_tb, now_us);
		unsigned room = e.max_recs - e.inc.n, got;

		if (!tokens || !sync_sock_free_slots() ||
		    sync_now_us() - now_us >= SYNC_TX_BUDGET_US)
			break;
		if (room > budget)
			room = budget;
		got = ipvs_sync_drain(e.next_worker, e.inc.recs + e.inc.n, room);
		if (got && !e.inc.n)
			e.inc.first_ms = now_ms;
		e.inc.n += got;
		budget -= got;
		work += (int)got;
		if (got < room) {   /* this ring is empty: the next one */
			e.next_worker = (e.next_worker + 1) % nw;
			idle++;
		}
		if (e.inc.n == e.max_recs && !flush_inc())
			break;
	}
	if (sync_batch_due(e.inc.n, e.max_recs, e.inc.first_ms, now_ms, e.flush_ms) &&
	    sync_bucket_avail(&e.msg_tb, now_us))
		flush_inc();
	return work;
}

static void heartbeat(uint64_t now_ms, uint64_t now_us)
{
	if (now_ms - e.last_tx_ms < e.heartbeat_ms ||
	    !sync_bucket_avail(&e.msg_tb, now_us))
		return;
	if (sync_emit(SYNC_MSG_HEARTBEAT, NULL, 0, 0))
		sync_bucket_take(&e.msg_tb, 1);
}

/* Drops what the rings hold: a MASTER that stopped sends nothing more. */
static void discard_rings(void)
{
	struct ipvs_sync_rec tmp[64];

	for (unsigned w = 0; w < lcore_nworkers(); w++)
		while (ipvs_sync_drain(w, tmp, 64) == 64)
			;
	e.inc.n = 0;
	sync6_discard();
}

/* ---- BACKUP: the bulk ---- */

static void bulk_actions(unsigned act)
{
	if (act & SYNC_BULK_SEND_REQ)
		sync_emit(SYNC_MSG_BULK_REQ, NULL, 0, 0);
	if ((act & SYNC_BULK_NOW_READY) && (act & SYNC_BULK_INCOMPLETE))
		LOG_WARNX("sync", "no complete bulk from the master; ready "
			  "without it (%llu conns received)",
			  (unsigned long long)e.brx.done_recs);
	else if (act & SYNC_BULK_NOW_READY)
		LOG_NOTICEX("sync", "bulk done: %llu conns in %u ms",
			    (unsigned long long)e.brx.done_recs, e.brx.done_ms);
	if (act & SYNC_BULK_NOW_READY) {
		e.c.bulk_received++;
		e.recheck = refusals() > e.refused_base;
		e.recheck_gen = ipvs_config_gen();
		e.recheck_at = 0;
	}
}

static void bulk_begin(void)
{
	e.refused_base = refusals();
	e.recheck = false;
	bulk_actions(sync_bulk_rx_start(&e.brx, sync_now_ms()));
}

/* After a change of the services, the records they refused may fit. */
static void recheck(uint64_t now_ms)
{
	uint64_t gate = e.brx.last_req_ms + SYNC_BULK_HOLD_MS + 100;

	if (!e.recheck)
		return;
	if (!e.recheck_at) {
		if (ipvs_config_gen() == e.recheck_gen)
			return;
		/* Not before the master lets this LB start another bulk. */
		e.recheck_at = now_ms + SYNC_RECHECK_MS > gate ?
			       now_ms + SYNC_RECHECK_MS : gate;
	}
	if (now_ms < e.recheck_at)
		return;
	e.recheck = false;
	e.brx.last_req_ms = now_ms;
	LOG_NOTICEX("sync", "the services changed after a bulk that met no "
		    "service or real server here: asking the master again");
	sync_emit(SYNC_MSG_BULK_REQ, NULL, 0, 0);
}

/*
 * A bulk whose records were refused here is not the MASTER's table: not
 * READY (keepalived would preempt with it), asked for again.
 */
static unsigned refused_bulk(unsigned act, uint64_t now_ms)
{
	uint64_t now = refusals();

	if (!(act & SYNC_BULK_NOW_READY) || (act & SYNC_BULK_INCOMPLETE) ||
	    now <= e.refused_base)   /* <: the counters were reset */
		return act;
	act = sync_bulk_rx_refused(&e.brx, now_ms);
	if (act & SYNC_BULK_NOW_READY)
		return act;        /* given up: the recheck asks again later */
	LOG_NOTICEX("sync", "bulk: %llu records met no service, real server or "
		    "local address here: not ready, asking the master again",
		    (unsigned long long)(now - e.refused_base));
	e.refused_base = now;
	return act;
}

static void backup_tick(uint64_t now_ms)
{
	unsigned act = sync_bulk_rx_tick(&e.brx, processed_now(), now_ms);

	bulk_actions(refused_bulk(act, now_ms));
	recheck(now_ms);
}

/* The installers' count when all that was posted until now is done. */
static uint64_t posted_target(void)
{
	return (uint64_t)((int64_t)e.posted + e.proc_zero);
}

/* ---- receive ---- */

static void refused(enum sync_verdict v, uint32_t src)
{
	static const unsigned rl[] = { [SYNC_BAD] = RL_BAD, [SYNC_AUTH] = RL_AUTH,
				       [SYNC_OTHER_ID] = RL_OTHER_ID,
				       [SYNC_REPLAY] = RL_REPLAY,
				       [SYNC_STALE] = RL_STALE };
	uint64_t *ctr[] = { [SYNC_BAD] = &e.c.rx_bad,
			    [SYNC_AUTH] = &e.c.rx_auth_failed,
			    [SYNC_OTHER_ID] = &e.c.rx_other_id,
			    [SYNC_REPLAY] = &e.c.rx_replayed,
			    [SYNC_STALE] = &e.c.rx_stale };

	if (v < SYNC_BAD || v > SYNC_STALE)
		v = SYNC_BAD;
	(*ctr[v])++;
	sync_ratelog_note(&e.rl[rl[v]], src);
}

/*
 * Posts records from index `from` on.  A full installer ring holds the
 * datagram where it stopped (false): the rest waits in the socket,
 * nothing is lost, and the installers catch up before it goes on.
 */
/* Record i of a datagram of either version to its installer. */
static int post_one(const uint8_t *buf, const struct sync_msg_hdr *h,
		    unsigned i, uint16_t *flags)
{
	struct ipvs_sync_rec6 r6;
	struct ipvs_sync_rec r;

	if (h->version == SYNC_MSG_VERSION6) {
		sync_msg_rec6(buf, i, &r6);
		*flags = r6.flags;
		return ipvs_sync_post6(&r6, h->nworkers);
	}
	sync_msg_rec(buf, i, &r);
	*flags = r.flags;
	return ipvs_sync_post(&r, h->nworkers);
}

static bool post_records(const uint8_t *buf, const struct sync_msg_hdr *h,
			 unsigned from)
{
	for (unsigned i = from; i < h->nrec; i++) {
		uint16_t flags;
		int rc = post_one(buf, h, i, &flags);

		if (rc == -ENOBUFS) {
			e.held = true;
			e.held_hdr = *h;
			e.held_next = i;
			e.held_retry_us = sync_now_us() + SYNC_HOLD_RETRY_US;
			return false;
		}
		/* -EINVAL: a record no table here can hold, refused for good. */
		if (rc)
			e.c.rx_dropped++;
		else
			e.posted++;
		if (flags & IPVS_SYNC_F_BULK)
			sync_bulk_rx_record(&e.brx, true);
	}
	return true;
}

/* The held datagram again, where it stopped. */
static bool resume_held(const uint8_t *buf)
{
	if (sync_now_us() < e.held_retry_us)
		return false;
	e.held = false;
	return post_records(buf, &e.held_hdr, e.held_next);
}

static bool dispatch(const uint8_t *buf, const struct sync_msg_hdr *h,
		     uint64_t now_ms)
{
	switch (h->type) {
	case SYNC_MSG_CONN:
		e.c.rx_conns += h->nrec;
		if (e.roles & HA_SYNC_BACKUP)
			return post_records(buf, h, 0);
		break;
	case SYNC_MSG_BULK_REQ:
		if (e.roles & HA_SYNC_MASTER)
			sync_bulk_request(h->sender_id, now_ms);
		break;
	case SYNC_MSG_BULK_END:
		if (e.roles & HA_SYNC_BACKUP)
			bulk_actions(sync_bulk_rx_end(&e.brx,
						      h->count + h->count6,
						      posted_target(), now_ms));
		break;
	default:   /* HEARTBEAT: being heard is all */
		break;
	}
	return true;
}

static bool on_datagram(const uint8_t *buf, size_t len, uint32_t src)
{
	uint64_t now_ms = sync_now_ms();
	struct sync_msg_hdr h;
	enum sync_verdict v;

	if (e.held)
		return resume_held(buf);
	v = sync_msg_verify(buf, len, &e.conf.key, e.conf.syncid, &h);
	if (v != SYNC_OK) {
		refused(v, src);
		return true;
	}
	if (h.sender_id == e.sender_id)
		return true;  /* our own, looped back */
	v = sync_replay_check(&e.rp, &h, wall_s(), e.max_age_s);
	if (v != SYNC_OK) {
		refused(v, src);
		return true;
	}
	e.c.rx_msgs++;
	e.c.rx_bytes += len;
	e.last_rx_ms = now_ms;
	e.peer_sender_id = h.sender_id;
	e.peer_addr = src;
	return dispatch(buf, &h, now_ms);
}

static void log_refusals(uint64_t now_ms)
{
	static const char *const what[RL_N] = {
		[RL_AUTH] = "failed authentication",
		[RL_BAD] = "were malformed",
		[RL_OTHER_ID] = "carried another syncid",
		[RL_REPLAY] = "were replayed",
		[RL_STALE] = "were stale (an older boot, or too old)",
	};

	for (unsigned i = 0; i < RL_N; i++) {
		uint64_t n = sync_ratelog_due(&e.rl[i], now_ms);
		uint32_t a = e.rl[i].addr;

		if (n)
			LOG_WARNX("sync", "%llu datagrams from %u.%u.%u.%u %s "
				  "in the last 10 s", (unsigned long long)n,
				  a >> 24, a >> 16 & 0xff, a >> 8 & 0xff, a & 0xff,
				  what[i]);
	}
}

int ha_sync_job(void *arg)
{
	uint64_t now_us, now_ms;
	int work = 0;

	(void)arg;
	if (!e.roles)
		return 0;
	now_us = sync_now_us();
	now_ms = now_us / 1000;
	if (e.roles & HA_SYNC_MASTER) {
		work += drain(now_ms, now_us);
		work += sync6_drain(&e.msg_tb, e.flush_ms, now_ms, now_us);
		if (sync_now_us() - now_us < SYNC_TX_BUDGET_US)
			work += sync_bulk_page(&e.bulk_tb, e.embryonic, now_us);
		heartbeat(now_ms, now_us);
	}
	if (e.roles & HA_SYNC_BACKUP)
		backup_tick(now_ms);
	work += (int)sync_sock_flush(&e.c);
	work += (int)sync_sock_recv(SYNC_RX_PER_LOOP, now_us + SYNC_JOB_BUDGET_US,
				    on_datagram, &e.c);
	log_refusals(now_ms);
	return work;
}

/* ---- roles ---- */

static int fill_defaults(const struct ha_sync_conf *in, struct ha_sync_conf *c,
			 char *msg, size_t msglen)
{
	*c = *in;
	c->roles &= HA_SYNC_MASTER | HA_SYNC_BACKUP;
	if (!c->roles || c->roles != in->roles) {
		snprintf(msg, msglen, "roles must be master, backup or both");
		return -EINVAL;
	}
	if (c->key.len < HA_SYNC_KEY_MIN || c->key.len > HA_SYNC_KEY_MAX) {
		snprintf(msg, msglen, "no key: refusing to sync unauthenticated "
			 "(a key is %d to %d bytes)", HA_SYNC_KEY_MIN,
			 HA_SYNC_KEY_MAX);
		return -EINVAL;
	}
	if (!c->ifname[0] || !memchr(c->ifname, '\0', sizeof(c->ifname))) {
		snprintf(msg, msglen, "an interface is needed");
		return -EINVAL;
	}
	c->port = c->port ? c->port : HA_SYNC_PORT;
	c->ttl = c->ttl ? c->ttl : 1;
	c->group = c->group ? c->group : HA_SYNC_GROUP;
	if (!c->peer && (c->group >> 28) != 0xe) {
		snprintf(msg, msglen, "group %u.%u.%u.%u is not multicast",
			 c->group >> 24, c->group >> 16 & 0xff,
			 c->group >> 8 & 0xff, c->group & 0xff);
		return -EINVAL;
	}
	return 0;
}

/* A role that runs fixed the transport: another start must agree. */
static bool same_transport(const struct ha_sync_conf *c, uint16_t want_maxlen)
{
	return c->syncid == e.conf.syncid && c->ttl == e.conf.ttl &&
	       c->port == e.conf.port && want_maxlen == e.want_maxlen &&
	       !strcmp(c->ifname, e.conf.ifname) && c->group == e.conf.group &&
	       c->peer == e.conf.peer && c->key.len == e.conf.key.len &&
	       !memcmp(c->key.key, e.conf.key.key, c->key.len);
}

static int open_transport(const struct ha_sync_conf *c, char *msg, size_t msglen)
{
	unsigned maxlen;
	int rc = sync_sock_maxlen(c->ifname, c->maxlen, &maxlen);

	if (rc) {
		snprintf(msg, msglen, "interface %s: %s", c->ifname,
			 rc == -EMSGSIZE ? "MTU too small" : strerror(-rc));
		return rc;
	}
	rc = sync_sock_open(c, e.sock_buf_kb, msg, msglen);
	if (rc)
		return rc;
	e.want_maxlen = c->maxlen;
	e.conf = *c;
	e.conf.maxlen = (uint16_t)maxlen;
	e.max_recs = sync_msg_max_recs(maxlen);
	sync6_start(maxlen);
	if (getrandom(&e.sender_id, sizeof(e.sender_id), 0) != sizeof(e.sender_id))
		e.sender_id = sync_now_us() ^ (uint64_t)wall_s() << 32;
	e.seq = 0;
	e.start_s = wall_s();
	e.inc.n = 0;
	e.held = false;
	memset(&e.rp, 0, sizeof(e.rp));
	kni_class_set_sync(c->port, c->peer ? 0 : c->group);
	return 0;
}

static void set_roles(unsigned roles)
{
	unsigned added = roles & ~e.roles;

	e.roles = roles;
	ipvs_sync_set_roles(roles);
	if (added & HA_SYNC_BACKUP)
		bulk_begin();
}

int ha_sync_start(const struct ha_sync_conf *in, char *msg, size_t msglen)
{
	struct ha_sync_conf c;
	uint32_t dst;
	int rc;

	if (msglen)
		msg[0] = '\0';
	rc = fill_defaults(in, &c, msg, msglen);
	if (rc)
		return rc;
	if (e.roles && !same_transport(&c, in->maxlen)) {
		snprintf(msg, msglen, "a role runs with other settings "
			 "(interface, port, group, peer, syncid, ttl, maxlen or "
			 "key): stop it first");
		return -EBUSY;
	}
	if (!e.roles) {
		rc = open_transport(&c, msg, msglen);
		if (rc)
			return rc;
	}
	set_roles(e.roles | c.roles);
	dst = e.conf.peer ? e.conf.peer : e.conf.group;
	LOG_NOTICEX("sync", "%s%s%s on %s, syncid %u, %s %u.%u.%u.%u:%u, "
		    "maxlen %u", e.roles & HA_SYNC_MASTER ? "master" : "",
		    e.roles == (HA_SYNC_MASTER | HA_SYNC_BACKUP) ? "+" : "",
		    e.roles & HA_SYNC_BACKUP ? "backup" : "", e.conf.ifname,
		    e.conf.syncid, e.conf.peer ? "peer" : "group", dst >> 24,
		    dst >> 16 & 0xff, dst >> 8 & 0xff, dst & 0xff, e.conf.port,
		    e.conf.maxlen);
	return 0;
}

void ha_sync_stop(unsigned roles)
{
	roles &= e.roles;
	if (!roles)
		return;
	e.roles &= ~roles;
	ipvs_sync_set_roles(e.roles);
	if (roles & HA_SYNC_MASTER) {
		sync_bulk_abort();
		discard_rings();
	}
	if (roles & HA_SYNC_BACKUP) {
		e.brx.phase = HA_BULK_NONE;
		if (e.held)
			sync_sock_skip();
		e.held = false;
	}
	if (!e.roles) {
		sync_sock_close();
		kni_class_set_sync(0, 0);
	}
	LOG_NOTICEX("sync", "stopped %s%s%s", roles & HA_SYNC_MASTER ? "master" : "",
		    roles == (HA_SYNC_MASTER | HA_SYNC_BACKUP) ? " and " : "",
		    roles & HA_SYNC_BACKUP ? "backup" : "");
}

int ha_sync_bulk(void)
{
	if (!(e.roles & HA_SYNC_BACKUP))
		return -ENOENT;
	bulk_begin();
	return 0;
}

/* The lease ended: a dpvs whose keepalived is gone pushes nothing. */
static void on_lease_end(const char *why)
{
	if (!(e.roles & HA_SYNC_MASTER))
		return;
	LOG_NOTICEX("sync", "the lease ended (%s): master role stopped", why);
	ha_sync_stop(HA_SYNC_MASTER);
}

/* ---- state ---- */

static enum ha_bulk_phase phase_now(void)
{
	if (sync_bulk_sending())
		return HA_BULK_SENDING;
	return e.roles & HA_SYNC_BACKUP ? e.brx.phase : HA_BULK_NONE;
}

void ha_sync_state(struct ha_sync_state *out)
{
	memset(out, 0, sizeof(*out));
	out->roles = e.roles;
	out->bulk = phase_now();
	out->conf = e.conf;
	out->conf.roles = e.roles;
	memset(out->conf.key.key, 0, sizeof(out->conf.key.key));
	if (e.conf.key.len)
		sync_key_fingerprint(&e.conf.key, out->key_fp);
	out->sender_id = e.roles ? e.sender_id : 0;
	out->peer_sender_id = e.peer_sender_id;
	out->peer_addr = e.peer_addr;
	out->last_rx_ms = e.last_rx_ms ? sync_now_ms() - e.last_rx_ms : UINT64_MAX;
	if (e.roles & HA_SYNC_MASTER)
		sync_bulk_last(&out->bulk_conns, &out->bulk_ms);
	else {
		out->bulk_conns = e.brx.done_recs;
		out->bulk_ms = e.brx.done_ms;
	}
	out->c = e.c;
	ipvs_sync_stats(&out->in);
	out->c.tx_dropped += out->in.out_ring_full;
	out->c.bulk_sent = sync_bulk_count();
}

void ha_sync_reset(void)
{
	uint64_t before = processed_now();

	memset(&e.c, 0, sizeof(e.c));
	ipvs_sync_stats_reset();
	e.refused_base = 0;
	/* Keep "in flight" = posted - (processed - proc_zero) across it. */
	e.proc_zero -= (int64_t)before - (int64_t)processed_now();
}

/* ---- life ---- */

void ha_sync_apply_conf(const struct dpvs_conf *c)
{
	struct ipvs_sync_params p = {
		.threshold = { (uint16_t)c->sync_threshold[0],
			       (uint16_t)c->sync_threshold[1] },
		.refresh_s = c->sync_refresh_s,
		.embryonic = c->sync_embryonic,
		.backup_only = c->sync_backup_only,
	};

	e.flush_ms = c->sync_flush_ms;
	e.heartbeat_ms = c->sync_heartbeat_ms;
	e.max_age_s = c->sync_max_age_s;
	e.embryonic = c->sync_embryonic;
	sync_bucket_set_rate(&e.msg_tb, c->sync_max_msgs_per_s);
	sync_bucket_set_rate(&e.bulk_tb, c->sync_bulk_msgs_per_s);
	ipvs_sync_set_params(&p);
}

/*
 * libcrypto sets up its digests at their first use, in milliseconds:
 * at start-up, not in the master loop's first datagram.
 */
static void warm_up_crypto(void)
{
	struct sync_key k = { .len = HA_SYNC_KEY_MIN };
	struct sync_msg_hdr h = { .version = SYNC_MSG_VERSION,
				  .type = SYNC_MSG_HEARTBEAT, .seq = 1 };
	uint8_t buf[SYNC_MIN_LEN];
	char fp[9];

	sync_msg_build(buf, sizeof(buf), &h, NULL, 0, &k);
	sync_key_fingerprint(&k, fp);
}

int ha_sync_init(const struct dpvs_conf *c)
{
	uint64_t now = sync_now_us();

	memset(&e, 0, sizeof(e));
	e.sock_buf_kb = c->sync_sock_buf_kb;
	sync_bucket_init(&e.msg_tb, c->sync_max_msgs_per_s, now);
	sync_bucket_init(&e.bulk_tb, c->sync_bulk_msgs_per_s, now);
	ha_sync_apply_conf(c);
	/* The installers' rings are empty: all they did is done. */
	e.proc_zero = (int64_t)processed_now();
	ha_lease_set_end_cb(on_lease_end);
	warm_up_crypto();
	return 0;
}

void ha_sync_fini(void)
{
	ha_lease_set_end_cb(NULL);
	ha_sync_stop(HA_SYNC_MASTER | HA_SYNC_BACKUP);
}
