/* libdpvs: monitoring (the workers' counters, for the SNMP subagent). */
#include "lib_int.h"

#include <stdlib.h>
#include <string.h>

#include "dpvs_ops.h"

int dpvs_get_worker_stats(struct dpvs_handle *h,
			  struct dpvs_worker_stats_set **out)
{
	void *buf;
	size_t len;
	struct rbuf b;
	int rc = dpvs_call(h, DPVS_OP_WORKER_STATS, NULL, 0, &buf, &len);

	*out = NULL;
	if (rc)
		return rc;
	rb_init(&b, buf, len);
	rc = wire_dec_wstats(&b, out);
	free(buf);
	return rc ? libdpvs_fail(h, rc,
				 "malformed worker stats reply") : DPVS_OK;
}

uint64_t dpvs_worker_counter(const struct dpvs_worker_stats_set *s,
			     const struct dpvs_worker_stats *w,
			     const char *name)
{
	for (size_t i = 0; i < s->ncounters; i++)
		if (strcmp(s->names[i], name) == 0)
			return w->counters[i];
	return 0;
}
