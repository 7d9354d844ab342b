/* Daemon-wide state: the running config, start time and reload. */
#ifndef DPVS_DAEMON_H
#define DPVS_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "core/conf.h"

/* DPVS_VERSION comes from the VERSION file through the Makefile. */

/* The running configuration (master lcore only). */
const struct dpvs_conf *daemon_conf(void);
uint64_t daemon_start_time(void);
uint64_t daemon_uptime_ms(void);

/* Asks the master to reload at its next loop (async-signal-safe). */
void daemon_request_reload(void);
/*
 * Reloads now: on success returns DPVS_OK with what changed in summary;
 * on a bad file returns DPVS_ECONFIG with the errors in summary and
 * keeps running the old config.
 */
int daemon_reload(char *summary, size_t len);

int daemon_main(int argc, char **argv);
/*
 * daemon_main in two halves, for callers that drive the lcores
 * themselves (the fuzz targets): start-up up to the loops returns 0 when
 * the daemon is up, else -1 with the process's exit code in *rc (also
 * for --help, --version and -t).  daemon_stop() undoes a start.
 */
int daemon_start(int argc, char **argv, int *rc);
void daemon_stop(void);

#endif
