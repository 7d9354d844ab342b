/* Small parsing helpers shared by the command-line tools. */
#include "cli_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int perr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

bool parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return false;
	*out = in.s_addr;
	return true;
}

bool is_unicast(uint32_t addr_net)
{
	uint32_t a = ntohl(addr_net);

	return (a >> 24) != 0 && (a >> 28) < 0xe;
}

bool parse_inet(const char *s, uint8_t *af, uint32_t *v4, struct in6_addr *v6)
{
	memset(v6, 0, sizeof(*v6));
	*v4 = 0;
	if (parse_ipv4(s, v4)) {
		*af = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, v6) == 1) {
		*af = AF_INET6;
		return true;
	}
	return false;
}

bool is_unicast6(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) &&
	       !IN6_IS_ADDR_MULTICAST(a);
}

bool is_linklocal6(const struct in6_addr *a)
{
	return IN6_IS_ADDR_LINKLOCAL(a);
}
