/*
 * The control socket server, run by the master lcore.  Never blocks: all
 * sockets are non-blocking and served from one epoll set; the only wait
 * is the bounded epoll timeout the master uses as its idle sleep.
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

#include "ctrl.h"
#include "log.h"

/* Stop reading from a client whose replies pile up beyond this. */
#define OUT_HIGH_WATER (4u << 20)
#define READ_CHUNK 65536

struct conn {
	int fd;
	uint32_t uid;
	uint64_t last_ms;       /* last request, reply progress or accept */
	size_t in_off;          /* unconsumed input: inbuf[in_off, in_len) */
	size_t in_len;
	uint8_t inbuf[READ_CHUNK];
	uint32_t events;        /* epoll interest registered */
	struct ctrl_session s;
	struct conn *next;
};

static struct {
	int lfd;
	int epfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctrl_params p;
	char group[64];
	gid_t gid;
	bool have_gid;
	struct conn *conns;
	unsigned nconns;
	uint64_t last_sweep_ms;
	struct dpvs_ctrl_stats st;
} srv = { .lfd = -1, .epfd = -1 };

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
	if (srv.lfd >= 0 && chown(srv.path, 0, srv.gid) < 0)
		LOG_WARNX("ctrl", "chown %s: %s", srv.path, strerror(errno));
	return 0;
}

int ctrl_set_params(const struct ctrl_params *p)
{
	int rc = resolve_group(p->group);

	srv.p.max_request = p->max_request;
	srv.p.max_clients = p->max_clients;
	srv.p.client_timeout_ms = p->client_timeout_ms;
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

int ctrl_init(const struct ctrl_params *p)
{
	struct epoll_event ev = { .events = EPOLLIN };
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
	srv.epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.ptr = NULL; /* NULL marks the listener */
	if (srv.epfd < 0 || epoll_ctl(srv.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		LOG_ERRX("ctrl", "epoll: %s", strerror(errno));
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

static void conn_close(struct conn *c)
{
	struct conn **pp;

	for (pp = &srv.conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	epoll_ctl(srv.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	ctrl_session_free(&c->s);
	free(c);
	srv.nconns--;
}

/* Root, or a member of ctrl.group (primary or supplementary). */
static bool peer_allowed(const struct ucred *cr)
{
	struct passwd *pw;
	gid_t groups[256];
	int n = 256;

	if (cr->uid == 0)
		return true;
	if (!srv.have_gid)
		return false;
	if (cr->gid == srv.gid)
		return true;
	pw = getpwuid(cr->uid);
	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == srv.gid)
			return true;
	return false;
}

/* Writes what it can; false if the peer is gone. */
static bool conn_flush(struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };

	while (c->s.out_off < c->s.out.len) {
		ssize_t n = send(c->fd, c->s.out.data + c->s.out_off,
				 c->s.out.len - c->s.out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			srv.st.write_errors++;
			return false;
		}
		c->s.out_off += (size_t)n;
		c->last_ms = now_ms();
	}
	if (c->s.out_off == c->s.out.len) {
		c->s.out.len = 0;
		c->s.out_off = 0;
	}
	/*
	 * Held back (input waiting behind unsent replies): stop listening
	 * for input, or level-triggered EPOLLIN would spin the master.
	 */
	ev.events = (c->in_len ? 0 : EPOLLIN) | (c->s.out.len ? EPOLLOUT : 0);
	if (ev.events != c->events) {
		epoll_ctl(srv.epfd, EPOLL_CTL_MOD, c->fd, &ev);
		c->events = ev.events;
	}
	return true;
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
	struct epoll_event ev = { .events = EPOLLIN };
	struct ucred cr = { .pid = 0, .uid = UINT32_MAX, .gid = UINT32_MAX };
	socklen_t len = sizeof(cr);
	char msg[128];
	struct conn *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		srv.st.refused++;
		refuse(fd, DPVS_EPERM, "cannot read the peer's credentials");
		return;
	}
	if (!peer_allowed(&cr)) {
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
	c->fd = fd;
	c->uid = cr.uid;
	c->last_ms = now_ms();
	c->events = EPOLLIN;
	ctrl_session_init(&c->s);
	ev.data.ptr = c;
	if (epoll_ctl(srv.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		ctrl_session_free(&c->s);
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

/* Serves what is buffered; stops while replies are over the high water. */
static void conn_serve(struct conn *c)
{
	uint64_t before = srv.st.requests;

	c->in_off += ctrl_session_feed_limit(&c->s, c->inbuf + c->in_off,
					     c->in_len - c->in_off,
					     srv.p.max_request, OUT_HIGH_WATER,
					     &srv.st);
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	if (srv.st.requests != before)
		c->last_ms = now_ms();
}

/* Reads and serves; false if the connection must go. */
static bool conn_read(struct conn *c)
{
	conn_serve(c);
	while (!c->s.closing && c->in_len == 0 &&
	       c->s.out.len < OUT_HIGH_WATER) {
		ssize_t n = recv(c->fd, c->inbuf, sizeof(c->inbuf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			if (ctrl_session_partial(&c->s))
				srv.st.truncated++;
			return false;
		}
		c->in_len = (size_t)n;
		conn_serve(c);
	}
	return true;
}

static void conn_event(struct conn *c, uint32_t events)
{
	bool alive = true;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		alive = conn_read(c);
	/* Replies already produced still go out before a close. */
	alive = conn_flush(c) && alive;
	/* Drained below the high water: serve what was held back. */
	if (alive && c->in_len && c->s.out.len < OUT_HIGH_WATER) {
		conn_serve(c);
		alive = conn_flush(c);
	}
	if (!alive || (c->s.closing && c->s.out.len == 0))
		conn_close(c);
}

/* Closes clients that sent no complete request for too long. */
static void sweep_idle(void)
{
	uint64_t now = now_ms();
	struct conn *c, *next;

	if (now - srv.last_sweep_ms < 100)
		return;
	srv.last_sweep_ms = now;
	for (c = srv.conns; c; c = next) {
		next = c->next;
		/* Silent, or not reading its replies: both hold a slot. */
		if (now - c->last_ms < srv.p.client_timeout_ms)
			continue;
		srv.st.idle_timeouts++;
		LOG_INFOX("ctrl", "closing idle client (uid %u)", c->uid);
		conn_close(c);
	}
}

/* Marks epoll events of watched fds: nothing to do here but wake up. */
static char watch_mark;

int ctrl_watch_fd(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &watch_mark };

	return srv.epfd < 0 ? -EBADF :
			      epoll_ctl(srv.epfd, EPOLL_CTL_ADD, fd, &ev);
}

void ctrl_unwatch_fd(int fd)
{
	if (srv.epfd >= 0)
		epoll_ctl(srv.epfd, EPOLL_CTL_DEL, fd, NULL);
}

int ctrl_poll(uint32_t wait_us)
{
	struct epoll_event evs[32];
	struct timespec ts = { wait_us / 1000000, (long)(wait_us % 1000000) * 1000 };
	int n;

	if (srv.epfd < 0)
		return 0;
	n = epoll_pwait2(srv.epfd, evs, 32, &ts, NULL);
	for (int i = 0; i < n; i++) {
		if (!evs[i].data.ptr)
			accept_all();
		else if (evs[i].data.ptr != &watch_mark)
			conn_event(evs[i].data.ptr, evs[i].events);
	}
	sweep_idle();
	return n > 0 ? n : 0;
}

void ctrl_fini(void)
{
	while (srv.conns)
		conn_close(srv.conns);
	if (srv.lfd >= 0) {
		close(srv.lfd);
		unlink(srv.path);
	}
	if (srv.epfd >= 0)
		close(srv.epfd);
	srv.lfd = srv.epfd = -1;
}

void ctrl_get_stats(struct dpvs_ctrl_stats *out)
{
	*out = srv.st;
	out->active = srv.nconns;
}
