# NAT64 (docs/loadbalancing.md "NAT64"): its unit tests and their links.
#
# Included before the top Makefile's `all`: keep `all` the default goal.
.DEFAULT_GOAL := all
#
# The translation against golden packets: mbufs need an EAL; the quoted
# packets are walked by the real extension-header parser.
UNIT_TESTS += test_nat64
$(BUILD)/tests/test_nat64: $(BUILD)/obj/dpvs/tests/unit/test_nat64.o \
		$(BUILD)/obj/dpvs/src/net/nat64.o $(BUILD)/obj/dpvs/src/net/ipv6_parse.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# MSS clamping: a pure header (ipvs/tcp_mss.h), no EAL.
UNIT_TESTS += test_tcp_mss
$(BUILD)/tests/test_tcp_mss: $(BUILD)/obj/dpvs/tests/unit/test_tcp_mss.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# FullNAT64 (ipvs/ipvs_xmit64.c) with the real translation and counters;
# routes, ports and the two outputs are the test's stand-ins.
UNIT_TESTS += test_ipvs_golden64
$(BUILD)/tests/test_ipvs_golden64: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_golden64.o \
		$(addprefix $(BUILD)/obj/dpvs/src/,ipvs/ipvs_xmit64.o net/nat64.o \
		net/ipv6_parse.o net/ipv4_pmtu.o net/pktstats.o)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread
