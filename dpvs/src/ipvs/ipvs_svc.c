/*
 * The service table: services by (proto, vip, vport), looked up by
 * workers without locks, changed by the master only.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include "ipvs.h"
#include "ipvs_svc_priv.h"
#include "core/lcore.h"
#include "core/mem_size.h"
#include "core/log.h"
#include "core/rcu.h"

struct svc_key {
	uint32_t vip;
	uint16_t vport;
	uint8_t proto;
	uint8_t pad;
};

static struct rte_hash *svc_table;
static uint32_t svc_max;
static unsigned nworkers;
static uint8_t widx_of[RTE_MAX_LCORE];

unsigned ipvs_worker_index(unsigned lcore)
{
	return widx_of[lcore];
}

unsigned ipvs_nworkers(void)
{
	return nworkers;
}

bool ipvs_svc_table_ready(void)
{
	return svc_table != NULL;
}

uint64_t ipvs_svc_mem_need(uint32_t max_services)
{
	return mem_hash_bytes(max_services, sizeof(struct svc_key), false);
}

int ipvs_svc_table_init(uint32_t max_services)
{
	struct rte_hash_parameters hp = {
		.name = "ipvs_svc",
		.entries = max_services,
		.key_len = sizeof(struct svc_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	const unsigned *w = lcore_workers();

	nworkers = lcore_nworkers();
	for (unsigned i = 0; i < nworkers; i++)
		widx_of[w[i]] = (uint8_t)i;
	svc_table = rte_hash_create(&hp);
	if (!svc_table) {
		LOG_ERRX("ipvs", "cannot create a table of %u services: %s",
			 max_services, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	svc_max = max_services;
	return 0;
}

void ipvs_svc_usage(uint32_t *used, uint32_t *size)
{
	int32_t n = svc_table ? rte_hash_count(svc_table) : 0;

	*used = n > 0 ? (uint32_t)n : 0;
	*size = svc_max;
}

struct ipvs_service *ipvs_svc_lookup(uint8_t proto, uint32_t vip,
				     uint16_t vport)
{
	struct svc_key k = { .vip = vip, .vport = vport, .proto = proto };
	void *data;

	if (rte_hash_lookup_data(svc_table, &k, &data) < 0)
		return NULL;
	return data;
}

struct ipvs_service *ipvs_svc_get(uint8_t proto, uint8_t af, const union inet_addr *vip,
				  uint16_t vport)
{
	if (af && af != AF_INET)
		return NULL;
	return ipvs_svc_lookup(proto, vip->in4, vport);
}

static const char *sched_name(const struct ipvs_svc_conf *c)
{
	return c->sched[0] ? c->sched : IPVS_SCHED_DEFAULT;
}

/* The defaults are the data plane's: what 0 and "" mean. */
static void svc_set(struct ipvs_service *s, const struct ipvs_svc_conf *c)
{
	snprintf(s->sched, sizeof(s->sched), "%s", sched_name(c));
	s->flags = c->flags;
	s->timeout = c->flags & IPVS_SVC_F_PERSISTENT ?
		     (c->timeout ? c->timeout : IPVS_PERSIST_TIMEOUT_DEFAULT) : 0;
	s->netmask = c->netmask ? c->netmask : 0xffffffffu;
}

const char *ipvs_addr_str(uint32_t addr, uint16_t port, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%u.%u.%u.%u", addr >> 24,
			 (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff);

	if (port && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ":%u", port);
	return buf;
}

const char *ipvs_svc_str(const struct ipvs_service *s, char *buf, size_t len)
{
	char a[IPVS_NAME_LEN];

	ipvs_addr_str(s->vip.in4, 0, a, sizeof(a));
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP)
		snprintf(buf, len, "%s %s:%u", s->proto == IPPROTO_TCP ? "TCP" :
			 "UDP", a, s->vport);
	else
		snprintf(buf, len, "proto %u %s:%u", s->proto, a, s->vport);
	return buf;
}

const char *ipvs_fwd_str(uint8_t fwd)
{
	static const char *const names[IPVS_FWD_MAX] = {
		[IPVS_FWD_FNAT] = "fullnat", [IPVS_FWD_DR] = "dr",
		[IPVS_FWD_NAT] = "nat", [IPVS_FWD_TUN] = "tunnel" };

	return fwd < IPVS_FWD_MAX ? names[fwd] : "?";
}

static void log_svc_conf(const struct ipvs_service *s, const char *what)
{
	char n[IPVS_NAME_LEN];

	if (s->flags & IPVS_SVC_F_PERSISTENT)
		LOG_INFOX("ipvs", "service %s %s: scheduler %s, persistent %u s",
			  ipvs_svc_str(s, n, sizeof(n)), what, s->sched,
			  s->timeout);
	else
		LOG_INFOX("ipvs", "service %s %s: scheduler %s",
			  ipvs_svc_str(s, n, sizeof(n)), what, s->sched);
}

/* A PROXY header is a TCP stream's first bytes: one version, TCP only. */
static bool svc_proxy_ok(const struct ipvs_svc_conf *c)
{
	uint32_t pp = c->flags & (IPVS_SVC_F_PROXY_V1 | IPVS_SVC_F_PROXY_V2);

	return !pp || (pp != (IPVS_SVC_F_PROXY_V1 | IPVS_SVC_F_PROXY_V2) &&
		       c->proto == IPPROTO_TCP);
}

int ipvs_svc_add(const struct ipvs_svc_conf *c)
{
	struct svc_key k = { .vip = c->vip.in4, .vport = c->vport, .proto = c->proto };
	struct ipvs_service *s;
	int rc;

	if (c->af && c->af != AF_INET)
		return -EAFNOSUPPORT;
	if (!svc_proxy_ok(c))
		return -EINVAL;
	if (ipvs_svc_lookup(c->proto, c->vip.in4, c->vport))
		return -EEXIST;
	if (!sched_lookup(sched_name(c)))
		return -ENOENT;
	s = rte_zmalloc("ipvs_svc", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (!s)
		return -ENOMEM;
	s->proto = c->proto;
	s->af = AF_INET;
	s->vip = inet_v4(c->vip.in4);
	s->vport = c->vport;
	svc_set(s, c);
	rc = ipvs_snap_publish(s);
	if (rc == 0 && rte_hash_add_key_data(svc_table, &k, s) < 0)
		rc = -ENOSPC;
	if (rc) {
		ipvs_snap_free(s->snap);
		rte_free(s);
	} else {
		log_svc_conf(s, "added");
	}
	return rc;
}

int ipvs_svc_edit(const struct ipvs_svc_conf *c)
{
	struct ipvs_service *s = c->af && c->af != AF_INET ? NULL :
				 ipvs_svc_lookup(c->proto, c->vip.in4, c->vport);
	struct ipvs_service old;

	if (!s)
		return -ENOENT;
	if (!svc_proxy_ok(c))
		return -EINVAL;
	if (!sched_lookup(sched_name(c)))
		return -ENOENT;
	memcpy(&old, s, sizeof(old));
	svc_set(s, c);
	if (ipvs_snap_publish(s) != 0) {
		memcpy(s->sched, old.sched, sizeof(s->sched));
		s->flags = old.flags;
		s->timeout = old.timeout;
		s->netmask = old.netmask;
		return -ENOMEM;
	}
	log_svc_conf(s, "edited");
	return 0;
}

/* Established connections keep their dest and laddr references. */
static void svc_free(struct ipvs_service *s)
{
	while (s->dests) {
		struct ipvs_dest *d = s->dests;

		s->dests = d->next;
		ipvs_dest_put(d);
	}
	while (s->laddrs) {
		struct ipvs_laddr *l = s->laddrs;

		s->laddrs = l->next;
		ipvs_laddr_put(l);
	}
	ipvs_snap_free(s->snap);
	rte_free(s);
}

static void svc_remove(struct ipvs_service *s)
{
	struct svc_key k = { .vip = s->vip.in4, .vport = s->vport, .proto = s->proto };
	int32_t pos;

	pos = rte_hash_del_key(svc_table, &k);
	rcu_synchronize();
	/* A lock-free table keeps a deleted key's slot until told: readers
	 * may have been comparing it until the grace period above. */
	if (pos >= 0)
		rte_hash_free_key_with_position(svc_table, pos);
	svc_free(s);
}

int ipvs_svc_del(uint8_t proto, uint8_t af, const union inet_addr *vip, uint16_t vport)
{
	struct ipvs_service *s = ipvs_svc_get(proto, af, vip, vport);
	char n[IPVS_NAME_LEN];
	unsigned ndests;

	if (!s)
		return -ENOENT;
	ipvs_svc_str(s, n, sizeof(n));
	ndests = s->ndests;
	svc_remove(s);
	LOG_INFOX("ipvs", "service %s removed with its %u real server%s", n,
		  ndests, ndests == 1 ? "" : "s");
	return 0;
}

void ipvs_svc_walk(void (*fn)(struct ipvs_service *s, void *arg), void *arg)
{
	const void *key;
	void *data;
	uint32_t it = 0;

	while (rte_hash_iterate(svc_table, &key, &data, &it) >= 0)
		fn(data, arg);
}

/* One line for the lot: a flush of thousands must not flood the log. */
void ipvs_svc_flush(void)
{
	const void *key;
	void *data;
	uint32_t it = 0, n = 0;

	while (rte_hash_iterate(svc_table, &key, &data, &it) >= 0) {
		svc_remove(data);
		n++;
		it = 0; /* the table changed under the iterator */
	}
	if (n)
		LOG_INFOX("ipvs", "services flushed: %u removed", n);
}

void ipvs_svc_table_fini(void)
{
	if (svc_table)
		ipvs_svc_flush();
	rte_hash_free(svc_table);
	svc_table = NULL;
}
