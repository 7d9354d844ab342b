/*
 * The service tables: services by (proto, vip, vport), looked up by
 * workers without locks, changed by the master only.  IPv4 and IPv6
 * services live in two hashes, so the v4 key and its lookup stay the
 * 8 bytes they always were; ipvs.max_services bounds both together.
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

struct svc6_key {
	struct in6_addr vip;       /* network order */
	uint16_t vport;
	uint8_t proto;
	uint8_t pad;
};

union svc_anykey {
	struct svc_key k4;
	struct svc6_key k6;
};

static struct rte_hash *svc_table, *svc6_table;
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
	/* Either family may take the whole limit. */
	return mem_hash_bytes(max_services, sizeof(struct svc_key), false) +
	       mem_hash_bytes(max_services, sizeof(struct svc6_key), false);
}

static struct rte_hash *svc_hash_create(const char *name, uint32_t n,
					uint32_t key_len)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = n,
		.key_len = key_len,
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	struct rte_hash *h = rte_hash_create(&hp);

	if (!h)
		LOG_ERRX("ipvs", "cannot create a table of %u services (%s): %s",
			 n, name, rte_strerror(rte_errno));
	return h;
}

int ipvs_svc_table_init(uint32_t max_services)
{
	const unsigned *w = lcore_workers();

	nworkers = lcore_nworkers();
	for (unsigned i = 0; i < nworkers; i++)
		widx_of[w[i]] = (uint8_t)i;
	svc_table = svc_hash_create("ipvs_svc", max_services,
				    sizeof(struct svc_key));
	svc6_table = svc_hash_create("ipvs_svc6", max_services,
				     sizeof(struct svc6_key));
	if (!svc_table || !svc6_table) {
		rte_hash_free(svc_table);
		rte_hash_free(svc6_table);
		svc_table = svc6_table = NULL;
		return -ENOMEM;
	}
	svc_max = max_services;
	return 0;
}

static uint32_t hash_used(const struct rte_hash *h)
{
	int32_t n = h ? rte_hash_count(h) : 0;

	return n > 0 ? (uint32_t)n : 0;
}

/* Both families: max_services is one limit over the two tables. */
void ipvs_svc_usage(uint32_t *used, uint32_t *size)
{
	*used = hash_used(svc_table) + hash_used(svc6_table);
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

struct ipvs_service *ipvs_svc_lookup6(uint8_t proto, const struct in6_addr *vip,
				      uint16_t vport)
{
	struct svc6_key k = { .vip = *vip, .vport = vport, .proto = proto };
	void *data;

	if (rte_hash_lookup_data(svc6_table, &k, &data) < 0)
		return NULL;
	return data;
}

/* The table of af and the key of (proto, vip, vport); NULL: no such family. */
static struct rte_hash *svc_key_make(uint8_t proto, uint8_t af,
				     const union inet_addr *vip, uint16_t vport,
				     union svc_anykey *k)
{
	memset(k, 0, sizeof(*k));
	if (!af || af == AF_INET) {
		k->k4 = (struct svc_key){ .vip = vip->in4, .vport = vport,
					  .proto = proto };
		return svc_table;
	}
	if (af != AF_INET6)
		return NULL;
	k->k6 = (struct svc6_key){ .vip = vip->in6, .vport = vport,
				   .proto = proto };
	return svc6_table;
}

struct ipvs_service *ipvs_svc_get(uint8_t proto, uint8_t af, const union inet_addr *vip,
				  uint16_t vport)
{
	if (!af || af == AF_INET)
		return ipvs_svc_lookup(proto, vip->in4, vport);
	if (af == AF_INET6)
		return ipvs_svc_lookup6(proto, &vip->in6, vport);
	return NULL;
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
	if (s->af == AF_INET6)
		s->netmask = c->netmask ? c->netmask : 128;
	else
		s->netmask = c->netmask ? c->netmask : 0xffffffffu;
}

/* A v6 netmask is a prefix length; v4's any mask, as always. */
static bool svc_netmask_ok(const struct ipvs_svc_conf *c)
{
	return c->af != AF_INET6 || c->netmask <= 128;
}

/* No v6 service on an address that names no single host. */
static bool svc_vip_ok(const struct ipvs_svc_conf *c)
{
	return c->af != AF_INET6 || (!ipv6_is_multicast(&c->vip.in6) &&
				     !ipv6_is_unspecified(&c->vip.in6));
}

/* "10.0.1.11:80", "[2001:db8::11]:80"; with_port false: the address alone. */
static const char *addr_port_str(uint8_t af, const union inet_addr *addr,
				 bool with_port, uint16_t port, char *buf, size_t len)
{
	char a[INET_ADDRSTR_MAX];
	bool v6 = af == AF_INET6;

	inet_addr_str(v6 ? AF_INET6 : AF_INET, addr, a);
	if (!with_port)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", a, port);
	return buf;
}

const char *ipvs_addr_str(uint8_t af, const union inet_addr *addr, uint16_t port,
			  char *buf, size_t len)
{
	return addr_port_str(af, addr, port != 0, port, buf, len);
}

const char *ipvs_svc_str(const struct ipvs_service *s, char *buf, size_t len)
{
	char a[IPVS_NAME_LEN];

	addr_port_str(s->af, &s->vip, true, s->vport, a, sizeof(a));
	if (s->proto == IPPROTO_TCP || s->proto == IPPROTO_UDP)
		snprintf(buf, len, "%s %s", s->proto == IPPROTO_TCP ? "TCP" :
			 "UDP", a);
	else
		snprintf(buf, len, "proto %u %s", s->proto, a);
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

static bool svc_full(void)
{
	uint32_t used, size;

	ipvs_svc_usage(&used, &size);
	return used >= size;
}

int ipvs_svc_add(const struct ipvs_svc_conf *c)
{
	union svc_anykey k;
	struct rte_hash *t = svc_key_make(c->proto, c->af, &c->vip, c->vport, &k);
	struct ipvs_service *s;
	int rc;

	if (!t)
		return -EAFNOSUPPORT;
	if (!svc_proxy_ok(c) || !svc_netmask_ok(c) || !svc_vip_ok(c))
		return -EINVAL;
	if (ipvs_svc_get(c->proto, c->af, &c->vip, c->vport))
		return -EEXIST;
	if (!sched_lookup(sched_name(c)))
		return -ENOENT;
	if (svc_full())
		return -ENOSPC;
	s = rte_zmalloc("ipvs_svc", sizeof(*s), RTE_CACHE_LINE_SIZE);
	if (!s)
		return -ENOMEM;
	s->proto = c->proto;
	s->af = c->af == AF_INET6 ? AF_INET6 : AF_INET;
	s->vip = s->af == AF_INET ? inet_v4(c->vip.in4) : inet_v6(&c->vip.in6);
	s->vport = c->vport;
	svc_set(s, c);
	rc = ipvs_snap_publish(s);
	if (rc == 0 && rte_hash_add_key_data(t, &k, s) < 0)
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
	struct ipvs_service *s = ipvs_svc_get(c->proto, c->af, &c->vip, c->vport);
	struct ipvs_service old;

	if (!s)
		return -ENOENT;
	if (!svc_proxy_ok(c) || !svc_netmask_ok(c))
		return -EINVAL;
	if (!sched_lookup(sched_name(c)))
		return -ENOENT;
	memcpy(&old, s, sizeof(old));
	svc_set(s, c);
	if (ipvs_snap_publish_lazy(s) != 0) {
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
	union svc_anykey k;
	struct rte_hash *t = svc_key_make(s->proto, s->af, &s->vip, s->vport, &k);
	int32_t pos;

	pos = rte_hash_del_key(t, &k);
	rcu_synchronize();
	/* A lock-free table keeps a deleted key's slot until told: readers
	 * may have been comparing it until the grace period above. */
	if (pos >= 0)
		rte_hash_free_key_with_position(t, pos);
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

/* IPv4 services first, then IPv6 ones. */
void ipvs_svc_walk(void (*fn)(struct ipvs_service *s, void *arg), void *arg)
{
	struct rte_hash *tables[] = { svc_table, svc6_table };
	const void *key;
	void *data;

	for (unsigned i = 0; i < RTE_DIM(tables); i++) {
		uint32_t it = 0;

		while (rte_hash_iterate(tables[i], &key, &data, &it) >= 0)
			fn(data, arg);
	}
}

static uint32_t svc_flush_one(struct rte_hash *t)
{
	const void *key;
	void *data;
	uint32_t it = 0, n = 0;

	while (rte_hash_iterate(t, &key, &data, &it) >= 0) {
		svc_remove(data);
		n++;
		it = 0; /* the table changed under the iterator */
	}
	return n;
}

/* One line for the lot: a flush of thousands must not flood the log. */
void ipvs_svc_flush(void)
{
	uint32_t n = svc_flush_one(svc_table) + svc_flush_one(svc6_table);

	ipvs_snap_quiesce();
	if (n)
		LOG_INFOX("ipvs", "services flushed: %u removed", n);
}

void ipvs_svc_table_fini(void)
{
	if (svc_table)
		ipvs_svc_flush();
	rte_hash_free(svc_table);
	rte_hash_free(svc6_table);
	svc_table = svc6_table = NULL;
}
