/*
 * dpvs additions to the checker (see check_dpvs.h): the
 * local_address_group and laddr_group_name keywords, the checks of a
 * virtual server against what dpvs can do, and the once-a-second watch
 * that pushes keepalived's state to a restarted dpvs and keeps dpvs in
 * step with it (dpvs_sync.c).  Included by check_parser.c when built
 * with _WITH_DPVS_, so keepalived's build files stay as they are.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "check_dpvs.h"
#include "ipvswrapper.h"
#include "ipwrapper.h"
#include "logger.h"
#include "scheduler.h"
#include "timer.h"

#define LADDR_IFNAME_MAX 32

struct laddr_entry {
	uint8_t af;
	uint32_t first;          /* host order; IPv6: the last 16-bit group */
	uint32_t last;
	struct in6_addr first6;  /* IPv6: the first address */
	char ifname[LADDR_IFNAME_MAX + 1];
	bool ha;                 /* shared by the HA pair (DPVS_ADDR_F_HA) */
};

struct laddr_group {
	char *name;
	unsigned n;
	struct laddr_entry *e;
	struct laddr_group *next;
};

static struct laddr_group *groups;

static void free_groups(void)
{
	while (groups) {
		struct laddr_group *g = groups;

		groups = g->next;
		free(g->name);
		free(g->e);
		free(g);
	}
}

static struct laddr_group * __attribute__((pure))
find_group(const char *name)
{
	for (struct laddr_group *g = groups; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

/* "A.B.C.D" or "A.B.C.D-E" (last octet range, as DPVS writes it). */
static bool parse_range(const char *s, uint32_t *first, uint32_t *last)
{
	char buf[32], *dash;
	struct in_addr in;
	unsigned long end;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return false;
	*first = *last = ntohl(in.s_addr);
	if (!dash)
		return true;
	end = strtoul(dash + 1, &dash, 10);
	if (*dash || end > 255 || end < (*first & 0xff))
		return false;
	*last = (*first & ~0xffu) | (uint32_t)end;
	return true;
}

/* "ADDR6" or "ADDR6-XXXX" (keepalived's IPv6 range form: the last
 * group, in hex, goes up to XXXX). */
static bool parse_range6(const char *s, struct laddr_entry *e)
{
	char buf[INET6_ADDRSTRLEN + 8], *dash, *end;
	unsigned long last;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (inet_pton(AF_INET6, buf, &e->first6) != 1)
		return false;
	e->af = AF_INET6;
	e->first = e->last = (uint32_t)e->first6.s6_addr[14] << 8 |
			     e->first6.s6_addr[15];
	if (!dash)
		return true;
	last = strtoul(dash + 1, &end, 16);
	if (!dash[1] || *end || last > 0xffff || last < e->first)
		return false;
	e->last = (uint32_t)last;
	return true;
}

static bool parse_entry(const char *s, struct laddr_entry *e)
{
	if (strchr(s, ':'))
		return parse_range6(s, e);
	e->af = AF_INET;
	return parse_range(s, &e->first, &e->last);
}

/* The n-th address of an entry, as text (for messages). */
static const char *entry_addr(const struct laddr_entry *e, uint32_t a,
			      struct in6_addr *a6, char *buf, size_t len)
{
	uint32_t v4 = htonl(a);

	*a6 = e->first6;
	a6->s6_addr[14] = (uint8_t)(a >> 8);
	a6->s6_addr[15] = (uint8_t)a;
	return dpvs_inet_ntop(e->af, v4, a6, buf, len);
}

static void laddr_entry_handler(const vector_t *strvec)
{
	struct laddr_group *g = groups;
	struct laddr_entry e = { 0 }, *grown;
	const char *addr = strvec_slot(strvec, 0);
	const char *dev = vector_size(strvec) > 1 ? strvec_slot(strvec, 1) : NULL;

	if (!parse_entry(addr, &e)) {
		report_config_error(CONFIG_GENERAL_ERROR, "local_address_group %s: "
				    "'%s' is not an IPv4 address or A.B.C.D-E range, "
				    "nor an IPv6 address or range (2001:db8::100-10f)",
				    g->name, addr);
		return;
	}
	if (!dev || strlen(dev) > LADDR_IFNAME_MAX) {
		report_config_error(CONFIG_GENERAL_ERROR, "local_address_group %s: "
				    "'%s' needs the dpvs port it lives on (e.g. %s dpdk1)",
				    g->name, addr, addr);
		return;
	}
	/* Other words were ignored before 'ha' existed: still, but said. */
	for (unsigned i = 2; i < vector_size(strvec); i++)
		if (strcmp(strvec_slot(strvec, i), "ha"))
			report_config_error(CONFIG_GENERAL_ERROR, "local_address_group "
					    "%s: '%s' after %s %s is not 'ha' - ignored",
					    g->name, strvec_slot(strvec, i), addr, dev);
		else
			e.ha = true;
	strcpy(e.ifname, dev);
	grown = realloc(g->e, sizeof(*g->e) * (g->n + 1));
	if (!grown)
		return;
	g->e = grown;
	g->e[g->n++] = e;
}

/* Lines of a block that is being skipped (its header was refused). */
static void laddr_skip_handler(__attribute__((unused)) const vector_t *strvec)
{
}

/*
 * Reads the block that follows "local_address_group NAME" with handler.
 * alloc_value_block() wants nothing between the keyword and "{": the
 * words from strvec[from] on are passed, the name left out.
 */
static void laddr_read_block(const vector_t *strvec, unsigned from,
			     void (*handler)(const vector_t *))
{
	vector_t *v = vector_alloc();
	ptr_hack_t word;

	vector_alloc_slot(v);
	vector_set_slot(v, 0);
	for (unsigned i = from; i < vector_size(strvec); i++) {
		vector_alloc_slot(v);
		word.cp = strvec_slot(strvec, i);
		vector_set_slot(v, word.p);
	}
	alloc_value_block(handler, v);
	vector_free(v);
}

static void laddr_group_handler(const vector_t *strvec)
{
	struct laddr_group *g;
	const char *name;

	if (!strvec)
		return;
	name = vector_size(strvec) > 1 ? strvec_slot(strvec, 1) : NULL;
	if (!name || !strcmp(name, "{")) {
		report_config_error(CONFIG_GENERAL_ERROR, "local_address_group needs a name");
		/* Its lines are skipped, not reported as unknown keywords. */
		laddr_read_block(strvec, 1, laddr_skip_handler);
		return;
	}
	if (find_group(name)) {
		report_config_error(CONFIG_GENERAL_ERROR, "local_address_group %s "
				    "defined twice - the second one is ignored", name);
		laddr_read_block(strvec, 2, laddr_skip_handler);
		return;
	}
	g = calloc(1, sizeof(*g));
	if (!g || !(g->name = strdup(name))) {
		free(g);
		laddr_read_block(strvec, 2, laddr_skip_handler);
		return;
	}
	g->next = groups;
	groups = g;
	laddr_read_block(strvec, 2, laddr_entry_handler);
	if (g->n == 0)
		report_config_error(CONFIG_GENERAL_ERROR, "local_address_group %s "
				    "has no addresses", g->name);
}

static void laddr_group_name_handler(const vector_t *strvec)
{
	virtual_server_t *vs = list_last_entry(&check_data->vs, virtual_server_t, e_list);

	if (vector_size(strvec) < 2) {
		report_config_error(CONFIG_GENERAL_ERROR, "laddr_group_name needs a name");
		return;
	}
	FREE_CONST_PTR(vs->laddr_group_name);
	vs->laddr_group_name = STRDUP(strvec_slot(strvec, 1));
}

static void proxy_protocol_handler(const vector_t *strvec)
{
	virtual_server_t *vs = list_last_entry(&check_data->vs, virtual_server_t, e_list);
	const char *v = vector_size(strvec) > 1 ? strvec_slot(strvec, 1) : "";

	vs->flags &= ~DPVS_KA_SVC_F_PROXY;
	if (!strcmp(v, "v2"))
		vs->flags |= DPVS_KA_SVC_F_PROXY_V2;
	else if (!strcmp(v, "v1"))
		vs->flags |= DPVS_KA_SVC_F_PROXY_V1;
	else if (strcmp(v, "none"))
		report_config_error(CONFIG_GENERAL_ERROR, "proxy_protocol '%s' "
				    "is not v1, v2 or none - ignoring", v);
}

void dpvs_init_keywords(bool active)
{
	free_groups(); /* a reload parses them afresh */
	install_keyword_root("local_address_group", &laddr_group_handler, active);
}

void dpvs_install_vs_keywords(void)
{
	install_keyword("laddr_group_name", &laddr_group_name_handler);
	install_keyword("proxy_protocol", &proxy_protocol_handler);
}

bool dpvs_nat64_rs(const virtual_server_t *vs, const real_server_t *rs)
{
	return vs->af == AF_INET6 && rs->addr.ss_family == AF_INET &&
	       rs->forwarding_method == IP_VS_CONN_F_FULLNAT;
}

/* What dpvs does not do is said, once per configuration, not dropped. */
static void dpvs_warn_rs(const virtual_server_t *vs, const real_server_t *rs,
			 const char *what)
{
#ifdef _HAVE_IPVS_TUN_TYPE_
	if (rs->forwarding_method == IP_VS_CONN_F_TUNNEL &&
	    rs->tun_type != IP_VS_CONN_F_TUNNEL_TYPE_IPIP)
		report_config_error(CONFIG_GENERAL_ERROR, "WARNING - virtual server "
				    "%s, %s %s: dpvs tunnels with IP-in-IP only; "
				    "tunnel type %s is ignored", FMT_VS(vs), what,
				    FMT_RS(rs, vs), rs->tun_type ==
				    IP_VS_CONN_F_TUNNEL_TYPE_GUE ? "gue" : "gre");
#else
	(void)vs; (void)rs; (void)what;
#endif
}

static void dpvs_warn_unsupported(virtual_server_t *vs)
{
	real_server_t *rs;

	/* (keepalived itself resets ops on a service that is not UDP) */
	if ((vs->flags & IP_VS_SVC_F_ONEPACKET) && vs->service_type == IPPROTO_UDP)
		report_config_error(CONFIG_GENERAL_ERROR, "WARNING - virtual server %s: "
				    "dpvs has no one-packet scheduling; 'ops' is "
				    "ignored", FMT_VS(vs));
	if (vs->pe_name[0])
		report_config_error(CONFIG_GENERAL_ERROR, "WARNING - virtual server %s: "
				    "dpvs has no persistence engines; "
				    "persistence_engine %s is ignored", FMT_VS(vs),
				    vs->pe_name);
	if (vs->flags & IP_VS_SVC_F_SCHED3)
		report_config_error(CONFIG_GENERAL_ERROR, "WARNING - virtual server %s: "
				    "dpvs has no scheduler flag 3; it is ignored",
				    FMT_VS(vs));
	list_for_each_entry(rs, &vs->rs, e_list)
		dpvs_warn_rs(vs, rs, "real server");
	if (vs->s_svr)
		dpvs_warn_rs(vs, vs->s_svr, "sorry server");
}

bool dpvs_vs_valid(virtual_server_t *vs)
{
	dpvs_warn_unsupported(vs);
	if (vs->laddr_group_name && !find_group(vs->laddr_group_name)) {
		report_config_error(CONFIG_GENERAL_ERROR, "virtual server %s: "
				    "no local_address_group named %s - ignoring",
				    FMT_VS(vs), vs->laddr_group_name);
		return false;
	}
	if ((vs->flags & DPVS_KA_SVC_F_PROXY) &&
	    vs->service_type != IPPROTO_TCP) {
		report_config_error(CONFIG_GENERAL_ERROR, "virtual server %s: "
				    "proxy_protocol is for TCP services - ignoring",
				    FMT_VS(vs));
		return false;
	}
	if ((vs->flags & DPVS_KA_SVC_F_PROXY) &&
	    vs->forwarding_method != IP_VS_CONN_F_FULLNAT)
		report_config_error(CONFIG_GENERAL_ERROR, "WARNING - virtual server "
				    "%s: proxy_protocol applies to FNAT real "
				    "servers only", FMT_VS(vs));
	if (vs->forwarding_method == IP_VS_CONN_F_FULLNAT &&
	    !vs->laddr_group_name) {
		report_config_error(CONFIG_GENERAL_ERROR, "virtual server %s: "
				    "lb_kind FNAT needs laddr_group_name - ignoring",
				    FMT_VS(vs));
		return false;
	}
	return true;
}

/* One local address of an entry (a: host order, or the last IPv6
 * group), with its "ha" address first. */
static int dpvs_vs_add_laddr(const virtual_server_t *vs, ipvs_service_t *srule,
			     const struct laddr_entry *e, uint32_t a)
{
	char buf[DPVS_INET_ADDRSTRLEN];
	struct in6_addr a6;

	entry_addr(e, a, &a6, buf, sizeof(buf));
	if ((e->ha && ipvs_add_ha_addr(e->af, htonl(a), &a6, e->ifname) < 0) ||
	    (ipvs_add_laddr(srule, e->af, htonl(a), &a6, e->ifname) < 0 &&
	     errno != EEXIST)) {
		log_message(LOG_INFO, "dpvs: cannot add local address %s to %s: "
			    "%s", buf, FMT_VS(vs), ipvs_strerror(errno));
		return -1;
	}
	return 0;
}

int dpvs_vs_add_laddrs(const virtual_server_t *vs, ipvs_service_t *srule)
{
	const struct laddr_group *g;

	if (!vs->laddr_group_name)
		return 0;
	g = find_group(vs->laddr_group_name);
	for (unsigned i = 0; g && i < g->n; i++)
		for (uint32_t a = g->e[i].first; a <= g->e[i].last; a++)
			if (dpvs_vs_add_laddr(vs, srule, &g->e[i], a) < 0)
				return -1;
	return 0;
}

/* ---- pushing the whole state to a new dpvs ---- */

static uint64_t dpvs_seen;   /* generation of the dpvs we programmed */
static bool dpvs_lost;       /* it stopped answering (said once) */

/* Set while the state is pushed to a restarted dpvs: ipvswrapper.c then
 * programs every entry of a group whatever keepalived believes is
 * already there. */
bool dpvs_pushing;

/* Adds rs to a service of the new dpvs, at weight 0 if zero. */
static void dpvs_push_rs(virtual_server_t *vs, real_server_t *rs, bool zero)
{
	unsigned failed = rs->num_failed_checkers;
	bool inhibit = rs->inhibit;

	/* ipvs_cmd() gives weight 0 to an inhibited server with a failed
	 * checker; borrow that.  Forget it was set: add, not edit. */
	if (zero) {
		rs->inhibit = true;
		if (!failed)
			rs->num_failed_checkers = 1;
	}
	rs->set = false;
	ipvs_cmd(LVS_CMD_ADD_DEST, vs, rs);
	rs->num_failed_checkers = failed;
	rs->inhibit = inhibit;
}

/*
 * What keepalived has in IPVS, as its own state says, added again:
 * - the service (every address of its virtual_server_group), with its
 *   local addresses;
 * - with quorum (or no sorry server in use): the real servers that are
 *   up, and the inhibited ones that are down at weight 0;
 * - without quorum and the sorry server in use: the sorry server, and
 *   the inhibited real servers at weight 0 (the others are out, as
 *   keepalived took them out when quorum was lost);
 * - an inhibited sorry server not in use, at weight 0.
 */
static void dpvs_push_all(void)
{
	virtual_server_t *vs;
	real_server_t *rs;

	dpvs_pushing = true;
	list_for_each_entry(vs, &check_data->vs, e_list) {
		bool sorry = vs->s_svr && ISALIVE(vs->s_svr);

		if (!ISALIVE(vs))
			continue;
		ipvs_cmd(LVS_CMD_ADD, vs, NULL);   /* and its local addresses */
		list_for_each_entry(rs, &vs->rs, e_list) {
			if (ISALIVE(rs) && !sorry)
				dpvs_push_rs(vs, rs, false);
			else if (rs->inhibit && (ISALIVE(rs) || rs->set))
				dpvs_push_rs(vs, rs, true);
		}
		if (sorry)
			dpvs_push_rs(vs, vs->s_svr, false);
		else if (vs->s_svr && vs->s_svr->inhibit && !vs->s_svr_duplicates_rs)
			dpvs_push_rs(vs, vs->s_svr, true);
	}
	dpvs_pushing = false;
}

/* ---- keeping dpvs in step with keepalived ---- */

#define DPVS_SYNC_PERIOD 5        /* s between comparisons when all is well */
#define DPVS_SYNC_BACKOFF_MAX 32  /* s: the longest wait after failures */
/* A comparison blocks the checker (health checks, a reload) while dpvs
 * lists its tables: at 20,000 services that is 0.3 s to over a second on
 * a busy host.  The wait after one is this many times as long, so the
 * checker spends at most a tenth of its time comparing. */
#define DPVS_SYNC_DUTY 10

static unsigned sync_wait = 1, sync_backoff = 1;

/* Compares dpvs with what keepalived wants (what a push to a restarted
 * dpvs would add) and fixes it; the fixes that failed, -1 for all. */
static int dpvs_sync(void)
{
	struct dpvs_want w;
	int failed;

	memset(&w, 0, sizeof(w));
	ipvs_dpvs_record(&w);
	dpvs_push_all();
	ipvs_dpvs_record(NULL);
	failed = ipvs_dpvs_sync(&w);
	dpvs_want_free(&w);
	ipvs_dpvs_take_error();   /* the pass's own, counted in failed */
	return failed;
}

/* Seconds (at least DPVS_SYNC_PERIOD) until the next comparison after
 * one that took `took` microseconds. */
static unsigned sync_period(uint64_t took)
{
	uint64_t s = took * DPVS_SYNC_DUTY / 1000000 + 1;

	return s > DPVS_SYNC_PERIOD ? (unsigned)s : DPVS_SYNC_PERIOD;
}

/*
 * Once a second: a call that failed brings the next comparison forward;
 * failed fixes are tried again after 2, 4, ... 32 s; otherwise dpvs is
 * compared every DPVS_SYNC_PERIOD seconds (someone may have changed it),
 * or DPVS_SYNC_DUTY times as long as the last comparison took.
 */
static void dpvs_sync_tick(void)
{
	uint64_t t0;
	int failed;

	if (ipvs_dpvs_take_error() && sync_wait > sync_backoff)
		sync_wait = sync_backoff;
	if (--sync_wait > 0)
		return;
	t0 = timer_long(timer_now());
	failed = dpvs_sync();
	if (!failed) {
		sync_backoff = 1;
		sync_wait = sync_period(timer_long(timer_now()) - t0);
		return;
	}
	if (sync_backoff < DPVS_SYNC_BACKOFF_MAX)
		sync_backoff *= 2;
	sync_wait = sync_backoff;
	log_message(LOG_INFO, "dpvs: comparing with keepalived's state again "
		    "in %u s", sync_wait);
}

static void dpvs_watch_thread(__attribute__((unused)) thread_ref_t thread)
{
	uint64_t gen = ipvs_dpvs_started();

	if (gen && dpvs_seen && gen != dpvs_seen) {
		log_message(LOG_INFO, "dpvs restarted: pushing services and "
			    "real servers again (sorry servers and quorum as they "
			    "stand, virtual_server_group services included)");
		ipvs_dpvs_forget_refusals();
		dpvs_push_all();
	} else if (!gen && dpvs_seen && !dpvs_lost) {
		log_message(LOG_INFO, "dpvs does not answer; waiting for it");
	}
	dpvs_lost = !gen;
	if (gen) {
		dpvs_seen = gen;
		dpvs_sync_tick();
	}
	thread_add_timer(master, dpvs_watch_thread, NULL, TIMER_HZ);
}

void dpvs_start_watch(void)
{
	dpvs_seen = ipvs_dpvs_started();
	/* A reload: compare at once, what it removed included. */
	ipvs_dpvs_forget_refusals();
	sync_wait = sync_backoff = 1;
	thread_add_timer(master, dpvs_watch_thread, NULL, TIMER_HZ);
}
