/* libdpvs: client side of the control socket. */
#include "libdpvs.h"

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

struct dpvs_handle {
	int fd;                 /* -1: dropped after a broken call */
	bool in_sync;           /* the last reply was read to its end */
	uint32_t seq;
	size_t max_reply;
	int timeout_ms;
	char errmsg[DPVS_WIRE_MSG_MAX + 1];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static int fail(struct dpvs_handle *h, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->errmsg, sizeof(h->errmsg), fmt, ap);
	va_end(ap);
	return status;
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
		return fail(h, DPVS_ETIMEDOUT, "no answer from dpvs within %d ms",
			    h->timeout_ms);
	if (n < 0)
		return fail(h, DPVS_EIO, "poll: %s", strerror(errno));
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
			return fail(h, DPVS_EIO, "send to dpvs: %s", strerror(errno));
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
			return fail(h, DPVS_EIO, "dpvs closed the connection");
		if (n < 0)
			return fail(h, DPVS_EIO, "recv from dpvs: %s", strerror(errno));
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
		return fail(h, DPVS_ETOOBIG, "request of %zu bytes", req_len);
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
		return fail(h, DPVS_EPROTO, "malformed error reply");
	rc = recv_all(h, msg, n);
	if (rc)
		return rc;
	h->in_sync = true;
	msg[n] = '\0';
	if (wh->status >= DPVS_STATUS_MAX)
		return fail(h, DPVS_EPROTO, "unknown status %u: %s", wh->status,
			    msg);
	snprintf(h->errmsg, sizeof(h->errmsg), "%s",
		 n ? msg : dpvs_strerror((int)wh->status));
	return (int)wh->status;
}

static int recv_reply(struct dpvs_handle *h, uint32_t op, struct wbuf *out)
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
		v = wire_reply_check(&wh, h->seq);
		if (v != WIRE_OK || (wh.op != op && wh.seq != 0))
			return fail(h, DPVS_EPROTO, "bad reply from dpvs: %s",
				    v != WIRE_OK ? wire_verdict_str(v) :
						   "operation mismatch");
		if (wh.status != DPVS_OK)
			return recv_error(h, &wh);
		if (out->len + wh.len > h->max_reply)
			return fail(h, DPVS_ETOOBIG, "reply over %zu bytes",
				    h->max_reply);
		rc = recv_all(h, chunk, wh.len);
		if (rc)
			return rc;
		wb_bytes(out, chunk, wh.len);
		if (out->err)
			return fail(h, DPVS_ENOMEM, "reply of %zu bytes", out->len);
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
	return fail(h, (int)wh.status, "%s", msg);
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

	return rc ? fail(h, rc, "reconnecting to dpvs at %s: %s", h->path,
			 strerror(errno)) : DPVS_OK;
}

int dpvs_call(struct dpvs_handle *h, uint32_t op, const void *req,
	      size_t req_len, void **reply, size_t *reply_len)
{
	struct wbuf out;
	int rc;

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
	rc = recv_reply(h, op, &out);
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

/* ---- typed calls ---- */

int dpvs_get_version(struct dpvs_handle *h, struct dpvs_version_info *v)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_VERSION, NULL, 0, &buf, &len);

	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = wire_dec_version(&b, v);
	free(buf);
	if (rc == DPVS_OK && !rb_done(&b))
		rc = DPVS_EPROTO;
	return rc ? fail(h, rc, "malformed version reply") : DPVS_OK;
}

typedef int (*rec_dec_fn)(struct rbuf *b, void *rec);

/*
 * Decodes one "u32 count, count records of rec_len bytes" from b into a
 * malloc'd array, checking the count against the bytes present first.
 */
static int dec_list(struct rbuf *b, size_t rec_len, size_t rec_size,
		    rec_dec_fn dec, void **out, size_t *n)
{
	uint32_t count = rb_u32(b);
	uint8_t *arr;

	*out = NULL;
	*n = 0;
	if (b->err || rb_left(b) < (size_t)count * rec_len)
		return DPVS_EPROTO;
	arr = calloc(count ? count : 1, rec_size);
	if (!arr)
		return DPVS_ENOMEM;
	for (uint32_t i = 0; i < count; i++)
		if (dec(b, arr + i * rec_size) != DPVS_OK) {
			free(arr);
			return DPVS_EPROTO;
		}
	*out = arr;
	*n = count;
	return DPVS_OK;
}

/* A reply that is exactly one list. */
static int get_list_req(struct dpvs_handle *h, uint32_t op, const void *req,
			size_t req_len, size_t rec_len, size_t rec_size,
			rec_dec_fn dec, void **out, size_t *n)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, op, req, req_len, &buf, &len);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = dec_list(&b, rec_len, rec_size, dec, out, n);
	if (rc == DPVS_OK && !rb_done(&b)) {
		free(*out);
		*out = NULL;
		*n = 0;
		rc = DPVS_EPROTO;
	}
	free(buf);
	return rc ? fail(h, rc, "malformed list reply") : DPVS_OK;
}

static int get_list(struct dpvs_handle *h, uint32_t op, size_t rec_len,
		    size_t rec_size, rec_dec_fn dec, void **out, size_t *n)
{
	return get_list_req(h, op, NULL, 0, rec_len, rec_size, dec, out, n);
}

static int dec_lcore(struct rbuf *b, void *rec)
{
	return wire_dec_lcore(b, rec);
}

static int dec_msgbus(struct rbuf *b, void *rec)
{
	return wire_dec_msgbus(b, rec);
}

int dpvs_get_lcores(struct dpvs_handle *h, struct dpvs_lcore_info **out,
		    size_t *n)
{
	return get_list(h, DPVS_OP_LCORES, WIRE_LCORE_REC_LEN,
			sizeof(**out), dec_lcore, (void **)out, n);
}

int dpvs_get_msgbus_stats(struct dpvs_handle *h,
			  struct dpvs_msgbus_stats **out, size_t *n)
{
	return get_list(h, DPVS_OP_MSGBUS_STATS, WIRE_MSGBUS_REC_LEN,
			sizeof(**out), dec_msgbus, (void **)out, n);
}

static int dec_resource(struct rbuf *b, void *rec)
{
	return wire_dec_resource(b, rec);
}

int dpvs_get_resources(struct dpvs_handle *h, struct dpvs_resource **out,
		       size_t *n)
{
	return get_list(h, DPVS_OP_RESOURCES, WIRE_RES_REC_LEN, sizeof(**out),
			dec_resource, (void **)out, n);
}

static int ctrl_stats_call(struct dpvs_handle *h, uint32_t flags,
			   struct dpvs_ctrl_stats *s)
{
	uint8_t req[4] = { flags >> 24, flags >> 16, flags >> 8, flags };
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_CTRL_STATS, req, flags ? 4 : 0, &buf,
			   &len);

	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = wire_dec_ctrl_stats(&b, s);
	free(buf);
	if (rc == DPVS_OK && !rb_done(&b))
		rc = DPVS_EPROTO;
	return rc ? fail(h, rc, "malformed ctrl stats reply") : DPVS_OK;
}

int dpvs_get_ctrl_stats(struct dpvs_handle *h, struct dpvs_ctrl_stats *s)
{
	return ctrl_stats_call(h, 0, s);
}

int dpvs_reset_ctrl_stats(struct dpvs_handle *h, struct dpvs_ctrl_stats *s)
{
	return ctrl_stats_call(h, DPVS_CTRL_STATS_RESET, s);
}

int dpvs_reload(struct dpvs_handle *h, char **summary)
{
	void *buf;
	size_t len;
	char *s;
	int rc = dpvs_call(h, DPVS_OP_RELOAD, NULL, 0, &buf, &len);

	if (summary)
		*summary = NULL;
	if (rc)
		return rc;
	s = malloc(len + 1);
	if (!s) {
		free(buf);
		return fail(h, DPVS_ENOMEM, "reload summary");
	}
	if (len)
		memcpy(s, buf, len);
	s[len] = '\0';
	free(buf);
	if (summary)
		*summary = s;
	else
		free(s);
	return DPVS_OK;
}

static const char *const level_names[] = { "emerg", "alert", "crit",
					   "err", "warning", "notice",
					   "info", "debug" };

int dpvs_set_log_level(struct dpvs_handle *h, const char *level)
{
	struct wbuf b;
	int lvl = -1, rc;

	for (int i = 0; i < 8; i++)
		if (!strcasecmp(level, level_names[i]))
			lvl = i;
	if (lvl < 0 && level[0] >= '0' && level[0] <= '7' && !level[1])
		lvl = level[0] - '0';
	if (lvl < 0)
		return fail(h, DPVS_EINVAL,
			    "unknown log level '%s' (emerg alert crit err "
			    "warning notice info debug, or 0-7)", level);
	wb_init(&b);
	wb_u32(&b, (uint32_t)lvl);
	rc = b.err ? DPVS_ENOMEM :
		     dpvs_call(h, DPVS_OP_LOG_LEVEL, b.data, b.len, NULL, NULL);
	wb_free(&b);
	return rc;
}

int dpvs_msgbus_ping(struct dpvs_handle *h, uint32_t count, uint32_t *replies)
{
	struct wbuf b;
	struct rbuf r;
	void *buf = NULL;
	size_t len = 0;
	int rc;

	wb_init(&b);
	wb_u32(&b, count);
	rc = b.err ? DPVS_ENOMEM :
		     dpvs_call(h, DPVS_OP_MSGBUS_PING, b.data, b.len, &buf, &len);
	wb_free(&b);
	if (rc)
		return rc;
	rb_init(&r, buf, len);
	*replies = rb_u32(&r);
	rc = rb_done(&r) ? DPVS_OK : fail(h, DPVS_EPROTO, "malformed ping reply");
	free(buf);
	return rc;
}

int dpvs_echo(struct dpvs_handle *h, uint32_t size)
{
	struct wbuf b;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	wb_init(&b);
	wb_u32(&b, size);
	rc = b.err ? DPVS_ENOMEM :
		     dpvs_call(h, DPVS_OP_ECHO, b.data, b.len, (void **)&buf, &len);
	wb_free(&b);
	if (rc)
		return rc;
	if (len != size)
		rc = fail(h, DPVS_EPROTO, "echo: %zu bytes, expected %u", len, size);
	for (uint32_t i = 0; rc == DPVS_OK && i < size; i++)
		if (buf[i] != dpvs_echo_byte(i))
			rc = fail(h, DPVS_EPROTO, "echo: wrong byte at %u", i);
	free(buf);
	return rc;
}

/* ---- network stack (dpip) ---- */

static int dec_link(struct rbuf *b, void *rec)
{
	return wire_dec_link(b, rec);
}

static int dec_counter(struct rbuf *b, void *rec)
{
	return wire_dec_counter(b, rec);
}

static int dec_addr(struct rbuf *b, void *rec)
{
	return wire_dec_addr(b, rec);
}

static int dec_route(struct rbuf *b, void *rec)
{
	return wire_dec_route(b, rec);
}

static int dec_neigh(struct rbuf *b, void *rec)
{
	return wire_dec_neigh(b, rec);
}

int dpvs_link_list(struct dpvs_handle *h, struct dpvs_link_info **out,
		   size_t *n)
{
	return get_list(h, DPVS_OP_LINK_LIST, WIRE_LINK_REC_LEN,
			sizeof(**out), dec_link, (void **)out, n);
}

int dpvs_pkt_stats(struct dpvs_handle *h, struct dpvs_counter **out,
		   size_t *n)
{
	return get_list(h, DPVS_OP_PKT_STATS, WIRE_COUNTER_REC_LEN,
			sizeof(**out), dec_counter, (void **)out, n);
}

int dpvs_addr_list(struct dpvs_handle *h, struct dpvs_addr **out, size_t *n)
{
	return get_list(h, DPVS_OP_ADDR_LIST, WIRE_ADDR_REC_LEN,
			sizeof(**out), dec_addr, (void **)out, n);
}

int dpvs_route_list(struct dpvs_handle *h, struct dpvs_route **out,
		    size_t *n)
{
	return get_list(h, DPVS_OP_ROUTE_LIST, WIRE_ROUTE_REC_LEN,
			sizeof(**out), dec_route, (void **)out, n);
}

int dpvs_neigh_list(struct dpvs_handle *h, struct dpvs_neigh **out,
		    size_t *n)
{
	return get_list(h, DPVS_OP_NEIGH_LIST, WIRE_NEIGH_REC_LEN,
			sizeof(**out), dec_neigh, (void **)out, n);
}

/*
 * An interface name must be at most DPVS_IFNAME_MAX bytes and NUL ended;
 * empty only where the daemon does not look at it (!required).
 */
static int check_ifname(struct dpvs_handle *h, const char *what,
			const char *ifname, bool required)
{
	size_t len = ifname ? strnlen(ifname, DPVS_IFNAME_MAX + 1) : 0;

	h->errmsg[0] = '\0';
	if (len == 0 && required)
		return fail(h, DPVS_EINVAL, "%s: no interface name", what);
	if (len > DPVS_IFNAME_MAX)
		return fail(h, DPVS_EINVAL,
			    "%s: interface name longer than %d bytes", what,
			    DPVS_IFNAME_MAX);
	return DPVS_OK;
}

static int check_plen(struct dpvs_handle *h, const char *what, uint8_t plen)
{
	if (plen > 32)
		return fail(h, DPVS_EINVAL, "%s: prefix length %u over 32", what,
			    plen);
	return DPVS_OK;
}

/* Sends the record in b as the payload of op; the reply is empty. */
static int call_rec(struct dpvs_handle *h, uint32_t op, struct wbuf *b)
{
	int rc = b->err ? fail(h, DPVS_ENOMEM, "request record") :
			  dpvs_call(h, op, b->data, b->len, NULL, NULL);

	wb_free(b);
	return rc;
}

static int addr_call(struct dpvs_handle *h, uint32_t op, const char *what,
		     const struct dpvs_addr *a)
{
	struct wbuf b;
	int rc = check_ifname(h, what, a->ifname, true);

	if (rc == DPVS_OK)
		rc = check_plen(h, what, a->plen);
	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_addr(&b, a);
	return call_rec(h, op, &b);
}

int dpvs_addr_add(struct dpvs_handle *h, const struct dpvs_addr *a)
{
	return addr_call(h, DPVS_OP_ADDR_ADD, "addr add", a);
}

int dpvs_addr_del(struct dpvs_handle *h, const struct dpvs_addr *a)
{
	return addr_call(h, DPVS_OP_ADDR_DEL, "addr del", a);
}

/* A route is deleted by prefix alone: dev and type are not needed. */
static int route_call(struct dpvs_handle *h, uint32_t op, const char *what,
		      const struct dpvs_route *r)
{
	bool add = op == DPVS_OP_ROUTE_ADD;
	struct wbuf b;
	int rc = check_ifname(h, what, r->ifname, add);

	if (rc == DPVS_OK)
		rc = check_plen(h, what, r->plen);
	if (rc)
		return rc;
	if (add && (r->type < DPVS_RT_LOCAL || r->type > DPVS_RT_KNI))
		return fail(h, DPVS_EINVAL, "%s: unknown route type %u", what,
			    r->type);
	wb_init(&b);
	wire_enc_route(&b, r);
	return call_rec(h, op, &b);
}

int dpvs_route_add(struct dpvs_handle *h, const struct dpvs_route *r)
{
	return route_call(h, DPVS_OP_ROUTE_ADD, "route add", r);
}

int dpvs_route_del(struct dpvs_handle *h, const struct dpvs_route *r)
{
	return route_call(h, DPVS_OP_ROUTE_DEL, "route del", r);
}

static int neigh_call(struct dpvs_handle *h, uint32_t op, const char *what,
		      const struct dpvs_neigh *nb)
{
	struct wbuf b;
	int rc = check_ifname(h, what, nb->ifname, true);

	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_neigh(&b, nb);
	return call_rec(h, op, &b);
}

int dpvs_neigh_add(struct dpvs_handle *h, const struct dpvs_neigh *nb)
{
	return neigh_call(h, DPVS_OP_NEIGH_ADD, "neigh add", nb);
}

int dpvs_neigh_del(struct dpvs_handle *h, const struct dpvs_neigh *nb)
{
	return neigh_call(h, DPVS_OP_NEIGH_DEL, "neigh del", nb);
}

int dpvs_garp(struct dpvs_handle *h, const char *ifname, uint32_t ip)
{
	struct dpvs_addr a;
	int rc = check_ifname(h, "garp", ifname, true);

	if (rc)
		return rc;
	memset(&a, 0, sizeof(a));
	memcpy(a.ifname, ifname, strlen(ifname));
	a.addr = ip;
	return addr_call(h, DPVS_OP_GARP, "garp", &a);
}

int dpvs_pkt_stats_lcore(struct dpvs_handle *h, uint32_t lcore,
			 struct dpvs_counter **out, size_t *n)
{
	struct wbuf b;
	int rc;

	wb_init(&b);
	wb_u32(&b, lcore);
	rc = b.err ? DPVS_ENOMEM :
		     get_list_req(h, DPVS_OP_PKT_STATS, b.data, b.len,
				  WIRE_COUNTER_REC_LEN, sizeof(**out), dec_counter,
				  (void **)out, n);
	wb_free(&b);
	return rc;
}

int dpvs_link_xstats(struct dpvs_handle *h, const char *ifname,
		     struct dpvs_counter **out, size_t *n)
{
	struct wbuf b;
	int rc;

	*out = NULL;
	*n = 0;
	if (!ifname || !*ifname || strlen(ifname) > DPVS_IFNAME_MAX)
		return fail(h, DPVS_EINVAL, "bad device name");
	wb_init(&b);
	wb_str(&b, ifname, DPVS_IFNAME_MAX);
	rc = b.err ? DPVS_ENOMEM :
		     get_list_req(h, DPVS_OP_LINK_XSTATS, b.data, b.len,
				  WIRE_COUNTER_REC_LEN, sizeof(**out), dec_counter,
				  (void **)out, n);
	wb_free(&b);
	return rc;
}

/* ---- load balancing (dpvsadm) ---- */

static int dec_svc(struct rbuf *b, void *rec)
{
	return wire_dec_svc(b, rec);
}

static int dec_dest(struct rbuf *b, void *rec)
{
	return wire_dec_dest(b, rec);
}

static int dec_laddr(struct rbuf *b, void *rec)
{
	return wire_dec_laddr(b, rec);
}

static int dec_conn(struct rbuf *b, void *rec)
{
	return wire_dec_conn(b, rec);
}

#define SVC_F_KNOWN (DPVS_SVC_F_PERSISTENT | DPVS_SVC_F_SCHED_FALLBACK | \
		     DPVS_SVC_F_SCHED_PORT)

/* The (proto, vip, vport) key every load-balancing record starts with. */
static int check_key(struct dpvs_handle *h, const char *what, uint8_t proto,
		     uint32_t vip)
{
	h->errmsg[0] = '\0';
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return fail(h, DPVS_EINVAL, "%s: protocol %u is not TCP (%u) "
			    "nor UDP (%u)", what, proto, IPPROTO_TCP,
			    IPPROTO_UDP);
	if (vip == 0)
		return fail(h, DPVS_EINVAL, "%s: no virtual address", what);
	return DPVS_OK;
}

static int check_svc(struct dpvs_handle *h, const char *what,
		     const struct dpvs_service *s)
{
	int rc = check_key(h, what, s->proto, s->vip);

	if (rc)
		return rc;
	if (strnlen(s->sched, sizeof(s->sched)) > DPVS_SCHED_NAME_MAX)
		return fail(h, DPVS_EINVAL, "%s: scheduler name longer than %d "
			    "bytes", what, DPVS_SCHED_NAME_MAX);
	if (s->flags & ~(uint32_t)SVC_F_KNOWN)
		return fail(h, DPVS_EINVAL, "%s: unknown service flags 0x%x",
			    what, s->flags & ~(uint32_t)SVC_F_KNOWN);
	return DPVS_OK;
}

/* A service is deleted by its key alone: only that is checked. */
static int svc_call(struct dpvs_handle *h, uint32_t op, const char *what,
		    const struct dpvs_service *s)
{
	struct wbuf b;
	int rc = op == DPVS_OP_SVC_DEL ? check_key(h, what, s->proto, s->vip) :
					 check_svc(h, what, s);

	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_svc(&b, s);
	return call_rec(h, op, &b);
}

int dpvs_svc_add(struct dpvs_handle *h, const struct dpvs_service *s)
{
	return svc_call(h, DPVS_OP_SVC_ADD, "add service", s);
}

int dpvs_svc_edit(struct dpvs_handle *h, const struct dpvs_service *s)
{
	return svc_call(h, DPVS_OP_SVC_EDIT, "edit service", s);
}

int dpvs_svc_del(struct dpvs_handle *h, const struct dpvs_service *s)
{
	return svc_call(h, DPVS_OP_SVC_DEL, "delete service", s);
}

int dpvs_svc_list(struct dpvs_handle *h, struct dpvs_service **out, size_t *n)
{
	return get_list(h, DPVS_OP_SVC_LIST, WIRE_SVC_REC_LEN, sizeof(**out),
			dec_svc, (void **)out, n);
}

int dpvs_svc_flush(struct dpvs_handle *h)
{
	return dpvs_call(h, DPVS_OP_SVC_FLUSH, NULL, 0, NULL, NULL);
}

/* A real server is deleted by its key and address:port alone. */
static int dest_call(struct dpvs_handle *h, uint32_t op, const char *what,
		     const struct dpvs_dest *d)
{
	struct wbuf b;
	int rc = check_key(h, what, d->proto, d->vip);

	if (rc)
		return rc;
	if (d->addr == 0)
		return fail(h, DPVS_EINVAL, "%s: no real-server address", what);
	if (op != DPVS_OP_DEST_DEL) {
		if (d->fwd < DPVS_FWD_FNAT || d->fwd > DPVS_FWD_TUN)
			return fail(h, DPVS_EINVAL, "%s: unknown forwarding "
				    "method %u", what, d->fwd);
		if (d->weight < 0)
			return fail(h, DPVS_EINVAL, "%s: negative weight %d",
				    what, d->weight);
		if (d->u_thresh && d->l_thresh > d->u_thresh)
			return fail(h, DPVS_EINVAL, "%s: lower threshold %u "
				    "above upper threshold %u", what,
				    d->l_thresh, d->u_thresh);
	}
	wb_init(&b);
	wire_enc_dest(&b, d);
	return call_rec(h, op, &b);
}

int dpvs_dest_add(struct dpvs_handle *h, const struct dpvs_dest *d)
{
	return dest_call(h, DPVS_OP_DEST_ADD, "add real server", d);
}

int dpvs_dest_edit(struct dpvs_handle *h, const struct dpvs_dest *d)
{
	return dest_call(h, DPVS_OP_DEST_EDIT, "edit real server", d);
}

int dpvs_dest_del(struct dpvs_handle *h, const struct dpvs_dest *d)
{
	return dest_call(h, DPVS_OP_DEST_DEL, "delete real server", d);
}

/*
 * A list narrowed to one service carries that service's record as the
 * request; a list of everything carries nothing.
 */
static int svc_filtered_list(struct dpvs_handle *h, uint32_t op,
			     const char *what, const struct dpvs_service *svc,
			     size_t rec_len, size_t rec_size, rec_dec_fn dec,
			     void **out, size_t *n)
{
	struct wbuf b;
	int rc;

	*out = NULL;
	*n = 0;
	if (!svc)
		return get_list(h, op, rec_len, rec_size, dec, out, n);
	rc = check_key(h, what, svc->proto, svc->vip);
	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_svc(&b, svc);
	rc = b.err ? fail(h, DPVS_ENOMEM, "request record") :
		     get_list_req(h, op, b.data, b.len, rec_len, rec_size,
				  dec, out, n);
	wb_free(&b);
	return rc;
}

int dpvs_svc_dest_list(struct dpvs_handle *h, struct dpvs_service **svcs,
		       size_t *nsvcs, struct dpvs_dest **dests, size_t *ndests)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_SVC_DEST_LIST, NULL, 0, &buf, &len);

	*svcs = NULL;
	*dests = NULL;
	*nsvcs = *ndests = 0;
	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = dec_list(&b, WIRE_SVC_REC_LEN, sizeof(**svcs), dec_svc,
		      (void **)svcs, nsvcs);
	if (rc == DPVS_OK)
		rc = dec_list(&b, WIRE_DEST_REC_LEN, sizeof(**dests), dec_dest,
			      (void **)dests, ndests);
	if (rc == DPVS_OK && !rb_done(&b))
		rc = DPVS_EPROTO;
	free(buf);
	if (rc) {
		free(*svcs);
		free(*dests);
		*svcs = NULL;
		*dests = NULL;
		*nsvcs = *ndests = 0;
		return fail(h, rc, "malformed service and real-server list");
	}
	return DPVS_OK;
}

int dpvs_dest_list(struct dpvs_handle *h, const struct dpvs_service *svc,
		   struct dpvs_dest **out, size_t *n)
{
	return svc_filtered_list(h, DPVS_OP_DEST_LIST, "list real servers",
				 svc, WIRE_DEST_REC_LEN, sizeof(**out),
				 dec_dest, (void **)out, n);
}

static int laddr_call(struct dpvs_handle *h, uint32_t op, const char *what,
		      const struct dpvs_laddr *l)
{
	struct wbuf b;
	int rc = check_key(h, what, l->proto, l->vip);

	if (rc == DPVS_OK)
		rc = check_ifname(h, what, l->ifname, false);
	if (rc)
		return rc;
	if (l->addr == 0)
		return fail(h, DPVS_EINVAL, "%s: no local address", what);
	wb_init(&b);
	wire_enc_laddr(&b, l);
	return call_rec(h, op, &b);
}

int dpvs_laddr_add(struct dpvs_handle *h, const struct dpvs_laddr *l)
{
	return laddr_call(h, DPVS_OP_LADDR_ADD, "add local address", l);
}

int dpvs_laddr_del(struct dpvs_handle *h, const struct dpvs_laddr *l)
{
	return laddr_call(h, DPVS_OP_LADDR_DEL, "delete local address", l);
}

int dpvs_laddr_list(struct dpvs_handle *h, const struct dpvs_service *svc,
		    struct dpvs_laddr **out, size_t *n)
{
	return svc_filtered_list(h, DPVS_OP_LADDR_LIST, "list local addresses",
				 svc, WIRE_LADDR_REC_LEN, sizeof(**out),
				 dec_laddr, (void **)out, n);
}

int dpvs_conn_list_page(struct dpvs_handle *h, uint32_t *cursor,
			struct dpvs_conn **out, size_t *n)
{
	uint8_t req[4] = { *cursor >> 24, *cursor >> 16, *cursor >> 8, *cursor };
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_CONN_LIST, req, sizeof(req), &buf, &len);

	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	rb_init(&b, buf, len);
	*cursor = rb_u32(&b);
	rc = b.err ? DPVS_EPROTO : dec_list(&b, WIRE_CONN_REC_LEN, sizeof(**out),
					    dec_conn, (void **)out, n);
	if (rc == DPVS_OK && !rb_done(&b)) {
		free(*out);
		*out = NULL;
		*n = 0;
		rc = DPVS_EPROTO;
	}
	free(buf);
	return rc ? fail(h, rc, "malformed connection list reply") : DPVS_OK;
}

/* Appends a page to the array being built; false when out of memory. */
static bool append_conns(struct dpvs_conn **all, size_t *n, size_t *cap,
			 const struct dpvs_conn *page, size_t np)
{
	if (*n + np > *cap) {
		size_t c = *cap ? *cap : 4096;
		struct dpvs_conn *p;

		while (c < *n + np)
			c *= 2;
		p = realloc(*all, c * sizeof(*p));
		if (!p)
			return false;
		*all = p;
		*cap = c;
	}
	memcpy(*all + *n, page, np * sizeof(*page));
	*n += np;
	return true;
}

int dpvs_conn_list(struct dpvs_handle *h, struct dpvs_conn **out, size_t *n)
{
	struct dpvs_conn *all = NULL, *page;
	size_t count = 0, cap = 0, np;
	uint32_t cursor = 0;
	int rc;

	do {
		rc = dpvs_conn_list_page(h, &cursor, &page, &np);
		if (rc == DPVS_OK && !append_conns(&all, &count, &cap, page, np))
			rc = fail(h, DPVS_ENOMEM, "list connections: %zu of them",
				  count + np);
		free(page);
	} while (rc == DPVS_OK && cursor);
	if (rc == DPVS_OK && !all)
		all = calloc(1, sizeof(*all));
	if (rc == DPVS_OK && !all)
		rc = fail(h, DPVS_ENOMEM, "list connections");
	if (rc) {
		free(all);
		all = NULL;
		count = 0;
	}
	*out = all;
	*n = count;
	return rc;
}

int dpvs_zero(struct dpvs_handle *h, const struct dpvs_service *svc)
{
	struct wbuf b;
	int rc;

	if (!svc)
		return dpvs_call(h, DPVS_OP_ZERO, NULL, 0, NULL, NULL);
	rc = check_key(h, "zero", svc->proto, svc->vip);
	if (rc)
		return rc;
	wb_init(&b);
	wire_enc_svc(&b, svc);
	return call_rec(h, DPVS_OP_ZERO, &b);
}

int dpvs_timeout_set(struct dpvs_handle *h, const struct dpvs_timeouts *t)
{
	struct wbuf b;

	wb_init(&b);
	wire_enc_timeouts(&b, t);
	return call_rec(h, DPVS_OP_TIMEOUT_SET, &b);
}

int dpvs_timeout_get(struct dpvs_handle *h, struct dpvs_timeouts *t)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_TIMEOUT_GET, NULL, 0, &buf, &len);

	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = wire_dec_timeouts(&b, t);
	free(buf);
	if (rc == DPVS_OK && !rb_done(&b))
		rc = DPVS_EPROTO;
	return rc ? fail(h, rc, "malformed timeouts reply") : DPVS_OK;
}

/* ---- monitoring ---- */

int dpvs_get_worker_stats(struct dpvs_handle *h,
			  struct dpvs_worker_stats_set **out)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_WORKER_STATS, NULL, 0, &buf, &len);

	*out = NULL;
	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = wire_dec_wstats(&b, out);
	free(buf);
	return rc ? fail(h, rc, "malformed worker stats reply") : DPVS_OK;
}

uint64_t dpvs_worker_counter(const struct dpvs_worker_stats_set *s,
			     const struct dpvs_worker_stats *w,
			     const char *name)
{
	for (size_t i = 0; i < s->ncounters; i++)
		if (strcmp(s->names[i], name) == 0)
			return w->counters[i];
	return 0;
}
