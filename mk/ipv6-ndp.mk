# IPv6 neighbours, NDP, DAD and the kernel path (docs/network.md "IPv6
# neighbours, DAD and the kernel twin"): in process on a real EAL, the
# modules under test linked whole, their neighbours (ports, the kernel
# path, v6 addresses and routes) faked in test_nd_fakes.c.
# The fragments are read before the top Makefile names `all`: keep it the
# goal of a bare `make`.
.DEFAULT_GOAL := all
UNIT_TESTS += test_ndisc test_neigh6
ND_TEST_OBJS := $(addprefix $(BUILD)/obj/dpvs/,tests/unit/test_nd_fakes.o \
	src/net/ndisc.o src/net/ndisc_dad.o src/net/neigh6.o src/net/pktstats.o \
	src/core/msgbus.o src/core/lcore.o src/core/rcu.o src/core/log.o \
	src/core/conf.o)
$(BUILD)/tests/test_ndisc $(BUILD)/tests/test_neigh6: $(BUILD)/tests/%: \
		$(BUILD)/obj/dpvs/tests/unit/%.o $(ND_TEST_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# kni_class.c's IPv6 classes look addresses up in the v6 route table.
$(BUILD)/tests/test_kni_class: $(BUILD)/obj/dpvs/src/net/route6.o
