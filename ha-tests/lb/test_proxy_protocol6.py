"""The PROXY protocol for IPv6 conns (docs/loadbalancing.md "PROXY
protocol"): FullNAT v6 -> v6 and NAT64 (v6 client, v4 server), with real
consumers.  nginx's $proxy_protocol_addr and HAProxy's own PROXY line
must name the v6 client; long transfers both ways must arrive intact
(sha256).  Topologies: test_lb6.py's and test_nat64.py's."""
import os
import subprocess

import pytest

from lbhost import adm
from netns import sh
from ppconsumers import Haproxy, Nginx, sha256, sink_roundtrip
from waiting import wait_for
from test_lb6 import CL, LIP, RS, VIP, lb6  # noqa: F401 (a fixture)
from test_nat64 import CL6, VIP6, nat64, nat64_service  # noqa: F401

SIZE = 4 << 20


def pp_fnat6(d, port, rs, version):
    """FullNAT6 [VIP]:port -> [rs]:80 with a PROXY header of version."""
    svc = "[%s]:%d" % (VIP, port)
    adm(d, "-A", "-t", svc, "-s", "rr", "--proxy-protocol", version)
    adm(d, "-P", "-t", svc, "-z", LIP)
    adm(d, "-a", "-t", svc, "-r", "[%s]:80" % rs, "-b")


def download(ns, vip, nginx, tmp_path, cport):
    """A blob through the VIP from nginx: whether its sha256 matched."""
    blob = os.urandom(SIZE)
    nginx.put("blob", blob)
    out = tmp_path / ("blob%d.out" % cport)
    r = sh("curl", "-g", "-s", "-m", "60", "-o", str(out), "-w", "%{http_code}",
           "--local-port", str(cport), "http://[%s]/blob" % vip, ns=ns,
           check=False, timeout=90)
    assert r.stdout == "200", (r.stdout, r.stderr, nginx.errors())
    return sha256(out.read_bytes()) == sha256(blob)


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_fnat6_nginx_sees_the_v6_client(lb6, tmp_path, version):
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    nginx = Nginx(tmp_path, rs, RS[11])
    try:
        pp_fnat6(d, 80, RS[11], version)
        assert download(cl, VIP, nginx, tmp_path, 40001)
        # The client, not dpvs's local address, which nginx's peer is.
        assert (CL, "40001", LIP, "200") in nginx.access(), nginx.access()
    finally:
        nginx.stop()
    st = d.pkt_stats()
    assert st["ipvs_pp_sent"] >= 1 and st["ipvs_pp_bad"] == 0, st


def test_fnat6_haproxy_uploads_and_downloads_intact(lb6, tmp_path):
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    haproxy = Haproxy(tmp_path, rs, RS[12])
    try:
        pp_fnat6(d, 81, RS[12], "v2")
        line, sha_ok, back_ok = sink_roundtrip(cl, VIP, 81, SIZE, 40002)
    finally:
        haproxy.stop()
    # HAProxy passes on what dpvs's header told it, as PROXY v1.
    assert line == "PROXY TCP6 %s %s 40002 81" % (CL, VIP), line
    assert sha_ok and back_ok


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_nat64_consumers_see_the_v6_client(nat64, tmp_path, version):
    """A v4 server hears of the v6 client and the v6 VIP."""
    d, cl, rs = nat64["dpvs"], nat64["cl"], nat64["rs"]
    nginx = Nginx(tmp_path, rs, "10.0.1.11")
    haproxy = Haproxy(tmp_path, rs, "10.0.1.12")
    try:
        nat64_service(d, port=80, hosts=(11,))
        nat64_service(d, port=81, hosts=())
        adm(d, "-a", "-t", "[%s]:81" % VIP6, "-r", "10.0.1.12:80", "-b")
        for port in (80, 81):
            adm(d, "-E", "-t", "[%s]:%d" % (VIP6, port), "-s", "rr",
                "--proxy-protocol", version)
        assert download(cl, VIP6, nginx, tmp_path, 40003)
        assert (CL6, "40003", "10.0.1.100", "200") in nginx.access(), \
            nginx.access()
        line, sha_ok, back_ok = sink_roundtrip(cl, VIP6, 81, SIZE, 40004)
    finally:
        nginx.stop()
        haproxy.stop()
    assert line == "PROXY TCP6 %s %s 40004 81" % (CL6, VIP6), line
    assert sha_ok and back_ok
    st = d.pkt_stats()
    assert st["ipvs_pp_sent"] >= 2 and st["ipvs_pp_bad"] == 0, st


def lossy(ns, dev):
    """A shaper with a short queue: it drops bursts (netem may be absent)."""
    sh("tc", "qdisc", "replace", "dev", dev, "root", "tbf", "rate", "40mbit",
       "burst", "8k", "limit", "12k", ns=ns)


def drops(ns, dev):
    out = sh("tc", "-s", "qdisc", "show", "dev", dev, ns=ns).stdout
    return int(out.split("dropped ")[1].split(",")[0])


def test_fnat6_transfers_survive_losses_on_every_hop(lb6, tmp_path):
    """Shapers drop bursts on the client's uplink (the server answers the
    holes with SACK blocks, which dpvs shifts back) and on the servers'
    uplink (both ends retransmit).  (A shaper on dpvs's link to the
    servers never fills behind the client's: the next test drops there.)"""
    d, cl, rs = lb6["dpvs"], lb6["cl"], lb6["rs"]
    haproxy = Haproxy(tmp_path, rs, RS[12])
    nginx = Nginx(tmp_path, rs, RS[11])
    try:
        pp_fnat6(d, 80, RS[11], "v1")   # odd length: sums made anew
        pp_fnat6(d, 81, RS[12], "v2")
        for ns, dev in ((cl, "vcl0"), (rs, "vrs0")):
            lossy(ns, dev)
        line, sha_ok, back_ok = sink_roundtrip(cl, VIP, 81, SIZE, 40005,
                                               timeout=180)
        assert line == "PROXY TCP6 %s %s 40005 81" % (CL, VIP), line
        assert sha_ok and back_ok
        assert download(cl, VIP, nginx, tmp_path, 40006)
        assert (CL, "40006", LIP, "200") in nginx.access(), nginx.access()
        dropped = {dev: drops(ns, dev) for ns, dev in
                   ((cl, "vcl0"), (rs, "vrs0"))}
        assert all(dropped.values()), dropped
    finally:
        haproxy.stop()
        nginx.stop()
    assert d.pkt_stats()["ipvs_pp_bad"] == 0


def test_fnat6_first_segment_resent_carries_the_header(lb6, tmp_path):
    """dpvs's frames to the servers past 100 bytes are dropped for a
    while (a v6 SYN is 94, a bare ACK 86; the header alone makes 138):
    the header and the request are lost, and the client's retransmission
    of its first segment must bring the header again (nginx refuses a
    request without one)."""
    d, cl, rs, lbns = lb6["dpvs"], lb6["cl"], lb6["rs"], lb6["lb"]
    nginx = Nginx(tmp_path, rs, RS[11])
    try:
        pp_fnat6(d, 80, RS[11], "v2")
        nginx.put("index.html", b"hello\n")
        sh("tc", "qdisc", "replace", "dev", "vlb1", "root", "tbf", "rate",
           "100mbit", "burst", "100", "limit", "10000", ns=lbns)
        curl = subprocess.Popen(
            ["ip", "netns", "exec", cl, "curl", "-g", "-s", "-m", "30", "-w",
             " %{http_code}", "--local-port", "40020", "http://[%s]/" % VIP],
            stdout=subprocess.PIPE, text=True)
        try:
            assert wait_for(lambda: d.pkt_stats()["ipvs_pp_sent"] >= 3,
                            timeout=10)
            assert nginx.access() == []
            # Every frame with the header was dropped: only the SYN passed.
            assert wait_for(lambda: drops(lbns, "vlb1") >= 3, timeout=10)
            sh("tc", "qdisc", "del", "dev", "vlb1", "root", ns=lbns)
            out, _ = curl.communicate(timeout=40)
        finally:
            if curl.poll() is None:
                curl.kill()
                curl.wait()
        assert out == "hello\n 200", (out, nginx.errors())
        assert (CL, "40020", LIP, "200") in nginx.access(), nginx.access()
    finally:
        nginx.stop()
