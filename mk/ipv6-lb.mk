# The load balancer's IPv6 tables (issue 15, part v6-lb): unit tests.

UNIT_TESTS += test_sched_af test_ipvs_conn6

# Included before the top Makefile's `all`: keep it the default goal.
.DEFAULT_GOAL := all

# The schedulers with both families: only their own objects.
$(BUILD)/tests/test_sched_af: $(BUILD)/obj/dpvs/tests/unit/test_sched_af.o \
		$(patsubst %.c,$(BUILD)/obj/%.o,$(SCHED_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# IPv6 connections: an EAL, as test_ipvs_conn.
$(BUILD)/tests/test_ipvs_conn6: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_conn6.o \
		$(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread
