# The load balancer's IPv6 packet path (docs/loadbalancing.md "IPv6"):
# its unit tests and their links.
#
# This file is included before the top Makefile's `all`: without this,
# its first rule would become what a bare `make` builds.
.DEFAULT_GOAL := all

# Golden-packet tests of the header-only v6 rewrite: DPDK headers, no EAL.
UNIT_TESTS += test_nat_rewrite6
$(BUILD)/tests/test_nat_rewrite6: $(BUILD)/obj/dpvs/tests/unit/test_nat_rewrite6.o \
		$(BUILD)/obj/dpvs/src/ipvs/ipvs_proto.o \
		$(BUILD)/obj/dpvs/src/ipvs/proto_tcp.o $(BUILD)/obj/dpvs/src/ipvs/proto_udp.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka

# IPv6 golden packets through the real packet path: the daemon in
# process on a net_ring port, as test_ipvs_golden does for IPv4.
UNIT_TESTS += test_ipvs_golden6
$(BUILD)/tests/test_ipvs_golden6: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_golden6.o \
		$(BUILD)/obj/dpvs/tests/unit/test_inproc.o \
		$(BUILD)/obj/dpvs/tests/fuzz/fuzz_daemon.o $(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread
