"""An active/standby pair: two LB hosts, each its own dpvs and keepalived,
on one L2 segment with a client and the backends."""
import os
import subprocess
import time

import pytest

from dpvsd import ROOT
from netns import Topology, sh
from test_keepalived import Keepalived
from test_lb import Backends, curl_many
from waiting import wait_for

KA_CONF = """
global_defs {
    router_id %(name)s
}
vrrp_instance VI_1 {
    state BACKUP
    interface dpdk0.kni
    dpdk_interface dpdk0
    virtual_router_id 51
    priority %(prio)d
    advert_int 1
    virtual_ipaddress {
        10.0.0.100/32
    }
    virtual_routes {
        10.9.0.0/24 via 10.0.0.254
    }
}
local_address_group lips {
    %(lip)s dpdk0
}
virtual_server 10.0.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind FNAT
    protocol TCP
    laddr_group_name lips
%(reals)s
}
"""

REAL = """    real_server 10.0.0.%d 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
"""


@pytest.fixture
def pair(dpvs_factory, tmp_path):
    """client 10.0.0.2, backends 10.0.0.21-23, lb1 (kernel 10.0.0.11,
    LIP .101) and lb2 (.12, LIP .102), all on one bridge."""
    t = Topology("vr")
    backends = Backends(tmp_path)
    kas = []
    try:
        sw, cl, rs = t.ns("sw"), t.ns("cl"), t.ns("rs")
        sh("ip", "link", "add", "br0", "type", "bridge", ns=sw)
        sh("ip", "link", "set", "br0", "up", ns=sw)

        def plug(ns, ifname, port):
            t.veth(ns, ifname, sw, port)
            sh("ip", "link", "set", port, "master", "br0", ns=sw)

        plug(cl, "eth0", "pcl")
        plug(rs, "eth0", "prs")
        sh("ip", "addr", "add", "10.0.0.2/24", "dev", "eth0", ns=cl)
        for h in (21, 22, 23):
            sh("ip", "addr", "add", "10.0.0.%d/24" % h, "dev", "eth0", ns=rs)
            backends.start(rs, "10.0.0.%d" % h, "rs%d" % (h - 20))
        lbs = []
        for i, (kaddr, lip, prio) in enumerate((("10.0.0.11", "10.0.0.101", 150),
                                                ("10.0.0.12", "10.0.0.102", 100))):
            ns = t.ns("lb%d" % (i + 1))
            plug(ns, "vlb0", "plb%d" % (i + 1))
            d = dpvs_factory(netns=ns, devices=[
                ("dpdk0", "net_af_packet%d,iface=vlb0" % i, 1, 1)],
                workers=[(1, [("dpdk0", [0], [0])])])
            d.start()
            d.dpip("addr", "add", "%s/24" % lip, "dev", "dpdk0", "sapool")
            # The kernel's own address: VRRP adverts and health checks.
            d.dpip("route", "add", "%s/32" % kaddr, "dev", "dpdk0", "scope",
                   "kni_host")
            assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                              ns=ns).stdout)
            sh("ip", "addr", "add", "%s/24" % kaddr, "dev", "dpdk0.kni", ns=ns)
            kdir = tmp_path / ("ka%d" % (i + 1))
            kdir.mkdir()
            k = Keepalived(kdir, ns, d)
            k.write(KA_CONF % {"name": "lb%d" % (i + 1), "prio": prio,
                               "lip": lip,
                               "reals": "".join(REAL % h for h in (21, 22, 23))})
            k.start()
            kas.append(k)
            lbs.append({"ns": ns, "dpvs": d, "ka": k})
        yield {"cl": cl, "lbs": lbs, "topo": t}
    finally:
        for k in kas:
            k.stop()
        backends.stop()
        t.destroy()


def has_vip(lb):
    return "10.0.0.100/32" in lb["dpvs"].dpip("addr", "show").stdout


def test_vip_fails_over_when_the_master_dies(pair):
    cl = pair["cl"]
    lb1, lb2 = pair["lbs"]
    assert wait_for(lambda: has_vip(lb1), timeout=20), lb1["ka"].text()
    assert not has_vip(lb2)
    assert wait_for(lambda: len([l for l in lb1["dpvs"].adm("-L", "-n").stdout
                                 .splitlines() if "FullNat" in l]) == 3,
                    timeout=15), lb1["ka"].text()
    got = curl_many(cl, "http://10.0.0.100/", 6)
    assert set(got) == {"rs1", "rs2", "rs3"}, got
    # The MASTER's data plane dies: its adverts stop with its TAP.
    t0 = time.time()
    lb1["dpvs"].proc.kill()
    lb1["dpvs"].proc.wait()
    ok = wait_for(lambda: sh("curl", "-s", "-m", "1", "http://10.0.0.100/",
                             ns=cl, check=False).returncode == 0,
                  timeout=20, step=0.2)
    failover = time.time() - t0
    print("\nVRRP failover: first successful request %.1f s after the "
          "MASTER's dpvs died" % failover)
    assert ok, lb2["ka"].text()
    assert has_vip(lb2)
    got = curl_many(cl, "http://10.0.0.100/", 6)
    assert set(got) == {"rs1", "rs2", "rs3"}, got


def test_vip_moves_when_the_masters_keepalived_stops(pair):
    cl = pair["cl"]
    lb1, lb2 = pair["lbs"]
    assert wait_for(lambda: has_vip(lb1), timeout=20), lb1["ka"].text()
    assert wait_for(lambda: curl_many(cl, "http://10.0.0.100/", 1).get("error:7")
                    is None, timeout=10)
    t0 = time.time()
    lb1["ka"].stop()                 # SIGTERM: it takes its VIPs away
    assert wait_for(lambda: not has_vip(lb1), timeout=5)
    ok = wait_for(lambda: sh("curl", "-s", "-m", "1", "http://10.0.0.100/",
                             ns=cl, check=False).returncode == 0,
                  timeout=20, step=0.2)
    print("\nVRRP failover: first successful request %.1f s after the "
          "MASTER's keepalived stopped" % (time.time() - t0))
    assert ok, lb2["ka"].text()
    assert has_vip(lb2)


def has_route(lb):
    return "10.9.0.0/24 via 10.0.0.254" in lb["dpvs"].dpip("route", "show").stdout


def test_virtual_routes_follow_the_master(pair):
    """virtual_routes of the instance are in the MASTER's dpvs only, and
    move with the VIPs."""
    lb1, lb2 = pair["lbs"]
    assert wait_for(lambda: has_vip(lb1) and has_route(lb1), timeout=20), (
        lb1["dpvs"].dpip("route", "show").stdout + lb1["ka"].text())
    assert not has_route(lb2), lb2["dpvs"].dpip("route", "show").stdout
    lb1["ka"].stop()
    assert wait_for(lambda: not has_route(lb1), timeout=5)
    assert wait_for(lambda: has_vip(lb2) and has_route(lb2), timeout=20), (
        lb2["ka"].text())
