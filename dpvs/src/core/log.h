/*
 * Logging: levels as syslog's, one target: stderr, syslog, a file, the
 * systemd journal, or "auto" (the journal when stderr is connected to
 * it, as under systemd, else stderr).
 */
#ifndef DPVS_LOG_H
#define DPVS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/* In the order of conf.c's names for them. */
enum log_target { LOG_TO_STDERR, LOG_TO_SYSLOG, LOG_TO_FILE, LOG_TO_JOURNAL,
		  LOG_TO_AUTO };

/*
 * Opens the target; a file target that cannot be opened is an error.  A
 * journal that cannot be reached is not: each line it refuses goes to
 * stderr instead, and the first says so.
 */
int log_open(enum log_target target, const char *file, char *err,
	     size_t errlen);
void log_close(void);
void log_set_level(int level);
int log_get_level(void);
/* Returns -1 for an unknown name; accepts syslog names and 0-7. */
int log_level_parse(const char *name);
const char *log_level_name(int level);

void log_msg(int level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define LOG_ERRX(mod, ...) log_msg(LOG_ERR, mod, __VA_ARGS__)
#define LOG_WARNX(mod, ...) log_msg(LOG_WARNING, mod, __VA_ARGS__)
#define LOG_NOTICEX(mod, ...) log_msg(LOG_NOTICE, mod, __VA_ARGS__)
#define LOG_INFOX(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define LOG_DEBUGX(mod, ...) log_msg(LOG_DEBUG, mod, __VA_ARGS__)

#endif
