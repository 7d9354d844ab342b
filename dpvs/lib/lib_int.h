/*
 * libdpvs's internal interface between its modules: the transport
 * (libdpvs.c) and the helpers every typed call uses (lib_call.c).  Not
 * installed; the names start with libdpvs_ so that libdpvs.map, which
 * exports dpvs_* only, keeps them out of the shared library.
 */
#ifndef DPVS_LIB_INT_H
#define DPVS_LIB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "libdpvs.h"
#include "wire.h"

/* Sets h's message for the failed call; returns status. */
int libdpvs_fail(struct dpvs_handle *h, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Forgets the last message: a call that fails before dpvs_call(). */
void libdpvs_clear_error(struct dpvs_handle *h);

typedef int (*libdpvs_dec_fn)(struct rbuf *b, void *rec);

/* "u32 count, count records of rec_len bytes" from b, malloc'd. */
int libdpvs_dec_list(struct rbuf *b, size_t rec_len, size_t rec_size,
		     libdpvs_dec_fn dec, void **out, size_t *n);
/* op with payload req, whose reply is exactly one list. */
int libdpvs_get_list_req(struct dpvs_handle *h, uint32_t op, const void *req,
			 size_t req_len, size_t rec_len, size_t rec_size,
			 libdpvs_dec_fn dec, void **out, size_t *n);
int libdpvs_get_list(struct dpvs_handle *h, uint32_t op, size_t rec_len,
		     size_t rec_size, libdpvs_dec_fn dec, void **out,
		     size_t *n);
/* Sends the record in b (and frees b) as op's payload; empty reply. */
int libdpvs_call_rec(struct dpvs_handle *h, uint32_t op, struct wbuf *b);
/*
 * An interface name of at most DPVS_IFNAME_MAX bytes; empty only where
 * the daemon does not look at it (!required).
 */
int libdpvs_check_ifname(struct dpvs_handle *h, const char *what,
			 const char *ifname, bool required);
/* af is 0 (AF_INET), AF_INET or AF_INET6. */
int libdpvs_check_af(struct dpvs_handle *h, const char *what, uint8_t af);

#endif
