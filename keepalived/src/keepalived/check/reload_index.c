/*
 * Lookups for the reload's diff (clear_diff_services() in ipwrapper.c),
 * which keepalived 2.2.7 does by walking lists: each old virtual server
 * searched the whole new list (vs_exist), and each old real server
 * walked both whole checker queues (migrate_checkers).  With 20,000
 * services that is 2 x 10^8 comparisons, about half a second, for a
 * reload that changes one line; with a checker per real server the
 * checker walks grow to 10^10.  Upstream keepalived later linked the
 * checkers to their real server for the same reason.
 *
 * Here both become sorted arrays, built once per reload: the new
 * virtual servers by the key vs_iseq() compares, the checkers of each
 * queue by real server.  Ties keep list order, so a lookup finds what
 * the walk found first, and a real server's checkers come in queue
 * order.  Included by ipwrapper.c (patch 0018), after vs_iseq().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- virtual servers of the new configuration ---- */

struct vs_ent {
	virtual_server_t *vs;
	size_t pos;             /* in check_data->vs: the first one wins */
};

static struct vs_ent *new_vs_index;
static size_t new_vs_count;

static int cmp_num(uintmax_t a, uintmax_t b)
{
	return a < b ? -1 : a > b;
}

/* Address and port, as sockstorage_equal() compares them. */
static int cmp_sockaddr(const sockaddr_t *a, const sockaddr_t *b)
{
	int c = cmp_num(a->ss_family, b->ss_family);

	if (c)
		return c;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = PTR_CAST_CONST(struct sockaddr_in6, a);
		const struct sockaddr_in6 *y = PTR_CAST_CONST(struct sockaddr_in6, b);

		c = memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
		return c ? c : cmp_num(x->sin6_port, y->sin6_port);
	}
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = PTR_CAST_CONST(struct sockaddr_in, a);
		const struct sockaddr_in *y = PTR_CAST_CONST(struct sockaddr_in, b);

		c = cmp_num(ntohl(x->sin_addr.s_addr), ntohl(y->sin_addr.s_addr));
		return c ? c : cmp_num(x->sin_port, y->sin_port);
	}
	return 0;
}

/* Zero exactly when vs_iseq(a, b): a group's name and port; else the
 * family and the fwmark, or the protocol and address. */
static int cmp_vs_key(const virtual_server_t *a, const virtual_server_t *b)
{
	int c = cmp_num(!!a->vsgname, !!b->vsgname);

	if (c)
		return c;
	if (a->vsgname) {
		c = cmp_num(inet_sockaddrport(&a->addr), inet_sockaddrport(&b->addr));
		return c ? c : strcmp(a->vsgname, b->vsgname);
	}
	c = cmp_num(a->af, b->af);
	if (!c)
		c = cmp_num(a->vfwmark, b->vfwmark);
	if (c || a->vfwmark)
		return c;
	c = cmp_num(a->service_type, b->service_type);
	return c ? c : cmp_sockaddr(&a->addr, &b->addr);
}

static int cmp_vs_ent(const void *x, const void *y)
{
	const struct vs_ent *a = x, *b = y;
	int c = cmp_vs_key(a->vs, b->vs);

	return c ? c : cmp_num(a->pos, b->pos);
}

/* Without memory the lookups walk the lists, as keepalived did. */
static void reload_vs_index_build(void)
{
	virtual_server_t *vs;
	size_t n = 0;

	list_for_each_entry(vs, &check_data->vs, e_list)
		n++;
	new_vs_index = n ? malloc(n * sizeof(*new_vs_index)) : NULL;
	if (!new_vs_index)
		return;
	new_vs_count = 0;
	list_for_each_entry(vs, &check_data->vs, e_list) {
		new_vs_index[new_vs_count].vs = vs;
		new_vs_index[new_vs_count].pos = new_vs_count;
		new_vs_count++;
	}
	qsort(new_vs_index, n, sizeof(*new_vs_index), cmp_vs_ent);
}

/* The first new virtual server vs_iseq() to old_vs; NULL if none.  false
 * when there is no index (the caller walks the list). */
static bool reload_vs_find(const virtual_server_t *old_vs,
			   virtual_server_t **found)
{
	size_t lo = 0, hi = new_vs_count;

	if (!new_vs_index)
		return false;
	/* The lowest entry not below old_vs's key: the first in list order. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_vs_key(new_vs_index[mid].vs, old_vs) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < new_vs_count && !cmp_vs_key(new_vs_index[lo].vs, old_vs) ?
		 new_vs_index[lo].vs : NULL;
	return true;
}

/* ---- the checkers of each real server, in queue order ---- */

struct ck_ent {
	checker_t *c;
	size_t pos;
};

struct ck_index {
	const list_head_t *queue;
	struct ck_ent *e;
	size_t n;
};

/* The old queue (a copy made for the reload) and checkers_queue. */
static struct ck_index ck_old, ck_new;

static int cmp_ck_ent(const void *x, const void *y)
{
	const struct ck_ent *a = x, *b = y;
	int c = cmp_num((uintptr_t)a->c->rs, (uintptr_t)b->c->rs);

	return c ? c : cmp_num(a->pos, b->pos);
}

static void ck_index_build(struct ck_index *x, list_head_t *queue)
{
	checker_t *c;
	size_t n = 0;

	memset(x, 0, sizeof(*x));
	list_for_each_entry(c, queue, e_list)
		n++;
	x->e = n ? malloc(n * sizeof(*x->e)) : NULL;
	if (n && !x->e)
		return;
	list_for_each_entry(c, queue, e_list) {
		x->e[x->n].c = c;
		x->e[x->n].pos = x->n;
		x->n++;
	}
	if (n)
		qsort(x->e, n, sizeof(*x->e), cmp_ck_ent);
	x->queue = queue;
}

/* Walks rs's checkers of one queue: from the index if it has one. */
struct rs_ck_iter {
	struct ck_ent *next, *end;      /* indexed */
	list_head_t *queue;             /* else the whole queue */
	list_head_t *at;
	const real_server_t *rs;
};

static struct rs_ck_iter __attribute__((pure))
rs_ck_iter_of(list_head_t *queue,
	      const real_server_t *rs)
{
	const struct ck_index *x = ck_old.queue == queue ? &ck_old :
				   ck_new.queue == queue ? &ck_new : NULL;
	struct rs_ck_iter it = { .queue = queue, .at = queue, .rs = rs };
	size_t lo = 0, hi;

	if (!x)
		return it;
	it.queue = NULL;
	if (!x->n)
		return it;      /* next == end: none */
	for (hi = x->n; lo < hi;) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)x->e[mid].c->rs < (uintptr_t)rs)
			lo = mid + 1;
		else
			hi = mid;
	}
	it.next = it.end = x->e + lo;
	while (it.end < x->e + x->n && it.end->c->rs == rs)
		it.end++;
	return it;
}

static bool rs_ck_next(struct rs_ck_iter *it, checker_t **c)
{
	if (!it->queue) {
		if (it->next == it->end)
			return false;
		*c = (it->next++)->c;
		return true;
	}
	for (it->at = it->at->next; it->at != it->queue; it->at = it->at->next) {
		*c = list_entry(it->at, checker_t, e_list);
		if ((*c)->rs == it->rs)
			return true;
	}
	return false;
}

/* for (each checker c of rs in queue, in queue order) */
#define for_each_rs_checker(c, queue, rs)                                  \
	for (struct rs_ck_iter c##_it = rs_ck_iter_of(queue, rs);            \
	     rs_ck_next(&c##_it, &(c));)

static void reload_index_build(list_head_t *old_checkers_queue)
{
	reload_vs_index_build();
	ck_index_build(&ck_old, old_checkers_queue);
	ck_index_build(&ck_new, &checkers_queue);
}

static void reload_index_free(void)
{
	free(new_vs_index);
	new_vs_index = NULL;
	new_vs_count = 0;
	free(ck_old.e);
	free(ck_new.e);
	memset(&ck_old, 0, sizeof(ck_old));
	memset(&ck_new, 0, sizeof(ck_new));
}
