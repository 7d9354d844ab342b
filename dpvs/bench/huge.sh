# Hugepages for the data-plane rows of run-bench.sh (sourced; needs
# $work and $BUILD).  HUGE=both|yes|no: which memory kinds each row runs
# in (both: --no-huge, then hugepages, back to back); HUGE_SIZE=2M|1G.
# A hugepage row reserves what it needs before it starts, on a
# hugetlbfs mount of the bench's own; the pages stay for the next rows
# (a row needing more adds the difference, one needing less than half
# of them gives the rest back), and all go back after the data-plane
# parts.  Fresh pages are touched once when reserved
# (fallocate): on this VM the first touch of a page costs about 12 ms
# per 2 MB (the hypervisor backs it), which would otherwise fall into
# EAL's start.  What a run reserved is written to $huge_run/PID, so a bench that
# was killed (SIGKILL, power) is cleaned up by the next one: its files
# removed, its mount gone, its pages given back.
HUGE=${HUGE:-both}
HUGE_SIZE=${HUGE_SIZE:-2M}
HUGE_MARGIN_MB=${HUGE_MARGIN_MB:-2048}   # MemAvailable left after a reservation
case $HUGE in
both) mem_kinds="nohuge huge" ;;
yes) mem_kinds=huge ;;
no) mem_kinds=nohuge ;;
*) echo "bench: HUGE must be both, yes or no" >&2; exit 2 ;;
esac
case $HUGE_SIZE in
2M) huge_kb=2048 ;;
1G) huge_kb=1048576 ;;
*) echo "bench: HUGE_SIZE must be 2M or 1G" >&2; exit 2 ;;
esac
huge_nr=/sys/kernel/mm/hugepages/hugepages-${huge_kb}kB/nr_hugepages
huge_run=/run/dpvs-bench-huge
huge_dir=""       # the bench's hugetlbfs mount, once made
huge_held=0       # pages reserved now and not yet given back
huge_peak=0       # the most held at once
huge_rows=0       # rows that ran on hugepages
huge_before=""    # nr_hugepages when the bench first reserved
huge_notes=()     # rows left out, and why
huge_umounted=no  # the mount was made and is gone again
huge_touch_s=0    # seconds spent touching fresh pages

sfx_of() { [ "$1" = huge ] && echo _huge || true; }
meminfo_kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

huge_state() {
	mkdir -p "$huge_run"
	echo "$huge_kb $huge_held $huge_dir" > "$huge_run/$$"
}

# A dead bench's leftovers: files, mount, pages.
huge_reap() {
	local f pid kb n dir nr
	for f in "$huge_run"/*; do
		[ -f "$f" ] || continue
		pid=${f##*/}
		kill -0 "$pid" 2>/dev/null && continue
		read -r kb n dir < "$f" || true
		if [ -n "$dir" ] && mountpoint -q "$dir"; then
			rm -f "$dir"/*
			umount "$dir" || true
		fi
		# The mount sat in that bench's work directory.
		case $dir in /tmp/dpvs-bench.*/huge) rm -rf "${dir%/huge}" ;; esac
		nr=/sys/kernel/mm/hugepages/hugepages-${kb}kB/nr_hugepages
		if [ "${n:-0}" -gt 0 ] && [ -w "$nr" ]; then
			echo $(( $(cat "$nr") - n )) > "$nr"
			echo "bench: gave back $n pages of $kb kB a killed bench (pid $pid) had reserved"
		fi
		rm -f "$f"
	done
}

huge_mount() {
	[ -n "$huge_dir" ] && return 0
	if [ ! -w "$huge_nr" ]; then
		huge_notes+=("no $huge_nr (or not root): hugepage rows left out")
		mem_kinds=${mem_kinds/huge/}
		return 1
	fi
	huge_reap
	huge_dir=$work/huge
	mkdir -p "$huge_dir"
	mount -t hugetlbfs -o "pagesize=$HUGE_SIZE" nodev "$huge_dir"
	huge_state
}

# Reserves the pages for mb MB; 1 (and a note) if memory or the kernel
# does not allow it, with nothing reserved.
huge_reserve() { # what mb
	local pages=$(( ($2 * 1024 + huge_kb - 1) / huge_kb )) more cur got avail t0
	huge_mount || return 1
	more=$(( pages - huge_held ))
	if [ "$more" -le 0 ]; then
		if [ $(( 2 * pages )) -lt "$huge_held" ]; then
			echo $(( $(cat "$huge_nr") + more )) > "$huge_nr"
			huge_held=$pages
			huge_state
		fi
		huge_rows=$((huge_rows + 1))
		return 0
	fi
	avail=$(meminfo_kb MemAvailable)
	if [ $(( avail / 1024 - more * huge_kb / 1024 )) -lt "$HUGE_MARGIN_MB" ]; then
		huge_notes+=("$1: left out, $more more pages of $HUGE_SIZE ($(( more * huge_kb / 1024 )) MiB) would leave less than $HUGE_MARGIN_MB MiB of MemAvailable ($(( avail / 1024 )) MiB)")
		return 1
	fi
	cur=$(cat "$huge_nr")
	[ -n "$huge_before" ] || huge_before=$cur
	echo $(( cur + more )) > "$huge_nr"
	got=$(( $(cat "$huge_nr") - cur ))
	huge_held=$(( huge_held + got ))
	huge_state
	if [ "$got" -lt "$more" ]; then
		huge_notes+=("$1: left out, the kernel gave $got of $more more pages of $HUGE_SIZE")
		return 1
	fi
	[ "$huge_held" -gt "$huge_peak" ] && huge_peak=$huge_held
	t0=$(date +%s.%N)
	fallocate -l $(( huge_held * huge_kb ))K "$huge_dir/touch" && rm -f "$huge_dir/touch"
	huge_touch_s=$(echo "$huge_touch_s + $(date +%s.%N) - $t0" | bc)
	huge_rows=$((huge_rows + 1))
	return 0
}

# After a row's process has exited: the files it left (a crash leaves
# them, and they hold their pages).
huge_release() {
	[ -n "$huge_dir" ] || return 0
	rm -f "$huge_dir"/*
}

# At the end of a part: the pages too.
huge_giveback() {
	huge_release
	if [ "$huge_held" -gt 0 ]; then
		echo $(( $(cat "$huge_nr") - huge_held )) > "$huge_nr"
		huge_held=0
	fi
	[ -z "$huge_dir" ] || huge_state
}

huge_cleanup() {
	[ -n "$huge_dir" ] || return 0
	huge_giveback
	if mountpoint -q "$huge_dir"; then umount "$huge_dir"; fi
	rmdir "$huge_dir" 2>/dev/null || true
	rm -f "$huge_run/$$"
	huge_dir=""
	huge_umounted=yes
}

# EAL's memory arguments for a kind: --no-huge with -m, or our mount.
eal_mem() { # kind mb -> quoted list for a dpvs config
	if [ "$1" = huge ]; then
		echo "\"--huge-dir\", \"$huge_dir\", \"-m\", \"$2\""
	else
		echo "\"--no-huge\", \"-m\", \"$2\""
	fi
}

huge_report() {
	local n
	[ "$HUGE" = no ] && return 0
	echo "bench: hugepages ($HUGE_SIZE pages, HUGE=$HUGE): $huge_rows rows ran on them, at most $huge_peak pages ($(( huge_peak * huge_kb / 1024 )) MiB) reserved at once, $(printf '%.1f' "$huge_touch_s") s to touch fresh pages"
	for n in "${huge_notes[@]}"; do echo "bench:   $n"; done
	if [ -n "$huge_before" ]; then
		echo "bench:   nr_hugepages before ${huge_before}, now $(cat "$huge_nr") (held by the bench: $huge_held), free $(cat "${huge_nr%nr_hugepages}free_hugepages"); hugetlbfs mount removed: $huge_umounted"
	fi
	return 0
}
