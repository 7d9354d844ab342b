/*
 * IPv6 interface addresses and their routes (master only).  An address
 * gets its connected route at once (shared per prefix, as inetaddr.c)
 * and its /128 RT_LOCAL route only once DAD passed: until then it is
 * tentative, and the input path drops what is sent to it (RFC 4862 5.4).
 */
#include "inet6addr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "core/log.h"
#include "inet_addr.h"
#include "ndisc.h"
#include "route6.h"

#define RT_F_MASK (RT_F_SAPOOL | RT_F_HA | RT_F_LEASED)
#define ADD_FLAGS (IFA_F_SAPOOL | IFA_F_HA | IFA_F_LEASED | IFA6_F_NODAD)

struct ifa6 {
	bool used;
	uint16_t port;
	uint8_t plen;
	struct in6_addr addr;
	uint32_t flags;     /* IFA_F_* | IFA6_F_* */
};

static struct ifa6 *addrs;
static unsigned naddrs;             /* the table's size: ipv6.max_addrs */
static uint32_t dad_transmits = 1;
/* Addresses in DAD: workers look at the table only while there are any. */
static unsigned ntentative;

/* Every address ever added LEASED until a plain delete (inetaddr.c's "seen"). */
static struct {
	struct in6_addr *addr;
	uint64_t *stamp;
	unsigned n;
	uint64_t clock;
} seen;

static const char *str6(const struct in6_addr *a, char buf[INET_ADDRSTR_MAX])
{
	return inet_ntop(AF_INET6, a, buf, INET_ADDRSTR_MAX);
}

int inet6addr_init(const struct dpvs_conf *c)
{
	naddrs = c->ip6_max_addrs;
	addrs = calloc(naddrs, sizeof(*addrs));
	seen.addr = calloc(naddrs, sizeof(*seen.addr));
	seen.stamp = calloc(naddrs, sizeof(*seen.stamp));
	if (!addrs || !seen.addr || !seen.stamp) {
		LOG_ERRX("inet6addr", "cannot allocate %u addresses", naddrs);
		inet6addr_fini();
		return -ENOMEM;
	}
	inet6addr_set_params(c);
	return 0;
}

void inet6addr_fini(void)
{
	free(addrs);
	free(seen.addr);
	free(seen.stamp);
	addrs = NULL;
	memset(&seen, 0, sizeof(seen));
	naddrs = 0;
	ntentative = 0;
}

void inet6addr_set_params(const struct dpvs_conf *c)
{
	dad_transmits = c->ip6_dad_transmits;
}

static struct ifa6 *find(const struct in6_addr *a)
{
	for (unsigned i = 0; i < naddrs; i++)
		if (addrs[i].used && memcmp(&addrs[i].addr, a, sizeof(*a)) == 0)
			return &addrs[i];
	return NULL;
}

static struct ifa6 *alloc_ifa(void)
{
	for (unsigned i = 0; i < naddrs; i++)
		if (!addrs[i].used)
			return &addrs[i];
	return NULL;
}

/* ---- leased addresses remembered for the kernel path (kni.c) ---- */

static int seen_find(const struct in6_addr *a)
{
	for (unsigned i = 0; i < seen.n; i++)
		if (memcmp(&seen.addr[i], a, sizeof(*a)) == 0)
			return (int)i;
	return -1;
}

static void seen_forget(const struct in6_addr *a)
{
	int i = seen_find(a);

	if (i < 0)
		return;
	seen.n--;
	seen.addr[i] = seen.addr[seen.n];
	seen.stamp[i] = seen.stamp[seen.n];
}

/* Full: the oldest one no longer configured makes room (there is one). */
static void seen_remember(const struct in6_addr *a)
{
	uint64_t best = UINT64_MAX;
	int i = seen_find(a);

	if (i < 0 && seen.n < naddrs)
		i = (int)seen.n++;
	for (unsigned j = 0; i < 0 && j < seen.n; j++)
		if (seen.stamp[j] < best && !find(&seen.addr[j])) {
			best = seen.stamp[j];
			i = (int)j;
		}
	if (i < 0)
		return;
	seen.addr[i] = *a;
	seen.stamp[i] = ++seen.clock;
}

bool inet6addr_leased_gone(const struct in6_addr *a)
{
	return seen_find(a) >= 0 && !find(a);
}

/* ---- routes ---- */

static int connected_get(uint16_t port, const struct in6_addr *a, uint8_t plen)
{
	struct route6_entry *r = route6_find(a, plen);
	struct route6_entry n = { .prefix = *a, .plen = plen, .type = RT_CONNECTED,
				  .port = port, .src = *a, .refs = 1,
				  .by_addr = true };

	if (plen == 128)
		return 0;
	if (r) {
		/* Shared with another address of the prefix, or a user route. */
		if (r->type == RT_CONNECTED && r->port == port && r->by_addr)
			r->refs++;
		return 0;
	}
	return route6_add(&n);
}

static void connected_put(uint16_t port, const struct in6_addr *a, uint8_t plen)
{
	struct route6_entry *r = route6_find(a, plen);

	if (plen == 128 || !r || !r->by_addr || r->type != RT_CONNECTED ||
	    r->port != port)
		return;
	if (--r->refs == 0)
		route6_del(a, plen, RT_CONNECTED);
}

static int local_add(const struct ifa6 *ifa)
{
	struct route6_entry local = { .prefix = ifa->addr, .plen = 128,
				      .type = RT_LOCAL, .port = ifa->port,
				      .src = ifa->addr,
				      .flags = ifa->flags & RT_F_MASK,
				      .by_addr = true };

	return route6_add(&local);
}

/* Usable: its /128 is installed (not in DAD, not a duplicate). */
static bool preferred(const struct ifa6 *ifa)
{
	return !(ifa->flags & (IFA6_F_TENTATIVE | IFA6_F_DADFAILED));
}

static void set_tentative(struct ifa6 *ifa, bool on)
{
	if (on)
		ifa->flags |= IFA6_F_TENTATIVE;
	else
		ifa->flags &= ~(uint32_t)IFA6_F_TENTATIVE;
	__atomic_store_n(&ntentative, ntentative + (on ? 1 : -1), __ATOMIC_RELEASE);
}

/* The address is ours now: route it locally and tell the link. */
static int go_live(struct ifa6 *ifa)
{
	char buf[INET_ADDRSTR_MAX];
	int rc = local_add(ifa);

	if (rc < 0) {
		LOG_ERRX("inet6addr", "%s/%u on port %u: cannot add its local route: %s",
			 str6(&ifa->addr, buf), ifa->plen, ifa->port, strerror(-rc));
		ifa->flags |= IFA6_F_DADFAILED;    /* listed, never used */
		return rc;
	}
	inet6addr_una(ifa->port, &ifa->addr);   /* refused for an inactive HA one */
	return 0;
}

static void dad_done(uint16_t port, const struct in6_addr *a, bool ok)
{
	struct ifa6 *ifa = find(a);
	char buf[INET_ADDRSTR_MAX];

	if (!ifa || ifa->port != port || !(ifa->flags & IFA6_F_TENTATIVE))
		return;
	set_tentative(ifa, false);
	if (ok) {
		go_live(ifa);
		return;
	}
	ifa->flags |= IFA6_F_DADFAILED;
	LOG_WARNX("inet6addr", "%s/%u on port %u: duplicate address detected; "
		  "not used until deleted", str6(a, buf), ifa->plen, port);
}

static int refuse(const struct in6_addr *a, uint8_t plen, uint32_t flags)
{
	char buf[INET_ADDRSTR_MAX];
	const char *why = NULL;

	if (plen == 0 || plen > 128 || (flags & ~(uint32_t)ADD_FLAGS))
		return -EINVAL;
	if (ipv6_is_multicast(a))
		why = "a multicast address";
	else if (ipv6_is_unspecified(a))
		why = "the unspecified address";
	else if (IN6_IS_ADDR_LOOPBACK(a))
		why = "the loopback address";
	else if (IN6_IS_ADDR_V4MAPPED(a))
		why = "an IPv4-mapped address";
	else if (ipv6_is_linklocal(a))
		why = "link-local addresses belong to the kernel twin";
	else if ((flags & IFA_F_HA) && plen != 128)
		why = "an HA address must be a /128";
	if (!why)
		return 0;
	LOG_NOTICEX("inet6addr", "%s/%u refused: %s", str6(a, buf), plen, why);
	return -EINVAL;
}

int inet6addr_add(uint16_t port, const struct in6_addr *a, uint8_t plen, uint32_t flags)
{
	/* An HA address is on both LBs by design: the peer is no duplicate. */
	bool dad = !(flags & (IFA6_F_NODAD | IFA_F_LEASED | IFA_F_HA)) &&
		   dad_transmits > 0;
	struct ifa6 *ifa;
	int rc;

	if (!addrs)
		return -EAFNOSUPPORT;
	rc = refuse(a, plen, flags);
	if (rc < 0)
		return rc;
	if (find(a))
		return -EEXIST;
	ifa = alloc_ifa();
	if (!ifa)
		return -ENOSPC;
	rc = connected_get(port, a, plen);
	if (rc < 0)
		return rc;
	*ifa = (struct ifa6){ true, port, plen, *a, flags };
	if (flags & IFA_F_LEASED)
		seen_remember(a);
	if (!dad) {
		rc = go_live(ifa);
		if (rc < 0) {
			connected_put(port, a, plen);
			memset(ifa, 0, sizeof(*ifa));
		}
		return rc;
	}
	set_tentative(ifa, true);
	/* done may run before this returns (DAD off in ndisc). */
	rc = ndisc_dad_start(port, a, dad_done);
	if (rc < 0 && (ifa->flags & IFA6_F_TENTATIVE)) {
		set_tentative(ifa, false);
		go_live(ifa);     /* cannot probe: as the kernel with DAD off */
	}
	return 0;
}

/* Removes the address and its routes; the lease's end keeps it remembered. */
static int ifa_remove(struct ifa6 *ifa)
{
	if (ifa->flags & IFA6_F_TENTATIVE) {
		ndisc_dad_cancel(ifa->port, &ifa->addr);
		set_tentative(ifa, false);
	}
	if (preferred(ifa))
		route6_del(&ifa->addr, 128, RT_LOCAL);
	connected_put(ifa->port, &ifa->addr, ifa->plen);
	memset(ifa, 0, sizeof(*ifa));
	return 0;
}

int inet6addr_del(uint16_t port, const struct in6_addr *a, uint8_t plen)
{
	struct ifa6 *ifa = addrs ? find(a) : NULL;
	struct in6_addr copy = *a;

	if (!ifa || ifa->port != port || (plen && ifa->plen != plen))
		return -ENOENT;
	ifa_remove(ifa);
	seen_forget(&copy);
	return 0;
}

void inet6addr_walk(void (*fn)(uint16_t port, const struct in6_addr *a, uint8_t plen,
			       uint32_t flags, void *arg), void *arg)
{
	for (unsigned i = 0; i < naddrs; i++)
		if (addrs[i].used)
			fn(addrs[i].port, &addrs[i].addr, addrs[i].plen,
			   addrs[i].flags, arg);
}

void inet6addr_flush(void)
{
	for (unsigned i = 0; i < naddrs; i++)
		if (addrs[i].used)
			ifa_remove(&addrs[i]);
	seen.n = 0;
}

int inet6addr_una(uint16_t port, const struct in6_addr *a)
{
	const struct ifa6 *ifa = addrs ? find(a) : NULL;

	if (!ifa || ifa->port != port || !preferred(ifa))
		return -EADDRNOTAVAIL;
	/* The peer owns it now: announcing it would steal its traffic. */
	if ((ifa->flags & IFA_F_HA) && !inetaddr_ha_active())
		return -EADDRNOTAVAIL;
	return ndisc_send_una(port, a);
}

void inet6addr_ha_announce(void)
{
	if (!inetaddr_ha_active())
		return;
	for (unsigned i = 0; i < naddrs; i++)
		if (addrs[i].used && (addrs[i].flags & IFA_F_HA))
			inet6addr_una(addrs[i].port, &addrs[i].addr);
}

unsigned inet6addr_flush_leased(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < naddrs; i++)
		if (addrs[i].used && (addrs[i].flags & IFA_F_LEASED) &&
		    ifa_remove(&addrs[i]) == 0)
			n++;
	return n;
}

/*
 * A preferred address of port to send from: an HA one only while live,
 * and then only if the port has nothing steadier.
 */
bool inet6addr_port_source(uint16_t port, struct in6_addr *out)
{
	const struct ifa6 *ha = NULL;

	for (unsigned i = 0; i < naddrs; i++) {
		const struct ifa6 *ifa = &addrs[i];

		if (!ifa->used || ifa->port != port || !preferred(ifa))
			continue;
		if (!(ifa->flags & IFA_F_HA)) {
			*out = ifa->addr;
			return true;
		}
		if (!ha && inetaddr_ha_active())
			ha = ifa;
	}
	if (ha)
		*out = ha->addr;
	return ha != NULL;
}

bool inet6addr_is_local(uint16_t port, const struct in6_addr *a, uint32_t *flags)
{
	const struct ifa6 *ifa = addrs ? find(a) : NULL;

	if (!ifa || ifa->port != port)
		return false;
	if (flags)
		*flags = ifa->flags;
	return true;
}

bool inet6addr_tentative(uint16_t port, const struct in6_addr *a)
{
	uint32_t flags = 0;

	if (__atomic_load_n(&ntentative, __ATOMIC_ACQUIRE) == 0)
		return false;
	return inet6addr_is_local(port, a, &flags) && (flags & IFA6_F_TENTATIVE);
}

void inet6addr_count(unsigned *n, unsigned *ha, unsigned *leased)
{
	*n = *ha = *leased = 0;
	for (unsigned i = 0; i < naddrs; i++) {
		if (!addrs[i].used)
			continue;
		(*n)++;
		*ha += !!(addrs[i].flags & IFA_F_HA);
		*leased += !!(addrs[i].flags & IFA_F_LEASED);
	}
}
