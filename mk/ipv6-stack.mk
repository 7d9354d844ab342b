# The IPv6 stack (docs/network.md "IPv6"): its unit tests and their links.
#
# This file is included before the top Makefile's `all`: without this,
# its first rule would become what a bare `make` builds.
.DEFAULT_GOAL := all
#
# The header-chain walk is pure code: no EAL.
UNIT_TESTS += test_ipv6_parse
$(BUILD)/tests/test_ipv6_parse: $(BUILD)/obj/dpvs/tests/unit/test_ipv6_parse.o \
		$(BUILD)/obj/dpvs/src/net/ipv6_parse.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# Input, ICMPv6, routes and addresses on a real EAL, with the stack's
# own objects; the layers around it (the kernel path, ports, neighbours,
# NDP) are the tests' stand-ins (test_ipv6_env.c), which record what
# they are handed.
IPV6_STACK_OBJS := $(addprefix $(BUILD)/obj/dpvs/src/net/,ipv6.o ipv6_parse.o \
	route6.o icmp6.o inet6addr.o pktstats.o) \
	$(BUILD)/obj/dpvs/src/core/rcu.o $(BUILD)/obj/dpvs/src/core/log.o \
	$(BUILD)/obj/dpvs/tests/unit/test_ipv6_env.o
IPV6_STACK_TESTS := test_ipv6 test_route6 test_icmp6 test_inet6addr
UNIT_TESTS += $(IPV6_STACK_TESTS)
$(IPV6_STACK_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
		$(BUILD)/obj/dpvs/tests/unit/%.o $(IPV6_STACK_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread
