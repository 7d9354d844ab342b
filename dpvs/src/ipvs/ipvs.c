/* Start and stop of the load-balancing core. */
#include "ipvs.h"

#include "ipvs_conn.h"
#include "ipvs_core.h"
#include "ipvs_persist.h"
#include "ipvs_sync.h"
#include "net/ipv4.h"
#include "net/ipv6.h"
#include "net/netif.h"

static const struct ipv4_hooks ipv4_hooks = { ipvs_local_in, ipvs_forward_in };
static const struct ipv6_hooks ipv6_hooks = { ipvs_local_in6, ipvs_forward_in6 };

int ipvs_init(const struct dpvs_conf *c)
{
	int rc = ipvs_svc_table_init(c->max_services);

	if (rc == 0)
		rc = ipvs_conn_init(c);
	if (rc == 0)
		rc = ipvs_core_init(1024);
	if (rc == 0)
		rc = ipvs_persist_init(c->conn_pool_size);
	if (rc == 0)
		rc = ipvs_stats_init();
	if (rc == 0)
		rc = ipvs_sync_init(c);
	if (rc == 0) {
		netif_set_burst_hook(&ipvs_conn_burst_hook);
		ipv4_set_hooks(&ipv4_hooks);
		ipv6_set_hooks(&ipv6_hooks);
	}
	return rc;
}

void ipvs_fini(void)
{
	ipv4_set_hooks(NULL);
	ipv6_set_hooks(NULL);
	ipvs_core_fini();
	ipvs_conn_flush_all();
	ipvs_sync_fini();
	ipvs_svc_table_fini();
	ipvs_conn_fini();
	ipvs_persist_fini();
}
