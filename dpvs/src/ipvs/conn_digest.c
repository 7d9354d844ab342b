/* SipHash for the IPv6 connection keys (conn_digest.h). */
#include "conn_digest.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

static uint8_t digest_key[16];
static conn_digest_fn test_fn;

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

/* Little-endian words, as the reference reads them on any host. */
static inline uint64_t le64(const uint8_t *p)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < 8; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return x;
}

static inline void sip_block(uint64_t v[4], uint64_t m, unsigned crounds)
{
	v[3] ^= m;
	for (unsigned i = 0; i < crounds; i++)
		sip_round(v);
	v[0] ^= m;
}

uint64_t conn_siphash(unsigned crounds, unsigned drounds, const uint8_t key[16],
		      const void *msg, size_t len)
{
	const uint8_t *p = msg;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			  k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	uint8_t last[8] = { 0 };
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		sip_block(v, le64(p + i), crounds);
	memcpy(last, p + i, len - i);
	last[7] = (uint8_t)len;
	sip_block(v, le64(last), crounds);
	v[2] ^= 0xff;
	for (unsigned r = 0; r < drounds; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

int conn_digest_init(void)
{
	size_t got = 0;

	while (got < sizeof(digest_key)) {
		ssize_t n = getrandom(digest_key + got, sizeof(digest_key) - got, 0);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

void conn_digest_set_test_fn(conn_digest_fn fn)
{
	test_fn = fn;
}

uint64_t conn_digest(const struct in6_addr *s, const struct in6_addr *d)
{
	uint8_t msg[32];

	if (__builtin_expect(test_fn != NULL, 0))
		return test_fn(s, d);
	memcpy(msg, s, 16);
	memcpy(msg + 16, d, 16);
	return conn_siphash(1, 3, digest_key, msg, sizeof(msg));
}
