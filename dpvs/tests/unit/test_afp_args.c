/*
 * The devargs dpvs probes af_packet ports with: the qdisc kept (a frame
 * without carrier is dropped, not sent stale when the link returns),
 * unless the devargs choose; other drivers' devargs untouched.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net/afp_args.h"

static void expect(const char *in, const char *want)
{
	char out[128];

	assert_int_equal(afp_devargs(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_af_packet_keeps_the_qdisc(void **state)
{
	(void)state;
	expect("net_af_packet0,iface=vlb0,qpairs=2",
	       "net_af_packet0,iface=vlb0,qpairs=2,qdisc_bypass=0");
	expect("eth_af_packet1,iface=eth1", "eth_af_packet1,iface=eth1,qdisc_bypass=0");
}

static void test_the_operator_chooses(void **state)
{
	(void)state;
	expect("net_af_packet0,iface=vlb0,qdisc_bypass=1",
	       "net_af_packet0,iface=vlb0,qdisc_bypass=1");
	expect("net_af_packet0,qdisc_bypass=0,iface=vlb0",
	       "net_af_packet0,qdisc_bypass=0,iface=vlb0");
	/* A longer key is another argument. */
	expect("net_af_packet0,iface=vlb0,qdisc_bypassx=1",
	       "net_af_packet0,iface=vlb0,qdisc_bypassx=1,qdisc_bypass=0");
}

static void test_other_drivers_untouched(void **state)
{
	(void)state;
	expect("net_null0,no-rx=1", "net_null0,no-rx=1");
	expect("net_pcap0,iface=vlb0", "net_pcap0,iface=vlb0");
	expect("0000:03:00.0", "0000:03:00.0");
	/* af_xdp has no qdisc_bypass: its driver would refuse the key. */
	expect("net_af_xdp0,iface=vlb0", "net_af_xdp0,iface=vlb0");
	/* No interface: the driver refuses it, as it is. */
	expect("net_af_packet0", "net_af_packet0");
}

static void test_too_long(void **state)
{
	char out[40];

	(void)state;
	/* Fits as it is, not with the argument. */
	assert_int_equal(afp_devargs("net_af_packet0,iface=vlb0,qpairs=2",
				     out, sizeof(out)), -ENAMETOOLONG);
	assert_string_equal(out, "");
	assert_int_equal(afp_devargs("net_null0", out, 4), -ENAMETOOLONG);
	assert_int_equal(afp_devargs("net_null0", out, 10), 0);
	assert_string_equal(out, "net_null0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_af_packet_keeps_the_qdisc),
		cmocka_unit_test(test_the_operator_chooses),
		cmocka_unit_test(test_other_drivers_untouched),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
