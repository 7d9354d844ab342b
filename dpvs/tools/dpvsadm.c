/*
 * dpvsadm: ipvsadm(8) for dpvs.  Virtual services, their real servers,
 * FullNAT local addresses, connections and timeouts, over libdpvs, with
 * ipvsadm's command line and its listing formats.
 *
 * The command line is parsed completely (dpvsadm_parse.c) into a struct
 * cmd before dpvsadm connects: a usage error exits 2 whether or not the
 * daemon runs.  Only then does run() talk to dpvs, through the command's
 * entry in commands[], and dpvsadm_print.c formats what it answered.
 * -R parses every line of its input the same way, into a list of struct
 * cmd, before it connects and hands them to run() one by one.
 */
#include "dpvsadm.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

unsigned long restore_line;

int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dpvsadm: ");
	if (restore_line)
		fprintf(stderr, "restore: line %lu: ", restore_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int report(struct dpvs_handle *h, int rc, const char *what)
{
	const char *msg = dpvs_errmsg(h);

	if (rc == DPVS_OK)
		return 0;
	return fail("%s: %s", what, msg && *msg ? msg : dpvs_strerror(rc));
}

/*
 * "Already exists" and "not found" are said as ipvsadm says them, naming
 * the service, real server or local address; other refusals carry dpvs's
 * own message.
 */
int report_cmd(struct dpvs_handle *h, const struct cmd *c, int rc)
{
	const char *what = cmd_names[c->cmd], *msg = dpvs_errmsg(h);
	char dmsg[256], svc[SVC_NAME_LEN], obj[ADDRPORT_LEN + 32] = "";
	char ap[ADDRPORT_LEN], ip[IP_LEN];
	bool is_dest = c->cmd == CMD_ADDDEST || c->cmd == CMD_EDITDEST ||
		       c->cmd == CMD_DELDEST;
	bool is_laddr = c->cmd == CMD_ADDLADDR || c->cmd == CMD_DELLADDR;

	if (rc == DPVS_OK)
		return 0;
	if ((rc != DPVS_EEXIST && rc != DPVS_ENOENT) ||
	    !(c->opts & O(SERVICE)))
		return report(h, rc, what);
	snprintf(dmsg, sizeof(dmsg), "%s", msg && *msg ? msg :
		 dpvs_strerror(rc));
	fmt_svc(&c->svc, svc);
	if (is_dest)
		snprintf(obj, sizeof(obj), "real server %s",
			 fmt_addrport(DEST_IP(&c->dest), c->dest.port, ap));
	else if (is_laddr)
		snprintf(obj, sizeof(obj), "local address %s",
			 fmt_ip(LADDR_IP(&c->laddr), ip));
	if (rc == DPVS_EEXIST) {
		if (c->cmd == CMD_ADD)
			return fail("%s: service %s already exists", what, svc);
		if (is_dest || is_laddr)
			return fail("%s: %s already exists in service %s", what,
				    obj, svc);
		return fail("%s: %s", what, dmsg);
	}
	/* ENOENT: the service, or what was asked of it, is missing. */
	if (!svc_exists(h, &c->svc))
		return fail("%s: no such service %s", what, svc);
	if (is_dest || c->cmd == CMD_DELLADDR)
		return fail("%s: no such %s in service %s", what, obj, svc);
	return fail("%s: %s", what, dmsg);
}

/* ---- the commands ---- */

static int cmd_add(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_svc_add(h, &c->svc));
}

static int cmd_del(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_svc_del(h, &c->svc));
}

static int cmd_flush(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_svc_flush(h));
}

static int cmd_zero(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_zero(h, c->opts & O(SERVICE) ? &c->svc :
								     NULL));
}

static int cmd_add_dest(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_dest_add(h, &c->dest));
}

static int cmd_del_dest(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_dest_del(h, &c->dest));
}

static int cmd_set(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_timeout_set(h, &c->timeouts));
}

static int cmd_add_laddr(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_laddr_add(h, &c->laddr));
}

static int cmd_del_laddr(struct dpvs_handle *h, const struct cmd *c)
{
	return report_cmd(h, c, dpvs_laddr_del(h, &c->laddr));
}

typedef int (*cmd_fn)(struct dpvs_handle *h, const struct cmd *c);

/* -R and -h are main()'s: they do not start with a connection. */
static const cmd_fn commands[CMD_COUNT] = {
	[CMD_ADD] = cmd_add,
	[CMD_EDIT] = cmd_edit_service,
	[CMD_DEL] = cmd_del,
	[CMD_FLUSH] = cmd_flush,
	[CMD_LIST] = cmd_list,
	[CMD_SAVE] = cmd_save,
	[CMD_ZERO] = cmd_zero,
	[CMD_ADDDEST] = cmd_add_dest,
	[CMD_EDITDEST] = cmd_edit_dest,
	[CMD_DELDEST] = cmd_del_dest,
	[CMD_SET] = cmd_set,
	[CMD_ADDLADDR] = cmd_add_laddr,
	[CMD_DELLADDR] = cmd_del_laddr,
	[CMD_GETLADDR] = cmd_get_laddr,
};

int run(struct dpvs_handle *h, const struct cmd *c)
{
	return commands[c->cmd] ? commands[c->cmd](h, c) : 0;
}

int connect_dpvs(const char *ipc, struct dpvs_handle **h)
{
	int rc = dpvs_connect(ipc, h);

	if (rc == DPVS_OK)
		return 0;
	fprintf(stderr, "dpvsadm: cannot connect to %s: %s%s\n",
		ipc ? ipc : DPVS_DEFAULT_IPC,
		rc == DPVS_EIO ? strerror(errno) : dpvs_strerror(rc),
		rc == DPVS_EIO ? " (is dpvs running?)" : "");
	return 1;
}

int main(int argc, char **argv)
{
	struct dpvs_handle *h;
	struct cmd c;
	char err[320];
	int rc;

	if (parse_cmd(argc, argv, &c, err, sizeof(err))) {
		fprintf(stderr, "dpvsadm: %s\nTry 'dpvsadm -h' or 'dpvsadm "
			"--help' for more information.\n", err);
		return 2;
	}
	if (c.cmd == CMD_HELP) {
		usage(stdout);
		return 0;
	}
	if (c.cmd == CMD_RESTORE)
		return cmd_restore(&c);
	if (connect_dpvs(c.ipc, &h))
		return 1;
	rc = run(h, &c);
	dpvs_close(h);
	return rc;
}
