/*
 * libdpvs: the connection to the control socket, the framing of a call
 * and the reconnect after a call that broke the stream.
 */
#include "lib_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dpvs_ops.h"
#include "wire.h"

/*
 * Requests a batch keeps in flight.  Their replies (an error frame at
 * most) stay far below the 4 MiB dpvs buffers before it stops reading
 * (ctrl_server.c's OUT_HIGH_WATER), so neither side ever waits on a full
 * socket for the other: no deadlock, whatever the batch's size.
 */
#define BATCH_WINDOW 128

struct batch {
	bool on;
	dpvs_batch_fn fn;
	void *arg;
	/* The requests in flight, oldest first (a failed send took a seq). */
	struct { uint32_t op, seq; } fly[BATCH_WINDOW];
	uint32_t head, n;
	uint64_t next;          /* index of the next request queued */
	unsigned failed;
};

struct dpvs_handle {
	int fd;                 /* -1: dropped after a broken call */
	bool in_sync;           /* the last reply was read to its end */
	uint32_t seq;
	size_t max_reply;
	int timeout_ms;
	char errmsg[DPVS_WIRE_MSG_MAX + 1];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct batch b;
};

int libdpvs_fail(struct dpvs_handle *h, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	return status;
}

void libdpvs_clear_error(struct dpvs_handle *h)
{
	h->errmsg[0] = '\0';
}

/* A connected socket in *fd, or a status with errno saying why. */
static int open_socket(const char *path, int *fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int e;

	strcpy(sa.sun_path, path);
	*fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return DPVS_EIO;
	if (connect(*fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return DPVS_OK;
	e = errno;
	close(*fd);
	*fd = -1;
	errno = e; /* callers may print strerror(errno) */
	return e == EACCES ? DPVS_EPERM : DPVS_EIO;
}

int dpvs_connect(const char *path, struct dpvs_handle **out)
{
	struct dpvs_handle *h;
	int rc, e;

	*out = NULL;
	if (!path)
		path = DPVS_DEFAULT_IPC;
	if (strlen(path) >= sizeof(h->path))
		return DPVS_EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return DPVS_ENOMEM;
	h->max_reply = 256u << 20;
	h->timeout_ms = 10000;
	strcpy(h->path, path);
	rc = open_socket(path, &h->fd);
	if (rc) {
		e = errno;
		free(h);
		errno = e;
		return rc;
	}
	*out = h;
	return DPVS_OK;
}

void dpvs_close(struct dpvs_handle *h)
{
	if (!h)
		return;
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}

/* -1 between a broken call and the next one, which reconnects. */
int dpvs_handle_fd(const struct dpvs_handle *h)
{
	return h ? h->fd : -1;
}

const char *dpvs_errmsg(const struct dpvs_handle *h)
{
	return h ? h->errmsg : "";
}

void dpvs_set_max_reply(struct dpvs_handle *h, size_t max)
{
	h->max_reply = max;
}

void dpvs_set_timeout(struct dpvs_handle *h, int timeout_ms)
{
	h->timeout_ms = timeout_ms;
}

static int wait_fd(struct dpvs_handle *h, short events)
{
	struct pollfd p = { .fd = h->fd, .events = events };
	int n;

	do
		n = poll(&p, 1, h->timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return libdpvs_fail(h, DPVS_ETIMEDOUT,
				    "no answer from dpvs within %d ms",
				    h->timeout_ms);
	if (n < 0)
		return libdpvs_fail(h, DPVS_EIO, "poll: %s", strerror(errno));
	return DPVS_OK;
}

static int send_all(struct dpvs_handle *h, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	int rc;

	while (len) {
		ssize_t n = send(h->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			rc = wait_fd(h, POLLOUT);
			if (rc)
				return rc;
			continue;
		}
		if (n < 0)
			return libdpvs_fail(h, DPVS_EIO, "send to dpvs: %s",
					    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return DPVS_OK;
}

static int recv_all(struct dpvs_handle *h, void *buf, size_t len)
{
	uint8_t *p = buf;
	int rc;

	while (len) {
		ssize_t n = recv(h->fd, p, len, MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			rc = wait_fd(h, POLLIN);
			if (rc)
				return rc;
			continue;
		}
		if (n == 0)
			return libdpvs_fail(h, DPVS_EIO,
					    "dpvs closed the connection");
		if (n < 0)
			return libdpvs_fail(h, DPVS_EIO, "recv from dpvs: %s",
					    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return DPVS_OK;
}

static int send_request(struct dpvs_handle *h, uint32_t op, const void *req,
			size_t req_len)
{
	uint8_t hdr[DPVS_WIRE_HDR_LEN];
	struct wire_hdr wh = {
		.magic = DPVS_WIRE_MAGIC,
		.version = DPVS_WIRE_VERSION,
		.op = op,
		.seq = ++h->seq,
		.len = (uint32_t)req_len,
	};
	int rc;

	if (req_len > UINT32_MAX)
		return libdpvs_fail(h, DPVS_ETOOBIG, "request of %zu bytes",
				    req_len);
	wire_hdr_encode(hdr, &wh);
	rc = send_all(h, hdr, sizeof(hdr));
	return rc ? rc : send_all(h, req, req_len);
}

/* Reads the error frame's message into errmsg. */
static int recv_error(struct dpvs_handle *h, const struct wire_hdr *wh)
{
	char msg[DPVS_WIRE_MSG_MAX + 1];
	uint32_t n = wh->len < DPVS_WIRE_MSG_MAX ? wh->len : DPVS_WIRE_MSG_MAX;
	int rc;

	if (wh->len > DPVS_WIRE_MSG_MAX || (wh->flags & DPVS_WF_MORE))
		return libdpvs_fail(h, DPVS_EPROTO, "malformed error reply");
	rc = recv_all(h, msg, n);
	if (rc)
		return rc;
	h->in_sync = true;
	msg[n] = '\0';
	/* Its words are in a version we may not read: ours say what to do. */
	if (wh->version != DPVS_WIRE_VERSION) {
		h->in_sync = false;
		wire_version_refusal(h->errmsg, sizeof(h->errmsg), wh->version);
		return DPVS_EVERSION;
	}
	if (wh->status >= DPVS_STATUS_MAX)
		return libdpvs_fail(h, DPVS_EPROTO, "unknown status %u: %s",
				    wh->status, msg);
	snprintf(h->errmsg, sizeof(h->errmsg), "%s",
		 n ? msg : dpvs_strerror((int)wh->status));
	return (int)wh->status;
}

static int recv_reply(struct dpvs_handle *h, uint32_t op, uint32_t seq,
		      struct wbuf *out)
{
	uint8_t hdr[DPVS_WIRE_HDR_LEN];
	uint8_t chunk[DPVS_WIRE_CHUNK_MAX];
	struct wire_hdr wh;
	enum wire_verdict v;
	int rc;

	do {
		rc = recv_all(h, hdr, sizeof(hdr));
		if (rc)
			return rc;
		wire_hdr_decode(hdr, &wh);
		v = wire_reply_check(&wh, seq);
		if (v != WIRE_OK || (wh.op != op && wh.seq != 0))
			return libdpvs_fail(h, DPVS_EPROTO,
					    "bad reply from dpvs: %s",
					    v != WIRE_OK ? wire_verdict_str(v) :
							   "operation mismatch");
		if (wh.status != DPVS_OK)
			return recv_error(h, &wh);
		if (out->len + wh.len > h->max_reply)
			return libdpvs_fail(h, DPVS_ETOOBIG,
					    "reply over %zu bytes", h->max_reply);
		rc = recv_all(h, chunk, wh.len);
		if (rc)
			return rc;
		wb_bytes(out, chunk, wh.len);
		if (out->err)
			return libdpvs_fail(h, DPVS_ENOMEM,
					    "reply of %zu bytes", out->len);
	} while (wh.flags & DPVS_WF_MORE);
	h->in_sync = true;
	return DPVS_OK;
}

/*
 * The server may have refused the connection (seq 0 error frame) and
 * closed it before our request went out; report its reason, not EPIPE.
 */
static int refusal_or(struct dpvs_handle *h, int rc)
{
	uint8_t hdr[DPVS_WIRE_HDR_LEN];
	char msg[DPVS_WIRE_MSG_MAX + 1];
	struct wire_hdr wh;
	ssize_t n = recv(h->fd, hdr, sizeof(hdr), MSG_DONTWAIT | MSG_PEEK);

	if (n != (ssize_t)sizeof(hdr))
		return rc;
	wire_hdr_decode(hdr, &wh);
	if (wire_reply_check(&wh, 0) != WIRE_OK || wh.seq != 0 ||
	    wh.len > DPVS_WIRE_MSG_MAX || wh.status >= DPVS_STATUS_MAX)
		return rc;
	n = recv(h->fd, hdr, sizeof(hdr), MSG_DONTWAIT);
	n = recv(h->fd, msg, wh.len, MSG_DONTWAIT);
	msg[n > 0 ? n : 0] = '\0';
	if (wh.version != DPVS_WIRE_VERSION) {
		wire_version_refusal(msg, sizeof(msg), wh.version);
		return libdpvs_fail(h, DPVS_EVERSION, "%s", msg);
	}
	return libdpvs_fail(h, (int)wh.status, "%s", msg);
}

/*
 * A call that did not read its reply to the end (timeout, daemon gone,
 * garbage, a reply too big) leaves the stream at an unknown point: a late
 * reply would be taken for the next call's.  The connection is dropped
 * and the next call opens a new one.
 */
static void drop_connection(struct dpvs_handle *h)
{
	close(h->fd);
	h->fd = -1;
}

static int reconnect(struct dpvs_handle *h)
{
	int rc = open_socket(h->path, &h->fd);

	return rc ? libdpvs_fail(h, rc, "reconnecting to dpvs at %s: %s",
				 h->path, strerror(errno)) : DPVS_OK;
}

/* ---- batches: many requests sent before their replies are read ---- */

/* Hands the oldest request in flight its status. */
static void batch_report(struct dpvs_handle *h, int status)
{
	struct batch *b = &h->b;
	uint32_t op = b->fly[b->head].op;
	uint64_t index = b->next - b->n;

	b->head = (b->head + 1) % BATCH_WINDOW;
	b->n--;
	if (status)
		b->failed++;
	b->fn(b->arg, index, op, status, status ? h->errmsg : "");
}

/* The connection broke: whether the rest were applied is not known. */
static void batch_fail_rest(struct dpvs_handle *h, int status)
{
	while (h->b.n)
		batch_report(h, status);
}

/* Reads the oldest reply; a broken stream fails every one in flight. */
static void batch_collect(struct dpvs_handle *h)
{
	struct wbuf out;
	int rc;

	h->errmsg[0] = '\0';
	h->in_sync = false;
	wb_init(&out);
	rc = recv_reply(h, h->b.fly[h->b.head].op, h->b.fly[h->b.head].seq,
			&out);
	wb_free(&out);
	if (h->in_sync) {
		batch_report(h, rc);
		return;
	}
	drop_connection(h);
	batch_fail_rest(h, rc ? rc : DPVS_EPROTO);
}

static void batch_drain(struct dpvs_handle *h)
{
	while (h->b.n)
		batch_collect(h);
}

/* DPVS_OK: sent, its status comes to the batch's function. */
static int batch_send(struct dpvs_handle *h, uint32_t op, const void *req,
		      size_t req_len)
{
	struct batch *b = &h->b;
	int rc;

	if (b->n == BATCH_WINDOW)
		batch_collect(h);
	h->errmsg[0] = '\0';
	if (h->fd < 0 && (rc = reconnect(h)))
		return rc;
	rc = send_request(h, op, req, req_len);
	if (rc) {
		/* Those in flight may have been answered before it broke. */
		rc = b->n ? rc : refusal_or(h, rc);
		batch_drain(h);
		if (h->fd >= 0)
			drop_connection(h);
		return rc;
	}
	b->fly[(b->head + b->n) % BATCH_WINDOW].op = op;
	b->fly[(b->head + b->n) % BATCH_WINDOW].seq = h->seq;
	b->n++;
	b->next++;
	return DPVS_OK;
}

int dpvs_batch_begin(struct dpvs_handle *h, dpvs_batch_fn fn, void *arg)
{
	if (h->b.on || !fn)
		return libdpvs_fail(h, DPVS_EINVAL, h->b.on ?
				    "a batch is open already" :
				    "a batch needs a function for its statuses");
	memset(&h->b, 0, sizeof(h->b));
	h->b.on = true;
	h->b.fn = fn;
	h->b.arg = arg;
	return DPVS_OK;
}

unsigned dpvs_batch_end(struct dpvs_handle *h)
{
	batch_drain(h);
	h->b.on = false;
	return h->b.failed;
}

int dpvs_call(struct dpvs_handle *h, uint32_t op, const void *req,
	      size_t req_len, void **reply, size_t *reply_len)
{
	struct wbuf out;
	int rc;

	if (h->b.on && !reply)
		return batch_send(h, op, req, req_len);
	batch_drain(h);         /* a reply wanted: the batch's come first */
	h->errmsg[0] = '\0';
	if (reply)
		*reply = NULL;
	if (reply_len)
		*reply_len = 0;
	if (h->fd < 0 && (rc = reconnect(h)))
		return rc;
	h->in_sync = false;
	rc = send_request(h, op, req, req_len);
	if (rc) {
		rc = refusal_or(h, rc);
		drop_connection(h);
		return rc;
	}
	wb_init(&out);
	rc = recv_reply(h, op, h->seq, &out);
	if (!h->in_sync)
		drop_connection(h);
	if (rc || !reply) {
		wb_free(&out);
		return rc;
	}
	*reply = out.data;
	if (reply_len)
		*reply_len = out.len;
	return DPVS_OK;
}
