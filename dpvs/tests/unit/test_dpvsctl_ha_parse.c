/*
 * Unit tests for dpvsctl's HA options and the sync key file
 * (dpvs/tools/dpvsctl_ha_parse.c): no daemon, files in a scratch folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dpvsctl_ha_parse.h"

static char dir[] = "/tmp/dpvsctl-key-XXXXXX";
static char path[64];
static char err[256];

#define HEX64 "0123456789abcdef0123456789abcdef" \
	      "0123456789abcdef0123456789abcdef"

static const char *write_key(const void *data, size_t n, mode_t mode)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/key", dir);
	unlink(path);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static void test_raw_keys(void **state)
{
	uint8_t raw[65], key[DPVS_SYNC_KEY_MAX];
	uint32_t len;

	(void)state;
	for (unsigned i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(0x80 + i);      /* never hex digits */
	assert_int_equal(ha_read_key_file(write_key(raw, 32, 0600), key, &len,
					  err, sizeof(err)), 0);
	assert_int_equal(len, 32);
	assert_memory_equal(key, raw, 32);
	assert_int_equal(ha_read_key_file(write_key(raw, 64, 0400), key, &len,
					  err, sizeof(err)), 0);
	assert_int_equal(len, 64);
	assert_memory_equal(key, raw, 64);
	assert_int_equal(ha_read_key_file(write_key(raw, 31, 0600), key, &len,
					  err, sizeof(err)), -1);
	assert_non_null(strstr(err, "31 bytes"));
	assert_int_equal(ha_read_key_file(write_key(raw, 65, 0600), key, &len,
					  err, sizeof(err)), -1);
	assert_non_null(strstr(err, "65 bytes"));
	assert_int_equal(ha_read_key_file(write_key(raw, 0, 0600), key, &len,
					  err, sizeof(err)), -1);
}

static void test_hex_keys(void **state)
{
	static const char hex64[] =
		"000102030405060708090a0b0c0d0e0f"
		"101112131415161718191A1B1C1D1E1F\n";
	char buf[300];
	uint8_t key[DPVS_SYNC_KEY_MAX];
	uint32_t len;

	(void)state;
	assert_int_equal(ha_read_key_file(write_key(hex64, strlen(hex64), 0600),
					  key, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 32);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(key[i], i);
	/* Whitespace anywhere, 128 digits: 64 bytes. */
	buf[0] = '\0';
	for (unsigned i = 0; i < 64; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%02x%s",
			 255 - i, i % 8 == 7 ? "\n" : " ");
	assert_int_equal(ha_read_key_file(write_key(buf, strlen(buf), 0600),
					  key, &len, err, sizeof(err)), 0);
	assert_int_equal(len, 64);
	assert_int_equal(key[0], 255);
	assert_int_equal(key[63], 192);
	/* 62, 65 and 130 digits. */
	assert_int_equal(ha_read_key_file(write_key(hex64, 62, 0600), key, &len,
					  err, sizeof(err)), -1);
	assert_non_null(strstr(err, "62 hex digits"));
	memset(buf, 'a', 130);
	assert_int_equal(ha_read_key_file(write_key(buf, 65, 0600), key, &len,
					  err, sizeof(err)), -1);
	assert_non_null(strstr(err, "65 hex digits"));
	assert_int_equal(ha_read_key_file(write_key(buf, 130, 0600), key, &len,
					  err, sizeof(err)), -1);
	assert_non_null(strstr(err, "130 hex digits"));
}

static void test_key_file_refusals(void **state)
{
	const mode_t bad[] = { 0644, 0640, 0604, 0620, 0602, 0610, 0601 };
	uint8_t key[DPVS_SYNC_KEY_MAX];
	uint32_t len;
	char link[80];

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ha_read_key_file(write_key("k", 1, bad[i]), key,
						  &len, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "lets group or others at it"));
	}
	snprintf(link, sizeof(link), "%s/none", dir);
	assert_int_equal(ha_read_key_file(link, key, &len, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(ha_read_key_file(dir, key, &len, err, sizeof(err)), -1);
	/* A symlink is not followed: someone else's file stays theirs. */
	write_key(HEX64, 64, 0600);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(ha_read_key_file(link, key, &len, err, sizeof(err)),
			 -1);
	unlink(link);
}

static int start(const char *line, struct dpvs_sync_conf *c)
{
	char copy[512], *argv[32];
	int argc = 0;

	snprintf(copy, sizeof(copy), "start %s", line);
	for (char *t = strtok(copy, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return ha_parse_sync_start(argc, argv, c, err, sizeof(err));
}

static void test_sync_start_options(void **state)
{
	struct dpvs_sync_conf c;
	char line[256];
	uint8_t raw[40];

	(void)state;
	memset(raw, 0xc3, sizeof(raw));
	write_key(raw, sizeof(raw), 0600);
	snprintf(line, sizeof(line), "--role both --iface dpdk0.kni --syncid 0 "
		 "--port 8849 --ttl 255 --maxlen 10272 --peer 10.0.0.12 "
		 "--key-file %s", path);
	assert_int_equal(start(line, &c), 0);
	assert_int_equal(c.roles, DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP);
	assert_string_equal(c.ifname, "dpdk0.kni");
	assert_int_equal(c.syncid, 0);
	assert_int_equal(c.port, 8849);
	assert_int_equal(c.ttl, 255);
	assert_int_equal(c.maxlen, 10272);
	assert_int_equal(c.peer, 0x0a00000cu);
	assert_int_equal(c.group, 0);
	assert_int_equal(c.key_len, 40);
	snprintf(line, sizeof(line), "--role master --iface e --syncid 255 "
		 "--group 239.1.2.3 --maxlen 104 --key-file %s", path);
	assert_int_equal(start(line, &c), 0);
	assert_int_equal(c.group, 0xef010203u);
	assert_int_equal(c.maxlen, 104);
	assert_int_equal(c.port, 0);    /* dpvs's default */
	/* What is missing. */
	assert_int_equal(start("--role master --iface e --syncid 1", &c), -1);
	assert_non_null(strstr(err, "--key-file is needed"));
	snprintf(line, sizeof(line), "--iface e --syncid 1 --key-file %s", path);
	assert_int_equal(start(line, &c), -1);
	assert_non_null(strstr(err, "are needed"));
	snprintf(line, sizeof(line), "--role master --iface e --key-file %s",
		 path);
	assert_int_equal(start(line, &c), -1);
	assert_non_null(strstr(err, "are needed"));
	assert_int_equal(start("--role master --iface", &c), -1);
	assert_int_equal(start("--role master stray", &c), -1);
	assert_non_null(strstr(err, "unexpected 'stray'"));
}

static void test_sync_start_bounds(void **state)
{
	static const char *const bad[][2] = {
		{ "--role slave", "--role slave" },
		{ "--syncid 256", "--syncid 256" },
		{ "--syncid -1", "--syncid -1" },
		{ "--syncid 1x", "--syncid 1x" },
		{ "--port 0", "--port 0" },
		{ "--port 65536", "--port 65536" },
		{ "--ttl 0", "--ttl 0" },
		{ "--maxlen 103", "--maxlen 103" },
		{ "--maxlen 10273", "--maxlen 10273" },
		{ "--group 10.0.0.1", "not a multicast" },
		{ "--group 224.0.0", "not an IPv4 address" },
		{ "--peer 224.0.0.81", "not a unicast" },
		{ "--peer 255.255.255.255", "not a unicast" },
		{ "--peer 0.0.0.1", "not a unicast" },
		{ "--iface 0123456789abcdef", "1 to 15 bytes" },
		{ "--group 224.0.0.81 --peer 10.0.0.12", "not both" },
	};
	struct dpvs_sync_conf c;
	char line[256];

	(void)state;
	write_key(HEX64, 64, 0600);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "--role backup --iface lo --syncid "
			 "51 --key-file %s %s", path, bad[i][0]);
		assert_int_equal(start(line, &c), -1);
		if (!strstr(err, bad[i][1]))
			fail_msg("%s: '%s'", bad[i][0], err);
	}
}

static void test_stop_and_hold(void **state)
{
	struct ha_hold_args a;
	char *ok[] = { "hold", "--ttl", "50", "--for", "2", NULL };
	char *big[] = { "hold", "--ttl", "60001", NULL };
	char *none[] = { "hold", NULL };
	char *ann[] = { "hold", "--announce-every", "2", NULL };
	char *ann0[] = { "hold", "--announce-every", "0", NULL };
	uint32_t r;

	(void)state;
	assert_int_equal(ha_parse_sync_stop("master", &r, err, sizeof(err)), 0);
	assert_int_equal(r, DPVS_SYNC_MASTER);
	assert_int_equal(ha_parse_sync_stop("backup", &r, err, sizeof(err)), 0);
	assert_int_equal(r, DPVS_SYNC_BACKUP);
	assert_int_equal(ha_parse_sync_stop("all", &r, err, sizeof(err)), 0);
	assert_int_equal(r, DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP);
	assert_int_equal(ha_parse_sync_stop("both", &r, err, sizeof(err)), -1);
	assert_int_equal(ha_parse_hold(5, ok, &a, err, sizeof(err)), 0);
	assert_int_equal(a.ttl_ms, 50);
	assert_int_equal(a.for_s, 2);
	assert_int_equal(ha_parse_hold(1, none, &a, err, sizeof(err)), 0);
	assert_int_equal(a.ttl_ms, HA_HOLD_TTL_DEFAULT);
	assert_int_equal(a.for_s, 0);
	assert_int_equal(a.announce_s, 0);
	assert_int_equal(ha_parse_hold(3, ann, &a, err, sizeof(err)), 0);
	assert_int_equal(a.announce_s, 2);
	assert_int_equal(ha_parse_hold(3, ann0, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "1 to 86400"));
	assert_int_equal(ha_parse_hold(3, big, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "50 to 60000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_keys),
		cmocka_unit_test(test_hex_keys),
		cmocka_unit_test(test_key_file_refusals),
		cmocka_unit_test(test_sync_start_options),
		cmocka_unit_test(test_sync_start_bounds),
		cmocka_unit_test(test_stop_and_hold),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
