/* dpvsctl's HA arguments and the sync key file (dpvsctl_ha_parse.h). */
#include "dpvsctl_ha_parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"

#define KEY_FILE_MAX 1024       /* bytes read: a key file is small */
#define SYNC_IFNAME_MAX 15      /* a kernel interface: IFNAMSIZ - 1 */

static int hexval(int ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' :
	       ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 :
	       ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
}

/* Hex digits and whitespace only: the number of digits, else -1. */
static ssize_t hex_digits(const uint8_t *b, size_t n)
{
	ssize_t d = 0;

	for (size_t i = 0; i < n; i++) {
		if (hexval(b[i]) >= 0)
			d++;
		else if (!isspace(b[i]))
			return -1;
	}
	return d;
}

static int key_of_bytes(const uint8_t *b, size_t n, uint8_t *key,
			uint32_t *len, const char *path, char *err,
			size_t errlen)
{
	ssize_t d = hex_digits(b, n);
	uint32_t k = 0;

	if (d < 0) {
		if (n < DPVS_SYNC_KEY_MIN || n > DPVS_SYNC_KEY_MAX)
			return perr(err, errlen, "key file %s: %zu bytes: a key "
				    "is %d to %d raw bytes or %d to %d hex "
				    "digits", path, n, DPVS_SYNC_KEY_MIN,
				    DPVS_SYNC_KEY_MAX, 2 * DPVS_SYNC_KEY_MIN,
				    2 * DPVS_SYNC_KEY_MAX);
		memcpy(key, b, n);
		*len = (uint32_t)n;
		return 0;
	}
	if (d < 2 * DPVS_SYNC_KEY_MIN || d > 2 * DPVS_SYNC_KEY_MAX || d % 2)
		return perr(err, errlen, "key file %s: %zd hex digits: %d to "
			    "%d, an even number, are needed", path, d,
			    2 * DPVS_SYNC_KEY_MIN, 2 * DPVS_SYNC_KEY_MAX);
	for (size_t i = 0, half = 0; i < n; i++) {
		int v = hexval(b[i]);

		if (v < 0)
			continue;
		key[k] = (uint8_t)(half ? key[k] | v : v << 4);
		k += half;
		half ^= 1;
	}
	*len = k;
	return 0;
}

int ha_read_key_file(const char *path, uint8_t key[DPVS_SYNC_KEY_MAX],
		     uint32_t *len, char *err, size_t errlen)
{
	uint8_t buf[KEY_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc;

	if (fd < 0)
		return perr(err, errlen, "key file %s: %s", path,
			    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return perr(err, errlen, "key file %s: not a regular file",
			    path);
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return perr(err, errlen, "key file %s: mode %04o lets group or "
			    "others at it; chmod 600 it", path,
			    (unsigned)(st.st_mode & 07777));
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return perr(err, errlen, "key file %s: %s", path,
			    strerror(errno));
	if (n > KEY_FILE_MAX)
		return perr(err, errlen, "key file %s: over %d bytes", path,
			    KEY_FILE_MAX);
	rc = key_of_bytes(buf, (size_t)n, key, len, path, err, errlen);
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

static int num(const char *s, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return *end || errno || *out < min || *out > max ? -1 : 0;
}

static int parse_role(const char *s, uint32_t *roles)
{
	*roles = !strcmp(s, "master") ? DPVS_SYNC_MASTER :
		 !strcmp(s, "backup") ? DPVS_SYNC_BACKUP :
		 !strcmp(s, "both") ? DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP : 0;
	return *roles ? 0 : -1;
}

/* An address option in host order; kind checks what it may be. */
static int parse_addr(const char *opt, const char *s, bool multicast,
		      uint32_t *out, char *err, size_t errlen)
{
	uint32_t a;

	if (!parse_ipv4(s, &a))
		return perr(err, errlen, "%s %s: not an IPv4 address", opt, s);
	*out = ntohl(a);
	if (multicast != ((*out >> 28) == 0xe) ||
	    (!multicast && !is_unicast(a)))
		return perr(err, errlen, "%s %s: not a %s address", opt, s,
			    multicast ? "multicast" : "unicast");
	return 0;
}

enum { O_ROLE = 1, O_IFACE, O_SYNCID, O_PORT, O_TTL, O_GROUP, O_PEER,
       O_MAXLEN, O_KEY };

static const struct option start_opts[] = {
	{ "role", required_argument, NULL, O_ROLE },
	{ "iface", required_argument, NULL, O_IFACE },
	{ "syncid", required_argument, NULL, O_SYNCID },
	{ "port", required_argument, NULL, O_PORT },
	{ "ttl", required_argument, NULL, O_TTL },
	{ "group", required_argument, NULL, O_GROUP },
	{ "peer", required_argument, NULL, O_PEER },
	{ "maxlen", required_argument, NULL, O_MAXLEN },
	{ "key-file", required_argument, NULL, O_KEY },
	{ NULL, 0, NULL, 0 },
};

/* One option of sync start; -1 and err when its value is bad. */
static int start_opt(int o, const char *v, struct dpvs_sync_conf *c,
		     char *err, size_t errlen)
{
	unsigned long n;

	switch (o) {
	case O_ROLE:
		if (parse_role(v, &c->roles))
			return perr(err, errlen, "--role %s: master, backup "
				    "or both", v);
		return 0;
	case O_IFACE:
		if (!*v || strlen(v) > SYNC_IFNAME_MAX)
			return perr(err, errlen, "--iface: a kernel interface "
				    "name of 1 to %d bytes", SYNC_IFNAME_MAX);
		strcpy(c->ifname, v);
		return 0;
	case O_SYNCID:
		if (num(v, 0, 255, &n))
			return perr(err, errlen, "--syncid %s: 0 to 255", v);
		c->syncid = (uint8_t)n;
		return 0;
	case O_PORT:
		if (num(v, 1, 65535, &n))
			return perr(err, errlen, "--port %s: 1 to 65535", v);
		c->port = (uint16_t)n;
		return 0;
	case O_TTL:
		if (num(v, 1, 255, &n))
			return perr(err, errlen, "--ttl %s: 1 to 255", v);
		c->ttl = (uint8_t)n;
		return 0;
	case O_MAXLEN:
		if (num(v, 104, 10272, &n))
			return perr(err, errlen, "--maxlen %s: 104 to 10272 "
				    "(UDP payload bytes)", v);
		c->maxlen = (uint16_t)n;
		return 0;
	case O_GROUP:
		return parse_addr("--group", v, true, &c->group, err, errlen);
	case O_PEER:
		return parse_addr("--peer", v, false, &c->peer, err, errlen);
	default:
		return ha_read_key_file(v, c->key, &c->key_len, err, errlen);
	}
}

int ha_parse_sync_start(int argc, char **argv, struct dpvs_sync_conf *c,
			char *err, size_t errlen)
{
	bool syncid = false;
	int o;

	memset(c, 0, sizeof(*c));
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+", start_opts, NULL)) != -1) {
		if (o == '?' || o == ':')
			return perr(err, errlen, "sync start: unknown option or "
				    "missing value: %s", argv[optind - 1]);
		if (start_opt(o, optarg, c, err, errlen))
			return -1;
		syncid |= o == O_SYNCID;
	}
	if (optind < argc)
		return perr(err, errlen, "sync start: unexpected '%s'",
			    argv[optind]);
	if (!c->roles || !c->ifname[0] || !syncid)
		return perr(err, errlen, "sync start: --role, --iface and "
			    "--syncid are needed");
	if (!c->key_len)
		return perr(err, errlen, "sync start: --key-file is needed: "
			    "sync is never unauthenticated");
	if (c->group && c->peer)
		return perr(err, errlen, "sync start: --group or --peer, not "
			    "both");
	return 0;
}

int ha_parse_sync_stop(const char *word, uint32_t *roles, char *err,
		       size_t errlen)
{
	if (!strcmp(word, "all")) {
		*roles = DPVS_SYNC_MASTER | DPVS_SYNC_BACKUP;
		return 0;
	}
	if (strcmp(word, "both") && !parse_role(word, roles))
		return 0;
	return perr(err, errlen, "sync stop %s: master, backup or all", word);
}

int ha_parse_hold(int argc, char **argv, struct ha_hold_args *a, char *err,
		  size_t errlen)
{
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, 't' },
		{ "for", required_argument, NULL, 'f' },
		{ "announce-every", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long n;
	int o;

	a->ttl_ms = HA_HOLD_TTL_DEFAULT;
	a->for_s = 0;
	a->announce_s = 0;
	optind = 0;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (o == 't' && !num(optarg, 50, 60000, &n))
			a->ttl_ms = (uint32_t)n;
		else if (o == 'f' && !num(optarg, 1, 31536000, &n))
			a->for_s = (uint32_t)n;
		else if (o == 'a' && !num(optarg, 1, 86400, &n))
			a->announce_s = (uint32_t)n;
		else if (o == 't')
			return perr(err, errlen, "ha hold --ttl %s: 50 to 60000 "
				    "ms", optarg);
		else if (o == 'f')
			return perr(err, errlen, "ha hold --for %s: 1 to "
				    "31536000 s", optarg);
		else if (o == 'a')
			return perr(err, errlen, "ha hold --announce-every %s: "
				    "1 to 86400 s", optarg);
		else
			return perr(err, errlen, "ha hold: unknown option or "
				    "missing value: %s", argv[optind - 1]);
	}
	if (optind < argc)
		return perr(err, errlen, "ha hold: unexpected '%s'",
			    argv[optind]);
	return 0;
}
