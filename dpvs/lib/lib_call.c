/* What every typed call shares: list replies, record requests, checks. */
#include "lib_int.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/*
 * Decodes one "u32 count, count records of rec_len bytes" from b into a
 * malloc'd array, checking the count against the bytes present first.
 */
int libdpvs_dec_list(struct rbuf *b, size_t rec_len, size_t rec_size,
		     libdpvs_dec_fn dec, void **out, size_t *n)
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
int libdpvs_get_list_req(struct dpvs_handle *h, uint32_t op, const void *req,
			 size_t req_len, size_t rec_len, size_t rec_size,
			 libdpvs_dec_fn dec, void **out, size_t *n)
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
	rc = libdpvs_dec_list(&b, rec_len, rec_size, dec, out, n);
	if (rc == DPVS_OK && !rb_done(&b)) {
		free(*out);
		*out = NULL;
		*n = 0;
		rc = DPVS_EPROTO;
	}
	free(buf);
	return rc ? libdpvs_fail(h, rc, "malformed list reply") : DPVS_OK;
}

int libdpvs_get_list(struct dpvs_handle *h, uint32_t op, size_t rec_len,
		     size_t rec_size, libdpvs_dec_fn dec, void **out, size_t *n)
{
	return libdpvs_get_list_req(h, op, NULL, 0, rec_len, rec_size, dec, out,
				    n);
}

/* Sends the record in b as the payload of op; the reply is empty. */
int libdpvs_call_rec(struct dpvs_handle *h, uint32_t op, struct wbuf *b)
{
	int rc = b->err ? libdpvs_fail(h, DPVS_ENOMEM, "request record") :
			  dpvs_call(h, op, b->data, b->len, NULL, NULL);

	wb_free(b);
	return rc;
}

int libdpvs_check_ifname(struct dpvs_handle *h, const char *what,
			 const char *ifname, bool required)
{
	size_t len = ifname ? strnlen(ifname, DPVS_IFNAME_MAX + 1) : 0;

	libdpvs_clear_error(h);
	if (len == 0 && required)
		return libdpvs_fail(h, DPVS_EINVAL, "%s: no interface name",
				    what);
	if (len > DPVS_IFNAME_MAX)
		return libdpvs_fail(h, DPVS_EINVAL,
				    "%s: interface name longer than %d bytes",
				    what, DPVS_IFNAME_MAX);
	return DPVS_OK;
}

int libdpvs_check_af(struct dpvs_handle *h, const char *what, uint8_t af)
{
	if (af != 0 && af != AF_INET && af != AF_INET6)
		return libdpvs_fail(h, DPVS_EINVAL, "%s: address family %u is "
				    "not AF_INET (%u) nor AF_INET6 (%u)", what,
				    af, AF_INET, AF_INET6);
	return DPVS_OK;
}
