/* Logging for the daemon; safe to call from any lcore. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* CODE_FILE= would name this file for every line: useless. */
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

static const char *const level_names[] = { "emerg", "alert", "crit",
					   "err", "warning", "notice",
					   "info", "debug" };

static int cur_level = LOG_INFO;
static enum log_target cur_target = LOG_TO_STDERR;
static FILE *log_file;
static bool journal_failed;     /* told on stderr once */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
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

/*
 * systemd sets JOURNAL_STREAM to the device and inode of the journal
 * stream it gives a service as stdout/stderr (systemd.exec(5)).
 */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

int log_open(enum log_target target, const char *file, char *err,
	     size_t errlen)
{
	FILE *f = NULL;

	if (target == LOG_TO_AUTO)
		target = stderr_is_journal() ? LOG_TO_JOURNAL : LOG_TO_STDERR;

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
	journal_failed = false;
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

/*
 * The journal's own fields: priority, identifier and module as fields
 * (journalctl -t dpvs -p warning, DPVS_MODULE=reload).  0 if sent.
 */
static int journal_line(int level, const char *module, const char *line)
{
	int r = -ENOENT;

	/* Without a journald, sd_journal_send drops lines and says 0. */
	if (access(JOURNAL_SOCKET, F_OK) == 0)
		r = sd_journal_send("MESSAGE=%s: %s", module, line,
				    "PRIORITY=%d", level,
				    "SYSLOG_FACILITY=%d", LOG_DAEMON >> 3,
				    "SYSLOG_IDENTIFIER=dpvs",
				    "DPVS_MODULE=%s", module, NULL);
	if (r < 0 && !journal_failed) {
		journal_failed = true;
		fprintf(stderr, "dpvs: cannot log to the journal (%s); "
			"logging to stderr\n", strerror(-r));
	}
	return r < 0 ? -1 : 0;
}

static void stream_line(int level, const char *module, const char *line)
{
	char ts[32];
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(log_file ? log_file : stderr, "%s.%03ld %s %s: %s\n", ts,
		now.tv_nsec / 1000000, level_names[level], module, line);
}

void log_msg(int level, const char *module, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > log_get_level())
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&log_lock);
	if (cur_target == LOG_TO_SYSLOG)
		syslog(level, "%s: %s", module, line);
	else if (cur_target != LOG_TO_JOURNAL ||
		 journal_line(level, module, line) < 0)
		stream_line(level, module, line);
	pthread_mutex_unlock(&log_lock);
}
