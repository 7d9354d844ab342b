# Pipelined control requests (issue 16, part KA2): libdpvs batches.

UNIT_TESTS += test_libdpvs_batch

# Included before the top Makefile's `all`: keep it the default goal.
.DEFAULT_GOAL := all

# libdpvs against a small forked server: no DPDK.
$(BUILD)/tests/test_libdpvs_batch: \
		$(BUILD)/obj/dpvs/tests/unit/test_libdpvs_batch.o $(BUILD)/libdpvs.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka
