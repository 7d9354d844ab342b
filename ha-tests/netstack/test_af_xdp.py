"""dpvs on net_af_xdp ports (docs/network.md, "AF_XDP ports"): FullNAT
HTTP through them, ARP and the kernel path, the link from the kernel
interface, and port configs that cannot work refused at start."""
import ast
import glob
import os
import re
import socket

import pytest

from lbhost import fnat_service, kni_host_echo, lb_namespaces
from netns import Topology, sh
from servers import PY
from waiting import wait_for

AF_XDP = 44     # AF_XDP, Linux 4.18 on; Python's socket module has no name


def af_xdp_missing():
    """Why this machine cannot run an af_xdp port, or None."""
    try:
        socket.socket(AF_XDP, socket.SOCK_RAW).close()
    except OSError as e:
        return "the kernel has no AF_XDP sockets (%s)" % e
    if not glob.glob("/usr/lib/*/dpdk/pmds-*/librte_net_af_xdp.so*"):
        return "DPDK's net_af_xdp driver is not installed"
    return None


pytestmark = pytest.mark.skipif(af_xdp_missing() is not None,
                                reason=str(af_xdp_missing()))

DEVS = [("dpdk0", "net_af_xdp0,iface=vlb0", 1, 1),
        ("dpdk1", "net_af_xdp1,iface=vlb1", 1, 1)]
# A veth has one AF_XDP queue: one worker polls both ports.
WORKERS = [(1, [("dpdk0", [0], [0]), ("dpdk1", [0], [0])])]

MANY_GETS = (
    "import collections, http.client, sys\n"
    "got = collections.Counter()\n"
    "for _ in range(int(sys.argv[1])):\n"
    "    c = http.client.HTTPConnection('10.0.0.100', 80, timeout=5)\n"
    "    try:\n"
    "        c.request('GET', '/'); got[c.getresponse().read().decode().strip()] += 1\n"
    "    except Exception as e:\n"
    "        got['error:' + type(e).__name__] += 1\n"
    "    c.close()\n"
    "print(dict(got))\n")


SUPP = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "af_xdp.lsan.supp")


@pytest.fixture(autouse=True)
def driver_leak_suppressed(monkeypatch):
    """The af_xdp driver's own leak at close (see af_xdp.lsan.supp) is
    not reported for the daemons these tests start; every other is."""
    opts = os.environ.get("LSAN_OPTIONS", "")
    monkeypatch.setenv("LSAN_OPTIONS", (opts + ":" if opts else "") +
                       "suppressions=" + SUPP)


@pytest.fixture
def topo():
    t = Topology("xdp")
    yield t
    t.destroy()


@pytest.fixture
def xlb(topo, dpvs_factory):
    """client 10.0.0.2 -- dpdk0 [dpvs, 1 worker, af_xdp] dpdk1 -- servers
    10.0.1.11-13, dpdk0 10.0.0.1 (+ VIP 10.0.0.100), dpdk1 10.0.1.1."""
    lbns, cl, rs = lb_namespaces(topo)
    d = dpvs_factory(netns=lbns, lcores="0@0,1@1", devices=DEVS,
                     workers=WORKERS,
                     sections={"ipvs": ["conn_pool_size = 4096;"]})
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
    return {"dpvs": d, "lb": lbns, "cl": cl, "rs": rs}


def port_mac(d, name):
    out = d.dpip("link", "show", name).stdout
    return re.search(r"link/ether ([0-9a-f:]{17})", out).group(1)


def port_flags(d, name="dpdk0"):
    out = d.dpip("link", "show", name).stdout
    return re.search(r"<([A-Z_,]*)>", out).group(1).split(",")


def test_fullnat_http_over_af_xdp_ports(xlb, backends):
    d, lb, cl, rs = xlb["dpvs"], xlb["lb"], xlb["cl"], xlb["rs"]
    # Really af_xdp: the driver's XDP program sits on both veths.
    for ifn in ("vlb0", "vlb1"):
        assert "prog/xdp" in sh("ip", "link", "show", ifn, ns=lb).stdout
    for host in (11, 12, 13):
        backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
    fnat_service(d)
    r = sh(PY, "-c", MANY_GETS, "300", ns=cl, timeout=120)
    got = ast.literal_eval(r.stdout)  # a dict our own script printed
    assert got == {"rs1": 100, "rs2": 100, "rs3": 100}, got
    # ARP both ways on both ports: dpvs answered the client and the
    # servers, and resolved them itself.
    assert port_mac(d, "dpdk0") in sh("ip", "neigh", "show", "10.0.0.100",
                                      ns=cl).stdout
    neigh = d.dpip("neigh", "show").stdout
    assert "10.0.0.2" in neigh and "10.0.1.11" in neigh
    st = d.pkt_stats()
    assert st["arp_replied"] >= 1
    assert st["ipvs_conn_new"] >= 250
    assert st["ipvs_conn_full"] == 0 and st["ipvs_no_port"] == 0
    # Every frame went through dpvs: none dropped on the way out.
    assert st["tx_dropped"] == 0, st


def test_kernel_path_over_af_xdp(xlb):
    """The kernel twin works on an af_xdp port: a kni_host address takes
    TCP through dpvs and the TAP, both ways; ping reaches dpvs."""
    d, lb, cl = xlb["dpvs"], xlb["lb"], xlb["cl"]
    r = sh("ping", "-c", "2", "-i", "0.2", "-W", "2", "10.0.0.1", ns=cl,
           check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    out, err = kni_host_echo(d, lb, cl, "10.0.0.50", "hello xdp")
    assert out == "echo:hello xdp", err
    st = d.pkt_stats()
    assert st["kni_up"] > 0 and st["kni_down"] > 0


def test_af_xdp_link_follows_the_kernel_interface(xlb):
    """DPDK's af_xdp driver says the link is up whatever the veth's is:
    dpvs asks the kernel, so the peer going down is a port down."""
    d, cl = xlb["dpvs"], xlb["cl"]
    assert "UP" in port_flags(d)
    for state, up in (("down", False), ("up", True)):
        sh("ip", "link", "set", "vcl0", state, ns=cl)
        assert wait_for(lambda: ("UP" in port_flags(d)) == up, timeout=3.0), \
            "port %s after vcl0 %s" % (port_flags(d), state)
    assert "dpdk0: link down" in d.log_text()
    r = sh("ping", "-c", "1", "-W", "2", "10.0.0.1", ns=cl, check=False)
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize("devargs,nq,why", [
    ("net_af_xdp0,iface=vlb0,queue_count=2", 2,
     "vlb0 has 1 queue(s) for AF_XDP"),
    ("net_af_xdp0,iface=vlb0,start_queue=1", 1,
     "vlb0 has 1 queue(s) for AF_XDP"),
    ("net_af_xdp0,iface=vlb0", 2, "set rx_queues and tx_queues to 1"),
    ("net_af_xdp0,iface=nosuch0", 1, "no kernel interface nosuch0"),
    ("net_af_xdp0,queue_count=1", 1, "needs iface=NAME"),
    # The kernel would drop every frame above 1,792 bytes, uncounted.
    ("net_af_xdp0,iface=vlb0", 1, "mtu at most 1774"),
])
def test_af_xdp_port_that_cannot_work_is_refused(topo, dpvs_factory, devargs,
                                                 nq, why):
    lbns, cl = topo.ns("lb"), topo.ns("cl")
    topo.veth(lbns, "vlb0", cl, "vcl0")
    d = dpvs_factory(netns=lbns, lcores="0@0,1@1",
                     devices=[("dpdk0", devargs, nq, nq)],
                     workers=[(1, [("dpdk0", list(range(nq)),
                                    list(range(nq)))])])
    if "mtu" in why:
        with open(d.conf) as f:
            text = f.read()
        with open(d.conf, "w") as f:
            f.write(text.replace("tx_desc = 256;", "tx_desc = 256; mtu = 3000;"))
    d.start(wait=False)
    rc = d.proc.wait(timeout=30)
    assert rc != 0
    assert "af_xdp device '%s' refused: " % devargs in d.log_text()
    assert why in d.log_text(), d.log_text()
    # Nothing left on the veth.
    assert "prog/xdp" not in sh("ip", "link", "show", "vlb0", ns=lbns).stdout
