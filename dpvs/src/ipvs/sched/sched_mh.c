/*
 * Maglev hashing (IPVS ip_vs_mh.c, after Google's Maglev paper).  Each
 * server has its own permutation of the table's slots, from a hash of
 * its address and port; in init the servers take turns claiming their
 * next free preferred slot until the table is full.  A server of weight
 * w gets w / gcd turns per round.  Removing a server frees only its
 * slots and moves few others, so about 1/N of flows change server.
 * The fast path hashes the flow's source and indexes the table.
 */
#include <errno.h>
#include <stdlib.h>

#include "sched_int.h"

#define MH_SIZE_DEFAULT 65537u
/* 32 MB of table; beyond that a typo, not a design. */
#define MH_SIZE_MAX (1u << 24)

/* One server's walk through its permutation of the slots. */
struct mh_perm {
	uint32_t pos;           /* current preference */
	uint32_t skip;          /* 1..size-1: coprime with a prime size */
	uint32_t turns;         /* slots claimed per round */
	uint16_t idx;           /* into svc->dests */
};

/* Trial division: init runs rarely and sizes are at most 2^24. */
static bool is_prime(uint32_t n)
{
	if (n < 2)
		return false;
	for (uint32_t d = 2; d <= n / d; d++)
		if (n % d == 0)
			return false;
	return true;
}

static unsigned bit_len(uint32_t x)
{
	return x ? 32 - (unsigned)__builtin_clz(x) : 0;
}

/* A server's turns per round: weight / gcd, shifted, never below one. */
static uint32_t mh_turns(const struct sched_dest *d, uint32_t g, unsigned sh)
{
	uint32_t t = ((uint32_t)d->weight / g) >> sh;

	return t ? t : 1;
}

static uint64_t mh_round(const struct sched_svc *svc,
			 const struct sched_set *s, unsigned sh)
{
	uint64_t sum = 0;

	for (unsigned k = 0; k < s->n; k++)
		sum += mh_turns(&svc->dests[s->idx[k]], s->gcd, sh);
	return sum;
}

/*
 * A round fills sum(turns) slots, and the last, partial round favours
 * whoever comes early in it: the error is about one round in the table.
 * So shift the weights down as IPVS's rshift does (the largest to fewer
 * than 2^(log2(size) / 2) turns), and further until a round is at most
 * 1/16 of the table, or every server has its one turn.
 */
static unsigned mh_shift(const struct sched_svc *svc,
			 const struct sched_set *s, uint32_t size)
{
	unsigned bits = (bit_len(size) - 1) / 2, sh;
	uint32_t mw = 0;
	uint64_t sum;

	for (unsigned k = 0; k < s->n; k++)
		if ((uint32_t)svc->dests[s->idx[k]].weight > mw)
			mw = (uint32_t)svc->dests[s->idx[k]].weight;
	mw /= s->gcd;
	sh = bit_len(mw) > bits ? bit_len(mw) - bits : 0;
	for (; sh < 31; sh++) {
		sum = mh_round(svc, s, sh);
		if (sum <= size / 16 || sum == s->n)
			break;
	}
	return sh;
}

static void mh_permutate(struct mh_perm *p, const struct sched_svc *svc,
			 const struct sched_set *s, uint32_t size)
{
	unsigned sh = mh_shift(svc, s, size);

	for (unsigned k = 0; k < s->n; k++) {
		const struct sched_dest *d = &svc->dests[s->idx[k]];
		uint64_t key = sched_dest_key(d);

		p[k].pos = (uint32_t)(sched_hash(key, 1) % size);
		p[k].skip = (uint32_t)(sched_hash(key, 2) % (size - 1)) + 1;
		p[k].turns = mh_turns(d, s->gcd, sh);
		p[k].idx = (uint16_t)s->idx[k];
	}
}

/* The server's next preferred slot that is still free, claimed. */
static void mh_claim(struct sched_tab *t, struct mh_perm *p)
{
	while (t->slot[p->pos] != SCHED_NONE) {
		p->pos += p->skip;
		if (p->pos >= t->size)
			p->pos -= t->size;
	}
	t->slot[p->pos] = p->idx;
}

static void mh_populate(struct sched_tab *t, struct mh_perm *p, unsigned n)
{
	uint32_t filled = 0;

	while (filled < t->size)
		for (unsigned k = 0; k < n && filled < t->size; k++)
			for (uint32_t turn = 0; turn < p[k].turns &&
			     filled < t->size; turn++, filled++)
				mh_claim(t, &p[k]);
}

static int mh_build(struct sched_svc *svc, uint32_t size)
{
	struct mh_perm *p = NULL;
	struct sched_tab *t;
	struct sched_set *s;
	int rc = sched_set_build(svc, &s);

	if (rc)
		return rc;
	t = sched_tab_alloc(size);
	if (t && s->n)
		p = malloc(sizeof(*p) * s->n);
	if (!t || (s->n && !p)) {
		free(t);
		free(s);
		return -ENOMEM;
	}
	if (s->n) {
		mh_permutate(p, svc, s, size);
		mh_populate(t, p, s->n);
	}
	free(p);
	free(s);
	svc->priv = t;
	return 0;
}

static int mh_init(struct sched_svc *svc)
{
	uint32_t size = svc->mh_size ? svc->mh_size : MH_SIZE_DEFAULT;

	/* A prime size makes every skip coprime with it, so each permutation
	 * reaches every slot and the fill terminates. */
	if (size > MH_SIZE_MAX || !is_prime(size))
		return -EINVAL;
	return mh_build(svc, size);
}

static int mh_schedule(const struct sched_svc *svc, void *ws,
		       const struct sched_flow *f)
{
	(void)ws;
	return sched_tab_lookup(svc, svc->priv, sched_src_key(svc, f));
}

const struct sched_ops sched_mh_ops = {
	.name = "mh",
	.init = mh_init,
	.done = sched_free_priv,
	.schedule = mh_schedule,
};
