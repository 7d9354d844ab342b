/* What the wire-format unit tests (test_wire_*.c) share. */
#ifndef TEST_WIRE_UTIL_H
#define TEST_WIRE_UTIL_H

#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire.h"

/* a.b.c.d in network order, whatever the host order. */
static inline uint32_t ip_net(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t bytes[4] = { a, b, c, d };
	uint32_t v;

	memcpy(&v, bytes, 4);
	return v;
}

/* Encodes with enc, then decodes every strict prefix with dec. */
#define CHECK_TRUNCATED(type, enc, dec, val)                                \
	do {                                                                \
		struct wbuf w_;                                             \
		wb_init(&w_);                                               \
		enc(&w_, (val));                                            \
		assert_true(w_.len > 0);                                    \
		for (size_t cut = 0; cut < w_.len; cut++) {                 \
			type out_;                                          \
			struct rbuf r_;                                     \
			rb_init(&r_, w_.data, cut);                         \
			assert_int_equal(dec(&r_, &out_), DPVS_EPROTO);     \
		}                                                           \
		wb_free(&w_);                                               \
	} while (0)

#endif
