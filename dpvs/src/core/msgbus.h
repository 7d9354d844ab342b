/*
 * The lcore message bus: one ring per lcore, messages from a bounded pool.
 *
 * Ownership is simple on purpose: a message belongs to whoever dequeued
 * it.  A receiver runs the type's callback, sends a *new* reply message
 * back (unless the request asked for none) and frees the request; the
 * sender never touches a message after enqueuing it.  Replies are matched
 * to requests by (type, seq) on the master; a reply whose request is gone
 * (timed out) is counted as late and freed, never delivered elsewhere.
 *
 * Sync sends and multicasts are issued by the master only: workers never
 * block.  Any lcore may send an async (fire-and-forget) message.
 */
#ifndef DPVS_MSGBUS_H
#define DPVS_MSGBUS_H

#include <stdint.h>

#define MSGBUS_MAX_TYPES 64
#define MSGBUS_NAME_MAX 32
#define MSGBUS_DATA_MAX 512
#define MSGBUS_PENDING_MAX 64

/*
 * Message type ids: fixed numbers, one per purpose, written here once.
 */
#define MSG_TYPE_ECHO 1      /* reply = request; bus health check */
#define MSG_TYPE_WORKER_STATS 2 /* master -> workers: copy your counters */
#define MSG_TYPE_NEIGH_LEARN 3 /* worker -> master: ARP taught us a MAC */
#define MSG_TYPE_IPVS_STATS 4  /* master -> workers: copy your counters */
#define MSG_TYPE_NEIGH6_LEARN 5 /* worker -> master: NDP taught us a MAC */
#define MSG_TYPE_DAD_EVENT 6   /* worker -> master: a duplicate of a tentative address */
#define MSG_TYPE_TEST_MIN 48 /* 48..63 are for unit tests */

/*
 * Runs on the receiving lcore.  May write up to MSGBUS_DATA_MAX bytes to
 * reply and set *reply_len.  Returns 0 or a negative errno.
 */
typedef int (*msgbus_cb)(const void *req, uint16_t len, void *reply,
			 uint16_t *reply_len);

/* Runs on the master once per reply of a multicast (or sync send). */
typedef void (*msgbus_reply_cb)(void *arg, unsigned lcore, int rc,
				const void *reply, uint16_t len);

/* Runs on the master when an async multicast completes or times out. */
typedef void (*msgbus_done_cb)(void *arg, int rc, unsigned nreplies);

struct msgbus_params {
	uint32_t ring_size;   /* per lcore, power of two */
	uint32_t pool_size;   /* messages in flight, all lcores */
	uint32_t timeout_ms;  /* sync and multicast timeout */
};

int msgbus_init(const struct msgbus_params *p);
/* Bytes of DPDK memory msgbus_init takes for nlcores (start-up checks). */
uint64_t msgbus_mem_need(const struct msgbus_params *p, unsigned nlcores);
void msgbus_fini(void);
void msgbus_set_timeout(uint32_t timeout_ms);

/*
 * Registers `cb` for `type` on one lcore (or on every enabled lcore for
 * lcore == MSGBUS_ALL_LCORES).  Before the lcores are launched.
 */
#define MSGBUS_ALL_LCORES UINT32_MAX
int msgbus_register(unsigned lcore, uint16_t type, const char *name,
		    msgbus_cb cb);

/*
 * For types whose replies own memory (a pointer to a buffer the replying
 * worker allocated): called with a reply that is not delivered (late,
 * or it could not be sent), so the memory is never leaked.  Delivered
 * replies are the on_reply callback's to free.
 */
typedef void (*msgbus_reply_dtor)(const void *reply, uint16_t len);
int msgbus_set_reply_dtor(uint16_t type, msgbus_reply_dtor dtor);
/*
 * The same for requests that hold a reference: called with each copy
 * that no callback will see (no message left, ring full, bad arguments,
 * no callback on that lcore).  A failed send is then the destructor's
 * to clean up, never the sender's.
 */
int msgbus_set_request_dtor(uint16_t type, msgbus_reply_dtor dtor);

/*
 * Handles up to MSGBUS_BUDGET messages from the calling lcore's ring;
 * returns how many.  More may be queued: the loop job reports work, so
 * the lcore comes back without sleeping.
 */
#define MSGBUS_BUDGET 256
int msgbus_process(void);
/* Loop job wrapper for lcore_job. */
int msgbus_job(void *arg);
/*
 * Master, every MSGBUS_EXPIRE_MS (a core timer): ends the async
 * multicasts past their deadline with -ETIMEDOUT.
 */
#define MSGBUS_EXPIRE_MS 10
void msgbus_expire(void *arg);

/* Fire and forget, from any lcore.  0 or -ENOBUFS/-ENOMEM/-EINVAL. */
int msgbus_send_async(unsigned lcore, uint16_t type, const void *data,
		      uint16_t len);

/*
 * Master only: sends to one lcore and waits for its reply (copied to
 * reply, up to *reply_len bytes in, actual length out).  Returns the
 * callback's rc, or -ETIMEDOUT, -ENOBUFS, -EINVAL.
 */
int msgbus_send_sync(unsigned lcore, uint16_t type, const void *data,
		     uint16_t len, void *reply, uint16_t *reply_len);

/*
 * Master only: sends to every worker, calls on_reply for each reply and
 * returns 0 when all replied, or -ETIMEDOUT with *nreplies < workers.
 */
int msgbus_mcast(uint16_t type, const void *data, uint16_t len,
		 msgbus_reply_cb on_reply, void *arg, unsigned *nreplies);

/*
 * Master only: like msgbus_mcast but returns at once.
 * 0: the request is pending; on_reply runs per reply and done runs
 * later, exactly once (rc -ENOBUFS if some copies were lost,
 * -ETIMEDOUT if workers did not answer in time, -ECANCELED from
 * msgbus_cancel_all), so arg must live until then.
 * An error (-EINVAL, -EBUSY: no pending slot, -ENOBUFS: no copy went
 * out): nothing is pending, neither on_reply nor done will run, and the
 * caller may free arg at once.  Copies that were posted and lost went
 * to the type's request destructor either way.
 */
int msgbus_mcast_async(uint16_t type, const void *data, uint16_t len,
		       msgbus_reply_cb on_reply, msgbus_done_cb done, void *arg);

/*
 * With the lcores stopped: runs the done callback of every async
 * multicast still pending with -ECANCELED, so what it holds is freed.
 */
void msgbus_cancel_all(void);

/* One registered type's counters, summed over the lcores. */
struct msgbus_type_stats {
	uint16_t type;
	char name[MSGBUS_NAME_MAX + 1];
	uint64_t sent;       /* requests sent */
	uint64_t received;   /* requests handled by a callback */
	uint64_t replied;    /* replies delivered to the waiting sender */
	uint64_t timed_out;  /* sync or multicast requests that timed out */
	uint64_t dropped;    /* ring full, pool empty, unknown type */
	uint64_t late;       /* replies that came after their timeout */
	uint64_t failed;     /* callbacks that returned an error */
};

/* Sums the per-lcore counters of every registered type; returns count. */
unsigned msgbus_stats(struct msgbus_type_stats *out, unsigned max);

#endif
