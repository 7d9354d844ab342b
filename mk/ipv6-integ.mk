# IPv6 in the integrations (issue 15, part P6): keepalived, dpvs-snmp,
# dpvs-exporter.
#
# Included before the top Makefile's `all`: keep `all` the default goal.
.DEFAULT_GOAL := all
#
# test_exporter_expo also runs the load-balancing series (v6 labels):
# metrics_lb.c and lb_key.c are pure code, no libdpvs calls.
$(BUILD)/tests/test_exporter_expo: $(BUILD)/obj/exporter/metrics_lb.o \
		$(BUILD)/obj/exporter/lb_key.o

# dpvs-snmp's InetAddress index encoding (snmp/mib_idx.c).
UNIT_TESTS += test_snmp_idx
$(BUILD)/obj/dpvs/tests/unit/test_snmp_idx.o: INC = $(INC_LIB) -iquote snmp
$(BUILD)/tests/test_snmp_idx: $(BUILD)/obj/dpvs/tests/unit/test_snmp_idx.o \
		$(BUILD)/obj/snmp/mib_idx.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lnetsnmpagent -lnetsnmp -lcmocka
