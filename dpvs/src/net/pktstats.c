/* Per-worker packet counters. */
#include "pktstats.h"

#include <string.h>

struct pktstats pktstats[RTE_MAX_LCORE];

const char *const pktstats_names[PKTSTATS_N] = {
#define X(name) #name,
	PKTSTATS(X)
#undef X
};

void pktstats_sum(uint64_t *out)
{
	memset(out, 0, PKTSTATS_N * sizeof(uint64_t));
	for (unsigned lc = 0; lc < RTE_MAX_LCORE; lc++) {
		const uint64_t *row = (const uint64_t *)&pktstats[lc];

		for (unsigned i = 0; i < PKTSTATS_N; i++)
			out[i] += __atomic_load_n(&row[i], __ATOMIC_RELAXED);
	}
}
