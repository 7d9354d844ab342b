/* libdpvs: the daemon core (version, lcores, bus, reload, log, echo). */
#include "lib_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dpvs_ops.h"

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
	return rc ? libdpvs_fail(h, rc, "malformed version reply") : DPVS_OK;
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
	return libdpvs_get_list(h, DPVS_OP_LCORES, WIRE_LCORE_REC_LEN,
				sizeof(**out), dec_lcore, (void **)out, n);
}

int dpvs_get_msgbus_stats(struct dpvs_handle *h,
			  struct dpvs_msgbus_stats **out, size_t *n)
{
	return libdpvs_get_list(h, DPVS_OP_MSGBUS_STATS, WIRE_MSGBUS_REC_LEN,
				sizeof(**out), dec_msgbus, (void **)out, n);
}

static int dec_resource(struct rbuf *b, void *rec)
{
	return wire_dec_resource(b, rec);
}

int dpvs_get_resources(struct dpvs_handle *h, struct dpvs_resource **out,
		       size_t *n)
{
	return libdpvs_get_list(h, DPVS_OP_RESOURCES, WIRE_RES_REC_LEN,
				sizeof(**out), dec_resource, (void **)out, n);
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
	return rc ? libdpvs_fail(h, rc, "malformed ctrl stats reply") : DPVS_OK;
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
		return libdpvs_fail(h, DPVS_ENOMEM, "reload summary");
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
		return libdpvs_fail(h, DPVS_EINVAL,
				    "unknown log level '%s' (emerg alert crit "
				    "err warning notice info debug, or 0-7)",
				    level);
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
	rc = rb_done(&r) ? DPVS_OK : libdpvs_fail(h, DPVS_EPROTO,
						  "malformed ping reply");
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
		rc = libdpvs_fail(h, DPVS_EPROTO,
				  "echo: %zu bytes, expected %u", len, size);
	for (uint32_t i = 0; rc == DPVS_OK && i < size; i++)
		if (buf[i] != dpvs_echo_byte(i))
			rc = libdpvs_fail(h, DPVS_EPROTO,
					  "echo: wrong byte at %u", i);
	free(buf);
	return rc;
}

