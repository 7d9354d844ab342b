# AF_XDP ports (docs/network.md "AF_XDP ports"): the checks on an af_xdp
# port's devargs and kernel interface before the driver probes it.
# The fragments are read before the top Makefile names `all`: keep it the
# goal of a bare `make`.
.DEFAULT_GOAL := all
UNIT_TESTS += test_xdp_args
$(BUILD)/tests/test_xdp_args: $(BUILD)/obj/dpvs/tests/unit/test_xdp_args.o \
		$(BUILD)/obj/dpvs/src/net/xdp_args.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka
# The af_xdp driver and libxdp (docs/network.md "AF_XDP ports"): Debian's
# dpdk and libdpdk-dev pull them today; named so that stays true.
DEPS += librte-net-af-xdp23 libxdp1 libbpf1
