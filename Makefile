# dpvs: top-level build.  `make help` lists the targets.
#
#   make deps       install the Debian packages the project needs (no-op if present)
#   make            build dpvs, libdpvs, the tools and the tests
#   make SAN=1      the same with AddressSanitizer + UBSan (into build-san/)
#   make check      deps + build + every test, ending with a summary line
#   make demo       deps + build + a keepalived-driven pair, then one LB by hand
#   make demo-ha    the keepalived-driven active/standby pair, with a failover
#   make fuzz       run every fuzz target FUZZ_SECONDS (600) each
#   make bench      benchmarks: prints a table, writes build/bench.csv
#   make soak       traffic, churn, keepalived reloads and floods together for
#                   SOAK_SECONDS (600); what leaked and what was lost (nothing)
#   make install    install under PREFIX (/usr/local), the MIB for net-snmp

SHELL := /bin/bash

# Debian packages: build, run and test (README lists what they are for).
DEPS := build-essential pkg-config clang libclang-rt-14-dev \
	libdpdk-dev dpdk libconfig-dev libnl-3-dev libnl-genl-3-dev \
	libsnmp-dev snmpd snmp libcmocka-dev libpcap-dev libnuma-dev \
	python3 python3-pytest python3-scapy iproute2 ethtool procps \
	iputils-ping tcpdump util-linux curl wrk \
	libssl-dev libmagic-dev patch bc snmptrapd smitools \
	iperf3 haproxy nginx-light libnginx-mod-stream python3-matplotlib \
	netsniff-ng hping3

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
OPT := -O1 -g
else
BUILD ?= build
SANFLAGS :=
OPT := -O2 -g
endif

CC ?= gcc
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
	-Wno-format-nonliteral -Wno-address-of-packed-member
CFLAGS_BASE := -std=gnu11 -D_GNU_SOURCE $(OPT) $(WARN) $(SANFLAGS)
DPDK_CFLAGS = $(shell pkg-config --cflags libdpdk 2>/dev/null)
DPDK_LIBS = $(shell pkg-config --libs libdpdk 2>/dev/null)
CONFIG_LIBS = $(shell pkg-config --libs libconfig 2>/dev/null)
LDFLAGS_BASE := $(SANFLAGS)

LIB_SRCS := dpvs/lib/wire.c dpvs/lib/wire_ipvs.c dpvs/lib/wire_stats.c dpvs/lib/libdpvs.c
DAEMON_SRCS := $(filter-out dpvs/src/main.c,$(shell find dpvs/src -name '*.c' | sort))
SCHED_SRCS := $(wildcard dpvs/src/ipvs/sched/*.c)
UNIT_TESTS := test_wire test_conf test_cmdline test_ctrl_session test_msgbus \
	test_nat_rewrite test_ipvs_conn test_ipvs_persist test_sched test_ipv4_pmtu \
	test_kni_class test_nat_reg test_ipvs_golden

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/dpvs/lib/wire.o \
	$(BUILD)/obj/dpvs/lib/wire_ipvs.o $(BUILD)/obj/dpvs/lib/wire_stats.o

BINS := $(BUILD)/dpvs $(BUILD)/dpvsctl $(BUILD)/dpip $(BUILD)/dpvsadm $(BUILD)/libdpvs.a \
	$(BUILD)/libdpvs.so $(BUILD)/dpvs-snmp
TESTS := $(UNIT_TESTS:%=$(BUILD)/tests/%)

.PHONY: all deps check demo demo-ha bench fuzz soak clean help unit keepalived mibs install
all: $(BINS) $(TESTS) $(BUILD)/pcap_gen keepalived mibs

# MIBs for snmpd, snmpwalk and smilint, in build/mibs: the SMIv2 base
# modules (see snmp/fetch-mibs.sh) and the project's own.
mibs: build/mibs/SNMPv2-SMI.txt build/mibs/DPVS-MIB.txt
build/mibs/SNMPv2-SMI.txt: snmp/fetch-mibs.sh
	snmp/fetch-mibs.sh build/mibs
build/mibs/DPVS-MIB.txt: snmp/DPVS-MIB.txt
	@mkdir -p $(@D)
	cp $< $@

# keepalived 2.2.7 from Debian's source archive with keepalived-patches/,
# linked with libdpvs.  Always an ordinary build in build/ (a sanitizer
# libdpvs would not link into it); about a minute the first time.
keepalived: build/keepalived
ifeq ($(BUILD),build)
build/keepalived: build/libdpvs.a $(wildcard keepalived-patches/*)
	keepalived-patches/build.sh build
else
.PHONY: build/keepalived
build/keepalived:
	$(MAKE) SAN= BUILD=build build/keepalived
endif

help:
	@sed -n '1,14p' Makefile

deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all packages present"; fi

# Include paths per target (docs/architecture.md, "Boundaries"): the
# daemon and its unit tests see dpvs/src and the library's headers; the
# library, the tools, the subagent and the bench tools see only the
# library's (and no DPDK), so none of them can include a daemon header
# by accident.
INC_LIB := -iquote dpvs/lib
INC_DAEMON := -iquote dpvs/src $(INC_LIB)
$(BUILD)/obj/dpvs/src/%.o $(BUILD)/obj/dpvs/tests/%.o: INC := $(INC_DAEMON) $(DPDK_CFLAGS)
$(BUILD)/obj/dpvs/lib/%.o $(BUILD)/pic/%.o $(BUILD)/obj/dpvs/bench/%.o: INC := $(INC_LIB)
$(BUILD)/obj/dpvs/tools/%.o: INC := $(INC_LIB) -iquote dpvs/tools
$(BUILD)/obj/snmp/%.o: INC := $(INC_LIB) -iquote snmp

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) $(INC) -MMD -MP -c $< -o $@

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC PIC  $<"
	@$(CC) $(CFLAGS_BASE) $(INC) -fPIC -fvisibility=default -MMD -MP -c $< -o $@

$(BUILD)/dpvs: $(DAEMON_OBJS) $(BUILD)/obj/dpvs/src/main.o
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lpthread

$(BUILD)/libdpvs.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Only the dpvs_* API is exported (dpvs/lib/libdpvs.map); the wire
# helpers stay internal.
$(BUILD)/libdpvs.so: $(LIB_OBJS) dpvs/lib/libdpvs.map
	$(CC) $(LDFLAGS_BASE) -shared -Wl,-soname,libdpvs.so.0 \
		-Wl,--version-script=dpvs/lib/libdpvs.map -o $@.0 $(LIB_OBJS)
	ln -sf libdpvs.so.0 $@

$(BUILD)/dpvsctl: $(BUILD)/obj/dpvs/tools/dpvsctl.o $(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^

$(BUILD)/dpvsadm: $(BUILD)/obj/dpvs/tools/dpvsadm.o $(BUILD)/obj/dpvs/tools/cli_util.o \
		$(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^

$(BUILD)/dpip: $(BUILD)/obj/dpvs/tools/dpip.o $(BUILD)/obj/dpvs/tools/cli_util.o \
		$(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^

# The SNMP subagent: net-snmp's agent library and libdpvs, no DPDK.
SNMP_SRCS := $(wildcard snmp/*.c)
SNMP_LIBS := -lnetsnmpagent -lnetsnmp
$(BUILD)/dpvs-snmp: $(SNMP_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(SNMP_LIBS)

# Unit tests: cmocka; the pure ones link no DPDK.
$(BUILD)/tests/test_wire: $(BUILD)/obj/dpvs/tests/unit/test_wire.o $(BUILD)/libdpvs.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_conf: $(BUILD)/obj/dpvs/tests/unit/test_conf.o \
		$(BUILD)/obj/dpvs/src/core/conf.o $(BUILD)/obj/dpvs/src/core/log.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(CONFIG_LIBS) -lcmocka -lpthread

$(BUILD)/tests/test_cmdline: $(BUILD)/obj/dpvs/tests/unit/test_cmdline.o \
		$(BUILD)/obj/dpvs/src/core/cmdline.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_ctrl_session: $(BUILD)/obj/dpvs/tests/unit/test_ctrl_session.o \
		$(BUILD)/obj/dpvs/src/ctrl/ctrl_session.o $(BUILD)/obj/dpvs/src/ctrl/ctrl_dispatch.o \
		$(BUILD)/obj/dpvs/src/core/log.o $(BUILD)/obj/dpvs/lib/wire.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka -lpthread

$(BUILD)/tests/test_msgbus: $(BUILD)/obj/dpvs/tests/unit/test_msgbus.o \
		$(BUILD)/obj/dpvs/src/core/msgbus.o $(BUILD)/obj/dpvs/src/core/lcore.o \
		$(BUILD)/obj/dpvs/src/core/log.o $(BUILD)/obj/dpvs/src/core/conf.o \
		$(BUILD)/obj/dpvs/src/core/rcu.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# The schedulers are pure: only their own objects.
$(BUILD)/tests/test_sched: $(BUILD)/obj/dpvs/tests/unit/test_sched.o \
		$(patsubst %.c,$(BUILD)/obj/%.o,$(SCHED_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# Connection tables need an EAL (rte_hash, mempools) but no ports.  The
# daemon's objects as an archive: the linker takes what the test reaches
# (the forwarding-mode table in ipvs_xmit.o brings the output path).
$(BUILD)/daemon.a: $(DAEMON_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/tests/test_ipvs_conn: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_conn.o \
		$(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# Golden packets through the real packet path: the daemon in process on
# a net_ring port, as the packet fuzzer runs it.
$(BUILD)/tests/test_ipvs_golden: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_golden.o \
		$(BUILD)/obj/dpvs/tests/fuzz/fuzz_daemon.o $(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# The NAT reply registry: two lcores and the real QSBR variable.
$(BUILD)/tests/test_nat_reg: $(BUILD)/obj/dpvs/tests/unit/test_nat_reg.o \
		$(BUILD)/obj/dpvs/src/ipvs/nat_reg.o $(BUILD)/obj/dpvs/src/core/rcu.o \
		$(BUILD)/obj/dpvs/src/core/log.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# Fragments and ICMP errors need mbufs, so an EAL.
$(BUILD)/tests/test_ipv4_pmtu: $(BUILD)/obj/dpvs/tests/unit/test_ipv4_pmtu.o \
		$(BUILD)/obj/dpvs/src/net/ipv4_pmtu.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# Kernel-path classification: mbufs and the route table on an EAL.
$(BUILD)/tests/test_kni_class: $(BUILD)/obj/dpvs/tests/unit/test_kni_class.o \
		$(BUILD)/obj/dpvs/src/net/kni_class.o $(BUILD)/obj/dpvs/src/net/route.o \
		$(BUILD)/obj/dpvs/src/core/rcu.o $(BUILD)/obj/dpvs/src/core/log.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# Persistence templates: a real rte_hash; no workers, so RCU is a no-op.
$(BUILD)/tests/test_ipvs_persist: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_persist.o \
		$(BUILD)/obj/dpvs/src/ipvs/ipvs_persist.o $(BUILD)/obj/dpvs/src/core/rcu.o \
		$(BUILD)/obj/dpvs/src/core/log.o \
		$(patsubst %.c,$(BUILD)/obj/%.o,$(SCHED_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# Golden-packet tests of header-only code: DPDK headers, no EAL.
$(BUILD)/tests/test_nat_rewrite: $(BUILD)/obj/dpvs/tests/unit/test_nat_rewrite.o \
		$(BUILD)/obj/dpvs/src/ipvs/ipvs_proto.o \
		$(BUILD)/obj/dpvs/src/ipvs/proto_tcp.o $(BUILD)/obj/dpvs/src/ipvs/proto_udp.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka

# Fuzz targets (docs/testing.md): clang's libFuzzer, always with
# ASan+UBSan.  The control-op and packet targets run the real daemon in
# process, so its objects are built again with coverage in fuzz-obj/.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 $(WARN) -iquote dpvs/lib \
	-iquote dpvs/src -iquote dpvs/tests/fuzz -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := fuzz_ctrl_request fuzz_ctrl_ops fuzz_packet
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/%)
FUZZ_SRCS := dpvs/tests/fuzz/fuzz_ctrl_request.c dpvs/src/ctrl/ctrl_session.c \
	dpvs/src/ctrl/ctrl_dispatch.c dpvs/src/core/log.c dpvs/lib/wire.c
$(BUILD)/fuzz_ctrl_request: $(FUZZ_SRCS) $(shell find dpvs/src -name '*.h') $(wildcard dpvs/lib/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_SRCS) -lpthread

FUZZ_DAEMON_OBJS := $(patsubst %.c,$(BUILD)/fuzz-obj/%.o,$(DAEMON_SRCS) \
	dpvs/lib/wire.c dpvs/lib/wire_ipvs.c dpvs/lib/wire_stats.c \
	dpvs/tests/fuzz/fuzz_daemon.c)
$(BUILD)/fuzz-obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC FUZZ $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(DPDK_CFLAGS) \
		-MMD -MP -c $< -o $@

$(BUILD)/fuzz_ctrl_ops $(BUILD)/fuzz_packet: $(BUILD)/%: \
		$(BUILD)/fuzz-obj/dpvs/tests/fuzz/%.o $(FUZZ_DAEMON_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(DPDK_LIBS) \
		$(CONFIG_LIBS) -lpthread

# `make fuzz` runs each target FUZZ_SECONDS (10 minutes); `make check`
# runs each for 25 s.  Both print every target's runs and coverage.
fuzz: FUZZ_SECONDS ?= 600
fuzz: $(FUZZ_BINS)
	@rc=0; for t in $(FUZZ_TARGETS); do \
		dpvs/tests/run-fuzz.sh $(BUILD)/$$t $(FUZZ_SECONDS) || rc=1; \
	done; exit $$rc

# The soak test (ha-tests/test_soak.py, 30 s in `make check`) at length;
# its other knobs (SOAK_FLOOD_PPS...) pass through the environment.
soak: SOAK_SECONDS ?= 600
soak: SOAK_RELOAD_EVERY ?= 20
soak: SOAK_DRAIN ?= 130
soak: deps
	$(MAKE) $(BINS) build/keepalived
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_RELOAD_EVERY=$(SOAK_RELOAD_EVERY) \
		SOAK_DRAIN=$(SOAK_DRAIN) BUILD=$(BUILD) /usr/bin/python3 -m pytest \
		-q -s -p no:cacheprovider ha-tests/test_soak.py

unit: $(TESTS)
	@for t in $(TESTS); do $$t || exit 1; done

check: deps
	$(MAKE) all $(FUZZ_BINS)
	BUILD=$(BUILD) SAN=$(SAN) dpvs/tests/run-checks.sh

# Two parts: the keepalived-driven active/standby pair with a failover,
# then one load balancer driven by hand, ending with an SNMP walk.
demo: deps
	$(MAKE) $(BINS) mibs build/keepalived
	BUILD=$(BUILD) /usr/bin/python3 ha-tests/demo_ha.py
	BUILD=$(BUILD) dpvs/tests/demo.sh

# Benchmarks: figures, never pass/fail (docs/performance.md).
$(BUILD)/ctrl_bench: $(BUILD)/obj/dpvs/bench/ctrl_bench.o $(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lpthread

$(BUILD)/pcap_gen: $(BUILD)/obj/dpvs/bench/pcap_gen.o
	$(CC) $(LDFLAGS_BASE) -o $@ $^

# dpdk-testpmd from Debian's dpdk source package (dpvs/bench/testpmd-build.sh).
$(BUILD)/dpdk-testpmd: dpvs/bench/testpmd-build.sh
	dpvs/bench/testpmd-build.sh $(BUILD)

bench: deps
	$(MAKE) $(BINS) $(BUILD)/ctrl_bench $(BUILD)/pcap_gen $(BUILD)/dpdk-testpmd build/keepalived
	BUILD=$(BUILD) dpvs/bench/run-bench.sh

# The keepalived-driven active/standby pair, with a failover.
demo-ha: deps
	$(MAKE) $(BINS) build/keepalived
	BUILD=$(BUILD) /usr/bin/python3 ha-tests/demo_ha.py

# Installs the daemon, tools, subagent, library and MIB (DESTDIR for
# staging).  The MIB goes where net-snmp's tools and snmpd look for MIBs.
PREFIX ?= /usr/local
SNMP_MIBDIR ?= /usr/share/snmp/mibs
install: $(BINS) mibs
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(SNMP_MIBDIR)
	install -m 755 $(BUILD)/dpvs $(BUILD)/dpvs-snmp $(DESTDIR)$(PREFIX)/sbin/
	install -m 755 $(BUILD)/dpvsctl $(BUILD)/dpip $(BUILD)/dpvsadm $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(BUILD)/libdpvs.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(BUILD)/libdpvs.so.0 $(DESTDIR)$(PREFIX)/lib/
	ln -sf libdpvs.so.0 $(DESTDIR)$(PREFIX)/lib/libdpvs.so
	install -m 644 dpvs/lib/libdpvs.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 snmp/DPVS-MIB.txt $(DESTDIR)$(SNMP_MIBDIR)/
	if [ -x build/keepalived ]; then install -m 755 build/keepalived $(DESTDIR)$(PREFIX)/sbin/; fi

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj $(BUILD)/pic $(BUILD)/fuzz-obj -name '*.d' 2>/dev/null)
