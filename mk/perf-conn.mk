# One key per connection (issue 16, part conn): unit tests.

UNIT_TESTS += test_conn_lport

# Included before the top Makefile's `all`: keep it the default goal.
.DEFAULT_GOAL := all

# FullNAT replies by local port, the conn pool: an EAL, as test_ipvs_conn.
$(BUILD)/tests/test_conn_lport: $(BUILD)/obj/dpvs/tests/unit/test_conn_lport.o \
		$(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# The conn pool's per-lcore caches, on two worker lcores.
UNIT_TESTS += test_conn_pool

$(BUILD)/tests/test_conn_pool: $(BUILD)/obj/dpvs/tests/unit/test_conn_pool.o \
		$(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread
