/*
 * dpvs-exporter's text exposition writer (exporter/expo.c): HELP and
 * TYPE lines, label values escaped as format 0.0.4 wants (backslash,
 * double quote, newline), HELP text escaped (backslash, newline), and
 * the text growing past its first buffer; the load-balancing series of
 * IPv6 and NAT64 services (metrics_lb.c, lb_key.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "exporter.h"

static void test_family_and_samples(void **state)
{
	struct expo e;
	struct expo_label l[2] = { { "port", "dpdk0" }, { "cause", "x" } };

	(void)state;
	expo_init(&e);
	expo_family(&e, "m_total", EXPO_COUNTER, "Some help.");
	expo_u64(&e, l, 2, 18446744073709551615ull);
	expo_u64(&e, NULL, 0, 0);
	expo_family(&e, "g", EXPO_GAUGE, "G.");
	expo_f64(&e, NULL, 0, 0.25);
	assert_false(e.oom);
	assert_string_equal(e.buf,
		"# HELP m_total Some help.\n# TYPE m_total counter\n"
		"m_total{port=\"dpdk0\",cause=\"x\"} 18446744073709551615\n"
		"m_total 0\n"
		"# HELP g G.\n# TYPE g gauge\ng 0.25\n");
	expo_free(&e);
}

static void test_label_values_escaped(void **state)
{
	struct expo e;
	struct expo_label l = { "name", "a\\b\"c\nd" };

	(void)state;
	expo_init(&e);
	expo_family(&e, "m", EXPO_GAUGE, "back\\slash \"quoted\"\nnext");
	expo_u64(&e, &l, 1, 1);
	assert_string_equal(e.buf,
		"# HELP m back\\\\slash \"quoted\"\\nnext\n# TYPE m gauge\n"
		"m{name=\"a\\\\b\\\"c\\nd\"} 1\n");
	expo_free(&e);
}

static void test_grows_past_first_buffer(void **state)
{
	char v[16];
	struct expo_label l = { "i", v };
	struct expo e;
	size_t lines = 0;

	(void)state;
	expo_init(&e);
	expo_family(&e, "m", EXPO_GAUGE, "h");
	for (int i = 0; i < 20000; i++) {
		snprintf(v, sizeof(v), "%d", i);
		expo_u64(&e, &l, 1, (uint64_t)i);
	}
	assert_false(e.oom);
	for (size_t i = 0; i < e.len; i++)
		lines += e.buf[i] == '\n';
	assert_int_equal(lines, 20002);
	assert_int_equal(strlen(e.buf), e.len);
	assert_non_null(strstr(e.buf, "m{i=\"19999\"} 19999\n"));
	expo_free(&e);
}

/* ---- the load-balancing series with IPv6 and NAT64 (metrics_lb.c) ---- */

static void v6(struct in6_addr *a, const char *text)
{
	assert_int_equal(inet_pton(AF_INET6, text, a), 1);
}

static uint32_t v4(const char *text)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	return a.s_addr;
}

/*
 * An IPv4 service, an IPv6 one with an IPv6 server and a NAT64 one with
 * an IPv4 server and an IPv4 local address, in scrape order.
 */
static void lb_scrape(struct scrape *s, struct dpvs_service *sv,
		      struct dpvs_dest *d, struct dpvs_laddr *l)
{
	memset(s, 0, sizeof(*s));
	memset(sv, 0, 3 * sizeof(*sv));
	memset(d, 0, 3 * sizeof(*d));
	memset(l, 0, sizeof(*l));
	sv[0] = (struct dpvs_service){ .proto = IPPROTO_TCP, .af = AF_INET,
				       .vip = v4("10.0.0.100"), .vport = 80 };
	sv[1] = (struct dpvs_service){ .proto = IPPROTO_TCP, .af = AF_INET6,
				       .vport = 80 };
	v6(&sv[1].vip6, "2001:db8::100");
	sv[2] = (struct dpvs_service){ .proto = IPPROTO_TCP, .af = AF_INET6,
				       .vport = 8080 };
	v6(&sv[2].vip6, "2001:db8::100");
	sv[1].stats.conns = 7;
	d[0] = (struct dpvs_dest){ .proto = IPPROTO_TCP, .vaf = AF_INET,
				   .vip = sv[0].vip, .vport = 80, .af = AF_INET,
				   .addr = v4("10.0.1.11"), .port = 80, .weight = 1 };
	d[1] = (struct dpvs_dest){ .proto = IPPROTO_TCP, .vaf = AF_INET6,
				   .vip6 = sv[1].vip6, .vport = 80, .af = AF_INET6,
				   .port = 8000, .weight = 2, .activeconns = 3 };
	v6(&d[1].addr6, "2001:db8:2::11");
	d[2] = (struct dpvs_dest){ .proto = IPPROTO_TCP, .vaf = AF_INET6,
				   .vip6 = sv[2].vip6, .vport = 8080, .af = AF_INET,
				   .addr = v4("10.0.1.12"), .port = 80, .weight = 0 };
	l[0] = (struct dpvs_laddr){ .proto = IPPROTO_TCP, .vaf = AF_INET6,
				    .vip6 = sv[2].vip6, .vport = 8080, .af = AF_INET,
				    .addr = v4("10.0.1.100"), .ifname = "dpdk1",
				    .ports_free = 5, .ports_total = 9 };
	s->up = true;
	s->svcs = sv;
	s->nsvcs = 3;
	s->dests = d;
	s->ndests = 3;
	s->laddrs = l;
	s->nladdrs = 1;
}

static void test_v6_labels_without_brackets(void **state)
{
	struct dpvs_service sv[3];
	struct dpvs_dest d[3];
	struct dpvs_laddr l[1];
	struct metrics_opts o = { .per_service_only = false };
	struct scrape s;
	struct expo e;

	(void)state;
	lb_scrape(&s, sv, d, l);
	expo_init(&e);
	metrics_lb(&e, &s, &o);
	assert_false(e.oom);
	assert_null(strchr(e.buf, '['));
	assert_non_null(strstr(e.buf, "node_ipvs_backend_connections_active{"
		"local_address=\"2001:db8::100\",local_port=\"80\","
		"remote_address=\"2001:db8:2::11\",remote_port=\"8000\","
		"proto=\"TCP\",local_mark=\"\"} 3\n"));
	/* NAT64: an IPv6 service, an IPv4 server */
	assert_non_null(strstr(e.buf, "node_ipvs_backend_weight{"
		"local_address=\"2001:db8::100\",local_port=\"8080\","
		"remote_address=\"10.0.1.12\",remote_port=\"80\","
		"proto=\"TCP\",local_mark=\"\"} 0\n"));
	assert_non_null(strstr(e.buf, "dpvs_service_connections_total{"
		"local_address=\"2001:db8::100\",local_port=\"80\","
		"proto=\"TCP\"} 7\n"));
	assert_non_null(strstr(e.buf, "dpvs_fullnat_local_ports_free{"
		"local_address=\"2001:db8::100\",local_port=\"8080\","
		"proto=\"TCP\",fullnat_address=\"10.0.1.100\","
		"port=\"dpdk1\"} 5\n"));
	assert_non_null(strstr(e.buf, "dpvs_service_connections_total{"
		"local_address=\"10.0.0.100\",local_port=\"80\","
		"proto=\"TCP\"} 0\n"));
	expo_free(&e);
}

/* Real servers are counted under their own service: v4 and v6 services
 * with the same port and a zero IPv4 field are told apart. */
static void test_v6_real_servers_per_service(void **state)
{
	struct dpvs_service sv[3];
	struct dpvs_dest d[3];
	struct dpvs_laddr l[1];
	struct metrics_opts o = { .per_service_only = true };
	struct scrape s;
	struct expo e;

	(void)state;
	lb_scrape(&s, sv, d, l);
	expo_init(&e);
	metrics_lb(&e, &s, &o);
	assert_non_null(strstr(e.buf, "dpvs_service_real_servers{"
		"local_address=\"10.0.0.100\",local_port=\"80\","
		"proto=\"TCP\"} 1\n"));
	assert_non_null(strstr(e.buf, "dpvs_service_real_servers{"
		"local_address=\"2001:db8::100\",local_port=\"80\","
		"proto=\"TCP\"} 1\n"));
	assert_non_null(strstr(e.buf, "dpvs_service_real_servers{"
		"local_address=\"2001:db8::100\",local_port=\"8080\","
		"proto=\"TCP\"} 1\n"));
	assert_non_null(strstr(e.buf, "dpvs_service_real_servers_usable{"
		"local_address=\"2001:db8::100\",local_port=\"8080\","
		"proto=\"TCP\"} 0\n"));
	expo_free(&e);
}

/* The scrape's order: protocol, IPv4 before IPv6 whatever the bytes. */
static void test_lb_key_order(void **state)
{
	struct dpvs_service a = { .proto = IPPROTO_TCP, .af = AF_INET,
				  .vip = 0xffffffff, .vport = 65535 };
	struct dpvs_service b = { .proto = IPPROTO_TCP, .af = AF_INET6 };
	struct dpvs_service c = { .proto = IPPROTO_TCP, .af = 0, .vip = 0 };
	struct lb_key ka = lb_key_svc(&a), kb = lb_key_svc(&b), kc = lb_key_svc(&c);

	(void)state;
	assert_true(lb_key_cmp(&ka, &kb) < 0);
	assert_true(lb_key_cmp(&kb, &ka) > 0);
	assert_true(lb_key_cmp(&kc, &ka) < 0);   /* af 0 is IPv4 */
	b.vip6.s6_addr[15] = 1;
	ka = lb_key_svc(&b);
	assert_true(lb_key_cmp(&kb, &ka) < 0);
	assert_int_equal(lb_key_cmp(&ka, &ka), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_and_samples),
		cmocka_unit_test(test_label_values_escaped),
		cmocka_unit_test(test_grows_past_first_buffer),
		cmocka_unit_test(test_v6_labels_without_brackets),
		cmocka_unit_test(test_v6_real_servers_per_service),
		cmocka_unit_test(test_lb_key_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
