/* The master's listing of connections, a page at a time, racing workers. */
#include "ipvs_conn_int.h"

#include "conn_pool.h"

/*
 * The pool is one array: a listing resumes at any object index at once.
 */
uint32_t ipvs_conn_walk_page(uint32_t from, uint32_t max_scan,
			     uint32_t max_conns,
			     void (*fn)(const struct ipvs_conn *c, void *arg),
			     void *arg)
{
	uint32_t scanned = 0, found = 0;

	for (uint32_t i = from; i < conn_nobjs; i++) {
		const struct ipvs_conn *obj = &conn_objs[i];
		struct ipvs_conn copy;

		if (scanned == max_scan || found == max_conns)
			return i;
		scanned++;
		if (!__atomic_load_n(&obj->used, __ATOMIC_ACQUIRE))
			continue;
		/* A racy but safe snapshot: the worker owns it. */
		memcpy(&copy, obj, sizeof(copy));
		fn(&copy, arg);
		found++;
	}
	return 0;
}
