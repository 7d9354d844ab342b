"""The daemon's life cycle: start, refuse a twin, reload, stop cleanly."""
import os
import signal
import subprocess

from dpvsd import DPVS, ROOT, Dpvs
from waiting import wait_for


def test_help_and_version():
    r = subprocess.run([DPVS, "--help"], capture_output=True, text=True)
    assert r.returncode == 0
    for opt in ("--conf", "--pid-file", "--ipc-file", "--test-config",
                "--version", "SIGHUP"):
        assert opt in r.stdout
    r = subprocess.run([DPVS, "-v"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("dpvs ")


def test_bad_option_is_an_error():
    r = subprocess.run([DPVS, "--bogus"], capture_output=True, text=True)
    assert r.returncode == 1
    assert "unknown option" in r.stderr


def test_test_config_reports_file_line_key(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text('ctrl = {\n  sync_timeout_ms = 0;\n  bogus = 1;\n};\n')
    r = subprocess.run([DPVS, "-t", "-c", str(conf)], capture_output=True,
                       text=True)
    assert r.returncode == 1
    assert "%s:2: ctrl.sync_timeout_ms" % conf in r.stderr
    assert "%s:3: ctrl.bogus: unknown key" % conf in r.stderr
    good = tmp_path / "good.conf"
    # No hugepages needed: -t also runs the start-up checks.
    good.write_text('global = { eal_args = ["--no-huge", "-m", "256", '
                    '"--no-pci"]; };\n'
                    'ctrl = { sync_timeout_ms = 500; };\n')
    r = subprocess.run([DPVS, "-t", "-c", str(good)], capture_output=True,
                       text=True)
    assert r.returncode == 0 and "is OK" in r.stdout


def test_sample_config_is_valid():
    sample = os.path.join(ROOT, "conf", "dpvs.conf.sample")
    assert os.path.exists(sample), "%s is missing" % sample
    r = subprocess.run([DPVS, "-t", "-c", sample], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stderr


def test_starts_answers_and_stops_cleanly(dpvs):
    v = dpvs.ctl("version", check=True).stdout
    assert "2 workers, 1 ports" in v
    with open(dpvs.pidfile) as f:
        assert int(f.read()) == dpvs.proc.pid
    roles = [l["role"] for l in dpvs.lcores_table()]
    assert roles.count("master") == 1 and roles.count("worker") == 2
    assert dpvs.stop() == 0
    assert not os.path.exists(dpvs.ipc), "control socket left behind"
    assert not os.path.exists(dpvs.pidfile), "pid file left behind"
    assert "stopped" in dpvs.log_text()


def test_sigint_stops_too(dpvs):
    dpvs.signal(signal.SIGINT)
    assert dpvs.proc.wait(15) == 0
    assert not os.path.exists(dpvs.ipc)


def test_second_instance_refused(dpvs, tmp_path):
    twin = Dpvs(tmp_path, devices=[("dpdk0", "net_null0,no-rx=1", 1, 1)])
    twin.ipc = dpvs.ipc
    twin.write_conf(devices=[("dpdk0", "net_null0,no-rx=1", 1, 1)])
    # Same control socket, everything else its own.
    with open(twin.conf) as f:
        text = f.read().replace(twin.ipc, dpvs.ipc)
    with open(twin.conf, "w") as f:
        f.write(text)
    r = subprocess.run(twin.argv(), capture_output=True, text=True, timeout=30)
    twin.stop()
    assert r.returncode == 1
    assert "another dpvs is already running on %s" % dpvs.ipc in r.stderr
    # The first one is undisturbed.
    assert dpvs.ctl("version").returncode == 0


def test_stale_socket_is_replaced(dpvs_factory):
    d = dpvs_factory(devices=[("dpdk0", "net_null0,no-rx=1", 1, 1)])
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.bind(d.ipc)          # a socket file nobody listens on
    s.close()
    d.start()
    assert d.ctl("version").returncode == 0


def test_workers_receive_from_a_pcap_port(dpvs_factory, tmp_path):
    from scapy.all import Ether, IP, UDP, wrpcap
    pcap = str(tmp_path / "in.pcap")
    wrpcap(pcap, [Ether() / IP(dst="10.0.0.%d" % (i % 250 + 1)) / UDP()
                  for i in range(100)])
    d = dpvs_factory(devices=[("dpdk0", "net_pcap0,rx_pcap=%s" % pcap,
                               1, 1)])
    d.start()
    assert wait_for(lambda: sum(int(l["rx_packets"])
                                for l in d.lcores_table()) == 100)


def test_sighup_reload_applies_and_reports(dpvs_factory):
    devs = [("dpdk0", "net_null0,no-rx=1", 1, 1)]
    d = dpvs_factory(devices=devs).start()
    d.write_conf(devices=devs, sections={
        "global": ['log_level = "debug";'],
        "ctrl": ["msg_ring_size = 1024;", "sync_timeout_ms = 1500;"]})
    d.signal(signal.SIGHUP)
    assert wait_for(lambda: "reloaded" in d.log_text())
    log = d.log_text()
    assert "global.log_level: info -> debug (applied)" in log
    assert "ctrl.sync_timeout_ms: 2000 -> 1500 (applied)" in log
    assert "ctrl.msg_ring_size: 4096 -> 1024 (start-only" in log
    assert d.ctl("version").returncode == 0


def test_reload_over_socket_and_bad_file_keeps_running(dpvs_factory):
    devs = [("dpdk0", "net_null0,no-rx=1", 1, 1)]
    d = dpvs_factory(devices=devs).start()
    d.write_conf(devices=devs, sections={"workers": ["idle_sleep_us = 200;"]})
    r = d.ctl("reload", check=True)
    assert "workers.idle_sleep_us: 50 -> 200 (applied)" in r.stdout
    assert "1 key changed" in r.stdout
    d.write_conf(devices=devs, sections={"ctrl": ["bogus = 1;"]})
    r = d.ctl("reload")
    assert r.returncode == 1
    assert "dpvs.conf:" in r.stderr and "ctrl.bogus: unknown key" in r.stderr
    assert d.ctl("version").returncode == 0


def test_start_failure_is_clear_and_leaves_nothing(dpvs_factory):
    d = dpvs_factory(devices=[("dpdk0", "net_nosuchpmd0", 1, 1)])
    d.start(wait=False)
    assert d.proc.wait(30) == 1
    assert "cannot probe device 'net_nosuchpmd0'" in d.log_text()
    assert not os.path.exists(d.ipc)
    assert not os.path.exists(d.pidfile)
