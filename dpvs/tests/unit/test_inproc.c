/* Control-op set-up for the in-process daemon's tests (test_inproc.h). */
#include "test_inproc.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "dpvs_ops.h"
#include "../fuzz/fuzz_daemon.h"

void inproc_op(uint32_t code, struct wbuf *b)
{
	assert_int_equal(fuzz_op_wb(code, b), DPVS_OK);
}

void inproc_addr(const char *ip, uint8_t plen, uint32_t flags)
{
	struct dpvs_addr a = { .ifname = "dpdk0", .addr = inet_addr(ip),
				.plen = plen, .flags = flags };
	struct wbuf b;

	wb_init(&b);
	wire_enc_addr(&b, &a);
	inproc_op(DPVS_OP_ADDR_ADD, &b);
}

void inproc_neigh(const char *ip)
{
	struct dpvs_neigh n = { .ifname = "dpdk0", .ip = inet_addr(ip),
				.mac = { 2, 0, 0, 0, 1, 0 },
				.state = DPVS_NEIGH_PERMANENT };
	struct wbuf b;

	n.mac[5] = (uint8_t)(ntohl(inet_addr(ip)) & 0xff);
	wb_init(&b);
	wire_enc_neigh(&b, &n);
	inproc_op(DPVS_OP_NEIGH_ADD, &b);
}

struct dpvs_service inproc_svc(uint8_t proto, const char *vip, uint16_t port)
{
	struct dpvs_service s = { .proto = proto, .vip = inet_addr(vip),
				  .vport = port, .sched = "rr" };
	struct wbuf b;

	wb_init(&b);
	wire_enc_svc(&b, &s);
	inproc_op(DPVS_OP_SVC_ADD, &b);
	return s;
}

void inproc_dest(const struct dpvs_service *s, const char *ip, uint16_t port,
		 uint32_t fwd, int weight)
{
	struct dpvs_dest d = { .proto = s->proto, .vip = s->vip,
			       .vport = s->vport, .addr = inet_addr(ip),
			       .port = port, .fwd = fwd, .weight = weight };
	struct wbuf b;

	wb_init(&b);
	wire_enc_dest(&b, &d);
	inproc_op(DPVS_OP_DEST_ADD, &b);
}

void inproc_laddr(const struct dpvs_service *s, const char *ip)
{
	struct dpvs_laddr l = { .proto = s->proto, .vip = s->vip,
				.vport = s->vport, .addr = inet_addr(ip),
				.ifname = "dpdk0" };
	struct wbuf b;

	wb_init(&b);
	wire_enc_laddr(&b, &l);
	inproc_op(DPVS_OP_LADDR_ADD, &b);
}
