"""The soak: HTTP requests and long-lived echo flows through the
keepalived pair's FullNAT VIP, HTTP requests through a FullNAT v6 and a
NAT64 service on an IPv6 VIP, while keepalived reloads, churn (v4, v6
and NAT64 services) goes straight into both daemons and floods come in
bursts; at the end nothing may be lost and every table, pool, the heap,
fds and RSS must be back at their baseline.

`make check` runs it for SOAK_SECONDS=30 so the soak cannot rot;
`make soak` runs it for 10 minutes (-s: the report is printed).  Knobs:

    SOAK_SECONDS       how long the load runs (default 30)
    SOAK_RELOAD_EVERY  seconds between keepalived reloads (default 10)
    SOAK_FLOWS         long-lived echo flows (default 4)
    SOAK_FLOOD_PPS     frames/s of each flood burst, 0: none (default 1000)
    SOAK_FLOOD_EVERY   seconds between bursts' starts (default 15)
    SOAK_FLOOD_BURST   seconds each burst lasts (default 5)
    SOAK_DRAIN         seconds to let connections expire at the end
                       (default 15; 130 outlives TIME_WAIT's 120 s: with
                       less, connections still in TIME_WAIT are counted
                       against the listing instead)
    SOAK_CHURN         0: no churn (to tell what else loses or leaks)
    SOAK_KA_RT         1: keepalived's children realtime, as in the flood
                       tests (default 0: a reload then gets them killed
                       by RLIMIT_RTTIME, see docs/keepalived.md)
"""
import os
import time

import pytest

from netns import Topology
from resources import rss_kb, snapshot, used, wait_back
from soak import (URLS6, Churner, services, FloodBursts, LongFlows, Reloader,
                  add_v6, intact, start_echo_servers)
from servers import VIP, Backends, Client
from vrrp_pair import (KA_CONF, KA_RT, LIP, REAL, build_pair, has_vip, net_of,
                       transitions)
from waiting import wait_for


def knob(name, default):
    return float(os.environ.get(name, default))


SECONDS = knob("SOAK_SECONDS", 30)
RELOAD_EVERY = knob("SOAK_RELOAD_EVERY", 10)
FLOWS = int(knob("SOAK_FLOWS", 4))
FLOOD_PPS = int(knob("SOAK_FLOOD_PPS", 1000))
FLOOD_EVERY = knob("SOAK_FLOOD_EVERY", 15)
FLOOD_BURST = knob("SOAK_FLOOD_BURST", 5)
DRAIN = knob("SOAK_DRAIN", 15)
CHURN = knob("SOAK_CHURN", 1)
KA_REALTIME = knob("SOAK_KA_RT", 0)
TIME_WAIT = 120

# Small tables: churn goes round them many times.  64 services: the
# keepalived ones (up to 6), 40 of churn and room for the hash.
TABLES = {"ipvs": ["max_services = 64;"], "ipv4": ["max_routes = 64;"]}
CHURN_SERVICES = 40
CHURN_ADDRS = 8
ROUTE_ROOM = 8      # for a VIP and virtual route should VRRP move
# Hosts of the segment an LB learns while the load runs and keeps for
# 3 x neigh.reachable_s: the client, the flooder, the other LB's
# addresses.
SLACK = {"neighbours": 4}
# keepalived's children run realtime (test_floods' KA_RT); the kernel
# kills one that uses more than its RLIMIT_RTTIME (default 10 ms) of CPU
# without blocking, as a reload on a loaded machine does.
KA_RTTIME = """    vrrp_rlimit_rttime 1000000
    checker_rlimit_rttime 1000000
"""


@pytest.fixture
def soak_pair(dpvs_factory, tmp_path):
    def factory(**kw):
        kw["sections"] = dict(TABLES, **(kw.get("sections") or {}))
        return dpvs_factory(**kw)

    t = Topology("sk")
    backends = Backends(tmp_path)
    kas = []
    try:
        pair = build_pair(factory, tmp_path, t, backends, kas)
        start_echo_servers(backends, "rs_" + t.tag)
        for i, lb in enumerate(pair["lbs"]):
            lb["lip"] = LIP[i]
            lb["base"] = (KA_CONF % {
                "name": "lb%d" % (i + 1), "prio": (150, 100)[i],
                "lip": LIP[i],
                "reals": "".join(REAL % h for h in (21, 22, 23))}
            )
            if KA_REALTIME:
                lb["base"] = lb["base"].replace(
                    "global_defs {\n", "global_defs {\n" + KA_RT + KA_RTTIME, 1)
        pair["backends"] = backends
        yield pair
    finally:
        for k in kas:
            k.stop()
        backends.stop()
        t.destroy()


def settle(pair):
    """VRRP settled (lb1 MASTER) and reload 0's services in both,
    without a request through the VIP (its connection would outlive the
    baseline)."""
    lb1, lb2 = pair["lbs"]
    assert wait_for(lambda: transitions(lb2) >= 1, timeout=25), \
        lb2["ka"].text()
    # Both may be MASTER for a moment before they hear each other.
    assert wait_for(lambda: has_vip(lb1) and not has_vip(lb2), timeout=25), \
        lb1["ka"].text() + lb2["ka"].text()
    time.sleep(3)


def conn_rows(name):
    return name == "ipvs_conn" or name.startswith("conn-keys-")


def time_wait_only(d, base, diff):
    """With a drain shorter than TIME_WAIT: what differs is only the
    connections the listing shows, every one of them in TIME_WAIT."""
    conns = [l.split() for l in d.adm("-L", "-n", "-c").stdout
             .splitlines()[2:]]
    if any(c[2] != "TIME_WAIT" for c in conns):
        return False, len(conns)
    names = [l.split(":")[0] for l in diff]
    held = used(d, "ipvs_conn") - base["res"]["ipvs_conn"][1]
    return all(conn_rows(n) for n in names) and held == len(conns), \
        len(conns)


def leak_report(lb, base, warm_rss):
    """Lines for the report, and what leaked (empty: nothing).  RSS is
    compared with its value once warm (pools' pages touched a first
    time are not a leak)."""
    d = lb["dpvs"]
    diff = wait_back(d, dict(base, rss=warm_rss), timeout=DRAIN, slack=SLACK)
    note = ""
    if diff and DRAIN < TIME_WAIT + 5:
        # The connections in TIME_WAIT keep wait_back waiting to its
        # end, when a packet in flight (a VRRP advert to the TAP) may
        # hold an mbuf: look a few times more for a moment without.
        for _ in range(10):
            if not diff:
                break
            ok, n = time_wait_only(d, base, diff)
            if ok:
                note = " (%d connections still in TIME_WAIT, listed)" % n
                diff = []
                break
            diff = wait_back(d, dict(base, rss=warm_rss), timeout=0.5,
                             slack=SLACK)
    end = snapshot(d)
    if any(conn_rows(l.split(":")[0]) for l in diff):
        diff.append("connections left:\n" + "\n".join(
            d.adm("-L", "-n", "-c").stdout.splitlines()[1:12]))
    lines = ["%s: resource            baseline      end     size" % lb["ns"]]
    for name, (kind, u, size) in base["res"].items():
        lines.append("  %-20s %10d %10d %10d" % (
            name, u, end["res"][name][1], size))
    lines.append("  %-20s %10d %10d  (%d KB a quarter in)" % (
        "RSS KB", base["rss"], end["rss"], warm_rss))
    lines.append("  %-20s %10d %10d" % ("open fds", base["fds"], end["fds"]))
    lines.append("  leaked: %s%s" % ("; ".join(diff) or "nothing", note))
    return lines, diff


def test_soak(soak_pair):
    pair = soak_pair
    lbs = pair["lbs"]
    for lb in lbs:
        # The default established timeout (900 s): a long flow closed at
        # the end must go by its closing states (TIME_WAIT 120 s, within
        # SOAK_DRAIN), not by its established deadline.  FIN_WAIT and
        # UDP 10 s.
        lb["dpvs"].adm("--set", "900", "10", "10")
    for lb in lbs:
        # keepalived up (a SIGHUP any sooner would kill it).
        assert wait_for(lambda: len(services(lb["dpvs"]).get(
            VIP + ":80", ())) == 3, timeout=25), lb["ka"].text()
    add_v6(pair, pair["backends"])
    reloader = Reloader(lbs, REAL, RELOAD_EVERY)
    reloader.reload(0)
    settle(pair)
    bases = [snapshot(lb["dpvs"]) for lb in lbs]
    states = [transitions(lb) for lb in lbs]

    t0 = time.time()
    client = Client(pair["cl"])
    client.start()
    client6 = Client(pair["cl"], URLS6)
    client6.start()
    flows = LongFlows(pair["cl"], VIP, FLOWS)
    churner = Churner(lbs, CHURN_SERVICES, CHURN_ADDRS, ROUTE_ROOM)
    loops = [reloader, churner] if CHURN else [reloader]
    if FLOOD_PPS:
        loops.append(FloodBursts(pair["fl"], net_of(pair), FLOOD_PPS,
                                 FLOOD_EVERY, FLOOD_BURST))
    for loop in loops:
        loop.start()
    def died():
        return any(lb["dpvs"].proc.poll() is not None for lb in lbs)

    dead = wait_for(died, timeout=SECONDS / 4, step=1)
    warm = [rss_kb(lb["dpvs"]) if not dead else 0 for lb in lbs]
    dead = dead or wait_for(died, timeout=t0 + SECONDS - time.time(), step=1)
    ok, failed = client.stop()
    ok6, failed6 = client6.stop()
    flood_bursts = loops[-1].stop() if FLOOD_PPS else 0
    churn = churner.stop() if CHURN else {"rounds": 0, "ops": 0}
    flow_results = flows.stop()
    reloads = reloader.stop()
    elapsed = time.time() - t0
    changes = [transitions(lb) - n for lb, n in zip(lbs, states)]

    report = [
        "soak: %.0f s (load average %s)" % (
            elapsed, " ".join(open("/proc/loadavg").read().split()[:3])),
        "requests: %d ok, %d failed %s" % (ok, len(failed), failed[:10]),
        "IPv6 requests (FullNAT v6, NAT64 by turns): %d ok, %d failed %s" % (
            ok6, len(failed6), failed6[:10]),
        "long flows (echo every 1 s): %s" % "; ".join(
            "#%d %d lines, max gap %.1f s%s" % (
                f["flow"], f["echoed"], f.get("max_gap", 0),
                ", " + f["error"] if f["error"] else "")
            for f in flow_results),
        "keepalived reloads: %d (%d errors %s)" % (
            reloads, len(reloader.errors), reloader.errors[:3]),
        "churn: %d rounds, %d operations (%d errors %s)" % (
            churn["rounds"], churn["ops"], len(churner.errors),
            churner.errors[:3]),
        "flood bursts: %d at %d pps" % (flood_bursts, FLOOD_PPS),
        "VRRP state changes: %s" % changes]
    leaks = []
    for lb, base, warm_rss in zip(lbs, bases, warm):
        lines, diff = leak_report(lb, base, warm_rss)
        report += lines
        leaks += diff
    print("\n" + "\n".join(report))

    assert not dead, "a daemon died:\n" + "\n".join(report)
    lost = failed or failed6 or not ok6 or intact(flow_results, elapsed) or \
        reloader.errors or \
        churner.errors or any(changes)
    assert not lost, "lost:\n" + "\n".join(report)
    assert not leaks, "leaked:\n" + "\n".join(report)
