"""Connection expiry at every timeout dpvsadm and keepalived accept:
long ones (more than the wheel's 4096 one-second slots) must not hold
back the short ones, and each connection goes when its timeout says."""
import subprocess
import time

import pytest

from keepalived import NAT_CONF, REAL
from netns import sh
from servers import PY
from waiting import wait_for

MAX = 86400 * 31     # dpvsadm's, dpvs's and keepalived's largest timeout

# Echoes; "bye" makes the server close its side first (FIN_WAIT in dpvs).
SERVER = (
    "import socket, threading\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('10.0.1.11', 7000)); s.listen(64); print('ready', flush=True)\n"
    "def serve(c):\n"
    "    while True:\n"
    "        d = c.recv(100)\n"
    "        if not d: break\n"
    "        if d == b'bye': c.shutdown(socket.SHUT_WR); continue\n"
    "        c.sendall(b'rs1:' + d)\n"
    "while True:\n"
    "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n")

# One held connection: each stdin line is sent; "bye" is answered by EOF.
CLIENT = (
    "import socket, sys\n"
    "s = socket.create_connection(('10.0.0.100', 7000), timeout=5)\n"
    "print('port', s.getsockname()[1], flush=True)\n"
    "for line in sys.stdin:\n"
    "    s.sendall(line.strip().encode())\n"
    "    print(s.recv(100).decode() or 'eof', flush=True)\n")


class Clients:
    """TCP clients held open in the client namespace; all killed at the end."""

    def __init__(self, ns):
        self.ns = ns
        self.procs = []

    def open(self):
        p = subprocess.Popen(["ip", "netns", "exec", self.ns, PY, "-c", CLIENT],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
        self.procs.append(p)
        line = p.stdout.readline().split()
        assert line and line[0] == "port", "could not connect through dpvs"
        p.port = int(line[1])
        return p

    @staticmethod
    def say(p, word):
        p.stdin.write(word + "\n")
        p.stdin.flush()
        return p.stdout.readline().strip()

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()


@pytest.fixture
def fnat(lb):
    """FullNAT TCP 10.0.0.100:7000 and UDP 10.0.0.100:9999 to 10.0.1.11
    through local address 10.0.1.100, a server on 7000, and clients."""
    d, rs = lb["dpvs"], lb["rs"]
    d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool")
    for proto, port in (("-t", 7000), ("-u", 9999)):
        svc = "10.0.0.100:%d" % port
        d.adm("-A", proto, svc)
        d.adm("-P", proto, svc, "-z", "10.0.1.100")
        d.adm("-a", proto, svc, "-r", "10.0.1.11", "-b")
    server = subprocess.Popen(["ip", "netns", "exec", rs, PY, "-c", SERVER],
                              stdout=subprocess.PIPE, text=True)
    clients = Clients(lb["cl"])
    try:
        assert server.stdout.readline().strip() == "ready"
        yield dict(lb, clients=clients)
    finally:
        clients.close()
        server.kill()
        server.wait()


def conns(d):
    """dpvsadm -L -c rows as dicts; expire in seconds."""
    out = []
    for line in d.adm("-L", "-n", "-c").stdout.splitlines()[2:]:
        f = line.split()
        if len(f) < 8:
            continue
        mins, secs = f[1].split(":")
        out.append({"proto": f[0], "expire": int(mins) * 60 + int(secs),
                    "state": f[2], "src": f[3], "vip": f[4], "lcore": f[7]})
    return out


def by_cport(d, port):
    rows = [c for c in conns(d) if c["src"] == "10.0.0.2:%d" % port]
    return rows[0] if rows else None


UDP_FLOWS = (
    "import socket, sys\n"
    "for p in range(int(sys.argv[1]), int(sys.argv[2])):\n"
    "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    "    s.bind(('10.0.0.2', p)); s.sendto(b'x', ('10.0.0.100', 9999)); s.close()\n")


def udp_flows(ns, first, last):
    sh(PY, "-c", UDP_FLOWS, str(first), str(last), ns=ns)


def test_a_long_tcp_timeout_does_not_stop_expiry(fnat):
    """The issue's reproduction: TCP 4100 s (a lap of the wheel and 4 s),
    one FullNAT connection held open, then UDP flows with 3 s."""
    d, cl = fnat["dpvs"], fnat["cl"]
    d.adm("--set", "4100", "0", "3")
    held = fnat["clients"].open()
    assert fnat["clients"].say(held, "one") == "rs1:one"
    row = by_cport(d, held.port)
    assert row and row["state"] == "ESTABLISHED" and row["expire"] > 4090, row
    # Its slot comes round 4 s from now, well before it is due.
    time.sleep(6)
    udp_flows(cl, 30000, 30048)
    udp = [c for c in conns(d) if c["vip"] == "10.0.0.100:9999"]
    assert len(udp) == 48, udp
    workers = {c["lcore"] for c in udp}
    # 48 flows over 4 workers: some share the held connection's worker.
    assert row["lcore"] in workers, (row, workers)
    assert wait_for(lambda: not any(c["vip"] == "10.0.0.100:9999"
                                    for c in conns(d)), timeout=3 + 12), (
        [c for c in conns(d) if c["vip"] == "10.0.0.100:9999"])
    # The long one is still there, with its time left, and still works.
    row = by_cport(d, held.port)
    assert row and 4100 - 30 < row["expire"] <= 4100, row
    assert fnat["clients"].say(held, "two") == "rs1:two"
    assert d.pkt_stats()["ipvs_conn_full"] == 0


def test_min_default_and_max_timeouts_mixed(fnat):
    """Established TCP, TCP FIN_WAIT and UDP at 31 days, at their
    defaults and at 1 s, all at once: each listed with its own time left,
    the 1 s ones gone in a few seconds, the rest still there."""
    d, cl, cs = fnat["dpvs"], fnat["cl"], fnat["clients"]
    default = (900, 120, 300)

    def make(tag, udp_port):
        est = cs.open()
        assert cs.say(est, tag) == "rs1:" + tag
        fin = cs.open()
        assert cs.say(fin, "bye") == "eof"     # server closed first
        udp_flows(cl, udp_port, udp_port + 1)
        # The datagram is not answered: wait until dpvs has made its flow,
        # so the next --set cannot come first (it did on a loaded box).
        assert wait_for(lambda: by_cport(d, udp_port), 10), conns(d)
        return est.port, fin.port, udp_port

    def rows(ports):
        return [by_cport(d, p) for p in ports]

    d.adm("--set", str(MAX), str(MAX), str(MAX))
    assert "%d %d %d" % (MAX, MAX, MAX) in d.adm("-L", "--timeout").stdout
    longest = make("max", 31000)
    d.adm("--set", *map(str, default))
    middle = make("default", 31001)
    # 1 s for FIN_WAIT and UDP; the established 1 s one is made alone
    # below, as its handshake and first data must not be 1 s apart.
    d.adm("--set", "0", "1", "1")
    fin1, udp1 = make("shortfin", 31002)[1:]
    d.adm("--set", "1", "0", "0")
    est1 = cs.open().port
    assert all(rows(longest) + rows(middle)), conns(d)
    for row, want, state in zip(rows(longest) + rows(middle),
                                (MAX,) * 3 + default,
                                ("ESTABLISHED", "FIN_WAIT", "UDP") * 2):
        assert row["state"] == state and want - 30 < row["expire"] <= want, (
            row, want)
    # The 1 s ones go, whatever the wheel holds for weeks ahead.
    assert wait_for(lambda: not any(rows((est1, fin1, udp1))), timeout=10), (
        rows((est1, fin1, udp1)))
    for row, want in zip(rows(longest) + rows(middle), (MAX,) * 3 + default):
        assert row and want - 60 < row["expire"] <= want, (row, want)
    assert d.proc.poll() is None


@pytest.mark.parametrize("value", [str(MAX + 1), "99999999999", "7x", ""])
def test_out_of_range_timeouts_are_refused(dpvs, value):
    d = dpvs
    r = d.adm("--set", value, "0", "0", check=False)
    assert r.returncode == 2 and "invalid timeout value" in r.stderr, r.stderr
    assert "0-%d seconds" % MAX in r.stderr
    d.adm("--set", str(MAX), "0", "0")
    assert "Timeout (tcp tcpfin udp): %d 120 300" % MAX in d.adm(
        "-L", "--timeout").stdout


def test_keepalived_lvs_timeouts_up_to_31_days(lb, ka):
    """keepalived's lvs_timeouts range (up to 31 days) is dpvs's."""
    d = lb["dpvs"]
    ka.write("global_defs {\n    lvs_timeouts tcp %d tcpfin 7200 udp 1\n}\n"
             % MAX + NAT_CONF % (REAL % 11))
    ka.start("-C")
    want = "Timeout (tcp tcpfin udp): %d 7200 1" % MAX
    assert wait_for(lambda: want in d.adm("-L", "--timeout").stdout,
                    timeout=15), d.adm("-L", "--timeout").stdout + ka.text()
