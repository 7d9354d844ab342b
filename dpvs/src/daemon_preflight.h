/* The start-up checks (core/preflight.h) on the daemon's config. */
#ifndef DPVS_DAEMON_PREFLIGHT_H
#define DPVS_DAEMON_PREFLIGHT_H

#include <stdbool.h>

#include "core/conf.h"

/*
 * Checks what c and the EAL's argv (argv[0] the program) need of this
 * host; prints every finding to stderr, and to the log too when to_log.
 * Returns the number of errors (a start must not go on).
 */
unsigned daemon_preflight(const struct dpvs_conf *c, int argc, char **argv,
			  bool to_log);
/* After a failed rte_eal_init: the findings again, as its explanation. */
void daemon_preflight_explain(bool to_log);

#endif
