/*
 * The resource view (ids 0x0500-0x05ff): what every table, pool and the
 * fd space holds against its limit.  Table rows count key slots the
 * way the hash does, so a slot that a delete never gave back shows up
 * as used: after churn, every row must be back at its baseline.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_hash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "core/conf.h"
#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "net/inetaddr.h"
#include "ipvs/ipvs.h"
#include "ipvs/ipvs_conn.h"
#include "ipvs/ipvs_persist.h"
#include "ipvs/ipvs_sync.h"
#include "handlers.h"
#include "net/route.h"
#include "net/route6.h"
#include "net/neigh6.h"
#include "net/inet6addr.h"

struct res_list {
	struct wbuf *b;
	uint32_t n;
};

static const struct ctrl_daemon_ops *daemon_ops;

static void put(struct res_list *l, uint32_t kind, const char *name,
		uint64_t used, uint64_t size)
{
	struct dpvs_resource r = { .kind = kind, .used = used, .size = size };

	snprintf(r.name, sizeof(r.name), "%s", name);
	wire_enc_resource(l->b, &r);
	l->n++;
}

/* A hash of another module, by the name it was created with. */
static void put_hash(struct res_list *l, const char *row, const char *hname)
{
	const struct rte_hash *h = rte_hash_find_existing(hname);
	int32_t used, size;

	if (!h)
		return;
	used = rte_hash_count(h);
	size = rte_hash_max_key_id(h);
	put(l, DPVS_RES_TABLE, row, used > 0 ? (uint64_t)used : 0,
	    size > 0 ? (uint64_t)size : 0);
}

static void count_route(const struct route_entry *r __rte_unused, void *arg)
{
	(*(uint64_t *)arg)++;
}

static void count_addr(uint16_t port __rte_unused, uint32_t addr __rte_unused,
		       uint8_t plen __rte_unused, uint32_t flags __rte_unused,
		       void *arg)
{
	(*(uint64_t *)arg)++;
}

static void count_addr6(uint16_t port __rte_unused,
			const struct in6_addr *a __rte_unused,
			uint8_t plen __rte_unused, uint32_t flags __rte_unused,
			void *arg)
{
	(*(uint64_t *)arg)++;
}

/* The IPv6 tables: none while the stack has none (ipv6.enable false). */
static void put_tables6(struct res_list *l, const struct dpvs_conf *c)
{
	uint32_t used, size, plens;
	uint64_t n = 0;

	route6_usage(&used, &size, &plens);
	if (size)
		put(l, DPVS_RES_TABLE, "routes6", used, size);
	neigh6_usage(&used, &size);
	if (size)
		put(l, DPVS_RES_TABLE, "neighbours6", used, size);
	inet6addr_walk(count_addr6, &n);
	if (n || size)
		put(l, DPVS_RES_TABLE, "addresses6", n, c->ip6_max_addrs);
}

static void put_tables(struct res_list *l)
{
	const struct dpvs_conf *c = daemon_ops->conf();
	uint32_t used, size;
	uint64_t n = 0;
	char hname[RTE_HASH_NAMESIZE], row[WIRE_NAME_STR];

	ipvs_svc_usage(&used, &size);
	put(l, DPVS_RES_TABLE, "services", used, size);
	ipvs_persist_usage(&used, &size);
	put(l, DPVS_RES_TABLE, "persist-templates", used, size);
	for (unsigned w = 0; w < RTE_MAX_LCORE; w++) {
		snprintf(hname, sizeof(hname), "ipvs_conn_%u", w);
		snprintf(row, sizeof(row), "conn-keys-w%u", w);
		if (!rte_hash_find_existing(hname))
			break;
		put_hash(l, row, hname);
	}
	put_hash(l, "nat-reply-tuples", "nat_reply_reg");
	ipvs_sync_ring_usage(&used, &size);
	put(l, DPVS_RES_TABLE, "sync-rings", used, size);
	ipvs_sync_dir_usage(&used, &size);
	if (size)
		put(l, DPVS_RES_TABLE, "sync-directory", used, size);
	put_hash(l, "neighbours", "neigh");
	route_walk(count_route, &n);
	put(l, DPVS_RES_TABLE, "routes", n, c->max_routes);
	n = 0;
	inetaddr_walk(count_addr, &n);
	put(l, DPVS_RES_TABLE, "addresses", n, INETADDR_MAX);
	put_tables6(l, c);
}

static void put_pool(struct rte_mempool *mp, void *arg)
{
	put(arg, DPVS_RES_POOL, mp->name, rte_mempool_in_use_count(mp),
	    mp->size);
}

/* The connections' pool is an array of its own, not a mempool. */
static void put_conn_pool(struct res_list *l)
{
	uint32_t size, in_use;

	ipvs_conn_pool_usage(&size, &in_use);
	if (size)
		put(l, DPVS_RES_POOL, "ipvs_conn", in_use, size);
}

/* Tables, snapshots and port sets live in DPDK's heaps, not in RSS. */
static void put_heap(struct res_list *l)
{
	struct rte_malloc_socket_stats st;
	uint64_t used = 0, size = 0;

	for (unsigned s = 0; s < rte_socket_count(); s++) {
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) != 0)
			continue;
		used += st.heap_allocsz_bytes;
		size += st.heap_totalsz_bytes;
	}
	put(l, DPVS_RES_HEAP, "heap", used, size);
}

static void put_fds(struct res_list *l)
{
	DIR *d = opendir("/proc/self/fd");
	struct rlimit rl = { 0 };
	uint64_t n = 0;

	if (!d)
		return;
	while (readdir(d))
		n++;
	closedir(d);
	getrlimit(RLIMIT_NOFILE, &rl);
	/* Less ".", ".." and the directory's own fd. */
	put(l, DPVS_RES_FDS, "fds", n >= 3 ? n - 3 : 0, rl.rlim_cur);
}

static int op_resources(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			struct ctrl_reply *rep)
{
	struct res_list l = { &rep->data, 0 };
	size_t at = ctrl_list_begin(&rep->data);

	put_tables(&l);
	put_conn_pool(&l);
	rte_mempool_walk(put_pool, &l);
	put_heap(&l);
	put_fds(&l);
	ctrl_list_end(&rep->data, at, l.n);
	return DPVS_OK;
}

static const struct ctrl_op res_ops[] = {
	{ DPVS_OP_RESOURCES, "resources", 0, 0, op_resources },
};

static struct ctrl_range res_range = {
	.module = "resources",
	.min = DPVS_OP_RES_MIN,
	.max = DPVS_OP_RES_MAX,
	.ops = res_ops,
	.nops = sizeof(res_ops) / sizeof(res_ops[0]),
};

int resources_ctl_init(const struct ctrl_daemon_ops *d)
{
	daemon_ops = d;
	return ctrl_register(&res_range);
}
