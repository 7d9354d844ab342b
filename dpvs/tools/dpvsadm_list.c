/* dpvsadm -L and -G: what dpvs has, in ipvsadm's listing formats. */
#include "dpvsadm.h"

#include <stdlib.h>

static int cmd_list_all(struct dpvs_handle *h, const struct cmd *c)
{
	struct out o = out_of(c);
	struct dpvs_version_info v;
	struct table t;
	int rc = dpvs_get_version(h, &v);

	if (rc)
		return report(h, rc, "list");
	if (table_get(h, o.sort, &t, "list"))
		return 1;
	printf("IP Virtual Server version %s (size=%zu)\n", v.version, t.nsvcs);
	print_title(&o);
	for (size_t i = 0; i < t.nsvcs; i++) {
		size_t first, n = table_dests(&t, &t.svcs[i], &first);

		print_service(&t.svcs[i], &o);
		for (size_t j = 0; j < n; j++)
			print_dest(t.refs[first + j].d, &o);
	}
	table_free(&t);
	return 0;
}

static int cmd_list_service(struct dpvs_handle *h, const struct cmd *c)
{
	struct out o = out_of(c);
	struct dpvs_service s;
	struct dpvs_dest *d;
	size_t n;
	struct dref *refs;
	int rc;

	if (find_service(h, c, "list", &s))
		return 1;
	rc = dpvs_dest_list(h, &s, &d, &n);
	if (rc)
		return report(h, rc, "list");
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (!refs) {
		free(d);
		return fail("list: out of memory");
	}
	for (size_t i = 0; i < n; i++)
		refs[i] = (struct dref){ &d[i], i };
	if (o.sort)
		qsort(refs, n, sizeof(*refs), cmp_dref_sorted);
	print_title(&o);
	print_service(&s, &o);
	for (size_t i = 0; i < n; i++)
		print_dest(refs[i].d, &o);
	free(refs);
	free(d);
	return 0;
}

/* Page by page: ten million connections never sit in our memory at once. */
static int cmd_list_conns(struct dpvs_handle *h)
{
	struct dpvs_conn *cs;
	uint32_t cursor = 0;
	size_t n;
	int rc;

	printf("IPVS connection entries\n");
	printf("%-3s %-6s %-11s %-18s %-18s %-18s %-18s %s\n", "pro", "expire",
	       "state", "source", "virtual", "destination", "local",
	       "lcore");
	do {
		rc = dpvs_conn_list_page(h, &cursor, &cs, &n);
		if (rc)
			return report(h, rc, "list connections");
		for (size_t i = 0; i < n; i++)
			print_conn(&cs[i]);
		free(cs);
	} while (cursor);
	return 0;
}

static int cmd_list_timeouts(struct dpvs_handle *h)
{
	struct dpvs_timeouts t;
	int rc = dpvs_timeout_get(h, &t);

	if (rc)
		return report(h, rc, "list timeouts");
	printf("Timeout (tcp tcpfin udp): %u %u %u\n", t.tcp, t.tcp_fin, t.udp);
	return 0;
}

/* -G: local addresses per service (DPVS's layout, with the protocol). */
int cmd_get_laddr(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_service *s = NULL;
	struct dpvs_laddr *l;
	size_t ns = 0, nl;
	int rc;

	if (c->opts & O(SERVICE)) {
		rc = dpvs_laddr_list(h, &c->svc, &l, &nl);
		if (rc)
			return report_cmd(h, c, rc);
		print_laddr_title();
		print_laddrs_of(&c->svc, l, nl);
		free(l);
		return 0;
	}
	rc = dpvs_svc_list(h, &s, &ns);
	if (rc == DPVS_OK)
		rc = dpvs_laddr_list(h, NULL, &l, &nl);
	if (rc) {
		free(s);
		return report(h, rc, "get-laddr");
	}
	if (!(c->opts & O(NOSORT)))
		qsort(s, ns, sizeof(*s), cmp_svc);
	print_laddr_title();
	for (size_t i = 0; i < ns; i++)
		print_laddrs_of(&s[i], l, nl);
	free(l);
	free(s);
	return 0;
}

/* -L: the whole table, one service, the connections or the timeouts. */
int cmd_list(struct dpvs_handle *h, const struct cmd *c)
{
	if (c->opts & O(CONN))
		return cmd_list_conns(h);
	if (c->opts & O(TIMEOUT))
		return cmd_list_timeouts(h);
	if (c->opts & O(SERVICE))
		return cmd_list_service(h, c);
	return cmd_list_all(h, c);
}
