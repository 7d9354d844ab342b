/*
 * dpvsctl's HA argument parsing, apart from the socket so it is unit
 * tested: `sync start` options, `sync stop` roles, `ha hold` options,
 * and the key file.
 */
#ifndef DPVSCTL_HA_PARSE_H
#define DPVSCTL_HA_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "libdpvs.h"

#define HA_HOLD_TTL_DEFAULT 1000    /* ms */

struct ha_hold_args {
	uint32_t ttl_ms;
	uint32_t for_s;             /* 0: until a signal */
	uint32_t announce_s;        /* dpvs_ha_announce() this often; 0: never */
};

/*
 * The key file: 32-64 raw bytes, or 64-128 hex digits (whitespace
 * ignored; a file of only hex digits and whitespace is read as hex).
 * Refused unless a regular file without any group or other permission.
 * 0, or -1 with the reason in err.
 */
int ha_read_key_file(const char *path, uint8_t key[DPVS_SYNC_KEY_MAX],
		     uint32_t *len, char *err, size_t errlen);
/* argv[0] is "start"; every option after it.  0, or -1 and err. */
int ha_parse_sync_start(int argc, char **argv, struct dpvs_sync_conf *c,
			char *err, size_t errlen);
/* "master", "backup" or "all". */
int ha_parse_sync_stop(const char *word, uint32_t *roles, char *err,
		       size_t errlen);
/* argv[0] is "hold". */
int ha_parse_hold(int argc, char **argv, struct ha_hold_args *a, char *err,
		  size_t errlen);

#endif
