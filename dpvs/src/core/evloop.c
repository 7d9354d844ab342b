/* The master's epoll set, its services and its idle wait. */
#include "evloop.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "lcore.h"
#include "log.h"

#define EVENTS_PER_WAIT 32

static int epfd = -1;
static const struct evloop_service *services[EVLOOP_MAX_SERVICES];
static unsigned nservices;

int evloop_init(void)
{
	if (epfd >= 0)
		return 0;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0) {
		LOG_ERRX("evloop", "epoll: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void evloop_fini(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
	nservices = 0;
}

int evloop_add(struct evloop_fd *h, int fd, uint32_t events, evloop_fn fn)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epfd < 0)
		return -EBADF;
	h->fd = fd;
	h->fn = fn;
	h->events = events;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int evloop_mod(struct evloop_fd *h, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (epfd < 0)
		return -EBADF;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, h->fd, &ev) < 0)
		return -errno;
	h->events = events;
	return 0;
}

void evloop_del(struct evloop_fd *h)
{
	if (epfd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, h->fd, NULL);
}

int evloop_add_service(const struct evloop_service *s)
{
	for (unsigned i = 0; i < nservices; i++)
		if (services[i] == s)
			return 0;
	if (nservices == EVLOOP_MAX_SERVICES)
		return -ENOSPC;
	services[nservices++] = s;
	return 0;
}

static bool any_busy(void)
{
	for (unsigned i = 0; i < nservices; i++)
		if (services[i]->busy && services[i]->busy())
			return true;
	return false;
}

int evloop_poll(uint32_t wait_us)
{
	struct epoll_event evs[EVENTS_PER_WAIT];
	struct timespec ts;
	uint64_t t0;
	int n, work;

	if (epfd < 0)
		return 0;
	if (wait_us && any_busy())
		wait_us = 0;
	ts.tv_sec = wait_us / 1000000;
	ts.tv_nsec = (long)(wait_us % 1000000) * 1000;
	n = epoll_pwait2(epfd, evs, EVENTS_PER_WAIT, &ts, NULL);
	t0 = rte_rdtsc();
	for (unsigned i = 0; i < nservices; i++)
		if (services[i]->begin)
			services[i]->begin();
	for (int i = 0; i < n; i++) {
		struct evloop_fd *h = evs[i].data.ptr;

		if (h->fn)
			h->fn(h, evs[i].events);
	}
	work = n > 0 ? n : 0;
	for (unsigned i = 0; i < nservices; i++)
		if (services[i]->end)
			work += services[i]->end();
	/* Work done after an idle wait woke up counts as a loop too. */
	if (wait_us)
		lcore_note_busy(rte_rdtsc() - t0);
	return work;
}

void evloop_idle_wait(uint32_t us)
{
	evloop_poll(us);
}
