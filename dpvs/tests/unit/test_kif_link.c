/*
 * af_packet ports' links from the kernel: which devargs name a kernel
 * interface, and its state as the kernel has it (lo is up and running;
 * a name nobody has is an error, not a link).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net/kif_link.h"

static void test_devargs(void **state)
{
	char n[16];

	(void)state;
	assert_true(kif_of_devargs("net_af_packet0,iface=vlb0,qpairs=2", n,
				   sizeof(n)));
	assert_string_equal(n, "vlb0");
	assert_true(kif_of_devargs("eth_af_packet1,qpairs=2,iface=eth1", n,
				   sizeof(n)));
	assert_string_equal(n, "eth1");
	/* af_xdp's driver reports the link up whatever the kernel's is. */
	assert_true(kif_of_devargs("net_af_xdp0,iface=vlb1,queue_count=1", n,
				   sizeof(n)));
	assert_string_equal(n, "vlb1");
	assert_true(kif_of_devargs("eth_af_xdp1,iface=eth2", n, sizeof(n)));
	assert_string_equal(n, "eth2");
	assert_false(kif_of_devargs("net_af_xdp0,queue_count=1", n, sizeof(n)));
	assert_true(kif_is_af_xdp("net_af_xdp0,iface=vlb1"));
	assert_false(kif_is_af_xdp("net_af_packet0,iface=vlb1"));
	assert_true(kif_is_af_packet("net_af_packet0,iface=vlb1"));
	assert_false(kif_is_af_packet("net_af_xdp0,iface=vlb1"));
	/* Not af_packet, or no usable name. */
	assert_false(kif_of_devargs("net_tap0,iface=dtap0", n, sizeof(n)));
	assert_false(kif_of_devargs("net_pcap0,iface=vlb0", n, sizeof(n)));
	assert_false(kif_of_devargs("0000:03:00.0", n, sizeof(n)));
	assert_false(kif_of_devargs("net_af_packet0", n, sizeof(n)));
	assert_false(kif_of_devargs("net_af_packet0,qpairs=2", n, sizeof(n)));
	assert_false(kif_of_devargs("net_af_packet0,iface=", n, sizeof(n)));
	assert_false(kif_of_devargs("net_af_packet0,iface=,qpairs=2", n,
				    sizeof(n)));
	assert_false(kif_of_devargs("net_af_packet0,xiface=vlb0", n,
				    sizeof(n)));
	/* Longer than a kernel name, or than out. */
	assert_false(kif_of_devargs("net_af_packet0,iface=abcdefghijklmnop",
				    n, sizeof(n)));
	assert_false(kif_of_devargs("net_af_packet0,iface=vlb0", n, 4));
	assert_true(kif_of_devargs("net_af_packet0,iface=vlb0", n, 5));
}

static void test_kernel_state(void **state)
{
	(void)state;
	assert_int_equal(kif_link_up("lo"), 1);
	assert_int_equal(kif_link_up("nosuchif0"), -ENODEV);
	/* Asked many times: one socket, no descriptor per call. */
	for (int i = 0; i < 10000; i++)
		assert_int_equal(kif_link_up("lo"), 1);
	kif_link_fini();
	assert_int_equal(kif_link_up("lo"), 1);
	kif_link_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devargs),
		cmocka_unit_test(test_kernel_state),
	};

	return cmocka_run_group_tests_name("kif_link", tests, NULL, NULL);
}
