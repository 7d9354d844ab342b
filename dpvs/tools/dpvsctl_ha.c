/*
 * dpvsctl's HA commands (docs/dpvsctl.md, docs/ha.md): `sync` shows,
 * starts, stops, resets connection sync and asks for a bulk; `ha` shows
 * the lease and `ha hold` takes it by hand.
 */
#include "dpvsctl_ha.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_util.h"
#include "dpvsctl_ha_parse.h"

static int report(struct dpvs_handle *h, int rc, const char *what)
{
	const char *msg = dpvs_errmsg(h);

	if (rc == DPVS_OK)
		return 0;
	fprintf(stderr, "dpvsctl: %s: %s\n", what,
		msg && *msg ? msg : dpvs_strerror(rc));
	return 1;
}

static const char *roles_name(uint32_t r)
{
	switch (r & (DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP)) {
	case DPVS_SYNC_MASTER: return "MASTER";
	case DPVS_SYNC_BACKUP: return "BACKUP";
	case DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP: return "MASTER+BACKUP";
	default: return "none";
	}
}

static void ip_str(uint32_t host, char *out, size_t len)
{
	snprintf(out, len, "%u.%u.%u.%u", host >> 24, (host >> 16) & 0xff,
		 (host >> 8) & 0xff, host & 0xff);
}

static void print_role(const struct dpvs_sync_state *s)
{
	const struct dpvs_sync_conf *c = &s->conf;
	char a[16], maxlen[16];

	if (!s->roles) {
		printf("role: none (sync is off)\n");
		return;
	}
	ip_str(c->peer ? c->peer : c->group, a, sizeof(a));
	if (c->maxlen)
		snprintf(maxlen, sizeof(maxlen), "%u", c->maxlen);
	else
		snprintf(maxlen, sizeof(maxlen), "auto");
	printf("role: %s  syncid %u  iface %s  %s %s:%u  ttl %u  maxlen %s  "
	       "key %s\n", roles_name(s->roles), c->syncid, c->ifname,
	       c->peer ? "peer" : "group", a, c->port, c->ttl, maxlen,
	       s->key_fp);
}

static void print_peer(const struct dpvs_sync_state *s)
{
	char a[16];

	if (s->roles & DPVS_SYNC_MASTER)
		printf("sender: %016llx (ours)\n",
		       (unsigned long long)s->sender_id);
	if (s->last_rx_ms == UINT64_MAX || !s->peer_sender_id) {
		printf("peer: none heard\n");
		return;
	}
	ip_str(s->peer_addr, a, sizeof(a));
	printf("peer: %s (sender %016llx), last heard %llu ms ago\n", a,
	       (unsigned long long)s->peer_sender_id,
	       (unsigned long long)s->last_rx_ms);
}

static void print_bulk(const struct dpvs_sync_state *s)
{
	unsigned long long n = (unsigned long long)s->bulk_conns;
	double t = s->bulk_ms / 1000.0;

	switch (s->bulk) {
	case DPVS_BULK_REQUESTING:
		printf("bulk: requesting from the master\n");
		break;
	case DPVS_BULK_RECEIVING:
		printf("bulk: receiving, %llu conns so far\n", n);
		break;
	case DPVS_BULK_READY:
		printf("bulk: done, %llu conns in %.2f s\n", n, t);
		break;
	case DPVS_BULK_SENDING:
		printf("bulk: sending, %llu conns so far\n", n);
		break;
	default:
		if (n)
			printf("bulk: last sent %llu conns in %.2f s\n", n, t);
		else
			printf("bulk: none\n");
	}
}

#define U(x) ((unsigned long long)(x))

static void print_counters(const struct dpvs_sync_state *s)
{
	const struct dpvs_sync_counters *c = &s->c;

	printf("%-3s %10s %10s %12s %9s %12s %9s %6s\n", "", "msgs", "conns",
	       "bytes", "dropped", "auth_failed", "replayed", "stale");
	printf("%-3s %10llu %10llu %12llu %9llu\n", "tx", U(c->tx_msgs),
	       U(c->tx_conns), U(c->tx_bytes), U(c->tx_dropped));
	printf("%-3s %10llu %10llu %12llu %9llu %12llu %9llu %6llu\n", "rx",
	       U(c->rx_msgs), U(c->rx_conns), U(c->rx_bytes), U(c->rx_dropped),
	       U(c->rx_auth_failed), U(c->rx_replayed), U(c->rx_stale));
	printf("rx refused: bad %llu  other_id %llu\n", U(c->rx_bad),
	       U(c->rx_other_id));
	printf("installed %llu  updated %llu  synced conns %u  bulks sent %llu"
	       "  received %llu\n", U(c->installed), U(c->updated),
	       s->synced_conns, U(c->bulk_sent), U(c->bulk_received));
	printf("refused: no_service %llu  no_dest %llu  no_laddr %llu  "
	       "port_busy %llu  clash %llu  full %llu  replaced %llu  "
	       "dir_full %llu\n", U(c->no_service), U(c->no_dest),
	       U(c->no_laddr), U(c->port_busy), U(c->clash), U(c->full),
	       U(c->replaced), U(c->dir_full));
}

static int sync_show(struct dpvs_handle *h)
{
	struct dpvs_sync_state s;
	int rc = dpvs_sync_state(h, &s);

	if (rc)
		return report(h, rc, "sync");
	print_role(&s);
	print_peer(&s);
	print_bulk(&s);
	print_counters(&s);
	return 0;
}

#define AP_LEN (INET6_ADDRSTRLEN + 8)

/* "10.0.0.1:80" or "[2001:db8::1]:80", as dpvsadm prints them. */
static const char *addrport(uint8_t af, uint32_t v4, const struct in6_addr *v6,
			    uint16_t port, char out[AP_LEN])
{
	char ip[INET6_ADDRSTRLEN];

	if (!dpvs_inet_ntop(af, v4, v6, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(out, AP_LEN, af == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
	return out;
}

static void print_synced(const struct dpvs_conn *x)
{
	char s[AP_LEN], v[AP_LEN], d[AP_LEN], l[AP_LEN] = "-";

	if (x->daf == AF_INET6 ? !IN6_IS_ADDR_UNSPECIFIED(&x->laddr6) :
	    x->laddr != 0)
		addrport(x->daf, x->laddr, &x->laddr6, x->lport, l);
	printf("%-3s %02u:%02u  %-11s %-21s %-21s %-21s %-21s %u\n",
	       x->proto == IPPROTO_TCP ? "TCP" : x->proto == IPPROTO_UDP ?
	       "UDP" : "?", x->expire_s / 60, x->expire_s % 60,
	       x->state_name,
	       addrport(x->caf, x->caddr, &x->caddr6, x->cport, s),
	       addrport(x->caf, x->vaddr, &x->vaddr6, x->vport, v),
	       addrport(x->daf, x->daddr, &x->daddr6, x->dport, d),
	       l, x->lcore);
}

/* The synced conns only, as dpvsadm -L -c lists them, page by page. */
static int sync_conns(struct dpvs_handle *h)
{
	struct dpvs_conn *cs;
	uint32_t cursor = 0;
	unsigned long long n_synced = 0;
	size_t n;
	int rc;

	printf("%-3s %-6s %-11s %-21s %-21s %-21s %-21s %s\n", "pro",
	       "expire", "state", "source", "virtual", "destination", "local",
	       "lcore");
	do {
		rc = dpvs_conn_list_page(h, &cursor, &cs, &n);
		if (rc)
			return report(h, rc, "sync conns");
		for (size_t i = 0; i < n; i++)
			if (cs[i].flags & DPVS_CONN_F_SYNCED) {
				print_synced(&cs[i]);
				n_synced++;
			}
		free(cs);
	} while (cursor);
	printf("%llu synced connections\n", n_synced);
	return 0;
}

static int sync_start(struct dpvs_handle *h, int argc, char **argv)
{
	struct dpvs_sync_conf c;
	char err[256];
	int rc;

	if (ha_parse_sync_start(argc - 1, argv + 1, &c, err, sizeof(err))) {
		fprintf(stderr, "dpvsctl: %s\n", err);
		return 2;
	}
	rc = dpvs_sync_start(h, &c);
	explicit_bzero(&c, sizeof(c));
	return report(h, rc, "sync start");
}

int ha_sync_cmd(struct dpvs_handle *h, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "show";
	uint32_t roles;
	char err[128];

	if (!strcmp(sub, "show"))
		return sync_show(h);
	if (!strcmp(sub, "start"))
		return sync_start(h, argc, argv);
	if (!strcmp(sub, "stop")) {
		if (ha_parse_sync_stop(argv[2], &roles, err, sizeof(err)))
			return fprintf(stderr, "dpvsctl: %s\n", err), 2;
		return report(h, dpvs_sync_stop(h, roles), "sync stop");
	}
	if (!strcmp(sub, "reset"))
		return report(h, dpvs_sync_reset(h), "sync reset");
	if (!strcmp(sub, "conns"))
		return sync_conns(h);
	return report(h, dpvs_sync_bulk(h), "sync bulk");
}

/* The holder's name when it runs here (keepalived, dpvsctl). */
static void comm_of(uint32_t pid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(out, (int)len, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

static int ha_show(struct dpvs_handle *h)
{
	struct dpvs_ha_state s;
	char comm[32];
	int rc = dpvs_ha_state(h, &s);

	if (rc)
		return report(h, rc, "ha");
	comm_of(s.holder_pid, comm, sizeof(comm));
	if (s.held)
		printf("lease: held, %u ms left, holder pid %u%s%s%s\n",
		       s.ms_left, s.holder_pid, comm[0] ? " (" : "", comm,
		       comm[0] ? ")" : "");
	else
		printf("lease: not held\n");
	printf("ha addresses: %u (%s)  leased addresses: %u\n", s.ha_addrs,
	       s.held ? "active" : "inactive", s.leased_addrs);
	printf("taken %llu  lost %llu  released %llu\n", U(s.taken),
	       U(s.lost), U(s.released));
	return 0;
}

static volatile sig_atomic_t stop_hold;

static void on_signal(int sig)
{
	(void)sig;
	stop_hold = 1;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleeps ms unless a signal comes first (no SA_RESTART). */
static void nap(uint32_t ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* --announce-every: what keepalived does when it announces its VIPs. */
static int maybe_announce(struct dpvs_handle *h, const struct ha_hold_args *a,
			  uint64_t *next)
{
	int rc;

	if (!a->announce_s || mono_ms() < *next)
		return 0;
	*next = mono_ms() + a->announce_s * 1000ull;
	rc = dpvs_ha_announce(h);
	if (rc == DPVS_OK) {
		printf("lease: announced\n");
		fflush(stdout);
	}
	return rc;
}

/*
 * Renews every ttl/3, so two renewals can be lost before the lease
 * ends; any failure ends the hold (the lease is then the daemon's to
 * end), a signal or --for releases it.
 */
static int ha_hold(struct dpvs_handle *h, int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct ha_hold_args a;
	uint64_t until, next_announce;
	uint32_t left;
	char err[128];
	int rc;

	if (ha_parse_hold(argc - 1, argv + 1, &a, err, sizeof(err)))
		return fprintf(stderr, "dpvsctl: %s\n", err), 2;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rc = dpvs_ha_lease(h, a.ttl_ms, &left);
	if (rc)
		return report(h, rc, "ha hold");
	printf("lease: held, ttl %u ms\n", left);
	fflush(stdout);
	until = a.for_s ? mono_ms() + a.for_s * 1000ull : UINT64_MAX;
	next_announce = mono_ms() + a.announce_s * 1000ull;
	while (!stop_hold && mono_ms() < until) {
		nap(a.ttl_ms / 3);
		if (stop_hold || mono_ms() >= until)
			break;
		rc = dpvs_ha_lease(h, a.ttl_ms, &left);
		if (rc)
			return report(h, rc, "ha hold: renewing");
		rc = maybe_announce(h, &a, &next_announce);
		if (rc)
			return report(h, rc, "ha hold: announcing");
	}
	rc = dpvs_ha_release(h);
	if (rc)
		return report(h, rc, "ha hold: releasing");
	printf("lease: released\n");
	return 0;
}

int ha_ha_cmd(struct dpvs_handle *h, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "hold"))
		return ha_hold(h, argc, argv);
	return ha_show(h);
}

static int perr_unknown(char *err, size_t len, char **argv)
{
	return perr(err, len, "unknown %s command or arguments: '%s' (see "
		    "dpvsctl --help)", argv[0], argv[1]);
}

int ha_cmd_check(int argc, char **argv)
{
	struct dpvs_sync_conf c;
	struct ha_hold_args a;
	const char *sub = argc > 1 ? argv[1] : "show";
	uint32_t roles;
	char err[256];
	int rc = 0;

	if (!strcmp(argv[0], "ha")) {
		if (!strcmp(sub, "hold"))
			rc = ha_parse_hold(argc - 1, argv + 1, &a, err,
					   sizeof(err));
		else if (strcmp(sub, "show") || argc > 2)
			rc = perr_unknown(err, sizeof(err), argv);
	} else if (!strcmp(sub, "start")) {
		rc = ha_parse_sync_start(argc - 1, argv + 1, &c, err,
					 sizeof(err));
		explicit_bzero(&c, sizeof(c));
	} else if (!strcmp(sub, "stop")) {
		rc = argc == 3 ? ha_parse_sync_stop(argv[2], &roles, err,
						    sizeof(err)) :
				 perr_unknown(err, sizeof(err), argv);
	} else if ((strcmp(sub, "show") && strcmp(sub, "reset") &&
		    strcmp(sub, "bulk") && strcmp(sub, "conns")) || argc > 2) {
		rc = perr_unknown(err, sizeof(err), argv);
	}
	if (rc)
		fprintf(stderr, "dpvsctl: %s\n", err);
	return rc ? 2 : 0;
}
