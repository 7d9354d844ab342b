/* What the control-socket unit tests (test_ctrl_*.c) share. */
#ifndef TEST_CTRL_UTIL_H
#define TEST_CTRL_UTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ctrl/ctrl.h"
#include "core/log.h"

#define OP_MIN 0x7000u
#define OP_ECHO 0x7001u   /* any length up to 256 KiB: replies the payload */
#define OP_FIXED 0x7002u  /* exactly a u32: replies it plus one */
#define OP_FAIL 0x7003u   /* no payload: ctrl_error(EEXIST, ...) */
#define OP_BIG 0x7004u    /* no payload: replies BIG_LEN patterned bytes */
#define OP_EMPTY 0x7005u  /* no payload: replies nothing */
#define OP_BARE 0x7006u   /* no payload: an error status without a message */
#define OP_LATER 0x7007u  /* no payload: deferred; the test completes it */
#define OP_MAX 0x70ffu

#define ECHO_MAX (256u * 1024u)
#define BIG_LEN (200u * 1024u)
#define MAXREQ (300u * 1024u)

#define MAX_FRAMES 16

struct frame {
	struct wire_hdr h;
	const uint8_t *payload;
};

/* The session under test and its counters, fresh for every test. */
extern struct ctrl_session sess;
extern struct dpvs_ctrl_stats st;
/* The test ops' range, registered by setup(). */
extern struct ctrl_range test_range;
/* The request OP_LATER deferred last. */
extern struct ctrl_deferred *later;

/* The pattern of OP_BIG's reply bytes. */
uint8_t big_byte(size_t i);
int h_echo(uint32_t op, struct rbuf *req, struct ctrl_reply *rep);
int h_empty(uint32_t op, struct rbuf *req, struct ctrl_reply *rep);
int setup(void **state);
int teardown(void **state);

void put_req_hdr(struct wbuf *b, uint32_t magic, uint16_t version,
		 uint16_t flags, uint32_t op, uint32_t seq, uint32_t len);
/* Appends a well-formed request to b. */
void put_req(struct wbuf *b, uint32_t op, uint32_t seq,
	     const void *payload, uint32_t len);
void feed(const struct wbuf *b);
/* Splits the session's output into frames; every byte must belong to one. */
int frames_of(const struct ctrl_session *s, struct frame *f);
/* A reply frame to (op, seq) with the given status and flags. */
void check_frame(const struct frame *f, uint32_t op, uint32_t seq,
		 uint32_t status, uint16_t flags);
void check_msg(const struct frame *f, const char *want);
/* Sends a FIXED request and checks its answer: the stream still works. */
void check_stream_usable(uint32_t seq);

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

#endif
