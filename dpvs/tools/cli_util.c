/* Small parsing helpers shared by the command-line tools. */
#include "cli_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>

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
