# Per-packet conn costs (issue 16, part conn2): unit tests.

UNIT_TESTS += test_conn_burst

# Included before the top Makefile's `all`: keep it the default goal.
.DEFAULT_GOAL := all

# The rx burst's answers, on a worker lcore: an EAL, as test_ipvs_conn.
$(BUILD)/tests/test_conn_burst: $(BUILD)/obj/dpvs/tests/unit/test_conn_burst.o \
		$(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread
