"""dpvs under systemd: the notify protocol, the journal log target and
the unit files (packaging/systemd/).  PID 1 here is not systemd, so the
test plays the manager's sockets (lib/sdnotify.py) and checks the units
with systemd-analyze verify against a staged root (docs/systemd.md)."""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from dpvsd import BUILD, DPVS, ROOT
from keepalived import KEEPALIVED, vrrp_conf
from netns import Topology
from waiting import terminate, wait_for
from sdnotify import FakeJournal, NotifySocket

DEVICES = [("dpdk0", "net_null0,no-rx=1", 2, 2)]
UNITS = os.path.join(ROOT, "packaging", "systemd")
DEFAULTS = os.path.join(ROOT, "packaging", "default")


@pytest.fixture
def notify(tmp_path, monkeypatch):
    n = NotifySocket(tmp_path / "notify.sock")
    monkeypatch.setenv("NOTIFY_SOCKET", n.path)
    yield n
    n.close()


def ready_daemon(dpvs_factory, notify, **kw):
    d = dpvs_factory(devices=DEVICES, **kw)
    d.start(wait=False)
    return d, notify.wait("READY", "1", timeout=60)


def test_ready_only_when_serving(dpvs_factory, notify):
    d, msg = ready_daemon(dpvs_factory, notify)
    # Right at READY: the control socket answers and the port is up.
    v = d.ctl("version", timeout=5)
    assert v.returncode == 0 and "2 workers, 1 ports" in v.stdout
    assert "<UP" in d.dpip("link", "show", "dpdk0").stdout
    assert int(msg["MAINPID"]) == d.proc.pid
    assert msg["STATUS"] == "serving: 2 workers, 1 port"
    assert [m for m in notify.seen if "READY" in m] == [msg], \
        "READY sent before the daemon served: %r" % notify.seen
    assert d.stop() == 0


def test_reload_and_stop(dpvs_factory, notify):
    d, _ = ready_daemon(dpvs_factory, notify)
    d.signal(signal.SIGHUP)
    m = notify.wait("RELOADING", "1", timeout=20)
    assert int(m["MONOTONIC_USEC"]) > 0
    m = notify.wait("READY", "1", timeout=20)
    assert m["STATUS"] == "serving: 2 workers, 1 port"

    # A rejected file: still READY, and the status says why.
    good = open(d.conf).read()
    with open(d.conf, "a") as f:
        f.write("bogus = { x = 1; };\n")
    d.signal(signal.SIGHUP)
    notify.wait("RELOADING", "1", timeout=20)
    m = notify.wait("READY", "1", timeout=20)
    assert m["STATUS"] == ("serving: 2 workers, 1 port; last reload "
                           "rejected: %s has errors" % d.conf)
    with open(d.conf, "w") as f:
        f.write(good)

    d.signal(signal.SIGTERM)
    m = notify.wait("STOPPING", "1", timeout=20)
    assert m["STATUS"] == "stopping"
    assert d.proc.wait(timeout=30) == 0


def test_watchdog(dpvs_factory, notify, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")
    d, _ = ready_daemon(dpvs_factory, notify)
    t0, kicks = time.time(), 0
    while time.time() - t0 < 4:
        m = notify.recv(0.5)
        kicks += bool(m and m.get("WATCHDOG") == "1")
    # One every 500 ms: 8 in 4 s; the margin is for a loaded machine.
    assert kicks >= 3
    assert d.stop() == 0


@pytest.mark.parametrize("fault", ["bad config", "bad device"])
def test_failed_start_sends_nothing(dpvs_factory, notify, fault):
    if fault == "bad config":   # refused before the EAL
        d = dpvs_factory(devices=DEVICES, sections={"ctrl": ["bogus = 1;"]})
    else:                       # refused after the EAL, while probing ports
        d = dpvs_factory(devices=[("dpdk0", "net_bogus0", 1, 1)])
    d.start(wait=False)
    assert d.proc.wait(timeout=60) == 1
    assert notify.recv(1) is None, notify.seen


def test_no_notify_socket_no_change(dpvs_factory, tmp_path, monkeypatch):
    """A NOTIFY_SOCKET that nobody listens on is no reason to fail."""
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody"))
    d = dpvs_factory(devices=DEVICES).start()
    assert d.ctl("version").returncode == 0
    assert "cannot notify the service manager" in d.log_text()
    assert d.stop() == 0


# ---- the journal log target ----

def test_journal_target_is_accepted(tmp_path):
    conf = tmp_path / "j.conf"
    for target in ("journal", "auto"):
        # No hugepages here: -t also runs the start-up checks.
        conf.write_text('global = { log_target = "%s"; eal_args = '
                        '["--no-huge", "-m", "256", "--no-pci"]; };\n' % target)
        r = subprocess.run([DPVS, "-t", "-c", str(conf)], capture_output=True,
                           text=True)
        assert r.returncode == 0, r.stderr


def test_journal_unreachable_falls_back_to_stderr(dpvs_factory):
    """No journald here (no /run/systemd/journal/socket): the daemon
    serves, and its lines go to stderr, the first saying why."""
    if os.path.exists("/run/systemd/journal/socket"):
        pytest.skip("a journald runs here")
    d = dpvs_factory(devices=DEVICES,
                     sections={"global": ['log_target = "journal";']}).start()
    log = d.log_text()
    assert "cannot log to the journal" in log and " started: " in log
    # A reload to the same target, and one back to stderr, both apply.
    r = d.ctl("reload", check=True)
    assert r.returncode == 0
    d.write_conf(devices=DEVICES)
    d.ctl("reload", check=True)
    assert d.stop() == 0
    assert "reloaded" in d.log_text()


def start_in_journal_ns(d, journal, env):
    d.logf = open(d.log, "w")
    d.proc = subprocess.Popen(journal.wrap(d.argv()), stdout=d.logf,
                              stderr=subprocess.STDOUT, env=env)
    d.wait_ready(60)


@pytest.fixture
def journal(tmp_path):
    if not os.path.isdir("/run/systemd") or not shutil.which("unshare"):
        pytest.skip("needs /run/systemd to mount the test's journal on")
    j = FakeJournal(tmp_path / "run-systemd")
    yield j
    j.close()


@pytest.mark.parametrize("target", ["journal", "auto"])
def test_journal_fields(dpvs_factory, journal, target):
    """The lines carry priority, identifier and module as fields; "auto"
    (the default) uses the journal when stderr is the JOURNAL_STREAM."""
    d = dpvs_factory(devices=DEVICES, sections={
        "global": ['log_target = "%s";' % target] if target != "auto" else []})
    env = dict(os.environ)
    if target == "auto":
        open(d.log, "w").close()
        st = os.stat(d.log)
        env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
    start_in_journal_ns(d, journal, env)
    e = journal.wait(lambda e: " started: " in e.get("MESSAGE", ""))
    assert e["SYSLOG_IDENTIFIER"] == "dpvs"
    assert e["DPVS_MODULE"] == "main"
    assert e["PRIORITY"] == "5"          # notice
    assert re.match(r"main: dpvs \S+ started: 2 workers, 1 ports", e["MESSAGE"])
    assert "CODE_FILE" not in e
    # A message holding newlines (a rejected reload) arrives whole.
    with open(d.conf, "a") as f:
        f.write("bogus = { x = 1; };\n")
    d.ctl("reload")
    e = journal.wait(lambda e: e.get("DPVS_MODULE") == "reload" and
                     "rejected" in e["MESSAGE"])
    assert e["PRIORITY"] == "3" and "bogus" in e["MESSAGE"]
    assert " started: " not in d.log_text(), "logged to stderr too"
    assert d.stop() == 0


def test_auto_is_stderr_outside_the_journal(dpvs_factory, journal):
    d = dpvs_factory(devices=DEVICES)
    env = dict(os.environ, JOURNAL_STREAM="1:1")   # someone else's stream
    start_in_journal_ns(d, journal, env)
    assert " started: " in d.log_text()
    assert d.stop() == 0
    assert not [e for e in journal.drain() if "MESSAGE" in e]


# ---- the unit files ----

def unit_value(unit, key):
    """key's value in packaging/systemd/unit (the last one wins)."""
    val = None
    for line in open(os.path.join(UNITS, unit)):
        if line.startswith(key + "="):
            val = line.split("=", 1)[1].strip()
    return val


def default_opts(name, var):
    """The unit's $VAR as systemd sets it from packaging/default/name."""
    r = subprocess.run(["sh", "-c", '. "$0" && printf %s "$' + var + '"',
                        os.path.join(DEFAULTS, name)],
                       capture_output=True, text=True, check=True)
    return r.stdout.split()


def unit_argv(unit, var, default, paths):
    """ExecStart of the unit with its $VAR from the default file, the
    installed paths replaced by the test's (paths: {installed: here})."""
    argv = []
    for w in unit_value(unit, "ExecStart").split():
        if w == "$" + var:
            argv += default_opts(default, var)
        else:
            argv.append(paths.get(w, w))
    return argv


def staged_root(tmp_path):
    """A root for systemd-analyze verify: the system's own units, ours
    where a package puts them, and the binaries they run from this build
    at their installed paths."""
    root = tmp_path / "root"
    units = root / "usr/lib/systemd/system"
    shutil.copytree("/lib/systemd/system", units, symlinks=True)
    for u in os.listdir(UNITS):
        shutil.copy(os.path.join(UNITS, u), units / u)
    (root / "usr/sbin").mkdir(parents=True)
    (root / "usr/bin").mkdir(parents=True)
    os.symlink("usr/bin", root / "bin")
    shutil.copy("/usr/bin/kill", root / "usr/bin/kill")
    return root


# Where each unit's binary comes from in this tree.
UNIT_BINARIES = {
    "dpvs.service": ("dpvs", os.path.join(BUILD, "dpvs")),
    "dpvs-keepalived.service": ("dpvs-keepalived",
                                os.path.join(ROOT, "build", "keepalived")),
    "dpvs-snmp.service": ("dpvs-snmp", os.path.join(BUILD, "dpvs-snmp")),
    "dpvs-exporter.service": ("dpvs-exporter",
                              os.path.join(BUILD, "dpvs-exporter")),
}


def test_every_unit_has_a_binary_here():
    assert sorted(os.listdir(UNITS)) == sorted(UNIT_BINARIES)
    assert sorted(os.listdir(DEFAULTS)) == sorted(
        u[:-len(".service")] for u in UNIT_BINARIES)


@pytest.mark.parametrize("unit", sorted(UNIT_BINARIES))
def test_systemd_analyze_verify(tmp_path, unit):
    """Clean: no output at all (unknown keys are only warnings).  Man
    pages are not checked (--man=no): they are built by the packages."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    name, binary = UNIT_BINARIES[unit]
    if not os.path.exists(binary):
        pytest.skip("%s is not built in this tree" % binary)
    root = staged_root(tmp_path)
    shutil.copy(binary, root / "usr/sbin" / name)
    r = subprocess.run(["systemd-analyze", "verify", "--root", str(root),
                        "--man=no", str(root / "usr/lib/systemd/system" / unit)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        r.stdout + r.stderr


@pytest.fixture
def lbns():
    """A namespace with a veth for an af_packet port."""
    t = Topology("sdu")
    try:
        ns, peer = t.ns("lb"), t.ns("cl")
        t.veth(ns, "vsd0", peer, "vsd1", dpdk_side="vsd0")
        yield ns
    finally:
        t.destroy()


def hugetlbfs_with_room(mb):
    """A hugetlbfs mount with mb MB of free pages, or None."""
    mounts = [l.split()[1] for l in open("/proc/mounts")
              if l.split()[2] == "hugetlbfs"]
    info = dict(l.split(":", 1) for l in open("/proc/meminfo"))
    free_mb = int(info["HugePages_Free"]) * int(info["Hugepagesize"].split()[0]) // 1024
    return mounts[0] if mounts and free_mb >= mb else None


def start_as_unit(dpvs_factory, ns, drop=None, huge_dir=None):
    """dpvs as dpvs.service runs it: its ExecStart with DPVS_OPTS from the
    default file and only the unit's capabilities (less `drop`), plus
    the test's own pid file and lcores.  The ports need every one: an
    af_packet port, a net_tap port, their KNI TAPs, a ctrl.group."""
    d = dpvs_factory(netns=ns, devices=[
        ("dpdk0", "net_af_packet0,iface=vsd0,qpairs=1", 1, 1),
        ("dpdk1", "net_tap0,iface=dtsd0", 1, 1)],
        workers=[(1, [("dpdk0", [0], [0]), ("dpdk1", [0], [0])])],
        sections={"ctrl": ['group = "daemon";']})
    caps = [c for c in unit_value("dpvs.service", "CapabilityBoundingSet").split()
            if c != drop]
    bset = "-all" + "".join(",+" + c[4:].lower() for c in caps)
    if huge_dir:
        with open(d.conf) as f:
            text = f.read().replace('"--no-huge", "-m", "256"',
                                    '"-m", "256", "--huge-unlink", "--huge-dir", "%s"' % huge_dir)
        with open(d.conf, "w") as f:
            f.write(text)
    argv = unit_argv("dpvs.service", "DPVS_OPTS", "dpvs", {
        "/usr/sbin/dpvs": DPVS, "/etc/dpvs/dpvs.conf": d.conf})
    argv = ["ip", "netns", "exec", ns, "setpriv", "--bounding-set=" + bset,
            "--"] + argv + ["-p", d.pidfile, "--", "--lcores", d.lcores]
    d.logf = open(d.log, "w")
    d.proc = subprocess.Popen(argv, stdout=d.logf, stderr=subprocess.STDOUT)
    return d


@pytest.mark.parametrize("memory", ["no-huge", "hugepages"])
def test_dpvs_as_the_unit_runs_it(dpvs_factory, notify, lbns, memory):
    huge_dir = None
    if memory == "hugepages":
        huge_dir = hugetlbfs_with_room(300)
        if not huge_dir:
            pytest.skip("no hugetlbfs mount with 300 MB of free hugepages")
    d = start_as_unit(dpvs_factory, lbns, huge_dir=huge_dir)
    msg = notify.wait("READY", "1", timeout=60)
    assert msg["STATUS"] == "serving: 1 worker, 2 ports"
    links = d.dpip("link", "show").stdout
    assert links.count("<UP") == 2, links
    assert "net_af_packet" in links and "net_tap" in links
    assert os.stat(d.ipc).st_gid == 1, "ctrl.group not applied"  # daemon
    assert "chown" not in d.log_text()
    # ExecReload, as systemd runs it.
    reload = unit_value("dpvs.service", "ExecReload").replace(
        "$MAINPID", msg["MAINPID"])
    subprocess.run(reload.split(), check=True)
    notify.wait("RELOADING", "1", timeout=20)
    notify.wait("READY", "1", timeout=20)
    d.signal(signal.SIGTERM)
    notify.wait("STOPPING", "1", timeout=20)
    assert d.proc.wait(timeout=30) == 0


@pytest.mark.parametrize("cap", ["CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_CHOWN"])
def test_each_capability_is_needed(dpvs_factory, notify, lbns, cap):
    """The unit's capabilities, less one: what breaks says why it is
    there (CAP_IPC_LOCK is for vfio-pci, which needs a real NIC)."""
    d = start_as_unit(dpvs_factory, lbns, drop=cap)
    if cap == "CAP_CHOWN":
        notify.wait("READY", "1", timeout=60)
        assert "chown %s: Operation not permitted" % d.ipc in d.log_text()
        assert d.stop() == 0
    else:
        assert d.proc.wait(timeout=60) == 1
        assert "Operation not permitted" in d.log_text()
        assert notify.recv(1) is None, notify.seen


def test_keepalived_as_the_unit_runs_it(lb, vrrp_if, tmp_path):
    """dpvs-keepalived.service's command (with KEEPALIVED_OPTS from the
    default file) stays in the foreground as the main process, puts its
    pid files in the unit's runtime folder and logs keepalived's own
    wording; -l shows here what the journal gets through syslog."""
    d = lb["dpvs"]
    run = tmp_path / "run"
    run.mkdir()
    conf = tmp_path / "keepalived.conf"
    conf.write_text(vrrp_conf(["10.0.0.100"], []))
    argv = unit_argv("dpvs-keepalived.service", "KEEPALIVED_OPTS",
                     "dpvs-keepalived", {"/usr/sbin/dpvs-keepalived": KEEPALIVED,
                                         "/etc/dpvs/keepalived.conf": str(conf)})
    argv = [w.replace("/run/dpvs-keepalived", str(run)) for w in argv]
    out = tmp_path / "ka.out"
    with open(out, "w") as f:
        p = subprocess.Popen(["ip", "netns", "exec", lb["lb"]] + argv + ["-l"],
                             stdout=f, stderr=subprocess.STDOUT,
                             env=dict(os.environ, DPVS_IPC_FILE=d.ipc))
    try:
        assert wait_for(lambda: "Entering MASTER STATE" in out.read_text(),
                        timeout=30), out.read_text()
        assert p.poll() is None, "keepalived left the foreground"
        assert int((run / "keepalived.pid").read_text()) == p.pid
        assert (run / "vrrp.pid").exists()     # no checker without services
        reload = unit_value("dpvs-keepalived.service", "ExecReload").replace(
            "$MAINPID", str(p.pid))
        subprocess.run(reload.split(), check=True)
        assert wait_for(lambda: "Reloading" in out.read_text(), timeout=20), \
            out.read_text()
    finally:
        rc = terminate(p, 15)
    assert rc == 0, out.read_text()
    assert not (run / "keepalived.pid").exists()


def test_snmp_as_the_unit_runs_it(tmp_path):
    """dpvs-snmp.service's command (SNMP_OPTS from the default file) stays
    in the foreground, logs to stderr (the journal) and keeps its pid
    file in the unit's runtime folder; the test points it at sockets of
    its own, where no snmpd and no dpvs listen."""
    run = tmp_path / "run"
    run.mkdir()
    argv = unit_argv("dpvs-snmp.service", "SNMP_OPTS", "dpvs-snmp",
                     {"/usr/sbin/dpvs-snmp": os.path.join(BUILD, "dpvs-snmp")})
    argv = [w.replace("/run/dpvs-snmp", str(run)) for w in argv] + [
        "-x", str(tmp_path / "agentx"), "-c", str(tmp_path / "dpvs.ipc")]
    out = tmp_path / "snmp.out"
    with open(out, "w") as f:
        p = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT)
    try:
        assert wait_for(lambda: "serving DPVS-MIB" in out.read_text(),
                        timeout=20), out.read_text()
        assert p.poll() is None, "dpvs-snmp left the foreground"
        assert int((run / "dpvs-snmp.pid").read_text()) == p.pid
    finally:
        rc = terminate(p, 15)
    assert rc == 0, out.read_text()
