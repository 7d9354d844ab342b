#!/bin/bash
# make bench: control plane, keepalived at scale, the data plane on
# pcap-fed ports next to dpdk-testpmd, and end to end through network
# namespaces next to HAProxy and nginx.  Prints one table, writes
# $BUILD/bench.csv and $BUILD/bench.png (docs/performance.md).
# Figures only: nothing here passes or fails on a number.
#   BENCH_PARTS="ctrl testpmd newconn modes redirect scale v6 e2e ha"   parts to run (default all)
#   NSVC, NEWCONN, SCALES, ACKS, E2E_SECS, V6_SCALE: sizes (see below)
#   HUGE=both|yes|no, HUGE_SIZE=2M|1G: the data-plane rows' memory (huge.sh)
#   BENCH_LOGS=DIR: keep every program's log and configuration there
set -euo pipefail
[ -n "${BENCH_TRACE:-}" ] && set -x
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
NSVC=${NSVC:-20000}
PARTS=" ${BENCH_PARTS:-ctrl testpmd newconn modes redirect scale v6 e2e ha} "
NEWCONN=${NEWCONN:-1000000}          # distinct SYNs for the new-connection row
SCALES=${SCALES:-1000 100000 1000000 10000000}
ACKS=${ACKS:-262144}                 # ACK frames replayed for established rows
V6_SCALE=${V6_SCALE:-1000000}        # the large FullNAT v6 run (memory per conn)
work=$(mktemp -d /tmp/dpvs-bench.XXXXXX)
pids=()
netns=()
results=()
kind=nohuge                          # memory kind of the data-plane row running
. dpvs/bench/huge.sh

# Everything started is stopped and every namespace removed, also when
# a step fails or the run is interrupted.
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for ns in "${netns[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
	done
	wait 2>/dev/null || true
	for ns in "${netns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	huge_cleanup
	[ -z "${BENCH_LOGS:-}" ] || { mkdir -p "$BENCH_LOGS" && cp "$work"/*.log "$work"/*.conf "$BENCH_LOGS"/ 2>/dev/null; } || true
	rm -rf "$work" /var/run/dpdk/dpvs-bench-$$-* /var/run/dpdk/bench_e2e
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# what, value, unit, TSC cycles per packet (or -), reference row (or -), note
row() { results+=("$1|$2|$3|$4|$5|$6"); }
human() { case $1 in *000000) echo "${1%000000}M" ;; *000) echo "${1%000}K" ;; *) echo "$1" ;; esac; }

start_dpvs() { # name devargs pool workers-lcores
	local name=$1 dev=$2 pool=$3
	cat > "$work/$name.conf" <<CONF
global = { log_level = "warning";
           eal_args = [ "--no-huge", "-m", "1536", "--no-pci", "--file-prefix", "dpvs-bench-$$-$name" ]; };
netif = { devices = ( { name = "dpdk0"; device = "$dev"; kni = false; } ); };
workers = { lcores = ( { lcore = 1; queues = ( { port = "dpdk0"; rx = [0]; tx = [0]; } ); },
                       { lcore = 2; }, { lcore = 3; }, { lcore = 4; } ); };
ctrl = { ipc_file = "$work/$name.ipc"; };
ipvs = { conn_pool_size = $pool; max_services = 65536; };
neigh = { max_entries = 65536; };
CONF
	"$BUILD/dpvs" -c "$work/$name.conf" -p "$work/$name.pid" -- --lcores "$4" \
		> "$work/$name.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		"$BUILD/dpvsctl" -x "$work/$name.ipc" version >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$work/$name.log"; exit 1
}

part() { [[ $PARTS == *" $1 "* ]]; }
if part ctrl; then
echo "bench: control plane ($NSVC services x 4 real servers, 4 workers)"
start_dpvs ctrl "net_null0,no-rx=1" 65536 '0@0,(1-4)@1'
while read -r what value unit; do
	row "$what" "$value" "$unit" - - "libdpvs, one client"
done < <("$BUILD/ctrl_bench" "$work/ctrl.ipc" "$NSVC" 4)
t0=$(date +%s.%N)
"$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -L -n > /dev/null
row "dpvsadm_L_n_${NSVC}_services" "$(echo "($(date +%s.%N) - $t0) * 1000" | bc | cut -d. -f1)" ms - - "whole listing"
t0=$(date +%s.%N)
"$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -L -n -t 11.0.0.0:80 > /dev/null
row "dpvsadm_L_n_t_one_of_${NSVC}" "$(echo "($(date +%s.%N) - $t0) * 1000" | bc | cut -d. -f1)" ms - - "one service's listing"

echo "bench: keepalived loading $NSVC services x 4 real servers"
"$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -C
/usr/bin/python3 - "$work/ka.conf" "$NSVC" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    for i in range(n):
        vip = "11.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)
        f.write("virtual_server %s 80 {\n    lb_algo wlc\n    lb_kind DR\n"
                "    protocol TCP\n" % vip)
        for j in range(4):
            k = i * 4 + j
            f.write("    real_server 12.%d.%d.%d 80 {\n        weight 1\n    }\n"
                    % ((k >> 16) & 255, (k >> 8) & 255, k & 255))
        f.write("}\n")
PY
count() { "$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -L -n | grep -c '^TCP' || true; }
t0=$(date +%s.%N)
DPVS_IPC_FILE=$work/ctrl.ipc "$BUILD/keepalived" -n -l -G -C -f "$work/ka.conf" \
	-p "$work/ka.pid" -c "$work/kac.pid" -r "$work/kar.pid" > "$work/ka.log" 2>&1 &
kapid=$!
pids+=($kapid)
while [ "$(count)" -lt "$NSVC" ]; do sleep 0.5; done
row "keepalived_load_${NSVC}x4" "$(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)" s - - "start to all in dpvs"
sed -i '0,/lb_algo wlc/s//lb_algo rr/' "$work/ka.conf"
t0=$(date +%s.%N)
kill -HUP "$kapid"
# (No "| grep -q": with pipefail its early exit would fail the pipeline.)
# Polled with the one service's listing: dpvs gathers its 4 real servers'
# counters only, not all 80,000 (0.15 s a poll at 20,000 services).
until [[ $("$BUILD/dpvsadm" --ipc-file "$work/ctrl.ipc" -L -n -t 11.0.0.0:80) == *"TCP  11.0.0.0:80 rr"* ]]; do
	sleep 0.02
done
row "keepalived_reload_one_change" "$(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)" s - - "SIGHUP to change in dpvs"
kill "$kapid"; wait "$kapid" 2>/dev/null || true
kill "$(cat "$work/ctrl.pid")"
fi

# ---------------------------------------------------------------------
# Data plane: one worker on CPU 1, net_pcap in, net_null (no-rx=1) out.
# ---------------------------------------------------------------------
hz=$(awk '/cpu MHz/ { printf "%d", $4 * 1000000; exit }' /proc/cpuinfo)
cyc() { echo "$hz / $1" | bc; }                  # TSC cycles per event at $1/s
mpps() { echo "scale=3; $1 / 1000000" | bc | sed 's/^\./0./'; }
now() { date +%s.%N; }

# A data-plane dpvs in memory kind $kind (nohuge or huge): dp_conf
# writes its configuration and, for hugepages, reserves them (1 if that
# is not possible: the row is left out); dp_start runs it.  One worker
# on CPU 1 polling every port, unless dp_workers/dp_lcores say otherwise.
dp_conf() { # name mbufs conns devargs...
	local name=$1 mbufs=$2 conns=$3 devs="" qs="" i=0 mem
	shift 3
	for d in "$@"; do   # "DEVARGS[ TXQ]": TXQ tx queues (default 1)
		devs+="${devs:+, }{ name = \"dpdk$i\"; device = \"${d%% *}\"; kni = false;"
		[ "${d#* }" = "$d" ] || devs+=" tx_queues = ${d#* };"
		devs+=" }"
		qs+="${qs:+, }{ port = \"dpdk$i\"; rx = [0]; tx = [0]; }"
		i=$((i + 1))
	done
	dp_name=$name
	local wk=${dp_workers:-"{ lcore = 1; queues = ( $qs ); }"}
	# --no-huge: 4 KiB a mbuf (a 2.4 KB mbuf takes a page), untouched
	# memory costs nothing.  Hugepages are taken whole at start: what
	# dpvs's own start-up check asks for.
	mem=$(( mbufs * 4096 / 1048576 + conns / 1024 * 600 / 1024 + 1024 ))
	if [ "$kind" != huge ]; then
		dp_write "$name" "$(eal_mem nohuge "$mem")" "$mbufs" "$conns" "$devs" "$wk"
		return 0
	fi
	# -m 1 makes the check print its estimate (plus a quarter).
	dp_write "$name" "$(eal_mem nohuge 1)" "$mbufs" "$conns" "$devs" "$wk"
	mem=$("$BUILD/dpvs" -c "$work/$name.conf" 2>&1 | sed -n 's/.*give -m \([0-9]*\).*/\1/p' | head -1)
	mem=$(( ${mem:-1024} + 64 ))   # EAL's own, not in the estimate
	huge_reserve "$name" "$mem" || return 1
	dp_write "$name" "$(eal_mem huge "$mem")" "$mbufs" "$conns" "$devs" "$wk"
}
dp_write() { # name eal-mem mbufs conns devs workers
	cat > "$work/$1.conf" <<CONF
global = { log_level = "warning";
           eal_args = [ $2, "--no-pci", "--file-prefix", "dpvs-bench-$$-$1" ]; };
netif = { mbuf_pool_size = $3; devices = ( $5 ); };
workers = { idle_policy = "${dp_idle:-busy_poll}"; lcores = ( $6 ); };
ctrl = { ipc_file = "$work/$1.ipc"; sync_timeout_ms = 10000; };
ipvs = { conn_pool_size = $4; };
CONF
}
dp_start() {
	local name=$dp_name
	"$BUILD/dpvs" -c "$work/$name.conf" -p "$work/$name.pid" -- --lcores "${dp_lcores:-0@0,1@1}" \
		> "$work/$name.log" 2>&1 &
	dp_pid=$!
	pids+=($dp_pid)
	for _ in $(seq 1200); do
		"$BUILD/dpvsctl" -x "$work/$name.ipc" version >/dev/null 2>&1 && return 0
		kill -0 "$dp_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$work/$name.log"; exit 1
}
dp_stop() { kill "$dp_pid"; wait "$dp_pid" 2>/dev/null || true; huge_release; }
dstat() { "$BUILD/dpip" -x "$work/$1.ipc" -a stats | awk -v k="$2" '$1 == k { print $2 }'; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$dp_pid/status"; }

# Services and FullNAT local addresses for n connections: each local
# address gives one worker 64512 ports, a service takes 64 of them.
plan() { # n -> nsvc per
	local laddrs=$(( $1 / 60000 + 1 ))
	nsvc=$(( (laddrs + 63) / 64 ))
	per=$(( (laddrs + nsvc - 1) / nsvc ))
}

# VIP 10.0.0.100:80.. on in-dev; real server 10.0.9.2 (a static
# neighbour) behind out-dev; local addresses 10.0.10.1.. (FullNAT).
# The real servers go in last: until then nothing is forwarded.
lb_setup() { # name mode(b g m i) nsvc laddrs-per-service in-dev out-dev
	local ipc=$work/$1.ipc s l k ip
	"$BUILD/dpip" -x "$ipc" addr add 10.0.0.100/32 dev "$5"
	"$BUILD/dpip" -x "$ipc" addr add 10.0.9.1/24 dev "$6"
	"$BUILD/dpip" -x "$ipc" neigh add 10.0.9.2 lladdr 02:00:00:00:00:09 dev "$6"
	for ((s = 0; s < $3; s++)); do
		"$BUILD/dpvsadm" --ipc-file "$ipc" -A -t "10.0.0.100:$((80 + s))" -s rr
		[ "$2" = b ] || continue
		for ((l = 0; l < $4; l++)); do
			k=$((s * $4 + l)); ip=10.0.$((10 + k / 250)).$((1 + k % 250))
			"$BUILD/dpip" -x "$ipc" addr add "$ip/32" dev "$6" sapool
			"$BUILD/dpvsadm" --ipc-file "$ipc" -P -t "10.0.0.100:$((80 + s))" -z "$ip"
		done
	done
	for ((s = 0; s < $3; s++)); do
		"$BUILD/dpvsadm" --ipc-file "$ipc" -a -t "10.0.0.100:$((80 + s))" \
			-r "10.0.9.2:$((80 + s))" "-$2"
	done
}

# The same in IPv6: VIP [2001:db8::100]:80.. on in-dev, real server
# 2001:db8:9::2 behind out-dev, local addresses 2001:db8:a::1.. (DAD
# off: the ports have no one to ask).  NAT64 (mode 64): the v4 real
# server and local addresses of lb_setup behind the v6 VIP.
lb_setup6() { # name mode(b 64) nsvc laddrs-per-service in-dev out-dev
	local ipc=$work/$1.ipc s l k ip nb=2001:db8:9::2 rs=[2001:db8:9::2]
	"$BUILD/dpip" -x "$ipc" addr add 2001:db8::100/128 dev "$5" nodad
	if [ "$2" = 64 ]; then
		nb=10.0.9.2 rs=10.0.9.2
		"$BUILD/dpip" -x "$ipc" addr add 10.0.9.1/24 dev "$6"
	else
		"$BUILD/dpip" -x "$ipc" addr add 2001:db8:9::1/64 dev "$6" nodad
	fi
	"$BUILD/dpip" -x "$ipc" neigh add "$nb" lladdr 02:00:00:00:00:09 dev "$6"
	for ((s = 0; s < $3; s++)); do
		"$BUILD/dpvsadm" --ipc-file "$ipc" -A -t "[2001:db8::100]:$((80 + s))" -s rr
		for ((l = 0; l < $4; l++)); do
			k=$((s * $4 + l))
			if [ "$2" = 64 ]; then
				ip=10.0.$((10 + k / 250)).$((1 + k % 250))
				"$BUILD/dpip" -x "$ipc" addr add "$ip/32" dev "$6" sapool
			else
				ip=2001:db8:a::$(printf %x $((1 + k)))
				"$BUILD/dpip" -x "$ipc" addr add "$ip/128" dev "$6" sapool nodad
			fi
			"$BUILD/dpvsadm" --ipc-file "$ipc" -P -t "[2001:db8::100]:$((80 + s))" -z "$ip"
		done
	done
	for ((s = 0; s < $3; s++)); do
		"$BUILD/dpvsadm" --ipc-file "$ipc" -a -t "[2001:db8::100]:$((80 + s))" \
			-r "$rs:$((80 + s))" -b
	done
}

# Packets per second leaving by the out port's queue, over $2 seconds.
# Sets pps, and cpu_cyc: the worker's own CPU time per packet in TSC
# cycles, which unlike pps does not move with what else shares its CPU.
tx_rate() { # name seconds
	local a b t0 t1 c0 c1
	a=$(dstat "$1" tx_packets); t0=$(now); c0=$(thread_ns 1)
	sleep "$2"
	b=$(dstat "$1" tx_packets); t1=$(now); c1=$(thread_ns 1)
	pps=$(echo "($b - $a) / ($t1 - $t0)" | bc)
	cpu_cyc=$(echo "($c1 - $c0) * $hz / 1000000000 / ($b - $a + 1)" | bc)
}

# ns a worker thread of dpvs has run (EAL names it rte-worker-N).
thread_ns() { # lcore
	local t
	for t in /proc/"$dp_pid"/task/*; do
		if [ "$(cat "$t/comm" 2>/dev/null)" = "rte-worker-$1" ]; then
			awk '{ print $1 }' "$t/schedstat"
			return 0
		fi
	done
	echo 0
}

# testpmd in memory kind $kind; sets pps (1: no hugepages for it).
testpmd_run() { # forward-mode pcap what
	local out mem=(--no-huge -m $(( (ACKS + 65536) * 4096 / 1048576 + 512 )))
	if [ "$kind" = huge ]; then
		# 2.4 KB a mbuf, and room for the rest of testpmd's pools.
		mem=(--huge-dir "$huge_dir" -m $(( (ACKS + 65536) * 2560 / 1048576 + 256 )))
		huge_reserve "$3" "${mem[3]}" || return 1
		mem[1]=$huge_dir
	fi
	"$BUILD/dpdk-testpmd" "${mem[@]}" --no-pci \
		--file-prefix "dpvs-bench-$$-testpmd" -l 0,1 --main-lcore 0 \
		--vdev "net_pcap0,rx_pcap=$2,infinite_rx=1" --vdev net_null0,no-rx=1 -- \
		--forward-mode="$1" --nb-cores=1 --stats-period 1 \
		--total-num-mbufs=$((ACKS + 65536)) > "$work/$3.log" 2>&1 &
	out=$!
	pids+=($out)
	# Ten readings after the start, however long EAL takes to start.
	for _ in $(seq 900); do
		[ "$(grep -c 'NIC statistics for port 1' "$work/$3.log")" -ge 11 ] && break
		kill -0 "$out" 2>/dev/null || break
		sleep 0.1
	done
	kill -INT "$out" 2>/dev/null || true
	wait "$out" || true
	huge_release
	# The median of the readings after the first two (the start): one
	# reading is one second, which a shared machine can spoil.
	pps=$(awk '/NIC statistics for port 1/ { p = 1 }
		p && /Tx-pps:/ { if (++n > 2) v[n - 2] = $2; p = 0 }
		END { k = n - 2; if (k < 1) { print 0; exit }
		      for (i = 2; i <= k; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
		          t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		      print v[int((k + 1) / 2)] + 0 }' "$work/$3.log")
}

ack_pcap() { # n nsvc [6] -> path (made once)
	local f=$work/ack${3:-}_$1_$2.pcap
	[ -f "$f" ] || "$BUILD/pcap_gen" "$f" "ack${3:-}" "$1" "$2" "$ACKS"
	echo "$f"
}

# n connections through mode, then established-flow Mpps.  A FIFO port
# feeds the SYNs once the services exist; a second port replays ACKS
# ACKs of those flows forever; everything goes out of a net_null port.
# Family 6: IPv6 clients and VIP, mode b (FullNAT v6) or 64 (NAT64).
# In memory kind $kind: the row is what + _huge on hugepages.
established() { # what mode n [6]
	local what=$1$(sfx_of "$kind") mode=$2 n=$3 fam=${4:-} nsvc per ack conns pps t0 fill rss0 rss1 feeder
	local ref=testpmd_io_64B
	[ -z "$fam" ] || ref=testpmd_io_v6_78B
	ref+=$(sfx_of "$kind")
	plan "$n"
	[ "$mode" = b ] || [ "$mode" = 64 ] || { nsvc=1; per=0; }
	ack=$(ack_pcap "$n" "$nsvc" "$fam")
	conns=$(( n + n / 8 + 4096 ))
	dp_conf "$what" $((ACKS + 65536)) "$conns" \
		"net_pcap0,rx_pcap=$work/fill.fifo" "net_pcap1,rx_pcap=$ack,infinite_rx=1" \
		"net_null0,no-rx=1" || return 0
	rm -f "$work/fill.fifo" "$work/go"
	mkfifo "$work/fill.fifo"
	"$BUILD/pcap_gen" "$work/fill.fifo" "feed$fam" "$n" "$nsvc" "$work/go" &
	feeder=$!
	pids+=($feeder)
	dp_start
	"lb_setup$fam" "$what" "$mode" "$nsvc" "$per" dpdk1 dpdk2
	rss0=$(rss_kb)
	t0=$(now)
	touch "$work/go"
	wait "$feeder" || true
	for _ in $(seq 1200); do
		[ "$(dstat "$what" ipvs_conn_new)" -ge "$n" ] && break
		sleep 0.1
	done
	fill=$(echo "$(now) - $t0" | bc)
	sleep 1
	tx_rate "$what" 3
	rss1=$(rss_kb)
	echo "$what conns=$(dstat "$what" ipvs_conn_new) full=$(dstat "$what" ipvs_conn_full)" \
		"no_port=$(dstat "$what" ipvs_no_port) no_conn=$(dstat "$what" ipvs_no_conn)" \
		"fill_s=$fill rss0=$rss0 rss1=$rss1 pool=$conns cpu_cyc=$cpu_cyc" >> "$work/dp.log"
	# hugetlbfs pages are not in VmRSS: memory rows from --no-huge only.
	[ "$kind" = huge ] || echo "$n $conns $rss0 $rss1" > "$work/$what.mem"
	dp_stop
	row "$what" "$(mpps "$pps")" Mpps "$(cyc "$pps")" "$ref" \
		"$n conns ($nsvc svc), $ACKS ACKs replayed, SYNs fed in $(printf '%.1f' "$fill") s; worker CPU $cpu_cyc cyc/pkt"
}

if part testpmd || part newconn || part modes || part redirect || part scale; then
	echo "bench: data plane, one worker, pcap in, net_null out"
	# CPU 1 is the worker's: this script, its samplers and feeders stay
	# on CPU 0 with dpvs's master.
	taskset -pc 0 $$ > /dev/null
fi
# Each data-plane row in each memory kind of HUGE, back to back.
each_kind() { # function args...
	for kind in $mem_kinds; do "$@"; done
}

testpmd_rows() { # pcap mode-list ref-base name-suffix note
	local x=$(sfx_of "$kind") m
	for m in $2; do
		testpmd_run "$m" "$1" "testpmd_$m$4$x" || continue
		row "testpmd_$m$4$x" "$(mpps "$pps")" Mpps "$(cyc "$pps")" "$3$x" \
			"dpdk-testpmd --forward-mode=$m, $5"
	done
}

if part testpmd; then
	est1k=$(ack_pcap 1000 1)
	echo "bench:   testpmd io and macswap (the I/O reference)"
	each_kind testpmd_rows "$est1k" "io macswap" testpmd_io_64B _64B "same vdevs and pcap"
fi

newconn_row() {
	local what=newconn$(sfx_of "$kind")
	plan "$NEWCONN"
	[ -f "$work/syn.pcap" ] || "$BUILD/pcap_gen" "$work/syn.pcap" syn "$NEWCONN" "$nsvc"
	conns=$(( NEWCONN + NEWCONN / 8 + 4096 ))
	dp_conf "$what" $((NEWCONN + 65536)) "$conns" \
		"net_pcap0,rx_pcap=$work/syn.pcap,infinite_rx=1" "net_null0,no-rx=1" || return 0
	dp_start
	lb_setup "$what" b "$nsvc" "$per" dpdk0 dpdk1
	: > "$work/newconn.samples"
	for _ in $(seq 3000); do
		v=$(dstat "$what" ipvs_conn_new)
		echo "$(now) $v $(thread_ns 1)" >> "$work/newconn.samples"
		[ "$v" -ge "$NEWCONN" ] && break
	done
	# The rate between 5 % and 95 % of the SYNs: every packet in that
	# window is the first SYN of its flow (later passes of the replay
	# find their connection, which lives 60 s in SYN_RECV).
	rate=$(awk -v n="$NEWCONN" '
		$2 >= n * 0.05 && !a { t0 = $1; v0 = $2; a = 1 }
		$2 <= n * 0.95 { t1 = $1; v1 = $2 }
		END { if (t1 > t0) printf "%d", (v1 - v0) / (t1 - t0); else print 0 }' \
		"$work/newconn.samples")
	# The same window in the worker's own CPU time.
	cpu_cyc=$(awk -v n="$NEWCONN" -v hz="$hz" '
		$2 >= n * 0.05 && !a { c0 = $3; v0 = $2; a = 1 }
		$2 <= n * 0.95 { c1 = $3; v1 = $2 }
		END { if (v1 > v0) printf "%d", (c1 - c0) * hz / 1e9 / (v1 - v0); else print 0 }' \
		"$work/newconn.samples")
	echo "$what conns=$(dstat "$what" ipvs_conn_new) full=$(dstat "$what" ipvs_conn_full)" \
		"no_port=$(dstat "$what" ipvs_no_port) samples=$(wc -l < "$work/newconn.samples")" \
		"cpu_cyc=$cpu_cyc" >> "$work/dp.log"
	dp_stop
	row "fnat_new_conns_1worker$(sfx_of "$kind")" "$rate" conn/s "$(cyc "$rate")" \
		"testpmd_io_64B$(sfx_of "$kind")" \
		"first pass of $NEWCONN distinct SYNs (infinite_rx, preloaded); worker CPU $cpu_cyc cyc/conn"
}

if part newconn; then
	echo "bench:   new connections, FullNAT ($NEWCONN distinct SYNs)"
	each_kind newconn_row
fi

if part modes; then
	echo "bench:   established flows per forwarding mode (1K connections)"
	each_kind established fnat_established_1K b 1000
	each_kind established dr_established_1K g 1000
	each_kind established nat_established_1K m 1000
	each_kind established tun_established_1K i 1000
fi

if part redirect; then
	. dpvs/bench/redirect.sh
fi

if part scale; then
	echo "bench:   FullNAT established flows at scale"
	big=1000
	for n in $SCALES; do
		[ "$n" = 1000 ] && continue
		echo "bench:     $n connections"
		each_kind established "fnat_established_$(human "$n")" b "$n"
		big=$n
	done
	if [ "$big" != 1000 ] && [ -f "$work/fnat_established_1K.mem" ]; then
		read -r n1 c1 _ r1 < "$work/fnat_established_1K.mem"
		read -r n2 c2 _ r2 < "$work/fnat_established_$(human "$big").mem"
		row "memory_per_conn" "$(( (r2 - r1) * 1024 / (c2 - c1) ))" bytes - - \
			"RSS growth / pool growth, 1K to $(human "$big") runs"
		row "rss_$(human "$big")_conns" "$(( r2 / 1024 ))" MiB - - \
			"dpvs VmRSS with $(human "$big") conns (pool $c2)"
	fi
fi

# IPv6: the same established-flow method on 74-byte IPv6 frames (78 on
# the wire), against testpmd io on that pcap; memory per connection
# from a 1K and a V6_SCALE FullNAT v6 run, as the v4 row.
if part v6; then
	echo "bench:   IPv6: FullNAT v6 and NAT64 established flows"
	taskset -pc 0 $$ > /dev/null
	each_kind testpmd_rows "$(ack_pcap 1000 1 6)" io testpmd_io_64B _v6_78B "the IPv6 ACK pcap"
	each_kind established fnat6_established_1K b 1000 6
	each_kind established nat64_established_1K 64 1000 6
	echo "bench:     FullNAT v6, $V6_SCALE connections"
	big6=fnat6_established_$(human "$V6_SCALE")
	each_kind established "$big6" b "$V6_SCALE" 6
	if [ -f "$work/$big6.mem" ]; then
	read -r _ c1 _ r1 < "$work/fnat6_established_1K.mem"
	read -r _ c2 _ r2 < "$work/$big6.mem"
	v4=""
	if [ -f "$work/fnat_established_1K.mem" ] && [ -f "$work/fnat_established_$(human "$V6_SCALE").mem" ]; then
		read -r _ d1 _ s1 < "$work/fnat_established_1K.mem"
		read -r _ d2 _ s2 < "$work/fnat_established_$(human "$V6_SCALE").mem"
		v4="; v4 over the same span: $(( (s2 - s1) * 1024 / (d2 - d1) ))"
	fi
	row memory_per_conn_v6 "$(( (r2 - r1) * 1024 / (c2 - c1) ))" bytes - - \
		"RSS growth / pool growth, 1K to $(human "$V6_SCALE") v6 runs$v4"
	fi
fi

# The data-plane rows are done: every hugepage goes back.
huge_giveback

if part e2e; then
	taskset -pc 0-1 $$ > /dev/null
	. dpvs/bench/e2e.sh
fi

# The stateful HA pair: sync rates and bytes, failover per fault, the
# longest stall of a transfer (dpvs/bench/ha_bench.py).
if part ha; then
	taskset -pc 0-1 $$ > /dev/null
	echo "bench: the stateful HA pair (sync, failover per fault)"
	while read -r what value unit note; do
		row "$what" "$value" "$unit" - - "$note"
	done < <(BUILD=$BUILD /usr/bin/python3 dpvs/bench/ha_bench.py)
fi

# The table: a ratio is value / the reference row's value, same run.
echo
printf '%-32s %12s %-7s %8s %7s  %s\n' WHAT VALUE UNIT CYC/PKT RATIO "REFERENCE, NOTE"
echo "what,value,unit,cycles_per_packet,ratio,reference,note" > "$BUILD/bench.csv"
# Per second, whatever the unit says (Mpps against conn/s).
per_s() { case $2 in Mpps) echo "$1 * 1000000" | bc ;; Gbit/s) echo "$1 * 1000000000" | bc ;; *) echo "$1" ;; esac; }
declare -A val
for r in "${results[@]}"; do IFS='|' read -r w v u _ <<< "$r"; val[$w]=$(per_s "$v" "$u"); done
for r in "${results[@]}"; do
	IFS='|' read -r w v u c ref n <<< "$r"
	ratio=-
	if [ "$ref" != - ] && [ -n "${val[$ref]:-}" ] && [ "${val[$ref]}" != 0 ]; then
		ratio=$(echo "scale=3; ${val[$w]} / ${val[$ref]}" | bc | sed 's/^\./0./')
		n="vs $ref; $n"
	fi
	printf '%-32s %12s %-7s %8s %7s  %s\n' "$w" "$v" "$u" "$c" "$ratio" "$n"
	echo "$w,$v,$u,$c,$ratio,$ref,\"$n\"" >> "$BUILD/bench.csv"
done
echo
/usr/bin/python3 dpvs/bench/plot.py "$BUILD/bench.csv" "$BUILD/bench.png" \
	|| echo "bench: no plot (python3-matplotlib missing?)"
[ -f "$work/dp.log" ] && { echo "bench: data-plane details"; cat "$work/dp.log"; }
huge_cleanup
huge_report
[ -f "$work/e2e.log" ] && { echo "bench: end-to-end details"; cat "$work/e2e.log"; }
echo "bench: table written to $BUILD/bench.csv, plot to $BUILD/bench.png"
