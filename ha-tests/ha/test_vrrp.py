"""An active/standby pair: two LB hosts, each its own dpvs and keepalived,
on one L2 segment with a client and the backends."""
import time

import pytest

from netns import sh
from servers import curl_many
from vrrp_pair import has_vip, vrrp_pair
from waiting import wait_for


@pytest.fixture
def pair(dpvs_factory, tmp_path):
    """client 10.0.0.2, backends 10.0.0.21-23, lb1 (kernel 10.0.0.11,
    LIP .101) and lb2 (.12, LIP .102), all on one bridge."""
    with vrrp_pair(dpvs_factory, tmp_path) as p:
        yield p


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
