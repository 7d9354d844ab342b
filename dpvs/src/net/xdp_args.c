/* The checks dpvs makes on an af_xdp port before probing it (xdp_args.h). */
#include "xdp_args.h"

#include <errno.h>
#include <limits.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The value of devargs' key= (not the driver name before the first ','). */
static const char *arg_val(const char *devargs, const char *key, size_t *len)
{
	size_t n = strlen(key);
	const char *arg;

	for (arg = strchr(devargs, ','); arg; arg = strchr(arg + 1, ',')) {
		if (strncmp(arg + 1, key, n) || arg[1 + n] != '=')
			continue;
		*len = strcspn(arg + 2 + n, ",");
		return arg + 2 + n;
	}
	return NULL;
}

static int arg_uint(const char *devargs, const char *key, unsigned dflt,
		    unsigned *out)
{
	char buf[16], *end;
	const char *v;
	size_t n;
	unsigned long x;

	v = arg_val(devargs, key, &n);
	if (!v) {
		*out = dflt;
		return 0;
	}
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	x = strtoul(buf, &end, 10);
	if (*end || errno || x > INT_MAX || buf[0] == '-')
		return -EINVAL;
	*out = (unsigned)x;
	return 0;
}

int xdp_parse(const char *devargs, struct xdp_port_args *a, char *err,
	      size_t errlen)
{
	size_t n = 0;
	const char *v = arg_val(devargs, "iface", &n);

	memset(a, 0, sizeof(*a));
	if (!v || n == 0 || n >= sizeof(a->iface)) {
		snprintf(err, errlen, "an af_xdp port needs iface=NAME, the "
			 "kernel interface (at most %zu characters) its XDP "
			 "program attaches to", sizeof(a->iface) - 1);
		return -EINVAL;
	}
	memcpy(a->iface, v, n);
	a->iface[n] = '\0';
	if (arg_uint(devargs, "start_queue", 0, &a->start_queue) < 0 ||
	    arg_uint(devargs, "queue_count", 1, &a->queue_count) < 0 ||
	    a->queue_count == 0) {
		snprintf(err, errlen, "start_queue= and queue_count= take a "
			 "number (queue_count at least 1)");
		return -EINVAL;
	}
	return 0;
}

int xdp_kernel_queues(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = { 0 };
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	rc = rc < 0 ? -errno : 0;
	close(fd);
	/* As the driver counts: combined channels, else one queue. */
	if (rc == -EOPNOTSUPP || (rc == 0 && ch.max_combined == 0))
		return 1;
	if (rc < 0)
		return rc;
	return ch.combined_count ? (int)ch.combined_count : 1;
}

int xdp_check(const char *devargs, unsigned nrxq, unsigned ntxq, unsigned mtu,
	      unsigned kq, char *err, size_t errlen)
{
	struct xdp_port_args a;
	int rc = xdp_parse(devargs, &a, err, errlen);

	if (rc < 0)
		return rc;
	if (nrxq != a.queue_count || ntxq != a.queue_count) {
		snprintf(err, errlen, "an af_xdp port has queue_count (%u) rx "
			 "and tx queues: set rx_queues and tx_queues to %u, or "
			 "queue_count to match", a.queue_count, a.queue_count);
		return -EINVAL;
	}
	if (mtu > XDP_MAX_MTU) {
		snprintf(err, errlen, "mtu %u: an af_xdp port's frames fit in "
			 "%u bytes (dpvs's mbufs less the kernel's XDP headroom): "
			 "mtu at most %u", mtu, XDP_MAX_FRAME, XDP_MAX_MTU);
		return -EINVAL;
	}
	if (if_nametoindex(a.iface) == 0) {
		snprintf(err, errlen, "no kernel interface %s in dpvs's network "
			 "namespace", a.iface);
		return -ENODEV;
	}
	if (kq == 0) {
		rc = xdp_kernel_queues(a.iface);
		if (rc < 0) {
			snprintf(err, errlen, "cannot read %s's queues: %s",
				 a.iface, strerror(-rc));
			return rc;
		}
		kq = (unsigned)rc;
	}
	if ((unsigned long)a.start_queue + a.queue_count > kq) {
		snprintf(err, errlen, "%s has %u queue(s) for AF_XDP (its combined "
			 "channels, `ethtool -l`; a veth has 1): start_queue=%u "
			 "queue_count=%u asks for more", a.iface, kq,
			 a.start_queue, a.queue_count);
		return -EINVAL;
	}
	return 0;
}
