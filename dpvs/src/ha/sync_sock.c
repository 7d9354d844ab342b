/*
 * The sync engine's transport: an ordinary kernel UDP socket bound to
 * the configured interface (a port's TAP twin or any kernel NIC), so
 * ARP, IGMP, TTL and routing are the kernel's (docs/ha.md, "Transport").
 * Non-blocking, in the master's epoll set only to wake it: the sync job
 * reads and writes by sendmmsg/recvmmsg.
 */
#include "sync_int.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/evloop.h"
#include "core/log.h"

#define SYNC_TOS 0xc0          /* DSCP CS6, network control, as VRRP */

static struct {
	int fd;
	struct evloop_fd ev;
	struct sockaddr_in dst;
	/* The send queue: a ring of SYNC_MMSG datagrams. */
	uint8_t buf[SYNC_MMSG][SYNC_MAX_LEN];
	size_t len[SYNC_MMSG];
	unsigned nrec[SYNC_MMSG];
	unsigned head, count;
	/* One more byte than the largest datagram: a longer one is bad. */
	uint8_t rbuf[SYNC_MMSG][SYNC_MAX_LEN + 1];
	size_t rlen[SYNC_MMSG];
	uint32_t rsrc[SYNC_MMSG];
	unsigned rn, ri;           /* received, and the next to hand over */
} s = { .fd = -1 };

int sync_sock_maxlen(const char *ifname, unsigned want, unsigned *out)
{
	struct ifreq ifr = { 0 };
	unsigned mtu_max;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		rc = -errno;
	close(fd);
	if (rc)
		return rc;
	mtu_max = ifr.ifr_mtu > 28 ? (unsigned)ifr.ifr_mtu - 28 : 0;
	if (mtu_max > SYNC_MAX_LEN)
		mtu_max = SYNC_MAX_LEN;
	if (mtu_max < SYNC_MIN_MAXLEN)
		return -EMSGSIZE;
	if (!want || want > mtu_max)
		want = mtu_max;
	*out = want < SYNC_MIN_MAXLEN ? SYNC_MIN_MAXLEN : want;
	return 0;
}

static int opt(int level, int name, const void *v, socklen_t len,
	       const char *what, char *msg, size_t msglen)
{
	if (setsockopt(s.fd, level, name, v, len) == 0)
		return 0;
	snprintf(msg, msglen, "socket: %s: %s", what, strerror(errno));
	return -errno;
}

/* Buffers beyond rmem_max need the FORCE options (dpvs runs as root). */
static void set_buffers(unsigned kb)
{
	int bytes = (int)kb * 1024;

	if (setsockopt(s.fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(s.fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
	if (setsockopt(s.fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

static int join_group(const struct ha_sync_conf *c, unsigned ifindex,
		      char *msg, size_t msglen)
{
	struct ip_mreqn mr = { .imr_ifindex = (int)ifindex };
	int ttl = c->ttl, zero = 0;

	mr.imr_multiaddr.s_addr = htonl(c->group);
	if (opt(IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr), "join group",
		msg, msglen) ||
	    opt(IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr), "multicast interface",
		msg, msglen) ||
	    opt(IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl), "multicast ttl",
		msg, msglen) ||
	    opt(IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero), "multicast loop",
		msg, msglen) ||
	    opt(IPPROTO_IP, IP_MULTICAST_ALL, &zero, sizeof(zero), "multicast all",
		msg, msglen))
		return -errno;
	return 0;
}

static int configure(const struct ha_sync_conf *c, unsigned buf_kb,
		     char *msg, size_t msglen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(c->port) };
	unsigned ifindex = if_nametoindex(c->ifname);
	int one = 1, tos = SYNC_TOS, rc;

	if (!ifindex) {
		snprintf(msg, msglen, "no interface %s", c->ifname);
		return -ENODEV;
	}
	rc = opt(SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one), "reuse", msg, msglen);
	if (!rc)
		rc = opt(SOL_SOCKET, SO_BINDTODEVICE, c->ifname,
			 (socklen_t)strlen(c->ifname) + 1, "bind to device",
			 msg, msglen);
	if (!rc)
		rc = opt(IPPROTO_IP, IP_TOS, &tos, sizeof(tos), "tos", msg, msglen);
	if (rc)
		return rc;
	set_buffers(buf_kb);
	if (bind(s.fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		snprintf(msg, msglen, "socket: bind port %u: %s", c->port,
			 strerror(errno));
		return -errno;
	}
	s.dst = a;
	s.dst.sin_addr.s_addr = htonl(c->peer ? c->peer : c->group);
	return c->peer ? 0 : join_group(c, ifindex, msg, msglen);
}

int sync_sock_open(const struct ha_sync_conf *c, unsigned buf_kb,
		   char *msg, size_t msglen)
{
	int rc;

	s.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s.fd < 0) {
		snprintf(msg, msglen, "socket: %s", strerror(errno));
		return -errno;
	}
	rc = configure(c, buf_kb, msg, msglen);
	if (!rc)
		rc = evloop_add(&s.ev, s.fd, EPOLLIN, NULL);
	if (rc) {
		if (!msg[0])
			snprintf(msg, msglen, "socket: %s", strerror(-rc));
		close(s.fd);
		s.fd = -1;
		return rc;
	}
	s.head = s.count = 0;
	s.rn = s.ri = 0;
	return 0;
}

void sync_sock_close(void)
{
	if (s.fd < 0)
		return;
	evloop_del(&s.ev);
	close(s.fd);
	s.fd = -1;
	s.head = s.count = 0;
	s.rn = s.ri = 0;
}

bool sync_sock_is_open(void)
{
	return s.fd >= 0;
}

unsigned sync_sock_free_slots(void)
{
	return s.fd < 0 ? 0 : SYNC_MMSG - s.count;
}

uint8_t *sync_sock_slot(void)
{
	if (!sync_sock_free_slots())
		return NULL;
	return s.buf[(s.head + s.count) % SYNC_MMSG];
}

void sync_sock_commit(size_t len, unsigned nrec)
{
	unsigned i = (s.head + s.count) % SYNC_MMSG;

	s.len[i] = len;
	s.nrec[i] = nrec;
	s.count++;
}

static void sent(unsigned i, struct ha_sync_counters *c)
{
	c->tx_msgs++;
	c->tx_bytes += s.len[i];
	c->tx_conns += s.nrec[i];
}

/* A datagram the kernel refused for good: its records are lost. */
static void dropped(unsigned i, int err, struct ha_sync_counters *c)
{
	static uint64_t last_ms;
	uint64_t now = sync_now_ms();

	c->tx_dropped += s.nrec[i];
	if (!last_ms || now - last_ms >= SYNC_LOG_EVERY_MS) {
		last_ms = now;
		uint32_t a = ntohl(s.dst.sin_addr.s_addr);

		/* At most one line a SYNC_LOG_EVERY_MS: a flood of failures. */
		LOG_WARNX("sync", "sending a datagram to %u.%u.%u.%u:%u failed: "
			  "%s; its %u connection records are lost (tx_dropped "
			  "counts them all)", a >> 24, a >> 16 & 0xff,
			  a >> 8 & 0xff, a & 0xff, ntohs(s.dst.sin_port),
			  strerror(err), s.nrec[i]);
	}
}

unsigned sync_sock_flush(struct ha_sync_counters *c)
{
	struct mmsghdr mm[SYNC_MMSG];
	struct iovec iov[SYNC_MMSG];
	unsigned n = s.count, done = 0;
	int rc;

	if (s.fd < 0 || !n)
		return 0;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (s.head + k) % SYNC_MMSG;

		iov[k] = (struct iovec){ s.buf[i], s.len[i] };
		mm[k] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &s.dst, .msg_namelen = sizeof(s.dst),
			.msg_iov = &iov[k], .msg_iovlen = 1 } };
	}
	while (done < n) {
		rc = sendmmsg(s.fd, mm + done, n - done, MSG_DONTWAIT);
		if (rc > 0) {
			for (int k = 0; k < rc; k++)
				sent((s.head + done + (unsigned)k) % SYNC_MMSG, c);
			done += (unsigned)rc;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			break;  /* kept for the next loop */
		/* The first datagram failed (no route, link down): drop it. */
		dropped((s.head + done) % SYNC_MMSG, errno, c);
		done++;
	}
	s.head = (s.head + done) % SYNC_MMSG;
	s.count -= done;
	return done;
}

/* The next batch from the kernel into rbuf; false when there is none. */
static bool fill(unsigned want, struct ha_sync_counters *c)
{
	struct mmsghdr mm[SYNC_MMSG];
	struct iovec iov[SYNC_MMSG];
	struct sockaddr_in from[SYNC_MMSG];
	int n;

	if (want > SYNC_MMSG)
		want = SYNC_MMSG;
	for (unsigned k = 0; k < want; k++) {
		iov[k] = (struct iovec){ s.rbuf[k], sizeof(s.rbuf[k]) };
		mm[k] = (struct mmsghdr){ .msg_hdr = {
			.msg_name = &from[k], .msg_namelen = sizeof(from[k]),
			.msg_iov = &iov[k], .msg_iovlen = 1 } };
	}
	n = recvmmsg(s.fd, mm, want, MSG_DONTWAIT, NULL);
	s.rn = s.ri = 0;
	for (int k = 0; k < n; k++) {
		if (mm[k].msg_hdr.msg_flags & MSG_TRUNC) {
			c->rx_bad++;  /* longer than any datagram */
			continue;
		}
		if (s.rn != (unsigned)k)
			memcpy(s.rbuf[s.rn], s.rbuf[k], mm[k].msg_len);
		s.rlen[s.rn] = mm[k].msg_len;
		s.rsrc[s.rn++] = ntohl(from[k].sin_addr.s_addr);
	}
	return n > 0;
}

unsigned sync_sock_recv(unsigned max, uint64_t deadline_us, sync_rx_fn fn,
			struct ha_sync_counters *c)
{
	unsigned total = 0;

	while (s.fd >= 0 && total < max) {
		if (s.ri == s.rn && !fill(max - total, c))
			break;
		for (; s.ri < s.rn && total < max; s.ri++, total++) {
			/* What is read stays in rbuf for the next loop. */
			if (sync_now_us() >= deadline_us)
				return total;
			if (!fn(s.rbuf[s.ri], s.rlen[s.ri], s.rsrc[s.ri]))
				return total;  /* held: this one again next time */
		}
	}
	return total;
}

void sync_sock_skip(void)
{
	if (s.ri < s.rn)
		s.ri++;
}
