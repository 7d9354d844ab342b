# IPv6 control plane (issue 15, part P5): the handlers' v6 half in the
# in-process daemon, as test_ipvs_ctl runs it.

# This file is included before the top Makefile's first rule: without
# this its first rule would become what a bare `make` builds.
.DEFAULT_GOAL := all
UNIT_TESTS += test_netif6_ctl
$(BUILD)/tests/test_netif6_ctl: $(BUILD)/obj/dpvs/tests/unit/test_netif6_ctl.o \
		$(BUILD)/obj/dpvs/tests/unit/test_inproc.o \
		$(BUILD)/obj/dpvs/tests/fuzz/fuzz_daemon.o $(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread
