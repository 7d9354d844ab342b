/*
 * The control socket, in three layers:
 *   ctrl_ops.c      registry of operation-id ranges and the dispatcher
 *   ctrl_session.c  framing of one connection's byte stream (pure code)
 *   ctrl_server.c   the unix socket, epoll, credentials and timeouts
 */
#ifndef DPVS_CTRL_H
#define DPVS_CTRL_H

#include <stdbool.h>
#include <stdint.h>

#include "libdpvs.h"
#include "wire.h"

/* What a handler fills in: data on success, status + message on error. */
struct ctrl_reply {
	struct wbuf data;
	uint32_t status;
	char msg[DPVS_WIRE_MSG_MAX];
};

/* Sets an error status with a message; returns the status. */
int ctrl_error(struct ctrl_reply *r, uint32_t status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Maps a table's -errno (-EEXIST, -ENOENT, -ENOSPC, -ENOMEM, -ENOBUFS,
 * -EPERM, others: invalid) to a status with "<what> ..." as message.
 */
int ctrl_errno(struct ctrl_reply *r, int rc, const char *what);
/* List replies: a u32 count placeholder, filled in once known. */
size_t ctrl_list_begin(struct wbuf *b);
void ctrl_list_end(struct wbuf *b, size_t at, uint32_t n);

/*
 * A handler reads its (already length-checked) request from req and
 * writes its answer into rep; it returns DPVS_OK or ctrl_error(...).
 */
typedef int (*ctrl_handler)(uint32_t op, struct rbuf *req,
			    struct ctrl_reply *rep);

struct ctrl_op {
	uint32_t op;
	const char *name;
	uint32_t min_len;   /* allowed request payload lengths */
	uint32_t max_len;
	ctrl_handler fn;
};

/* A module's id range and its operations (each id inside the range). */
struct ctrl_range {
	const char *module;
	uint32_t min;
	uint32_t max;
	const struct ctrl_op *ops;
	unsigned nops;
	struct ctrl_range *next; /* owned by ctrl_ops.c */
};

/* Refuses ranges that overlap a registered one or hold stray ops. */
int ctrl_register(struct ctrl_range *r);
void ctrl_unregister_all(void);
/* Runs the op's handler after checking the op exists and the length. */
void ctrl_dispatch(const struct wire_hdr *h, const uint8_t *payload,
		   struct ctrl_reply *rep, struct dpvs_ctrl_stats *st);

/* ---- one connection's stream ---- */

enum session_state { SS_HEADER, SS_PAYLOAD, SS_DISCARD };

struct ctrl_session {
	enum session_state state;
	uint8_t hdr_buf[DPVS_WIRE_HDR_LEN];
	uint32_t got;          /* bytes of the current header or payload */
	struct wire_hdr hdr;
	uint8_t *payload;      /* allocated once the header passed checks */
	uint32_t discard_status; /* SS_DISCARD: reply sent after skipping */
	char discard_msg[128];
	bool closing;          /* stream broken: flush replies, then close */
	struct wbuf out;       /* reply frames not yet written */
	size_t out_off;
};

void ctrl_session_init(struct ctrl_session *s);
void ctrl_session_free(struct ctrl_session *s);
/*
 * Consumes bytes, appending replies to s->out; returns how many it took.
 * Stops early when closing, or after a request once s->out holds
 * out_limit bytes or more (0: no limit), so a client that pipelines big
 * requests gets back-pressure instead of exhausting memory.
 */
size_t ctrl_session_feed_limit(struct ctrl_session *s, const uint8_t *buf,
			       size_t len, uint32_t max_request,
			       size_t out_limit, struct dpvs_ctrl_stats *st);
void ctrl_session_feed(struct ctrl_session *s, const uint8_t *buf, size_t len,
		       uint32_t max_request, struct dpvs_ctrl_stats *st);
/* True if the stream stopped inside a request. */
bool ctrl_session_partial(const struct ctrl_session *s);
/* Appends an unsolicited connection-level error frame (op 0, seq 0). */
void ctrl_session_refuse(struct ctrl_session *s, uint32_t status,
			 const char *msg);

/* ---- the server ---- */

struct ctrl_params {
	const char *path;
	const char *group;         /* "" = root only */
	uint32_t max_request;
	uint32_t max_clients;
	uint32_t client_timeout_ms;
};

/* Fails (with a message in err) if a live daemon serves `path`. */
int ctrl_check_free(const char *path, char *err, size_t errlen);
int ctrl_init(const struct ctrl_params *p);
/* Reloadable limits and group. */
int ctrl_set_params(const struct ctrl_params *p);
/* Serves the socket; waits up to wait_us for events.  Returns events. */
int ctrl_poll(uint32_t wait_us);
/*
 * Adds another fd to the master's idle wait: when it becomes readable
 * the master wakes (its own job reads it).  For the kernel TAPs.
 */
int ctrl_watch_fd(int fd);
void ctrl_unwatch_fd(int fd);
/* Closes every client and the listener and removes the socket file. */
void ctrl_fini(void);
void ctrl_get_stats(struct dpvs_ctrl_stats *out);

#endif
