"""keepalived's lb_algo for each scheduler keepalived could not name
(conhash) or dpvs lacked (lblc, lblcr, ovf, twos) before issue 15: the
service reaches dpvs with that scheduler and serves by it."""
from keepalived import dests
from servers import Backends, curl_many
from waiting import wait_for

SCHEDS = ("conhash", "lblc", "lblcr", "ovf", "twos")

SERVICE = """virtual_server 10.0.0.100 %d {
    delay_loop 1
    lb_algo %s
    lb_kind NAT
    protocol TCP
%s}
"""

REAL = """    real_server 10.0.1.%d 80 {
        weight %d
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
"""


def services(d):
    """{port: scheduler} of dpvs's listing."""
    out = {}
    for l in d.adm("-L", "-n").stdout.splitlines():
        w = l.split()
        if len(w) >= 3 and w[0] == "TCP" and w[1].startswith("10.0.0.100:"):
            out[int(w[1].split(":")[1])] = w[2]
    return out


def why(d, ka, got):
    """What a failed request leaves to look at: the drop counters, the
    servers with their connection counts, and keepalived's log."""
    drops = {k: v for k, v in d.pkt_stats().items() if v and (
        "drop" in k or "clash" in k or k.startswith("ipvs_no"))}
    return "%s\ndrops: %s\n%s%s%s" % (
        got, drops, d.adm("-L", "-n").stdout,
        d.adm("-L", "-n", "-c").stdout, ka.text()[-3000:])


def test_every_new_lb_algo_reaches_dpvs(lb, ka, tmp_path):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends = Backends(tmp_path)
    reals = REAL % (11, 3) + REAL % (12, 1)
    want = {8000 + i: name for i, name in enumerate(SCHEDS)}
    try:
        backends.start(rs, "10.0.1.11", "rs1")
        backends.start(rs, "10.0.1.12", "rs2")
        ka.write("global_defs {\n    router_id lb1\n}\n" + "".join(
            SERVICE % (port, name, reals) for port, name in want.items()))
        ka.start("-C")
        assert wait_for(lambda: services(d) == want and
                        len(dests(d)) == 2 * len(want), timeout=20), (
            d.adm("-L", "-n").stdout + ka.text())
        assert "Invalid lvs_scheduler" not in ka.text(), ka.text()
        got = {name: curl_many(cl, "http://10.0.0.100:%d/" % port, 8)
               for port, name in want.items()}
        for name, g in got.items():
            assert sum(g.values()) == 8 and set(g) <= {"rs1", "rs2"}, \
                why(d, ka, got)
        # One client: consistent hashing keeps it on one server, and
        # overflow fills the heaviest server (weight 3) first.
        assert len(got["conhash"]) == 1, got
        assert set(got["ovf"]) == {"rs1"}, got
    finally:
        backends.stop()
