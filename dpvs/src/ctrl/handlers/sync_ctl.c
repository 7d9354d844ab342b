/*
 * Connection sync (ids 0x0600-0x060f, docs/ha.md): start and stop the
 * roles, the state with its counters, reset, ask for a bulk.  Converts
 * the wire's records to ha/sync.h's types; every field of a start is
 * checked here, so the engine sees only settings it can run with.  A
 * start carries the key, so only root may send one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "ha/sync.h"
#include "handlers.h"

#define SYNC_ROLES (DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP)
#define SYNC_MAXLEN_MIN 104     /* one record */
#define SYNC_MAXLEN_MAX 10272
#define SYNC_IFNAME_MAX 15      /* a kernel interface: IFNAMSIZ - 1 */

static bool is_multicast(uint32_t a)
{
	return (a >> 28) == 0xe;
}

static int check_roles(struct ctrl_reply *rep, const char *what, uint32_t r)
{
	if (r == 0 || (r & ~SYNC_ROLES))
		return ctrl_error(rep, DPVS_EINVAL, "%s: roles 0x%x: master (1), "
				  "backup (2) or both (3)", what, r);
	return DPVS_OK;
}

/* Every field of a start request, with the reason of the first bad one. */
static int check_conf(struct ctrl_reply *rep, const struct dpvs_sync_conf *c)
{
	size_t n = strlen(c->ifname);

	if (check_roles(rep, "sync start", c->roles))
		return rep->status;
	if (c->key_len == 0)
		return ctrl_error(rep, DPVS_EINVAL, "sync start: no key: "
				  "refusing to sync unauthenticated");
	if (c->key_len < DPVS_SYNC_KEY_MIN || c->key_len > DPVS_SYNC_KEY_MAX)
		return ctrl_error(rep, DPVS_EINVAL, "sync start: key of %u bytes: "
				  "%d to %d needed", c->key_len,
				  DPVS_SYNC_KEY_MIN, DPVS_SYNC_KEY_MAX);
	if (n == 0 || n > SYNC_IFNAME_MAX)
		return ctrl_error(rep, DPVS_EINVAL, "sync start: interface name "
				  "of %zu bytes: 1 to %d", n, SYNC_IFNAME_MAX);
	if (c->maxlen && (c->maxlen < SYNC_MAXLEN_MIN ||
			  c->maxlen > SYNC_MAXLEN_MAX))
		return ctrl_error(rep, DPVS_EINVAL, "sync start: maxlen %u: 0 "
				  "(from the MTU) or %d to %d", c->maxlen,
				  SYNC_MAXLEN_MIN, SYNC_MAXLEN_MAX);
	if (c->group && !is_multicast(c->group))
		return ctrl_error(rep, DPVS_EINVAL, "sync start: group "
				  "%u.%u.%u.%u is not a multicast address",
				  c->group >> 24, (c->group >> 16) & 0xff,
				  (c->group >> 8) & 0xff, c->group & 0xff);
	if (c->peer && (is_multicast(c->peer) || c->peer == UINT32_MAX))
		return ctrl_error(rep, DPVS_EINVAL, "sync start: peer "
				  "%u.%u.%u.%u is not a unicast address",
				  c->peer >> 24, (c->peer >> 16) & 0xff,
				  (c->peer >> 8) & 0xff, c->peer & 0xff);
	return DPVS_OK;
}

/* The wire's record with its defaults filled in (the key is copied). */
static void conf_of(const struct dpvs_sync_conf *c, struct ha_sync_conf *hc)
{
	memset(hc, 0, sizeof(*hc));
	hc->roles = c->roles;
	hc->syncid = c->syncid;
	hc->ttl = c->ttl ? c->ttl : 1;
	hc->port = c->port ? c->port : DPVS_SYNC_PORT;
	hc->maxlen = c->maxlen;
	/* check_conf() kept it under 16 bytes; hc is zeroed: NUL ended. */
	memcpy(hc->ifname, c->ifname,
	       strnlen(c->ifname, sizeof(hc->ifname) - 1));
	hc->peer = c->peer;
	hc->group = c->peer ? 0 : c->group ? c->group : DPVS_SYNC_GROUP;
	hc->key.len = c->key_len;
	memcpy(hc->key.key, c->key, c->key_len);
}

static int start_err(struct ctrl_reply *rep, int rc, const char *msg)
{
	uint32_t st = rc == -EINVAL ? DPVS_EINVAL : rc == -EBUSY ? DPVS_EBUSY :
		      rc == -EPERM || rc == -EACCES ? DPVS_EPERM : DPVS_EIO;

	if (msg[0])
		return ctrl_error(rep, st, "sync start: %s", msg);
	return ctrl_error(rep, st, "sync start: %s", strerror(-rc));
}

static int op_sync_start(uint32_t op __rte_unused, struct rbuf *req,
			 struct ctrl_reply *rep)
{
	const struct ctrl_caller *who = ctrl_caller();
	struct dpvs_sync_conf c;
	struct ha_sync_conf hc;
	char msg[256] = "";
	int rc;

	/* The key must not be handed in by anyone the socket lets in. */
	if (who && who->uid != 0)
		return ctrl_error(rep, DPVS_EPERM, "sync start: only root may "
				  "start sync (uid %u): it carries the key",
				  who->uid);
	if (wire_dec_sync_conf(req, &c) != DPVS_OK || !rb_done(req)) {
		explicit_bzero(&c, sizeof(c));
		return ctrl_error(rep, DPVS_EINVAL,
				  "sync start: malformed configuration record");
	}
	if (check_conf(rep, &c)) {
		explicit_bzero(&c, sizeof(c));
		return rep->status;
	}
	conf_of(&c, &hc);
	explicit_bzero(&c, sizeof(c));
	rc = ha_sync_start(&hc, msg, sizeof(msg));
	explicit_bzero(&hc, sizeof(hc));
	return rc ? start_err(rep, rc, msg) : DPVS_OK;
}

static int op_sync_stop(uint32_t op __rte_unused, struct rbuf *req,
			struct ctrl_reply *rep)
{
	uint32_t roles = rb_u32(req);

	if (check_roles(rep, "sync stop", roles))
		return rep->status;
	ha_sync_stop(roles);
	return DPVS_OK;
}

static uint32_t bulk_to_wire(enum ha_bulk_phase b)
{
	switch (b) {
	case HA_BULK_REQUESTING: return DPVS_BULK_REQUESTING;
	case HA_BULK_RECEIVING: return DPVS_BULK_RECEIVING;
	case HA_BULK_READY: return DPVS_BULK_READY;
	case HA_BULK_SENDING: return DPVS_BULK_SENDING;
	default: return DPVS_BULK_NONE;
	}
}

static void counters_of(const struct ha_sync_state *s,
			struct dpvs_sync_counters *o)
{
	const struct ha_sync_counters *c = &s->c;

	*o = (struct dpvs_sync_counters){
		.tx_msgs = c->tx_msgs, .tx_conns = c->tx_conns,
		.tx_bytes = c->tx_bytes, .tx_dropped = c->tx_dropped,
		.rx_msgs = c->rx_msgs, .rx_conns = c->rx_conns,
		.rx_bytes = c->rx_bytes, .rx_dropped = c->rx_dropped,
		.rx_bad = c->rx_bad, .rx_other_id = c->rx_other_id,
		.rx_auth_failed = c->rx_auth_failed,
		.rx_replayed = c->rx_replayed, .rx_stale = c->rx_stale,
		.no_service = s->in.no_service, .no_dest = s->in.no_dest,
		.no_laddr = s->in.no_laddr, .port_busy = s->in.port_busy,
		.clash = s->in.clash, .full = s->in.full,
		.replaced = s->in.replaced, .dir_full = s->in.dir_full,
		.installed = s->in.installed, .updated = s->in.updated,
		.bulk_sent = c->bulk_sent, .bulk_received = c->bulk_received,
	};
}

static void state_of(const struct ha_sync_state *s, struct dpvs_sync_state *o)
{
	const struct ha_sync_conf *c = &s->conf;

	memset(o, 0, sizeof(*o));
	o->roles = s->roles;
	o->bulk = bulk_to_wire(s->bulk);
	o->conf.roles = c->roles;
	o->conf.syncid = c->syncid;
	o->conf.ttl = c->ttl;
	o->conf.port = c->port;
	o->conf.maxlen = c->maxlen;
	snprintf(o->conf.ifname, sizeof(o->conf.ifname), "%s", c->ifname);
	o->conf.group = c->group;
	o->conf.peer = c->peer;
	o->conf.key_len = c->key.len;
	snprintf(o->key_fp, sizeof(o->key_fp), "%s", s->key_fp);
	o->sender_id = s->sender_id;
	o->peer_sender_id = s->peer_sender_id;
	o->peer_addr = s->peer_addr;
	o->last_rx_ms = s->last_rx_ms;
	o->bulk_conns = s->bulk_conns;
	o->bulk_ms = s->bulk_ms;
	o->synced_conns = s->in.synced_conns;
	counters_of(s, &o->c);
}

static int op_sync_state(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			 struct ctrl_reply *rep)
{
	struct ha_sync_state s;
	struct dpvs_sync_state o;

	memset(&s, 0, sizeof(s));
	ha_sync_state(&s);
	explicit_bzero(s.conf.key.key, sizeof(s.conf.key.key));
	state_of(&s, &o);
	wire_enc_sync_state(&rep->data, &o);
	return DPVS_OK;
}

static int op_sync_reset(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			 struct ctrl_reply *rep __rte_unused)
{
	ha_sync_reset();
	return DPVS_OK;
}

static int op_sync_bulk(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			struct ctrl_reply *rep)
{
	int rc = ha_sync_bulk();

	if (rc == -ENOENT)
		return ctrl_error(rep, DPVS_ENOENT, "sync bulk: sync does not run "
				  "in the backup role here");
	return rc ? ctrl_error(rep, DPVS_EIO, "sync bulk: %s", strerror(-rc)) :
		    DPVS_OK;
}

static const struct ctrl_op sync_ops[] = {
	{ DPVS_OP_SYNC_START, "sync-start", WIRE_SYNC_CONF_LEN,
	  WIRE_SYNC_CONF_LEN, op_sync_start },
	{ DPVS_OP_SYNC_STOP, "sync-stop", 4, 4, op_sync_stop },
	{ DPVS_OP_SYNC_STATE, "sync-state", 0, 0, op_sync_state },
	{ DPVS_OP_SYNC_RESET, "sync-reset", 0, 0, op_sync_reset },
	{ DPVS_OP_SYNC_BULK, "sync-bulk", 0, 0, op_sync_bulk },
};

static struct ctrl_range sync_range = {
	.module = "sync",
	.min = DPVS_OP_SYNC_MIN,
	.max = DPVS_OP_SYNC_MAX,
	.ops = sync_ops,
	.nops = sizeof(sync_ops) / sizeof(sync_ops[0]),
};

int sync_ctl_init(void)
{
	return ctrl_register(&sync_range);
}
