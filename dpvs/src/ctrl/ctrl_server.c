/*
 * The control socket server, run by the master lcore.  Never blocks: all
 * sockets are non-blocking and served from the master's event loop
 * (core/evloop.h); the only wait is the loop's bounded idle sleep.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "ctrl.h"
#include "core/evloop.h"
#include "core/lcore.h"
#include "core/log.h"
#include "core/timer.h"

/* Stop reading from a client whose replies pile up beyond this. */
#define OUT_HIGH_WATER (4u << 20)
#define READ_CHUNK 65536
/*
 * The master's time for the control socket: one client is served for at
 * most CONN_SLICE_US in a row, all of them for POLL_SLICE_US per poll;
 * whoever has more waits for the next loop iteration.
 */
#define CONN_SLICE_US 1000
#define POLL_SLICE_US 2000
#define SWEEP_MS 100

/* A uid's share of the request buffers; shared by its connections. */
struct user {
	uint32_t uid;
	unsigned refs;
	struct ctrl_budget budget;
	struct user *next;
};

struct conn {
	struct evloop_fd ev;    /* first: the event's handle is the conn */
	int fd;
	uint32_t uid;
	struct ctrl_caller who; /* id, uid and pid, for the handlers */
	struct user *user;
	uint64_t last_ms;       /* last request, reply progress or accept */
	size_t in_off;          /* unconsumed input: inbuf[in_off, in_len) */
	size_t in_len;
	uint8_t inbuf[READ_CHUNK];
	bool ready;             /* read requests can run now */
	struct ctrl_session s;
	struct conn *next;
};

static struct {
	int lfd;
	struct evloop_fd lev;   /* the listener in the master's loop */
	bool listening;         /* lev is registered */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctrl_params p;
	char group[64];
	gid_t gid;
	bool have_gid;
	struct conn *conns;
	unsigned nconns;
	unsigned nready;        /* connections with ready set */
	uint64_t kicks_seen;    /* ctrl_kicks at the last full ready pass */
	bool pass_cut;          /* the last ready pass ran out of time */
	struct user *users;
	struct ctrl_budget total;
	dev_t sock_dev;         /* the socket file we made, for chown */
	ino_t sock_ino;
	struct core_timer sweep;   /* closes idle clients */
	uint64_t until_us;      /* the current poll's slice ends */
	struct dpvs_ctrl_stats st;
} srv = { .lfd = -1 };

static void accept_all(void);
/* The connection whose request runs now (NULL between requests). */
static const struct ctrl_caller *current;
static void (*close_hook)(uint64_t id);
static uint64_t next_conn_id = 1;
static void conn_event(struct conn *c, uint32_t events, uint64_t until);
static const struct evloop_service ctrl_service;
static void sweep_idle(void *arg);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int fill_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int ctrl_check_free(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat sb;
	int fd, rc;

	if (fill_addr(path, &sa) < 0) {
		snprintf(err, errlen, "control socket path %s is too long", path);
		return -1;
	}
	if (lstat(path, &sb) < 0)
		return 0;
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; refusing "
			 "to replace it", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "another dpvs is already running on %s",
			 path);
		return -1;
	}
	return 0; /* a stale socket from a dead daemon */
}

/*
 * Only the socket file we bound gets the group: whatever now sits at the
 * path (a symlink to /etc/shadow, say) is left alone, and a symlink is
 * never followed.
 */
static void chown_socket(void)
{
	struct stat sb;

	if (lstat(srv.path, &sb) < 0 || !S_ISSOCK(sb.st_mode) ||
	    sb.st_dev != srv.sock_dev || sb.st_ino != srv.sock_ino) {
		LOG_WARNX("ctrl", "%s is no longer our socket: group not set",
			  srv.path);
		return;
	}
	if (fchownat(AT_FDCWD, srv.path, 0, srv.gid, AT_SYMLINK_NOFOLLOW) < 0)
		LOG_WARNX("ctrl", "chown %s: %s", srv.path, strerror(errno));
}

static int resolve_group(const char *name)
{
	struct group *g;

	srv.have_gid = false;
	snprintf(srv.group, sizeof(srv.group), "%s", name ? name : "");
	if (!srv.group[0])
		return 0;
	g = getgrnam(srv.group);
	if (!g) {
		LOG_ERRX("ctrl", "ctrl.group: no group named '%s'", srv.group);
		return -ENOENT;
	}
	srv.gid = g->gr_gid;
	srv.have_gid = true;
	if (srv.lfd >= 0)
		chown_socket();
	return 0;
}

int ctrl_set_params(const struct ctrl_params *p)
{
	int rc = resolve_group(p->group);

	srv.p.max_request = p->max_request;
	srv.p.max_clients = p->max_clients;
	srv.p.client_timeout_ms = p->client_timeout_ms;
	srv.p.max_user_buffer = p->max_user_buffer;
	srv.p.max_total_buffer = p->max_total_buffer;
	/* Lower caps refuse new requests; buffered ones finish. */
	srv.total.max = p->max_total_buffer;
	for (struct user *u = srv.users; u; u = u->next)
		u->budget.max = p->max_user_buffer;
	return rc;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd;

	if (fill_addr(path, &sa) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path); /* ctrl_check_free() proved it stale */
	old = umask(0117); /* socket file mode 0660 */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0) {
		int e = errno;

		umask(old);
		close(fd);
		LOG_ERRX("ctrl", "cannot listen on %s: %s", path, strerror(e));
		return -e;
	}
	umask(old);
	return fd;
}

static void on_listener(struct evloop_fd *h __rte_unused,
			uint32_t events __rte_unused)
{
	accept_all();
}

static uint64_t now_us(void);

static void on_conn(struct evloop_fd *h, uint32_t events)
{
	/* Past the slice: level-triggered, it is reported again. */
	if (now_us() < srv.until_us)
		conn_event((struct conn *)h, events, now_us() + CONN_SLICE_US);
}

int ctrl_init(const struct ctrl_params *p)
{
	struct stat sb;
	char err[256];
	int fd;

	if (ctrl_check_free(p->path, err, sizeof(err)) < 0) {
		LOG_ERRX("ctrl", "%s", err);
		return -EADDRINUSE;
	}
	fd = listen_on(p->path);
	if (fd < 0)
		return fd;
	srv.lfd = fd;
	snprintf(srv.path, sizeof(srv.path), "%s", p->path);
	if (fstat(fd, &sb) == 0 && lstat(p->path, &sb) == 0) {
		srv.sock_dev = sb.st_dev;
		srv.sock_ino = sb.st_ino;
	}
	if (evloop_add(&srv.lev, fd, EPOLLIN, on_listener) < 0 ||
	    evloop_add_service(&ctrl_service) < 0) {
		LOG_ERRX("ctrl", "cannot join the master's event loop");
		ctrl_fini();
		return -EIO;
	}
	srv.listening = true;
	if (core_timer_every(&srv.sweep, "ctrl-sweep", SWEEP_MS, sweep_idle,
			     NULL) < 0) {
		ctrl_fini();
		return -EIO;
	}
	if (ctrl_set_params(p) < 0) {
		ctrl_fini();
		return -EINVAL;
	}
	LOG_INFOX("ctrl", "listening on %s", p->path);
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static struct user *user_get(uint32_t uid)
{
	struct user *u;

	for (u = srv.users; u; u = u->next)
		if (u->uid == uid)
			break;
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			return NULL;
		u->uid = uid;
		u->budget.max = srv.p.max_user_buffer;
		u->budget.parent = &srv.total;
		u->next = srv.users;
		srv.users = u;
	}
	u->refs++;
	return u;
}

static void user_put(struct user *u)
{
	struct user **pp;

	if (--u->refs)
		return;
	for (pp = &srv.users; *pp != u; pp = &(*pp)->next)
		;
	*pp = u->next;
	free(u);
}

static void set_ready(struct conn *c, bool ready)
{
	if (ready != c->ready)
		srv.nready += ready ? 1 : -1;
	c->ready = ready;
}

static void conn_close(struct conn *c)
{
	struct conn **pp;

	for (pp = &srv.conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	set_ready(c, false);
	evloop_del(&c->ev);
	close(c->fd);
	if (close_hook)
		close_hook(c->who.id);
	ctrl_session_free(&c->s); /* releases its buffer budget */
	user_put(c->user);
	free(c);
	srv.nconns--;
}

/*
 * The peer's supplementary groups as they were at connect time
 * (SO_PEERGROUPS): no passwd lookup, which could block the master on a
 * name service and knows neither a uid without a passwd entry nor the
 * groups systemd gives a DynamicUser= service.  Returns how many, or -1
 * where the kernel cannot tell (then the group database is asked).
 */
static int peer_groups(int fd, gid_t *groups, int max)
{
	socklen_t len = (socklen_t)(max * sizeof(gid_t));

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return -1;
	return (int)(len / sizeof(gid_t));
}

/* Root, or a member of ctrl.group (primary or supplementary). */
static bool peer_allowed(int fd, const struct ucred *cr)
{
	struct passwd *pw;
	gid_t groups[256];
	int n;

	if (cr->uid == 0)
		return true;
	if (!srv.have_gid)
		return false;
	if (cr->gid == srv.gid)
		return true;
	n = peer_groups(fd, groups, 256);
	if (n < 0) {
		n = 256;
		pw = getpwuid(cr->uid);
		if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
			return false;
	}
	for (int i = 0; i < n; i++)
		if (groups[i] == srv.gid)
			return true;
	return false;
}

/* Writes what it can; false if the peer is gone. */
static bool conn_flush(struct conn *c)
{
	while (ctrl_session_unsent(&c->s)) {
		ssize_t n = send(c->fd, c->s.out.data + c->s.out_off,
				 ctrl_session_unsent(&c->s),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			srv.st.write_errors++;
			return false;
		}
		ctrl_session_consumed(&c->s, (size_t)n);
		c->last_ms = now_ms();
	}
	return true;
}

/* May it run another request: not broken, waiting, nor backed up. */
static bool can_serve(const struct conn *c)
{
	return !c->s.closing && !c->s.waiting &&
	       ctrl_session_unsent(&c->s) < OUT_HIGH_WATER;
}

/*
 * Input is read only once what was read is served, so epoll never
 * reports input the master will not take (level-triggered, it would
 * spin); requests already read but not served make the client "ready"
 * and are served by the next poll without any event.
 */
static void conn_interest(struct conn *c)
{
	bool buffered = c->in_off < c->in_len;
	uint32_t events;

	set_ready(c, buffered && can_serve(c));
	events = (!buffered && can_serve(c) ? EPOLLIN : 0) |
		 (ctrl_session_unsent(&c->s) ? EPOLLOUT : 0);
	if (events != c->ev.events)
		evloop_mod(&c->ev, events);
}

/* Refuses a connection with a reason the client library can print. */
static void refuse(int fd, uint32_t status, const char *msg)
{
	struct ctrl_session s;

	ctrl_session_init(&s);
	ctrl_session_refuse(&s, status, msg);
	if (send(fd, s.out.data, s.out.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		LOG_DEBUGX("ctrl", "refusal not delivered: %s", strerror(errno));
	ctrl_session_free(&s);
	close(fd);
}

static void accept_one(int fd)
{
	struct ucred cr = { .pid = 0, .uid = UINT32_MAX, .gid = UINT32_MAX };
	socklen_t len = sizeof(cr);
	char msg[128];
	struct conn *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		srv.st.refused++;
		refuse(fd, DPVS_EPERM, "cannot read the peer's credentials");
		return;
	}
	if (!peer_allowed(fd, &cr)) {
		srv.st.refused++;
		if (srv.have_gid)
			snprintf(msg, sizeof(msg), "uid %u is not root nor in "
				 "group %s", cr.uid, srv.group);
		else
			snprintf(msg, sizeof(msg), "uid %u is not root (set "
				 "ctrl.group to let a group in)", cr.uid);
		LOG_NOTICEX("ctrl", "refused pid %d: %s", cr.pid, msg);
		refuse(fd, DPVS_EPERM, msg);
		return;
	}
	if (srv.nconns >= srv.p.max_clients) {
		srv.st.over_limit++;
		refuse(fd, DPVS_EBUSY, "too many control clients (ctrl.max_clients)");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->user = user_get(cr.uid);
	if (!c->user) {
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->uid = cr.uid;
	c->who.id = next_conn_id++;
	c->who.uid = cr.uid;
	c->who.pid = (uint32_t)cr.pid;
	c->last_ms = now_ms();
	ctrl_session_init(&c->s);
	c->s.budget = &c->user->budget;
	if (evloop_add(&c->ev, fd, EPOLLIN, on_conn) < 0) {
		ctrl_session_free(&c->s);
		user_put(c->user);
		free(c);
		close(fd);
		return;
	}
	c->next = srv.conns;
	srv.conns = c;
	srv.nconns++;
	srv.st.accepted++;
}

static void accept_all(void)
{
	for (;;) {
		int fd = accept4(srv.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		accept_one(fd);
	}
}

/* Runs the next buffered request (one: the master's time is sliced). */
static void conn_serve(struct conn *c)
{
	struct ctrl_feed_limits lim = {
		.max_request = srv.p.max_request,
		.out_limit = OUT_HIGH_WATER,
		.max_requests = 1,
	};
	uint64_t before = srv.st.requests;

	current = &c->who;
	c->in_off += ctrl_session_feed_some(&c->s, c->inbuf + c->in_off,
					    c->in_len - c->in_off, &lim, &srv.st);
	current = NULL;
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	if (srv.st.requests != before)
		c->last_ms = now_ms();
}

/* Reads more input; false if the connection must go. */
static bool conn_recv(struct conn *c, bool *again)
{
	ssize_t n;

	do
		n = recv(c->fd, c->inbuf, sizeof(c->inbuf), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	*again = n < 0 && errno == EAGAIN;
	if (*again)
		return true;
	if (n <= 0) {
		if (ctrl_session_partial(&c->s))
			srv.st.truncated++;
		return false;
	}
	c->in_off = 0;
	c->in_len = (size_t)n;
	return true;
}

/*
 * Serves, reads and writes until the client has nothing more for us, or
 * its slice ends at `until`; false if the connection must go.
 */
static bool conn_pump(struct conn *c, uint64_t until)
{
	bool again = false;

	c->s.kicked = false;
	while (can_serve(c) && !again) {
		if (c->in_off < c->in_len)
			conn_serve(c);
		else if (!conn_flush(c) || !conn_recv(c, &again))
			return false;
		if (now_us() >= until)
			break;
	}
	if (!conn_flush(c))
		return false;
	if (c->s.closing && !ctrl_session_unsent(&c->s))
		return false; /* its last words went out */
	conn_interest(c);
	return true;
}

static void conn_event(struct conn *c, uint32_t events, uint64_t until)
{
	/* Gone while we were not reading: nothing to read or answer
	 * (a last write shows whether replies were lost: write_errors). */
	if ((events & (EPOLLHUP | EPOLLERR)) && !(c->ev.events & EPOLLIN)) {
		conn_flush(c);
		conn_close(c);
		return;
	}
	if (!conn_pump(c, until))
		conn_close(c);
}

/* Makes c (whose predecessor is prev) the head of the list. */
static void rotate_to(struct conn *prev, struct conn *c)
{
	struct conn *tail = c;

	if (!prev)
		return;
	while (tail->next)
		tail = tail->next;
	tail->next = srv.conns;
	prev->next = NULL;
	srv.conns = c;
}

/*
 * Serves clients with requests read but not run, and those whose deferred
 * reply arrived, until `until`.  A pass cut short starts at the client it
 * stopped at next time, so no client starves behind busy ones.
 */
static int serve_ready(uint64_t until)
{
	struct conn *c, *next, *prev = NULL;
	uint64_t kicks = ctrl_kicks;
	int n = 0;

	if (!srv.nready && kicks == srv.kicks_seen && !srv.pass_cut)
		return 0;
	srv.kicks_seen = kicks;
	srv.pass_cut = false;
	for (c = srv.conns; c; prev = c, c = next) {
		uint64_t now = now_us();

		next = c->next;
		if (!c->ready && !c->s.kicked)
			continue;
		if (now >= until) {
			rotate_to(prev, c);
			srv.pass_cut = true;
			break;
		}
		n++;
		if (!conn_pump(c, now + CONN_SLICE_US < until ?
				      now + CONN_SLICE_US : until)) {
			conn_close(c);
			c = prev; /* prev stays the predecessor of next */
		}
	}
	return n;
}

const struct ctrl_caller *ctrl_caller(void)
{
	return current;
}

void ctrl_set_close_hook(void (*fn)(uint64_t id))
{
	close_hook = fn;
}

/* Closes clients that sent no complete request for too long. */
static void sweep_idle(void *arg __rte_unused)
{
	uint64_t now = now_ms();
	struct conn *c, *next;

	for (c = srv.conns; c; c = next) {
		next = c->next;
		/* Silent, or not reading its replies: both hold a slot.
		 * Waiting for the workers is ours, not the client's. */
		if (now - c->last_ms < srv.p.client_timeout_ms || c->s.waiting)
			continue;
		srv.st.idle_timeouts++;
		LOG_INFOX("ctrl", "closing idle client (uid %u)", c->uid);
		conn_close(c);
	}
}

/* Requests waiting to run: the master must not sleep. */
static bool ctrl_busy(void)
{
	return srv.listening &&
	       (srv.nready || srv.pass_cut || ctrl_kicks != srv.kicks_seen);
}

static void ctrl_begin(void)
{
	srv.until_us = now_us() + POLL_SLICE_US;
}

static int ctrl_end(void)
{
	return srv.listening ? serve_ready(srv.until_us) : 0;
}

static const struct evloop_service ctrl_service = {
	ctrl_busy, ctrl_begin, ctrl_end,
};

void ctrl_fini(void)
{
	while (srv.conns)
		conn_close(srv.conns);
	core_timer_stop(&srv.sweep);
	if (srv.listening)
		evloop_del(&srv.lev);
	srv.listening = false;
	if (srv.lfd >= 0) {
		close(srv.lfd);
		unlink(srv.path);
	}
	srv.lfd = -1;
}

void ctrl_answer(struct ctrl_deferred *d, struct ctrl_reply *rep)
{
	ctrl_complete(d, rep, &srv.st);
}

void ctrl_get_stats(struct dpvs_ctrl_stats *out)
{
	*out = srv.st;
	out->active = srv.nconns;
	out->buffered = srv.total.used;
}
