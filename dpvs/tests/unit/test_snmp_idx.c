/*
 * dpvs-snmp's InetAddress index (snmp/mib_idx.c, mib_idx_inet): the
 * InetAddressType, then the address length-prefixed (RFC 4001 4.1), so
 * that a walk of the Inet tables lists every IPv4 row (type 1) before
 * every IPv6 row (type 2), each family in address order.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"

static struct mib_row rows[8];
static size_t nrows;

static struct mib_row *row(void)
{
	struct mib_row *r = &rows[nrows++ % 8];

	r->idxlen = 0;
	return r;
}

static void test_v4_is_type_1_length_4(void **state)
{
	struct in6_addr unused = IN6ADDR_ANY_INIT;
	struct mib_row *r = row();
	const oid want[] = { 1, 4, 10, 0, 0, 100 };

	(void)state;
	mib_idx_inet(r, AF_INET, inet_addr("10.0.0.100"), &unused);
	assert_int_equal(r->idxlen, 6);
	assert_memory_equal(r->idx, want, sizeof(want));
	r = row();
	mib_idx_inet(r, 0, inet_addr("10.0.0.100"), &unused);  /* af 0: v4 */
	assert_memory_equal(r->idx, want, sizeof(want));
}

static void test_v6_is_type_2_length_16(void **state)
{
	struct mib_row *r = row();
	struct in6_addr a;
	oid want[18] = { 2, 16, 0x20, 0x01, 0x0d, 0xb8 };

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &a), 1);
	want[17] = 1;
	mib_idx_inet(r, AF_INET6, 0, &a);
	assert_int_equal(r->idxlen, 18);
	assert_memory_equal(r->idx, want, sizeof(want));
}

/* Whatever the bytes: 255.255.255.255 sorts before ::. */
static void test_v4_rows_before_v6_rows(void **state)
{
	struct in6_addr zero = IN6ADDR_ANY_INIT, one;
	struct mib_row *a = row(), *b = row(), *c = row();

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, "::1", &one), 1);
	mib_idx_inet(a, AF_INET, 0xffffffff, &zero);
	mib_idx_inet(b, AF_INET6, 0, &zero);
	mib_idx_inet(c, AF_INET6, 0, &one);
	assert_true(snmp_oid_compare(a->idx, a->idxlen, b->idx, b->idxlen) < 0);
	assert_true(snmp_oid_compare(b->idx, b->idxlen, c->idx, c->idxlen) < 0);
}

/* The longest index, a real server's in dpvsRealServerInetTable, fits:
 * proto, v6 service (18), vport, v6 server (18), port. */
static void test_longest_index_fits(void **state)
{
	struct in6_addr a;
	struct mib_row *r = row();

	(void)state;
	memset(&a, 0xff, sizeof(a));
	mib_idx_u32(r, 6);
	mib_idx_inet(r, AF_INET6, 0, &a);
	mib_idx_u32(r, 80);
	mib_idx_inet(r, AF_INET6, 0, &a);
	mib_idx_u32(r, 65535);
	assert_int_equal(r->idxlen, 39);
	assert_int_equal(r->idx[38], 65535);
	assert_int_equal(r->idx[20], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_is_type_1_length_4),
		cmocka_unit_test(test_v6_is_type_2_length_16),
		cmocka_unit_test(test_v4_rows_before_v6_rows),
		cmocka_unit_test(test_longest_index_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
