/*
 * dpvsadm -E and -e: ipvsadm changes only the options given; so does
 * dpvsadm, on top of the service or real server as dpvs has it, checked
 * again once merged.
 */
#include "dpvsadm.h"

#include <stdlib.h>
#include <string.h>

int cmd_edit_service(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_service s;
	char err[256];

	if (find_service(h, c, "edit-service", &s))
		return 1;
	s.ndests = 0;
	memset(&s.stats, 0, sizeof(s.stats));
	if (c->opts & O(SCHED)) {
		memcpy(s.sched, c->svc.sched, sizeof(s.sched));
		/* sh/mh flags mean nothing to other schedulers */
		if (!(c->opts & O(SCHED_FLAGS)) && strcmp(s.sched, "sh") &&
		    strcmp(s.sched, "mh"))
			s.flags &= ~(uint32_t)SCHED_FLAGS;
	}
	if (c->opts & O(SCHED_FLAGS))
		s.flags = (s.flags & ~(uint32_t)SCHED_FLAGS) |
			  (c->svc.flags & SCHED_FLAGS);
	if (c->opts & O(PERSIST)) {
		s.flags |= DPVS_SVC_F_PERSISTENT;
		s.timeout = c->svc.timeout;
	}
	if (c->opts & O(NETMASK))
		s.netmask = c->svc.netmask;
	if (c->opts & O(PROXY))
		s.flags = (s.flags & ~(uint32_t)PROXY_FLAGS) |
			  (c->svc.flags & PROXY_FLAGS);
	if ((c->opts & O(SCHED_FLAGS)) && !(c->opts & O(SCHED)) &&
	    check_sched_flags(s.sched, s.flags, c->flags_for_sched, err,
			      sizeof(err)))
		return fail("edit-service: %s", err);
	return report_cmd(h, c, dpvs_svc_edit(h, &s));
}

/* -e: likewise, on top of the real server as dpvs has it. */
int cmd_edit_dest(struct dpvs_handle *h, const struct cmd *c)
{
	struct dpvs_dest *all, d;
	size_t n;
	bool found = false;
	char err[256], svc[SVC_NAME_LEN], rs[ADDRPORT_LEN];
	int rc = dpvs_dest_list(h, &c->svc, &all, &n);

	if (rc)
		return report_cmd(h, c, rc);
	for (size_t i = 0; i < n && !found; i++)
		if (!cmp_key(0, DEST_IP(&all[i]), all[i].port, 0,
			     DEST_IP(&c->dest), c->dest.port)) {
			d = all[i];
			found = true;
		}
	free(all);
	if (!found)
		return fail("edit-server: no such real server %s in service %s",
			    fmt_addrport(DEST_IP(&c->dest), c->dest.port, rs),
			    fmt_svc(&c->svc, svc));
	if (c->opts & O(FWD))
		d.fwd = c->dest.fwd;
	if (c->opts & O(WEIGHT))
		d.weight = c->dest.weight;
	if (c->opts & O(UTHRESH))
		d.u_thresh = c->dest.u_thresh;
	if (c->opts & O(LTHRESH))
		d.l_thresh = c->dest.l_thresh;
	if (check_families(&d, err, sizeof(err)) ||
	    check_dest_port(&d, err, sizeof(err)) ||
	    check_thresholds(&d, err, sizeof(err)))
		return fail("edit-server: %s", err);
	return report_cmd(h, c, dpvs_dest_edit(h, &d));
}
