"""HA addresses and the HA lease on one dpvs (no keepalived).

An `ha` address is answered for (ARP) and announced only while this dpvs
holds the lease; an address the holder added as `leased` (a VIP) goes
when the lease ends: its holder's connection closing (kill -9), or its
TTL passing (the holder stopped).
"""
import os
import signal
import subprocess
import time

import pytest

from netns import Topology, sh
from servers import PKTTOOL, PY

# TEMPORARY (P4): the wire stub stands in for P1's `dpvsctl ha hold` and
# dpip's `ha`/`leased` words until they are on main.
import STUB_p4_lease
from STUB_p4_lease import ADDR_F_HA, ADDR_F_LEASED, ADDR_F_SAPOOL, Wire

LIB = os.path.dirname(os.path.abspath(STUB_p4_lease.__file__))

HA_ADDR, VIP = "10.0.0.110", "10.0.0.100"
TTL_MS = 300


@pytest.fixture
def topo():
    t = Topology("ha")
    yield t
    t.destroy()


@pytest.fixture
def lan(topo, dpvs_factory):
    """client (10.0.0.2) -- veth -- dpvs dpdk0 (10.0.0.1/24), 2 workers."""
    lb, cl = topo.ns("lb"), topo.ns("cl")
    topo.veth(lb, "vlb0", cl, "vcl0")
    sh("ip", "addr", "add", "10.0.0.2/24", "dev", "vcl0", ns=cl)
    d = dpvs_factory(netns=lb, devices=[
        ("dpdk0", "net_af_packet0,iface=vlb0,qpairs=2", 2, 2)])
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    holders = []
    yield {"lb": lb, "cl": cl, "dpvs": d, "holders": holders}
    for p in holders:
        if p.poll() is None:
            p.kill()
            p.wait()


def add_addr(d, addr, flags):
    """dpip's words once it has them (P1), else the wire itself."""
    words = [w for f, w in ((ADDR_F_SAPOOL, "sapool"), (ADDR_F_HA, "ha"),
                            (ADDR_F_LEASED, "leased")) if flags & f]
    r = d.dpip("addr", "add", addr + "/32", "dev", "dpdk0", *words,
               check=False)
    if r.returncode == 0:
        return
    w = Wire(d.ipc)
    try:
        w.addr_add("dpdk0", addr, 32, flags)
    finally:
        w.close()


def hold_lease(lan, ttl_ms=TTL_MS):
    """A process holding the lease, renewing it every TTL/6, until killed
    (to become `dpvsctl ha hold --ttl` at merge).  Returns it once held."""
    d = lan["dpvs"]
    argv = [PY, os.path.join(LIB, "STUB_p4_lease.py"), "hold", d.ipc,
            str(ttl_ms), str(ttl_ms // 6)]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    lan["holders"].append(p)
    line = p.stdout.readline()
    assert line.startswith("held"), "the lease was not taken: %r" % line
    return p


def arp_answered(cl, addr):
    """Whether addr answers ARP from the client (a fresh resolution)."""
    sh("ip", "neigh", "flush", "to", addr, "dev", "vcl0", ns=cl, check=False)
    sh("ping", "-c", "1", "-W", "1", addr, ns=cl, check=False)
    out = sh("ip", "neigh", "show", addr, "dev", "vcl0", ns=cl).stdout
    return "lladdr" in out


def has_addr(d, addr):
    return (addr + "/") in d.dpip("addr", "show").stdout


def test_ha_address_answered_and_announced_only_with_lease(lan):
    d, cl = lan["dpvs"], lan["cl"]
    sniffer = subprocess.Popen(
        ["ip", "netns", "exec", cl, PY, PKTTOOL, "sniff", "vcl0", "2.5",
         "arp and src host %s" % HA_ADDR], stdout=subprocess.PIPE, text=True)
    assert sniffer.stdout.readline().strip() == "ready"
    add_addr(d, HA_ADDR, ADDR_F_SAPOOL | ADDR_F_HA)
    time.sleep(0.5)
    # Added without the lease: not announced (the sniffer sees it later).
    hold_lease(lan, ttl_ms=5000)
    frames = sniffer.communicate(timeout=10)[0].split()
    # ARP opcode at byte 20 of the frame: 1 request, 2 reply.
    garps = [f for f in frames if f[40:44] == "0001"]
    assert len(garps) == 3, "gratuitous ARP seen: %d" % len(garps)
    assert arp_answered(cl, HA_ADDR)
    assert arp_answered(cl, "10.0.0.1")


def test_ha_address_silent_without_lease(lan):
    d, cl = lan["dpvs"], lan["cl"]
    add_addr(d, HA_ADDR, ADDR_F_SAPOOL | ADDR_F_HA)
    before = d.pkt_stats()["arp_ha_inactive"]
    assert not arp_answered(cl, HA_ADDR)
    assert d.pkt_stats()["arp_ha_inactive"] > before
    assert arp_answered(cl, "10.0.0.1")
    assert has_addr(d, HA_ADDR)


def gone_after(d, addr, t0, limit):
    """Seconds from t0 until addr left dpvs's addresses (polled), or None."""
    while time.monotonic() - t0 < limit:
        if not has_addr(d, addr):
            return time.monotonic() - t0
    return None


def test_holder_killed_removes_vips_and_silences(lan):
    d, cl = lan["dpvs"], lan["cl"]
    add_addr(d, HA_ADDR, ADDR_F_SAPOOL | ADDR_F_HA)
    p = hold_lease(lan)
    add_addr(d, VIP, ADDR_F_LEASED)
    assert has_addr(d, VIP) and arp_answered(cl, HA_ADDR)
    t0 = time.monotonic()
    p.send_signal(signal.SIGKILL)
    took = gone_after(d, VIP, t0, 2.0)
    print("VIP gone %.3f s after the holder's kill -9" % (took or -1))
    # The close hook acts at once (a few ms); the margin is the polling
    # dpip's on a loaded machine.
    assert took is not None and took < 0.5, took
    assert not arp_answered(cl, HA_ADDR)
    assert has_addr(d, HA_ADDR)
    assert "lease lost (connection closed): removed 1 VIP, 1 ha address " \
        "inactive" in d.log_text()


def test_holder_stopped_loses_lease_by_ttl(lan):
    d, cl = lan["dpvs"], lan["cl"]
    add_addr(d, HA_ADDR, ADDR_F_SAPOOL | ADDR_F_HA)
    p = hold_lease(lan)
    add_addr(d, VIP, ADDR_F_LEASED)
    time.sleep(0.5)  # renewed meanwhile: still there
    assert has_addr(d, VIP)
    t0 = time.monotonic()
    p.send_signal(signal.SIGSTOP)
    try:
        took = gone_after(d, VIP, t0, 2.0)
        print("VIP gone %.3f s after the holder stopped (TTL %d ms)"
              % (took or -1, TTL_MS))
        # The TTL ended it, not anything at once (a close takes a few
        # ms), and within the TTL, the 10 ms check and the polling's
        # margin on a loaded machine (the last renewal was up to TTL/6
        # before the stop, later if the holder was held up).
        assert took is not None, "still there 2 s after the stop"
        assert took >= 0.1, took
        assert took < TTL_MS / 1000.0 + 0.5, took
        assert not arp_answered(cl, HA_ADDR)
        assert "lease lost (TTL passed)" in d.log_text()
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait()
