/* libdpvs: HA, connection sync and the lease (docs/ha.md). */
#include "lib_int.h"

#include <stdlib.h>
#include <string.h>

#include "dpvs_ops.h"

/* The kernel's IFNAMSIZ less its NUL: sync runs on a kernel interface. */
#define SYNC_IFNAME_MAX 15

static int put_u32(struct dpvs_handle *h, uint32_t op, uint32_t v)
{
	uint8_t p[4] = { v >> 24, v >> 16, v >> 8, v };

	return dpvs_call(h, op, p, sizeof(p), NULL, NULL);
}

/* A reply of exactly one record. */
static int get_rec(struct dpvs_handle *h, uint32_t op, const void *req,
		   size_t req_len, libdpvs_dec_fn dec, void *out,
		   const char *what)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, op, req, req_len, &buf, &len);

	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = dec(&b, out);
	free(buf);
	if (rc == DPVS_OK && !rb_done(&b))
		rc = DPVS_EPROTO;
	return rc ? libdpvs_fail(h, rc, "malformed %s reply", what) : DPVS_OK;
}

int dpvs_sync_start(struct dpvs_handle *h, const struct dpvs_sync_conf *c)
{
	struct wbuf b;
	size_t n;

	libdpvs_clear_error(h);
	if (!c)
		return libdpvs_fail(h, DPVS_EINVAL, "sync start: no settings");
	n = strnlen(c->ifname, sizeof(c->ifname));
	if (n == 0 || n > SYNC_IFNAME_MAX)
		return libdpvs_fail(h, DPVS_EINVAL,
				    "sync start: interface name must be 1 to %d bytes",
				    SYNC_IFNAME_MAX);
	if (c->key_len < DPVS_SYNC_KEY_MIN || c->key_len > DPVS_SYNC_KEY_MAX)
		return libdpvs_fail(h, DPVS_EINVAL,
				    "sync start: key of %u bytes (%d to %d)",
				    c->key_len, DPVS_SYNC_KEY_MIN,
				    DPVS_SYNC_KEY_MAX);
	wb_init(&b);
	wire_enc_sync_conf(&b, c);
	return libdpvs_call_rec(h, DPVS_OP_SYNC_START, &b);
}

int dpvs_sync_stop(struct dpvs_handle *h, uint32_t roles)
{
	return put_u32(h, DPVS_OP_SYNC_STOP, roles);
}

static int dec_sync_state(struct rbuf *b, void *rec)
{
	return wire_dec_sync_state(b, rec);
}

int dpvs_sync_state(struct dpvs_handle *h, struct dpvs_sync_state *out)
{
	return get_rec(h, DPVS_OP_SYNC_STATE, NULL, 0, dec_sync_state, out,
		       "sync state");
}

int dpvs_sync_reset(struct dpvs_handle *h)
{
	return dpvs_call(h, DPVS_OP_SYNC_RESET, NULL, 0, NULL, NULL);
}

int dpvs_sync_bulk(struct dpvs_handle *h)
{
	return dpvs_call(h, DPVS_OP_SYNC_BULK, NULL, 0, NULL, NULL);
}

static int dec_u32(struct rbuf *b, void *rec)
{
	*(uint32_t *)rec = rb_u32(b);
	return b->err ? DPVS_EPROTO : DPVS_OK;
}

int dpvs_ha_lease(struct dpvs_handle *h, uint32_t ttl_ms, uint32_t *ms_left)
{
	uint8_t p[4] = { ttl_ms >> 24, ttl_ms >> 16, ttl_ms >> 8, ttl_ms };
	uint32_t left = 0;
	int rc = get_rec(h, DPVS_OP_HA_LEASE, p, sizeof(p), dec_u32, &left,
			 "lease");

	if (ms_left)
		*ms_left = rc ? 0 : left;
	return rc;
}

int dpvs_ha_release(struct dpvs_handle *h)
{
	return dpvs_call(h, DPVS_OP_HA_RELEASE, NULL, 0, NULL, NULL);
}

int dpvs_ha_announce(struct dpvs_handle *h)
{
	return dpvs_call(h, DPVS_OP_HA_ANNOUNCE, NULL, 0, NULL, NULL);
}

static int dec_ha_state(struct rbuf *b, void *rec)
{
	return wire_dec_ha_state(b, rec);
}

int dpvs_ha_state(struct dpvs_handle *h, struct dpvs_ha_state *out)
{
	return get_rec(h, DPVS_OP_HA_STATE, NULL, 0, dec_ha_state, out,
		       "lease state");
}
