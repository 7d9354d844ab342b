/* Logging for the daemon; safe to call from any lcore. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const level_names[] = { "emerg", "alert", "crit",
					   "err", "warning", "notice",
					   "info", "debug" };

static int cur_level = LOG_INFO;
static enum log_target cur_target = LOG_TO_STDERR;
static FILE *log_file;
/* Keeps lines from different lcores whole; logging is never on a hot path. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

int log_level_parse(const char *name)
{
	for (int i = 0; i < 8; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	if (name[0] >= '0' && name[0] <= '7' && name[1] == '\0')
		return name[0] - '0';
	return -1;
}

const char *log_level_name(int level)
{
	return level >= 0 && level < 8 ? level_names[level] : "?";
}

void log_set_level(int level)
{
	__atomic_store_n(&cur_level, level, __ATOMIC_RELAXED);
}

int log_get_level(void)
{
	return __atomic_load_n(&cur_level, __ATOMIC_RELAXED);
}

int log_open(enum log_target target, const char *file, char *err,
	     size_t errlen)
{
	FILE *f = NULL;

	if (target == LOG_TO_FILE) {
		f = fopen(file, "ae");
		if (!f) {
			snprintf(err, errlen, "cannot open log file %s: %s", file,
				 strerror(errno));
			return -1;
		}
		setvbuf(f, NULL, _IOLBF, 0);
	}
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	if (cur_target == LOG_TO_SYSLOG && target != LOG_TO_SYSLOG)
		closelog();
	log_file = f;
	cur_target = target;
	if (target == LOG_TO_SYSLOG)
		openlog("dpvs", LOG_PID, LOG_DAEMON);
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	if (cur_target == LOG_TO_SYSLOG)
		closelog();
	cur_target = LOG_TO_STDERR;
	pthread_mutex_unlock(&log_lock);
}

void log_msg(int level, const char *module, const char *fmt, ...)
{
	char line[1024];
	char ts[32];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (level > log_get_level())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&log_lock);
	if (cur_target == LOG_TO_SYSLOG) {
		syslog(level, "%s: %s", module, line);
	} else {
		clock_gettime(CLOCK_REALTIME, &now);
		localtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(log_file ? log_file : stderr, "%s.%03ld %s %s: %s\n", ts,
			now.tv_nsec / 1000000, level_names[level], module, line);
	}
	pthread_mutex_unlock(&log_lock);
}
