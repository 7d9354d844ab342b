/*
 * The HA lease (ids 0x0610-0x06ff, docs/ha.md): take or renew it,
 * release it, read it; its holder announces the ha addresses again.  The holder is the control connection that sent
 * the request, so the close hook registered here ends the lease the
 * moment a holder's connection closes (ha/ may not include ctrl/).
 */
#include <errno.h>

#include <rte_common.h>

#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "ha/ha_lease.h"
#include "net/inetaddr.h"
#include "handlers.h"

static int op_ha_lease(uint32_t op __rte_unused, struct rbuf *req,
		       struct ctrl_reply *rep)
{
	const struct ctrl_caller *who = ctrl_caller();
	uint32_t ttl = rb_u32(req), left = 0;
	struct ha_lease_state st;
	int rc;

	if (!who)
		return ctrl_error(rep, DPVS_EPERM, "lease: only a control "
				  "connection can hold the lease");
	if (ttl == 0)
		return ctrl_error(rep, DPVS_EINVAL, "lease: ttl of 0 ms "
				  "(%d to %d)", HA_LEASE_MIN_MS, HA_LEASE_MAX_MS);
	rc = ha_lease_renew(who->id, who->pid, ttl, &left);
	if (rc == -EBUSY) {
		ha_lease_state(&st);
		return ctrl_error(rep, DPVS_EBUSY, "lease: held by another "
				  "connection (pid %u, %u ms left)",
				  st.holder_pid, st.ms_left);
	}
	if (rc)
		return ctrl_errno(rep, rc, "lease");
	wb_u32(&rep->data, left);
	return DPVS_OK;
}

static int op_ha_release(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			 struct ctrl_reply *rep)
{
	const struct ctrl_caller *who = ctrl_caller();
	int rc;

	if (!who)
		return ctrl_error(rep, DPVS_EPERM, "lease: only a control "
				  "connection can hold the lease");
	rc = ha_lease_release(who->id);
	if (rc == -EPERM)
		return ctrl_error(rep, DPVS_EPERM, "lease: held by another "
				  "connection, not released");
	return rc ? ctrl_errno(rep, rc, "lease") : DPVS_OK;
}

/* After two MASTERs met, the backends may have followed the other LB. */
static int op_ha_announce(uint32_t op __rte_unused,
			  struct rbuf *req __rte_unused, struct ctrl_reply *rep)
{
	const struct ctrl_caller *who = ctrl_caller();

	if (!who || ha_lease_announce(who->id) == -EPERM)
		return ctrl_error(rep, DPVS_EPERM, "announce: only the lease "
				  "holder announces the ha addresses");
	return DPVS_OK;
}

static void count_addr(uint16_t port __rte_unused, uint32_t addr __rte_unused,
		       uint8_t plen __rte_unused, uint32_t flags, void *arg)
{
	struct dpvs_ha_state *s = arg;

	s->ha_addrs += !!(flags & IFA_F_HA);
	s->leased_addrs += !!(flags & IFA_F_LEASED);
}

static int op_ha_state(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
		       struct ctrl_reply *rep)
{
	struct ha_lease_state ls = { 0 };
	struct dpvs_ha_state s = { 0 };

	ha_lease_state(&ls);
	s.held = ls.held;
	s.ms_left = ls.held ? ls.ms_left : 0;
	s.holder_pid = ls.held ? ls.holder_pid : 0;
	s.taken = ls.taken;
	s.lost = ls.lost;
	s.released = ls.released;
	inetaddr_walk(count_addr, &s);
	wire_enc_ha_state(&rep->data, &s);
	return DPVS_OK;
}

static const struct ctrl_op ha_ops[] = {
	{ DPVS_OP_HA_LEASE, "ha-lease", 4, 4, op_ha_lease },
	{ DPVS_OP_HA_RELEASE, "ha-release", 0, 0, op_ha_release },
	{ DPVS_OP_HA_STATE, "ha-state", 0, 0, op_ha_state },
	{ DPVS_OP_HA_ANNOUNCE, "ha-announce", 0, 0, op_ha_announce },
};

static struct ctrl_range ha_range = {
	.module = "ha",
	.min = DPVS_OP_HA_MIN,
	.max = DPVS_OP_HA_MAX,
	.ops = ha_ops,
	.nops = sizeof(ha_ops) / sizeof(ha_ops[0]),
};

int ha_ctl_init(void)
{
	ctrl_set_close_hook(ha_lease_on_close);
	return ctrl_register(&ha_range);
}
