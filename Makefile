# dpvs: top-level build.
#
# Targets (`make help` prints this list; every .PHONY target has a line):
#   make, make all    build dpvs, libdpvs, the tools, dpvs-snmp, dpvs-exporter, keepalived, MIBs, unit tests
#   make SAN=1 ...    any target built with AddressSanitizer + UBSan, into build-san/
#   make deps         install the Debian packages the project needs (no-op if present)
#   make check        deps + build + every test stage, ending with a summary line
#   make check SAN=1  the same checks on the sanitizer build
#   make unit         build and run only the unit tests
#   make fuzz         run every fuzz target FUZZ_SECONDS (600) each
#   make demo         deps + build + a keepalived-driven pair, then one LB by hand
#   make demo-ha      only the keepalived-driven active/standby pair, with a failover
#   make bench        benchmarks (about 11 min): prints a table, writes build/bench.csv, .png
#   make soak         traffic, churn, reloads and floods for SOAK_SECONDS (600); leaks, losses
#   make keepalived   only build/keepalived: keepalived 2.2.7 with keepalived/
#   make mibs         only the MIBs for snmpd and snmpwalk, in build/mibs/
#   make install      install under PREFIX (/usr/local) the layout of the packages (DESTDIR stages)
#   make deb          the Debian packages in build/deb/ (dpkg-buildpackage; docs/packaging.md)
#   make man          only the man pages, roff from docs/*.md, in build/man/
#   make clean        remove build/ and build-san/
#   make help         this list
#   make build/fuzz_packet (fuzz_ctrl_ops, fuzz_ctrl_request, fuzz_sync_msg)  build one fuzz target only

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
# exporter: dpvs-exporter's HTTP library; promtool and the server its tests use.
DEPS += libmicrohttpd-dev prometheus
# systemd part: sd_notify and the journal (libsystemd), systemd-analyze verify.
DEPS += libsystemd-dev systemd
# deb: make deb, the man pages, lintian (docs/packaging.md).
DEPS += debhelper dpkg-dev fakeroot lintian pandoc
# The packages booted under systemd (ha-tests/packaging/test_units_nspawn.py).
DEPS += debootstrap systemd-container

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
# The project's one version number (packages, --version, the wire's
# version record) is the VERSION file.
VERSION := $(shell cat VERSION)
# PKG_CFLAGS, PKG_LDFLAGS: dpkg-buildflags' hardening for the packages.
CFLAGS_BASE := -std=gnu11 -D_GNU_SOURCE -DDPVS_VERSION='"$(VERSION)"' $(OPT) $(WARN) $(SANFLAGS) \
	$(PKG_CFLAGS)
DPDK_CFLAGS = $(shell pkg-config --cflags libdpdk 2>/dev/null)
# libcrypto: the HMAC of the HA sync messages (dpvs/src/ha/).
DPDK_LIBS = $(shell pkg-config --libs libdpdk 2>/dev/null) -lcrypto
# libsystemd: the notify protocol (core/notify.c) and the journal log
# target (core/log.c); every link of log.o names it.
SYSTEMD_LIBS := -lsystemd
DPDK_LIBS += $(SYSTEMD_LIBS)
CONFIG_LIBS = $(shell pkg-config --libs libconfig 2>/dev/null)
LDFLAGS_BASE := $(SANFLAGS) $(PKG_LDFLAGS)

LIB_SRCS := dpvs/lib/wire.c dpvs/lib/wire_ipvs.c dpvs/lib/wire_stats.c \
	dpvs/lib/fwd_modes.c dpvs/lib/libdpvs.c dpvs/lib/lib_call.c \
	dpvs/lib/lib_core.c dpvs/lib/lib_netif.c dpvs/lib/lib_ipvs.c \
	dpvs/lib/lib_stats.c dpvs/lib/wire_ha.c dpvs/lib/lib_ha.c
DAEMON_SRCS := $(filter-out dpvs/src/main.c,$(shell find dpvs/src -name '*.c' | sort))
SCHED_SRCS := $(wildcard dpvs/src/ipvs/sched/*.c)
# The services, their real servers and local addresses, snapshots,
# references, counters and rates: linked whole by tests that need them.
IPVS_SVC_SRCS := $(addprefix dpvs/src/ipvs/,ipvs_svc.c ipvs_dest.c ipvs_laddr.c \
	ipvs_snap.c ipvs_refs.c ipvs_counters.c ipvs_rate.c ipvs_stats.c)
WIRE_TESTS := test_wire_codec test_wire_info test_wire_net test_wire_ipvs \
	test_wire_stats test_wire_ha
CONF_TESTS := test_conf_load test_conf_keys test_conf_queues test_conf_reload
CTRL_TESTS := test_ctrl_dispatch test_ctrl_session_framing \
	test_ctrl_session_limits
UNIT_TESTS := $(WIRE_TESTS) $(CONF_TESTS) test_cmdline $(CTRL_TESTS) test_msgbus \
	test_nat_rewrite test_proxy_proto test_ipvs_conn test_ipvs_persist test_sched \
	test_sched_lbl test_ipv4_pmtu \
	test_kni_class test_nat_reg test_dpvsadm_parse test_dpip_parse \
	test_ipvs_svc test_route test_ipv4 test_neigh test_evloop test_ipvs_golden \
	test_ipvs_ctl test_sync_msg test_ha_lease test_ipvs_sync test_ipvs_sync_dir \
	test_dpvsctl_ha_parse

LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/pic/%.o)
DAEMON_OBJS := $(DAEMON_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/dpvs/lib/wire.o \
	$(BUILD)/obj/dpvs/lib/wire_ipvs.o $(BUILD)/obj/dpvs/lib/wire_stats.o \
	$(BUILD)/obj/dpvs/lib/wire_ha.o $(BUILD)/obj/dpvs/lib/fwd_modes.o

BINS := $(BUILD)/dpvs $(BUILD)/dpvsctl $(BUILD)/dpip $(BUILD)/dpvsadm $(BUILD)/libdpvs.a \
	$(BUILD)/libdpvs.so $(BUILD)/dpvs-snmp
# The Prometheus exporter (exporter/).
BINS += $(BUILD)/dpvs-exporter
# The HA sync engine's pure decisions (ha/sync_pace.c).
UNIT_TESTS += test_sync_pace
# af_packet ports' links from the kernel (net/kif_link.c).
UNIT_TESTS += test_kif_link
# The devargs af_packet ports are probed with (net/afp_args.c).
UNIT_TESTS += test_afp_args
# dpvs-exporter's exposition writer (exporter/expo.c).
UNIT_TESTS += test_exporter_expo
# The start-up checks against fake /proc and /sys trees (core/preflight*.c).
UNIT_TESTS += test_preflight
# IPv6 (docs/network.md "IPv6"): each part's tests and their link rules.
# The fragments come before `all`, so the default goal is named here.
.DEFAULT_GOAL := all
include $(sort $(wildcard mk/*.mk))
TESTS := $(UNIT_TESTS:%=$(BUILD)/tests/%)

.PHONY: all deps check demo demo-ha bench fuzz soak clean help unit keepalived mibs install deb man
all: $(BINS) $(TESTS) $(BUILD)/pcap_gen keepalived mibs

# MIBs for snmpd, snmpwalk and smilint, in build/mibs: the SMIv2 base
# modules (see snmp/fetch-mibs.sh) and the project's own.
mibs: build/mibs/SNMPv2-SMI.txt build/mibs/DPVS-MIB.txt
build/mibs/SNMPv2-SMI.txt: snmp/fetch-mibs.sh
	snmp/fetch-mibs.sh build/mibs
build/mibs/DPVS-MIB.txt: snmp/DPVS-MIB.txt
	@mkdir -p $(@D)
	cp $< $@

# keepalived 2.2.7 from Debian's source archive with keepalived/ (its
# new files in src/, the hooks in patches/), linked with libdpvs.  Always
# an ordinary build in build/ (a sanitizer libdpvs would not link into
# it); about a minute the first time.
keepalived: build/keepalived
ifeq ($(BUILD),build)
build/keepalived: build/libdpvs.a dpvs/lib/libdpvs.h $(shell find keepalived -type f)
	keepalived/build.sh build
else
.PHONY: build/keepalived
build/keepalived:
	$(MAKE) SAN= BUILD=build build/keepalived
endif

# Prints the list at the top of this file, and names any .PHONY target
# that list forgot.
help:
	@sed -n '/^# Targets/,/^$$/s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))
	@for t in $$(sed -n 's/^\.PHONY: *//p' $(firstword $(MAKEFILE_LIST))); do \
		case $$t in */*) continue;; esac; \
		grep -Eq "^#   make[ ,](.*[ ,])?$$t( |,|$$)" $(firstword $(MAKEFILE_LIST)) || \
			echo "help: target $$t has no line in this list"; \
	done

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
$(BUILD)/obj/exporter/%.o: INC := $(INC_LIB) -iquote exporter

$(BUILD)/obj/%.o: %.c VERSION
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) $(INC) -MMD -MP -c $< -o $@

$(BUILD)/pic/%.o: %.c VERSION
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
	$(CC) $(LDFLAGS_BASE) -shared -Wl,-soname,libdpvs.so.1 \
		-Wl,--version-script=dpvs/lib/libdpvs.map -o $@.1 $(LIB_OBJS)
	ln -sf libdpvs.so.1 $@

$(BUILD)/dpvsctl: $(BUILD)/obj/dpvs/tools/dpvsctl.o $(BUILD)/obj/dpvs/tools/dpvsctl_ha.o \
		$(BUILD)/obj/dpvs/tools/dpvsctl_ha_parse.o \
		$(BUILD)/obj/dpvs/tools/cli_util.o $(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^

DPVSADM_SRCS := $(wildcard dpvs/tools/dpvsadm*.c)
$(BUILD)/dpvsadm: $(DPVSADM_SRCS:%.c=$(BUILD)/obj/%.o) \
		$(BUILD)/obj/dpvs/tools/cli_util.o $(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^

$(BUILD)/dpip: $(BUILD)/obj/dpvs/tools/dpip.o $(BUILD)/obj/dpvs/tools/dpip_parse.o \
		$(BUILD)/obj/dpvs/tools/cli_util.o $(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^

# The SNMP subagent: net-snmp's agent library and libdpvs, no DPDK.
SNMP_SRCS := $(wildcard snmp/*.c)
SNMP_LIBS := -lnetsnmpagent -lnetsnmp
$(BUILD)/dpvs-snmp: $(SNMP_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(SNMP_LIBS)

# The Prometheus exporter: libmicrohttpd and libdpvs, no DPDK.
EXPORTER_SRCS := $(wildcard exporter/*.c)
$(BUILD)/dpvs-exporter: $(EXPORTER_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdpvs.a
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lmicrohttpd -lpthread

# Unit tests: cmocka; the pure ones link no DPDK.
$(WIRE_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
		$(BUILD)/obj/dpvs/tests/unit/%.o $(BUILD)/libdpvs.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# The tools' parsers alone: no daemon, no socket, and the tools' includes.
$(BUILD)/obj/dpvs/tests/unit/test_dpvsadm_parse.o \
$(BUILD)/obj/dpvs/tests/unit/test_dpip_parse.o \
$(BUILD)/obj/dpvs/tests/unit/test_dpvsctl_ha_parse.o: INC := $(INC_LIB) -iquote dpvs/tools
$(BUILD)/tests/test_dpvsadm_parse: $(BUILD)/obj/dpvs/tests/unit/test_dpvsadm_parse.o \
		$(BUILD)/obj/dpvs/tools/dpvsadm_parse.o \
		$(BUILD)/obj/dpvs/tools/cli_util.o $(BUILD)/libdpvs.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_dpvsctl_ha_parse: \
		$(BUILD)/obj/dpvs/tests/unit/test_dpvsctl_ha_parse.o \
		$(BUILD)/obj/dpvs/tools/dpvsctl_ha_parse.o \
		$(BUILD)/obj/dpvs/tools/cli_util.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_dpip_parse: $(BUILD)/obj/dpvs/tests/unit/test_dpip_parse.o \
		$(BUILD)/obj/dpvs/tools/dpip_parse.o \
		$(BUILD)/obj/dpvs/tools/cli_util.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

$(CONF_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
		$(BUILD)/obj/dpvs/tests/unit/%.o \
		$(BUILD)/obj/dpvs/src/core/conf.o $(BUILD)/obj/dpvs/src/core/log.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(CONFIG_LIBS) $(SYSTEMD_LIBS) -lcmocka -lpthread

$(BUILD)/tests/test_cmdline: $(BUILD)/obj/dpvs/tests/unit/test_cmdline.o \
		$(BUILD)/obj/dpvs/src/core/cmdline.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

$(CTRL_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: \
		$(BUILD)/obj/dpvs/tests/unit/%.o \
		$(BUILD)/obj/dpvs/tests/unit/test_ctrl_util.o \
		$(BUILD)/obj/dpvs/src/ctrl/ctrl_session.o $(BUILD)/obj/dpvs/src/ctrl/ctrl_dispatch.o \
		$(BUILD)/obj/dpvs/src/core/log.o $(BUILD)/obj/dpvs/lib/wire.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(SYSTEMD_LIBS) -lcmocka -lpthread

$(BUILD)/tests/test_msgbus: $(BUILD)/obj/dpvs/tests/unit/test_msgbus.o \
		$(BUILD)/obj/dpvs/src/core/msgbus.o $(BUILD)/obj/dpvs/src/core/lcore.o \
		$(BUILD)/obj/dpvs/src/core/log.o $(BUILD)/obj/dpvs/src/core/conf.o \
		$(BUILD)/obj/dpvs/src/core/rcu.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# The sync datagram: pure code and libcrypto's HMAC.
$(BUILD)/tests/test_sync_msg: $(BUILD)/obj/dpvs/tests/unit/test_sync_msg.o \
		$(BUILD)/obj/dpvs/src/ha/sync_msg.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcrypto -lcmocka

# The schedulers are pure: only their own objects.
$(BUILD)/tests/test_sched: $(BUILD)/obj/dpvs/tests/unit/test_sched.o \
		$(patsubst %.c,$(BUILD)/obj/%.o,$(SCHED_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

$(BUILD)/tests/test_sched_lbl: $(BUILD)/obj/dpvs/tests/unit/test_sched_lbl.o \
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
$(BUILD)/tests/test_ipvs_golden $(BUILD)/tests/test_ipvs_ctl \
		$(BUILD)/tests/test_ha_lease: \
		$(BUILD)/tests/%: \
		$(BUILD)/obj/dpvs/tests/unit/%.o \
		$(BUILD)/obj/dpvs/tests/unit/test_inproc.o \
		$(BUILD)/obj/dpvs/tests/fuzz/fuzz_daemon.o $(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# Connection sync's data plane on the same daemon, its set-up shared.
$(BUILD)/tests/test_ipvs_sync $(BUILD)/tests/test_ipvs_sync_dir: \
		$(BUILD)/tests/%: \
		$(BUILD)/obj/dpvs/tests/unit/%.o \
		$(BUILD)/obj/dpvs/tests/unit/test_ipvs_sync_env.o \
		$(BUILD)/obj/dpvs/tests/unit/test_inproc.o \
		$(BUILD)/obj/dpvs/tests/fuzz/fuzz_daemon.o $(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# The NAT reply registry: two lcores and the real QSBR variable.
$(BUILD)/tests/test_nat_reg: $(BUILD)/obj/dpvs/tests/unit/test_nat_reg.o \
		$(BUILD)/obj/dpvs/src/ipvs/nat_reg.o $(BUILD)/obj/dpvs/src/ipvs/owner_reg.o \
		$(BUILD)/obj/dpvs/src/core/rcu.o \
		$(BUILD)/obj/dpvs/src/core/log.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# Fragments and ICMP errors need mbufs, so an EAL.
$(BUILD)/tests/test_ipv4_pmtu: $(BUILD)/obj/dpvs/tests/unit/test_ipv4_pmtu.o \
		$(BUILD)/obj/dpvs/src/net/ipv4_pmtu.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# The sync engine's pure decisions: rates, bulk accounting, log pacing.
$(BUILD)/tests/test_sync_pace: $(BUILD)/obj/dpvs/tests/unit/test_sync_pace.o \
		$(BUILD)/obj/dpvs/src/ha/sync_pace.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# af_packet ports' links from the kernel: devargs, SIOCGIFFLAGS.
$(BUILD)/tests/test_kif_link: $(BUILD)/obj/dpvs/tests/unit/test_kif_link.o \
		$(BUILD)/obj/dpvs/src/net/kif_link.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# dpvs-exporter's exposition writer: pure code (exporter/expo.c).
$(BUILD)/obj/dpvs/tests/unit/test_exporter_expo.o: INC := $(INC_LIB) -iquote exporter
$(BUILD)/tests/test_exporter_expo: $(BUILD)/obj/dpvs/tests/unit/test_exporter_expo.o \
		$(BUILD)/obj/exporter/expo.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# af_packet devargs: the qdisc kept unless the operator chooses.
$(BUILD)/tests/test_afp_args: $(BUILD)/obj/dpvs/tests/unit/test_afp_args.o \
		$(BUILD)/obj/dpvs/src/net/afp_args.o \
		$(BUILD)/obj/dpvs/src/net/kif_link.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# The start-up checks: pure decisions over fake /proc and /sys trees.
$(BUILD)/tests/test_preflight: $(BUILD)/obj/dpvs/tests/unit/test_preflight.o \
		$(BUILD)/obj/dpvs/src/core/preflight.o \
		$(BUILD)/obj/dpvs/src/core/preflight_eal.o \
		$(BUILD)/obj/dpvs/src/core/preflight_sys.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ -lcmocka

# Kernel-path classification: mbufs and the route table on an EAL.
$(BUILD)/tests/test_kni_class: $(BUILD)/obj/dpvs/tests/unit/test_kni_class.o \
		$(BUILD)/obj/dpvs/src/net/kni_class.o $(BUILD)/obj/dpvs/src/net/route.o \
		$(BUILD)/obj/dpvs/src/core/rcu.o $(BUILD)/obj/dpvs/src/core/log.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# net: the route table alone; the IPv4 input path and the neighbour
# table with the daemon's objects (the path calls into the whole stack).
$(BUILD)/tests/test_route: $(BUILD)/obj/dpvs/tests/unit/test_route.o \
		$(BUILD)/obj/dpvs/src/net/route.o $(BUILD)/obj/dpvs/src/core/rcu.o \
		$(BUILD)/obj/dpvs/src/core/log.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# The master's event loop and timers: core alone.
$(BUILD)/tests/test_evloop: $(BUILD)/obj/dpvs/tests/unit/test_evloop.o \
		$(BUILD)/obj/dpvs/src/core/evloop.o $(BUILD)/obj/dpvs/src/core/timer.o \
		$(BUILD)/obj/dpvs/src/core/lcore.o $(BUILD)/obj/dpvs/src/core/rcu.o \
		$(BUILD)/obj/dpvs/src/core/log.o $(BUILD)/obj/dpvs/src/core/conf.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

$(BUILD)/tests/test_ipv4 $(BUILD)/tests/test_neigh: $(BUILD)/tests/%: \
		$(BUILD)/obj/dpvs/tests/unit/%.o $(DAEMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# Persistence templates: a real rte_hash; no workers, so RCU is a no-op.
$(BUILD)/tests/test_ipvs_persist: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_persist.o \
		$(BUILD)/obj/dpvs/src/ipvs/ipvs_persist.o $(BUILD)/obj/dpvs/src/core/rcu.o \
		$(BUILD)/obj/dpvs/src/core/log.o \
		$(patsubst %.c,$(BUILD)/obj/%.o,$(SCHED_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

# The service table: snapshots and references with a reader on a
# second lcore (RCU); it links what test_ipvs_conn does.
$(BUILD)/tests/test_ipvs_svc: $(BUILD)/obj/dpvs/tests/unit/test_ipvs_svc.o \
		$(BUILD)/daemon.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) $(CONFIG_LIBS) -lcmocka -lpthread

# Golden-packet tests of header-only code: DPDK headers, no EAL.
$(BUILD)/tests/test_nat_rewrite: $(BUILD)/obj/dpvs/tests/unit/test_nat_rewrite.o \
		$(BUILD)/obj/dpvs/src/ipvs/ipvs_proto.o \
		$(BUILD)/obj/dpvs/src/ipvs/proto_tcp.o $(BUILD)/obj/dpvs/src/ipvs/proto_udp.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka

$(BUILD)/tests/test_proxy_proto: $(BUILD)/obj/dpvs/tests/unit/test_proxy_proto.o \
		$(BUILD)/obj/dpvs/src/ipvs/proxy_proto.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_BASE) -o $@ $^ $(DPDK_LIBS) -lcmocka

# Fuzz targets (docs/testing.md): clang's libFuzzer, always with
# ASan+UBSan.  The control-op and packet targets run the real daemon in
# process, so its objects are built again with coverage in fuzz-obj/.
FUZZ_CC := clang
FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DDPVS_VERSION='"$(VERSION)"' -g -O1 $(WARN) -iquote dpvs/lib \
	-iquote dpvs/src -iquote dpvs/tests/fuzz -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := fuzz_ctrl_request fuzz_ctrl_ops fuzz_packet fuzz_sync_msg \
	fuzz_ipv6_parse
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/%)
FUZZ_SRCS := dpvs/tests/fuzz/fuzz_ctrl_request.c dpvs/src/ctrl/ctrl_session.c \
	dpvs/src/ctrl/ctrl_dispatch.c dpvs/src/core/log.c dpvs/lib/wire.c
$(BUILD)/fuzz_ctrl_request: $(FUZZ_SRCS) $(shell find dpvs/src -name '*.h') $(wildcard dpvs/lib/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_SRCS) $(SYSTEMD_LIBS) -lpthread

# The sync datagram's parser and verifier: pure code and libcrypto.
FUZZ_SYNC_SRCS := dpvs/tests/fuzz/fuzz_sync_msg.c dpvs/src/ha/sync_msg.c
$(BUILD)/fuzz_sync_msg: $(FUZZ_SYNC_SRCS) dpvs/src/ha/sync_msg.h dpvs/src/ipvs/ipvs_sync.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_SYNC_SRCS) -lcrypto

# The IPv6 extension-header walk: pure code.
FUZZ_IPV6_SRCS := dpvs/tests/fuzz/fuzz_ipv6_parse.c dpvs/src/net/ipv6_parse.c
$(BUILD)/fuzz_ipv6_parse: $(FUZZ_IPV6_SRCS) dpvs/src/net/ipv6_parse.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $(FUZZ_IPV6_SRCS)

FUZZ_DAEMON_OBJS := $(patsubst %.c,$(BUILD)/fuzz-obj/%.o,$(DAEMON_SRCS) \
	dpvs/lib/wire.c dpvs/lib/wire_ipvs.c dpvs/lib/wire_stats.c \
	dpvs/lib/wire_ha.c dpvs/lib/fwd_modes.c dpvs/tests/fuzz/fuzz_daemon.c)
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
# runs each for 19 s.  Both print every target's runs and coverage.
fuzz: FUZZ_SECONDS ?= 600
fuzz: $(FUZZ_BINS)
	@rc=0; for t in $(FUZZ_TARGETS); do \
		dpvs/tests/run-fuzz.sh $(BUILD)/$$t $(FUZZ_SECONDS) || rc=1; \
	done; exit $$rc

# The soak test (ha-tests/robustness/test_soak.py, 30 s in `make check`)
# at length; its other knobs (SOAK_FLOOD_PPS...) pass through the
# environment.  Then the HA tests' long variants: 100 idle connections
# per method, the nopreempt return, partition flaps, one worker.
soak: SOAK_SECONDS ?= 600
soak: SOAK_RELOAD_EVERY ?= 20
soak: SOAK_DRAIN ?= 130
soak: deps
	$(MAKE) $(BINS) build/keepalived
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_RELOAD_EVERY=$(SOAK_RELOAD_EVERY) \
		SOAK_DRAIN=$(SOAK_DRAIN) BUILD=$(BUILD) /usr/bin/python3 -m pytest \
		-q -s -p no:cacheprovider ha-tests/robustness/test_soak.py
	HA_SOAK=1 HA_IDLE_CONNS=100 BUILD=$(BUILD) /usr/bin/python3 -m pytest \
		-q -s -p no:cacheprovider ha-tests/ha/test_failover.py \
		ha-tests/ha/test_split_brain.py
	HA_SOAK=1 HA_WORKERS=1 BUILD=$(BUILD) /usr/bin/python3 -m pytest \
		-q -s -p no:cacheprovider ha-tests/ha/test_failover.py

unit: $(TESTS)
	@for t in $(TESTS); do $$t || exit 1; done

check: deps
	$(MAKE) all $(FUZZ_BINS)
	BUILD=$(BUILD) SAN=$(SAN) UNIT_TESTS="$(UNIT_TESTS)" FUZZ_TARGETS="$(FUZZ_TARGETS)" \
		dpvs/tests/run-checks.sh

# Two parts: the keepalived-driven active/standby pair with a failover,
# then one load balancer driven by hand, ending with an SNMP walk.
demo: deps
	$(MAKE) $(BINS) mibs build/keepalived
	BUILD=$(BUILD) /usr/bin/python3 demo/demo_ha.py
	BUILD=$(BUILD) demo/demo.sh

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
	BUILD=$(BUILD) /usr/bin/python3 demo/demo_ha.py

# Man pages: roff from the man-style pages of docs/ (pandoc).
MAN8 := $(patsubst docs/%.md,$(BUILD)/man/%.8,$(addprefix docs/, \
	dpvs.md dpvsctl.md dpip.md dpvsadm.md dpvs-snmp.md dpvs-exporter.md \
	dpvs-keepalived.md))
man: $(MAN8)
$(BUILD)/man/%.8: docs/%.md packaging/md2man.sh VERSION
	@mkdir -p $(@D)
	packaging/md2man.sh $< 8 $(VERSION) > $@

# The layout the packages install (docs/packaging.md); DESTDIR stages.
# systemd looks for units in /lib/systemd/system on Debian 12 and in
# PREFIX/lib/systemd/system for another prefix.
PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
LIBDIR ?= $(PREFIX)/lib/$(shell $(CC) -print-multiarch)
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
SNMP_MIBDIR ?= /usr/share/snmp/mibs
# The group that may use the control socket (the exporter's unit runs in
# it); the installed dpvs.conf names it, and the package's postinst or an
# install without DESTDIR creates it.
CTRL_GROUP := dpvs
D := $(DESTDIR)
install: $(BINS) build/keepalived $(MAN8)
	install -d $(D)$(PREFIX)/sbin $(D)$(PREFIX)/bin $(D)$(LIBDIR)/pkgconfig \
		$(D)$(INCLUDEDIR) $(D)$(SNMP_MIBDIR) $(D)$(MANDIR)/man8 \
		$(D)$(SYSCONFDIR)/dpvs $(D)$(SYSCONFDIR)/default $(D)$(UNITDIR) \
		$(D)$(DOCDIR)/dpvs-keepalived/examples
	install -m 755 $(BUILD)/dpvs $(BUILD)/dpvs-snmp $(D)$(PREFIX)/sbin/
	install -m 755 $(BUILD)/dpvs-exporter $(D)$(PREFIX)/sbin/
	install -m 755 build/keepalived $(D)$(PREFIX)/sbin/dpvs-keepalived
	install -m 755 $(BUILD)/dpvsctl $(BUILD)/dpip $(BUILD)/dpvsadm $(D)$(PREFIX)/bin/
	install -m 644 $(BUILD)/libdpvs.a $(BUILD)/libdpvs.so.1 $(D)$(LIBDIR)/
	ln -sf libdpvs.so.1 $(D)$(LIBDIR)/libdpvs.so
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|; s|@VERSION@|$(VERSION)|' \
		packaging/libdpvs.pc.in > $(D)$(LIBDIR)/pkgconfig/libdpvs.pc
	install -m 644 dpvs/lib/libdpvs.h $(D)$(INCLUDEDIR)/
	install -m 644 snmp/DPVS-MIB.txt $(D)$(SNMP_MIBDIR)/
	for m in $(MAN8); do gzip -9n < $$m > $(D)$(MANDIR)/man8/$${m##*/}.gz; done
	[ -e $(D)$(SYSCONFDIR)/dpvs/dpvs.conf ] || \
		sed 's/^    group = "";/    group = "$(CTRL_GROUP)";/' conf/dpvs.conf.sample \
			> $(D)$(SYSCONFDIR)/dpvs/dpvs.conf
	$(if $(D),,getent group $(CTRL_GROUP) >/dev/null || groupadd --system $(CTRL_GROUP))
	[ -e $(D)$(SYSCONFDIR)/dpvs/keepalived.conf ] || \
		install -m 644 conf/dpvs-keepalived.conf $(D)$(SYSCONFDIR)/dpvs/keepalived.conf
	install -m 644 conf/keepalived.conf.sample conf/keepalived-dr.conf.sample \
		$(D)$(DOCDIR)/dpvs-keepalived/examples/
	for f in $(wildcard packaging/default/*); do \
		[ -e $(D)$(SYSCONFDIR)/default/$${f##*/} ] || install -m 644 $$f $(D)$(SYSCONFDIR)/default/; \
	done
	install -m 644 packaging/systemd/*.service $(D)$(UNITDIR)/

# The Debian packages (packaging/deb.sh): build/deb/*.deb, .buildinfo, .changes.
deb:
	packaging/deb.sh

clean:
	rm -rf build build-san

-include $(shell find $(BUILD)/obj $(BUILD)/pic $(BUILD)/fuzz-obj -name '*.d' 2>/dev/null)
