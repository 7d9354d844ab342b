"""FullNAT with a PROXY protocol header (--proxy-protocol): real
consumers (nginx, HAProxy) behind dpvs must see the client's address,
and the shifted sequence numbers must carry long transfers both ways
intact, with losses on either side."""
import os
import subprocess

import pytest

from dpvsd import DPVSADM
from keepalived import FNAT_CONF, KEEPALIVED, REAL, dests
from lbhost import adm
from netns import sh
from ppconsumers import Haproxy, Nginx, sha256, sink_roundtrip
from waiting import wait_for

CLIENT = "10.0.0.2"


def pp_service(d, port, rs, version):
    """FullNAT 10.0.0.100:port -> rs:80 with a PROXY header of version."""
    d.dpip("addr", "add", "10.0.1.100/24", "dev", "dpdk1", "sapool",
           check=False)   # shared by the services of a test
    adm(d, "-A", "-t", "10.0.0.100:%d" % port, "-s", "rr",
        "--proxy-protocol", version)
    adm(d, "-P", "-t", "10.0.0.100:%d" % port, "-z", "10.0.1.100")
    adm(d, "-a", "-t", "10.0.0.100:%d" % port, "-r", rs + ":80", "-b")


def curl_get(ns, url, out, cport):
    return sh("curl", "-s", "-m", "30", "-o", out, "-w", "%{http_code}",
              "--local-port", str(cport), url, ns=ns, check=False,
              timeout=60)


@pytest.fixture
def nginx(lb, tmp_path):
    n = Nginx(tmp_path, lb["rs"], "10.0.1.11")
    yield n
    n.stop()


@pytest.fixture
def haproxy(lb, tmp_path):
    h = Haproxy(tmp_path, lb["rs"], "10.0.1.12")
    yield h
    h.stop()


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_nginx_sees_the_client_and_downloads_intact(lb, nginx, tmp_path,
                                                    version):
    d, cl = lb["dpvs"], lb["cl"]
    pp_service(d, 80, "10.0.1.11", version)
    assert "proxy-protocol %s" % version in adm(d, "-L", "-n").stdout
    blob = os.urandom(4 << 20)
    nginx.put("blob", blob)
    out = tmp_path / "blob.out"
    r = curl_get(cl, "http://10.0.0.100/blob", str(out), 40001)
    assert r.stdout == "200", (r.stdout, r.stderr, nginx.errors())
    assert sha256(out.read_bytes()) == sha256(blob)
    # nginx's $proxy_protocol_addr/_port: the client, not dpvs's 10.0.1.100
    assert (CLIENT, "40001", "10.0.1.100", "200") in nginx.access(), \
        nginx.access()
    st = d.pkt_stats()
    assert st["ipvs_pp_sent"] >= 1 and st["ipvs_pp_bad"] == 0


def test_haproxy_sees_the_client_uploads_and_downloads_intact(lb, haproxy):
    d, cl = lb["dpvs"], lb["cl"]
    pp_service(d, 81, "10.0.1.12", "v2")
    line, sha_ok, back_ok = sink_roundtrip(cl, "10.0.0.100", 81, 4 << 20,
                                           40002)
    # HAProxy passes on what dpvs's header told it, as PROXY v1.
    assert line == "PROXY TCP4 %s 10.0.0.100 40002 81" % CLIENT, line
    assert sha_ok and back_ok


def bridge_ns(farm):
    """The farm's switch namespace: its ports to the servers are kernel
    veths, where a qdisc shapes what dpvs sends to one server."""
    return [n for n in farm["topo"].namespaces if n.startswith("sw_")][0]


def shape(ns, dev, *tbf):
    sh("tc", "qdisc", "replace", "dev", dev, "root", "tbf", *tbf, ns=ns)


@pytest.fixture
def farm_pp(farm, tmp_path):
    """farm with nginx on rs1 (10.0.1.11:80, VIP port 80) and HAProxy on
    rs2 (10.0.1.12:80, VIP port 81), PROXY v2 for both."""
    d, (rs1, rs2, _) = farm["dpvs"], farm["servers"]
    procs = []
    try:
        procs.append(Nginx(tmp_path, rs1, "10.0.1.11"))
        procs.append(Haproxy(tmp_path, rs2, "10.0.1.12"))
        pp_service(d, 80, "10.0.1.11", "v2")
        pp_service(d, 81, "10.0.1.12", "v2")
        yield dict(farm, nginx=procs[0], sw=bridge_ns(farm))
    finally:
        for p in procs:
            p.stop()


def test_transfers_survive_losses_on_both_sides(farm_pp, tmp_path):
    """Shapers with short queues drop bursts: the client's to dpvs (the
    server answers with SACK blocks, which dpvs shifts back), dpvs's to
    the servers, and the servers' replies (both ends retransmit)."""
    d, cl, sw = farm_pp["dpvs"], farm_pp["cl"], farm_pp["sw"]
    lossy = ("rate", "40mbit", "burst", "8k", "limit", "12k")
    shape(cl, "vcl0", *lossy)
    for dev in ("sw11", "sw12"):
        shape(sw, dev, *lossy)
    for ns in farm_pp["servers"][:2]:
        shape(ns, "eth0", *lossy)
    line, sha_ok, back_ok = sink_roundtrip(cl, "10.0.0.100", 81, 4 << 20,
                                           40003, timeout=180)
    assert line == "PROXY TCP4 %s 10.0.0.100 40003 81" % CLIENT, line
    assert sha_ok and back_ok
    blob = os.urandom(3 << 20)
    nginx = farm_pp["nginx"]
    nginx.put("blob", blob)
    for i in range(3):
        out = tmp_path / ("blob%d" % i)
        r = curl_get(cl, "http://10.0.0.100/blob", str(out), 40010 + i)
        assert r.stdout == "200", (r.stdout, r.stderr, nginx.errors())
        assert sha256(out.read_bytes()) == sha256(blob)
    ports = {a[1] for a in nginx.access() if a[0] == CLIENT}
    assert ports >= {str(40010 + i) for i in range(3)}, nginx.access()
    drops = sum(int(w) for ns, dev in ((cl, "vcl0"), (sw, "sw12"))
                for w in [sh("tc", "-s", "qdisc", "show", "dev", dev, ns=ns)
                          .stdout.split("dropped ")[1].split(",")[0]])
    assert drops > 0   # the shapers did drop: the test saw losses


def test_first_segment_resent_carries_the_header(farm_pp):
    """dpvs's segments to rs1 with any payload are dropped for a while
    (a shaper that passes nothing past 87 bytes, the SYN included): the
    header sent with the handshake's ACK and the request are lost, and
    the client's retransmission of its first segment must bring the
    header again (nginx refuses a request without one)."""
    d, cl, sw, nginx = (farm_pp["dpvs"], farm_pp["cl"], farm_pp["sw"],
                        farm_pp["nginx"])
    nginx.put("index.html", b"hello\n")
    shape(sw, "sw11", "rate", "100mbit", "burst", "88", "limit", "10000")
    curl = subprocess.Popen(
        ["ip", "netns", "exec", cl, "curl", "-s", "-m", "30", "-w",
         " %{http_code}", "--local-port", "40020", "http://10.0.0.100/"],
        stdout=subprocess.PIPE, text=True)
    try:
        # dpvs sent the header three times (handshake ACK, request, one
        # retransmission at least), none arrived.
        assert wait_for(lambda: d.pkt_stats()["ipvs_pp_sent"] >= 3,
                        timeout=10)
        assert nginx.access() == []
        sent = d.pkt_stats()["ipvs_pp_sent"]
        sh("tc", "qdisc", "del", "dev", "sw11", "root", ns=sw)
        out, _ = curl.communicate(timeout=40)
    finally:
        if curl.poll() is None:
            curl.kill()
            curl.wait()
    assert out == "hello\n 200", (out, nginx.errors())
    assert d.pkt_stats()["ipvs_pp_sent"] > sent   # the retransmission's
    assert (CLIENT, "40020", "10.0.1.100", "200") in nginx.access()


def test_proxy_protocol_is_edited_listed_and_saved(lb):
    d = lb["dpvs"]
    adm(d, "-A", "-t", "10.0.0.100:80", "--proxy-protocol", "v2")
    adm(d, "-A", "-t", "10.0.0.100:81")
    adm(d, "-E", "-t", "10.0.0.100:81", "--proxy-protocol", "v1")
    saved = adm(d, "-S", "-n").stdout
    assert "-A -t 10.0.0.100:80 -s wlc --proxy-protocol v2" in saved
    assert "-A -t 10.0.0.100:81 -s wlc --proxy-protocol v1" in saved
    adm(d, "-E", "-t", "10.0.0.100:80", "--proxy-protocol", "none")
    adm(d, "-E", "-t", "10.0.0.100:81", "-s", "rr")   # kept when not given
    listing = adm(d, "-L", "-n").stdout
    assert "10.0.0.100:81 rr proxy-protocol v1" in listing, listing
    assert "10.0.0.100:80 wlc\n" in listing, listing
    adm(d, "-C")
    r = subprocess.run([DPVSADM, "--ipc-file", d.ipc, "-R"], input=saved,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert adm(d, "-S", "-n").stdout == saved
    r = adm(d, "-A", "-u", "10.0.0.100:53", "--proxy-protocol", "v2",
            check=False)
    assert r.returncode == 2 and "for TCP services" in r.stderr


def test_keepalived_proxy_protocol_keyword(lb, ka, nginx):
    """`proxy_protocol v2` in a virtual_server reaches dpvs; a reload that
    changes it edits the service."""
    d, cl = lb["dpvs"], lb["cl"]
    conf = FNAT_CONF.replace("    laddr_group_name lips\n",
                             "    laddr_group_name lips\n"
                             "    proxy_protocol %s\n")
    nginx.put("index.html", b"hello\n")
    ka.write(conf % ("v2", REAL % 11))
    ka.start("-C")
    assert wait_for(lambda: dests(d) == ["10.0.1.11:80"], timeout=15), \
        ka.text()
    assert "proxy-protocol v2" in adm(d, "-L", "-n").stdout
    r = sh("curl", "-s", "-m", "5", "--local-port", "40030",
           "http://10.0.0.100/", ns=cl, check=False)
    assert r.stdout == "hello\n", (r.stdout, nginx.errors())
    assert (CLIENT, "40030", "10.0.1.100", "200") in nginx.access() or \
        (CLIENT, "40030", "10.0.1.101", "200") in nginx.access()
    ka.write(conf % ("v1", REAL % 11))
    ka.proc.send_signal(1)   # SIGHUP
    assert wait_for(lambda: "proxy-protocol v1" in
                    adm(d, "-L", "-n").stdout, timeout=15), ka.text()


@pytest.mark.parametrize("line,message", [
    ("    proxy_protocol v3\n", "proxy_protocol 'v3' is not v1, v2 or none"),
    ("    proxy_protocol v2\n    protocol UDP\n",
     "proxy_protocol is for TCP services - ignoring"),
])
def test_keepalived_bad_proxy_protocol_is_reported(lb, ka, line, message):
    conf = FNAT_CONF.replace("    protocol TCP\n", "    protocol TCP\n" + line)
    ka.write(conf % (REAL % 11))
    r = subprocess.run([KEEPALIVED, "-t", "-f", str(ka.conf)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert message in r.stdout + r.stderr, r.stdout + r.stderr
