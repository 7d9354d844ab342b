# HA sync of v6 and NAT64 conns (docs/ha.md "Sync of IPv6 and NAT64
# connections"): its unit test, on test_ipvs_sync's in-process daemon.
#
# This file is included before the top Makefile's `all`: without this,
# its first rule would become what a bare `make` builds.
.DEFAULT_GOAL := all

UNIT_TESTS += test_ipvs_sync6
$(BUILD)/tests/test_ipvs_sync6: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_sync6.o \
		$(BUILD)/obj/dpvs/tests/unit/test_ipvs_sync_env.o \
		$(BUILD)/obj/dpvs/tests/unit/test_inproc.o \
		$(BUILD)/obj/dpvs/tests/fuzz/fuzz_daemon.o $(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread
