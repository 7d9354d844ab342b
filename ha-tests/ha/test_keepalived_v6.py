"""keepalived with IPv6 (docs/keepalived.md "IPv6"): IPv6 virtual and
real servers, local_address_group with IPv6 addresses, NAT64 (an IPv6
virtual server over IPv4 real servers), the push to a restarted dpvs,
and an IPv6 VIP of a VRRPv3 pair announced with unsolicited NAs.

The lb fixture's host gets IPv6 on both sides: the client
2001:db8::2/64 -- dpdk0 2001:db8::1/64 [dpvs] dpdk1 2001:db8:1::1/64 --
the servers 2001:db8:1::11-12/64.  Neighbours are learnt by NDP (no
static entries); DAD is off on the test veths.  keepalived's health
checks leave through dpdk1's kernel twin, 2001:db8:1::2 (a kni_host
route in dpvs), as the IPv4 ones do through 10.0.1.2.
"""
import re

import pytest

from keepalived import Keepalived, dests, laddrs_of
from lan6 import need_dpip6
from netns import sh
from servers import Backends, curl_many
from waiting import wait_for

VIP6 = "2001:db8::100"
TWIN6 = "2001:db8:1::2"
RS6 = ("2001:db8:1::11", "2001:db8:1::12")

HTTP_REAL6 = """    real_server %s 80 {
        weight 1
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
"""

TCP_REAL4 = """    real_server 10.0.1.%d 80 {
        weight 1
        lb_kind FNAT
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
"""

V6_CONF = """
global_defs {
    router_id lb1
}
local_address_group lips6 {
    2001:db8:1::100-101 dpdk1
}
virtual_server %s 80 {
    delay_loop 1
    lb_algo rr
    lb_kind FNAT
    protocol TCP
    laddr_group_name lips6
%%s
}
""" % VIP6

NAT64_CONF = """
global_defs {
    router_id lb1
}
local_address_group lips4 {
    10.0.1.100-101 dpdk1
}
virtual_server %s 80 {
    delay_loop 1
    lb_algo rr
    lb_kind FNAT
    protocol TCP
    laddr_group_name lips4
%%s
}
""" % VIP6


def host6(ns, ifname, addr):
    """addr on a kernel interface without DAD (sysctl keys with slashes:
    the twins' names have a dot)."""
    for key in ("disable_ipv6=0", "accept_dad=0"):
        sh("sysctl", "-qw", "net/ipv6/conf/%s/%s" % (ifname, key), ns=ns)
    sh("ip", "-6", "addr", "add", addr, "dev", ifname, "nodad", ns=ns)


def v6_host(lb):
    """IPv6 on the lb fixture's host (module docstring); NDP both ways."""
    d, lbns, cl, rs = lb["dpvs"], lb["lb"], lb["cl"], lb["rs"]
    need_dpip6(d)
    d.dpip("addr", "add", "2001:db8::1/64", "dev", "dpdk0", "nodad")
    d.dpip("addr", "add", VIP6 + "/128", "dev", "dpdk0", "nodad")
    d.dpip("addr", "add", "2001:db8:1::1/64", "dev", "dpdk1", "nodad")
    host6(cl, "vcl0", "2001:db8::2/64")
    for a in RS6:
        host6(rs, "vrs0", a + "/64")
    twin6(lb)


def twin6(lb):
    """keepalived's IPv6 health checks leave through dpdk1's twin."""
    d, lbns = lb["dpvs"], lb["lb"]
    d.dpip("route", "add", TWIN6 + "/128", "dev", "dpdk1", "scope", "kni_host")
    assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk1.kni",
                                      ns=lbns).stdout)
    host6(lbns, "dpdk1.kni", TWIN6 + "/64")


def dests6(d):
    """The real servers dpvsadm -L -n lists, as it prints them."""
    out = d.adm("-L", "-n").stdout
    return sorted(l.split()[1] for l in out.splitlines()
                  if l.strip().startswith("->") and l.split()[1][0] in "[0123456789"
                  and l.split()[1] != "RemoteAddress:Port")


def services(d):
    return [l for l in d.adm("-L", "-n").stdout.splitlines()
            if l.startswith(("TCP", "UDP"))]


def table(d):
    """Services and real servers with their method and weight (no
    counters: connections still expire)."""
    return [l.split()[:4] for l in d.adm("-L", "-n").stdout.splitlines()
            if l.startswith(("TCP", "UDP")) or l.strip().startswith("-> ")]


def curl6(cl, n):
    got = {}
    for _ in range(n):
        r = sh("curl", "-s", "-g", "-m", "3", "http://[%s]/" % VIP6, ns=cl,
               check=False)
        k = r.stdout.strip() or "error:%d" % r.returncode
        got[k] = got.get(k, 0) + 1
    return got


@pytest.fixture
def v6lb(lb, ka):
    """lb with IPv6 (and ka's IPv4 health-check path)."""
    v6_host(lb)
    return lb


def test_v6_virtual_server_http_get_via_twin(v6lb, ka, tmp_path):
    """HTTP_GET checks of IPv6 backends go through the twin; the service
    reaches dpvs and serves HTTP over IPv6; a backend that stops leaves."""
    d, cl, rs = v6lb["dpvs"], v6lb["cl"], v6lb["rs"]
    backends = Backends(tmp_path)
    try:
        for i, a in enumerate(RS6):
            backends.start(rs, a, "rs%d" % (i + 1))
        ka.write(V6_CONF % "".join(HTTP_REAL6 % a for a in RS6))
        ka.start("-C")
        want = ["[%s]:80" % a for a in RS6]
        assert wait_for(lambda: dests6(d) == want, timeout=20), (
            d.adm("-L", "-n").stdout + ka.text())
        assert services(d) == ["TCP  [%s]:80 rr" % VIP6], services(d)
        assert "FullNat" in d.adm("-L", "-n").stdout
        got = curl6(cl, 8)
        assert set(got) == {"rs1", "rs2"}, got
        # rs2 stops: its HTTP_GET, through the twin, fails; it leaves.
        backends.procs[1].kill()
        backends.procs[1].wait()
        assert wait_for(lambda: dests6(d) == want[:1], timeout=15), ka.text()
        assert set(curl6(cl, 4)) == {"rs1"}
        assert "Address family" not in ka.text()
    finally:
        backends.stop()


def test_v6_local_address_group(v6lb, ka, tmp_path):
    """A group's IPv6 range becomes the service's local addresses (dpvs
    lists them as sapool addresses of dpdk1), and the backends see the
    connections come from them."""
    d, cl, rs = v6lb["dpvs"], v6lb["cl"], v6lb["rs"]
    backends = Backends(tmp_path)
    try:
        backends.start(rs, RS6[0], "rs1")
        ka.write(V6_CONF % (HTTP_REAL6 % RS6[0]))
        ka.start("-C")
        svc = "[%s]:80" % VIP6
        assert wait_for(lambda: sorted(laddrs_of(d).get(svc, [])) ==
                        ["2001:db8:1::100", "2001:db8:1::101"], timeout=20), (
            d.adm("-G").stdout + ka.text())
        addrs = d.dpip("-6", "addr").stdout
        assert re.search(r"inet6 2001:db8:1::100/128 .*sapool", addrs), addrs
        assert curl6(cl, 4) == {"rs1": 4}
        # The connections reached the backend from the group's addresses.
        conns = sh("ss", "-Htn", "state", "time-wait", ns=rs).stdout
        assert re.search(r"\[?2001:db8:1::10[01]\]?:\d+", conns), conns
    finally:
        backends.stop()


def test_nat64_virtual_server_loads(v6lb, ka, tmp_path):
    """An IPv6 virtual server over IPv4 FNAT real servers: keepalived keeps
    them (patch 0017), dpvs translates; two reloads duplicate and lose
    nothing."""
    d, cl, rs = v6lb["dpvs"], v6lb["cl"], v6lb["rs"]
    backends = Backends(tmp_path)
    try:
        for host in (11, 12):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        ka.write(NAT64_CONF % "".join(TCP_REAL4 % h for h in (11, 12)))
        ka.start("-C")
        want = ["10.0.1.11:80", "10.0.1.12:80"]
        assert wait_for(lambda: dests6(d) == want, timeout=20), (
            d.adm("-L", "-n").stdout + ka.text())
        assert "don't match" not in ka.text(), ka.text()
        listing, groups = table(d), laddrs_of(d)
        assert len(listing) == 4, listing   # (with the header)
        assert groups == {"[%s]:80" % VIP6: ["10.0.1.100", "10.0.1.101"]}, groups
        got = curl6(cl, 8)
        assert set(got) == {"rs1", "rs2"}, got
        for n in (1, 2):
            ka.proc.send_signal(1)   # SIGHUP: the same configuration
            assert wait_for(lambda: ka.text().count("Reloading") >= n,
                            timeout=10), ka.text()
            # a reload settles within a few seconds; then nothing moves
            assert wait_for(lambda: table(d) == listing and
                            laddrs_of(d) == groups, timeout=10), (
                d.adm("-L", "-n").stdout + d.adm("-G").stdout)
        assert set(curl6(cl, 6)) == {"rs1", "rs2"}
        assert "dpvs: " not in "".join(l for l in ka.text().splitlines(True)
                                       if "refused" in l)
    finally:
        backends.stop()


def test_v6_resync_after_dpvs_restart(v6lb, ka, tmp_path):
    """dpvs restarts empty: keepalived pushes the IPv6 service, its real
    servers and local addresses again, and it serves."""
    d, cl, rs, lbns = v6lb["dpvs"], v6lb["cl"], v6lb["rs"], v6lb["lb"]
    backends = Backends(tmp_path)
    try:
        for i, a in enumerate(RS6):
            backends.start(rs, a, "rs%d" % (i + 1))
        ka.write(V6_CONF % "".join(HTTP_REAL6 % a for a in RS6))
        ka.start("-C")
        want = ["[%s]:80" % a for a in RS6]
        assert wait_for(lambda: dests6(d) == want, timeout=20), ka.text()
        groups = laddrs_of(d)
        d.proc.kill()
        d.proc.wait()
        d.stop()
        d.start()
        # the host's own set-up, as an operator's script would redo it
        d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
        d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
        d.dpip("route", "add", "10.0.1.2/32", "dev", "dpdk1", "scope", "kni_host")
        d.dpip("addr", "add", "2001:db8::1/64", "dev", "dpdk0", "nodad")
        d.dpip("addr", "add", VIP6 + "/128", "dev", "dpdk0", "nodad")
        d.dpip("addr", "add", "2001:db8:1::1/64", "dev", "dpdk1", "nodad")
        d.dpip("route", "add", TWIN6 + "/128", "dev", "dpdk1", "scope", "kni_host")
        assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk1.kni",
                                          ns=lbns).stdout)
        sh("ip", "addr", "add", "10.0.1.2/24", "dev", "dpdk1.kni", ns=lbns)
        host6(lbns, "dpdk1.kni", TWIN6 + "/64")
        assert wait_for(lambda: dests6(d) == want and laddrs_of(d) == groups,
                        timeout=20), (d.adm("-L", "-n").stdout + ka.text())
        assert "dpvs restarted" in ka.text()
        assert services(d) == ["TCP  [%s]:80 rr" % VIP6]
        got = curl6(cl, 6)
        assert set(got) == {"rs1", "rs2"}, got
    finally:
        backends.stop()
