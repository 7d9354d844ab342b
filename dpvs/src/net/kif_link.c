/* The kernel's view of the link of af_packet and af_xdp ports. */
#include "kif_link.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* One socket for the ioctls: the link job asks several times a second. */
static int sock = -1;

static bool has_driver(const char *devargs, const char *const *drivers,
		       size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(devargs, drivers[i], strlen(drivers[i])))
			return true;
	return false;
}

bool kif_is_af_packet(const char *devargs)
{
	static const char *const drivers[] = { "net_af_packet",
					       "eth_af_packet" };

	return has_driver(devargs, drivers, 2);
}

bool kif_is_af_xdp(const char *devargs)
{
	static const char *const drivers[] = { "net_af_xdp", "eth_af_xdp" };

	return has_driver(devargs, drivers, 2);
}

bool kif_of_devargs(const char *devargs, char *out, size_t len)
{
	const char *arg = strchr(devargs, ',');
	size_t n;

	if (!(kif_is_af_packet(devargs) || kif_is_af_xdp(devargs)) || len == 0)
		return false;
	for (; arg; arg = strchr(arg + 1, ',')) {
		if (strncmp(arg + 1, "iface=", 6))
			continue;
		arg += 7;
		n = strcspn(arg, ",");
		if (n == 0 || n >= len || n >= IFNAMSIZ)
			return false;
		memcpy(out, arg, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

int kif_link_up(const char *ifname)
{
	struct ifreq ifr = { 0 };

	if (sock < 0)
		sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	/* IFF_RUNNING: the kernel's operational state, i.e. carrier. */
	return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

void kif_link_fini(void)
{
	if (sock >= 0)
		close(sock);
	sock = -1;
}
