/*
 * libdpvs batches against a forked server that answers as dpvs does: in
 * order, one reply per request.  It reads a request only once the
 * previous reply is written (blocking), so a client that sent without
 * reading would fill both sockets and wait forever.  Each request's
 * payload is its number (u32); the server refuses the numbers in
 * REFUSE_EVERY steps with "refused <n>", and the first connection closes
 * after `close_after` requests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "libdpvs.h"
#include "wire.h"

#define OP 0x0301u
#define REFUSE_EVERY 1000u

static bool read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool write_full(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) == (ssize_t)len;
}

static void answer(int fd, const struct wire_hdr *req, uint32_t num)
{
	uint8_t out[DPVS_WIRE_HDR_LEN];
	char msg[64] = "";
	struct wire_hdr rep = { .magic = DPVS_WIRE_MAGIC,
				.version = DPVS_WIRE_VERSION,
				.flags = DPVS_WF_REPLY, .op = req->op,
				.seq = req->seq };

	if (num % REFUSE_EVERY == REFUSE_EVERY / 2) {
		rep.status = DPVS_EINVAL;
		rep.len = (uint32_t)snprintf(msg, sizeof(msg), "refused %u", num);
	}
	wire_hdr_encode(out, &rep);
	if (!write_full(fd, out, sizeof(out)) || !write_full(fd, msg, rep.len))
		_exit(1);
}

/* Serves one connection; stops after `limit` requests (0: none). */
static void serve(int fd, unsigned limit)
{
	uint8_t hdr[DPVS_WIRE_HDR_LEN], payload[4096];
	struct wire_hdr req;
	unsigned done = 0;

	while ((!limit || done < limit) && read_full(fd, hdr, sizeof(hdr))) {
		wire_hdr_decode(hdr, &req);
		if (req.len < 4 || req.len > sizeof(payload) ||
		    !read_full(fd, payload, req.len))
			_exit(1);
		answer(fd, &req, (uint32_t)payload[0] << 24 |
		       (uint32_t)payload[1] << 16 | payload[2] << 8 | payload[3]);
		done++;
	}
	close(fd);
}

struct server {
	char path[108];
	pid_t pid;
};

static void server_start(struct server *s, unsigned close_after)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/test_batch.%d",
		 (int)getpid());
	snprintf(s->path, sizeof(s->path), "%s", sa.sun_path);
	unlink(sa.sun_path);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 2), 0);
	s->pid = fork();
	assert_true(s->pid >= 0);
	if (s->pid == 0) {
		/* a failed assertion skips server_stop(): go with the test */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		serve(accept(lfd, NULL, NULL), close_after);
		serve(accept(lfd, NULL, NULL), 0);
		_exit(0);
	}
	close(lfd);
}

static void server_stop(struct server *s)
{
	int st;

	kill(s->pid, SIGKILL);
	waitpid(s->pid, &st, 0);
	unlink(s->path);
}

struct seen {
	uint64_t next;          /* the index expected next */
	unsigned ok, refused, broken;
	unsigned ok_after;      /* on the next connection, after a break */
	int broken_status;
};

static void on_status(void *arg, uint64_t index, uint32_t op, int status,
		      const char *errmsg)
{
	struct seen *s = arg;
	char want[64];

	assert_int_equal(index, s->next++);
	assert_int_equal(op, OP);
	if (status == DPVS_OK) {
		assert_string_equal(errmsg, "");
		s->ok += !s->broken;
		s->ok_after += s->broken > 0;
	} else if (status == DPVS_EINVAL) {
		/* index i carried number i (until a send fails) */
		snprintf(want, sizeof(want), "refused %llu",
			 (unsigned long long)index);
		if (!s->broken)
			assert_string_equal(errmsg, want);
		s->refused++;
	} else {
		s->broken++;
		s->broken_status = status;
	}
}

/* Sends numbers 0..n-1 with `pad` bytes after each. */
static void send_numbers(struct dpvs_handle *h, unsigned n, size_t pad)
{
	static uint8_t req[4096];

	assert_true(pad + 4 <= sizeof(req));
	for (unsigned i = 0; i < n; i++) {
		req[0] = (uint8_t)(i >> 24);
		req[1] = (uint8_t)(i >> 16);
		req[2] = (uint8_t)(i >> 8);
		req[3] = (uint8_t)i;
		assert_int_equal(dpvs_call(h, OP, req, 4 + pad, NULL, NULL),
				 DPVS_OK);
	}
}

/*
 * 20,000 requests of 4 KiB (80 MiB, far more than both sockets hold):
 * every status arrives in order, the refusals in the middle with their
 * own message, and the rest still apply.
 */
static void test_batch_in_order_with_refusals(void **state)
{
	struct server srv;
	struct seen seen = { 0 };
	struct dpvs_handle *h;

	(void)state;
	server_start(&srv, 0);
	assert_int_equal(dpvs_connect(srv.path, &h), DPVS_OK);
	dpvs_set_timeout(h, 5000);
	assert_int_equal(dpvs_batch_begin(h, on_status, &seen), DPVS_OK);
	send_numbers(h, 20000, 4092);
	assert_int_equal(dpvs_batch_end(h), 20);
	assert_int_equal(seen.next, 20000);
	assert_int_equal(seen.refused, 20);
	assert_int_equal(seen.ok, 19980);
	assert_int_equal(seen.broken, 0);
	dpvs_close(h);
	server_stop(&srv);
}

/*
 * The server drops the connection after 700 requests: those before got
 * their answers, every later one in flight is reported broken, none is
 * lost, and the batch goes on over a new connection.
 */
static void test_batch_connection_drops(void **state)
{
	struct server srv;
	struct seen seen = { 0 };
	struct dpvs_handle *h;
	unsigned failed;

	(void)state;
	server_start(&srv, 700);
	assert_int_equal(dpvs_connect(srv.path, &h), DPVS_OK);
	dpvs_set_timeout(h, 5000);
	assert_int_equal(dpvs_batch_begin(h, on_status, &seen), DPVS_OK);
	/* Sends after the drop may fail themselves (no index then). */
	for (unsigned i = 0; i < 2000; i++) {
		uint8_t req[4] = { 0, 0, (uint8_t)(i >> 8), (uint8_t)i };

		(void)dpvs_call(h, OP, req, sizeof(req), NULL, NULL);
	}
	failed = dpvs_batch_end(h);
	assert_int_equal(seen.ok, 700 - 1);      /* number 500 refused */
	assert_true(seen.broken >= 1);
	assert_int_equal(seen.broken_status, DPVS_EIO);
	assert_true(seen.ok_after >= 2000 - 700 - 128 - 10);
	assert_int_equal(failed, seen.broken + seen.refused);
	assert_int_equal(seen.next, seen.ok + seen.ok_after + failed);
	/* Outside a batch, a call waits for its answer again. */
	send_numbers(h, 1, 0);
	dpvs_close(h);
	server_stop(&srv);
}

static void test_batch_refuses_nesting(void **state)
{
	struct server srv;
	struct seen seen = { 0 };
	struct dpvs_handle *h;

	(void)state;
	server_start(&srv, 0);
	assert_int_equal(dpvs_connect(srv.path, &h), DPVS_OK);
	assert_int_equal(dpvs_batch_begin(h, NULL, NULL), DPVS_EINVAL);
	assert_int_equal(dpvs_batch_begin(h, on_status, &seen), DPVS_OK);
	assert_int_equal(dpvs_batch_begin(h, on_status, &seen), DPVS_EINVAL);
	send_numbers(h, 3, 0);
	assert_int_equal(dpvs_batch_end(h), 0);
	assert_int_equal(seen.ok, 3);
	dpvs_close(h);
	server_stop(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_in_order_with_refusals),
		cmocka_unit_test(test_batch_connection_drops),
		cmocka_unit_test(test_batch_refuses_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
