/*
 * GET and GETNEXT over a table of rows sorted by index, for any table
 * of DPVS-MIB (and for the scalars: one row, index 0).  Rows are rebuilt
 * from the snapshot only when a new one was taken, so a walk is a binary
 * search per varbind.  SET never reaches here: tables are registered
 * read-only and the agent answers notWritable itself.
 */
#include <stdlib.h>
#include <string.h>

#include "agent.h"

struct mib_row *mib_rows_add(struct mib_table *t, const void *obj)
{
	struct mib_row *r;

	if (t->nrow == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct mib_row *n = realloc(t->row, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->row = n;
		t->cap = cap;
	}
	r = &t->row[t->nrow++];
	r->obj = obj;
	r->idxlen = 0;
	return r;
}

static int row_cmp(const void *a, const void *b)
{
	const struct mib_row *x = a, *y = b;

	return snmp_oid_compare(x->idx, x->idxlen, y->idx, y->idxlen);
}

static void rebuild(struct mib_table *t, const struct snapshot *s)
{
	if (t->built && t->gen == s->gen)
		return;
	t->nrow = 0;
	t->rows(s, t);
	qsort(t->row, t->nrow, sizeof(*t->row), row_cmp);
	t->gen = s->gen;
	t->built = true;
}

/* First row whose index is > idx (or >= when inclusive). */
static size_t row_after(const struct mib_table *t, const oid *idx, size_t len,
			bool inclusive)
{
	size_t lo = 0, hi = t->nrow;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = snmp_oid_compare(t->row[mid].idx, t->row[mid].idxlen, idx,
					 len);

		if (c > 0 || (inclusive && c == 0))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void set_value(netsnmp_variable_list *vb, const struct mib_value *v)
{
	switch (v->type) {
	case ASN_COUNTER64: {
		struct counter64 c = { .high = (u_long)(v->num >> 32),
				       .low = (u_long)(v->num & 0xffffffffu) };

		snmp_set_var_typed_value(vb, ASN_COUNTER64, &c, sizeof(c));
		break;
	}
	case ASN_OCTET_STR:
	case ASN_IPADDRESS:
		snmp_set_var_typed_value(vb, v->type, v->buf, v->len);
		break;
	case ASN_INTEGER: {
		long l = (long)(int64_t)v->num;

		snmp_set_var_typed_value(vb, ASN_INTEGER, &l, sizeof(l));
		break;
	}
	default: { /* Gauge32, Unsigned32, TimeTicks: saturate, never wrap */
		u_long u = v->num > UINT32_MAX ? UINT32_MAX : (u_long)v->num;

		snmp_set_var_typed_value(vb, v->type, &u, sizeof(u));
		break;
	}
	}
}

static const struct mib_column *column(const struct mib_table *t, oid sub)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].sub == sub)
			return &t->cols[i];
	return NULL;
}

static void do_get(const struct mib_table *t, const struct snapshot *s,
		   netsnmp_agent_request_info *info, netsnmp_request_info *req)
{
	const netsnmp_variable_list *vb = req->requestvb;
	const oid *idx = vb->name + t->root_len + 1;
	size_t len, r;
	const struct mib_column *c;
	struct mib_value v = { 0 };

	if (vb->name_length <= t->root_len ||
	    !(c = column(t, vb->name[t->root_len]))) {
		netsnmp_set_request_error(info, req, SNMP_NOSUCHOBJECT);
		return;
	}
	len = vb->name_length - t->root_len - 1;
	r = row_after(t, idx, len, true);
	if (r == t->nrow ||
	    snmp_oid_compare(t->row[r].idx, t->row[r].idxlen, idx, len) != 0 ||
	    !c->get(s, t->row[r].obj, &v)) {
		netsnmp_set_request_error(info, req, SNMP_NOSUCHINSTANCE);
		return;
	}
	set_value(req->requestvb, &v);
}

/* Answers with the first (column, row) after the request's name, if any;
 * an unanswered varbind makes the agent go on to the next subtree. */
static void do_getnext(const struct mib_table *t, const struct snapshot *s,
		       netsnmp_request_info *req)
{
	netsnmp_variable_list *vb = req->requestvb;
	size_t ci = 0, ri = 0;

	bool inside = netsnmp_oid_is_subtree(t->root, t->root_len, vb->name,
					     vb->name_length) == 0;

	if (!inside && snmp_oid_compare(vb->name, vb->name_length, t->root,
					t->root_len) > 0)
		return;   /* past this table */
	if (inside && vb->name_length > t->root_len) {
		oid sub = vb->name[t->root_len];

		while (ci < t->ncols && t->cols[ci].sub < sub)
			ci++;
		if (ci < t->ncols && t->cols[ci].sub == sub)
			ri = row_after(t, vb->name + t->root_len + 1,
				       vb->name_length - t->root_len - 1, false);
	}
	for (; ci < t->ncols; ci++, ri = 0)
		for (; ri < t->nrow; ri++) {
			struct mib_value v = { 0 };
			oid name[MAX_OID_LEN];
			size_t n = t->root_len;

			if (!t->cols[ci].get(s, t->row[ri].obj, &v))
				continue;
			memcpy(name, t->root, n * sizeof(oid));
			name[n++] = t->cols[ci].sub;
			memcpy(name + n, t->row[ri].idx,
			       t->row[ri].idxlen * sizeof(oid));
			n += t->row[ri].idxlen;
			snmp_set_var_objid(vb, name, n);
			set_value(vb, &v);
			return;
		}
}

static int handler(netsnmp_mib_handler *h,
		   netsnmp_handler_registration *reg __attribute__((unused)),
		   netsnmp_agent_request_info *info, netsnmp_request_info *req)
{
	struct mib_table *t = h->myvoid;
	const struct snapshot *s = snapshot_get();

	if (!s) {
		netsnmp_request_set_error_all(req, SNMP_ERR_RESOURCEUNAVAILABLE);
		return SNMP_ERR_NOERROR;
	}
	rebuild(t, s);
	for (; req; req = req->next) {
		if (req->processed)
			continue;
		if (info->mode == MODE_GET)
			do_get(t, s, info, req);
		else if (info->mode == MODE_GETNEXT)
			do_getnext(t, s, req);
		else
			netsnmp_set_request_error(info, req, SNMP_ERR_NOTWRITABLE);
	}
	return SNMP_ERR_NOERROR;
}

int mib_table_register(struct mib_table *t)
{
	netsnmp_handler_registration *reg = netsnmp_create_handler_registration(
		t->name, handler, t->root, t->root_len, HANDLER_CAN_RONLY);

	if (!reg)
		return -1;
	reg->handler->myvoid = t;
	return netsnmp_register_handler(reg) == MIB_REGISTERED_OK ? 0 : -1;
}

void mib_table_free(struct mib_table *t)
{
	free(t->row);
	t->row = NULL;
	t->nrow = t->cap = 0;
	t->built = false;
}
