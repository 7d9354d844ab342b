"""Real keepalived (patched, linked with libdpvs) driving a real dpvs."""
import os
import subprocess
import time

import pytest

from dpvsd import ROOT
from keepalived import (FNAT_CONF, KEEPALIVED, NAT_CONF, REAL, Keepalived,
                        dests, dpvs_addrs, dpvs_routes, laddrs_of, vrrp_conf)
from netns import sh
from servers import Backends, curl_many
from waiting import wait_for


def test_keepalived_programs_dpvs_and_health_checks(lb, ka, tmp_path):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends = Backends(tmp_path)
    try:
        for host in (11, 12, 13):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        ka.write(NAT_CONF % "".join(REAL % h for h in (11, 12, 13)))
        ka.start("-C")
        assert wait_for(lambda: len(dests(d)) == 3, timeout=15), (
            d.adm("-L", "-n").stdout + ka.text())
        assert "Masq" in d.adm("-L", "-n").stdout
        got = curl_many(cl, "http://10.0.0.100/", 12)
        assert set(got) == {"rs1", "rs2", "rs3"}, got
        # A backend stops: its TCP_CHECK fails and keepalived removes it.
        backends.procs[1].kill()
        backends.procs[1].wait()
        assert wait_for(lambda: "10.0.1.12:80" not in dests(d), timeout=10), (
            ka.text())
        got = curl_many(cl, "http://10.0.0.100/", 8)
        assert set(got) == {"rs1", "rs3"}, got
        # Back again: it returns.
        backends.start(rs, "10.0.1.12", "rs2")
        assert wait_for(lambda: "10.0.1.12:80" in dests(d), timeout=10), (
            ka.text())
    finally:
        backends.stop()


def test_fullnat_with_a_local_address_group(lb, ka, tmp_path):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends = Backends(tmp_path)
    try:
        for host in (11, 12, 13):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        ka.write(FNAT_CONF % "".join(REAL % h for h in (11, 12, 13)))
        ka.start("-C")
        assert wait_for(lambda: len(dests(d)) == 3, timeout=15), ka.text()
        assert "FullNat" in d.adm("-L", "-n").stdout
        laddrs = d.adm("-G").stdout
        assert "10.0.1.100" in laddrs and "10.0.1.101" in laddrs, laddrs
        got = curl_many(cl, "http://10.0.0.100/", 12)
        assert set(got) == {"rs1", "rs2", "rs3"}, got
    finally:
        backends.stop()


@pytest.mark.parametrize("conf,message", [
    (FNAT_CONF.replace("laddr_group_name lips", "laddr_group_name nosuch"),
     "no local_address_group named nosuch - ignoring"),
    (FNAT_CONF.replace("10.0.1.100-101", "10.0.1.300"),
     "'10.0.1.300' is not an IPv4 address"),
    (FNAT_CONF.replace("    laddr_group_name lips\n", ""),
     "lb_kind FNAT needs laddr_group_name"),
    # an IPv6 range's end (hex) below its start
    (FNAT_CONF.replace("10.0.1.100-101", "2001:db8:1::100-ff"),
     "'2001:db8:1::100-ff' is not an IPv4 address or A.B.C.D-E range, nor "
     "an IPv6 address or range"),
])
def test_bad_fnat_config_is_reported(lb, ka, conf, message):
    ka.write(conf % (REAL % 11))
    r = subprocess.run([KEEPALIVED, "-t", "-f", str(ka.conf)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert message in r.stdout + r.stderr, r.stdout + r.stderr


def test_dpvs_restart_gets_its_state_back(lb, ka, tmp_path):
    """dpvs dies and comes back empty; keepalived notices by itself and
    programs it again, health included, within seconds."""
    d, cl, rs, lbns = lb["dpvs"], lb["cl"], lb["rs"], lb["lb"]
    backends = Backends(tmp_path)
    try:
        for host in (11, 12, 13):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        backends.procs[2].kill()          # rs3 is down from the start
        backends.procs[2].wait()
        ka.write(FNAT_CONF % "".join(REAL % h for h in (11, 12, 13)))
        ka.start("-C")
        assert wait_for(lambda: len(dests(d)) == 2, timeout=15), ka.text()
        d.proc.kill()
        d.proc.wait()
        d.stop()
        d.start()
        # What is not keepalived's: the host's own addresses and routes.
        d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
        d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
        d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
        d.dpip("route", "add", "10.0.1.2/32", "dev", "dpdk1", "scope",
               "kni_host")
        assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk1.kni",
                                          ns=lbns).stdout)
        sh("ip", "addr", "add", "10.0.1.2/24", "dev", "dpdk1.kni", ns=lbns)
        assert wait_for(lambda: sorted(dests(d)) == ["10.0.1.11:80",
                                                     "10.0.1.12:80"],
                        timeout=10), d.adm("-L", "-n").stdout + ka.text()
        assert "dpvs restarted" in ka.text()
        assert "10.0.1.100" in d.adm("-G").stdout
        got = curl_many(cl, "http://10.0.0.100/", 8)
        assert set(got) == {"rs1", "rs2"}, got
    finally:
        backends.stop()


MISC = """    real_server 10.0.1.%d 80 {
        weight 1
        MISC_CHECK {
            misc_path "%s"
            misc_dynamic
        }
    }
"""


def test_misc_dynamic_sets_the_weight(lb, ka, tmp_path):
    """MISC_CHECK with misc_dynamic: the script's exit code - 2 is the
    weight keepalived gives the server in dpvs."""
    d, rs = lb["dpvs"], lb["rs"]
    script = tmp_path / "weight.sh"
    wfile = tmp_path / "weight"
    wfile.write_text("7\n")
    script.write_text("#!/bin/sh\nexit $(( $(cat %s) + 2 ))\n" % wfile)
    script.chmod(0o755)
    ka.write(NAT_CONF % (MISC % (11, script)))
    ka.start("-C")

    def weight():
        rows = [l.split() for l in d.adm("-L", "-n").stdout.splitlines()
                if "10.0.1.11:80" in l]
        return int(rows[0][3]) if rows else None

    assert wait_for(lambda: weight() == 7, timeout=15), (
        d.adm("-L", "-n").stdout + ka.text())
    wfile.write_text("3\n")
    assert wait_for(lambda: weight() == 3, timeout=15), ka.text()


CLIENT = (
    "import socket, sys\n"
    "s = socket.create_connection(('10.0.0.100', %d), timeout=5)\n"
    "for line in sys.stdin:\n"
    "    s.sendall(line.strip().encode()); print(s.recv(100).decode(), flush=True)\n")

ECHO = (
    "import socket, threading\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('%s', %d)); s.listen(16); print('ready', flush=True)\n"
    "def serve(c):\n"
    "    while True:\n"
    "        d = c.recv(100)\n"
    "        if not d: break\n"
    "        c.sendall(b'ok:' + d)\n"
    "while True:\n"
    "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n")


def test_sighup_applies_the_change_and_keeps_connections(lb, ka, tmp_path):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    PY = "/usr/bin/python3"
    echo = subprocess.Popen(["ip", "netns", "exec", rs, PY, "-c",
                             ECHO % ("10.0.1.11", 7000)],
                            stdout=subprocess.PIPE, text=True)
    client = None
    try:
        assert echo.stdout.readline().strip() == "ready"
        two = """
virtual_server 10.0.0.100 7000 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.0.1.11 7000 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
virtual_server 10.0.0.100 %d {
    delay_loop 1
    lb_algo %s
    lb_kind NAT
    protocol TCP
    real_server 10.0.1.11 7000 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
"""
        ka.write(two % (7001, "rr"))
        ka.start("-C")
        assert wait_for(lambda: "10.0.0.100:7001 rr" in d.adm("-L", "-n").stdout,
                        timeout=15), ka.text()
        client = subprocess.Popen(["ip", "netns", "exec", lb["cl"], PY, "-c",
                                   CLIENT % 7000], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

        def say(w):
            client.stdin.write(w + "\n")
            client.stdin.flush()
            return client.stdout.readline().strip()

        assert say("before") == "ok:before"
        # The other service changes scheduler, a third appears.
        third = (two % (7002, "sh")).split("virtual_server 10.0.0.100 7002", 1)
        ka.write(two % (7001, "wlc") + "virtual_server 10.0.0.100 7002" +
                 third[1])
        ka.proc.send_signal(1)   # SIGHUP
        assert wait_for(lambda: "10.0.0.100:7001 wlc" in d.adm("-L", "-n").stdout
                        and "10.0.0.100:7002 sh" in d.adm("-L", "-n").stdout,
                        timeout=15), d.adm("-L", "-n").stdout + ka.text()
        assert say("after") == "ok:after"
    finally:
        if client:
            client.kill()
            client.wait()
        echo.kill()
        echo.wait()


def test_dpvs_refusals_are_logged_by_keepalived(lb, ka):
    """A protocol the kernel has but dpvs does not: dpvs refuses and says
    why, and keepalived's log carries both its own and dpvs's words."""
    ka.write((NAT_CONF % (REAL % 11)).replace("protocol TCP", "protocol SCTP"))
    ka.start("-C")
    assert wait_for(lambda: "dpvs: add service: protocol 132 is not TCP"
                    in ka.text(), timeout=15), ka.text()
    assert "IPVS cmd IP_VS_SO_SET_ADD" in ka.text()
    assert "10.0.0.100" not in lb["dpvs"].adm("-L", "-n").stdout


HTTP_REAL = """    real_server 10.0.1.%d 80 {
        weight 1
        HTTP_GET {
            url {
                path /health.html
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
"""


def test_http_get_check_follows_the_backend(lb, ka, tmp_path):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends = Backends(tmp_path)
    try:
        for host in (11, 12):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
            (tmp_path / ("rs%d" % (host - 10)) / "health.html").write_text("ok\n")
        ka.write(NAT_CONF % "".join(HTTP_REAL % h for h in (11, 12)))
        ka.start("-C")
        assert wait_for(lambda: len(dests(d)) == 2, timeout=15), ka.text()
        # The health page goes away (404): HTTP_GET fails, the server leaves.
        (tmp_path / "rs1" / "health.html").unlink()
        assert wait_for(lambda: dests(d) == ["10.0.1.12:80"], timeout=15), (
            ka.text())
        (tmp_path / "rs1" / "health.html").write_text("ok\n")
        assert wait_for(lambda: len(dests(d)) == 2, timeout=15), ka.text()
        assert set(curl_many(cl, "http://10.0.0.100/", 6)) == {"rs1", "rs2"}
    finally:
        backends.stop()


def restart_dpvs(lb):
    """dpvs is killed and started again, empty; then the host's own set-up
    (what is not keepalived's) is done again, as an operator's script
    would."""
    d, lbns = lb["dpvs"], lb["lb"]
    d.proc.kill()
    d.proc.wait()
    d.stop()
    d.start()
    d.dpip("addr", "add", "10.0.0.1/24", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.0.100/32", "dev", "dpdk0")
    d.dpip("addr", "add", "10.0.1.1/24", "dev", "dpdk1")
    d.dpip("route", "add", "10.0.1.2/32", "dev", "dpdk1", "scope", "kni_host")
    assert wait_for(lambda: "UP" in sh("ip", "link", "show", "dpdk1.kni",
                                      ns=lbns).stdout)
    sh("ip", "addr", "add", "10.0.1.2/24", "dev", "dpdk1.kni", ns=lbns)


def test_virtual_routes_and_vips_go_to_dpvs_and_a_reload_removes_them(
        lb, ka, vrrp_if):
    """virtual_routes of a dpdk_interface instance go to dpvs with its
    VIPs; a SIGHUP reload that drops a VIP and a route takes them out of
    dpvs too, and keeps the rest."""
    d = lb["dpvs"]
    ka.write(vrrp_conf(["10.0.0.150", "10.0.0.151"],
                       ["10.9.0.0/24", "10.8.0.0/24"]))
    ka.start("-P")
    assert wait_for(lambda: "10.0.0.151/32" in dpvs_addrs(d)
                    and "10.8.0.0/24" in dpvs_routes(d), timeout=20), (
        dpvs_addrs(d) + dpvs_routes(d) + ka.text())
    assert "10.0.0.150/32" in dpvs_addrs(d)
    assert "10.9.0.0/24" in dpvs_routes(d)
    assert "192.168.77.254" in dpvs_routes(d)
    ka.write(vrrp_conf(["10.0.0.150"], ["10.9.0.0/24"]))
    ka.proc.send_signal(1)   # SIGHUP
    assert wait_for(lambda: "10.0.0.151/32" not in dpvs_addrs(d)
                    and "10.8.0.0/24" not in dpvs_routes(d), timeout=15), (
        dpvs_addrs(d) + dpvs_routes(d) + ka.text())
    time.sleep(1)
    assert "10.0.0.150/32" in dpvs_addrs(d)
    assert "10.9.0.0/24" in dpvs_routes(d)
    # Stopping takes the rest away.
    ka.stop()
    assert wait_for(lambda: "10.0.0.150/32" not in dpvs_addrs(d)
                    and "10.9.0.0/24" not in dpvs_routes(d), timeout=5), (
        dpvs_addrs(d) + dpvs_routes(d) + ka.text())


def test_vips_and_routes_come_back_after_a_dpvs_restart(lb, ka, vrrp_if):
    """VRRP does not notice the restart (it runs on a kernel interface);
    the VRRP process's control connection does: FAULT while dpvs is gone,
    then MASTER again, with the VIP and route in the new dpvs."""
    d = lb["dpvs"]
    ka.write(vrrp_conf(["10.0.0.150"], ["10.9.0.0/24"]))
    ka.start("-P")
    assert wait_for(lambda: "10.0.0.150/32" in dpvs_addrs(d)
                    and "10.9.0.0/24" in dpvs_routes(d), timeout=20), (
        ka.text())
    restart_dpvs(lb)
    assert wait_for(lambda: "10.0.0.150/32" in dpvs_addrs(d)
                    and "10.9.0.0/24" in dpvs_routes(d), timeout=10), (
        dpvs_addrs(d) + dpvs_routes(d) + ka.text())
    text = ka.text()
    assert "(VI_1) dpvs closed the control socket: entering FAULT" in text, text
    assert "(VI_1) dpvs answers again: leaving FAULT" in text, text


VSG_CONF = """
local_address_group lips {
    10.0.1.100-101 dpdk1
}
virtual_server_group web {
    10.0.0.100 80
    10.0.0.100 8080
}
virtual_server group web {
    delay_loop 1
    lb_algo rr
    lb_kind FNAT
    protocol TCP
    laddr_group_name lips
%s
}
"""


def test_group_services_get_local_addresses_and_survive_a_dpvs_restart(
        lb, ka, tmp_path):
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends = Backends(tmp_path)
    try:
        for host in (11, 12):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        ka.write(VSG_CONF % "".join(REAL % h for h in (11, 12)))
        ka.start("-C")
        want = {"10.0.0.100:80": ["10.0.1.100", "10.0.1.101"],
                "10.0.0.100:8080": ["10.0.1.100", "10.0.1.101"]}
        assert wait_for(lambda: len(dests(d)) == 4 and laddrs_of(d) == want,
                        timeout=15), d.adm("-G").stdout + ka.text()
        for port in (80, 8080):
            got = curl_many(cl, "http://10.0.0.100:%d/" % port, 6)
            assert set(got) == {"rs1", "rs2"}, got
        restart_dpvs(lb)
        assert wait_for(lambda: len(dests(d)) == 4 and laddrs_of(d) == want,
                        timeout=15), (d.adm("-L", "-n").stdout +
                                      d.adm("-G").stdout + ka.text())
        for port in (80, 8080):
            got = curl_many(cl, "http://10.0.0.100:%d/" % port, 6)
            assert set(got) == {"rs1", "rs2"}, got
        # keepalived's own counts were left alone: a server that goes
        # leaves both services, and comes back to both.
        backends.procs[1].kill()
        backends.procs[1].wait()
        assert wait_for(lambda: dests(d) == ["10.0.1.11:80"] * 2,
                        timeout=10), d.adm("-L", "-n").stdout + ka.text()
        backends.start(rs, "10.0.1.12", "rs2")
        assert wait_for(lambda: len(dests(d)) == 4, timeout=10), ka.text()
    finally:
        backends.stop()


def config_test(tmp_path, text):
    conf = tmp_path / "check.conf"
    conf.write_text(text)
    r = subprocess.run([KEEPALIVED, "-t", "-l", "-G", "-f", str(conf)],
                       capture_output=True, text=True, timeout=30)
    return r.stdout + r.stderr


def test_a_group_defined_twice_is_one_error(tmp_path):
    out = config_test(tmp_path, FNAT_CONF.replace(
        "local_address_group lips {",
        "local_address_group lips {\n    10.0.1.102 dpdk1\n}\n"
        "local_address_group lips {") % (REAL % 11))
    assert "local_address_group lips defined twice" in out, out
    assert "Unknown keyword" not in out and "Unexpected" not in out, out


def test_what_dpvs_does_not_do_is_a_warning(tmp_path):
    conf = """
virtual_server 10.0.0.100 53 {
    lb_algo sh
    lb_kind TUN
    protocol UDP
    ops
    persistence_engine sip
    persistence_timeout 30
    sh-fallback
    flag-3
    real_server 10.0.1.11 53 {
        weight 1
        lvs_method TUN type gre
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
"""
    out = config_test(tmp_path, conf)
    for text in ("'ops' is ignored", "persistence_engine sip is ignored",
                 "no scheduler flag 3", "tunnel type gre is ignored"):
        assert text in out, (text, out)


def test_no_dpvs_at_start_says_so(tmp_path):
    conf = tmp_path / "keepalived.conf"
    conf.write_text(NAT_CONF % (REAL % 11))
    env = dict(os.environ, DPVS_IPC_FILE=str(tmp_path / "no-dpvs.ipc"))
    r = subprocess.run([KEEPALIVED, "-n", "-l", "-G", "-C", "-f", str(conf),
                        "-p", str(tmp_path / "ka.pid"),
                        "-c", str(tmp_path / "ka-check.pid")],
                       capture_output=True, text=True, timeout=30, env=env)
    out = r.stdout + r.stderr
    assert "IPVS: Can't initialize ipvs: dpvs is not running" in out, out
    assert "modprobe" not in out, out


SAMPLE = os.path.join(ROOT, "conf", "keepalived.conf.sample")


def test_the_sample_configuration_as_it_is(lb, tmp_path):
    """conf/keepalived.conf.sample, not a copy: the test host is set up
    the way the sample's comments say (kernel twins 10.0.0.21 and
    10.0.1.21 with kni_host routes, web servers 10.0.1.31-33; dpvs's own
    addresses are the fixture's .1 instead of .11, which the file does
    not name)."""
    d, cl, rs, lbns = lb["dpvs"], lb["cl"], lb["rs"], lb["lb"]
    d.dpip("addr", "del", "10.0.0.100/32", "dev", "dpdk0")  # VRRP's job
    for port, kaddr in (("dpdk0", "10.0.0.21"), ("dpdk1", "10.0.1.21")):
        d.dpip("route", "add", kaddr + "/32", "dev", port, "scope", "kni_host")
        assert wait_for(lambda: "UP" in sh("ip", "link", "show", port + ".kni",
                                          ns=lbns).stdout)
        sh("ip", "addr", "add", kaddr + "/24", "dev", port + ".kni", ns=lbns)
    backends = Backends(tmp_path)
    k = Keepalived(tmp_path, lbns, d)
    k.conf = SAMPLE
    try:
        for host in (31, 32, 33):
            sh("ip", "addr", "add", "10.0.1.%d/24" % host, "dev", "vrs0", ns=rs)
            backends.start(rs, "10.0.1.%d" % host, "web%d" % (host - 30))
        k.start()
        assert wait_for(lambda: sorted(dests(d)) == [
            "10.0.1.31:80", "10.0.1.32:80", "10.0.1.33:80"], timeout=20), (
            d.adm("-L", "-n").stdout + k.text())
        table = d.adm("-L", "-n").stdout
        assert "TCP  10.0.0.100:80 wlc" in table, table
        assert table.count("FullNat") == 3, table
        assert laddrs_of(d) == {"10.0.0.100:80": [
            "10.0.1.100", "10.0.1.101", "10.0.1.102", "10.0.1.103"]}, (
            d.adm("-G").stdout)
        assert wait_for(lambda: "10.0.0.100/32" in dpvs_addrs(d),
                        timeout=15), k.text()
        got = curl_many(cl, "http://10.0.0.100/", 12)
        assert set(got) == {"web1", "web2", "web3"}, got
    finally:
        k.stop()
        backends.stop()


QUORUM_CONF = """
virtual_server 10.0.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum 2
    sorry_server 10.0.1.13 80
%s
}
"""


def test_dpvs_restart_keeps_the_sorry_server_below_quorum(lb, ka, tmp_path):
    """One of two servers is up, below quorum 2: keepalived serves from
    the sorry server.  A restarted dpvs gets the sorry server, not the
    server that is up."""
    d, cl, rs = lb["dpvs"], lb["cl"], lb["rs"]
    backends = Backends(tmp_path)
    try:
        backends.start(rs, "10.0.1.11", "rs1")
        backends.start(rs, "10.0.1.13", "sorry")
        ka.write(QUORUM_CONF % "".join(REAL % h for h in (11, 12)))
        ka.start("-C")
        assert wait_for(lambda: dests(d) == ["10.0.1.13:80"], timeout=15), (
            d.adm("-L", "-n").stdout + ka.text())
        restart_dpvs(lb)
        assert wait_for(lambda: "dpvs restarted" in ka.text(), timeout=10)
        assert wait_for(lambda: dests(d) == ["10.0.1.13:80"], timeout=10), (
            d.adm("-L", "-n").stdout + ka.text())
        time.sleep(2)
        assert dests(d) == ["10.0.1.13:80"], d.adm("-L", "-n").stdout
        assert set(curl_many(cl, "http://10.0.0.100/", 4)) == {"sorry"}
    finally:
        backends.stop()


# A netmask keepalived and libdpvs take, that dpvs refuses.
GAPPED = "persistence_timeout 60\n    persistence_granularity 255.0.255.0"


def test_refusal_in_the_loading_batch_is_that_service_alone(lb, ka):
    """The load goes to dpvs pipelined: the service dpvs refuses in the
    middle is logged with its name and dpvs's words, and the services
    before and after it are there with their real servers."""
    conf = "".join("""virtual_server 10.0.0.100 %d {
    lb_algo rr
    %s
    lb_kind NAT
    protocol TCP
    real_server 10.0.1.%d 80 {
        weight 1
    }
}
""" % (port, algo, 11 + i) for i, (port, algo) in
        enumerate(((80, ""), (81, GAPPED), (82, ""))))
    ka.write(conf)
    ka.start("-C")
    d = lb["dpvs"]
    want = ("dpvs: adding service TCP 10.0.0.100:81 failed: persistence "
            "netmask is not a prefix")
    assert wait_for(lambda: want in ka.text(), timeout=15), ka.text()
    assert wait_for(lambda: "10.0.1.11:80" in d.adm("-L", "-n").stdout and
                    "10.0.1.13:80" in d.adm("-L", "-n").stdout,
                    timeout=15), d.adm("-L", "-n").stdout + ka.text()
    out = d.adm("-L", "-n").stdout
    assert "10.0.0.100:81" not in out and "10.0.1.12" not in out, out
