/*
 * The master's event loop: one epoll set for every fd the master serves
 * (the control socket and its clients, the kernel path's TAPs) and the
 * master's idle wait, which sleeps in that set so any of those fds wakes
 * the master at once.  Its parts register their fds here; the core knows
 * nothing of what they are.
 *
 * Master only, no locks: everything runs on the master lcore.
 */
#ifndef DPVS_EVLOOP_H
#define DPVS_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct evloop_fd;
/* events: the EPOLL* bits that fired. */
typedef void (*evloop_fn)(struct evloop_fd *h, uint32_t events);

/* One registered fd; the owner embeds it and keeps it alive until del. */
struct evloop_fd {
	int fd;
	evloop_fn fn;      /* NULL: only wakes the master (its job reads) */
	uint32_t events;   /* interest now registered */
};

/*
 * A part that keeps work outside the events (requests read but not yet
 * run, timeouts): busy() true keeps the master from sleeping; begin()
 * runs after each wait, before the events' callbacks, end() after them
 * and returns the work it did.  NULL members are skipped.
 */
struct evloop_service {
	bool (*busy)(void);
	void (*begin)(void);
	int (*end)(void);
};

int evloop_init(void);
/* Closes the epoll set; registered fds stay the owners' to close. */
void evloop_fini(void);

/* 0 or a negative errno (-EBADF before evloop_init). */
int evloop_add(struct evloop_fd *h, int fd, uint32_t events, evloop_fn fn);
int evloop_mod(struct evloop_fd *h, uint32_t events);
void evloop_del(struct evloop_fd *h);

#define EVLOOP_MAX_SERVICES 4
/* Before the lcores start; again is a no-op.  0 or -ENOSPC. */
int evloop_add_service(const struct evloop_service *s);

/*
 * Waits up to wait_us for events (not at all while a service is busy),
 * runs their callbacks and the services; returns the work done.  The
 * master's loop job calls it with 0, its idle wait with the sleep.
 */
int evloop_poll(uint32_t wait_us);
/* Lcore idle-wait adapter: evloop_poll(us). */
void evloop_idle_wait(uint32_t us);

#endif
