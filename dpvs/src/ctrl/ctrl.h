/*
 * The control socket, in three layers:
 *   ctrl_dispatch.c  registry of operation-id ranges and the dispatcher
 *   ctrl_session.c   framing of one connection's byte stream (pure code)
 *   ctrl_server.c    the unix socket in the master's event loop, credentials
 *                    and timeouts
 * and the handlers (handlers/), one file per part of the daemon.
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
	struct ctrl_deferred *deferred; /* set by ctrl_defer() */
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
	struct ctrl_range *next; /* owned by ctrl_dispatch.c */
};

/* Refuses ranges that overlap a registered one or hold stray ops. */
int ctrl_register(struct ctrl_range *r);
void ctrl_unregister_all(void);
/* Runs the op's handler after checking the op exists and the length. */
void ctrl_dispatch(const struct wire_hdr *h, const uint8_t *payload,
		   struct ctrl_reply *rep, struct dpvs_ctrl_stats *st);

/* ---- one connection's stream ---- */

/*
 * Request bytes buffered at once, charged when a header is accepted and
 * released when its request has run.  A session charges its user's
 * budget, whose parent is the budget of every client together.
 */
struct ctrl_budget {
	uint64_t used;
	uint64_t max;
	struct ctrl_budget *parent; /* NULL at the top */
};

/*
 * A handler that must wait (for the workers' answers) defers its reply:
 * ctrl_defer() gives it a token, the session holds every later request
 * back, and ctrl_complete() sends the reply and frees the token.  If the
 * client goes first, the token is orphaned and completing it only frees.
 */
struct ctrl_deferred {
	struct ctrl_session *s;   /* NULL once the session is gone */
	struct wire_hdr req;
};

struct ctrl_deferred *ctrl_defer(struct ctrl_reply *rep);
/* Counts completions that reached a session (the server serves those). */
extern uint64_t ctrl_kicks;
void ctrl_complete(struct ctrl_deferred *d, struct ctrl_reply *rep,
		   struct dpvs_ctrl_stats *st);

enum session_state { SS_HEADER, SS_PAYLOAD, SS_DISCARD };

struct ctrl_session {
	enum session_state state;
	uint8_t hdr_buf[DPVS_WIRE_HDR_LEN];
	uint32_t got;          /* bytes of the current header or payload */
	struct wire_hdr hdr;
	uint8_t *payload;      /* grows as the payload arrives */
	uint32_t payload_cap;
	struct ctrl_budget *budget; /* NULL: not limited */
	uint32_t charged;      /* bytes of budget held for this request */
	uint32_t discard_status; /* SS_DISCARD: reply sent after skipping */
	char discard_msg[128];
	bool closing;          /* stream broken: flush replies, then close */
	bool kicked;           /* a deferred reply arrived: serve again */
	struct ctrl_deferred *waiting; /* a deferred reply not yet sent */
	struct wbuf out;       /* reply frames not yet written */
	size_t out_off;
};

/* How much one call to ctrl_session_feed_some may do. */
struct ctrl_feed_limits {
	uint32_t max_request;  /* largest payload accepted */
	size_t out_limit;      /* stop once this much is unsent (0: none) */
	unsigned max_requests; /* stop after this many requests (0: none) */
};

void ctrl_session_init(struct ctrl_session *s);
void ctrl_session_free(struct ctrl_session *s);
/*
 * Consumes bytes, appending replies to s->out; returns how many it took.
 * Stops early when closing, while a deferred reply is awaited, or after
 * a request once the limits are reached, so a client that pipelines big
 * requests gets back-pressure instead of exhausting memory.
 */
size_t ctrl_session_feed_some(struct ctrl_session *s, const uint8_t *buf,
			      size_t len, const struct ctrl_feed_limits *lim,
			      struct dpvs_ctrl_stats *st);
void ctrl_session_feed(struct ctrl_session *s, const uint8_t *buf, size_t len,
		       uint32_t max_request, struct dpvs_ctrl_stats *st);
/* Reply bytes produced but not yet written. */
static inline size_t ctrl_session_unsent(const struct ctrl_session *s)
{
	return s->out.len - s->out_off;
}
/* Drops n written bytes from the front of s->out. */
void ctrl_session_consumed(struct ctrl_session *s, size_t n);
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
	uint64_t max_user_buffer;  /* request bytes buffered per uid */
	uint64_t max_total_buffer; /* ... and over every client */
};

/* Fails (with a message in err) if a live daemon serves `path`. */
int ctrl_check_free(const char *path, char *err, size_t errlen);
/* Listens, and serves from the master's event loop (evloop_init first). */
int ctrl_init(const struct ctrl_params *p);
/* Reloadable limits and group. */
int ctrl_set_params(const struct ctrl_params *p);
/* Sends a deferred reply (see ctrl_defer), counted in the server stats. */
void ctrl_answer(struct ctrl_deferred *d, struct ctrl_reply *rep);
/*
 * Who sent the request a handler is running: a connection id (never
 * reused while dpvs runs), the peer's uid and pid from SO_PEERCRED.
 * NULL outside a handler (tests calling handlers directly, deferred
 * replies).  A state held by a client, such as the HA lease, is keyed by
 * the id and let go by the close hook when its connection closes.
 */
struct ctrl_caller {
	uint64_t id;
	uint32_t uid;
	uint32_t pid;
};

const struct ctrl_caller *ctrl_caller(void);
/* One hook, called with a connection's id as it closes (any reason). */
void ctrl_set_close_hook(void (*fn)(uint64_t id));
/* Closes every client and the listener and removes the socket file. */
void ctrl_fini(void);
void ctrl_get_stats(struct dpvs_ctrl_stats *out);

#endif
