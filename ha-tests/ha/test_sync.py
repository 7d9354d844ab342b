"""Connection sync between the pair (docs/ha.md): the BACKUP's table
matches the MASTER's, forged or replayed datagrams install nothing, and
a restarted BACKUP gets the whole table back by bulk."""
import random
import subprocess
import time

import pytest

from ha_pair import (DR, FNAT, HA_LADDRS, HAHTTPD, METHODS, NAT, NAT_GW, SYNCID,
                     bulk_ready, conn_keys, ha_pair, sync_counter, wait_synced)
from lan6 import host6
from netns import sh
from servers import PY
from synctool import CONN, ip, pack, unpack
import synctool
from waiting import wait_for


@pytest.fixture
def pair(dpvs_factory, tmp_path):
    with ha_pair(dpvs_factory, tmp_path) as p:
        yield p


def by_client(conns):
    """The client's conns by (client, service): a local port may serve
    two services."""
    return {(c["client"], c["vip"]): c for c in conns
            if c["client"].startswith("10.0.0.2:")}


def seconds(expire):
    m, s = expire.split(":")
    return int(m) * 60 + int(s)


def test_tables_match(pair):
    lb1, lb2 = pair.lbs
    idle = {port: pair.idle(port, 50) for port in METHODS}
    keys = [k for i in idle.values() for k in i.keys]
    assert wait_synced(lb2, keys, timeout=5), lb2.sync()
    mine, theirs = by_client(lb1.conns()), by_client(lb2.conns())
    for port, method in METHODS.items():
        n1 = sum(c["vip"].endswith(":%d" % port) for c in mine.values())
        n2 = sum(c["vip"].endswith(":%d" % port) for c in theirs.values())
        assert n1 == n2 >= 50, (method, n1, n2)
    for client in random.sample(sorted(mine), 20):
        a, b = mine[client], theirs[client]
        for f in ("proto", "vip", "dest", "local", "state"):
            assert a[f] == b[f], (f, a["line"], b["line"])
        assert abs(seconds(a["expire"]) - seconds(b["expire"])) <= 3, (
            a["line"], b["line"])
        assert b["synced"] and not a["synced"], (a["line"], b["line"])
    # The FullNAT conns' local ports are held on lb2 too: a new conn
    # there can never take one of them.
    fnat = [c for c in theirs.values() if c["vip"].endswith(":%d" % FNAT)]
    for laddr in HA_LADDRS:
        used = sum(c["local"].startswith(laddr + ":") for c in fnat)
        assert ports_free(lb2, laddr) == ports_free(lb1, laddr), (
            laddr, used, lb2.dpvs.adm("-G").stdout)
    assert sum(64512 - ports_free(lb2, a) for a in HA_LADDRS) == len(fnat)


def ports_free(lb, laddr):
    """PORTS_FREE of laddr for the FullNAT service (dpvsadm -G)."""
    for line in lb.dpvs.adm("-G").stdout.splitlines():
        f = line.split()
        if f and f[0] == laddr:
            return int(f[-1])
    raise AssertionError("%s not a local address:\n%s" % (
        laddr, lb.dpvs.adm("-G").stdout))


def third_party(pair):
    """A host on the sync link that is not one of the pair."""
    x = pair.host("x", "px", ["10.0.0.66/24"])
    return x


def capture(pair, x, secs, while_doing):
    p = pair.popen(x, synctool.__file__, "capture", "10.0.0.66", str(secs),
                   stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    while_doing()
    out, _ = p.communicate(timeout=secs + 10)
    return [bytes.fromhex(l) for l in out.split()]


def send(pair, x, frames):
    sh(PY, synctool.__file__, "send", "10.0.0.66", *[f.hex() for f in frames],
       ns=x)


def test_spoofed_message_rejected(pair):
    lb1, lb2 = pair.lbs
    x = third_party(pair)
    key = bytes.fromhex(pair.key)
    heard = capture(pair, x, 2, lambda: pair.idle(FNAT, 1))
    conns = [(d, unpack(d)) for d in heard if unpack(d)[0]["type"] == CONN]
    mine = [(d, h, r) for d, (h, recs) in conns for r in recs
            if r["caddr"] == ip("10.0.0.2")]
    assert mine, "no CONN datagram from lb1 heard on the sync link (%d heard)" % len(heard)
    real, h, rec = mine[-1]
    fake_id = random.getrandbits(64) | 1
    now = int(time.time())

    def forged(cport, key=key, **hdr):
        # Another client, and (FullNAT) another local port: a conn of
        # its own, not a clash with the real one.
        r = dict(rec, caddr=ip("10.0.0.77"), cport=cport,
                 lport=rec["lport"] and 60000 + cport % 1000)
        return pack(dict(h, **hdr), [r], key)

    before = lb2.sync()
    wrong_key = forged(5551, key=bytes(32), seq=h["seq"] + 1000)
    other_id = forged(5552, syncid=SYNCID + 1, seq=h["seq"] + 1001)
    old_boot = forged(5553, sender_id=fake_id, seq=1, start_s=h["start_s"] - 100,
                      sent_s=now)
    send(pair, x, [wrong_key, real, other_id, old_boot])

    def moved(name):
        return sync_counter(lb2.sync(), name) - sync_counter(before, name)
    want = {"auth_failed": 1, "replayed": 1, "other_id": 1, "stale": 1}
    assert wait_for(lambda: all(moved(n) >= v for n, v in want.items()),
                    timeout=3), ({n: moved(n) for n in want}, lb2.sync())
    assert not [c for c in lb2.conns() if c["client"].startswith("10.0.0.77:")]
    # The forgeries were well formed: the same, signed with the key by a
    # newer boot of a sender, is installed.
    send(pair, x, [forged(5555, sender_id=fake_id, seq=1, start_s=now,
                          sent_s=now)])
    assert wait_for(lambda: "10.0.0.77:5555" in client_ports_full(lb2),
                    timeout=3), lb2.sync()
    assert {n: moved(n) for n in want} == want


def client_ports_full(lb):
    return {c["client"] for c in lb.conns()}


def test_bulk_on_backup_restart(pair):
    lb1, lb2 = pair.lbs
    idle = [pair.idle(port, n) for port, n in ((FNAT, 700), (NAT, 700),
                                               (DR, 600))]
    keys = {k for i in idle for k in i.keys}
    assert len(keys) == 2000
    assert wait_synced(lb2, keys, timeout=10), lb2.sync()
    lb2.ka.stop()
    lb2.dpvs.stop()
    lb2.start_dpvs()
    lb2.start_ka()
    t0 = time.time()
    assert wait_for(lambda: bulk_ready(lb2.sync()), timeout=10), lb2.sync()
    ready = time.time() - t0
    got = keys & conn_keys(lb2.conns())
    print("\nbulk: lb2 READY %.2f s after its keepalived started, with %d of "
          "%d conns (%s)" % (ready, len(got), len(keys), lb2.sync().get("bulk")))
    assert ready <= 5 and got == keys
    assert lb1.has_vip() and not lb2.has_vip()
    # The NAT gateway stayed with the MASTER throughout.
    assert NAT_GW + "/24" in lb1.addrs()
    assert all(a.startswith("b") for i in idle for a in i.again()[0])


# ---- IPv6 and NAT64 (sync datagram v2) ----

VIP6, CL6, RS6 = "2001:db8::100", "2001:db8::2", "2001:db8::21"
LADDR6, LADDR64 = "2001:db8::110", "10.0.0.112"
FNAT6, NAT64 = 80, 83


def v6_lb(lb):
    """lb's v6 addresses and services, after each dpvs start."""
    d = lb.dpvs
    d.dpip("addr", "add", "2001:db8::3%d/64" % lb.idx, "dev", "dpdk0", "nodad")
    d.dpip("addr", "add", VIP6 + "/128", "dev", "dpdk0", "ha", "nodad")
    d.dpip("addr", "add", LADDR6 + "/128", "dev", "dpdk0", "sapool", "ha",
           "nodad")
    d.dpip("addr", "add", LADDR64 + "/32", "dev", "dpdk0", "sapool", "ha")
    for port, rs_addr, laddr in ((FNAT6, "[%s]:80" % RS6, LADDR6),
                                 (NAT64, "10.0.0.21:80", LADDR64)):
        svc = "[%s]:%d" % (VIP6, port)
        d.adm("-A", "-t", svc, "-s", "rr")
        d.adm("-a", "-t", svc, "-r", rs_addr, "-b")
        d.adm("-P", "-t", svc, "-z", laddr, "-F", "dpdk0")


def v6_services(pair):
    """A FullNAT6 service (:80, to RS6) and a NAT64 one (:83, to the v4
    backend 10.0.0.21:80) on both LBs, through dpvsadm (keepalived's v6
    is another part of issue 15).  VIP and local addresses are `ha`: only
    the lease holder answers for them and announces them on takeover."""
    rs = "rs_%s" % pair.topo.tag
    host6(pair.cl, "eth0", CL6 + "/64")
    host6(rs, "eth0", RS6 + "/64")
    p = pair.popen(rs, HAHTTPD, RS6, "80", "b6", "1", "1", "-",
                   stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    for lb in pair.lbs:
        v6_lb(lb)


def v6_keys(lb):
    return {(c["client"], c["vip"]) for c in lb.conns()
            if c["client"].startswith("[%s]:" % CL6)}


def test_v6_conns_survive_failover(pair):
    """Idle keep-alive connections through FullNAT6 and NAT64 are synced
    to the BACKUP (datagram v2) and answer on the same sockets after the
    MASTER's dpvs is killed."""
    lb1, lb2 = pair.lbs
    v6_services(pair)
    # Its start-up bulk done, so the conns below go incrementally.
    assert wait_for(lambda: bulk_ready(lb2.sync()), timeout=10), lb2.sync()
    idle = {port: pair.idle(port, 10, vip=VIP6) for port in (FNAT6, NAT64)}
    for port, i in idle.items():
        assert i.first["answers"] == [("b6" if port == FNAT6 else "b1")] * 10, \
            i.first
    want = v6_keys(lb1)
    assert len(want) == 20, lb1.conns()
    assert wait_for(lambda: want <= v6_keys(lb2), timeout=10, step=0.2), \
        (lb2.sync(), lb2.conns())
    assert all(c["synced"] for c in lb2.conns()
               if (c["client"], c["vip"]) in want)
    pair.fault(lb1, "dpvs_kill")
    assert wait_for(lb2.has_vip, timeout=5), lb2.ka.text()
    for port, i in idle.items():
        answers, same = i.again()
        assert same and answers == [("b6" if port == FNAT6 else "b1")] * 10, \
            (port, answers, lb2.sync())


def test_v6_bulk_on_backup_restart(pair):
    """A restarted BACKUP gets the v6 and NAT64 conns back by bulk."""
    lb1, lb2 = pair.lbs
    v6_services(pair)
    idle = {port: pair.idle(port, 10, vip=VIP6) for port in (FNAT6, NAT64)}
    want = v6_keys(lb1)
    assert len(want) == 20, lb1.conns()
    assert wait_for(lambda: want <= v6_keys(lb2), timeout=10, step=0.2)
    lb2.ka.stop()
    lb2.dpvs.stop()
    lb2.start_dpvs()
    v6_lb(lb2)          # before keepalived asks for the bulk
    lb2.start_ka()
    assert wait_for(lambda: bulk_ready(lb2.sync()) and want <= v6_keys(lb2),
                    timeout=15, step=0.2), (lb2.sync(), lb2.conns())
    for port, i in idle.items():
        answers, same = i.again()
        assert same and answers == [("b6" if port == FNAT6 else "b1")] * 10


PERSIST6, RS6B, CL6B = 84, "2001:db8::22", "2001:db8::7"


def persist6_service(pair):
    """A FullNAT6 service (:84) persistent per client /64, wrr to RS6
    ("b6") and RS6B ("b7"), weights 1 and 1; the client has a second
    address in its /64."""
    rs = "rs_%s" % pair.topo.tag
    host6(rs, "eth0", RS6B + "/64")
    host6(pair.cl, "eth0", CL6B + "/64")
    p = pair.popen(rs, HAHTTPD, RS6B, "80", "b7", "1", "1", "-",
                   stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    svc = "[%s]:%d" % (VIP6, PERSIST6)
    for lb in pair.lbs:
        d = lb.dpvs
        d.adm("-A", "-t", svc, "-s", "wrr", "-p", "300", "-M", "64")
        for rs_addr in (RS6, RS6B):
            d.adm("-a", "-t", svc, "-r", "[%s]:80" % rs_addr, "-b", "-w", "1")
        d.adm("-P", "-t", svc, "-z", LADDR6, "-F", "dpdk0")
    return svc


def persist6_keys(lb):
    """The conns to :84 of the client's /64 (the kernel picks either of
    its addresses)."""
    return {(c["client"], c["vip"]) for c in lb.conns()
            if c["client"].startswith("[2001:db8::") and
            c["vip"] == "[%s]:%d" % (VIP6, PERSIST6)}


def test_v6_persistence_survives_failover(pair):
    """A client of a persistent v6 service keeps its real server after a
    failover: the MASTER's template (and its conns) are synced, so new
    connections from the client's /64 land on the server it had, even
    though the new MASTER's own weights would send a new client to the
    other one."""
    lb1, lb2 = pair.lbs
    v6_services(pair)
    svc = persist6_service(pair)
    assert wait_for(lambda: bulk_ready(lb2.sync()), timeout=10), lb2.sync()
    first = pair.idle(PERSIST6, 4, vip=VIP6)
    had = first.first["answers"][0]
    assert had in ("b6", "b7") and first.first["answers"] == [had] * 4, \
        first.first
    want = persist6_keys(lb1)
    assert len(want) == 4, lb1.conns()
    assert wait_for(lambda: want <= persist6_keys(lb2), timeout=10,
                    step=0.2), (lb2.sync(), lb2.conns())
    # lb2 would give a new client the other server: 100 to 1.
    other = RS6B if had == "b6" else RS6
    mine = RS6 if had == "b6" else RS6B
    lb2.dpvs.adm("-e", "-t", svc, "-r", "[%s]:80" % other, "-b", "-w", "100")
    lb2.dpvs.adm("-e", "-t", svc, "-r", "[%s]:80" % mine, "-b", "-w", "1")
    pair.fault(lb1, "dpvs_kill")
    assert wait_for(lb2.has_vip, timeout=5), lb2.ka.text()
    again = pair.idle(PERSIST6, 6, vip=VIP6)
    assert again.first["answers"] == [had] * 6, (had, again.first,
                                                 lb2.conns())
