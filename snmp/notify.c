/*
 * Notifications: what changed between two snapshots that an operator
 * must hear about without polling -- a port's link going down or up, and
 * the connection pool running full (edge-triggered with 10 points of
 * hysteresis, so a pool hovering at the threshold does not flood), and
 * of HA: sync datagrams failing authentication, the sync peer silent,
 * the HA lease lost.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define MAX_PORTS 64

struct port_seen {
	char name[DPVS_IFNAME_MAX + 1];
	bool up;
};

static struct notify_params params;
static struct port_seen seen[MAX_PORTS];
static size_t nseen;
static bool have_seen;      /* false until the first good snapshot */
static bool pool_alarmed;

static const oid trap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

/* dpvsMIB.sub... as a full OID in out; returns its length. */
static size_t mib_oid(oid *out, const oid *sub, size_t n)
{
	memcpy(out, dpvs_mib_root, dpvs_mib_root_len * sizeof(oid));
	memcpy(out + dpvs_mib_root_len, sub, n * sizeof(oid));
	return dpvs_mib_root_len + n;
}

static void notify_send(oid notification, netsnmp_variable_list *objs)
{
	netsnmp_variable_list *vars = NULL;
	oid which[MAX_OID_LEN];
	const oid sub[] = { 0, notification };
	size_t n = mib_oid(which, sub, 2);

	snmp_varlist_add_variable(&vars, trap_oid, OID_LENGTH(trap_oid),
				  ASN_OBJECT_ID, (u_char *)which, n * sizeof(oid));
	vars->next_variable = objs;
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

static void port_trap(const struct dpvs_link_info *l, bool up)
{
	netsnmp_variable_list *objs = NULL;
	const oid name_sub[] = { 1, 6, 1, 2, l->port_id + 1 };
	const oid oper_sub[] = { 1, 6, 1, 7, l->port_id + 1 };
	oid o[MAX_OID_LEN];
	long oper = up ? 1 : 2;
	size_t n;

	n = mib_oid(o, name_sub, OID_LENGTH(name_sub));
	snmp_varlist_add_variable(&objs, o, n, ASN_OCTET_STR,
				  (const u_char *)l->name, strlen(l->name));
	n = mib_oid(o, oper_sub, OID_LENGTH(oper_sub));
	snmp_varlist_add_variable(&objs, o, n, ASN_INTEGER, (u_char *)&oper,
				  sizeof(oper));
	snmp_log(LOG_NOTICE, "dpvs-snmp: port %s link %s: notifying\n", l->name,
		 up ? "up" : "down");
	notify_send(up ? 2 : 1, objs);
}

static void pool_trap(const struct snapshot *s, bool full)
{
	netsnmp_variable_list *objs = NULL;
	const oid size_sub[] = { 1, 1, 4, 0 };
	const oid use_sub[] = { 1, 1, 5, 0 };
	u_long size = s->ws->conn_pool_size, use = s->ws->conn_pool_in_use;
	oid o[MAX_OID_LEN];
	size_t n;

	n = mib_oid(o, size_sub, OID_LENGTH(size_sub));
	snmp_varlist_add_variable(&objs, o, n, ASN_UNSIGNED, (u_char *)&size,
				  sizeof(size));
	n = mib_oid(o, use_sub, OID_LENGTH(use_sub));
	snmp_varlist_add_variable(&objs, o, n, ASN_GAUGE, (u_char *)&use,
				  sizeof(use));
	snmp_log(LOG_NOTICE, "dpvs-snmp: connection pool %lu of %lu: %s\n", use,
		 size, full ? "running full" : "back to normal");
	notify_send(full ? 3 : 4, objs);
}

static const struct port_seen *seen_port(const char *name)
{
	for (size_t i = 0; i < nseen; i++)
		if (strcmp(seen[i].name, name) == 0)
			return &seen[i];
	return NULL;
}

static void check_ports(const struct snapshot *s)
{
	for (size_t i = 0; have_seen && i < s->nlinks; i++) {
		const struct dpvs_link_info *l = &s->links[i];
		const struct port_seen *p = seen_port(l->name);
		bool up = l->flags & DPVS_LINK_UP;

		if (p && p->up != up)
			port_trap(l, up);
	}
	nseen = 0;
	for (size_t i = 0; i < s->nlinks && nseen < MAX_PORTS; i++, nseen++) {
		snprintf(seen[nseen].name, sizeof(seen[nseen].name), "%s",
			 s->links[i].name);
		seen[nseen].up = s->links[i].flags & DPVS_LINK_UP;
	}
	have_seen = true;
}

/* 10 points, or half the threshold when it is that low. */
static uint64_t hysteresis(void)
{
	return params.pool_alarm_pct > 20 ? 10 : params.pool_alarm_pct / 2;
}

/* The fuller of the shared pool and the fullest worker's table. */
static uint64_t conn_use_pct(const struct snapshot *s)
{
	uint64_t size = s->ws->conn_pool_size, use = s->ws->conn_pool_in_use;
	uint64_t pct = size ? use * 100 / size : 0;

	for (size_t i = 0; i < s->ws->nworkers; i++) {
		const struct dpvs_worker_stats *w = &s->ws->workers[i];
		uint64_t p = w->conns_max ? w->conns * 100 / w->conns_max : 0;

		pct = p > pct ? p : pct;
	}
	return pct;
}

static void check_pool(const struct snapshot *s)
{
	uint64_t pct = conn_use_pct(s);

	if (!pool_alarmed && pct >= params.pool_alarm_pct) {
		pool_alarmed = true;
		pool_trap(s, true);
	} else if (pool_alarmed && pct + hysteresis() < params.pool_alarm_pct) {
		pool_alarmed = false;
		pool_trap(s, false);
	}
}

/* dpvsSync.n.0 with a Counter64 or Unsigned32 value. */
static void ha_trap(oid notification, oid column, u_char type, uint64_t val,
		    const char *what)
{
	netsnmp_variable_list *objs = NULL;
	const oid sub[] = { 1, 8, column, 0 };
	struct counter64 c64 = { .high = val >> 32, .low = val & 0xffffffff };
	u_long u32 = (u_long)val;
	oid o[MAX_OID_LEN];
	size_t n = mib_oid(o, sub, OID_LENGTH(sub));

	if (type == ASN_COUNTER64)
		snmp_varlist_add_variable(&objs, o, n, type, (u_char *)&c64,
					  sizeof(c64));
	else
		snmp_varlist_add_variable(&objs, o, n, type, (u_char *)&u32,
					  sizeof(u32));
	snmp_log(LOG_NOTICE, "dpvs-snmp: %s: notifying\n", what);
	notify_send(notification, objs);
}

#define PEER_LOST_MS 3000          /* three default heartbeats */
#define AUTH_TRAP_GAP_MS 60000

static struct {
	bool have;
	uint64_t auth_failed, lease_lost;
	bool peer_lost;
	uint64_t auth_trap_ms;
} ha_seen;

static void check_ha(const struct snapshot *s)
{
	const struct dpvs_sync_counters *c = &s->sync.c;
	bool backup = s->have_sync && (s->sync.roles & DPVS_SYNC_BACKUP);
	bool lost = backup && s->sync.last_rx_ms != UINT64_MAX &&
		    s->sync.last_rx_ms > PEER_LOST_MS;

	if (ha_seen.have && s->have_sync && c->rx_auth_failed >
	    ha_seen.auth_failed && (!ha_seen.auth_trap_ms ||
	    now_ms() - ha_seen.auth_trap_ms >= AUTH_TRAP_GAP_MS)) {
		ha_trap(5, 21, ASN_COUNTER64, c->rx_auth_failed,
			"sync datagrams failed authentication");
		ha_seen.auth_trap_ms = now_ms();
	}
	if (lost && !ha_seen.peer_lost)
		ha_trap(6, 8, ASN_UNSIGNED, s->sync.last_rx_ms,
			"sync peer not heard for 3 s");
	if (ha_seen.have && s->have_ha && s->ha.lost > ha_seen.lease_lost)
		ha_trap(7, 30, ASN_COUNTER64, s->ha.lost, "HA lease lost");
	ha_seen.peer_lost = lost;
	ha_seen.auth_failed = s->have_sync ? c->rx_auth_failed : 0;
	ha_seen.lease_lost = s->have_ha ? s->ha.lost : 0;
	ha_seen.have = true;
}

void notify_check(const struct snapshot *s)
{
	if (!s || !s->ok)
		return;
	check_ports(s);
	check_pool(s);
	check_ha(s);
}

void notify_init(const struct notify_params *p)
{
	params = *p;
}
