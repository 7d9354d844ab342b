"""The HA sync engine between two real dpvs daemons (no keepalived), each
with an af_packet port on one bridge and its kernel twin dpdk0.kni
carrying the sync datagrams (multicast 224.0.0.81:8848): datagrams flow
both ways, a BACKUP's start brings a bulk from the MASTER, and what a
third host sends -- a wrong key, another syncid, a replay, an older
boot -- is refused and counted, never installed."""
import hashlib
import hmac
import json
import os
import socket
import struct
import subprocess
import sys
import time

import pytest

from dpvsd import BUILD, DPVSCTL, sanitizer_env
from netns import Topology, sh
from servers import VIP, Echo, start_echo
from resources import resources
from waiting import wait_for

KEY = bytes(range(1, 33))
SYNCID = 51
GROUP, PORT = "224.0.0.81", 8848
KADDR = ("10.0.0.11", "10.0.0.12")
EVIL, EVIL2 = "10.0.0.66", "10.0.0.67"
RS = "10.0.0.21"

# The state through libdpvs (ctypes), every counter exact, in a child
# process (a sanitizer build's library needs its runtime preloaded).  The
# records as libdpvs.h declares them.  Roles start and stop with dpvsctl.
CLIENT = r"""
import ctypes as C, json, sys
class Conf(C.Structure):
    _fields_ = [("roles", C.c_uint32), ("syncid", C.c_uint8), ("ttl", C.c_uint8),
                ("port", C.c_uint16), ("maxlen", C.c_uint16),
                ("ifname", C.c_char * 33), ("group", C.c_uint32),
                ("peer", C.c_uint32), ("key_len", C.c_uint32),
                ("key", C.c_uint8 * 64)]
NAMES = ("tx_msgs tx_conns tx_bytes tx_dropped rx_msgs rx_conns rx_bytes "
         "rx_dropped rx_bad rx_other_id rx_auth_failed rx_replayed rx_stale "
         "no_service no_dest no_laddr port_busy clash full replaced dir_full "
         "installed updated bulk_sent bulk_received").split()
class Counters(C.Structure):
    _fields_ = [(n, C.c_uint64) for n in NAMES]
class State(C.Structure):
    _fields_ = [("roles", C.c_uint32), ("bulk", C.c_uint32), ("conf", Conf),
                ("key_fp", C.c_char * 9), ("sender_id", C.c_uint64),
                ("peer_sender_id", C.c_uint64), ("peer_addr", C.c_uint32),
                ("last_rx_ms", C.c_uint64), ("bulk_conns", C.c_uint64),
                ("bulk_ms", C.c_uint32), ("synced_conns", C.c_uint32),
                ("c", Counters)]
lib = C.CDLL(sys.argv[1])  # the state: every counter, exactly
lib.dpvs_errmsg.restype = C.c_char_p
h = C.c_void_p()
assert lib.dpvs_connect(sys.argv[2].encode(), C.byref(h)) == 0
s = State()
out = {"rc": lib.dpvs_sync_state(h, C.byref(s))}
out.update(roles=s.roles, bulk=s.bulk, key_fp=s.key_fp.decode(),
           sender_id=s.sender_id, peer_sender_id=s.peer_sender_id,
           last_rx_ms=s.last_rx_ms, bulk_conns=s.bulk_conns, bulk_ms=s.bulk_ms,
           synced_conns=s.synced_conns, maxlen=s.conf.maxlen,
           **{n: getattr(s.c, n) for n in NAMES})
out["msg"] = (lib.dpvs_errmsg(h) or b"").decode()
print(json.dumps(out))
"""

BULK_NONE, BULK_REQUESTING, BULK_RECEIVING, BULK_READY, BULK_SENDING = range(5)


def state(d):
    lib = os.path.join(BUILD, "libdpvs.so")
    r = subprocess.run([sys.executable, "-c", CLIENT, lib, d.ipc],
                       capture_output=True, text=True, timeout=30,
                       env=sanitizer_env(lib))
    assert r.returncode == 0, r.stdout + r.stderr
    s = json.loads(r.stdout)
    assert s["rc"] == 0, s
    return s


ROLES = {1: "master", 2: "backup", 3: "both"}


def start(d, roles, key=KEY, syncid=SYNCID, peer=None):
    """dpvsctl sync start, as an operator would; {"rc", "msg"}."""
    kf = os.path.join(d.dir, "sync.key")
    fd = os.open(kf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, key)
    os.close(fd)
    args = ["sync", "start", "--role", ROLES[roles], "--iface", "dpdk0.kni",
            "--syncid", str(syncid), "--key-file", kf]
    if peer:
        args += ["--peer", peer]
    r = d.ctl(*args)
    return {"rc": r.returncode, "msg": r.stdout + r.stderr}


def stop(d, role):
    return d.ctl("sync", "stop", role).returncode


# The datagram (docs/ha.md, "The message"): what a third host forges.
HDR = struct.Struct(">BBBBHHQQII")


def datagram(key, syncid, sender, seq, start_s, sent_s, mtype=4):
    """A HEARTBEAT: a 32-byte header and its HMAC-SHA256 tag."""
    body = HDR.pack(1, mtype, syncid, 0, 64, 1, sender, seq, start_s, sent_s)
    return body + hmac.new(key, body, hashlib.sha256).digest()


SENDER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
             socket.inet_aton(sys.argv[1]))
for hexd in sys.stdin.read().split():
    s.sendto(bytes.fromhex(hexd), (sys.argv[2], int(sys.argv[3])))
"""


def send_from(ns, grams, src=EVIL):
    subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", SENDER,
                    src, GROUP, str(PORT)], input=" ".join(g.hex() for g in grams),
                   text=True, check=True, timeout=30)


@pytest.fixture
def pair(dpvs_factory, request):
    """lb1 and lb2 (kernel 10.0.0.11, .12 on dpdk0.kni), a third host
    (10.0.0.66), a client (10.0.0.2) and a DR real server (10.0.0.21,
    the VIP on lo) on one bridge.  An indirect parameter replaces the
    sync section's tuning (a slow bulk, to see its rate held)."""
    tuning = getattr(request, "param", ["bulk_msgs_per_s = 100;"])
    t = Topology("se")
    echo = None
    try:
        sw, ev, cl, rs = t.ns("sw"), t.ns("ev"), t.ns("cl"), t.ns("rs")
        sh("ip", "link", "add", "br0", "type", "bridge", ns=sw)
        sh("ip", "link", "set", "br0", "up", ns=sw)

        def plug(ns, ifname, port):
            t.veth(ns, ifname, sw, port)
            sh("ip", "link", "set", port, "master", "br0", ns=sw)

        for ns, port, addr in ((ev, "pev", EVIL), (cl, "pcl", "10.0.0.2"),
                               (rs, "prs", RS)):
            plug(ns, "eth0", port)
            sh("ip", "addr", "add", addr + "/24", "dev", "eth0", ns=ns)
        sh("ip", "addr", "add", EVIL2 + "/24", "dev", "eth0", ns=ev)
        sh("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", ns=rs)
        sh("sysctl", "-qw", "net.ipv4.conf.all.arp_announce=2", ns=rs)
        sh("ip", "addr", "add", VIP + "/32", "dev", "lo", ns=rs)
        echo = start_echo(rs, VIP, 7000, "rs")
        lbs = []
        for i, kaddr in enumerate(KADDR):
            ns = t.ns("lb%d" % (i + 1))
            plug(ns, "vlb0", "plb%d" % (i + 1))
            d = dpvs_factory(netns=ns, devices=[
                ("dpdk0", "net_af_packet%d,iface=vlb0" % i, 1, 1)],
                workers=[(1, [("dpdk0", [0], [0])])],
                # A small budget for bulk traffic to the kernel, to
                # flood it.
                sections={"sync": ["heartbeat_ms = 200;"] + tuning,
                          "kni": ["rate_limit_pps = 500;"]})
            d.start()
            d.dpip("addr", "add", "10.0.0.10%d/24" % (i + 1), "dev", "dpdk0")
            d.dpip("route", "add", "%s/32" % kaddr, "dev", "dpdk0", "scope",
                   "kni_host")
            assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk0.kni",
                                              ns=ns).stdout)
            sh("ip", "addr", "add", "%s/24" % kaddr, "dev", "dpdk0.kni", ns=ns)
            # The same DR service on both; the VIP on lb1 only.
            d.adm("-A", "-t", VIP + ":7000", "-s", "rr")
            d.adm("-a", "-t", VIP + ":7000", "-r", RS, "-g")
            d.adm("-A", "-u", VIP + ":53", "-s", "rr")
            d.adm("-a", "-u", VIP + ":53", "-r", RS, "-g")
            lbs.append(d)
        lbs[0].dpip("addr", "add", VIP + "/32", "dev", "dpdk0")
        yield {"lbs": lbs, "ev": ev, "cl": cl}
    finally:
        if echo:
            echo.kill()
            echo.wait()
        t.destroy()


def test_sync_flows_and_bulk_on_backup_start(pair):
    lb1, lb2 = pair["lbs"]
    s = start(lb1, 1, key=b"short")
    assert s["rc"] != 0 and "key" in s["msg"], s
    assert start(lb1, 1)["rc"] == 0
    assert start(lb2, 2)["rc"] == 0
    # The BACKUP asks, the MASTER answers (an empty table: BULK_END 0).
    assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY, timeout=15), \
        (state(lb2), lb2.log_text()[-2000:])
    m, b = state(lb1), state(lb2)
    assert m["bulk_sent"] >= 1 and m["roles"] == 1, m
    assert b["bulk_received"] == 1 and b["roles"] == 2, b
    assert m["key_fp"] == b["key_fp"] and len(m["key_fp"]) == 8
    assert m["maxlen"] == 1472, m
    # Heartbeats keep the BACKUP hearing the MASTER.
    before = state(lb2)["rx_msgs"]
    assert wait_for(lambda: state(lb2)["rx_msgs"] >= before + 3, timeout=10)
    b = state(lb2)
    assert b["peer_sender_id"] == m["sender_id"] and b["last_rx_ms"] < 2000, b
    assert state(lb1)["tx_msgs"] >= b["rx_msgs"] - 1
    assert b["rx_auth_failed"] == b["rx_bad"] == b["rx_replayed"] == 0, b
    # A second start with other settings is refused; stop frees the port.
    assert start(lb2, 1, syncid=52)["rc"] != 0
    assert stop(lb2, "backup") == 0
    assert state(lb2)["roles"] == 0
    assert start(lb2, 2)["rc"] == 0
    assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY, timeout=15)


def test_forged_datagrams_refused_and_counted(pair):
    lb1, lb2 = pair["lbs"]
    assert start(lb2, 2)["rc"] == 0
    now = int(time.time())
    base = state(lb2)
    good = datagram(KEY, SYNCID, 0x5151, 1, now, now)
    grams = [datagram(b"x" * 32, SYNCID, 0x5151, i, now, now) for i in range(1, 6)]
    grams += [datagram(KEY, SYNCID + 1, 0x5151, i, now, now) for i in range(1, 4)]
    grams += [good, good, good]                              # 2 replays
    grams += [datagram(KEY, SYNCID, 0x5152, 9, now - 3600, now)]  # older boot
    grams += [datagram(KEY, SYNCID, 0x5151, 7, now, now - 3600)]  # too old
    grams += [good[:40]]                                     # truncated
    send_from(pair["ev"], grams)

    def moved():
        s = state(lb2)
        return {k: s[k] - base[k] for k in ("rx_auth_failed", "rx_other_id",
                                            "rx_replayed", "rx_stale",
                                            "rx_bad", "rx_msgs")}
    want = {"rx_auth_failed": 5, "rx_other_id": 3, "rx_replayed": 2,
            "rx_stale": 2, "rx_bad": 1, "rx_msgs": 1}
    assert wait_for(lambda: moved() == want, timeout=10), (moved(), want)
    # A replay from another address is still a replay.
    send_from(pair["ev"], [good], src=EVIL2)
    want["rx_replayed"] = 3
    assert wait_for(lambda: moved() == want, timeout=10), (moved(), want)
    assert state(lb2)["synced_conns"] == 0
    log = lb2.log_text()
    assert "failed authentication in the last 10 s" in log, log[-2000:]
    assert EVIL in log


def dr_conns(d):
    """{client address:port: state} of the listed conns to VIP:7000."""
    out = {}
    for line in d.adm("-L", "-n", "-c").stdout.splitlines()[2:]:
        f = line.split()
        if len(f) >= 8 and f[4] == VIP + ":7000":
            out[f[3]] = f[2]
    return out


def echo_clients(pair, clients, ids):
    """A connection through the VIP a word of ids, each answered by the
    real server; added to clients (for the caller to close)."""
    for i in ids:
        clients.append(Echo(pair["cl"]))
        assert clients[-1].say("w%d" % i) == "rs:w%d" % i


def test_conns_through_the_master_appear_on_the_backup(pair):
    """Conns made before the BACKUP starts come with its bulk; later ones
    with the incremental records: the BACKUP lists the same conns."""
    lb1, lb2 = pair["lbs"]
    assert start(lb1, 1)["rc"] == 0
    clients = []
    try:
        echo_clients(pair, clients, range(3))
        assert start(lb2, 2)["rc"] == 0
        assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY, timeout=15)
        assert state(lb2)["bulk_conns"] == 3, state(lb2)
        echo_clients(pair, clients, range(3, 6))
        made = dr_conns(lb1)
        assert len(made) == 6 and set(made.values()) == {"ESTABLISHED"}, made
        assert wait_for(lambda: dr_conns(lb2) == made, timeout=10), \
            (dr_conns(lb2), made, state(lb2))
        b = state(lb2)
        assert b["synced_conns"] == 6 and b["installed"] == 6, b
        assert b["no_service"] == b["rx_dropped"] == 0, b
        # The directory of synced client tuples holds them, in its bound.
        res = resources(lb2)
        assert res["sync-directory"][1] == 6, res
        assert res["sync-rings"][2] >= 2 * 8192, res
        m = state(lb1)
        assert m["tx_conns"] >= 6 and m["tx_dropped"] == 0, m
    finally:
        for c in clients:
            c.close()


def test_unicast_to_the_peer(pair):
    """With a peer, datagrams go to its kernel address (a kni_host route
    on its dpvs), not to the group."""
    lb1, lb2 = pair["lbs"]
    assert start(lb1, 1, peer=KADDR[1])["rc"] == 0
    assert start(lb2, 2, peer=KADDR[0])["rc"] == 0
    assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY, timeout=15), \
        state(lb2)
    before = state(lb2)["rx_msgs"]
    assert wait_for(lambda: state(lb2)["rx_msgs"] >= before + 3, timeout=10)
    assert state(lb1)["rx_msgs"] >= 1      # the BULK_REQ came to it


# UDP flows from as many client ports, one datagram each.
UDP_FLOWS = r"""
import socket, sys
for p in range(20000, 20000 + int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("10.0.0.2", p))
    s.sendto(b"x", (sys.argv[2], 53))
    s.close()
"""


def udp_conns(d):
    out = d.adm("-L", "-n", "-c").stdout
    return sum(1 for l in out.splitlines() if VIP + ":53" in l)


def settled_udp_conns(d):
    """The conns a burst of UDP_FLOWS made, once their count stops
    moving: af_packet may lose some of a fast burst on a loaded machine,
    which makes no conn and is no concern of sync's."""
    seen = []

    def settled():
        seen.append(udp_conns(d))
        return len(seen) > 1 and seen[-1] == seen[-2] and seen[-1] > 0
    assert wait_for(settled, timeout=30, step=0.5), seen
    assert seen[-1] >= 1000, seen
    return seen[-1]


def test_bulk_of_thousands_at_its_rate(pair):
    """3000 one-datagram UDP conns (never worth an incremental record)
    reach a starting BACKUP in its bulk, at sync.bulk_msgs_per_s (100
    here: 86 datagrams take most of a second)."""
    lb1, lb2 = pair["lbs"]
    assert start(lb1, 1)["rc"] == 0
    sh(sys.executable, "-c", UDP_FLOWS, "3000", VIP, ns=pair["cl"], timeout=60)
    n = settled_udp_conns(lb1)
    assert state(lb1)["tx_conns"] == 0
    assert start(lb2, 2)["rc"] == 0
    assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY, timeout=20), \
        state(lb2)
    b = state(lb2)
    assert b["bulk_conns"] == n and b["synced_conns"] == n, b
    assert b["installed"] == n and b["rx_dropped"] == 0, b
    m = state(lb1)
    assert m["bulk_conns"] == n and m["bulk_sent"] == 1, m
    # At most 36 records of 40 bytes fit a 1472-byte datagram: at least
    # n/36 datagrams at 100/s with a burst of 3 (86 for 3000 conns; fewer
    # settle on a loaded machine, so the bound follows n): the rate held.
    dgrams = -(-n // 36)
    assert b["bulk_ms"] >= (dgrams - 3) * 10 * 0.9, (dgrams, b)
    assert udp_conns(lb2) == n


def test_losing_the_lease_stops_the_master(pair):
    """A dpvs whose lease holder (keepalived) dies sends nothing more: the
    lease's end stops the MASTER role, and the BACKUP hears silence."""
    lb1, lb2 = pair["lbs"]
    holder = subprocess.Popen([DPVSCTL, "-x", lb1.ipc, "ha", "hold", "--ttl",
                               "300"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().startswith("lease: held")
        assert start(lb1, 1)["rc"] == 0
        assert start(lb2, 2)["rc"] == 0
        assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY, timeout=15)
        assert state(lb2)["last_rx_ms"] < 1000
    finally:
        holder.kill()
        holder.wait()
    assert wait_for(lambda: state(lb1)["roles"] == 0, timeout=5), state(lb1)
    assert "master role stopped" in lb1.log_text()
    time.sleep(1.5)
    assert state(lb2)["last_rx_ms"] >= 1000, state(lb2)


def test_bulk_again_after_the_services_arrive(pair):
    """A BACKUP that starts before its services exist (keepalived's
    checker has not pushed them yet) refuses the bulk's records and is
    not ready with them (keepalived would preempt with an empty table);
    once the services come, it asks for the bulk again, gets the conns
    and only then is ready."""
    lb1, lb2 = pair["lbs"]
    lb2.adm("-D", "-t", VIP + ":7000")
    assert start(lb1, 1)["rc"] == 0
    clients = []
    try:
        echo_clients(pair, clients, range(3))
        assert start(lb2, 2)["rc"] == 0
        assert wait_for(lambda: state(lb2)["no_service"] >= 3, timeout=15), \
            state(lb2)
        time.sleep(2)
        b = state(lb2)
        assert b["bulk"] != BULK_READY and b["synced_conns"] == 0, b
        lb2.adm("-A", "-t", VIP + ":7000", "-s", "rr")
        lb2.adm("-a", "-t", VIP + ":7000", "-r", RS, "-g")
        # At the master's next bulk for it, 5 s after the last one.
        assert wait_for(lambda: state(lb2)["synced_conns"] == 3, timeout=15), \
            state(lb2)
        # The conns may come before the bulk that makes it ready (a
        # request every second, the master's 5 s hold per requester).
        assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY,
                        timeout=15), state(lb2)
        assert dr_conns(lb2) == dr_conns(lb1)
        assert "asking the master again" in lb2.log_text()
    finally:
        for c in clients:
            c.close()


@pytest.mark.parametrize("pair", [["bulk_msgs_per_s = 5000;",
                                   "ring_size = 1024;"]], indirect=True)
def test_bulk_through_small_installer_rings(pair):
    """A bulk at 5000 datagrams/s into installer rings of 1024 records:
    a full ring holds the datagram and the socket the rest until the
    installer catches up, so nothing is lost (before, thousands of
    records were dropped, three bulks asked for, and READY came
    incomplete after 10 s)."""
    lb1, lb2 = pair["lbs"]
    assert start(lb1, 1)["rc"] == 0
    sh(sys.executable, "-c", UDP_FLOWS, "8000", VIP, ns=pair["cl"], timeout=60)
    n = settled_udp_conns(lb1)
    assert start(lb2, 2)["rc"] == 0
    assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY, timeout=40)
    b = state(lb2)
    assert b["bulk_conns"] == n and b["synced_conns"] == n, (n, b)
    assert b["rx_dropped"] == 0 and b["installed"] == n, (n, b)
    assert state(lb1)["bulk_sent"] == 1
    assert "no complete bulk" not in lb2.log_text()


# UDP at a kernel address, pps for secs: bulk traffic to the kernel.
FLOOD = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
pps, secs = int(sys.argv[2]), float(sys.argv[3])
start = time.time()
n = 0
while time.time() < start + secs:
    # Evenly spread: a budget that refills between bursts would let
    # whatever comes in the gaps through.
    while n < (time.time() - start) * pps:
        s.sendto(b"flood", (sys.argv[1], 9999))
        n += 1
"""


def test_sync_heard_through_a_flood_at_the_kernel(pair):
    """Sync datagrams have a budget of their own on the way to the kernel
    (KNI_SYNC): a flood of other traffic at the BACKUP's kernel address,
    ten times kni.rate_limit_pps, costs no heartbeat."""
    lb1, lb2 = pair["lbs"]
    assert start(lb1, 1)["rc"] == 0
    assert start(lb2, 2)["rc"] == 0
    assert wait_for(lambda: state(lb2)["bulk"] == BULK_READY, timeout=15)
    limited = lb2.pkt_stats()["kni_up_limited"]
    before = state(lb2)["rx_msgs"]
    sh(sys.executable, "-c", FLOOD, KADDR[1], "5000", "3", ns=pair["ev"],
       timeout=30)
    got = state(lb2)["rx_msgs"] - before
    assert lb2.pkt_stats()["kni_up_limited"] - limited > 5000, lb2.pkt_stats()
    # 3 s of heartbeats every 200 ms: 15, give or take the edges.
    assert got >= 12, got
