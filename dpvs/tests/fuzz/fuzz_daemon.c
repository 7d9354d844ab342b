/* The real daemon in the fuzzer's process (see fuzz_daemon.h). */
#include "fuzz_daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "ctrl/ctrl.h"
#include "daemon.h"
#include "core/lcore.h"
#include "dpvs_ops.h"
#include "core/log.h"
#include "core/rcu.h"
#include "net/netif.h"

static char dir[64], eal_dir[128];
static struct dpvs_timeouts timeouts0;

static void cleanup(void)
{
	char path[128];

	/* The workers may be in their loops (fuzz_ctrl_ops). */
	lcore_stop();
	rte_eal_mp_wait_lcore();
	daemon_stop();
	snprintf(path, sizeof(path), "%s/dpvs.conf", dir);
	unlink(path);
	rmdir(dir);
	rmdir(eal_dir);
}

static void write_conf(const char *path, const char *name,
		       const char *devargs, const char *extra)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	/* Small tables, so that inputs reach "full" quickly. */
	fprintf(f,
		"global = { log_level = \"emerg\"; eal_args = [ \"--no-huge\", "
		"\"-m\", \"256\", \"--no-pci\", \"--no-shconf\", \"--no-telemetry\", "
		"\"--file-prefix\", \"fuzz_%s_%d\", \"--lcores\", "
		"\"0@0,(1-2)@1\", \"--log-level\", \"*:error\" ]; };\n"
		"netif = { devices = ( { name = \"dpdk0\"; device = \"%s\"; "
		"rx_queues = 2; tx_queues = 2; rx_desc = 256; tx_desc = 256; "
		"kni = false; } ); };\n"
		"workers = { master_lcore = 0; idle_max_sleep_us = 200; "
		"lcores = ( { lcore = 1; queues = ( { port = \"dpdk0\"; "
		"rx = [0]; tx = [0]; } ); }, { lcore = 2; queues = ( { port = "
		"\"dpdk0\"; rx = [1]; tx = [1]; } ); } ); };\n"
		"ctrl = { ipc_file = \"%s/dpvs.ipc\"; };\n"
		"ipv4 = { forwarding = true; max_routes = 64; };\n"
		"neigh = { max_entries = 64; queue_len = 4; };\n"
		"ipvs = { conn_pool_size = 2048; max_services = 64; };\n%s",
		name, (int)getpid(), devargs, dir, extra ? extra : "");
	fclose(f);
}

void fuzz_daemon_start(const char *name, const char *devargs,
		       const char *extra)
{
	/* The daemon keeps pointers into its argv: static like main's. */
	static char conf[128], pid[128], ipc[128];
	static char *argv[] = { "dpvs", "-c", conf, "-p", pid, "-x", ipc, NULL };
	struct wbuf out;
	struct rbuf rb;
	int rc;

	/* By pid, so that run-fuzz.sh can remove it after a crash. */
	snprintf(dir, sizeof(dir), "/tmp/dpvs-fuzz-%s-%d", name, (int)getpid());
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		perror(dir);
		exit(1);
	}
	snprintf(conf, sizeof(conf), "%s/dpvs.conf", dir);
	snprintf(pid, sizeof(pid), "%s/dpvs.pid", dir);
	snprintf(ipc, sizeof(ipc), "%s/dpvs.ipc", dir);
	snprintf(eal_dir, sizeof(eal_dir), "/var/run/dpdk/fuzz_%s_%d", name,
		 (int)getpid());
	write_conf(conf, name, devargs, extra);
	if (daemon_start(7, argv, &rc) < 0) {
		fprintf(stderr, "fuzz: the daemon did not start (%d)\n", rc);
		unlink(conf);
		rmdir(dir);
		exit(1);
	}
	atexit(cleanup);
	/* The daemon's SIGTERM/SIGINT only stop lcore loops, which the
	 * fuzzer does not run: leave them to libFuzzer (it stops). */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (fuzz_op(DPVS_OP_TIMEOUT_GET, NULL, 0, &out) != DPVS_OK)
		exit(1);
	rb_init(&rb, out.data, out.len);
	wire_dec_timeouts(&rb, &timeouts0);
	wb_free(&out);
}

uint32_t fuzz_op(uint32_t op, const void *payload, size_t len,
		 struct wbuf *out)
{
	struct dpvs_ctrl_stats st = { 0 };
	struct wire_hdr h = { .magic = DPVS_WIRE_MAGIC,
			      .version = DPVS_WIRE_VERSION, .op = op,
			      .len = (uint32_t)len };
	struct ctrl_reply rep;

	memset(&rep, 0, sizeof(rep));
	wb_init(&rep.data);
	ctrl_dispatch(&h, payload, &rep, &st);
	if (out)
		*out = rep.data;
	else
		wb_free(&rep.data);
	return rep.status;
}

uint32_t fuzz_op_wb(uint32_t op, struct wbuf *req)
{
	uint32_t st = fuzz_op(op, req->data, req->len, NULL);

	wb_free(req);
	return st;
}

/* Deletes every record that op `list` returns through op `del`. */
static void delete_all(uint32_t list, uint32_t del, size_t rec_len)
{
	struct wbuf out;
	uint32_t n;

	if (fuzz_op(list, NULL, 0, &out) != DPVS_OK || out.len < 4) {
		wb_free(&out);
		return;
	}
	n = be32toh(*(uint32_t *)out.data);
	for (uint32_t i = 0; i < n && 4 + (i + 1) * rec_len <= out.len; i++)
		fuzz_op(del, out.data + 4 + i * rec_len, rec_len, NULL);
	wb_free(&out);
}

void fuzz_daemon_reset(void)
{
	struct wbuf b;

	fuzz_op(DPVS_OP_SVC_FLUSH, NULL, 0, NULL);
	/* No sync socket outlives its input. */
	wb_init(&b);
	wb_u32(&b, DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP);
	fuzz_op_wb(DPVS_OP_SYNC_STOP, &b);
	delete_all(DPVS_OP_NEIGH_LIST, DPVS_OP_NEIGH_DEL, WIRE_NEIGH_REC_LEN);
	delete_all(DPVS_OP_ADDR_LIST, DPVS_OP_ADDR_DEL, WIRE_ADDR_REC_LEN);
	delete_all(DPVS_OP_ROUTE_LIST, DPVS_OP_ROUTE_DEL, WIRE_ROUTE_REC_LEN);
	wb_init(&b);
	wire_enc_timeouts(&b, &timeouts0);
	fuzz_op_wb(DPVS_OP_TIMEOUT_SET, &b);
	log_set_level(LOG_EMERG);
}

int fuzz_port_open(struct fuzz_port *p, const char *pool_name, unsigned n)
{
	const struct netif_port *np = netif_port_by_name("dpdk0");

	p->rings[0] = rte_ring_lookup("ETH_RXTX0_net_ring0");
	p->rings[1] = rte_ring_lookup("ETH_RXTX1_net_ring0");
	p->pool = rte_pktmbuf_pool_create(pool_name, n, 0, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  SOCKET_ID_ANY);
	if (!np || !p->rings[0] || !p->rings[1] || !p->pool)
		return -1;
	p->id = np->id;
	p->mac = np->mac;
	return 0;
}

void fuzz_run_worker(unsigned w)
{
	unsigned lc = lcore_workers()[w];

	RTE_PER_LCORE(_lcore_id) = lc;
	/* Online only while it runs: the master never waits for an idle one. */
	rcu_register(lc);
	lcore_loop_once();
	rcu_unregister(lc);
	RTE_PER_LCORE(_lcore_id) = rte_get_main_lcore();
}
