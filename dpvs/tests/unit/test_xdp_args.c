/*
 * af_xdp ports refused before the driver probes them, with why: dpvs's
 * queues against queue_count, the interface, the kernel's queues.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "net/xdp_args.h"

static char why[256];

static int check(const char *devargs, unsigned nq, unsigned kq)
{
	why[0] = '\0';
	return xdp_check(devargs, nq, nq, 1500, kq, why, sizeof(why));
}

static void test_parse(void **state)
{
	struct xdp_port_args a;

	(void)state;
	assert_int_equal(xdp_parse("net_af_xdp0,iface=vlb0", &a, why,
				   sizeof(why)), 0);
	assert_string_equal(a.iface, "vlb0");
	assert_int_equal(a.start_queue, 0);
	assert_int_equal(a.queue_count, 1);
	assert_int_equal(xdp_parse("net_af_xdp1,start_queue=2,iface=eth1,"
				   "queue_count=4,busy_budget=0", &a, why,
				   sizeof(why)), 0);
	assert_string_equal(a.iface, "eth1");
	assert_int_equal(a.start_queue, 2);
	assert_int_equal(a.queue_count, 4);
}

static void test_bad_devargs(void **state)
{
	static const char *const bad[] = {
		"net_af_xdp0", "net_af_xdp0,iface=", "net_af_xdp0,xiface=vlb0",
		"net_af_xdp0,iface=abcdefghijklmnop",
		"net_af_xdp0,iface=lo,queue_count=0",
		"net_af_xdp0,iface=lo,queue_count=",
		"net_af_xdp0,iface=lo,queue_count=-1",
		"net_af_xdp0,iface=lo,queue_count=2x",
		"net_af_xdp0,iface=lo,start_queue=99999999999",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(check(bad[i], 1, 1), -EINVAL);
		assert_true(strlen(why) > 20);
	}
}

static void test_queues_must_match(void **state)
{
	(void)state;
	assert_int_equal(check("net_af_xdp0,iface=lo", 1, 1), 0);
	assert_int_equal(check("net_af_xdp0,iface=lo", 2, 4), -EINVAL);
	assert_non_null(strstr(why, "rx_queues and tx_queues to 1"));
	assert_int_equal(check("net_af_xdp0,iface=lo,queue_count=2", 1, 4),
			 -EINVAL);
	assert_int_equal(xdp_check("net_af_xdp0,iface=lo,queue_count=2", 2, 1,
				   1500, 4, why, sizeof(why)), -EINVAL);
	assert_int_equal(check("net_af_xdp0,iface=lo,queue_count=2", 2, 4), 0);
}

static void test_kernel_queues(void **state)
{
	(void)state;
	/* More than the interface has, from start_queue on. */
	assert_int_equal(check("net_af_xdp0,iface=lo,queue_count=2", 2, 1),
			 -EINVAL);
	assert_non_null(strstr(why, "lo has 1 queue(s)"));
	assert_int_equal(check("net_af_xdp0,iface=lo,start_queue=1", 1, 1),
			 -EINVAL);
	assert_int_equal(check("net_af_xdp0,iface=lo,start_queue=3", 1, 4), 0);
	assert_int_equal(check("net_af_xdp0,iface=lo,start_queue=3,"
			       "queue_count=2", 2, 4), -EINVAL);
	/* lo has no channels: one queue, as the driver counts. */
	assert_int_equal(xdp_kernel_queues("lo"), 1);
	assert_int_equal(check("net_af_xdp0,iface=lo", 1, 0), 0);
	assert_int_equal(check("net_af_xdp0,iface=lo,queue_count=2", 2, 0),
			 -EINVAL);
}

static void test_mtu_fits_the_frame(void **state)
{
	(void)state;
	/* 1,792 bytes of frame: measured on a veth, 1,842 were lost. */
	assert_int_equal(XDP_MAX_FRAME, 1792);
	assert_int_equal(xdp_check("net_af_xdp0,iface=lo", 1, 1, XDP_MAX_MTU,
				   1, why, sizeof(why)), 0);
	assert_int_equal(xdp_check("net_af_xdp0,iface=lo", 1, 1,
				   XDP_MAX_MTU + 1, 1, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "mtu at most 1774"));
	assert_int_equal(xdp_check("net_af_xdp0,iface=lo", 1, 1, 9000, 1, why,
				   sizeof(why)), -EINVAL);
}

static void test_no_such_interface(void **state)
{
	(void)state;
	assert_int_equal(check("net_af_xdp0,iface=nosuchif0", 1, 0), -ENODEV);
	assert_non_null(strstr(why, "no kernel interface nosuchif0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_bad_devargs),
		cmocka_unit_test(test_queues_must_match),
		cmocka_unit_test(test_kernel_queues),
		cmocka_unit_test(test_mtu_fits_the_frame),
		cmocka_unit_test(test_no_such_interface),
	};

	return cmocka_run_group_tests_name("xdp_args", tests, NULL, NULL);
}
