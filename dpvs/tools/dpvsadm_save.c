/*
 * dpvsadm -S and -R: the table as the commands that make it, and those
 * commands read back.
 */
#include "dpvsadm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* -S: the table as the commands that make it. */
int cmd_save(struct dpvs_handle *h, const struct cmd *c)
{
	struct table t;
	struct dpvs_laddr *l;
	size_t nl;
	char ap[ADDRPORT_LEN], rs[ADDRPORT_LEN], ip[IP_LEN], fl[32];
	int rc;

	if (table_get(h, !(c->opts & O(NOSORT)), &t, "save"))
		return 1;
	rc = dpvs_laddr_list(h, NULL, &l, &nl);
	if (rc) {
		table_free(&t);
		return report(h, rc, "save");
	}
	for (size_t i = 0; i < t.nsvcs; i++) {
		const struct dpvs_service *s = &t.svcs[i];
		const char *ps = proto_switch(s->proto);
		size_t first, n = table_dests(&t, s, &first);

		fmt_addrport(SVC_IP(s), s->vport, ap);
		printf("-A %s %s -s %s", ps, ap, s->sched);
		if (s->flags & SCHED_FLAGS)
			printf(" -b %s", fmt_sched_flags(s->sched, s->flags, fl));
		if (s->flags & DPVS_SVC_F_PERSISTENT) {
			printf(" -p %u", s->timeout);
			if (has_mask(s))
				printf(" -M %s", fmt_mask(s, ip));
		}
		if (s->flags & PROXY_FLAGS)
			printf(" --proxy-protocol %s", fmt_proxy(s->flags));
		printf("\n");
		for (size_t j = 0; j < nl; j++)
			if (!cmp_key(l[j].proto, VIP_OF(&l[j]), l[j].vport,
				     s->proto, SVC_IP(s), s->vport))
				printf("-P %s %s -z %s -F %s\n", ps, ap,
				       fmt_ip(LADDR_IP(&l[j]), ip), l[j].ifname);
		for (size_t j = 0; j < n; j++) {
			const struct dpvs_dest *d = t.refs[first + j].d;

			printf("-a %s %s -r %s -%c -w %d", ps, ap,
			       fmt_addrport(DEST_IP(d), d->port, rs),
			       fwd_flag(d->fwd), d->weight);
			if (d->u_thresh)
				printf(" -x %u", d->u_thresh);
			if (d->l_thresh)
				printf(" -y %u", d->l_thresh);
			printf("\n");
		}
	}
	free(l);
	table_free(&t);
	return 0;
}

struct rcmd {
	unsigned long line;
	struct cmd c;
};

/*
 * -R: reads the whole of standard input and checks every line before
 * it connects, so a mistyped line changes nothing; then applies the
 * commands in order and stops at the first that dpvs refuses.
 */
int cmd_restore(const struct cmd *rc_cmd)
{
	struct rcmd *cmds = NULL;
	size_t n = 0, cap = 0, linecap = 0;
	unsigned long lineno = 0;
	char *line = NULL, err[320];
	struct dpvs_handle *h;
	ssize_t got;
	int rc = 0;

	while ((got = getline(&line, &linecap, stdin)) >= 0) {
		struct cmd c;

		lineno++;
		if (strlen(line) != (size_t)got) {
			rc = fail("restore: line %lu: NUL byte in input", lineno);
			goto out;
		}
		switch (parse_line(line, &c, err, sizeof(err))) {
		case 0:
			continue;
		case 1:
			break;
		default:
			rc = fail("restore: line %lu: %s", lineno, err);
			goto out;
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct rcmd *nc = realloc(cmds, ncap * sizeof(*nc));

			if (!nc) {
				rc = fail("restore: out of memory");
				goto out;
			}
			cmds = nc;
			cap = ncap;
		}
		cmds[n].line = lineno;
		cmds[n].c = c;
		n++;
	}
	if (ferror(stdin)) {
		rc = fail("restore: cannot read standard input: %s",
			  strerror(errno));
		goto out;
	}
	if (n == 0)
		goto out;
	if (connect_dpvs(rc_cmd->ipc, &h)) {
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		restore_line = cmds[i].line;
		rc = run(h, &cmds[i].c);
	}
	restore_line = 0;
	dpvs_close(h);
out:
	free(line);
	free(cmds);
	return rc;
}
