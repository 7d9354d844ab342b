"""test_failover_proxy.py's IPv6 twin: stateful failover of FullNAT6
connections that carry a PROXY protocol v2 header to nginx
(docs/ha.md, section 8).  The v2 sync record carries each conn's
starting sequence, so the new MASTER goes on shifting by the v6
header's 52 bytes: a download spanning the failover arrives whole, and
idle keep-alive connections answer on the same sockets, nginx logging
the real client for each request.  Without the shift the client's
acknowledgements land 52 bytes before what nginx expects and the
transfer stalls."""
import json
import os
import subprocess

from ha_pair import HACLIENT, bulk_ready, ha_pair, sanitizer_reports, \
    dpvs_maker
from lan6 import host6
from netns import sh
from ppconsumers import Nginx, sha256
from waiting import wait_for

VIP6, CL6, RS6 = "2001:db8::100", "2001:db8::2", "2001:db8::21"
LADDR6 = "2001:db8::110"
PORT = 80
BIG_MB = 24


def v6_proxy_lb(lb):
    """lb's v6 addresses and a FullNAT6 service sending PROXY v2; VIP
    and local address are `ha`: only the lease holder answers for them."""
    d = lb.dpvs
    d.dpip("addr", "add", "2001:db8::3%d/64" % lb.idx, "dev", "dpdk0", "nodad")
    d.dpip("addr", "add", VIP6 + "/128", "dev", "dpdk0", "ha", "nodad")
    d.dpip("addr", "add", LADDR6 + "/128", "dev", "dpdk0", "sapool", "ha",
           "nodad")
    svc = "[%s]:%d" % (VIP6, PORT)
    d.adm("-A", "-t", svc, "-s", "rr", "--proxy-protocol", "v2")
    d.adm("-a", "-t", svc, "-r", "[%s]:80" % RS6, "-b")
    d.adm("-P", "-t", svc, "-z", LADDR6, "-F", "dpdk0")


def client_keys(lb):
    """The client's FullNAT6 conns on lb, by its port."""
    return {int(c["client"].rsplit(":", 1)[1]) for c in lb.conns()
            if c["client"].startswith("[%s]:" % CL6) and
            c["vip"] == "[%s]:%d" % (VIP6, PORT)}


def test_failover_keeps_the_proxy6_shift(tmp_path):
    with dpvs_maker(tmp_path) as (factory, made):
        try:
            with ha_pair(factory, tmp_path) as pair:
                run(pair, tmp_path)
        finally:
            problems = sanitizer_reports(made)
            assert not problems, "\n".join(problems)


def run(pair, tmp_path):
    lb1, lb2 = pair.lbs
    rs = "rs_%s" % pair.topo.tag
    host6(pair.cl, "eth0", CL6 + "/64")
    host6(rs, "eth0", RS6 + "/64")
    nginx = Nginx(tmp_path, rs, RS6)
    try:
        big = os.urandom(BIG_MB << 20)
        nginx.put("index.html", b"n6\n")
        nginx.put("big.bin", big)
        # About 5 s for the download: it spans the failover.
        sh("tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate",
           "40mbit", "burst", "32k", "latency", "400ms", ns=rs)
        for lb in pair.lbs:
            v6_proxy_lb(lb)
        assert "proxy-protocol v2" in lb1.dpvs.adm("-L", "-n").stdout
        assert wait_for(lambda: bulk_ready(lb2.sync()), timeout=30)
        idle = pair.idle(PORT, 4, vip=VIP6)
        assert idle.first["answers"] == ["n6"] * 4, idle.first
        get = pair.popen(pair.cl, HACLIENT, "get", VIP6, str(PORT),
                         "/big.bin", stdout=subprocess.PIPE, text=True)
        head = json.loads(get.stdout.readline() or "{}")
        assert head.get("code") == 200, (head, nginx.errors())
        want = set(idle.lports) | {head["lport"]}
        assert wait_for(lambda: want <= client_keys(lb2), timeout=10,
                        step=0.2), (lb2.sync(), lb2.conns())
        assert get.poll() is None, "the download ended before the failover"
        pair.fault(lb1, "dpvs_kill")
        assert wait_for(lb2.has_vip, timeout=5), lb2.ka.text()
        line = get.stdout.readline()
        get.wait(30)
        r = json.loads(line) if line else {"error": "no result"}
        assert not r["error"] and r["sha256"] == sha256(big), (
            {k: r.get(k) for k in ("error", "bytes", "max_gap")}, lb2.sync())
        answers, same = idle.again()
        assert same and answers == ["n6"] * 4, (answers, lb2.sync())
        # Each request's header named the client: 4 + 1 + 4 of them.
        log = nginx.access()
        assert len(log) == 9 and all(
            a == CL6 and st == "200" for a, _, _, st in log), log
    finally:
        nginx.stop()
