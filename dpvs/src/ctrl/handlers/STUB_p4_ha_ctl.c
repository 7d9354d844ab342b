/*
 * TEMPORARY STUB of P4 (issue 13), to be deleted at merge: P1's
 * ha_ctl.c owns the lease ops and the close hook.  It serves
 * DPVS_OP_HA_LEASE/RELEASE/STATE over ha/ha_lease.c so that P4's
 * system test (ha-tests/netstack/test_ha_addr.py) runs before P1's
 * handler lands.  Registered from a constructor so that daemon.c needs
 * no line for it.
 */
#include <errno.h>

#include <rte_common.h>

#include "ctrl/ctrl.h"
#include "dpvs_ops.h"
#include "ha/ha_lease.h"
#include "net/inetaddr.h"
#include "wire.h"

static int stub_lease(uint32_t op __rte_unused, struct rbuf *req,
		      struct ctrl_reply *rep)
{
	const struct ctrl_caller *c = ctrl_caller();
	uint32_t ttl = rb_u32(req), left = 0;
	int rc;

	if (!c)
		return ctrl_error(rep, DPVS_EINVAL, "lease: no caller");
	rc = ha_lease_renew(c->id, c->pid, ttl, &left);
	if (rc == -EBUSY)
		return ctrl_error(rep, DPVS_EBUSY, "lease: held by another "
				  "connection");
	wb_u32(&rep->data, left);
	return DPVS_OK;
}

static int stub_release(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
			struct ctrl_reply *rep)
{
	const struct ctrl_caller *c = ctrl_caller();

	if (!c || ha_lease_release(c->id) == -EPERM)
		return ctrl_error(rep, DPVS_EPERM, "lease: held by another "
				  "connection");
	return DPVS_OK;
}

static int stub_state(uint32_t op __rte_unused, struct rbuf *req __rte_unused,
		      struct ctrl_reply *rep)
{
	struct ha_lease_state st;
	unsigned ha, leased;

	ha_lease_state(&st);
	inetaddr_count(&ha, &leased);
	wb_u32(&rep->data, st.held);
	wb_u32(&rep->data, st.ms_left);
	wb_u32(&rep->data, st.holder_pid);
	wb_u32(&rep->data, ha);
	wb_u32(&rep->data, leased);
	wb_u64(&rep->data, st.taken);
	wb_u64(&rep->data, st.lost);
	wb_u64(&rep->data, st.released);
	return DPVS_OK;
}

static const struct ctrl_op stub_ops[] = {
	{ DPVS_OP_HA_LEASE, "STUB-ha-lease", 4, 4, stub_lease },
	{ DPVS_OP_HA_RELEASE, "STUB-ha-release", 0, 0, stub_release },
	{ DPVS_OP_HA_STATE, "STUB-ha-state", 0, 0, stub_state },
};

static struct ctrl_range stub_range = {
	.module = "STUB_p4 ha",
	.min = DPVS_OP_HA_MIN,
	.max = DPVS_OP_HA_MAX,
	.ops = stub_ops,
	.nops = RTE_DIM(stub_ops),
};

RTE_INIT(stub_p4_ha_ctl_init)
{
	ctrl_register(&stub_range);
	ctrl_set_close_hook(ha_lease_on_close);
}
