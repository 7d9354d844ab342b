/*
 * Notifications: what changed between two snapshots that an operator
 * must hear about without polling -- a port's link going down or up, and
 * the connection pool running full (edge-triggered with 10 points of
 * hysteresis, so a pool hovering at the threshold does not flood).
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

void notify_check(const struct snapshot *s)
{
	if (!s || !s->ok)
		return;
	check_ports(s);
	check_pool(s);
}

void notify_init(const struct notify_params *p)
{
	params = *p;
}
