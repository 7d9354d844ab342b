/* Configuration parsing, checking and reload comparison. */
#include "conf.h"

#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Linux IFNAMSIZ, including the NUL. */
#define IFNAMSIZ_DPVS 16

/* Collects problems; parsing goes on after one so -t reports them all. */
struct errs {
	char *buf;
	size_t len;
	size_t cap;
	int n;
	const char *file;
};

static void errs_add(struct errs *e, int line, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void errs_add(struct errs *e, int line, const char *key,
		     const char *fmt, ...)
{
	va_list ap;
	int n;

	e->n++;
	if (e->len + 1 >= e->cap)
		return;
	n = snprintf(e->buf + e->len, e->cap - e->len, "%s:%d: %s: ", e->file,
		     line, key);
	if (n > 0)
		e->len += (size_t)n < e->cap - e->len ? (size_t)n : e->cap - e->len - 1;
	va_start(ap, fmt);
	n = vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		e->len += (size_t)n < e->cap - e->len ? (size_t)n : e->cap - e->len - 1;
	if (e->len + 1 < e->cap) {
		e->buf[e->len++] = '\n';
		e->buf[e->len] = '\0';
	}
}

static int line_of(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

/* ---- the table of scalar keys ---- */

enum key_type { KT_UINT, KT_STRING, KT_LEVEL, KT_TARGET, KT_IDLE, KT_BOOL };

struct key_desc {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off;
	size_t size;     /* strings: buffer size */
	uint32_t min;
	uint32_t max;
	bool pow2;
	bool reloadable;
};

#define U32(sec, key, field, lo, hi, p2, rl)                                   \
	{ sec, key, KT_UINT, offsetof(struct dpvs_conf, field), 0, lo, hi, p2, rl }
#define STR(sec, key, field, rl)                                               \
	{ sec, key, KT_STRING, offsetof(struct dpvs_conf, field),              \
	  sizeof(((struct dpvs_conf *)0)->field), 0, 0, false, rl }
#define SPECIAL(sec, key, kt, field, rl)                                       \
	{ sec, key, kt, offsetof(struct dpvs_conf, field), 0, 0, 0, false, rl }

static const struct key_desc keys[] = {
	SPECIAL("global", "log_level", KT_LEVEL, log_level, true),
	SPECIAL("global", "log_target", KT_TARGET, log_target, true),
	STR("global", "log_file", log_file, true),
	U32("netif", "mbuf_pool_size", mbuf_pool_size, 0, 1u << 24, false, false),
	U32("workers", "master_lcore", master_lcore, 0, CONF_MAX_LCORE, false, false),
	SPECIAL("workers", "idle_policy", KT_IDLE, idle_policy, true),
	U32("workers", "idle_empty_loops", idle_empty_loops, 1, 1000000, false, true),
	U32("workers", "idle_sleep_us", idle_sleep_us, 1, 100000, false, true),
	U32("workers", "idle_max_sleep_us", idle_max_sleep_us, 1, 100000, false, true),
	U32("ctrl", "msg_ring_size", msg_ring_size, 64, 1u << 20, true, false),
	U32("ctrl", "msg_pool_size", msg_pool_size, 256, 1u << 20, false, false),
	U32("ctrl", "sync_timeout_ms", sync_timeout_ms, 1, 600000, false, true),
	STR("ctrl", "ipc_file", ipc_file, false),
	STR("ctrl", "group", ctrl_group, true),
	U32("ctrl", "max_request", max_request, 1024, 64u << 20, false, true),
	U32("ctrl", "max_clients", max_clients, 1, 65536, false, true),
	U32("ctrl", "client_timeout_ms", client_timeout_ms, 100, 3600000, false, true),
	U32("ctrl", "max_user_buffer", max_user_buffer, 1024, 1u << 30, false, true),
	U32("ctrl", "max_total_buffer", max_total_buffer, 1024, 1u << 30, false, true),
	U32("timers", "tick_us", timer_tick_us, 10, 1000000, false, false),
	SPECIAL("ipv4", "forwarding", KT_BOOL, ip_forward, true),
	U32("ipv4", "max_routes", max_routes, 16, 1u << 20, false, false),
	SPECIAL("ipv6", "enable", KT_BOOL, ip6_enable, false),
	SPECIAL("ipv6", "forwarding", KT_BOOL, ip6_forward, true),
	U32("ipv6", "max_routes", ip6_max_routes, 16, 1u << 20, false, false),
	U32("ipv6", "max_addrs", ip6_max_addrs, 16, 65536, false, false),
	U32("ipv6", "dad_transmits", ip6_dad_transmits, 0, 10, false, true),
	U32("ipv6", "dad_retrans_ms", ip6_dad_retrans_ms, 100, 10000, false, true),
	U32("ipv6", "icmp_error_pps", ip6_icmp_error_pps, 0, 1000000, false, true),
	SPECIAL("ipv6", "mld_reports", KT_BOOL, ip6_mld_reports, true),
	U32("neigh", "max_entries", neigh_max, 16, 1u << 20, false, false),
	U32("neigh", "max_entries6", neigh6_max, 16, 1u << 20, false, false),
	U32("neigh", "reachable_s", neigh_reachable_s, 1, 86400, false, true),
	U32("neigh", "queue_len", neigh_queue_len, 1, 64, false, false),
	U32("neigh", "resolve_ms", neigh_resolve_ms, 100, 60000, false, true),
	U32("neigh", "learn_rate", neigh_learn_rate, 10, 10000000, false, true),
	U32("ipvs", "conn_pool_size", conn_pool_size, 1024, 1u << 26, false, false),
	U32("ipvs", "max_services", max_services, 16, 1u << 20, false, false),
	U32("kni", "ring_size", kni_ring_size, 64, 65536, true, false),
	U32("kni", "rate_limit_pps", kni_rate_pps, 0, 100000000, false, true),
	U32("kni", "priority_rate_pps", kni_prio_rate_pps, 0, 1000000, false, true),
	U32("kni", "sync_rate_pps", kni_sync_rate_pps, 0, 10000000, false, true),
	/* sync (docs/ha.md); sync.threshold is a pair, parsed by its own code */
	U32("sync", "ring_size", sync_ring_size, 1024, 1u << 20, true, false),
	U32("sync", "flush_ms", sync_flush_ms, 1, 1000, false, true),
	U32("sync", "refresh_s", sync_refresh_s, 1, 86400, false, true),
	SPECIAL("sync", "embryonic", KT_BOOL, sync_embryonic, true),
	U32("sync", "max_msgs_per_s", sync_max_msgs_per_s, 100, 1000000, false, true),
	U32("sync", "bulk_msgs_per_s", sync_bulk_msgs_per_s, 100, 1000000, false, true),
	U32("sync", "heartbeat_ms", sync_heartbeat_ms, 100, 60000, false, true),
	U32("sync", "sock_buf_kb", sync_sock_buf_kb, 64, 65536, false, false),
	U32("sync", "max_age_s", sync_max_age_s, 0, 86400, false, true),
	SPECIAL("sync", "backup_only", KT_BOOL, sync_backup_only, true),
	U32("sync", "dir_entries", sync_dir_entries, 0, 64u << 20, false, false),
	U32("ha", "lease_min_ms", ha_lease_min_ms, 10, 600000, false, true),
	U32("ha", "lease_max_ms", ha_lease_max_ms, 10, 600000, false, true),
	U32("ha", "garp_count", ha_garp_count, 1, 10, false, true),
	U32("ha", "garp_interval_ms", ha_garp_interval_ms, 10, 1000, false, true),
};

/* Keys parsed by their own code, not by the table. */
static const struct {
	const char *section;
	const char *name;
} list_keys[] = {
	{ "global", "eal_args" },
	{ "netif", "devices" },
	{ "workers", "lcores" },
	{ "sync", "threshold" },
};

static const char *const sections[] = { "global", "netif", "workers", "ctrl",
					"timers", "ipv4", "ipv6", "neigh", "kni", "ipvs",
					"sync", "ha" };

void conf_defaults(struct dpvs_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = LOG_INFO;
	c->log_target = LOG_TO_AUTO;
	c->master_lcore = 0;
	c->idle_policy = IDLE_SLEEP;
	c->idle_empty_loops = 64;
	c->idle_sleep_us = 50;
	c->idle_max_sleep_us = 1000;
	c->msg_ring_size = 4096;
	c->msg_pool_size = 8192;
	c->sync_timeout_ms = 2000;
	snprintf(c->ipc_file, sizeof(c->ipc_file), "%s", "/var/run/dpvs.ipc");
	c->max_request = 1u << 20;
	c->max_clients = 256;
	c->client_timeout_ms = 30000;
	c->max_user_buffer = 4u << 20;
	c->max_total_buffer = 16u << 20;
	c->timer_tick_us = 1000;
	c->ip_forward = false;
	c->max_routes = 4096;
	c->neigh_max = 4096;
	c->ip6_enable = true;
	c->ip6_forward = false;
	c->ip6_max_routes = 1024;
	c->ip6_max_addrs = 1024;
	c->ip6_dad_transmits = 1;
	c->ip6_dad_retrans_ms = 1000;
	c->ip6_icmp_error_pps = 1000;
	c->ip6_mld_reports = true;
	c->neigh6_max = 4096;
	c->neigh_reachable_s = 300;
	c->neigh_queue_len = 8;
	c->neigh_resolve_ms = 3000;
	c->neigh_learn_rate = 10000;
	c->kni_ring_size = 1024;
	c->conn_pool_size = 131072;
	c->max_services = 65536;
	c->kni_rate_pps = 20000;
	c->kni_prio_rate_pps = 1000;
	c->kni_sync_rate_pps = 50000;
	c->sync_ring_size = 8192;
	c->sync_flush_ms = 10;
	c->sync_threshold[0] = 3;   /* IPVS's sync_threshold */
	c->sync_threshold[1] = 50;
	c->sync_refresh_s = 60;
	c->sync_max_msgs_per_s = 20000;
	c->sync_bulk_msgs_per_s = 5000;
	c->sync_heartbeat_ms = 1000;
	c->sync_sock_buf_kb = 4096;
	c->sync_max_age_s = 60;
	c->ha_lease_min_ms = 50;
	c->ha_lease_max_ms = 60000;
	c->ha_garp_count = 3;
	c->ha_garp_interval_ms = 100;
}

/* In enum log_target's order. */
static const char *const target_names[] = { "stderr", "syslog", "file",
					    "journal", "auto" };
static const char *const idle_names[] = { "busy_poll", "sleep" };

static int name_index(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* An integer setting within lo..hi (and a power of two if asked). */
static void check_u32(const config_setting_t *s, const char *full,
		      uint32_t lo, uint32_t hi, bool pow2, uint32_t *out,
		      struct errs *e)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		errs_add(e, line_of(s), full, "must be an integer");
		return;
	}
	v = config_setting_get_int64(s);
	if (v < lo || v > hi)
		errs_add(e, line_of(s), full, "%lld out of range %u..%u", v, lo, hi);
	else if (pow2 && (v & (v - 1)))
		errs_add(e, line_of(s), full, "%lld is not a power of two", v);
	else
		*out = (uint32_t)v;
}

static void parse_key(const struct key_desc *k, const config_setting_t *s,
		      struct dpvs_conf *c, struct errs *e)
{
	char full[64];
	const char *str = NULL;
	int idx;

	snprintf(full, sizeof(full), "%s.%s", k->section, k->name);
	if (k->type == KT_UINT) {
		check_u32(s, full, k->min, k->max, k->pow2,
			  (uint32_t *)((char *)c + k->off), e);
		return;
	}
	if (k->type == KT_BOOL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			errs_add(e, line_of(s), full, "must be true or false");
		else
			*(bool *)((char *)c + k->off) = config_setting_get_bool(s);
		return;
	}
	str = config_setting_get_string(s);
	if (!str) {
		errs_add(e, line_of(s), full, "must be a string");
		return;
	}
	switch (k->type) {
	case KT_STRING:
		if (strlen(str) >= k->size)
			errs_add(e, line_of(s), full, "longer than %zu characters",
				 k->size - 1);
		else
			snprintf((char *)c + k->off, k->size, "%s", str);
		break;
	case KT_LEVEL:
		idx = log_level_parse(str);
		if (idx < 0)
			errs_add(e, line_of(s), full,
				 "unknown level '%s' (emerg alert crit err "
				 "warning notice info debug)", str);
		else
			c->log_level = idx;
		break;
	case KT_TARGET:
		idx = name_index(str, target_names, 5);
		if (idx < 0)
			errs_add(e, line_of(s), full, "unknown target '%s' "
				 "(stderr syslog file journal auto)", str);
		else
			c->log_target = (enum log_target)idx;
		break;
	case KT_IDLE:
		idx = name_index(str, idle_names, 2);
		if (idx < 0)
			errs_add(e, line_of(s), full,
				 "unknown policy '%s' (busy_poll sleep)", str);
		else
			c->idle_policy = (enum idle_policy)idx;
		break;
	default:
		break;
	}
}

static bool known_key(const char *section, const char *name)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return true;
	for (size_t i = 0; i < sizeof(list_keys) / sizeof(list_keys[0]); i++)
		if (!strcmp(list_keys[i].section, section) &&
		    !strcmp(list_keys[i].name, name))
			return true;
	return false;
}

/* Unknown keys are errors: a typo must not silently mean "default". */
static void check_members(const config_setting_t *g, const char *path,
			  const char *const *allowed, size_t nallowed,
			  struct errs *e)
{
	char full[128];

	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		bool ok = false;

		for (size_t j = 0; j < nallowed; j++)
			ok |= !strcmp(name, allowed[j]);
		if (!ok) {
			if (path)
				snprintf(full, sizeof(full), "%s.%s", path, name);
			else
				snprintf(full, sizeof(full), "%s", name);
			errs_add(e, line_of(m), full, "unknown key");
		}
	}
}

static void parse_eal_args(const config_setting_t *s, struct dpvs_conf *c,
			   struct errs *e)
{
	int n = config_setting_length(s);

	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		errs_add(e, line_of(s), "global.eal_args",
			 "must be an array of strings");
		return;
	}
	if (n > CONF_MAX_EAL_ARGS) {
		errs_add(e, line_of(s), "global.eal_args", "more than %d arguments",
			 CONF_MAX_EAL_ARGS);
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *a = config_setting_get_string_elem(s, i);

		if (!a || strlen(a) >= CONF_EAL_ARG_LEN) {
			errs_add(e, line_of(s), "global.eal_args",
				 "element %d must be a string under %d characters",
				 i, CONF_EAL_ARG_LEN);
			return;
		}
		snprintf(c->eal_args[i], CONF_EAL_ARG_LEN, "%s", a);
	}
	c->neal_args = (uint32_t)n;
}

/* Reads an optional unsigned member of a list element. */
static void get_u32(const config_setting_t *g, const char *name,
		    const char *path, uint32_t lo, uint32_t hi, bool pow2,
		    uint32_t *out, struct errs *e)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	char full[128];

	if (!m)
		return;
	snprintf(full, sizeof(full), "%s.%s", path, name);
	check_u32(m, full, lo, hi, pow2, out, e);
}

/* Reads a required string member of a list element. */
static bool get_str(const config_setting_t *g, const char *name,
		    const char *path, char *out, size_t size, struct errs *e)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	char full[128];
	const char *s;

	snprintf(full, sizeof(full), "%s.%s", path, name);
	if (!m) {
		errs_add(e, line_of(g), full, "missing");
		return false;
	}
	s = config_setting_get_string(m);
	if (!s || !*s || strlen(s) >= size) {
		errs_add(e, line_of(m), full,
			 "must be a non-empty string under %zu characters", size);
		return false;
	}
	snprintf(out, size, "%s", s);
	return true;
}

/* Reads an optional boolean member of a list element. */
static void get_bool(const config_setting_t *g, const char *name,
		     const char *path, bool *out, struct errs *e)
{
	const config_setting_t *m = config_setting_get_member(g, name);
	char full[128];

	if (!m)
		return;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL) {
		snprintf(full, sizeof(full), "%s.%s", path, name);
		errs_add(e, line_of(m), full, "must be true or false");
		return;
	}
	*out = config_setting_get_bool(m);
}

static void parse_device(const config_setting_t *g, const char *path,
			 struct conf_device *d, struct errs *e)
{
	static const char *const allowed[] = { "name", "device", "rx_queues",
					       "tx_queues", "rx_desc", "tx_desc",
					       "mtu", "promisc", "kni", "kni_name" };
	check_members(g, path, allowed, sizeof(allowed) / sizeof(allowed[0]), e);
	d->rx_queues = 1;
	d->tx_queues = 1;
	d->rx_desc = 1024;
	d->tx_desc = 1024;
	d->promisc = true;
	d->kni = true;
	d->mtu = 1500;
	get_str(g, "name", path, d->name, sizeof(d->name), e);
	if (config_setting_get_member(g, "kni_name"))
		get_str(g, "kni_name", path, d->kni_name, sizeof(d->kni_name), e);
	else if (strlen(d->name) + 4 < IFNAMSIZ_DPVS) {
		char base[CONF_NAME_LEN];

		memcpy(base, d->name, sizeof(base));
		snprintf(d->kni_name, sizeof(d->kni_name), "%.11s.kni", base);
	}
	get_u32(g, "mtu", path, 68, 9600, false, &d->mtu, e);
	get_bool(g, "kni", path, &d->kni, e);
	get_str(g, "device", path, d->devargs, sizeof(d->devargs), e);
	get_u32(g, "rx_queues", path, 1, CONF_MAX_QUEUES, false, &d->rx_queues, e);
	get_u32(g, "tx_queues", path, 1, CONF_MAX_QUEUES, false, &d->tx_queues, e);
	get_u32(g, "rx_desc", path, 64, 16384, true, &d->rx_desc, e);
	get_u32(g, "tx_desc", path, 64, 16384, true, &d->tx_desc, e);
	get_bool(g, "promisc", path, &d->promisc, e);
	if (d->kni && (!d->kni_name[0] || strlen(d->kni_name) >= IFNAMSIZ_DPVS)) {
		char full[128];

		snprintf(full, sizeof(full), "%s.kni_name", path);
		errs_add(e, line_of(g), full, "kernel interface names are at most "
			 "%d characters; set kni_name", IFNAMSIZ_DPVS - 1);
	}
}

static void parse_devices(const config_setting_t *s, struct dpvs_conf *c,
			  struct errs *e)
{
	char path[64];
	int n = config_setting_length(s);

	if (!config_setting_is_list(s)) {
		errs_add(e, line_of(s), "netif.devices",
			 "must be a list: ( { name = ...; device = ...; }, ... )");
		return;
	}
	if (n > CONF_MAX_DEVICES) {
		errs_add(e, line_of(s), "netif.devices", "more than %d devices",
			 CONF_MAX_DEVICES);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);

		snprintf(path, sizeof(path), "netif.devices[%d]", i);
		if (!config_setting_is_group(g)) {
			errs_add(e, line_of(g), path, "must be a group { ... }");
			continue;
		}
		parse_device(g, path, &c->devices[i], e);
		for (int j = 0; j < i; j++) {
			if (!strcmp(c->devices[j].name, c->devices[i].name))
				errs_add(e, line_of(g), path,
					 "duplicate device name '%s'",
					 c->devices[i].name);
			else if (!strcmp(c->devices[j].devargs,
					 c->devices[i].devargs))
				errs_add(e, line_of(g), path,
					 "device '%s' already used by %s",
					 c->devices[i].devargs, c->devices[j].name);
		}
	}
	c->ndevices = (uint32_t)n;
}

/* sync.threshold = [ first, every ]: UDP conns go at packet first, then every. */
static void parse_threshold(const config_setting_t *s, struct dpvs_conf *c,
			    struct errs *e)
{
	uint32_t v[2];

	if (!config_setting_is_array(s) || config_setting_length(s) != 2) {
		errs_add(e, line_of(s), "sync.threshold",
			 "must be an array of two integers: [ first, every ]");
		return;
	}
	for (unsigned i = 0; i < 2; i++) {
		const config_setting_t *x = config_setting_get_elem(s, i);
		long long n = config_setting_type(x) == CONFIG_TYPE_INT ?
				      config_setting_get_int(x) : -1;

		if (n < 0 || n > 65535) {
			errs_add(e, line_of(s), "sync.threshold",
				 "element %u must be an integer 0..65535", i);
			return;
		}
		v[i] = (uint32_t)n;
	}
	c->sync_threshold[0] = v[0];
	c->sync_threshold[1] = v[1];
}

static int find_device(const struct dpvs_conf *c, const char *name)
{
	for (uint32_t i = 0; i < c->ndevices; i++)
		if (!strcmp(c->devices[i].name, name))
			return (int)i;
	return -1;
}

/* Reads rx = [..] or tx = [..] of a queue map. */
static uint32_t parse_qlist(const config_setting_t *g, const char *name,
			    const char *path, uint32_t nqueues, uint16_t *out,
			    struct errs *e)
{
	const config_setting_t *a = config_setting_get_member(g, name);
	char full[160];
	int n;

	if (!a)
		return 0;
	snprintf(full, sizeof(full), "%s.%s", path, name);
	n = config_setting_length(a);
	if (!config_setting_is_array(a) || n > CONF_MAX_QUEUES) {
		errs_add(e, line_of(a), full,
			 "must be an array of at most %d queue ids", CONF_MAX_QUEUES);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *q = config_setting_get_elem(a, (unsigned)i);
		long long v = config_setting_type(q) == CONFIG_TYPE_INT ?
				      config_setting_get_int(q) : -1;

		if (v < 0 || v >= nqueues) {
			errs_add(e, line_of(a), full,
				 "queue %lld does not exist (the port has %u)", v,
				 nqueues);
			return 0;
		}
		out[i] = (uint16_t)v;
	}
	return (uint32_t)n;
}

static void parse_queue_map(const config_setting_t *g, const char *path,
			    const struct dpvs_conf *c, struct conf_queue_map *m,
			    struct errs *e)
{
	static const char *const allowed[] = { "port", "rx", "tx" };
	char port[CONF_NAME_LEN];
	int idx;

	check_members(g, path, allowed, 3, e);
	if (!get_str(g, "port", path, port, sizeof(port), e))
		return;
	idx = find_device(c, port);
	if (idx < 0) {
		char full[160];

		snprintf(full, sizeof(full), "%s.port", path);
		errs_add(e, line_of(g), full, "no device named '%s' in netif.devices",
			 port);
		return;
	}
	m->port = (uint32_t)idx;
	m->nrx = parse_qlist(g, "rx", path, c->devices[idx].rx_queues, m->rx, e);
	m->ntx = parse_qlist(g, "tx", path, c->devices[idx].tx_queues, m->tx, e);
}

static void parse_worker(const config_setting_t *g, const char *path,
			 const struct dpvs_conf *c, struct conf_worker *w,
			 struct errs *e)
{
	static const char *const allowed[] = { "lcore", "queues" };
	const config_setting_t *qs;
	char qpath[128];

	check_members(g, path, allowed, 2, e);
	w->lcore = UINT32_MAX;
	get_u32(g, "lcore", path, 0, CONF_MAX_LCORE, false, &w->lcore, e);
	if (w->lcore == UINT32_MAX && !config_setting_get_member(g, "lcore")) {
		snprintf(qpath, sizeof(qpath), "%s.lcore", path);
		errs_add(e, line_of(g), qpath, "missing");
	}
	qs = config_setting_get_member(g, "queues");
	if (!qs)
		return;
	if (!config_setting_is_list(qs) ||
	    config_setting_length(qs) > CONF_MAX_DEVICES) {
		snprintf(qpath, sizeof(qpath), "%s.queues", path);
		errs_add(e, line_of(qs), qpath,
			 "must be a list of { port = ...; rx = [...]; tx = [...]; }");
		return;
	}
	for (int i = 0; i < config_setting_length(qs); i++) {
		const config_setting_t *m = config_setting_get_elem(qs, (unsigned)i);

		snprintf(qpath, sizeof(qpath), "%s.queues[%d]", path, i);
		if (!config_setting_is_group(m)) {
			errs_add(e, line_of(m), qpath, "must be a group { ... }");
			continue;
		}
		parse_queue_map(m, qpath, c, &w->maps[w->nmaps++], e);
	}
}

static void parse_workers(const config_setting_t *s, struct dpvs_conf *c,
			  struct errs *e)
{
	char path[64];
	int n = config_setting_length(s);

	if (!config_setting_is_list(s) || n > CONF_MAX_WORKERS) {
		errs_add(e, line_of(s), "workers.lcores",
			 "must be a list of at most %d workers", CONF_MAX_WORKERS);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);

		snprintf(path, sizeof(path), "workers.lcores[%d]", i);
		if (!config_setting_is_group(g)) {
			errs_add(e, line_of(g), path, "must be a group { ... }");
			continue;
		}
		parse_worker(g, path, c, &c->workers[i], e);
	}
	c->nworkers = (uint32_t)n;
}

/* Every rx queue polled by exactly one worker; tx queues never shared. */
static void check_ownership(const struct dpvs_conf *c, int line,
			    struct errs *e)
{
	for (uint32_t d = 0; d < c->ndevices; d++) {
		int rx_owner[CONF_MAX_QUEUES], tx_owner[CONF_MAX_QUEUES];

		for (int q = 0; q < CONF_MAX_QUEUES; q++)
			rx_owner[q] = tx_owner[q] = -1;
		for (uint32_t w = 0; w < c->nworkers; w++) {
			for (uint32_t m = 0; m < c->workers[w].nmaps; m++) {
				const struct conf_queue_map *qm = &c->workers[w].maps[m];

				if (qm->port != d)
					continue;
				for (uint32_t i = 0; i < qm->nrx; i++) {
					if (rx_owner[qm->rx[i]] >= 0)
						errs_add(e, line, "workers.lcores",
							 "rx queue %u of %s owned by lcores %u and %u",
							 qm->rx[i], c->devices[d].name,
							 c->workers[rx_owner[qm->rx[i]]].lcore,
							 c->workers[w].lcore);
					rx_owner[qm->rx[i]] = (int)w;
				}
				for (uint32_t i = 0; i < qm->ntx; i++) {
					if (tx_owner[qm->tx[i]] >= 0)
						errs_add(e, line, "workers.lcores",
							 "tx queue %u of %s owned by lcores %u and %u",
							 qm->tx[i], c->devices[d].name,
							 c->workers[tx_owner[qm->tx[i]]].lcore,
							 c->workers[w].lcore);
					tx_owner[qm->tx[i]] = (int)w;
				}
			}
		}
		for (uint32_t q = 0; q < c->devices[d].rx_queues; q++)
			if (rx_owner[q] < 0)
				errs_add(e, line, "workers.lcores",
					 "rx queue %u of %s is polled by no worker", q,
					 c->devices[d].name);
	}
}

static void check_workers(const struct dpvs_conf *c, int line, struct errs *e)
{
	for (uint32_t i = 0; i < c->nworkers; i++) {
		if (c->workers[i].lcore == c->master_lcore)
			errs_add(e, line, "workers.lcores",
				 "lcore %u is the master lcore", c->master_lcore);
		for (uint32_t j = 0; j < i; j++)
			if (c->workers[j].lcore == c->workers[i].lcore)
				errs_add(e, line, "workers.lcores",
					 "lcore %u listed twice", c->workers[i].lcore);
		for (uint32_t m = 0; m < c->workers[i].nmaps; m++)
			for (uint32_t k = 0; k < m; k++)
				if (c->workers[i].maps[k].port ==
				    c->workers[i].maps[m].port)
					errs_add(e, line, "workers.lcores",
						 "lcore %u maps port %s twice",
						 c->workers[i].lcore,
						 c->devices[c->workers[i].maps[m].port].name);
	}
	check_ownership(c, line, e);
}

static void parse_section(const config_t *cfg, const char *sec,
			  struct dpvs_conf *c, struct errs *e)
{
	const config_setting_t *g = config_lookup(cfg, sec);

	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		errs_add(e, line_of(g), sec, "must be a group { ... }");
		return;
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		char full[128];

		if (!known_key(sec, config_setting_name(m))) {
			snprintf(full, sizeof(full), "%s.%s", sec,
				 config_setting_name(m));
			errs_add(e, line_of(m), full, "unknown key");
		}
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const config_setting_t *m;

		if (strcmp(keys[i].section, sec))
			continue;
		m = config_setting_get_member(g, keys[i].name);
		if (m)
			parse_key(&keys[i], m, c, e);
	}
}

static void check_idle(const config_t *cfg, const struct dpvs_conf *c,
		       struct errs *e)
{
	const config_setting_t *max = config_lookup(cfg, "workers.idle_max_sleep_us");

	if (c->idle_max_sleep_us >= c->idle_sleep_us)
		return;
	if (max)
		errs_add(e, line_of(max), "workers.idle_max_sleep_us",
			 "%u is below workers.idle_sleep_us (%u)",
			 c->idle_max_sleep_us, c->idle_sleep_us);
	else
		errs_add(e, line_of(config_lookup(cfg, "workers.idle_sleep_us")),
			 "workers.idle_sleep_us",
			 "%u is above workers.idle_max_sleep_us (default %u)",
			 c->idle_sleep_us, c->idle_max_sleep_us);
}

static void check_lease(const config_t *cfg, const struct dpvs_conf *c,
			struct errs *e)
{
	const config_setting_t *max = config_lookup(cfg, "ha.lease_max_ms");

	if (c->ha_lease_max_ms >= c->ha_lease_min_ms)
		return;
	errs_add(e, line_of(max ? max : config_lookup(cfg, "ha.lease_min_ms")),
		 max ? "ha.lease_max_ms" : "ha.lease_min_ms",
		 "ha.lease_max_ms (%u) is below ha.lease_min_ms (%u)",
		 c->ha_lease_max_ms, c->ha_lease_min_ms);
}

static void parse_all(const config_t *cfg, struct dpvs_conf *c, struct errs *e)
{
	const config_setting_t *root = config_root_setting(cfg);
	const config_setting_t *s;

	check_members(root, NULL, sections,
		      sizeof(sections) / sizeof(sections[0]), e);
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		parse_section(cfg, sections[i], c, e);
	s = config_lookup(cfg, "global.eal_args");
	if (s)
		parse_eal_args(s, c, e);
	s = config_lookup(cfg, "netif.devices");
	if (s)
		parse_devices(s, c, e);
	s = config_lookup(cfg, "sync.threshold");
	if (s)
		parse_threshold(s, c, e);
	s = config_lookup(cfg, "workers.lcores");
	if (s)
		parse_workers(s, c, e);
	else
		s = config_lookup(cfg, "netif.devices");
	if (e->n == 0)
		check_workers(c, line_of(s), e);
	check_idle(cfg, c, e);
	check_lease(cfg, c, e);
	if (e->n == 0 && c->log_target == LOG_TO_FILE && !c->log_file[0])
		errs_add(e, line_of(config_lookup(cfg, "global.log_target")),
			 "global.log_file", "required when log_target is \"file\"");
}

static int load(config_t *cfg, int read_ok, const char *name,
		struct dpvs_conf *c, char *err, size_t errlen)
{
	struct errs e = { .buf = err, .cap = errlen, .file = name };

	if (errlen)
		err[0] = '\0';
	conf_defaults(c);
	snprintf(c->file, sizeof(c->file), "%s", name);
	if (!read_ok) {
		const char *f = config_error_file(cfg);

		e.file = f ? f : name;
		if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read the file\n", name);
		else
			errs_add(&e, config_error_line(cfg), "(syntax)", "%s",
				 config_error_text(cfg));
		config_destroy(cfg);
		return -1;
	}
	parse_all(cfg, c, &e);
	config_destroy(cfg);
	return e.n ? -1 : 0;
}

int conf_load(const char *path, struct dpvs_conf *c, char *err, size_t errlen)
{
	config_t cfg;
	int ok;

	config_init(&cfg);
	ok = config_read_file(&cfg, path);
	return load(&cfg, ok, path, c, err, errlen);
}

int conf_load_string(const char *text, const char *name, struct dpvs_conf *c,
		     char *err, size_t errlen)
{
	config_t cfg;
	int ok;

	config_init(&cfg);
	ok = config_read_string(&cfg, text);
	return load(&cfg, ok, name, c, err, errlen);
}

/* ---- reload comparison ---- */

static void key_value(const struct key_desc *k, const struct dpvs_conf *c,
		      char *out, size_t len)
{
	const char *p = (const char *)c + k->off;

	switch (k->type) {
	case KT_UINT:
		snprintf(out, len, "%u", *(const uint32_t *)p);
		break;
	case KT_STRING:
		snprintf(out, len, "\"%s\"", p);
		break;
	case KT_LEVEL:
		snprintf(out, len, "%s", log_level_name(c->log_level));
		break;
	case KT_TARGET:
		snprintf(out, len, "%s", target_names[c->log_target]);
		break;
	case KT_IDLE:
		snprintf(out, len, "%s", idle_names[c->idle_policy]);
		break;
	case KT_BOOL:
		snprintf(out, len, "%s", *(const bool *)p ? "true" : "false");
		break;
	}
}

int conf_diff(const struct dpvs_conf *old, const struct dpvs_conf *cur,
	      conf_report_fn report, void *arg)
{
	char a[PATH_MAX + 8], b[PATH_MAX + 8];
	int n = 0;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char full[64];

		key_value(&keys[i], old, a, sizeof(a));
		key_value(&keys[i], cur, b, sizeof(b));
		if (!strcmp(a, b))
			continue;
		snprintf(full, sizeof(full), "%s.%s", keys[i].section, keys[i].name);
		report(arg, keys[i].reloadable, full, a, b);
		n++;
	}
	if (memcmp(old->sync_threshold, cur->sync_threshold,
		   sizeof(old->sync_threshold))) {
		snprintf(a, sizeof(a), "[%u, %u]", old->sync_threshold[0],
			 old->sync_threshold[1]);
		snprintf(b, sizeof(b), "[%u, %u]", cur->sync_threshold[0],
			 cur->sync_threshold[1]);
		report(arg, true, "sync.threshold", a, b);
		n++;
	}
	/* These lists are start-only: ports and lcores cannot change under EAL. */
	if (old->neal_args != cur->neal_args ||
	    memcmp(old->eal_args, cur->eal_args, sizeof(old->eal_args))) {
		report(arg, false, "global.eal_args", "(old list)", "(new list)");
		n++;
	}
	if (old->ndevices != cur->ndevices ||
	    memcmp(old->devices, cur->devices, sizeof(old->devices))) {
		report(arg, false, "netif.devices", "(old list)", "(new list)");
		n++;
	}
	if (old->nworkers != cur->nworkers ||
	    memcmp(old->workers, cur->workers, sizeof(old->workers))) {
		report(arg, false, "workers.lcores", "(old list)", "(new list)");
		n++;
	}
	return n;
}

void conf_apply_reloadable(struct dpvs_conf *dst, const struct dpvs_conf *src)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct key_desc *k = &keys[i];
		size_t size = k->type == KT_STRING ? k->size :
			      k->type == KT_BOOL   ? sizeof(bool) :
						     sizeof(uint32_t);

		if (k->reloadable)
			memcpy((char *)dst + k->off, (const char *)src + k->off, size);
	}
	memcpy(dst->sync_threshold, src->sync_threshold,
	       sizeof(dst->sync_threshold));
}
