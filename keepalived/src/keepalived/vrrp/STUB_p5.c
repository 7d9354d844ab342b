/*
 * STUB (P5, temporary): the libdpvs HA calls until P1's lib_ha.c is on
 * main.  The lead deletes this file and its #include in vrrp_dpvs.c at
 * merge time.  Every call answers as a dpvs without the HA operations
 * would (DPVS_ENOTSUP), except dpvs_handle_fd().
 */
int dpvs_sync_start(struct dpvs_handle *h, const struct dpvs_sync_conf *c)
{
	(void)h; (void)c;
	return DPVS_ENOTSUP;
}

int dpvs_sync_stop(struct dpvs_handle *h, uint32_t roles)
{
	(void)h; (void)roles;
	return DPVS_ENOTSUP;
}

int dpvs_sync_state(struct dpvs_handle *h, struct dpvs_sync_state *out)
{
	(void)h; (void)out;
	return DPVS_ENOTSUP;
}

int dpvs_ha_lease(struct dpvs_handle *h, uint32_t ttl_ms, uint32_t *ms_left)
{
	(void)h; (void)ttl_ms; (void)ms_left;
	return DPVS_ENOTSUP;
}

int dpvs_ha_release(struct dpvs_handle *h)
{
	(void)h;
	return DPVS_ENOTSUP;
}

/* STUB: the socket is struct dpvs_handle's first member (libdpvs.c). */
int __attribute__((pure)) dpvs_handle_fd(const struct dpvs_handle *h)
{
	return *(const int *)(const void *)h;
}
