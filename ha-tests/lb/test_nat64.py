"""NAT64 through FullNAT (docs/loadbalancing.md "NAT64"): an IPv6 VIP
balanced to IPv4 real servers, with IPv4 local addresses.

client 2001:db8::2 -- dpdk0 2001:db8::1 (+ VIP 2001:db8::100) [dpvs]
dpdk1 10.0.1.1 (+ local address 10.0.1.100) -- real servers 10.0.1.11-13

Neighbours are static on both sides and DAD is off (lan6.py), so the
tests do not depend on NDP.
"""
import ast
import hashlib
import os
import subprocess

import pytest

from lan6 import host6, need_dpip6, neigh_both, port_mac
from lbhost import adm, lb_namespaces, start_lb
from netns import Topology, sh
from servers import PY
from waiting import wait_for

CL6, LB6, VIP6 = "2001:db8::2", "2001:db8::1", "2001:db8::100"
VIPT = "[%s]:80" % VIP6

# A real HTTP/1.1 server: GET /blob serves a file, GET / its name, PUT
# answers the sha256 of what it got; X-Mss is the MSS its socket uses.
UPDOWN = r'''
import hashlib, http.server, socket, sys
addr, port, blob, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def answer(self, body):
        mss = self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Mss", str(mss))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.answer(open(blob, "rb").read() if self.path == "/blob"
                    else (name + "\n").encode())
    def do_PUT(self):
        n, h = int(self.headers["Content-Length"]), hashlib.sha256()
        while n:
            b = self.rfile.read(min(n, 65536))
            if not b:
                break
            h.update(b)
            n -= len(b)
        self.answer((h.hexdigest() + "\n").encode())
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    def server_bind(self):
        import socketserver
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = addr, port
S((addr, port), H).serve_forever()
'''

# UDP echo: each datagram back, the reply without a checksum when the
# datagram starts with "nock" (IPv4 allows none; IPv6 does not).
UDP_ECHO = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.setsockopt(socket.SOL_SOCKET, 11, int(d.startswith(b"nock")))  # SO_NO_CHECK
    s.sendto(d, a)
'''

UDP_CLIENT = r'''
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
got = []
for size in (8, 600, 1400):
    for tag in (b"plain", b"nock"):
        d = (tag + bytes(range(256)) * 6)[:size] if size > 8 else tag[:size]
        ok = False
        for _ in range(3):
            s.sendto(d, (sys.argv[1], int(sys.argv[2])))
            try:
                ok = s.recvfrom(65535)[0] == d
                break
            except socket.timeout:
                pass
        got.append((tag.decode(), size, ok))
print(got)
'''

MSS_CLIENT = r'''
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG))
'''


def nat64_service(d, proto="-t", port=80, hosts=(11,), sched="rr"):
    """An IPv6 VIP port over IPv4 real servers 10.0.1.<hosts>:port."""
    vip = "[%s]:%d" % (VIP6, port)
    adm(d, "-A", proto, vip, "-s", sched)
    adm(d, "-P", proto, vip, "-z", "10.0.1.100")
    for h in hosts:
        adm(d, "-a", proto, vip, "-r", "10.0.1.%d:%d" % (h, port), "-b")


def set_mtu(d, port, mtu):
    """The MTU of a dpvs port, set in its config before it starts."""
    with open(d.conf) as f:
        text = f.read()
    text = text.replace('name = "%s";' % port, 'name = "%s"; mtu = %d;' % (port, mtu))
    with open(d.conf, "w") as f:
        f.write(text)


@pytest.fixture(params=[1500])
def nat64(request, dpvs_factory, tmp_path):
    """lb_namespaces with IPv6 between the client and dpvs (dpdk0's MTU
    from the parameter), the local address 10.0.1.100 (sapool) on dpdk1;
    "spawn" starts a process in a namespace, stopped after the test."""
    t = Topology("n64")
    procs = []
    try:
        lbns, cl, rs = lb_namespaces(t)
        d = start_lb(dpvs_factory, lbns) if request.param == 1500 else None
        if d is None:
            from lbhost import DEVS, WORKERS
            d = dpvs_factory(netns=lbns, devices=DEVS, workers=WORKERS,
                             sections={"ipvs": ["conn_pool_size = 65536;"]})
            set_mtu(d, "dpdk0", request.param)
            d.start()
            d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
            d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
        need_dpip6(d)
        d.dpip("addr", "add", LB6 + "/64", "dev", "dpdk0", "nodad")
        d.dpip("addr", "add", VIP6 + "/128", "dev", "dpdk0", "nodad")
        d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
        host6(cl, "vcl0", CL6 + "/64")
        neigh_both(d, "dpdk0", LB6, cl, "vcl0", CL6)
        sh("ip", "-6", "neigh", "replace", VIP6, "lladdr", port_mac(d, "dpdk0"),
           "dev", "vcl0", "nud", "permanent", ns=cl)

        def spawn(ns, *argv):
            p = subprocess.Popen(["ip", "netns", "exec", ns] + list(argv),
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 text=True)
            procs.append(p)
            return p

        yield {"dpvs": d, "cl": cl, "rs": rs, "spawn": spawn, "tmp": tmp_path}
    finally:
        for p in procs:
            p.kill()
            p.wait()
        t.destroy()


def updown(env, host=11, name="rs1", size=0):
    """UPDOWN on 10.0.1.<host>:80 with a random blob of size bytes; the blob."""
    blob = os.urandom(size)
    path = env["tmp"] / ("blob%d" % host)
    path.write_bytes(blob)
    script = env["tmp"] / "updown.py"
    script.write_text(UPDOWN)
    addr = "10.0.1.%d" % host
    env["spawn"](env["rs"], PY, str(script), addr, "80", str(path), name)
    assert wait_for(lambda: sh("curl", "-s", "-m", "1", "http://%s/" % addr,
                               ns=env["rs"], check=False).stdout == name + "\n")
    return blob


def curl6(env, *args, timeout=120):
    return sh("curl", "-g", "-s", "-m", str(timeout - 10), *args,
              ns=env["cl"], check=False, timeout=timeout)


def transfer_both_ways(env, blob):
    """Downloads the blob and uploads another through the VIP: both sha256."""
    out = env["tmp"] / "down"
    r = curl6(env, "-o", str(out), "-D", "-", "http://[%s]/blob" % VIP6)
    assert r.returncode == 0, (r.returncode, r.stderr)
    assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(blob).digest()
    up = os.urandom(len(blob))
    src = env["tmp"] / "up"
    src.write_bytes(up)
    r2 = curl6(env, "-T", str(src), "http://[%s]/up" % VIP6)
    assert r2.returncode == 0, (r2.returncode, r2.stderr)
    assert r2.stdout.strip() == hashlib.sha256(up).hexdigest()
    return r.stdout   # the download's headers


def test_nat64_http_sha256_both_ways(nat64):
    d = nat64["dpvs"]
    blob = updown(nat64, size=4 << 20)
    nat64_service(d)
    listing = adm(d, "-L", "-n").stdout
    assert VIPT in listing and "10.0.1.11:80" in listing and "FullNat" in listing
    transfer_both_ways(nat64, blob)
    st = d.pkt_stats()
    assert st["ipvs_conn_new"] >= 2
    assert st["nat64_bad_icmp"] == 0 and st["nat64_no_room"] == 0
    assert st["nat64_too_big"] == 0 and st["nat64_frag"] == 0
    stats = adm(d, "-L", "-n", "--stats", "--exact").stdout
    row = [l for l in stats.splitlines() if "10.0.1.11:80" in l][0]
    assert int(row.split()[2]) >= 2   # Conns: both transfers went to rs1


def test_nat64_udp(nat64):
    d, rs = nat64["dpvs"], nat64["rs"]
    p = nat64["spawn"](rs, PY, "-c", UDP_ECHO, "10.0.1.11", "53")
    assert p.stdout.readline().strip() == "ready"
    nat64_service(d, proto="-u", port=53)
    r = sh(PY, "-c", UDP_CLIENT, VIP6, "53", ns=nat64["cl"], timeout=60)
    got = ast.literal_eval(r.stdout)   # a list our own script printed
    assert all(ok for _, _, ok in got), got
    # The replies sent without a checksum got one on the way (IPv6
    # requires it): the client's kernel would have dropped them.
    assert d.pkt_stats()["nat64_csum"] >= 3


@pytest.mark.parametrize("nat64", [1400], indirect=True)
def test_nat64_mss_clamped(nat64):
    """dpdk0's MTU (and its veth's) is 1400: both ends are told an MSS
    of at most 1400 - 60, so full-sized segments fit once translated,
    and transfers both ways go through a link that drops bigger frames."""
    d = nat64["dpvs"]
    assert "mtu 1400" in d.dpip("link", "show", "dpdk0").stdout
    blob = updown(nat64, size=2 << 20)
    nat64_service(d)
    r = sh(PY, "-c", MSS_CLIENT, VIP6, ns=nat64["cl"])
    assert 0 < int(r.stdout) <= 1340, r.stdout
    headers = transfer_both_ways(nat64, blob)
    mss = [l for l in headers.splitlines() if l.lower().startswith("x-mss:")]
    assert mss and 0 < int(mss[0].split(":")[1]) <= 1340, headers


def test_nat64_many_backends_rr(nat64):
    d = nat64["dpvs"]
    for h in (11, 12, 13):
        updown(nat64, host=h, name="rs%d" % (h - 10))
    nat64_service(d, hosts=(11, 12, 13))
    got = {}
    for _ in range(60):
        r = curl6(nat64, "http://[%s]/" % VIP6, timeout=20)
        key = r.stdout.strip() or "error:%d" % r.returncode
        got[key] = got.get(key, 0) + 1
    assert set(got) == {"rs1", "rs2", "rs3"}, got
    # rr runs per worker (4 here): each server still gets a fair share.
    assert all(n >= 8 for n in got.values()), got


# UDP echo that, for a datagram starting with "ptb", also tells the
# sender (dpvs's local address) as a router would that its datagram was
# too big for a 1400-byte link: ICMP fragmentation needed quoting it.
PTB_ECHO = r'''
import socket, struct, sys
def csum(b):
    b += b"\0" * (len(b) % 2)
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
me = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((me, int(sys.argv[2])))
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
print("ready", flush=True)
while True:
    d, (la, lp) = s.recvfrom(65535)
    s.sendto(d, (la, lp))
    if not d.startswith(b"ptb"):
        continue
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(d), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(la), socket.inet_aton(me))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    quote = ip + struct.pack("!HHHH", lp, int(sys.argv[2]), 8 + len(d), 0)
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, 1400) + quote
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    raw.sendto(icmp, (la, 0))
'''

# A connected UDP socket's path MTU to the VIP before and after.
PMTU_CLIENT = r'''
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.connect((sys.argv[1], int(sys.argv[2])))
s.settimeout(3)
before = s.getsockopt(socket.IPPROTO_IPV6, 24)  # IPV6_MTU
s.send(b"ptb" + b"x" * 100)
for _ in range(2):   # the echo, and the error (EMSGSIZE) in either order
    try:
        s.recv(2048)
    except OSError:
        pass
for _ in range(30):
    after = s.getsockopt(socket.IPPROTO_IPV6, 24)  # IPV6_MTU
    if after != before:
        break
    time.sleep(0.1)
print(before, after)
'''


def test_nat64_fragneeded_becomes_ptb(nat64):
    """A server-side ICMP fragmentation needed (MTU 1400) about our
    datagram reaches the client as ICMPv6 packet too big for its own
    datagram, MTU + 20: its kernel lowers the path MTU to the VIP."""
    d, rs = nat64["dpvs"], nat64["rs"]
    p = nat64["spawn"](rs, PY, "-c", PTB_ECHO, "10.0.1.11", "53")
    assert p.stdout.readline().strip() == "ready"
    nat64_service(d, proto="-u", port=53)
    r = sh(PY, "-c", PMTU_CLIENT, VIP6, "53", ns=nat64["cl"], timeout=30)
    before, after = map(int, r.stdout.split())
    assert (before, after) == (1500, 1420), r.stdout
    assert d.pkt_stats()["nat64_bad_icmp"] == 0
