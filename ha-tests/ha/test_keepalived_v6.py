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


# ---- VRRPv3 with an IPv6 VIP: a pair on one bridge ----

VRRP6_CONF = """
global_defs {
    router_id %(name)s
}
vrrp_instance VI_6 {
    state BACKUP
    interface dpdk0.kni
    dpdk_interface dpdk0
    virtual_router_id 56
    version 3
    priority %(prio)d
    advert_int 0.5
    virtual_ipaddress {
        2001:db8::100/64
    }
}
"""


def mac_of(d):
    out = d.dpip("link", "show", "dpdk0").stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def has_vip6(lb):
    return re.search(r"inet6 %s/64\b" % VIP6, lb["dpvs"].dpip("-6", "addr").stdout)


def client_neigh(cl):
    """The client's neighbour entry for the VIP: its MAC, or None."""
    m = re.search(r"lladdr ([0-9a-f:]{17})",
                  sh("ip", "-6", "neigh", "show", VIP6, "dev", "eth0", ns=cl).stdout)
    return m and m.group(1)


@pytest.fixture
def pair6(dpvs_factory, tmp_path):
    """client 2001:db8::2 and two LBs (dpvs, one worker, and keepalived:
    lb1 priority 150, lb2 100), VRRPv3 over IPv6 on the twins
    (link-local adverts to ff02::12), all on one bridge."""
    from netns import Topology
    t = Topology("v6")
    kas = []
    try:
        sw, cl = t.ns("sw"), t.ns("cl")
        sh("ip", "link", "add", "br0", "type", "bridge", ns=sw)
        sh("ip", "link", "set", "br0", "up", ns=sw)
        t.veth(cl, "eth0", sw, "pcl")
        sh("ip", "link", "set", "pcl", "master", "br0", ns=sw)
        host6(cl, "eth0", "2001:db8::2/64")
        lbs = []
        for i, prio in enumerate((150, 100)):
            ns = t.ns("lb%d" % (i + 1))
            t.veth(ns, "vlb0", sw, "plb%d" % (i + 1))
            sh("ip", "link", "set", "plb%d" % (i + 1), "master", "br0", ns=sw)
            d = dpvs_factory(netns=ns, devices=[
                ("dpdk0", "net_af_packet%d,iface=vlb0" % i, 1, 1)],
                workers=[(1, [("dpdk0", [0], [0])])])
            d.start()
            need_dpip6(d)
            d.dpip("addr", "add", "2001:db8::%d/64" % (11 + i), "dev", "dpdk0",
                   "nodad")
            assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                              ns=ns).stdout)
            # VRRPv3 speaks from the twin's link-local address
            for key in ("disable_ipv6=0", "accept_dad=0"):
                sh("sysctl", "-qw", "net/ipv6/conf/dpdk0.kni/%s" % key, ns=ns)
            kdir = tmp_path / ("ka%d" % (i + 1))
            kdir.mkdir()
            k = Keepalived(kdir, ns, d)
            k.write(VRRP6_CONF % {"name": "lb%d" % (i + 1), "prio": prio})
            k.start()
            kas.append(k)
            lbs.append({"ns": ns, "dpvs": d, "ka": k, "mac": mac_of(d)})
        yield {"cl": cl, "lbs": lbs}
    finally:
        for k in kas:
            k.stop()
        t.destroy()


def test_vrrpv3_v6_vip_failover_with_una(pair6):
    """The MASTER puts the IPv6 VIP in its dpvs (NODAD: at once); when it
    stops, the BACKUP takes the VIP over and announces it with unsolicited
    NAs: the client's neighbour entry moves to the new LB's MAC without
    the client soliciting, and the VIP answers from there."""
    cl, (lb1, lb2) = pair6["cl"], pair6["lbs"]
    assert wait_for(lambda: has_vip6(lb1), timeout=20), (
        lb1["dpvs"].dpip("-6", "addr").stdout + lb1["ka"].text())
    assert "nodad" in has_vip6(lb1).string.split(VIP6, 1)[1].splitlines()[0]
    assert not has_vip6(lb2)
    r = sh("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", VIP6, ns=cl,
           check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert client_neigh(cl) == lb1["mac"]
    una = lb2["dpvs"].pkt_stats()["nd_una_sent"]
    lb1["ka"].stop()
    assert wait_for(lambda: has_vip6(lb2), timeout=15), lb2["ka"].text()
    assert wait_for(lambda: not has_vip6(lb1), timeout=5)
    # No traffic from the client meanwhile: only an NA can have moved it.
    assert wait_for(lambda: client_neigh(cl) == lb2["mac"], timeout=10), (
        sh("ip", "-6", "neigh", ns=cl).stdout, lb2["mac"])
    assert lb2["dpvs"].pkt_stats()["nd_una_sent"] > una
    r = sh("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", VIP6, ns=cl,
           check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def ka_walk(snmpd, table):
    """{index: {column: value}} of a KEEPALIVED-MIB table (as
    snmp/test_keepalived_snmp.py walks it), and the text."""
    import os
    import subprocess
    from snmpd import MIBDIR, RO_COMMUNITY
    r = subprocess.run(
        ["snmpwalk", "-v2c", "-c", RO_COMMUNITY, "-t", "3", "-r", "1",
         "-M", "+" + MIBDIR, "-m", "+KEEPALIVED-MIB", "-OQs",
         "127.0.0.1:%d" % snmpd.port, "KEEPALIVED-MIB::" + table],
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, SNMP_PERSISTENT_DIR=snmpd.dir))
    rows = {}
    for line in r.stdout.splitlines():
        m = re.match(r"(\w+)\.([\d.]+) = (.*)$", line)
        if m:
            rows.setdefault(m.group(2), {})[m.group(1)] = m.group(3).strip()
    return rows, r.stdout + r.stderr


def num(v):
    return int(v.split()[0])


def test_v6_checker_snmp_reads_dpvs_counters(v6lb, ka, tmp_path):
    """keepalived's own SNMP (KEEPALIVED-MIB virtualServerTable and
    realServerTable) shows the IPv6 service and servers with dpvs's
    counters: libipvs_dpvs.c reads them for IPv6 too."""
    import ipaddress
    from snmpd import Snmpd
    d, cl, rs = v6lb["dpvs"], v6lb["cl"], v6lb["rs"]
    backends = Backends(tmp_path)
    snmpd = Snmpd(str(tmp_path))
    try:
        snmpd.start()
        for i, a in enumerate(RS6):
            backends.start(rs, a, "rs%d" % (i + 1))
        conf = (V6_CONF % "".join(HTTP_REAL6 % a for a in RS6)).replace(
            "    router_id lb1\n", "    router_id lb1\n    enable_snmp_checker\n"
            "    snmp_socket unix:%s\n" % snmpd.agentx)
        ka.write(conf)
        ka.start("-C")
        assert wait_for(lambda: len(dests6(d)) == 2, timeout=20), ka.text()
        assert set(curl6(cl, 6)) == {"rs1", "rs2"}
        v6 = lambda s: str(ipaddress.ip_address(bytes(  # noqa: E731
            int(o, 16) for o in s.strip('"').split())))

        def seen():
            vs, _ = ka_walk(snmpd, "virtualServerTable")
            reals, _ = ka_walk(snmpd, "realServerTable")
            return (len(vs) == 1 and
                    num(next(iter(vs.values()))["virtualServerStatsConns"]) >= 6
                    and sum(num(r["realServerStatsConns"])
                            for r in reals.values()) >= 6 and reals)
        # keepalived caches what it read for 5 s
        assert wait_for(seen, timeout=20, step=1), (
            ka_walk(snmpd, "virtualServerTable")[1] + ka.text())
        vs, text = ka_walk(snmpd, "virtualServerTable")
        row = next(iter(vs.values()))
        assert v6(row["virtualServerAddress"]) == VIP6, text
        reals, text = ka_walk(snmpd, "realServerTable")
        assert sorted(v6(r["realServerAddress"]) for r in reals.values()) == \
            list(RS6), text
    finally:
        ka.stop()
        snmpd.stop()
        backends.stop()

