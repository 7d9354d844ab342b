/*
 * The NAT reply-tuple registry: an owner registry (owner_reg.c) whose
 * first claim wins, made at start-up and read by every worker.
 */
#include "nat_reg.h"

#include <errno.h>
#include <stddef.h>

#include "owner_reg.h"

static struct owner_reg *reg;   /* NULL: not made, every call a no-op */

int nat_reg_init(uint32_t entries, uint32_t key_len)
{
	reg = owner_reg_create("nat_reply_reg", "NAT reply registry",
			       entries, key_len);
	return reg ? 0 : -ENOMEM;
}

void nat_reg_fini(void)
{
	owner_reg_free(reg);
	reg = NULL;
}

int nat_reg_claim(const void *key, unsigned widx)
{
	int rc = reg ? owner_reg_claim(reg, key, widx) : -ENOSPC;

	return rc == -ENOSPC ? -ENOBUFS : rc;
}

bool nat_reg_yield(const void *key, unsigned widx, bool yields)
{
	return reg && owner_reg_yield(reg, key, widx, yields);
}

void nat_reg_release(const void *key, unsigned widx)
{
	if (reg)
		owner_reg_release(reg, key, widx);
}

void nat_reg_reclaim(void)
{
	if (reg)
		owner_reg_reclaim(reg);
}

int nat_reg_owner(const void *key)
{
	return reg ? owner_reg_owner(reg, key) : -1;
}
