/*
 * TEMPORARY STUB of P3 (the sync engine), for the lead to delete at
 * merge: P4's ha_lease_set_end_cb (ha/ha_lease.c), until it is on main.
 */
#include <stddef.h>

#include "ha/ha_lease.h"

void ha_lease_set_end_cb(void (*cb)(const char *why))
{
	(void)cb;
}
