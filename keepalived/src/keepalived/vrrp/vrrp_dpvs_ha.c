/*
 * The two global_defs keywords connection sync with dpvs adds to
 * lvs_sync_daemon (see vrrp_dpvs_ha.h): the key dpvs authenticates its
 * sync datagrams with, and a unicast peer.  dpvs refuses to sync without
 * a key, so a bad key file is said once, at (re)load, and sync stays
 * off; keepalived itself runs on.  The checker does not read the file.  Included by vrrp_dpvs.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vrrp_dpvs_ha.h"

/* Longest file worth reading: 128 hex digits and a line end or two. */
#define SYNC_KEY_FILE_MAX 256

static uint8_t sync_key[DPVS_SYNC_KEY_MAX];
static uint32_t sync_key_len;
static uint32_t sync_peer;          /* host order; 0: multicast */

static int hex_digit(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* The file's bytes as a key; NULL, or why not. */
static const char *sync_key_parse(const uint8_t *b, size_t n)
{
	size_t end = n, i;

	while (end && isspace(b[end - 1]))
		end--;
	for (i = 0; i < end && isxdigit(b[i]); i++)
		;
	/* All hex digits: the usual "openssl rand -hex 32 > file". */
	if (i == end && end >= 2 * DPVS_SYNC_KEY_MIN) {
		if (end > 2 * DPVS_SYNC_KEY_MAX)
			return "more than 128 hex digits";
		if (end % 2)
			return "an odd number of hex digits";
		for (i = 0; i < end / 2; i++)
			sync_key[i] = (uint8_t)(hex_digit(b[2 * i]) << 4 |
						hex_digit(b[2 * i + 1]));
		sync_key_len = (uint32_t)(end / 2);
		return NULL;
	}
	if (n < DPVS_SYNC_KEY_MIN || n > DPVS_SYNC_KEY_MAX)
		return "want 32 to 64 raw bytes or 64 to 128 hex digits";
	memcpy(sync_key, b, n);
	sync_key_len = (uint32_t)n;
	return NULL;
}

static const char *sync_key_read(const char *path, char *why, size_t len)
{
	uint8_t buf[SYNC_KEY_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	const char *bad;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, len, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return why;
	}
	if (!S_ISREG(st.st_mode))
		bad = "not a regular file";
	else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(why, len, "mode %04o lets group or others at it "
			 "(chmod 600)", (unsigned)(st.st_mode & 07777));
		bad = why;
	} else if ((n = read(fd, buf, sizeof(buf))) < 0) {
		snprintf(why, len, "%s", strerror(errno));
		bad = why;
	} else if (n > SYNC_KEY_FILE_MAX)
		bad = "longer than 256 bytes";
	else
		bad = sync_key_parse(buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return bad;
}

static void sync_key_file_handler(const vector_t *strvec)
{
	char why[96];
	const char *bad;

	/* The VRRP process drives sync: it has the key from the parent at
	 * its start, reads it again at a reload.  Not the checker. */
	if (prog_type == PROG_TYPE_CHECKER)
		return;
	if (vector_size(strvec) < 2) {
		report_config_error(CONFIG_GENERAL_ERROR, "lvs_sync_daemon_key_file "
				    "needs a path - sync stays off");
		return;
	}
	bad = sync_key_read(strvec_slot(strvec, 1), why, sizeof(why));
	if (!bad)
		return;
	explicit_bzero(sync_key, sizeof(sync_key));
	sync_key_len = 0;
	report_config_error(CONFIG_GENERAL_ERROR, "lvs_sync_daemon_key_file %s: "
			    "%s - sync stays off", strvec_slot(strvec, 1), bad);
}

static void sync_peer_handler(const vector_t *strvec)
{
	struct in_addr in;

	if (vector_size(strvec) < 2 ||
	    inet_pton(AF_INET, strvec_slot(strvec, 1), &in) != 1 ||
	    !in.s_addr || IN_MULTICAST(ntohl(in.s_addr))) {
		report_config_error(CONFIG_GENERAL_ERROR, "lvs_sync_daemon_peer needs "
				    "the peer's unicast IPv4 address - ignoring");
		return;
	}
	sync_peer = ntohl(in.s_addr);
}

void vrrp_dpvs_ha_keywords(bool active)
{
	if (active) {
		explicit_bzero(sync_key, sizeof(sync_key));
		sync_key_len = 0;
		sync_peer = 0;
	}
	install_keyword("lvs_sync_daemon_key_file", &sync_key_file_handler);
	install_keyword("lvs_sync_daemon_peer", &sync_peer_handler);
}

bool vrrp_dpvs_sync_secret(struct dpvs_sync_conf *c)
{
	if (!sync_key_len)
		return false;
	if (c) {
		memcpy(c->key, sync_key, sync_key_len);
		c->key_len = sync_key_len;
		c->peer = sync_peer;
	}
	return true;
}
