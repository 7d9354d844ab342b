/*
 * Control-plane benchmark over libdpvs: prints "name value unit" lines.
 *   ctrl_bench IPC NSERVICES NDESTS
 * - add NSERVICES FullNAT-free TCP services with NDESTS real servers each,
 *   one request at a time, then (after a flush) pipelined in a batch
 * - list them all (what dpvsadm -L -n does)
 * - requests per second from 16 concurrent clients
 * - the multicast round trip through the lcore message bus
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libdpvs.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int die(struct dpvs_handle *h, int rc, const char *what)
{
	fprintf(stderr, "ctrl_bench: %s: %s\n", what,
		h && dpvs_errmsg(h)[0] ? dpvs_errmsg(h) : dpvs_strerror(rc));
	exit(1);
}

/* Any refusal makes the figures meaningless. */
static void batch_status(void *arg, uint64_t index, uint32_t op, int status,
			 const char *errmsg)
{
	(void)arg;
	if (status) {
		fprintf(stderr, "ctrl_bench: request %llu (op 0x%x): %s\n",
			(unsigned long long)index, op,
			errmsg[0] ? errmsg : dpvs_strerror(status));
		exit(1);
	}
}

/* Pipelined (a libdpvs batch), or one request at a time. */
static void add_all(struct dpvs_handle *h, unsigned nsvc, unsigned ndest,
		    bool batch)
{
	double t0 = now();
	int rc;

	if (batch && (rc = dpvs_batch_begin(h, batch_status, NULL)))
		die(h, rc, "batch");
	for (unsigned i = 0; i < nsvc; i++) {
		struct dpvs_service s = { .proto = 6, .vport = 80 };

		s.vip = htonl(0x0b000000u + i);         /* 11.0.0.0 + i */
		snprintf(s.sched, sizeof(s.sched), "wlc");
		rc = dpvs_svc_add(h, &s);
		if (rc)
			die(h, rc, "add service");
		for (unsigned j = 0; j < ndest; j++) {
			struct dpvs_dest d = { .proto = 6, .vip = s.vip, .vport = 80,
					       .port = 80, .fwd = DPVS_FWD_DR,
					       .weight = 1 };

			d.addr = htonl(0x0c000000u + i * ndest + j);
			rc = dpvs_dest_add(h, &d);
			if (rc)
				die(h, rc, "add real server");
		}
	}
	if (batch)
		dpvs_batch_end(h);
	printf("add_%u_services_x%u%s %.2f s\n", nsvc, ndest,
	       batch ? "" : "_one_at_a_time", now() - t0);
}

static void list_all(struct dpvs_handle *h, unsigned nsvc)
{
	struct dpvs_service *s;
	struct dpvs_dest *d;
	size_t ns, nd;
	double t0 = now();
	int rc = dpvs_svc_list(h, &s, &ns);

	if (rc || (rc = dpvs_dest_list(h, NULL, &d, &nd)))
		die(h, rc, "list");
	printf("list_%u_services %.1f ms\n", nsvc, (now() - t0) * 1000);
	if (ns != nsvc)
		fprintf(stderr, "ctrl_bench: listed %zu services, expected %u\n",
			ns, nsvc);
	free(s);
	free(d);
}

struct worker_arg {
	const char *ipc;
	double until;
	unsigned long n;
};

static void *hammer(void *p)
{
	struct worker_arg *a = p;
	struct dpvs_handle *h;
	struct dpvs_version_info v;

	if (dpvs_connect(a->ipc, &h))
		return NULL;
	while (now() < a->until)
		if (dpvs_get_version(h, &v) == DPVS_OK)
			a->n++;
	dpvs_close(h);
	return NULL;
}

static void concurrent(const char *ipc)
{
	enum { N = 16 };
	pthread_t t[N];
	struct worker_arg a[N];
	unsigned long total = 0;
	double secs = 3;

	for (int i = 0; i < N; i++) {
		a[i] = (struct worker_arg){ ipc, now() + secs, 0 };
		pthread_create(&t[i], NULL, hammer, &a[i]);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		total += a[i].n;
	}
	printf("ctrl_requests_16_clients %.0f req/s\n", (double)total / secs);
}

static void mcast_rtt(struct dpvs_handle *h)
{
	uint32_t replies;
	double t0 = now();
	int rc = dpvs_msgbus_ping(h, 2000, &replies);

	if (rc)
		die(h, rc, "msgbus ping");
	printf("multicast_round_trip %.1f us\n", (now() - t0) / 2000 * 1e6);
}

int main(int argc, char **argv)
{
	struct dpvs_handle *h;
	unsigned nsvc, ndest;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: ctrl_bench IPC NSERVICES NDESTS\n");
		return 2;
	}
	nsvc = (unsigned)atoi(argv[2]);
	ndest = (unsigned)atoi(argv[3]);
	rc = dpvs_connect(argv[1], &h);
	if (rc)
		die(NULL, rc, "connect");
	dpvs_set_timeout(h, 60000);
	add_all(h, nsvc, ndest, false);
	rc = dpvs_svc_flush(h);
	if (rc)
		die(h, rc, "flush");
	add_all(h, nsvc, ndest, true);
	list_all(h, nsvc);
	concurrent(argv[1]);
	mcast_rtt(h);
	dpvs_close(h);
	return 0;
}
