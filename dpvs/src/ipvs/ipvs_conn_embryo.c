/*
 * Early drop: a worker's half-open TCP conns, oldest first, evicted to
 * make room for new ones, and the clients known to complete handshakes,
 * whose half-open conns go last.
 */
#include "ipvs_conn_int.h"

#include <rte_lcore.h>

#include "net/pktstats.h"

#define EMBRYO_SCAN 64        /* embryos looked at for a wanted local port */
#define KNOWN_SECS 60         /* a generation of known clients */

static unsigned known_bit(uint32_t addr)
{
	return (addr * 2654435761u) >> 16;   /* Knuth's multiplicative hash */
}

static bool client_known(const struct worker_tab *t, uint32_t addr)
{
	unsigned b = known_bit(addr);

	return ((t->known[0][b / 64] | t->known[1][b / 64]) >> (b % 64)) & 1;
}

/*
 * A spoofed source never completes a handshake: one that did is a real
 * client, whose next half-open conns are evicted last.  Remembered for
 * one to two generations, aged as new ones are learnt.
 */
void client_learn(struct worker_tab *t, uint32_t addr)
{
	uint32_t now = now_tick(), age = now - t->known_since;
	unsigned b = known_bit(addr);

	if (age >= KNOWN_SECS) {
		if (age < 2 * KNOWN_SECS)
			memcpy(t->known[1], t->known[0], sizeof(t->known[0]));
		else
			memset(t->known[1], 0, sizeof(t->known[1]));
		memset(t->known[0], 0, sizeof(t->known[0]));
		t->known_since = now;
	}
	t->known[0][b / 64] |= 1ull << (b % 64);
}

void embryo_unlink(struct worker_tab *t, struct ipvs_conn *c)
{
	struct conn_list *l = &t->embryos[!!(c->flags & CONN_F_KNOWN)];

	if (c->embryo_prev)
		conn_at(c->embryo_prev)->embryo_next = c->embryo_next;
	else
		l->first = c->embryo_next;
	if (c->embryo_next)
		conn_at(c->embryo_next)->embryo_prev = c->embryo_prev;
	else
		l->last = c->embryo_prev;
	c->flags &= ~(CONN_F_EMBRYO | CONN_F_KNOWN);
}

static void embryo_append(struct conn_list *l, struct ipvs_conn *c)
{
	uint32_t r = conn_ref(c);

	c->embryo_next = 0;
	c->embryo_prev = l->last;
	if (l->last)
		conn_at(l->last)->embryo_next = r;
	else
		l->first = r;
	l->last = r;
}

/* embryo_track's slow path: c joins, leaves or renews its place. */
void embryo_retrack(struct worker_tab *t, struct ipvs_conn *c)
{
	bool known;

	if (c->flags & CONN_F_EMBRYO)
		embryo_unlink(t, c);
	if (!is_embryonic(c))
		return;
	known = client_known(t, conn_client_id(c));
	embryo_append(&t->embryos[known], c);
	c->flags |= CONN_F_EMBRYO | (known ? CONN_F_KNOWN : 0);
}

/*
 * A spoofed SYN flood fills the table with conns that never complete.
 * Evicting the oldest embryo (FIFO: a flood's SYN-ACK retransmits must
 * not make it young again) lets new conns in at any flood rate, while a
 * real handshake, done in a round trip, is rarely the oldest; those of
 * clients known to complete handshakes go last of all.  The
 * object is still filed on the wheel, which alone can unfile it: it
 * stays there dead, kept as the worker's spare for the next new conn,
 * which reuses it in place.
 */
static void embryo_evict(struct worker_tab *t, struct ipvs_conn *c,
			 unsigned widx)
{
	unsigned lc = rte_lcore_id();

	conn_release(t, c, widx);
	burst_forget(widx, c);
	conn_bury(t, c);
	if (!t->spare)
		t->spare = c;
	if (lc < RTE_MAX_LCORE)
		PKT_INC(lc, ipvs_embryonic_evicted);
}

bool embryo_evict_oldest(struct worker_tab *t, unsigned widx)
{
	struct ipvs_conn *c = conn_at(t->embryos[0].first);

	if (!c)
		c = conn_at(t->embryos[1].first);
	if (!c)
		return false;
	embryo_evict(t, c, widx);
	return true;
}

bool ipvs_conn_evict_for_port(unsigned widx, struct ipvs_laddr *const *laddrs,
			      unsigned n)
{
	struct worker_tab *t = &conn_tabs[widx];
	struct ipvs_conn *c;

	/* Bounded: other services' embryos may hold other addresses. */
	for (unsigned k = 0; k < 2; k++) {
		unsigned seen = 0;

		for (c = conn_at(t->embryos[k].first); c;
		     c = conn_at(c->embryo_next)) {
			if (++seen > EMBRYO_SCAN)
				break;
			for (unsigned i = 0; c->lobj && i < n; i++)
				if (c->lobj->pset == laddrs[i]->pset) {
					embryo_evict(t, c, widx);
					return true;
				}
		}
	}
	return false;
}
