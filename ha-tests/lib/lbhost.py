"""One load balancer between a client and its real servers, the set-up
of the `lb` and `farm` fixtures (conftest.py) and of tests that build it
with other options:

client 10.0.0.2 -- dpdk0 10.0.0.1 (+ VIP 10.0.0.100) [dpvs, 4 workers]
dpdk1 10.0.1.1 -- real servers 10.0.1.11-13
"""
import subprocess

from netns import sh
from servers import PY
from waiting import wait_for

DEVS = [("dpdk0", "net_af_packet0,iface=vlb0,qpairs=4", 4, 4),
        ("dpdk1", "net_af_packet1,iface=vlb1,qpairs=4", 4, 4)]
WORKERS = [(lc, [("dpdk0", [lc - 1], [lc - 1]), ("dpdk1", [lc - 1], [lc - 1])])
           for lc in (1, 2, 3, 4)]


def start_lb(dpvs_factory, lbns, extra=()):
    """dpvs with 4 workers: dpdk0 10.0.0.1 (+ VIP 10.0.0.100), dpdk1 10.0.1.1."""
    d = dpvs_factory(netns=lbns, devices=DEVS, workers=WORKERS,
                     sections={"ipvs": ["conn_pool_size = 65536;"]} |
                     dict(extra))
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
    return d


def lb_namespaces(t):
    """The lb, client (10.0.0.2) and servers (10.0.1.11-13) namespaces
    of topology t, joined by veths vlb0-vcl0 and vlb1-vrs0."""
    lbns, cl, rs = t.ns("lb"), t.ns("cl"), t.ns("rs")
    t.veth(lbns, "vlb0", cl, "vcl0")
    t.veth(lbns, "vlb1", rs, "vrs0")
    sh("ip", "addr", "add", "10.0.0.2/24", "dev", "vcl0", ns=cl)
    for host in (11, 12, 13):
        sh("ip", "addr", "add", "10.0.1.%d/24" % host, "dev", "vrs0", ns=rs)
    return lbns, cl, rs


def farm_namespaces(t):
    """Like lb_namespaces, but three real servers in namespaces of their
    own on a bridge, each owning the VIP on lo (as DR and TUN servers do)
    and routing back through dpvs (10.0.1.1)."""
    lbns, cl, sw = t.ns("lb"), t.ns("cl"), t.ns("sw")
    t.veth(lbns, "vlb0", cl, "vcl0")
    t.veth(lbns, "vlb1", sw, "swl")
    sh("ip", "link", "add", "br0", "type", "bridge", ns=sw)
    sh("ip", "link", "set", "br0", "up", ns=sw)
    sh("ip", "link", "set", "swl", "master", "br0", ns=sw)
    sh("ip", "addr", "add", "10.0.0.2/24", "dev", "vcl0", ns=cl)
    servers = []
    for host in (11, 12, 13):
        rs = t.ns("rs%d" % (host - 10))
        t.veth(rs, "eth0", sw, "sw%d" % host)
        sh("ip", "link", "set", "sw%d" % host, "master", "br0", ns=sw)
        sh("ip", "addr", "add", "10.0.1.%d/24" % host, "dev", "eth0", ns=rs)
        sh("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", ns=rs)
        sh("sysctl", "-qw", "net.ipv4.conf.all.arp_announce=2", ns=rs)
        sh("ip", "addr", "add", "10.0.0.100/32", "dev", "lo", ns=rs)
        sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
        servers.append(rs)
    return lbns, cl, servers


SAN_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
               "runtime error:")


def two_backend_lb(tmp, lbns, rs, backends, procs, **dpvs_kw):
    """On lb_namespaces: dpvs (2 workers, a pool of 1024 connections;
    dpvs_kw: devices, workers...) with FullNAT 10.0.0.100:80 over the
    HTTP servers rs1 10.0.1.11 and rs2 10.0.1.12.  The daemon is in
    procs before it starts, so the caller's teardown stops it."""
    from dpvsd import Dpvs
    d = Dpvs(tmp, netns=lbns, lcores="0@0,(1-2)@1",
             sections={"ipvs": ["conn_pool_size = 1024;"]}, **dpvs_kw)
    procs.append(d)
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
    for host in (11, 12):
        backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
    fnat_service(d, hosts=(11, 12))
    return d


def stop_all(procs):
    """Stops procs, last first; the sanitizer reports in their logs."""
    problems = []
    for p in reversed(procs):
        p.stop()
        text = p.log_text()
        problems += ["%s: %s\n%s" % (type(p).__name__, m, text[-3000:])
                     for m in SAN_MARKERS if m in text]
    return problems


def adm(d, *args, check=True):
    return d.adm(*args, check=check)


def fnat_service(d, sched="rr", hosts=(11, 12, 13)):
    """FullNAT 10.0.0.100:80 with local address 10.0.1.100 (sapool) over
    the real servers 10.0.1.<hosts>:80."""
    d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
    adm(d, "-A", "-t", "10.0.0.100:80", "-s", sched)
    adm(d, "-P", "-t", "10.0.0.100:80", "-z", "10.0.1.100")
    for host in hosts:
        adm(d, "-a", "-t", "10.0.0.100:80", "-r", "10.0.1.%d:80" % host, "-b")


def client_lan(topo, dpvs_factory):
    """client (10.0.0.2) -- veth -- dpvs dpdk0 (10.0.0.1/24), 2 workers:
    {"lb", "cl" (the namespaces), "dpvs"}."""
    lb, cl = topo.ns("lb"), topo.ns("cl")
    topo.veth(lb, "vlb0", cl, "vcl0")
    sh("ip", "addr", "add", "10.0.0.2/24", "dev", "vcl0", ns=cl)
    d = dpvs_factory(netns=lb, devices=[
        ("dpdk0", "net_af_packet0,iface=vlb0,qpairs=2", 2, 2)])
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    return {"lb": lb, "cl": cl, "dpvs": d}


def kni_host_echo(d, lb, cl, addr, msg):
    """A TCP echo through a kni_host address on dpdk0: dpvs hands the
    flow to its kernel twin and back.  Returns what the client got."""
    d.dpip("route", "add", addr + "/32", "dev", "dpdk0", "scope", "kni_host")
    assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                      ns=lb).stdout)
    sh("ip", "addr", "add", addr + "/24", "dev", "dpdk0.kni", ns=lb)
    return tcp_echo(lb, cl, addr, msg)


def tcp_echo(srv_ns, cl, addr, msg):
    """One TCP exchange from namespace cl to an echo on addr:2222 (v4 or
    v6) in srv_ns, which answers 'echo:' + msg.  (stdout, stderr) of the
    client."""
    family = "socket.AF_INET6" if ":" in addr else "socket.AF_INET"
    server = subprocess.Popen(
        ["ip", "netns", "exec", srv_ns, PY, "-c",
         "import socket\n"
         "s = socket.socket(%s)\n"
         "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
         "s.bind((%r, 2222)); s.listen(1); print('ready', flush=True)\n"
         "c, _ = s.accept(); data = c.recv(100)\n"
         "c.sendall(b'echo:' + data); c.close()\n" % (family, addr)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout.readline().strip() == "ready"
        r = sh(PY, "-c",
               "import socket\n"
               "s = socket.create_connection((%r, 2222), timeout=5)\n"
               "s.sendall(%r); print(s.recv(100).decode())\n" % (addr, msg.encode()),
               ns=cl, check=False)
        return r.stdout.strip(), r.stderr
    finally:
        server.kill()
        server.wait()
