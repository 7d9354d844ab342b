/*
 * systemd's notify protocol (sd_notify(3)) and watchdog.  Every call is
 * a no-op when the service manager gave no NOTIFY_SOCKET, so a dpvs
 * started by hand or by the tests behaves as before.  Master lcore only.
 */
#ifndef DPVS_NOTIFY_H
#define DPVS_NOTIFY_H

/* READY=1 with MAINPID and a STATUS line naming what is served. */
void notify_ready(unsigned nworkers, unsigned nports);
/* READY=1 after a reload; `rejected` names the file that had errors. */
void notify_reloaded(unsigned nworkers, unsigned nports, const char *rejected);
/* RELOADING=1 (with MONOTONIC_USEC, which Type=notify-reload requires). */
void notify_reloading(void);
void notify_stopping(void);
/*
 * When the manager set WATCHDOG_USEC for us: WATCHDOG=1 from a master
 * timer every half period, so a master stuck for a whole period gets
 * dpvs killed and restarted.  0, or -1 if the timer cannot be armed.
 */
int notify_watchdog_start(void);
void notify_watchdog_stop(void);

#endif
