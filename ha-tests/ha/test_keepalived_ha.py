"""keepalived driving dpvs's HA: connection sync (lvs_sync_daemon and its
key), the HA lease, FAULT when dpvs dies, and the 'ha' local addresses
(docs/keepalived.md section 8).  One LB: the VRRP instance runs alone
on a kernel veth (ka0) and becomes MASTER after its master-down
interval (0.36 s with version 3, advert_int 0.1)."""
import os
import re
import signal
import subprocess
import time

import pytest

from keepalived import FNAT_CONF, KEEPALIVED, REAL, dpvs_addrs, laddrs_of
from netns import sh
from waiting import wait_for

HA_CONF = """
global_defs {
    router_id lb1
    lvs_sync_daemon ka0 VI_1 id 61
%(sync)s
}
vrrp_instance VI_1 {
    state BACKUP
    interface ka0
    dpdk_interface dpdk0
    virtual_router_id 61
    version 3
    priority 150
    advert_int 0.1
    virtual_ipaddress {
        10.0.0.150/32
    }
}
"""

VIP = "10.0.0.150/32"


def key_file(tmp_path, mode=0o600, text=None):
    path = tmp_path / "sync.key"
    path.write_text(text if text is not None else os.urandom(32).hex() + "\n")
    os.chmod(path, mode)
    return path


def ha_conf(key=None, extra=""):
    sync = "    lvs_sync_daemon_key_file %s\n" % key if key else ""
    return HA_CONF % {"sync": sync + extra}


def need(d, what):
    """dpvsctl's sync or ha view; skipped while the HA parts (P1, P3, P4)
    are not in this tree."""
    r = d.ctl(what)
    if r.returncode != 0:
        pytest.skip("dpvsctl %s: %s" % (what, (r.stderr or r.stdout).strip()))
    return r.stdout


def vrrp_pid(ka):
    return int((ka.dir / "ka-vrrp.pid").read_text())


def sync_role(d):
    m = re.search(r"role:\s*(\S+)", d.ctl("sync").stdout)
    return m and m.group(1)


def master_with_vip(ka, d):
    return wait_for(lambda: "Entering MASTER STATE" in ka.text()
                    and VIP in dpvs_addrs(d), timeout=15)


def test_sync_roles_follow_the_instance(lb, ka, vrrp_if, tmp_path):
    """MASTER: dpvs sends (master role); FAULT (ka0 down): it installs
    (backup role); MASTER again: master role."""
    d = lb["dpvs"]
    need(d, "sync")
    ka.write(ha_conf(key_file(tmp_path)))
    ka.start("-P")
    assert master_with_vip(ka, d), ka.text()

    assert wait_for(lambda: sync_role(d) == "MASTER", timeout=5), (
        d.ctl("sync").stdout + ka.text())
    assert "dpvs: connection sync MASTER on ka0 (syncid 61)" in ka.text()
    sh("ip", "link", "set", "ka0", "down", ns=lb["lb"])
    assert wait_for(lambda: sync_role(d) == "BACKUP", timeout=5), (
        d.ctl("sync").stdout + ka.text())
    sh("ip", "link", "set", "ka0", "up", ns=lb["lb"])
    assert wait_for(lambda: sync_role(d) == "MASTER", timeout=10), (
        d.ctl("sync").stdout + ka.text())


@pytest.mark.parametrize("mode,text,reason", [
    (0o644, None, "mode 0644 lets group or others at it (chmod 600)"),
    (0o600, "0123456789abcdef", "want 32 to 64 raw bytes or 64 to 128 hex digits"),
    (0o600, "a" * 65 + "\n", "an odd number of hex digits"),
], ids=["group-readable", "too-short", "odd-hex"])
def test_a_bad_key_file_is_said(tmp_path, mode, text, reason):
    key = key_file(tmp_path, mode, text)
    conf = tmp_path / "ka.conf"
    conf.write_text(ha_conf(key))
    r = subprocess.run([KEEPALIVED, "-t", "-l", "-G", "-f", str(conf)],
                       capture_output=True, text=True, timeout=30)
    want = "lvs_sync_daemon_key_file %s: %s - sync stays off" % (key, reason)
    assert want in r.stdout + r.stderr, r.stdout + r.stderr


def test_a_bad_key_keeps_sync_off_and_keepalived_on(lb, ka, vrrp_if, tmp_path):
    """A key file others can read: said at load, sync is refused at each
    start with the reason, and VRRP and its VIPs work as without sync."""
    d = lb["dpvs"]
    key = key_file(tmp_path, 0o644)
    ka.write(ha_conf(key))
    ka.start("-P")
    assert master_with_vip(ka, d), ka.text()
    text = ka.text()
    assert ("lvs_sync_daemon_key_file %s: mode 0644 lets group or others at "
            "it (chmod 600) - sync stays off" % key) in text, text
    assert ("no usable lvs_sync_daemon_key_file: dpvs does not sync "
            "unauthenticated; sync stays off") in text, text
    assert "connection sync MASTER" not in text, text
    assert ka.proc.poll() is None


def test_the_lease_is_held_while_master_and_lost_with_keepalived(
        lb, ka, vrrp_if, tmp_path):
    """dpvsctl ha shows the VRRP process holding the lease; its kill -9
    closes the connection and dpvs removes the VIP within 0.2 s."""
    d = lb["dpvs"]
    need(d, "ha")
    ka.write(ha_conf(key_file(tmp_path)))
    ka.start("-P")
    assert master_with_vip(ka, d), ka.text()
    pid = vrrp_pid(ka)
    assert wait_for(lambda: re.search(r"lease: held.*pid %d" % pid,
                                      d.ctl("ha").stdout), timeout=5), (
        d.ctl("ha").stdout + ka.text())
    # The parent would start a new VRRP process: held still meanwhile.
    ka.proc.send_signal(signal.SIGSTOP)
    try:
        t0 = time.time()
        os.kill(pid, signal.SIGKILL)
        gone = wait_for(lambda: VIP not in dpvs_addrs(d), timeout=2, step=0.01)
        took = time.time() - t0
        print("\nVIP removed %.3f s after kill -9 of keepalived's VRRP "
              "process" % took)
        assert gone, dpvs_addrs(d)
        assert took <= 0.2, took
        assert "lease: held" not in d.ctl("ha").stdout
    finally:
        ka.proc.send_signal(signal.SIGCONT)


def test_a_stall_past_the_lease_gets_the_vip_and_sync_back(lb, ka, vrrp_if,
                                                           tmp_path):
    """dpvs stopped for longer than the lease's TTL (280 ms): when it runs
    again the lease is over (VIP removed, master role stopped); the next
    renewal takes it on a new connection and puts both back.  A stall is
    no death: no FAULT."""
    d = lb["dpvs"]
    need(d, "sync")
    ka.write(ha_conf(key_file(tmp_path)))
    ka.start("-P")
    assert master_with_vip(ka, d), ka.text()
    assert wait_for(lambda: sync_role(d) == "MASTER", timeout=5), ka.text()
    d.signal(signal.SIGSTOP)
    try:
        time.sleep(1.5)
    finally:
        d.signal(signal.SIGCONT)
    assert wait_for(lambda: "HA lease taken on a new connection" in ka.text(),
                    timeout=5), ka.text()
    assert wait_for(lambda: VIP in dpvs_addrs(d) and sync_role(d) == "MASTER"
                    and "lease: held" in d.ctl("ha").stdout, timeout=5), (
        dpvs_addrs(d) + d.ctl("sync").stdout + d.ctl("ha").stdout + ka.text())
    assert "dpvs closed the control socket" not in ka.text()


def test_a_dead_dpvs_puts_the_instance_into_fault_at_once(lb, ka, vrrp_if,
                                                          tmp_path):
    """VRRP on a kernel NIC does not see dpvs die: the control socket
    does.  FAULT at once; back to MASTER once dpvs answers again."""
    d = lb["dpvs"]
    ka.write(ha_conf(key_file(tmp_path)))
    ka.start("-P")
    assert master_with_vip(ka, d), ka.text()
    t0 = time.time()
    d.proc.kill()
    d.proc.wait()
    t1 = time.time()       # its memory is unmapped before its sockets close
    said = "(VI_1) dpvs closed the control socket: entering FAULT"
    assert wait_for(lambda: said in ka.text(), timeout=2, step=0.01), ka.text()
    took = time.time() - t1
    print("\nFAULT said %.3f s after kill -9 of dpvs, %.3f s after it was "
          "gone" % (time.time() - t0, took))
    assert took <= 0.5, took     # not the once-a-second watch
    assert wait_for(lambda: "Entering FAULT STATE" in ka.text(), timeout=1), (
        ka.text())
    d.stop()
    d.start()
    assert wait_for(lambda: "(VI_1) dpvs answers again: leaving FAULT"
                    in ka.text(), timeout=10), ka.text()
    assert wait_for(lambda: VIP in dpvs_addrs(d), timeout=10), (
        dpvs_addrs(d) + ka.text())


HA_LIPS = FNAT_CONF.replace("10.0.1.100-101 dpdk1", "10.0.1.100-101 dpdk1 ha")


def test_ha_local_addresses_are_added_as_ha(lb, ka, tmp_path):
    """'ha' after the port: dpvs gets the local addresses as the pair's
    shared ones (DPVS_ADDR_F_HA), inactive without the lease."""
    d = lb["dpvs"]
    need(d, "ha")
    ka.write(HA_LIPS % (REAL % 11))
    ka.start("-C")
    want = {"10.0.0.100:80": ["10.0.1.100", "10.0.1.101"]}
    assert wait_for(lambda: laddrs_of(d) == want, timeout=15), (
        d.adm("-G").stdout + ka.text())
    for a in ("10.0.1.100", "10.0.1.101"):
        line = [l for l in dpvs_addrs(d).splitlines() if a + "/32" in l]
        assert line and re.search(r"\bsapool ha\b", line[0]), dpvs_addrs(d)


def test_a_wrong_word_after_a_local_address_is_said(tmp_path):
    conf = tmp_path / "ka.conf"
    conf.write_text(FNAT_CONF.replace("10.0.1.100-101 dpdk1",
                                      "10.0.1.100-101 dpdk1 shared")
                    % (REAL % 11))
    r = subprocess.run([KEEPALIVED, "-t", "-l", "-G", "-f", str(conf)],
                       capture_output=True, text=True, timeout=30)
    assert ("local_address_group lips: 'shared' after 10.0.1.100-101 dpdk1 "
            "is not 'ha' - ignored") in r.stdout + r.stderr, r.stdout + r.stderr
