/*
 * libFuzzer target for the IPv6 header and extension-header walk
 * (dpvs/src/net/ipv6_parse.c).  The input is a packet from its IPv6
 * header; it is copied into a buffer of exactly its size, so under ASan
 * any read past avail is reported.  A verdict of IPV6_OK must describe
 * the packet consistently, or this aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/ipv6_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipv6_pkt p;
	enum ipv6_verdict v;
	uint8_t *buf;
	uint32_t plen;

	if (size > 65535 + IPV6_HDR_LEN)
		return 0;
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	v = ipv6_parse(buf, (uint32_t)size, &p);
	if (v >= IPV6_VERDICTS)
		abort();
	if (v == IPV6_OK) {
		plen = (uint32_t)buf[4] << 8 | buf[5];
		if (size < IPV6_HDR_LEN || p.l4_off > size || p.l4_off < IPV6_HDR_LEN ||
		    (uint32_t)p.l4_off + p.l4_len != IPV6_HDR_LEN + plen ||
		    p.n_ext > IPV6_EXT_MAX || p.nh_off >= p.l4_off ||
		    buf[p.nh_off] != p.l4_proto)
			abort();
	}
	free(buf);
	return 0;
}
