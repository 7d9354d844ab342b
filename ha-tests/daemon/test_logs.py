"""dpvs's log says what happened and to what (docs/dpvs.md, "Log
messages"): a service, a real server of a service, a route, a port, each
named the way an operator types it, once per change."""
import pytest

from lbhost import client_lan
from netns import Topology, sh
from waiting import wait_for


@pytest.fixture
def topo():
    t = Topology("lg")
    yield t
    t.destroy()


@pytest.fixture
def lan(topo, dpvs_factory):
    return client_lan(topo, dpvs_factory)


def lines_with(d, text):
    return [l for l in d.log_text().splitlines() if text in l]


def test_operator_changes_are_logged_by_name(lan):
    d = lan["dpvs"]
    svc = ("-t", "10.0.0.100:80")
    d.adm("-A", *svc, "-s", "rr")
    d.adm("-a", *svc, "-r", "10.0.0.2:8080", "-m", "-w", "1")
    d.adm("-e", *svc, "-r", "10.0.0.2:8080", "-m", "-w", "3")
    d.adm("-E", *svc, "-s", "wrr")
    d.dpip("route", "add", "192.0.2.0/24", "via", "10.0.0.2", "dev", "dpdk0")
    d.dpip("route", "del", "192.0.2.0/24")
    d.adm("-D", *svc)
    d.adm("-A", "-u", "10.0.0.100:53", "-s", "rr")
    d.adm("-A", "-u", "10.0.0.100:54", "-s", "rr")
    d.adm("-C")
    expected = [
        "info ipvs: service TCP 10.0.0.100:80 added: scheduler rr",
        "info ipvs: real server 10.0.0.2:8080 of service TCP 10.0.0.100:80 "
        "added: nat, weight 1",
        "info ipvs: real server 10.0.0.2:8080 of service TCP 10.0.0.100:80 "
        "edited: weight 1 -> 3",
        "info ipvs: service TCP 10.0.0.100:80 edited: scheduler wrr",
        "info route: route 192.0.2.0/24 via 10.0.0.2 dev dpdk0 added",
        "info route: route 192.0.2.0/24 removed",
        "info ipvs: service TCP 10.0.0.100:80 removed with its 1 real server",
        "info ipvs: service UDP 10.0.0.100:53 added: scheduler rr",
        # A flush is one line, however many services it removes.
        "info ipvs: services flushed: 2 removed",
    ]
    log = d.log_text()
    for e in expected:
        assert len(lines_with(d, e)) == 1, "%r not once in:\n%s" % (e, log)
    # In that order.
    at = [log.index(e) for e in expected]
    assert at == sorted(at), log
    assert not lines_with(d, "service UDP 10.0.0.100:53 removed")
    # Refused changes log nothing.
    assert d.adm("-D", *svc, check=False).returncode != 0
    assert len(lines_with(d, "service TCP 10.0.0.100:80 removed")) == 1


def test_neighbours_and_local_addresses_are_logged(lan):
    d = lan["dpvs"]
    d.dpip("neigh", "add", "10.0.0.9", "lladdr", "02:00:00:00:00:09", "dev",
           "dpdk0")
    d.dpip("neigh", "del", "10.0.0.9", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.3/24", "dev", "dpdk0", "sapool")
    d.adm("-A", "-t", "10.0.0.100:80", "-s", "rr", "-p", "60")
    d.adm("-P", "-t", "10.0.0.100:80", "-z", "10.0.0.3", "-F", "dpdk0")
    d.adm("-Q", "-t", "10.0.0.100:80", "-z", "10.0.0.3")
    for e in ("info neigh: dpdk0: neighbour 10.0.0.9 lladdr 02:00:00:00:00:09 "
              "added (permanent)",
              "info neigh: dpdk0: neighbour 10.0.0.9 removed",
              "info ipvs: service TCP 10.0.0.100:80 added: scheduler rr, "
              "persistent 60 s",
              "info netif: dpdk0: address 10.0.0.3/24 added",
              "info ipvs: local address 10.0.0.3 on dpdk0 added to service "
              "TCP 10.0.0.100:80",
              "info ipvs: local address 10.0.0.3 on dpdk0 removed from "
              "service TCP 10.0.0.100:80"):
        assert len(lines_with(d, e)) == 1, "%r not once in:\n%s" % (
            e, d.log_text())


def test_port_link_changes_are_logged_by_port_name(lan):
    d, cl = lan["dpvs"], lan["cl"]
    sh("ip", "link", "set", "vcl0", "down", ns=cl)
    assert wait_for(lambda: lines_with(d, "notice netif: dpdk0: link down"),
                    timeout=10), d.log_text()
    sh("ip", "link", "set", "vcl0", "up", ns=cl)
    assert wait_for(lambda: lines_with(d, "notice netif: dpdk0: link up"),
                    timeout=10), d.log_text()
    assert len(lines_with(d, "dpdk0: link down")) == 1
