"""ipvs corner cases with real packets: NAT reply tuples two connections
would share, local addresses without sapool, and IP-in-IP past the MTU."""
import ast
import subprocess

import pytest

from netns import Topology, sh
from servers import DECAP, PKTTOOL, PY, Backends, start_echo
from waiting import terminate, wait_for


def one_worker(dpvs_factory, rs_dev, sections=None, nworkers=1):
    """The lb topology with one worker: every connection in one table
    (or nworkers, each with one queue of each port)."""
    t = Topology("l1")
    try:
        lbns, cl, rs = t.ns("lb"), t.ns("cl"), t.ns("rs")
        t.veth(lbns, "vlb0", cl, "vcl0")
        t.veth(lbns, "vlb1", rs, "vrs0")
        sh("ip", "addr", "add", "10.0.0.2/24", "dev", "vcl0", ns=cl)
        sh("ip", "addr", "add", "10.0.1.11/24", "dev", "vrs0", ns=rs)
        q = ",qpairs=%d" % nworkers if nworkers > 1 else ""  # af_packet's
        d = dpvs_factory(netns=lbns,
                         devices=[("dpdk0", "net_af_packet0,iface=vlb0" + q,
                                   nworkers, nworkers),
                                  ("dpdk1", rs_dev + q, nworkers, nworkers)],
                         workers=[(w + 1, [("dpdk0", [w], [w]),
                                           ("dpdk1", [w], [w])])
                                  for w in range(nworkers)],
                         sections=dict(sections or {},
                                       ipvs=["conn_pool_size = 4096;"]))
        d.start()
        d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
        d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
        yield {"dpvs": d, "cl": cl, "rs": rs, "lb": lbns, "topo": t}
    finally:
        t.destroy()


@pytest.fixture
def lb1(dpvs_factory):
    yield from one_worker(dpvs_factory, "net_af_packet1,iface=vlb1")


@pytest.fixture
def lb2(dpvs_factory):
    yield from one_worker(dpvs_factory, "net_af_packet1,iface=vlb1",
                          nworkers=2)


@pytest.fixture
def lb1_pcap(dpvs_factory):
    """lb1 routing, with the server side on libpcap: af_packet's fanout
    has the kernel reassemble fragments before dpvs sees them."""
    yield from one_worker(dpvs_factory, "net_pcap1,iface=vlb1",
                          {"ipv4": ["forwarding = true;"]})


UDP_ECHO = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('10.0.1.11', 7)); print('ready', flush=True)\n"
    "while True:\n"
    "    d, a = s.recvfrom(100); s.sendto(d, a)\n")

# One client port, two VIPs: who answers each datagram (or None).
TWO_VIPS = (
    "import socket, time\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('10.0.0.2', 5555)); s.settimeout(2)\n"
    "def ask(vip, word):\n"
    "    s.sendto(word, (vip, 53))\n"
    "    try:\n"
    "        d, a = s.recvfrom(100); return (a[0], d.decode())\n"
    "    except socket.timeout:\n"
    "        return None\n"
    "out = [ask('10.0.0.100', b'a'), ask('10.0.0.101', b'b')]\n"
    "for i in range(8):\n"
    "    out.append(ask('10.0.0.100', b'c%d' % i)); time.sleep(0.5)\n"
    "print(out)\n")


def two_nat_vips(site):
    """NAT UDP services on 10.0.0.100:53 and 10.0.0.101:53, both to the
    one real server 10.0.1.11:7 (a UDP echo, started and returned), with
    a 2 s UDP timeout."""
    d, rs = site["dpvs"], site["rs"]
    sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
    d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.101/32", "dev", "dpdk0")
    d.adm("--set", "0", "0", "2")
    for vip in ("10.0.0.100", "10.0.0.101"):
        d.adm("-A", "-u", vip + ":53")
        d.adm("-a", "-u", vip + ":53", "-r", "10.0.1.11:7", "-m")
    return subprocess.Popen(["ip", "netns", "exec", rs, PY, "-c", UDP_ECHO],
                            stdout=subprocess.PIPE, text=True)


def test_nat_reply_tuple_is_never_shared(lb1):
    """Two NAT services with one real server ip:port; one client ip:port
    talks to both VIPs.  Both connections would have the same reply
    tuple: the second is refused and counted, and the first keeps getting
    its answers from its own VIP, also after the second's time is up."""
    d, cl = lb1["dpvs"], lb1["cl"]
    echo = two_nat_vips(lb1)
    try:
        assert echo.stdout.readline().strip() == "ready"
        out = ast.literal_eval(sh(PY, "-c", TWO_VIPS, ns=cl,
                                  timeout=60).stdout)
    finally:
        echo.kill()
        echo.wait()
    assert out[0] == ("10.0.0.100", "a"), out
    assert out[1] is None, out        # refused: its replies had no owner
    assert out[2:] == [("10.0.0.100", "c%d" % i) for i in range(8)], out
    assert d.pkt_stats()["ipvs_conn_clash"] >= 1


# Datagrams from each of PORTS to VIP:53, again every 0.2 s until killed:
# with a 2 s UDP timeout on a wheel of 1 s ticks, a connection whose
# datagram got no echo (dropped while dpvs resolved the server's
# address) could go 1 s after it was made, before it was listed.
PORTS = range(6000, 6016)
PROBE = (
    "import socket, sys, time\n"
    "socks = []\n"
    "for p in range(6000, 6016):\n"
    "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "    s.bind(('10.0.0.2', p)); socks.append(s)\n"
    "print('bound', flush=True)\n"
    "while True:\n"
    "    for s in socks:\n"
    "        s.sendto(b'p', (sys.argv[1], 53))\n"
    "    time.sleep(0.2)\n")


def conn_rows(d):
    """The fields of each listed connection: proto, expire, state,
    client, virtual, real, local, lcore."""
    rows = (l.split() for l in d.adm("-L", "-n", "-c").stdout.splitlines()[2:])
    return [f for f in rows if len(f) == 8]


def conn_lcores(d, vip):
    """{client port: lcore} of the listed connections to vip:53."""
    return {int(f[3].split(":")[1]): f[7] for f in conn_rows(d)
            if f[4] == vip + ":53"}


def workers_of(d, cl, vip):
    """Which worker each client port's connection to vip lands on."""
    base = d.pkt_stats()
    probe = subprocess.Popen(["ip", "netns", "exec", cl, PY, "-c", PROBE, vip],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert probe.stdout.readline().strip() == "bound"
        listed = wait_for(lambda: len(conn_lcores(d, vip)) == len(PORTS),
                          timeout=10)
        got = conn_lcores(d, vip)
    finally:
        terminate(probe)
    if not listed:
        st = d.pkt_stats()
        pytest.fail("%d of %d connections to %s listed; dpvs counted %s" % (
            len(got), len(PORTS), vip, {k: st[k] - base.get(k, 0)
                                        for k in st if st[k] != base.get(k, 0)}))
    assert wait_for(lambda: not conn_lcores(d, vip), timeout=30)
    return got


# One client port to VIP1, then VIP2, then VIP1 again; after VIP1's
# connection expired, VIP2 once more.  Who answers each (or None).
ACROSS = (
    "import socket, sys, time\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('10.0.0.2', int(sys.argv[1]))); s.settimeout(2)\n"
    "def ask(vip, word):\n"
    "    s.sendto(word, (vip, 53))\n"
    "    try:\n"
    "        d, a = s.recvfrom(100); return (a[0], d.decode())\n"
    "    except socket.timeout:\n"
    "        return None\n"
    "out = [ask('10.0.0.100', b'a'), ask('10.0.0.101', b'b')]\n"
    "for i in range(8):\n"
    "    out.append(ask('10.0.0.100', b'c%d' % i)); time.sleep(0.2)\n"
    "time.sleep(float(sys.argv[2]))\n"
    "out.append(ask('10.0.0.101', b'd'))\n"
    "print(out)\n")


def test_nat_reply_tuple_is_never_shared_across_workers(lb2):
    """As above, with two workers, and a client port whose connections to
    the two VIPs land on different workers (found by probing): each
    worker's table alone knows nothing of the other's.  The second is
    refused and counted, the first is answered from its own VIP only, and
    once the first expired the second is made."""
    d, cl = lb2["dpvs"], lb2["cl"]
    echo = two_nat_vips(lb2)
    try:
        assert echo.stdout.readline().strip() == "ready"
        w1 = workers_of(d, cl, "10.0.0.100")
        w2 = workers_of(d, cl, "10.0.0.101")
        split = [p for p in PORTS if w1[p] != w2[p]]
        assert split, (w1, w2)  # 16 ports all alike: 2 ** -16 by chance
        clash0 = d.pkt_stats()["ipvs_conn_clash"]
        out = ast.literal_eval(sh(PY, "-c", ACROSS, str(split[0]), "6",
                                  ns=cl, timeout=60).stdout)
    finally:
        echo.kill()
        echo.wait()
    assert out[0] == ("10.0.0.100", "a"), out
    assert out[1] is None, out        # refused: the reply tuple is taken
    assert out[2:10] == [("10.0.0.100", "c%d" % i) for i in range(8)], out
    assert out[10] == ("10.0.0.101", "d"), out
    assert d.pkt_stats()["ipvs_conn_clash"] >= clash0 + 1
    # Its registry empties at shutdown like every table.
    assert d.stop() == 0
    assert "NAT reply registry" not in d.log_text(), d.log_text()


# From each client port of argv[1]..argv[2]: a TCP exchange with VIP1,
# closed on both sides (the client waits for the server's FIN, so the
# connection in dpvs is over), then from the same port with VIP2.
# [(port, (VIP1's answer, seconds), (VIP2's answer, seconds))]
PORT_REUSE = (
    "import socket, sys, time\n"
    "def talk(vip, port, word):\n"
    "    s = socket.socket()\n"
    "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "    s.bind(('10.0.0.2', port)); s.settimeout(5); t = time.time()\n"
    "    try:\n"
    "        s.connect((vip, 80)); s.sendall(word); got = s.recv(100)\n"
    "        s.shutdown(socket.SHUT_WR)\n"
    "        while s.recv(100): pass\n"
    "        return (got.decode(), round(time.time() - t, 2))\n"
    "    except OSError as e:\n"
    "        return (type(e).__name__, round(time.time() - t, 2))\n"
    "    finally:\n"
    "        s.close()\n"
    "print([(p, talk('10.0.0.100', p, b'a'), talk('10.0.0.101', p, b'b'))\n"
    "       for p in range(int(sys.argv[1]), int(sys.argv[2]))])\n")


def test_nat_reply_tuple_of_a_closed_connection_goes_to_the_new_one(lb2):
    """A client reuses each of 16 ports, once its connection to VIP1 is
    closed on both sides, towards VIP2; both VIPs are NAT services of one
    real server ip:port, which takes the new SYN.  As with IPVS the new
    connection gets the replies: at once (no SYN refused, none resent),
    whether its worker is the closed connection's (which it evicts) or
    not (the closed one stays listed, passing replies on)."""
    d, cl, rs = lb2["dpvs"], lb2["cl"], lb2["rs"]
    sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
    d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.101/32", "dev", "dpdk0")
    for vip in ("10.0.0.100", "10.0.0.101"):
        d.adm("-A", "-t", vip + ":80")
        d.adm("-a", "-t", vip + ":80", "-r", "10.0.1.11:8080", "-m")
    echo = start_echo(rs, "10.0.1.11", 8080, "rs1")
    try:
        base = d.pkt_stats()
        out = ast.literal_eval(sh(PY, "-c", PORT_REUSE, "7000", "7016",
                                  ns=cl, timeout=120).stdout)
        st = d.pkt_stats()
        listed = conn_ports(d)
    finally:
        echo.kill()
        echo.wait()
    for port, a, b in out:
        assert a[0] == "rs1:a" and b[0] == "rs1:b", out
        assert b[1] < 0.9, out          # a SYN resent: the first refused
    assert st["ipvs_conn_clash"] == base["ipvs_conn_clash"], out
    assert st["ipvs_reply_taken"] - base["ipvs_reply_taken"] == 16, out
    # RSS put some port's two connections on one worker (the old one
    # evicted) and some on two (16 alike: 2 ** -15 by chance).
    kept = [p for p in range(7000, 7016) if (p, "10.0.0.100") in listed]
    assert all((p, "10.0.0.101") in listed for p in range(7000, 7016)), listed
    assert 0 < len(kept) < 16, listed


def conn_ports(d):
    """{(client port, VIP)} of the listed TCP connections."""
    return {(int(f[3].split(":")[1]), f[4].split(":")[0])
            for f in conn_rows(d) if f[0] == "TCP"}


# From the real server: IP fragments with offset 64 whose first bytes
# read as ports would be the NAT connection's reply tuple (7 -> 5555).
RS_FRAGMENTS = (
    "import socket, struct\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)\n"
    "body = struct.pack('!HHHH', 7, 5555, 16, 0) + b'not-a-udp-header'\n"
    "for i in range(5):\n"
    "    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(body),\n"
    "                     0x4d00 + i, 8, 64, 17, 0,\n"
    "                     socket.inet_aton('10.0.1.11'),\n"
    "                     socket.inet_aton('10.0.0.2'))\n"
    "    s.sendto(ip + body, ('10.0.0.2', 0))\n")

# One datagram from 10.0.0.2:5555 to the VIP: who answers.
ASK_ONCE = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('10.0.0.2', 5555)); s.settimeout(3)\n"
    "s.sendto(b'a', ('10.0.0.100', 53))\n"
    "d, a = s.recvfrom(100); print(a[0], d.decode())\n")


def test_nat_reply_fragments_are_not_parsed(lb1_pcap):
    """A later fragment of a NAT reply has no ports where the header
    would be.  It was read as one anyway: with bytes equal to the
    connection's ports it was NATed, its payload rewritten.  Fragments
    now pass as routed packets, payload untouched."""
    d, cl, rs = lb1_pcap["dpvs"], lb1_pcap["cl"], lb1_pcap["rs"]
    sh("ip", "route", "add", "default", "via", "10.0.1.1", ns=rs)
    d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
    d.adm("-A", "-u", "10.0.0.100:53")
    d.adm("-a", "-u", "10.0.0.100:53", "-r", "10.0.1.11:7", "-m")
    echo = subprocess.Popen(["ip", "netns", "exec", rs, PY, "-c", UDP_ECHO],
                            stdout=subprocess.PIPE, text=True)
    sniffer = None
    try:
        assert echo.stdout.readline().strip() == "ready"
        # The connection 10.0.0.2:5555 -> VIP:53 -> 10.0.1.11:7, its
        # replies NATed.
        assert sh(PY, "-c", ASK_ONCE, ns=cl,
                  timeout=30).stdout.split() == ["10.0.0.100", "a"]
        fwd0 = d.pkt_stats()["ip_forwarded"]
        sniffer = subprocess.Popen(
            ["ip", "netns", "exec", cl, PY, PKTTOOL, "sniff", "vcl0", "4",
             "ip proto 17 and ip[6:2] & 0x1fff != 0"],
            stdout=subprocess.PIPE, text=True)
        assert sniffer.stdout.readline().strip() == "ready"
        sh(PY, "-c", RS_FRAGMENTS, ns=rs)
        got, _ = sniffer.communicate(timeout=30)
    finally:
        echo.kill()
        echo.wait()
        if sniffer and sniffer.poll() is None:
            sniffer.kill()
            sniffer.wait()
    frames = [bytes.fromhex(l) for l in got.splitlines() if l]
    assert frames, "no fragment reached the client"
    for f in frames:
        ip = f[14:]
        assert ip[12:16] == bytes([10, 0, 1, 11]), f.hex()   # not NATed
        assert ip[20:24] == bytes.fromhex("000715b3"), f.hex()  # untouched
    assert d.pkt_stats()["ip_forwarded"] - fwd0 >= len(frames)


MANY_GETS = (
    "import http.client\n"
    "ok = 0\n"
    "for _ in range(24):\n"
    "    c = http.client.HTTPConnection('10.0.0.100', 80, timeout=2)\n"
    "    try:\n"
    "        c.request('GET', '/'); ok += c.getresponse().read() == b'rs1\\n'\n"
    "    except Exception:\n"
    "        pass\n"
    "    c.close()\n"
    "print(ok)\n")


def test_local_address_without_sapool(lb, tmp_path):
    """With four workers a local address must be a sapool one (its local
    ports tell which worker a reply is for).  One without is refused with
    a message saying so; with sapool every connection works."""
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends = Backends(tmp_path)
    try:
        backends.start(rs, "10.0.1.11", "rs1")
        d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1")
        d.adm("-A", "-t", "10.0.0.100:80")
        d.adm("-a", "-t", "10.0.0.100:80", "-r", "10.0.1.11:80", "-b")
        r = d.adm("-P", "-t", "10.0.0.100:80", "-z", "10.0.1.100", check=False)
        if r.returncode == 0:   # accepted: then it has to work
            got = sh(PY, "-c", MANY_GETS, ns=cl, timeout=120).stdout.strip()
            assert got == "24", "%s of 24 requests answered" % got
        assert r.returncode == 1 and "sapool" in r.stderr, r.stderr
        # keepalived's path names the port: an address that is there
        # without sapool is refused the same way, not silently used.
        r = d.adm("-P", "-t", "10.0.0.100:80", "-z", "10.0.1.100",
                  "--ifname", "dpdk1", check=False)
        assert r.returncode == 1 and "sapool" in r.stderr, r.stderr
        assert "10.0.1.100" not in d.adm("-G").stdout
        d.dpip("addr", "del", "10.0.1.100/24", "dev", "dpdk1")
        d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
        d.adm("-P", "-t", "10.0.0.100:80", "-z", "10.0.1.100")
        got = sh(PY, "-c", MANY_GETS, ns=cl, timeout=120).stdout.strip()
        assert got == "24", "%s of 24 requests answered" % got
        # Nor can it come back without sapool while a service has it.
        d.dpip("addr", "del", "10.0.1.100/24", "dev", "dpdk1")
        r = d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1",
                   check=False)
        assert r.returncode != 0 and "sapool" in r.stderr, r.stderr
        d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
        got = sh(PY, "-c", MANY_GETS, ns=cl, timeout=120).stdout.strip()
        assert got == "24", "%s of 24 requests answered" % got
    finally:
        backends.stop()


BIG_UDP_SERVER = (
    "import socket\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "s.bind(('10.0.0.100', 53)); print('ready', flush=True)\n"
    "while True:\n"
    "    d, a = s.recvfrom(65535); s.sendto(b'got %d' % len(d), a)\n")

# Sends SIZE bytes with DF (do) or without (dont); prints what came back
# and the path MTU the client's kernel then has for the VIP.
BIG_UDP_CLIENT = (
    "import errno, socket, sys\n"
    "size, mode = int(sys.argv[1]), {'do': 2, 'dont': 0}[sys.argv[2]]\n"
    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)\n"
    "s.setsockopt(socket.IPPROTO_IP, 10, mode)   # IP_MTU_DISCOVER\n"
    "s.connect(('10.0.0.100', 53)); s.send(b'x' * size)\n"
    "try:\n"
    "    got = s.recv(100).decode()\n"
    "except socket.timeout:\n"
    "    got = 'timeout'\n"
    "except OSError as e:\n"
    "    got = errno.errorcode[e.errno]\n"
    "print(got, s.getsockopt(socket.IPPROTO_IP, 14))   # IP_MTU\n")


def test_tun_past_the_mtu(farm):
    """IP-in-IP adds 20 bytes.  A 1500-byte packet without DF leaves in
    outer fragments the server puts together; one with DF gets ICMP
    "fragmentation needed" saying 1480, as IPVS does, so the client's
    kernel sends smaller ones from then on."""
    d, cl, rs = farm["dpvs"], farm["cl"], farm["servers"][0]
    procs = []
    try:
        for argv in ([DECAP, "decap0"], ["-c", BIG_UDP_SERVER]):
            p = subprocess.Popen(["ip", "netns", "exec", rs, PY] + argv,
                                 stdout=subprocess.PIPE, text=True)
            procs.append(p)
            assert p.stdout.readline().strip() == "ready"
        d.adm("-A", "-u", "10.0.0.100:53")
        d.adm("-a", "-u", "10.0.0.100:53", "-r", "10.0.1.11", "-i")

        def ask(size, mode):
            return sh(PY, "-c", BIG_UDP_CLIENT, str(size), mode, ns=cl,
                      timeout=30).stdout.split()

        assert ask(1000, "do") == ["got", "1000", "1500"]
        assert ask(1472, "dont") == ["got", "1472", "1500"]
        assert d.pkt_stats()["tun_fragmented"] >= 1
        assert ask(1472, "do") == ["EMSGSIZE", "1480"]
        assert d.pkt_stats()["tun_frag_needed"] >= 1
        assert ask(1452, "do") == ["got", "1452", "1480"]
        assert d.pkt_stats()["tun_frag_fail"] == 0
    finally:
        for p in procs:
            p.kill()
            p.wait()
