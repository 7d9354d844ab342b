"""After a dpvs stall or error, libdpvs and keepalived get back in step:
the next libdpvs call after a timeout works, and keepalived converges
dpvs back to its configuration."""
import os
import signal
import subprocess
import sys
import time

from dpvsd import BUILD, sanitizer_env
from keepalived import (FNAT_CONF, NAT_CONF, REAL, dests, dpvs_addrs,
                        dpvs_routes, laddrs_of, vrrp_conf)
from servers import Backends
from waiting import wait_for

# libdpvs through ctypes, in a child process: a sanitizer build's library
# needs its runtime loaded first (LD_PRELOAD), which only a new process
# can have.
CLIENT = r"""
import ctypes, os, signal, sys, time
lib = ctypes.CDLL(sys.argv[1])
ipc, pid = sys.argv[2].encode(), int(sys.argv[3])
h = ctypes.c_void_p()
assert lib.dpvs_connect(ipc, ctypes.byref(h)) == 0
lib.dpvs_set_timeout(h, 300)
lib.dpvs_errmsg.restype = ctypes.c_char_p
info = ctypes.create_string_buffer(4096)
print("before", lib.dpvs_get_version(h, info), flush=True)
os.kill(pid, signal.SIGSTOP)
try:
    rc = lib.dpvs_get_version(h, info)
    print("stalled", rc, lib.dpvs_errmsg(h).decode(), flush=True)
finally:
    os.kill(pid, signal.SIGCONT)
time.sleep(1)    # the late reply is in the old stream by now
rc = lib.dpvs_get_version(h, info)
print("after", rc, lib.dpvs_errmsg(h).decode(), flush=True)
print("echo", lib.dpvs_echo(h, 200000), lib.dpvs_errmsg(h).decode(), flush=True)
lib.dpvs_close(h)
"""


def test_the_call_after_a_timeout_succeeds(dpvs):
    """dpvs is stopped past the client's timeout: that call times out; once
    dpvs runs again, the next calls on the same handle succeed (before,
    the late reply stayed in the stream and they failed with EPROTO)."""
    lib = os.path.join(BUILD, "libdpvs.so")
    try:
        r = subprocess.run([sys.executable, "-c", CLIENT, lib, dpvs.ipc,
                            str(dpvs.proc.pid)], capture_output=True,
                           text=True, timeout=30, env=sanitizer_env(lib))
    finally:
        os.kill(dpvs.proc.pid, signal.SIGCONT)
    out = r.stdout.splitlines()
    assert r.returncode == 0, r.stdout + r.stderr
    assert out[0] == "before 0", out
    assert out[1].startswith("stalled 7 no answer from dpvs within 300 ms"), out
    assert out[2] == "after 0 ", out
    assert out[3] == "echo 0 ", out


def weights(d):
    """{"10.0.1.11:80": 1, ...} from dpvsadm -L -n."""
    return {l.split()[1]: int(l.split()[3])
            for l in d.adm("-L", "-n").stdout.splitlines()
            if l.strip().startswith("->") and l.split()[1][0].isdigit()}


def test_a_server_back_during_a_dpvs_stall_is_in_dpvs_again(
        lb, ka, tmp_path, monkeypatch):
    """dpvs stalls (SIGSTOP) while a real server fails its check: keepalived's
    delete times out, and the server is back before dpvs runs again.  dpvs
    then does the late delete; keepalived must notice and add the server
    again, since its check says it is up."""
    d, rs = lb["dpvs"], lb["rs"]
    monkeypatch.setenv("DPVS_IPC_TIMEOUT_MS", "1000")
    backends = Backends(tmp_path)
    pid = d.proc.pid
    try:
        for host in (11, 12):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        ka.write(NAT_CONF % "".join(REAL % h for h in (11, 12)))
        ka.start("-C")
        assert wait_for(lambda: len(dests(d)) == 2, timeout=15), ka.text()
        os.kill(pid, signal.SIGSTOP)
        try:
            backends.procs[1].kill()
            backends.procs[1].wait()
            assert wait_for(lambda: "no answer from dpvs" in ka.text(),
                            timeout=30), ka.text()
            backends.start(rs, "10.0.1.12", "rs2")
            time.sleep(3)    # its check passes again, dpvs still stalled
        finally:
            os.kill(pid, signal.SIGCONT)
        assert wait_for(lambda: sorted(dests(d)) == ["10.0.1.11:80",
                                                     "10.0.1.12:80"],
                        timeout=20), d.adm("-L", "-n").stdout + ka.text()
        time.sleep(2)
        assert sorted(dests(d)) == ["10.0.1.11:80", "10.0.1.12:80"], (
            d.adm("-L", "-n").stdout + ka.text())
    finally:
        os.kill(pid, signal.SIGCONT)
        backends.stop()


def test_changes_behind_keepalived_s_back_are_undone(lb, ka, tmp_path):
    """dpvsadm removes a real server, changes a weight, adds a stranger to
    keepalived's service, then deletes the whole service: keepalived puts
    dpvs back as its configuration and checks say, local addresses too.
    A service keepalived never had is left alone."""
    d, rs = lb["dpvs"], lb["rs"]
    backends = Backends(tmp_path)
    want = ["10.0.1.11:80", "10.0.1.12:80"]
    try:
        for host in (11, 12):
            backends.start(rs, "10.0.1.%d" % host, "rs%d" % (host - 10))
        ka.write(FNAT_CONF % "".join(REAL % h for h in (11, 12)))
        ka.start("-C")
        assert wait_for(lambda: sorted(dests(d)) == want, timeout=15), (
            ka.text())
        svc = ["-t", "10.0.0.100:80"]
        d.adm("-A", "-t", "10.0.0.100:8080", "-s", "rr")   # not keepalived's
        d.adm("-d", *svc, "-r", "10.0.1.11:80")
        d.adm("-e", *svc, "-r", "10.0.1.12:80", "-b", "-w", "5")
        d.adm("-a", *svc, "-r", "10.0.1.13:80", "-b", "-w", "1")
        assert wait_for(lambda: weights(d) == {"10.0.1.11:80": 1,
                                               "10.0.1.12:80": 1},
                        timeout=15), d.adm("-L", "-n").stdout + ka.text()
        d.adm("-D", *svc)
        lips = ["10.0.1.100", "10.0.1.101"]
        assert wait_for(lambda: sorted(dests(d)) == want and
                        laddrs_of(d).get("10.0.0.100:80") == lips,
                        timeout=15), (
            d.adm("-L", "-n").stdout + d.adm("-G").stdout + ka.text())
        assert "to match keepalived's state" in ka.text()
        assert "TCP  10.0.0.100:8080 rr" in d.adm("-L", "-n").stdout
    finally:
        backends.stop()


def test_a_master_s_vip_and_route_removed_behind_its_back_come_back(
        lb, ka, vrrp_if):
    """dpip deletes a MASTER's VIP and virtual route from dpvs: the VRRP
    process puts them back (VRRP's own state did not change)."""
    d = lb["dpvs"]
    ka.write(vrrp_conf(["10.0.0.150"], ["10.9.0.0/24"]))
    ka.start("-P")
    assert wait_for(lambda: "10.0.0.150/32" in dpvs_addrs(d)
                    and "10.9.0.0/24" in dpvs_routes(d), timeout=20), (
        ka.text())
    d.dpip("addr", "del", "10.0.0.150/32", "dev", "dpdk0")
    d.dpip("route", "del", "10.9.0.0/24")
    assert "10.0.0.150/32" not in dpvs_addrs(d)
    assert wait_for(lambda: "10.0.0.150/32" in dpvs_addrs(d)
                    and "10.9.0.0/24" in dpvs_routes(d), timeout=15), (
        dpvs_addrs(d) + dpvs_routes(d) + ka.text())
    assert "adding VIP 10.0.0.150/32 on dpdk0, to match" in ka.text()


STEADY_CONF = """
virtual_server 10.0.0.100 80 {
    delay_loop 1
    lb_algo sh
    sh-port
    lb_kind NAT
    protocol TCP
    persistence_timeout 30
    persistence_granularity 255.255.255.0
    real_server 10.0.1.11 80 {
        weight 3
        uthreshold 100
        lthreshold 10
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 10.0.1.12 80 {
        weight 2
        inhibit_on_failure
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
"""


def test_a_steady_table_is_left_alone(lb, ka, tmp_path):
    """Persistence, scheduler flags, thresholds and an inhibited server at
    weight 0: the comparisons find nothing to fix, so nothing flaps."""
    d, rs = lb["dpvs"], lb["rs"]
    backends = Backends(tmp_path)
    try:
        backends.start(rs, "10.0.1.11", "rs1")     # 10.0.1.12 stays down
        ka.write(STEADY_CONF)
        ka.start("-C")
        assert wait_for(lambda: weights(d) == {"10.0.1.11:80": 3,
                                               "10.0.1.12:80": 0},
                        timeout=15), d.adm("-L", "-n").stdout + ka.text()
        time.sleep(12)          # two comparisons at least
        assert "to match keepalived's state" not in ka.text(), ka.text()
        assert weights(d) == {"10.0.1.11:80": 3, "10.0.1.12:80": 0}
        table = d.adm("-L", "-n").stdout
        assert "persistent 30" in table, table
    finally:
        backends.stop()


def test_a_reload_that_grows_a_local_address_group_reaches_dpvs(
        lb, ka, tmp_path):
    """The service stays over the reload, so keepalived adds nothing
    itself; the comparison gives it the group's new address."""
    d, rs = lb["dpvs"], lb["rs"]
    backends = Backends(tmp_path)
    try:
        backends.start(rs, "10.0.1.11", "rs1")
        ka.write(FNAT_CONF % (REAL % 11))
        ka.start("-C")
        two = ["10.0.1.100", "10.0.1.101"]
        assert wait_for(lambda: laddrs_of(d).get("10.0.0.100:80") == two,
                        timeout=15), d.adm("-G").stdout + ka.text()
        ka.write((FNAT_CONF % (REAL % 11)).replace("10.0.1.100-101",
                                                  "10.0.1.100-102"))
        ka.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: laddrs_of(d).get("10.0.0.100:80") ==
                        two + ["10.0.1.102"], timeout=15), (
            d.adm("-G").stdout + ka.text())
    finally:
        backends.stop()
