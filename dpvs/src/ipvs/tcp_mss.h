/*
 * Clamping the MSS option of a SYN or SYN-ACK (NAT64, TUN6): a segment
 * that grows on the way (a bigger IP header) must still fit the path,
 * so both ends are told a smaller MSS.  Pure: the packet path and the
 * unit tests call it on a TCP header in memory.
 */
#ifndef DPVS_IPVS_TCP_MSS_H
#define DPVS_IPVS_TCP_MSS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "net/csum.h"

#define TCP_MSS_HDR_MIN 20
#define TCP_MSS_CSUM_OFF 16
#define TCP_MSS_FLAG_SYN 0x02
#define TCP_MSS_OPT_EOL 0
#define TCP_MSS_OPT_NOP 1
#define TCP_MSS_OPT_MSS 2
#define TCP_MSS_OPT_MSS_LEN 4

/*
 * Offset of the MSS option's value in th's options, 0 if there is none
 * or the options are malformed (a length under 2 or past the header):
 * a packet we cannot read is left as its sender made it.
 */
static inline uint32_t tcp_mss_find(const uint8_t *th, uint32_t end)
{
	uint32_t i = TCP_MSS_HDR_MIN, mss = 0;

	while (i < end && th[i] != TCP_MSS_OPT_EOL) {
		if (th[i] == TCP_MSS_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= end || th[i + 1] < 2 || i + th[i + 1] > end)
			return 0;
		if (th[i] == TCP_MSS_OPT_MSS && th[i + 1] == TCP_MSS_OPT_MSS_LEN && !mss)
			mss = i + 2;
		i += th[i + 1];
	}
	return mss;
}

/*
 * Lowers the MSS of a SYN (or SYN-ACK) to mss if it is above, with an
 * incremental checksum update; len: bytes of TCP header present.  The
 * value may sit at an odd offset, across two checksum words: both are
 * updated.  Returns true if it changed the segment.
 */
static inline bool tcp_mss_clamp(void *tcp, uint32_t len, uint16_t mss)
{
	uint8_t *th = tcp;
	uint32_t end, off, w0, words;
	uint16_t ck, old[2], cur;

	if (len < TCP_MSS_HDR_MIN || !(th[13] & TCP_MSS_FLAG_SYN))
		return false;
	end = (uint32_t)(th[12] >> 4) * 4;
	if (end < TCP_MSS_HDR_MIN || end > len)
		return false;
	off = tcp_mss_find(th, end);
	if (!off)
		return false;
	cur = (uint16_t)(th[off] << 8 | th[off + 1]);
	if (cur <= mss)
		return false;
	w0 = off & ~1u;     /* the checksum words holding the value */
	words = off & 1 ? 2 : 1;
	memcpy(old, th + w0, 2 * words);
	th[off] = (uint8_t)(mss >> 8);
	th[off + 1] = (uint8_t)mss;
	memcpy(&ck, th + TCP_MSS_CSUM_OFF, 2);
	for (unsigned k = 0; k < words; k++) {
		uint16_t now;

		memcpy(&now, th + w0 + 2 * k, 2);
		ck = csum_replace2(ck, old[k], now);
	}
	memcpy(th + TCP_MSS_CSUM_OFF, &ck, 2);
	return true;
}

#endif
