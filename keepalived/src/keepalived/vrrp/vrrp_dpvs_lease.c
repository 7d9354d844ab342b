/*
 * The HA lease, and the VRRP process's eye on dpvs (docs/keepalived.md
 * sections 6 and 10).
 *
 * dpvs keeps the VIPs this process adds (DPVS_ADDR_F_LEASED) and answers
 * for the pair's shared "ha" addresses only while the process holds the
 * lease: taken when a dpdk_interface instance becomes MASTER, before its
 * VIPs go in; renewed with every advert while one is MASTER, for 3
 * advert intervals less 20 ms, so it runs out before the peer's
 * master-down timer can fire; released when the last one leaves MASTER.
 * If keepalived dies its connection closes and dpvs drops the VIPs at
 * once; if it hangs, the TTL does.
 *
 * The lease belongs to a connection, so it has one of its own, with a
 * short timeout: a renewal must never hold VRRP up.  That connection is
 * watched too: dpvs closing it and not answering a new one (it died)
 * puts every dpdk_interface instance into FAULT at once, until dpvs
 * answers again.  And it serves the preempt gate: a BACKUP that would
 * take over from a lower priority MASTER waits until its dpvs has the
 * MASTER's connections (the bulk sync is READY).  The master-down timer
 * (the peer died) is held back only after dpvs came back, until the bulk
 * is READY or 3 s passed: the peer may be there but not heard yet.
 * Included by vrrp_dpvs.c.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The longest a lease call may take: a third of the TTL (two more
 * renewals still fit before it runs out), within these bounds.  A call
 * that times out costs the connection, and with it the lease. */
#define HA_CALL_MIN_MS 20
#define HA_CALL_MAX_MS 100
/* dpvs closes a connection idle for ctrl.client_timeout_ms (30 s). */
#define HA_KEEPALIVE_S 10
/* After two calls in a row failed, one call a second at most: each
 * failure costs a new connection, a stalled dpvs takes connections
 * without accepting them, and once its backlog (128) is full a connect
 * would hang the VRRP process. */
#define HA_RETRY_MS 1000

static struct dpvs_handle *ha_dh;
static int ha_dup = -1;            /* our duplicate of its socket, in epoll */
static thread_ref_t ha_thread;
static ino_t ha_lease_ino;         /* the connection holding the lease; 0: none */
static bool ha_lease_unsupported;  /* an older dpvs: said once */
static bool ha_lease_failing;      /* said once until it works again */
static bool ha_dpvs_gone;          /* dpvs closed on us: instances in FAULT */
static bool ha_check_due;          /* a call dropped the connection */
static uint64_t ha_back_ms;        /* dpvs answered again at; 0: not waiting */
static unsigned ha_idle_s;
static unsigned ha_fails;          /* calls failed in a row */
static uint64_t ha_retry_ms;       /* no new connection before */

/* What this file remembers of an instance (the vrrp_t is keepalived's). */
#define HA_DOWN 0x1                /* put into FAULT by us */
#define HA_HELD 0x2                /* "not preempting" said */
#define HA_WAITED 0x4              /* "not taking over yet" said */

struct ha_mark {
	const vrrp_t *vrrp;
	unsigned flags;
};

static struct ha_mark *ha_marks;
static size_t ha_nmarks;

static bool __attribute__((pure)) ha_marked(const vrrp_t *vrrp, unsigned flag)
{
	for (size_t i = 0; i < ha_nmarks; i++)
		if (ha_marks[i].vrrp == vrrp)
			return ha_marks[i].flags & flag;
	return false;
}

static void ha_mark(const vrrp_t *vrrp, unsigned flag, bool on)
{
	struct ha_mark *grown;
	size_t i;

	for (i = 0; i < ha_nmarks && ha_marks[i].vrrp != vrrp; i++)
		;
	if (i == ha_nmarks) {
		if (!on || !(grown = realloc(ha_marks, sizeof(*grown) * (i + 1))))
			return;
		ha_marks = grown;
		ha_marks[ha_nmarks++] = (struct ha_mark){ vrrp, 0 };
	}
	ha_marks[i].flags = on ? ha_marks[i].flags | flag : ha_marks[i].flags & ~flag;
}

static ino_t ha_ino(int fd)
{
	struct stat st;

	return fd >= 0 && !fstat(fd, &st) ? st.st_ino : 0;
}

static void ha_read_thread(thread_ref_t thread);
static void vrrp_dpvs_sync_restart(const char *why);
static void ha_check_thread(thread_ref_t thread);

static void ha_unwatch(void)
{
	if (ha_thread)
		thread_cancel(ha_thread);
	ha_thread = NULL;
	if (ha_dup >= 0)
		close(ha_dup);
	ha_dup = -1;
}

/*
 * Watches the handle's connection, a new one if libdpvs replaced it (a
 * call that failed drops it).  Through a duplicate, so that libdpvs
 * closing its socket never leaves a closed fd in keepalived's epoll; the
 * duplicate goes as soon as the connection changed, not to hold it open.
 */
static void ha_rewatch(void)
{
	int fd = ha_dh ? dpvs_handle_fd(ha_dh) : -1;

	ha_idle_s = 0;
	if (ha_dup >= 0 && fd >= 0 && ha_ino(fd) == ha_ino(ha_dup))
		return;
	ha_unwatch();
	if (fd < 0) {
		/* A failed call dropped it (dpvs died, or did not answer in
		 * time): soon, out of whatever VRRP is doing, see which. */
		if (ha_dh && !ha_check_due) {
			ha_check_due = true;
			thread_add_event(master, ha_check_thread, NULL, 0);
		}
		return;
	}
	if ((ha_dup = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return;
	ha_thread = thread_add_read(master, ha_read_thread, NULL, ha_dup,
				    TIMER_NEVER, 0);
}

static uint64_t ha_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* May a call be made now?  Not while backing off: each failed call
 * costs a connection (dropped, and a new one to watch). */
static bool ha_may_call(void)
{
	return ha_fails < 2 || ha_now_ms() >= ha_retry_ms;
}

/* After each call on the handle. */
static void ha_called(int rc)
{
	if (rc && rc != DPVS_ENOTSUP && rc != DPVS_EBUSY) {
		ha_fails++;
		ha_retry_ms = ha_now_ms() + HA_RETRY_MS;
	} else
		ha_fails = 0;
	ha_rewatch();
}

static bool ha_open(void)
{
	const char *path = getenv("DPVS_IPC_FILE");

	if (ha_dh)
		return true;
	if (dpvs_connect(path && *path ? path : NULL, &ha_dh) != DPVS_OK)
		return false;
	ha_lease_unsupported = false;    /* maybe another dpvs now */
	dpvs_set_timeout(ha_dh, HA_CALL_MAX_MS);
	ha_rewatch();
	return true;
}

/* ---- the lease ---- */

static bool ha_is_master(const vrrp_t *vrrp)
{
	return vrrp->dpdk_interface && vrrp->state == VRRP_STATE_MAST;
}

/* 3 x the smallest MASTER advert_int - 20 ms, at least 50 ms. */
static uint32_t __attribute__((pure)) ha_lease_ttl(void)
{
	unsigned long adv = 0;
	uint32_t ms;
	vrrp_t *v;

	list_for_each_entry(v, &vrrp_data->vrrp, e_list)
		if (ha_is_master(v) && (!adv || v->adver_int < adv))
			adv = v->adver_int;
	ms = (uint32_t)(3 * adv / (TIMER_HZ / 1000));
	return ms >= 70 ? ms - 20 : 50;
}

static void ha_lease_failed(const vrrp_t *vrrp, int rc, uint32_t ttl,
			    uint32_t ms)
{
	if (rc == DPVS_ENOTSUP) {
		ha_lease_unsupported = true;
		log_message(LOG_INFO, "(%s) dpvs has no HA lease (an older dpvs): "
			    "VIPs are set without one", vrrp->iname);
		return;
	}
	if (ha_lease_failing)
		return;
	ha_lease_failing = true;
	if (rc == DPVS_ETIMEDOUT)
		log_message(LOG_INFO, "(%s) dpvs did not answer the HA lease call "
			    "within %u ms: trying again with the next advert",
			    vrrp->iname, ms);
	else
		log_message(LOG_INFO, "(%s) dpvs: HA lease for %u ms: %s", vrrp->iname,
			    ttl, ha_dh ? dpvs_errmsg(ha_dh) : "dpvs is not running");
}

/*
 * The lease went with a connection that is gone (a call timed out, dpvs
 * closed it): dpvs removed the VIPs and stopped the sync master role
 * then.  The MASTERs put them back (an instance becoming MASTER has none
 * yet: it adds them next).
 */
static void ha_lease_moved(void)
{
	vrrp_t *v;

	list_for_each_entry(v, &vrrp_data->vrrp, e_list) {
		if (!ha_is_master(v) || !v->vipset)
			continue;
		log_message(LOG_INFO, "(%s) dpvs: HA lease taken on a new connection: "
			    "setting VIPs on %s again", v->iname, v->dpdk_interface);
		vrrp_dpvs_vips(v, &v->vip, IPADDRESS_ADD);
		vrrp_dpvs_vips(v, &v->evip, IPADDRESS_ADD);
	}
	if (global_data->lvs_syncd.vrrp &&
	    global_data->lvs_syncd.vrrp->state == VRRP_STATE_MAST)
		vrrp_dpvs_sync_restart("the HA lease ended with its connection");
}

/* Takes or renews the lease (one call, bounded); vrrp is only for logs. */
static void ha_lease_call(const vrrp_t *vrrp)
{
	uint32_t ttl = ha_lease_ttl(), left, ms = ttl / 3;
	int rc;

	if (ha_lease_unsupported || !ha_may_call())
		return;
	if (!ha_open()) {
		ha_lease_failed(vrrp, DPVS_EIO, ttl, 0);
		return;
	}
	ms = ms < HA_CALL_MIN_MS ? HA_CALL_MIN_MS : ms > HA_CALL_MAX_MS ? HA_CALL_MAX_MS : ms;
	dpvs_set_timeout(ha_dh, (int)ms);
	rc = dpvs_ha_lease(ha_dh, ttl, &left);
	if (rc == DPVS_EIO)      /* dpvs restarted: libdpvs connects again */
		rc = dpvs_ha_lease(ha_dh, ttl, &left);
	dpvs_set_timeout(ha_dh, HA_CALL_MAX_MS);
	ha_called(rc);
	if (rc) {
		ha_lease_failed(vrrp, rc, ttl, ms);
		return;
	}
	if (ha_lease_failing)
		log_message(LOG_INFO, "(%s) dpvs: HA lease held again (%u ms)",
			    vrrp->iname, ttl);
	ha_lease_failing = false;
	if (ha_lease_ino && ha_lease_ino != ha_ino(ha_dup))
		ha_lease_moved();
	ha_lease_ino = ha_ino(ha_dup);
}

/* vrrp becomes MASTER: the lease before its VIPs. */
static void vrrp_dpvs_lease_take(const vrrp_t *vrrp)
{
	if (vrrp->dpdk_interface)
		ha_lease_call(vrrp);
}

/* After each advert sent: a MASTER with its VIPs renews. */
static void vrrp_dpvs_lease_renew(const vrrp_t *vrrp, uint8_t prio)
{
	if (prio && ha_is_master(vrrp) && vrrp->vipset)
		ha_lease_call(vrrp);
}

/*
 * The holder announces its "ha" addresses again (dpvs's rounds of
 * gratuitous ARPs).  False if dpvs has no such call (an older dpvs):
 * the caller sends them one by one.
 */
static bool vrrp_dpvs_ha_announce(const vrrp_t *vrrp)
{
	int rc;

	if (!ha_lease_ino || !ha_dh || !ha_may_call())
		return true;         /* not ours to announce, or backing off */
	rc = dpvs_ha_announce(ha_dh);
	ha_called(rc);
	if (rc && rc != DPVS_ENOTSUP)
		log_message(LOG_INFO, "(%s) dpvs: announcing the ha addresses: %s",
			    vrrp->iname, dpvs_errmsg(ha_dh));
	return rc != DPVS_ENOTSUP;
}

/* vrrp's VIPs are gone: the last MASTER gives the lease back. */
static void vrrp_dpvs_lease_drop(const vrrp_t *vrrp)
{
	vrrp_t *v;
	int rc;

	if (!vrrp->dpdk_interface || !ha_lease_ino || !ha_dh)
		return;
	list_for_each_entry(v, &vrrp_data->vrrp, e_list)
		if (v != vrrp && ha_is_master(v) && v->vipset)
			return;
	rc = dpvs_ha_release(ha_dh);
	ha_called(rc == DPVS_ENOENT ? DPVS_OK : rc);
	ha_lease_ino = 0;
	if (rc && rc != DPVS_ENOENT)
		log_message(LOG_INFO, "(%s) dpvs: releasing the HA lease: %s "
			    "(it runs out by itself)", vrrp->iname, dpvs_errmsg(ha_dh));
	else
		log_message(LOG_INFO, "(%s) dpvs: HA lease released", vrrp->iname);
}

/* ---- dpvs going away and coming back ---- */

static void ha_dpvs_died(void)
{
	vrrp_t *v;

	ha_dpvs_gone = true;
	ha_lease_ino = 0;
	list_for_each_entry(v, &vrrp_data->vrrp, e_list) {
		if (!v->dpdk_interface || ha_marked(v, HA_DOWN))
			continue;
		log_message(LOG_INFO, "(%s) dpvs closed the control socket: "
			    "entering FAULT", v->iname);
		ha_mark(v, HA_DOWN, true);
		down_instance(v);
	}
}

static void ha_dpvs_back(void)
{
	vrrp_t *v;

	if (!ha_open())
		return;
	ha_dpvs_gone = false;
	ha_back_ms = ha_now_ms();
	list_for_each_entry(v, &vrrp_data->vrrp, e_list) {
		if (!ha_marked(v, HA_DOWN))
			continue;
		log_message(LOG_INFO, "(%s) dpvs answers again: leaving FAULT",
			    v->iname);
		ha_mark(v, HA_DOWN, false);
		try_up_instance(v, false);
	}
}

/* A new connection: refused, dpvs died; taken, it lives (stalled maybe). */
static bool ha_reopen(void)
{
	dpvs_close(ha_dh);
	ha_dh = NULL;
	if (ha_open())
		return true;
	ha_dpvs_died();
	return false;
}

static void ha_check_thread(__attribute__((unused)) thread_ref_t thread)
{
	ha_check_due = false;
	if (ha_dh && dpvs_handle_fd(ha_dh) < 0 && !ha_dpvs_gone)
		ha_reopen();
}

/*
 * The watched connection is readable: nothing is asked between calls,
 * so it is over (EOF: dpvs closed it; or bytes nobody asked for).  A new
 * one that dpvs answers means dpvs lives (it closed an idle client; or
 * it is dying and still took it: that one's EOF follows); none means it
 * died.
 */
static void ha_read_thread(thread_ref_t thread)
{
	ino_t had = ha_lease_ino;
	char b;

	ha_thread = NULL;
	if (recv(ha_dup, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
	    (errno == EAGAIN || errno == EINTR)) {
		ha_thread = thread_add_read(master, ha_read_thread, NULL, ha_dup,
					    TIMER_NEVER, 0);
		return;
	}
	/* out of keepalived's epoll, and closed, the way it wants it */
	thread_close_fd(thread);
	ha_dup = -1;
	if (!ha_reopen())
		return;
	if (had) {                 /* the lease went with the connection */
		vrrp_t *v;

		list_for_each_entry(v, &vrrp_data->vrrp, e_list)
			if (ha_is_master(v) && v->vipset) {
				ha_lease_call(v);
				break;
			}
	}
}

/*
 * Once a second, from the watch (vrrp_dpvs.c): dpvs back after it died;
 * a call now and then, or dpvs would close the connection as idle; and
 * a connection that a failed call dropped is opened and watched again.
 */
static void vrrp_dpvs_ha_tick(void)
{
	struct dpvs_version_info v;

	if (ha_dpvs_gone) {
		ha_dpvs_back();
		return;
	}
	if (!ha_dh) {
		ha_open();          /* dpvs was not there at our start */
		return;
	}
	if ((++ha_idle_s < HA_KEEPALIVE_S && ha_dup >= 0) || !ha_may_call())
		return;
	if (dpvs_get_version(ha_dh, &v) != DPVS_OK) {
		ha_fails++;
		ha_retry_ms = ha_now_ms() + HA_RETRY_MS;
		ha_unwatch();
		ha_reopen();
		return;
	}
	ha_called(DPVS_OK);
}

/* At start and after a reload (which dropped every thread): watch again. */
static void vrrp_dpvs_ha_start(void)
{
	ha_thread = NULL;          /* the reload dropped the threads */
	ha_check_due = false;
	if (ha_dup >= 0)
		close(ha_dup);
	ha_dup = -1;
	free(ha_marks);
	ha_marks = NULL;
	ha_nmarks = 0;
	ha_dpvs_gone = false;
	ha_back_ms = 0;
	if (ha_open())
		ha_rewatch();
}

/* ---- preempt after the bulk ---- */

/*
 * Is the sync backup role's bulk READY (the MASTER's table is here)?
 * True too when there is no sync to wait for or dpvs cannot tell.
 * Without a backup role (dpvs restarted, a start failed) the table is
 * not there: the role is started again, once a second at most (a
 * failing start is logged each time).
 */
static bool ha_bulk_ready(const vrrp_t *vrrp, uint32_t *conns)
{
	struct dpvs_sync_state s;
	int rc;

	*conns = 0;
	if (global_data->lvs_syncd.vrrp != vrrp || !global_data->lvs_syncd.ifname ||
	    !vrrp_dpvs_sync_secret(NULL) || !ha_may_call() || !ha_open())
		return true;
	rc = dpvs_sync_state(ha_dh, &s);
	if (rc == DPVS_EIO)
		rc = dpvs_sync_state(ha_dh, &s);
	ha_called(rc);
	if (rc)
		return true;
	*conns = s.synced_conns;
	if (!(s.roles & DPVS_SYNC_BACKUP)) {
		static uint64_t tried_ms;

		*conns = 0;
		if (ha_now_ms() - tried_ms >= 1000) {
			tried_ms = ha_now_ms();
			vrrp_dpvs_sync_restart("dpvs has no sync backup role");
		}
	}
	return s.bulk == DPVS_BULK_READY;
}

/*
 * May the lvs_sync_daemon instance preempt a lower priority MASTER?
 * Only once dpvs says its backup role has the MASTER's table (or there
 * is no sync to wait for, or dpvs cannot tell).  Asked with each such
 * advert, i.e. every advert_int.
 */
static bool vrrp_dpvs_may_preempt(const vrrp_t *vrrp)
{
	uint32_t conns;
	bool ready = ha_bulk_ready(vrrp, &conns);

	if (!ready && !ha_marked(vrrp, HA_HELD))
		log_message(LOG_INFO, "(%s) not preempting: dpvs bulk sync not "
			    "finished (%u conns so far)", vrrp->iname, conns);
	else if (ready && ha_marked(vrrp, HA_HELD))
		log_message(LOG_INFO, "(%s) dpvs bulk sync finished: preempting",
			    vrrp->iname);
	ha_mark(vrrp, HA_HELD, !ready);
	return ready;
}

/* ---- no takeover by the timer before the peer could be heard ---- */

/* How long after dpvs came back the master-down timer waits for the
 * bulk: a dead peer costs this much more, a live one that could not be
 * heard yet (the new TAP not up or addressed) keeps its connections. */
#define HA_HEAR_MS 3000

/*
 * May the master-down timer make the lvs_sync_daemon instance MASTER?
 * After dpvs answered again (it restarted, the instance left FAULT) not
 * before the bulk is READY -- the peer is alive and was heard -- or
 * HA_HEAR_MS passed.  False leaves it BACKUP; keepalived re-arms the
 * timer, so it asks again every master-down interval.
 */
static bool vrrp_dpvs_may_take_over(const vrrp_t *vrrp)
{
	uint32_t conns;

	if (!ha_back_ms || global_data->lvs_syncd.vrrp != vrrp)
		return true;
	if (ha_now_ms() - ha_back_ms < HA_HEAR_MS && !ha_bulk_ready(vrrp, &conns)) {
		if (!ha_marked(vrrp, HA_WAITED))
			log_message(LOG_INFO, "(%s) not taking over yet: dpvs bulk "
				    "sync not finished", vrrp->iname);
		ha_mark(vrrp, HA_WAITED, true);
		return false;
	}
	ha_back_ms = 0;
	ha_mark(vrrp, HA_WAITED, false);
	return true;
}
