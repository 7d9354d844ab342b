/*
 * MSS clamping (ipvs/tcp_mss.h): the option found wherever it sits, the
 * checksum still right by full recomputation, and headers with no MSS
 * or with malformed options left byte for byte as they came.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipvs/tcp_mss.h"

#define PSEUDO 0x1f2e3u  /* any pseudo-header sum: the update must keep it */

static uint32_t sum_be(const uint8_t *p, uint32_t n)
{
	uint32_t s = 0;

	for (uint32_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

static uint16_t fold_not(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A TCP header with these options (padded with EOL to 4 bytes) and a payload. */
static uint32_t seg(uint8_t *th, uint8_t flags, const uint8_t *opt, uint32_t optlen)
{
	uint32_t hl = 20 + ((optlen + 3) & ~3u), n = hl + 11;

	memset(th, 0, 128);
	th[0] = 0x9c; th[1] = 0x40; th[2] = 0x00; th[3] = 0x50;
	th[4] = 0xde; th[7] = 0x01;
	th[12] = (uint8_t)(hl / 4) << 4;
	th[13] = flags;
	th[14] = 0xfa;
	if (optlen)
		memcpy(th + 20, opt, optlen);
	for (uint32_t i = hl; i < n; i++)
		th[i] = (uint8_t)(i * 29);
	th[16] = th[17] = 0;
	uint16_t ck = fold_not(PSEUDO + sum_be(th, n));
	th[16] = (uint8_t)(ck >> 8);
	th[17] = (uint8_t)ck;
	return n;
}

static uint16_t mss_at(const uint8_t *th, uint32_t off)
{
	return (uint16_t)(th[off] << 8 | th[off + 1]);
}

static void assert_csum(const uint8_t *th, uint32_t n)
{
	assert_int_equal(fold_not(PSEUDO + sum_be(th, n)), 0);
}

/* MSS 1460 clamped to 1340 with k NOPs before it: even and odd offsets. */
static void test_every_position(void **state)
{
	uint8_t opt[40], th[128];

	(void)state;
	for (uint32_t k = 0; k <= 12; k++) {
		uint32_t n, o = 0;

		memset(opt, 1, k);
		o = k;
		opt[o++] = 2; opt[o++] = 4; opt[o++] = 0x05; opt[o++] = 0xb4;
		opt[o++] = 4; opt[o++] = 2;                 /* SACK permitted */
		opt[o++] = 3; opt[o++] = 3; opt[o++] = 7;   /* window scale */
		n = seg(th, 0x02, opt, o);
		assert_true(tcp_mss_clamp(th, n, 1340));
		assert_int_equal(mss_at(th, 22 + k), 1340);
		assert_csum(th, n);
	}
}

/* After a timestamp and SACK-permitted, at the end of a full 60-byte header. */
static void test_after_other_options(void **state)
{
	static const uint8_t opt[40] = {
		8, 10, 1, 2, 3, 4, 5, 6, 7, 8,            /* timestamps */
		4, 2, 1, 3, 3, 9,                         /* SACK ok, NOP, wscale */
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		2, 4, 0x23, 0x28, 0,                      /* MSS 9000 at 55, EOL */
	};
	uint8_t th[128];
	uint32_t n = seg(th, 0x12, opt, sizeof(opt));

	(void)state;
	assert_true(tcp_mss_clamp(th, n, 1420));
	assert_int_equal(mss_at(th, 20 + 37), 1420);
	assert_csum(th, n);
}

static void assert_untouched(const uint8_t *opt, uint32_t optlen, uint8_t flags,
			     uint16_t mss)
{
	uint8_t th[128], before[128];
	uint32_t n = seg(th, flags, opt, optlen);

	memcpy(before, th, sizeof(th));
	assert_false(tcp_mss_clamp(th, n, mss));
	assert_memory_equal(th, before, sizeof(th));
}

static void test_no_mss_option(void **state)
{
	static const uint8_t ts[10] = { 8, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t after_eol[4] = { 0, 2, 4, 0x05 };

	(void)state;
	assert_untouched(NULL, 0, 0x02, 1000);
	assert_untouched(ts, sizeof(ts), 0x02, 1000);
	assert_untouched(after_eol, sizeof(after_eol), 0x02, 1000);  /* past EOL */
}

static void test_not_lowered_or_not_syn(void **state)
{
	static const uint8_t mss[4] = { 2, 4, 0x05, 0x00 };   /* 1280 */

	(void)state;
	assert_untouched(mss, sizeof(mss), 0x02, 1340);  /* already lower */
	assert_untouched(mss, sizeof(mss), 0x02, 1280);  /* equal */
	assert_untouched(mss, sizeof(mss), 0x10, 1000);  /* an ACK */
}

static void test_malformed_lengths_untouched(void **state)
{
	static const uint8_t zero[8] = { 8, 0, 2, 4, 0x05, 0xb4, 1, 1 };
	static const uint8_t one[8] = { 3, 1, 2, 4, 0x05, 0xb4, 1, 1 };
	static const uint8_t past[8] = { 2, 4, 0x05, 0xb4, 8, 10, 1, 2 };
	static const uint8_t mss3[8] = { 2, 3, 0x05, 1, 2, 4, 0x05, 0xb4 };
	static const uint8_t cut[4] = { 1, 1, 1, 2 };
	uint8_t th[128];
	uint32_t n;

	(void)state;
	assert_untouched(zero, sizeof(zero), 0x02, 1000);
	assert_untouched(one, sizeof(one), 0x02, 1000);
	assert_untouched(past, sizeof(past), 0x02, 1000);   /* an option past the header */
	assert_untouched(cut, sizeof(cut), 0x02, 1000);     /* kind with no length byte */
	/* An MSS of the wrong length is not an MSS; the well-formed one after it is. */
	n = seg(th, 0x02, mss3, sizeof(mss3));
	assert_true(tcp_mss_clamp(th, n, 1000));
	assert_int_equal(th[20 + 2], 0x05);
	assert_int_equal(mss_at(th, 20 + 6), 1000);
	assert_csum(th, n);
	/* A data offset past what is there, or under 5 words. */
	n = seg(th, 0x02, (const uint8_t[4]){ 2, 4, 0x05, 0xb4 }, 4);
	assert_false(tcp_mss_clamp(th, 23, 1000));
	th[12] = 0x40;
	assert_false(tcp_mss_clamp(th, n, 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_position),
		cmocka_unit_test(test_after_other_options),
		cmocka_unit_test(test_no_mss_option),
		cmocka_unit_test(test_not_lowered_or_not_syn),
		cmocka_unit_test(test_malformed_lengths_untouched),
	};

	return cmocka_run_group_tests_name("tcp_mss", tests, NULL, NULL);
}
