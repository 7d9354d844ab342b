"""Fixtures shared by the system tests: real daemons and the topologies
they serve, always torn down.  Helpers without pytest in them live in
lib/ (on sys.path from here), one module a job; see README.md."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))

from dpvsd import Dpvs  # noqa: E402
from keepalived import Keepalived, add_vrrp_if, health_check_path  # noqa: E402
from lbhost import farm_namespaces, lb_namespaces, start_lb  # noqa: E402
from netns import Topology  # noqa: E402
from servers import Backends  # noqa: E402


@pytest.fixture
def dpvs_factory(tmp_path):
    """Creates Dpvs instances; every one is stopped after the test."""
    made = []

    def make(workdir=None, **kw):
        d = Dpvs(workdir or tmp_path, **kw)
        made.append(d)
        return d

    yield make
    problems = []
    for d in made:
        rc = d.stop()
        log = d.log_text()
        # Sanitizer builds: any report in a daemon's output fails the test.
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                       "runtime error:"):
            if marker in log:
                problems.append("%s: %s (exit %s)\n%s" % (d.dir, marker, rc, log[-4000:]))
    assert not problems, "\n".join(problems)


@pytest.fixture
def dpvs(dpvs_factory):
    """A running daemon with one net_null port served by two workers."""
    d = dpvs_factory(devices=[("dpdk0", "net_null0,no-rx=1", 2, 2)],
                     sections={"ctrl": ["client_timeout_ms = 1000;"]})
    return d.start()


@pytest.fixture
def backends(tmp_path):
    b = Backends(tmp_path)
    yield b
    b.stop()


@pytest.fixture
def lb(dpvs_factory):
    """client 10.0.0.2 -- dpdk0 [dpvs, 4 workers] dpdk1 -- 10.0.1.0/24 servers
    (one namespace holding 10.0.1.11-13)"""
    t = Topology("lb")
    try:
        lbns, cl, rs = lb_namespaces(t)
        d = start_lb(dpvs_factory, lbns)
        yield {"dpvs": d, "cl": cl, "rs": rs, "lb": lbns, "topo": t}
    finally:
        t.destroy()


@pytest.fixture
def farm(dpvs_factory):
    """Like lb, but three real servers in namespaces of their own on a
    bridge, each owning the VIP on lo (as DR and TUN servers do) and
    routing back through dpvs (forwarding on)."""
    t = Topology("fm")
    try:
        lbns, cl, servers = farm_namespaces(t)
        d = start_lb(dpvs_factory, lbns, {"ipv4": ["forwarding = true;"]})
        yield {"dpvs": d, "cl": cl, "servers": servers, "topo": t}
    finally:
        t.destroy()


@pytest.fixture
def ka(lb, tmp_path):
    """keepalived in dpvs's namespace; its health checks leave through
    dpdk1's kernel twin (10.0.1.2, a kni_host route in dpvs)."""
    health_check_path(lb)
    k = Keepalived(tmp_path, lb["lb"], lb["dpvs"])
    yield k
    k.stop()


@pytest.fixture
def vrrp_if(lb):
    """A kernel veth in lb's namespace for VRRP_CONF's instance."""
    return add_vrrp_if(lb["lb"])
