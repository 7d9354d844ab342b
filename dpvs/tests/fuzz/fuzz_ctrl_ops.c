/*
 * libFuzzer target for the real control-op handlers: the daemon runs in
 * this process (fuzz_daemon.c) with both workers in their loops, so
 * message-bus gathers are answered as in dpvs.  Each input is a short
 * sequence of requests, each handed to ctrl_dispatch() as the control
 * server does with a decoded frame:
 *
 *   { u16 op; u16 len; u8 payload[len]; } ...   (big-endian)
 *
 * A sequence lets an input add an address, then a service, then a real
 * server and delete them again.  After each input the master runs its
 * jobs once (async gathers complete) and the state is reset.
 *
 * Two ops are bounded tighter than the daemon bounds them, only for
 * speed: msgbus-ping counts over 64 become 64 (100000 bus round trips
 * take seconds) and echo sizes over 64 KiB become 64 KiB (64 MiB of
 * pattern bytes under ASan likewise); the handlers' own limit checks
 * are still reached by 0 and by values over the daemon's limits.
 *
 * FUZZ_WRITE_SEEDS=dir: write one valid sequence per op into dir, exit.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_launch.h>

#include "dpvs_ops.h"
#include "fuzz_daemon.h"
#include "core/lcore.h"

#define MAX_OPS 16
#define PING_CAP 64
#define ECHO_CAP 65536

static uint32_t capped(uint32_t op, uint32_t v)
{
	if (op == DPVS_OP_MSGBUS_PING && v > PING_CAP && v <= 100000)
		return PING_CAP;
	if (op == DPVS_OP_ECHO && v > ECHO_CAP && v <= DPVS_ECHO_MAX)
		return ECHO_CAP;
	return v;
}

static void run_one(uint32_t op, const uint8_t *p, uint16_t len)
{
	uint8_t buf[4];

	if ((op == DPVS_OP_MSGBUS_PING || op == DPVS_OP_ECHO) && len == 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		v = htobe32(capped(op, be32toh(v)));
		memcpy(buf, &v, 4);
		p = buf;
	}
	fuzz_op(op, p, len, NULL);
}

static void check_room(void);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	for (int n = 0; n < MAX_OPS && off + 4 <= size; n++) {
		uint16_t op = (uint16_t)(data[off] << 8 | data[off + 1]);
		uint16_t len = (uint16_t)(data[off + 2] << 8 | data[off + 3]);

		off += 4;
		if (len > size - off)
			len = (uint16_t)(size - off);
		/* A copy of its own, so ASan sees reads past the payload. */
		uint8_t *p = malloc(len ? len : 1);

		memcpy(p, data + off, len);
		run_one(op, p, len);
		free(p);
		off += len;
	}
	lcore_loop_once();
	fuzz_daemon_reset();
	check_room();
	return 0;
}

/* ---- seeds ---- */

static void add(struct wbuf *s, uint32_t op, struct wbuf *payload)
{
	wb_u16(s, (uint16_t)op);
	wb_u16(s, payload ? (uint16_t)payload->len : 0);
	if (payload) {
		wb_bytes(s, payload->data, payload->len);
		wb_free(payload);
		wb_init(payload);
	}
}

static void add_u32(struct wbuf *s, uint32_t op, uint32_t v)
{
	struct wbuf p;

	wb_init(&p);
	wb_u32(&p, v);
	add(s, op, &p);
}

static const struct dpvs_addr addr0 = { .ifname = "dpdk0", .plen = 24 };

/* A textual address of either family into a record's fields. */
static void ip_of(const char *ip, uint8_t *af, uint32_t *v4,
		  struct in6_addr *v6)
{
	*af = strchr(ip, ':') ? AF_INET6 : AF_INET;
	*v4 = 0;
	memset(v6, 0, sizeof(*v6));
	if (inet_pton(*af, ip, *af == AF_INET6 ? (void *)v6 : (void *)v4) != 1)
		abort();
}

static void add_addr(struct wbuf *s, uint32_t op, const char *ip, uint8_t plen,
		     uint32_t flags)
{
	struct dpvs_addr a = addr0;
	struct wbuf p;

	ip_of(ip, &a.af, &a.addr, &a.addr6);
	a.plen = plen;
	a.flags = flags;
	wb_init(&p);
	wire_enc_addr(&p, &a);
	add(s, op, &p);
}

static struct dpvs_service svc_of(uint8_t proto, const char *vip,
				  const char *sched, uint32_t flags)
{
	struct dpvs_service v = { .proto = proto, .vport = 80, .flags = flags,
				  .timeout = 300 };

	ip_of(vip, &v.af, &v.vip, &v.vip6);
	v.netmask = v.af == AF_INET6 ? 128 : inet_addr("255.255.255.255");

	snprintf(v.sched, sizeof(v.sched), "%s", sched);
	return v;
}

static void add_svc(struct wbuf *s, uint32_t op, const struct dpvs_service *v)
{
	struct wbuf p;

	wb_init(&p);
	wire_enc_svc(&p, v);
	add(s, op, &p);
}

static void add_dest(struct wbuf *s, uint32_t op, const struct dpvs_service *v,
		     const char *ip, uint32_t fwd)
{
	struct dpvs_dest d = { .proto = v->proto, .vaf = v->af, .vip = v->vip,
			       .vip6 = v->vip6, .vport = v->vport, .port = 8080,
			       .fwd = fwd, .weight = 5 };
	struct wbuf p;

	ip_of(ip, &d.af, &d.addr, &d.addr6);
	wb_init(&p);
	wire_enc_dest(&p, &d);
	add(s, op, &p);
}

static void add_laddr(struct wbuf *s, uint32_t op, const struct dpvs_service *v,
		      const char *ip)
{
	struct dpvs_laddr l = { .proto = v->proto, .vaf = v->af, .vip = v->vip,
				.vip6 = v->vip6, .vport = v->vport };
	struct wbuf p;

	ip_of(ip, &l.af, &l.addr, &l.addr6);
	snprintf(l.ifname, sizeof(l.ifname), "dpdk0");
	wb_init(&p);
	wire_enc_laddr(&p, &l);
	add(s, op, &p);
}

static void add_route(struct wbuf *s, uint32_t op, const char *pfx,
		      uint8_t plen, const char *gw)
{
	struct dpvs_route r = { .plen = plen, .type = DPVS_RT_GATEWAY };
	struct wbuf p;

	ip_of(pfx, &r.af, &r.prefix, &r.prefix6);
	ip_of(gw, &r.af, &r.gw, &r.gw6);
	snprintf(r.ifname, sizeof(r.ifname), "dpdk0");
	wb_init(&p);
	wire_enc_route(&p, &r);
	add(s, op, &p);
}

static void add_neigh(struct wbuf *s, uint32_t op, const char *ip)
{
	struct dpvs_neigh n = { .mac = { 2, 0, 0, 0, 0, 9 },
				.state = DPVS_NEIGH_PERMANENT };
	struct wbuf p;

	ip_of(ip, &n.af, &n.ip, &n.ip6);
	snprintf(n.ifname, sizeof(n.ifname), "dpdk0");
	wb_init(&p);
	wire_enc_neigh(&p, &n);
	add(s, op, &p);
}

static void save(const char *dir, const char *name, struct wbuf *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->data, 1, s->len, f) != s->len) {
		perror(path);
		exit(1);
	}
	fclose(f);
	wb_free(s);
	wb_init(s);
}

static void seeds_core(const char *dir, struct wbuf *s)
{
	static const struct { uint32_t op; const char *name; } empty[] = {
		{ DPVS_OP_VERSION, "version" }, { DPVS_OP_LCORES, "lcores" },
		{ DPVS_OP_MSGBUS_STATS, "msgbus-stats" },
		{ DPVS_OP_CTRL_STATS, "ctrl-stats" }, { DPVS_OP_RELOAD, "reload" },
		{ DPVS_OP_LINK_LIST, "link-list" }, { DPVS_OP_PKT_STATS, "pkt-stats" },
		{ DPVS_OP_ADDR_LIST, "addr-list" }, { DPVS_OP_ROUTE_LIST, "route-list" },
		{ DPVS_OP_NEIGH_LIST, "neigh-list" }, { DPVS_OP_SVC_LIST, "svc-list" },
		{ DPVS_OP_SVC_FLUSH, "svc-flush" },
		{ DPVS_OP_SVC_DEST_LIST, "svc-dest-list" },
		{ DPVS_OP_DEST_LIST, "dest-list" }, { DPVS_OP_LADDR_LIST, "laddr-list" },
		{ DPVS_OP_CONN_LIST, "conn-list" }, { DPVS_OP_ZERO, "zero" },
		{ DPVS_OP_TIMEOUT_GET, "timeout-get" },
		{ DPVS_OP_WORKER_STATS, "worker-stats" },
		{ DPVS_OP_SYNC_STATE, "sync-state" },
		{ DPVS_OP_SYNC_RESET, "sync-reset" },
		{ DPVS_OP_SYNC_BULK, "sync-bulk" },
		{ DPVS_OP_HA_STATE, "ha-state" },
		{ DPVS_OP_HA_RELEASE, "ha-release" },
	};
	struct dpvs_timeouts t = { 900, 120, 300 };
	struct wbuf p;

	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		add(s, empty[i].op, NULL);
		save(dir, empty[i].name, s);
	}
	add_u32(s, DPVS_OP_LOG_LEVEL, 3);
	save(dir, "log-level", s);
	add_u32(s, DPVS_OP_MSGBUS_PING, 4);
	save(dir, "msgbus-ping", s);
	add_u32(s, DPVS_OP_ECHO, 100);
	save(dir, "echo", s);
	add_u32(s, DPVS_OP_PKT_STATS, 1);
	save(dir, "pkt-stats-lcore", s);
	wb_init(&p);
	wb_str(&p, "dpdk0", DPVS_IFNAME_MAX);
	add(s, DPVS_OP_LINK_XSTATS, &p);
	save(dir, "link-xstats", s);
	wb_init(&p);
	wire_enc_timeouts(&p, &t);
	add(s, DPVS_OP_TIMEOUT_SET, &p);
	save(dir, "timeout-set", s);
}

/* Sync on lo, so a start gets as far as the engine can take it. */
static void seeds_ha(const char *dir, struct wbuf *s)
{
	struct dpvs_sync_conf c = { .roles = DPVS_SYNC_BACKUP, .syncid = 51,
				    .ifname = "lo", .key_len = 32 };
	struct wbuf p;

	memset(c.key, 0x5c, sizeof(c.key));
	wb_init(&p);
	wire_enc_sync_conf(&p, &c);
	add(s, DPVS_OP_SYNC_START, &p);
	add(s, DPVS_OP_SYNC_STATE, NULL);
	add(s, DPVS_OP_SYNC_BULK, NULL);
	add_u32(s, DPVS_OP_SYNC_STOP, DPVS_SYNC_BACKUP);
	save(dir, "sync-start-stop", s);
	add_u32(s, DPVS_OP_HA_LEASE, 280);
	add(s, DPVS_OP_HA_ANNOUNCE, NULL);
	add(s, DPVS_OP_HA_STATE, NULL);
	add(s, DPVS_OP_HA_RELEASE, NULL);
	save(dir, "ha-lease", s);
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.1.110", 32,
		 DPVS_ADDR_F_SAPOOL | DPVS_ADDR_F_HA);
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.0.100", 32, DPVS_ADDR_F_LEASED);
	add(s, DPVS_OP_ADDR_LIST, NULL);
	add(s, DPVS_OP_HA_STATE, NULL);
	save(dir, "ha-addrs", s);
}

static void seeds_netif(const char *dir, struct wbuf *s)
{
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.0.1", 24, 0);
	add(s, DPVS_OP_ADDR_LIST, NULL);
	add_addr(s, DPVS_OP_ADDR_DEL, "10.0.0.1", 24, 0);
	save(dir, "addr-add-del", s);
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.0.1", 24, 0);
	add_route(s, DPVS_OP_ROUTE_ADD, "10.1.0.0", 16, "10.0.0.254");
	add(s, DPVS_OP_ROUTE_LIST, NULL);
	add_route(s, DPVS_OP_ROUTE_DEL, "10.1.0.0", 16, "10.0.0.254");
	save(dir, "route-add-del", s);
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.0.1", 24, 0);
	add_neigh(s, DPVS_OP_NEIGH_ADD, "10.0.0.2");
	add(s, DPVS_OP_NEIGH_LIST, NULL);
	add_neigh(s, DPVS_OP_NEIGH_DEL, "10.0.0.2");
	save(dir, "neigh-add-del", s);
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.0.1", 24, 0);
	add_addr(s, DPVS_OP_GARP, "10.0.0.1", 24, 0);
	save(dir, "garp", s);
	add_addr(s, DPVS_OP_ADDR_ADD, "2001:db8::1", 64, DPVS_ADDR_F_NODAD);
	add_route(s, DPVS_OP_ROUTE_ADD, "2001:db8:9::", 48, "2001:db8::5");
	add_neigh(s, DPVS_OP_NEIGH_ADD, "2001:db8::5");
	add(s, DPVS_OP_ADDR_LIST, NULL);
	add(s, DPVS_OP_ROUTE_LIST, NULL);
	add(s, DPVS_OP_NEIGH_LIST, NULL);
	add_addr(s, DPVS_OP_GARP, "2001:db8::1", 64, 0);
	add_route(s, DPVS_OP_ROUTE_DEL, "2001:db8:9::", 48, "2001:db8::5");
	add_neigh(s, DPVS_OP_NEIGH_DEL, "2001:db8::5");
	add_addr(s, DPVS_OP_ADDR_DEL, "2001:db8::1", 64, 0);
	add_addr(s, DPVS_OP_ADDR_ADD, "fe80::1", 64, 0);
	save(dir, "v6-addr-route-neigh", s);
}

/* An IPv6 service with v6 and NAT64 (v4) real servers and laddrs. */
static void seeds_ipvs6(const char *dir, struct wbuf *s)
{
	struct dpvs_service v6 = svc_of(6, "2001:db8::100", "rr",
					DPVS_SVC_F_PERSISTENT);

	v6.netmask = 64;
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.1.1", 24, 0);
	add_addr(s, DPVS_OP_ADDR_ADD, "2001:db8:1::1", 64, DPVS_ADDR_F_NODAD);
	add_svc(s, DPVS_OP_SVC_ADD, &v6);
	add_dest(s, DPVS_OP_DEST_ADD, &v6, "2001:db8:1::11", DPVS_FWD_FNAT);
	add_dest(s, DPVS_OP_DEST_ADD, &v6, "10.0.1.11", DPVS_FWD_FNAT);
	add_dest(s, DPVS_OP_DEST_ADD, &v6, "10.0.1.12", DPVS_FWD_DR);
	add_laddr(s, DPVS_OP_LADDR_ADD, &v6, "2001:db8:1::200");
	add_laddr(s, DPVS_OP_LADDR_ADD, &v6, "10.0.1.200");
	add(s, DPVS_OP_SVC_DEST_LIST, NULL);
	add_svc(s, DPVS_OP_LADDR_LIST, &v6);
	add_svc(s, DPVS_OP_ZERO, &v6);
	add_dest(s, DPVS_OP_DEST_DEL, &v6, "10.0.1.11", DPVS_FWD_FNAT);
	add_laddr(s, DPVS_OP_LADDR_DEL, &v6, "2001:db8:1::200");
	add_svc(s, DPVS_OP_SVC_DEL, &v6);
	save(dir, "v6-svc-dest-laddr", s);
}

static void seeds_ipvs(const char *dir, struct wbuf *s)
{
	struct dpvs_service f = svc_of(6, "10.0.0.100", "rr", 0);
	struct dpvs_service n = svc_of(17, "10.0.0.101", "mh",
				       DPVS_SVC_F_SCHED_FALLBACK |
				       DPVS_SVC_F_SCHED_PORT);
	struct dpvs_service pe = svc_of(6, "10.0.0.102", "wlc",
					DPVS_SVC_F_PERSISTENT);

	add_svc(s, DPVS_OP_SVC_ADD, &f);
	add_svc(s, DPVS_OP_SVC_EDIT, &pe);
	add_svc(s, DPVS_OP_SVC_ADD, &pe);
	add_svc(s, DPVS_OP_SVC_EDIT, &pe);
	add(s, DPVS_OP_SVC_LIST, NULL);
	add_svc(s, DPVS_OP_SVC_DEL, &f);
	save(dir, "svc-add-edit-del", s);
	add_svc(s, DPVS_OP_SVC_ADD, &n);
	add_dest(s, DPVS_OP_DEST_ADD, &n, "10.0.1.11", DPVS_FWD_NAT);
	add_dest(s, DPVS_OP_DEST_ADD, &n, "10.0.1.12", DPVS_FWD_NAT);
	add_dest(s, DPVS_OP_DEST_EDIT, &n, "10.0.1.12", DPVS_FWD_NAT);
	add_svc(s, DPVS_OP_DEST_LIST, &n);
	add(s, DPVS_OP_SVC_DEST_LIST, NULL);
	add_svc(s, DPVS_OP_ZERO, &n);
	add_dest(s, DPVS_OP_DEST_DEL, &n, "10.0.1.11", DPVS_FWD_NAT);
	save(dir, "dest-add-edit-del", s);
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.1.1", 24, 0);
	add_addr(s, DPVS_OP_ADDR_ADD, "10.0.1.200", 32, DPVS_ADDR_F_SAPOOL);
	add_svc(s, DPVS_OP_SVC_ADD, &f);
	add_dest(s, DPVS_OP_DEST_ADD, &f, "10.0.1.11", DPVS_FWD_FNAT);
	add_laddr(s, DPVS_OP_LADDR_ADD, &f, "10.0.1.200");
	add_svc(s, DPVS_OP_LADDR_LIST, &f);
	add(s, DPVS_OP_CONN_LIST, NULL);
	add_laddr(s, DPVS_OP_LADDR_DEL, &f, "10.0.1.200");
	save(dir, "laddr-add-del", s);
	add_svc(s, DPVS_OP_SVC_ADD, &f);
	add_dest(s, DPVS_OP_DEST_ADD, &f, "10.0.1.13", DPVS_FWD_DR);
	add_dest(s, DPVS_OP_DEST_ADD, &f, "10.0.1.14", DPVS_FWD_TUN);
	add(s, DPVS_OP_SVC_FLUSH, NULL);
	save(dir, "svc-flush-dests", s);
	seeds_ipvs6(dir, s);
}

/*
 * After a reset every table must take a new entry again: an op sequence
 * that leaked a slot or a reference (each delete costing one) shows up
 * here, long before a user's table would say "full".
 */
static void check_room(void)
{
	struct dpvs_service v = svc_of(6, "10.9.0.100", "wrr", 0);
	struct wbuf s;
	size_t off = 0;

	wb_init(&s);
	add_addr(&s, DPVS_OP_ADDR_ADD, "10.9.0.1", 24, 0);
	add_addr(&s, DPVS_OP_ADDR_ADD, "10.9.0.200", 32, DPVS_ADDR_F_SAPOOL);
	add_route(&s, DPVS_OP_ROUTE_ADD, "10.8.0.0", 16, "10.9.0.254");
	add_neigh(&s, DPVS_OP_NEIGH_ADD, "10.9.0.2");
	add_svc(&s, DPVS_OP_SVC_ADD, &v);
	add_dest(&s, DPVS_OP_DEST_ADD, &v, "10.9.0.11", DPVS_FWD_FNAT);
	add_laddr(&s, DPVS_OP_LADDR_ADD, &v, "10.9.0.200");
	while (off + 4 <= s.len) {
		uint16_t op = (uint16_t)(s.data[off] << 8 | s.data[off + 1]);
		uint16_t len = (uint16_t)(s.data[off + 2] << 8 | s.data[off + 3]);
		uint32_t st = fuzz_op(op, s.data + off + 4, len, NULL);

		if (st != DPVS_OK) {
			fprintf(stderr, "fuzz_ctrl_ops: after a reset, op %#x "
				"fails (%u)\n", op, st);
			abort();
		}
		off += 4 + len;
	}
	wb_free(&s);
	fuzz_daemon_reset();
}

static void write_seeds(const char *dir)
{
	struct wbuf s;

	wb_init(&s);
	seeds_core(dir, &s);
	seeds_netif(dir, &s);
	seeds_ipvs(dir, &s);
	seeds_ha(dir, &s);
	wb_free(&s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("FUZZ_WRITE_SEEDS");

	(void)argc;
	(void)argv;
	if (seeds) {
		write_seeds(seeds);
		exit(0);
	}
	fuzz_daemon_start("ops", "net_null0,no-rx=1", NULL);
	for (unsigned lc = 1; lc <= FUZZ_NWORKERS; lc++)
		if (rte_eal_remote_launch(lcore_main, NULL, lc) != 0)
			exit(1);
	return 0;
}
