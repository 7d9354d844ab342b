# The wrong-worker redirect row (sourced by run-bench.sh, part
# `redirect`): what a FullNAT reply costs when it reaches a worker that
# does not own its connection and goes through the hand-over ring to the
# owner (ipvs_core.c), against the same replies reaching the owner.
#
# Two workers: worker 0 (lcore 1) on CPU 1, worker 1 (lcore 2) on CPU 0
# with the master and this script.  Worker 0 polls the FIFO port that
# feeds the SYNs, so it makes every connection and owns them (its local
# ports are the even ones).  A third port replays server ACKs to those
# local ports (pcap_gen reply); worker 0 polls it in the owner row,
# worker 1 in the redirected row.  Everything leaves by a net_null port.
# Each worker's cost is its thread's own CPU time (schedstat) over the
# packets it handled, so where the two run and what else shares CPU 0
# does not enter the cycles; idle_policy "sleep" keeps an idle worker
# off its CPU.
RDR_N=1000

# The local ports dpvs gave are the ones pcap_gen assumed (ipvs_ports.c
# today); if not, the replies would miss and the row says so.
reply_ports_ok() { # name
	local want got
	want=$(seq 1024 2 $((1024 + 2 * (RDR_N - 1))) | sort)
	got=$("$BUILD/dpvsadm" --ipc-file "$work/$1.ipc" -L -n -c |
		grep -o '10\.0\.10\.1:[0-9]*' | cut -d: -f2 | sort)
	[ "$want" = "$got" ]
}

# Sets rdr_pps (replies out per s), rdr_own and rdr_other (cycles each
# worker spent per reply), rdr_info.
reply_run() { # name rx-worker(0|1)
	local name=$1 rx q0 q1 a0 a1 b0 b1 h0 h1 f0 f1 t0 t1 n0 n1 ok feeder
	# Each worker that polls needs a tx queue on every port: two each.
	q0='{ port = "dpdk0"; rx = [0]; tx = [0]; }, { port = "dpdk2"; rx = [0]; tx = [0]; }'
	q1='{ port = "dpdk0"; tx = [1]; }, { port = "dpdk2"; tx = [1]; }'
	rx='{ port = "dpdk1"; rx = [0]; tx = [%s]; }'
	if [ "$2" = 0 ]; then
		q0+=", $(printf "$rx" 0)"; q1+=', { port = "dpdk1"; tx = [1]; }'
	else
		q1+=", $(printf "$rx" 1)"; q0+=', { port = "dpdk1"; tx = [0]; }'
	fi
	dp_workers="{ lcore = 1; queues = ( $q0 ); }, { lcore = 2; queues = ( $q1 ); }"
	dp_lcores=0@0,1@1,2@0 dp_idle=sleep
	dp_conf "$name" $((ACKS + 65536)) 8192 "net_pcap0,rx_pcap=$work/fill.fifo,tx_pcap=/dev/null,tx_pcap=/dev/null 2" \
		"net_pcap1,rx_pcap=$work/reply.pcap,infinite_rx=1,tx_pcap=/dev/null,tx_pcap=/dev/null 2" "net_null0,no-rx=1 2" ||
		{ dp_workers="" dp_lcores="" dp_idle=""; return 1; }
	rm -f "$work/fill.fifo" "$work/go"
	mkfifo "$work/fill.fifo"
	"$BUILD/pcap_gen" "$work/fill.fifo" feed "$RDR_N" 1 "$work/go" &
	feeder=$!
	pids+=($feeder)
	dp_start
	dp_workers="" dp_lcores="" dp_idle=""
	lb_setup "$name" b 1 1 dpdk0 dpdk2
	# Replies go back to the clients out of the same net_null port.
	"$BUILD/dpip" -x "$work/$name.ipc" neigh add 10.0.9.3 lladdr 02:00:00:00:00:0a dev dpdk2
	"$BUILD/dpip" -x "$work/$name.ipc" route add 10.64.0.0/16 dev dpdk2 via 10.0.9.3
	touch "$work/go"
	wait "$feeder" || true
	for _ in $(seq 300); do
		[ "$(dstat "$name" ipvs_conn_new)" -ge "$RDR_N" ] && break
		sleep 0.1
	done
	ok=yes
	reply_ports_ok "$name" || ok="NO: local ports not as pcap_gen assumed"
	sleep 1
	a0=$(thread_ns 1); b0=$(thread_ns 2); n0=$(dstat "$name" tx_packets)
	h0=$(dstat "$name" ipvs_handover); f0=$(dstat "$name" ipvs_handover_full); t0=$(now)
	sleep 3
	a1=$(thread_ns 1); b1=$(thread_ns 2); n1=$(dstat "$name" tx_packets)
	h1=$(dstat "$name" ipvs_handover); f1=$(dstat "$name" ipvs_handover_full); t1=$(now)
	rdr_pps=$(echo "($n1 - $n0) / ($t1 - $t0)" | bc)
	rdr_own=$(echo "($a1 - $a0) * $hz / 1000000000 / ($n1 - $n0 + 1)" | bc)
	rdr_other=0
	[ "$2" = 1 ] && rdr_other=$(echo "($b1 - $b0) * $hz / 1000000000 / ($h1 - $h0 + $f1 - $f0 + 1)" | bc)
	rdr_info="handed over $((h1 - h0)), ring full $((f1 - f0)), ports ok: $ok"
	echo "$name conns=$(dstat "$name" ipvs_conn_new) no_conn=$(dstat "$name" ipvs_no_conn)" \
		"tx=$((n1 - n0)) handover=$((h1 - h0)) handover_full=$((f1 - f0))" \
		"worker0_ns=$((a1 - a0)) worker1_ns=$((b1 - b0)) ports_ok=$ok" >> "$work/dp.log"
	dp_stop
}

redirect_rows() {
	local x=$(sfx_of "$kind") own own_pps
	reply_run "fnat_reply_owner_1K$x" 0 || return 0
	own=$rdr_own own_pps=$rdr_pps
	row "fnat_reply_owner_1K$x" "$(mpps "$rdr_pps")" Mpps "$own" "testpmd_io_64B$x" \
		"$RDR_N conns, replies on the owner (2 workers); cycles: its CPU time; $rdr_info"
	reply_run "fnat_reply_redirected_1K$x" 1 || return 0
	row "fnat_reply_redirected_1K$x" "$(mpps "$rdr_pps")" Mpps $((rdr_own + rdr_other)) \
		"fnat_reply_owner_1K$x" \
		"replies on the other worker: $rdr_other cycles there + $rdr_own on the owner; $rdr_info"
	row "fnat_reply_redirect_cost$x" $((rdr_own + rdr_other - own)) cycles - - \
		"redirected minus owner, CPU cycles per reply ($((rdr_own + rdr_other)) - $own)"
}

echo "bench:   FullNAT replies on the owner and on the other worker ($RDR_N conns)"
"$BUILD/pcap_gen" "$work/reply.pcap" reply "$RDR_N" 2 "$ACKS"
each_kind redirect_rows
