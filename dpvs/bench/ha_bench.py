#!/usr/bin/python3
"""make bench, part ha: the stateful HA pair of ha-tests/lib/ha_pair.py
(two LBs with two workers each, VRRPv3 every 0.1 s, connection sync).

Prints one row a line for run-bench.sh: WHAT VALUE UNIT NOTE...

- sync_bulk_conns_per_s: CONNS idle connections through lb1, then lb2
  restarts (dpvs and keepalived) and gets them by bulk; the bulk's count
  over its time, as lb2's `dpvsctl sync` reports them;
- sync_bytes_per_conn: lb1's sync bytes (UDP payload plus 42 bytes of
  Ethernet, IP and UDP headers per datagram) over the conns it sent;
- failover_s_FAULT: per fault, the fault to the first new connection
  that succeeded, the slowest of the three methods (a prober opens one
  to each every 50 ms);
- max_stall_s: the longest gap in a 32 MB transfer across the faults,
  all methods; the note has each fault's.
Figures only; a failed step prints a row with the value "-".
"""
import os
import pathlib
import re
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "ha-tests", "lib"))

from ha_pair import (FAULTS, METHODS, bulk_ready, dpvs_maker, ha_pair,  # noqa: E402
                     wait_synced)
from waiting import wait_for  # noqa: E402

CONNS = int(os.environ.get("HA_BENCH_CONNS", "6000"))
ETH_IP_UDP = 14 + 20 + 8


def sync_rows(pair):
    lb1, lb2 = pair.lbs
    idle = [pair.idle(port, CONNS // 3) for port in METHODS]
    if not wait_synced(lb2, [k for i in idle for k in i.keys], timeout=20):
        yield "sync_bulk_conns_per_s - synced/s lb2 never listed the conns"
        return
    # The bulk a restarting BACKUP gets (a requester gets one per 5 s).
    lb2.ka.stop()
    lb2.dpvs.stop()
    lb2.start_dpvs()
    lb2.start_ka()
    wait_for(lambda: bulk_ready(lb2.sync()), timeout=30)
    m = re.search(r"(\d+) conns in ([\d.]+) s", lb2.sync().get("bulk", ""))
    if m and float(m.group(2)) > 0:
        yield "sync_bulk_conns_per_s %d synced/s bulk of %s conns in %s s" % (
            int(m.group(1)) / float(m.group(2)), m.group(1), m.group(2))
    else:
        yield "sync_bulk_conns_per_s - synced/s bulk: %s" % lb2.sync().get("bulk")
    s = lb1.sync()
    if s.get("tx_conns"):
        per = (s["tx_bytes"] + ETH_IP_UDP * s["tx_msgs"]) / s["tx_conns"]
        yield "sync_bytes_per_conn %.1f bytes %d datagrams, %d conns, " \
              "heartbeats and bulk included" % (per, s["tx_msgs"], s["tx_conns"])
    else:
        yield "sync_bytes_per_conn - bytes lb1 sent nothing: %s" % s


def failover(pair, fault):
    """(first new connection s, {method: longest gap s})."""
    lb1, lb2 = pair.lbs
    prober = pair.probe()
    downloads = {p: pair.download(p) for p in METHODS}
    wait_synced(lb2, [d.key for d in downloads.values()], timeout=3)
    t0 = time.time()
    pair.fault(lb1, fault)
    wait_for(lb2.has_vip, timeout=5)
    gaps = {}
    for port, d in downloads.items():
        r = d.result()
        gaps[METHODS[port]] = r["max_gap"] if not r["error"] else None
    firsts = [prober.first_after(t0, p) for p in METHODS]
    pair.restore(lb1, fault)
    wait_for(lambda: lb1.has_vip() and not lb2.has_vip(), timeout=30)
    return (max(firsts) if None not in firsts else None), gaps


def failover_rows(pair):
    stalls = {}
    for fault in FAULTS:
        first, gaps = failover(pair, fault)
        yield "failover_s_%s %s s first new connection, slowest of %s" % (
            fault, "%.2f" % first if first is not None else "-",
            "/".join(METHODS.values()))
        stalls[fault] = gaps
    worst = [g for gaps in stalls.values() for g in gaps.values()]
    note = "; ".join("%s %s" % (f, " ".join(
        "%s=%s" % (m, "%.2f" % g if g is not None else "lost")
        for m, g in gaps.items())) for f, gaps in stalls.items())
    yield "max_stall_s %s s 32 MB transfers across each fault: %s" % (
        "%.2f" % max(worst) if worst and None not in worst else "-", note)


def main():
    tmp = tempfile.mkdtemp(prefix="dpvs-bench-ha.")
    try:
        with dpvs_maker(tmp) as (factory, _), \
                ha_pair(factory, pathlib.Path(tmp)) as pair:
            for rows in (sync_rows(pair), failover_rows(pair)):
                for row in rows:
                    print(row, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
