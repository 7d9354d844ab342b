/* The devargs dpvs probes af_packet ports with (see afp_args.h). */
#include "afp_args.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kif_link.h"

/* Whether devargs set the driver's argument key ("key=..."). */
static int has_arg(const char *devargs, const char *key)
{
	size_t n = strlen(key);
	const char *arg;

	for (arg = strchr(devargs, ','); arg; arg = strchr(arg + 1, ','))
		if (!strncmp(arg + 1, key, n) && arg[1 + n] == '=')
			return 1;
	return 0;
}

int afp_devargs(const char *devargs, char *out, size_t len)
{
	char ifname[IFNAMSIZ];
	const char *extra = "";
	int n;

	if (kif_is_af_packet(devargs) &&
	    kif_of_devargs(devargs, ifname, sizeof(ifname)) &&
	    !has_arg(devargs, "qdisc_bypass"))
		extra = AFP_QDISC_ARG;
	n = snprintf(out, len, "%s%s", devargs, extra);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return -ENAMETOOLONG;
	}
	return 0;
}
