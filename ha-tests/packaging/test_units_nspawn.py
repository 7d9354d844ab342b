"""The packages on a machine that runs systemd: build/deb/*.deb installed
with apt-get into a Debian 12 tree booted under systemd-nspawn (PID 1 of
the test host is not systemd).  What an operator does after installing:
start dpvs, see it ready, reload it, start the patched keepalived after
it, watch it with the exporter and the SNMP subagent, survive a crash
and a restart, stop everything."""
import re

import pytest

from dpvsd import conf_text
from nspawn import Machine
from waiting import wait_for

# A null port and one worker: the machine has no NIC and two CPUs, and
# the units are what is tested.
DPVS_CONF = conf_text("dpvs", "/var/run/dpvs.ipc",
                      devices=[("dpdk0", "net_null0,no-rx=1", 1, 1)],
                      sections={"ctrl": ['group = "dpvs";']})

KEEPALIVED_CONF = """
global_defs {
    router_id nspawn
}
virtual_server 10.0.0.100 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.0.1.1 80 {
        weight 3
    }
}
"""


@pytest.fixture(scope="module")
def machine(debs):
    m = Machine("dpvsnsp")
    try:
        # A null port needs its driver, as a NIC needs its own.
        m.prepare(list(debs.values()), packages=["snmpd", "librte-net-null23"])
        m.write("/etc/dpvs/dpvs.conf", DPVS_CONF)
        m.write("/etc/dpvs/keepalived.conf", KEEPALIVED_CONF)
        m.boot()
        yield m
    finally:
        m.stop()


def active(m, unit):
    return m.sh("systemctl is-active " + unit, check=False).stdout.strip()


def main_pid(m, unit):
    return int(m.sh("systemctl show -p MainPID --value " + unit).stdout)


def dpvsadm_list(m):
    return m.sh("dpvsadm -L -n", check=False).stdout


def test_start_is_ready_when_the_control_socket_answers(machine):
    # Nothing is enabled or started by the installation.
    assert machine.sh("systemctl is-enabled dpvs.service dpvs-keepalived.service",
                      check=False).stdout.split() == ["disabled", "disabled"]
    assert active(machine, "dpvs") == "inactive"
    # Type=notify: start returns only after READY, so dpvsctl answers at once.
    machine.sh("systemctl enable --now dpvs.service", timeout=120)
    assert active(machine, "dpvs") == "active"
    out = machine.sh("dpvsctl version").stdout
    assert "dpvs " in out
    assert main_pid(machine, "dpvs") == int(machine.sh("pidof dpvs").stdout)


def test_reload_is_sighup_and_logged_to_the_journal(machine):
    pid = main_pid(machine, "dpvs")
    machine.sh("systemctl reload dpvs.service")
    assert main_pid(machine, "dpvs") == pid
    assert wait_for(lambda: "reload" in machine.sh(
        "journalctl -q -u dpvs -t dpvs --no-pager", check=False).stdout.lower(), 10)


def test_keepalived_starts_after_dpvs_and_pushes_services(machine):
    # Enabled, it is wanted by dpvs.service: it comes back with every
    # start of dpvs, a restart after a crash included.
    machine.sh("systemctl enable --now dpvs-keepalived.service", timeout=60)
    assert active(machine, "dpvs-keepalived") == "active"
    assert wait_for(lambda: "10.0.0.100:80" in dpvsadm_list(machine), 20), \
        dpvsadm_list(machine)
    # The pid files are its own, so Debian's keepalived could run beside it.
    assert machine.sh("ls /run/dpvs-keepalived/").stdout.strip()
    assert not machine.sh("ls /run/keepalived.pid", check=False).returncode == 0


def test_restart_of_dpvs_restarts_keepalived_and_services_come_back(machine):
    ka = main_pid(machine, "dpvs-keepalived")
    machine.sh("systemctl restart dpvs.service", timeout=120)
    assert active(machine, "dpvs") == "active"
    assert wait_for(lambda: active(machine, "dpvs-keepalived") == "active"
                    and main_pid(machine, "dpvs-keepalived") not in (0, ka), 30)
    assert wait_for(lambda: "10.0.0.100:80" in dpvsadm_list(machine), 30), \
        dpvsadm_list(machine)


def test_a_crashed_dpvs_is_restarted_with_keepalived(machine):
    pid = main_pid(machine, "dpvs")
    machine.sh("kill -9 %d" % pid)
    assert wait_for(lambda: active(machine, "dpvs") == "active"
                    and main_pid(machine, "dpvs") not in (0, pid), 60), \
        machine.sh("systemctl status dpvs --no-pager", check=False).stdout
    assert wait_for(lambda: "10.0.0.100:80" in dpvsadm_list(machine), 60), \
        dpvsadm_list(machine)


def test_exporter_serves_metrics(machine):
    machine.sh("systemctl start dpvs-exporter.service", timeout=60)
    assert wait_for(lambda: active(machine, "dpvs-exporter") == "active", 20)

    def scrape():
        return machine.sh("curl -s http://127.0.0.1:9643/metrics", check=False).stdout
    assert wait_for(lambda: re.search(r"^dpvs_up 1$", scrape(), re.M), 20), \
        [ln for ln in scrape().splitlines() if ln.startswith("dpvs_up")] + \
        machine.sh("journalctl -q -u dpvs-exporter --no-pager; ls -l /run/dpvs.ipc; "
                   "getent group dpvs", check=False).stdout.splitlines()


def test_snmp_subagent_starts_after_snmpd(machine):
    machine.sh("systemctl start dpvs-snmp.service", timeout=60)
    assert wait_for(lambda: active(machine, "dpvs-snmp") == "active", 20)
    assert active(machine, "snmpd") == "active"


def test_stop_leaves_nothing_running(machine):
    machine.sh("systemctl stop dpvs.service", timeout=60)
    assert active(machine, "dpvs") == "inactive"
    assert wait_for(lambda: active(machine, "dpvs-keepalived") == "inactive", 20)
    assert machine.sh("pidof dpvs dpvs-keepalived", check=False).stdout.strip() == ""
    log = machine.sh("journalctl -q -u dpvs --no-pager", check=False).stdout
    assert "Stopped" in log or "Deactivated" in log
