"""A spoofed SYN flood against a FullNAT service must not shut out
legitimate clients nor disturb established connections.

client 10.0.0.2 (+ hping3 --flood --rand-source) -- dpdk0 [dpvs, 4 workers]
dpdk1 -- 10.0.1.11-13 (HTTP on 80, echo on 7000), one local address.
The spoofed packets never leave the namespaces the test creates.
SF_N=1000 measures over more legitimate requests (default 100).
"""
import os
import shutil
import subprocess
import time

import pytest

from flood import kstat, rx_counts
from lbhost import adm, fnat_service, lb_namespaces, start_lb
from netns import Topology, sh
from servers import Backends, Echo, start_echo
from waiting import terminate

LEGIT, CLIENTS = int(os.environ.get("SF_N", "100")), 20
# Clients side by side in the client namespace, each its requests one
# after another: a line per request.  On a loaded 2-core machine some
# packets of every kind are lost: ten seconds a request leave room for
# TCP's retransmissions (SYN again after 1, 3 and 7 s).
CURL_LOOP = ("for c in $(seq %d); do (for i in $(seq %d); do curl -s -o /dev/null"
             " -m 10 -w '%%{http_code}:%%{time_connect}:%%{time_total}\\n'"
             " http://10.0.0.100/; done) & done; wait" % (CLIENTS, LEGIT // CLIENTS))
SATURATED = ("ipvs_conn_full", "ipvs_no_port", "ipvs_embryonic_evicted")


def thread_cpu(pid):
    """CPU time (clock ticks) of each thread of pid, by thread name."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                st = f.read()
        except OSError:
            continue
        name = st[st.index("(") + 1:st.rindex(")")]
        fields = st[st.rindex(")") + 2:].split()
        out[name] = out.get(name, 0) + int(fields[11]) + int(fields[12])
    return out


def saturate(d, lbns, base, rx0, stall=10, limit=120):
    """Waits for the flood to fill the table or the local ports (the
    SATURATED counters past 1000).  None when it did; else why not: dpvs
    received nothing for stall seconds, or not enough in limit seconds,
    with what dpvs counted, what its threads ran and what else ran."""
    cpu0, t0 = thread_cpu(d.proc.pid), time.time()
    last, moved = rx0[1], t0
    while True:
        st, rx = d.pkt_stats(), rx_counts(lbns, d)
        if sum(st.get(k, 0) - base.get(k, 0) for k in SATURATED) > 1000:
            return None
        now = time.time()
        if rx[1] != last:
            last, moved = rx[1], now
        if now - moved >= stall or now - t0 >= limit:
            break
        time.sleep(0.5)
    cpu = thread_cpu(d.proc.pid)
    hogs = sh("ps", "-eo", "pid,psr,pcpu,comm", "--sort=-pcpu").stdout
    return ("no saturation: dpvs %s after %.0f s: %s; mbufs in use %d of "
            "%d; frames at the LB's veth %d, received by dpvs %d; dpvs "
            "threads' CPU ticks %s; busiest processes:\n%s" % (
                "stopped receiving" if now - moved >= stall else "too slow",
                now - t0, {k: st.get(k, 0) - base.get(k, 0) for k in
                           SATURATED + ("ipvs_conn_new", "ipvs_no_conn")},
                st.get("mbuf_pool_in_use", -1), st.get("mbuf_pool_size", -1),
                rx[0] - rx0[0], rx[1] - rx0[1],
                {k: v - cpu0.get(k, 0) for k, v in sorted(cpu.items())},
                "\n".join(hogs.splitlines()[:8])))


@pytest.fixture
def site(dpvs_factory, tmp_path, request):
    t = Topology("sf")
    b = Backends(tmp_path)
    try:
        lbns, cl, rs = lb_namespaces(t)
        d = start_lb(dpvs_factory, lbns, {"ipvs": request.param})
        for host in (11, 12, 13):
            b.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        fnat_service(d)
        adm(d, "-A", "-t", "10.0.0.100:7000")
        adm(d, "-P", "-t", "10.0.0.100:7000", "-z", "10.0.1.100")
        adm(d, "-a", "-t", "10.0.0.100:7000", "-r", "10.0.1.11", "-b")
        yield {"dpvs": d, "cl": cl, "rs": rs, "lb": lbns}
    finally:
        b.stop()
        t.destroy()


@pytest.mark.parametrize("pinned", [True, False],
                         ids=["workers_core", "any_core"])
@pytest.mark.parametrize("site", [[], ["conn_pool_size = 8192;"]],
                         ids=["default_pool", "pool_8192"], indirect=True)
def test_syn_flood_spares_legitimate_clients(site, pinned):
    """workers_core: hping3 on the workers' CPU sends about as fast as
    they receive.  any_core: as fast as it can, several times what
    af_packet workers on veths can receive; their receive rings drop
    frames of every kind before dpvs sees them.  There a request may
    fail because its packets were lost on the way, never because dpvs
    refused a connection or lost one it had."""
    d, cl, rs = site["dpvs"], site["cl"], site["rs"]
    assert shutil.which("hping3"), "hping3 missing: make deps"
    echo_srv = start_echo(rs, "10.0.1.11", 7000, "rs1")
    echoes, flood = [], None
    try:
        echoes = [Echo(cl) for _ in range(2)]
        assert [e.say("before") for e in echoes] == ["rs1:before"] * 2
        base = d.pkt_stats()
        sent0, t0 = kstat(cl, "vcl0", "tx_packets"), time.time()
        rx0 = rx_counts(site["lb"], d)
        # The workers' core: dpvs's lcore map puts them on CPU 1.
        pin = ["taskset", "-c", "1"] if pinned else []
        flood = subprocess.Popen(["ip", "netns", "exec", cl] + pin +
                                 ["hping3", "--flood", "--rand-source", "-S",
                                  "-p", "80", "-q", "10.0.0.100"],
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        # The table (or the local ports) is full before the clients come.
        # How soon depends on the share of CPU 1 the workers get: wait
        # while dpvs keeps receiving, fail when it stops.
        why = saturate(d, site["lb"], base, rx0)
        if why:
            pytest.fail("%s; hping3 %s" % (
                why, "running" if flood.poll() is None else "exited"))
        codes = sh("sh", "-c", CURL_LOOP, ns=cl,
                   timeout=LEGIT // CLIENTS * 12 + 30).stdout.split()
        # Sent while the flood lasts; the echo may come after it ends (a
        # segment lost before dpvs waits for TCP to send it again), which
        # it can only if early drop left the flow's connection alone.
        for e in echoes:
            e.send("during")
        assert flood.poll() is None, "hping3 stopped early"
        terminate(flood)
        secs = time.time() - t0
        sent = kstat(cl, "vcl0", "tx_packets") - sent0
        rx1 = rx_counts(site["lb"], d)
        lost = (rx1[0] - rx0[0]) - (rx1[1] - rx0[1])
        received = rx1[1] - rx0[1]
        during = [e.reply() for e in echoes]
        st = d.pkt_stats()
        delta = {k: st.get(k, 0) - base.get(k, 0) for k in
                 SATURATED + ("ipvs_conn_new", "ipvs_no_conn")}
        failed = [c for c in codes if not c.startswith("200:")]
        # failed: code:connect time:total time of each failed request
        print("\nflood: %.0f SYN/s sent, %.0f received by dpvs (%.0f %% lost "
              "before it), %.0f conns/s made; legitimate %d/%d ok; %s; "
              "failed %s" % (sent / secs, received / secs,
                             100.0 * lost / (lost + received),
                             delta["ipvs_conn_new"] / secs,
                             len(codes) - len(failed), LEGIT, delta, failed))
        assert len(codes) == LEGIT
        # dpvs made a connection of every SYN it received: it refused
        # none for want of room, early drop made it.
        assert delta["ipvs_conn_full"] == 0 and delta["ipvs_no_port"] == 0, delta
        # Requests fail only where frames were lost before dpvs, and no
        # more of them than the share of frames lost.
        if pinned or lost == 0:
            assert len(failed) <= LEGIT // 100, failed
        else:
            assert len(failed) <= max(LEGIT // 100,
                                      LEGIT * lost / (lost + received)), failed
        assert during == ["rs1:during"] * 2
        assert [e.say("after") for e in echoes] == ["rs1:after"] * 2
        # The flood was there, and what made room was early drop.
        assert delta["ipvs_embryonic_evicted"] > 1000
        assert delta["ipvs_conn_new"] > 10000
        assert d.proc.poll() is None
    finally:
        terminate(flood)
        for e in echoes:
            e.close()
        echo_srv.kill()
        echo_srv.wait()
