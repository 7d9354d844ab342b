"""A Debian 12 machine booted with systemd as PID 1, for testing the
packages' units where the test host itself does not run systemd.

The root tree comes from debootstrap (minbase plus systemd), with the
mirror taken from this machine's own apt sources; it is built once into
build/nspawn/base and copied for each run.  The packages are installed
with apt-get in the copy (host network, before the boot), then the copy
boots under systemd-nspawn with a private network, so nothing it starts
can reach or clash with the host's interfaces.  stop() powers it off,
kills what is left and removes the copy, also after a failed test.
"""
import glob
import importlib.util
import os
import shutil
import signal
import subprocess
import time

from dpvsd import ROOT
from waiting import wait_for

NSPAWN_DIR = os.path.join(ROOT, "build", "nspawn")
BASE = os.path.join(NSPAWN_DIR, "base")
APT_CACHE = os.path.join(NSPAWN_DIR, "apt-archives")
SUITE = "bookworm"
BASE_PACKAGES = "systemd,systemd-sysv,dbus,iproute2,procps,curl"


def _debsrc():
    spec = importlib.util.spec_from_file_location(
        "debsrc", os.path.join(ROOT, "keepalived", "debsrc.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def apt_mirror():
    """The first mirror this machine's apt sources use for SUITE."""
    mod = _debsrc()
    paths = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list"))
    entries = []
    for path in paths:
        if os.path.exists(path):
            entries += list(mod.one_line_entries(path))
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        entries += list(mod.deb822_entries(path))
    for _, uri, suite, _ in entries:
        if suite == SUITE:
            return uri
    raise AssertionError("no apt source for %s on this machine" % SUITE)


def run(argv, timeout=600, check=True, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(argv), r.returncode,
                                                        r.stdout[-3000:], r.stderr[-3000:]))
    return r


def base_tree():
    """build/nspawn/base, made by debootstrap the first time (about 40 s)."""
    stamp = os.path.join(BASE, ".complete")
    if os.path.exists(stamp):
        return BASE
    shutil.rmtree(BASE, ignore_errors=True)
    os.makedirs(NSPAWN_DIR, exist_ok=True)
    run(["debootstrap", "--variant=minbase", "--include=" + BASE_PACKAGES,
         SUITE, BASE, apt_mirror()], timeout=900)
    open(stamp, "w").close()
    return BASE


class Machine:
    """One booted copy of the base tree."""

    def __init__(self, tag):
        self.name = "%s%d" % (tag, os.getpid() % 100000)
        self.root = os.path.join(NSPAWN_DIR, "run-" + self.name)
        self.proc = None
        self.log_path = self.root + ".console"

    def prepare(self, debs, packages=()):
        """Copies the base tree and installs debs (paths) and packages
        (names, from the archive) with apt-get."""
        shutil.rmtree(self.root, ignore_errors=True)
        run(["cp", "-a", "--reflink=auto", base_tree(), self.root])
        incoming = os.path.join(self.root, "root", "debs")
        os.makedirs(incoming)
        for deb in debs:
            shutil.copy(deb, incoming)
        os.makedirs(APT_CACHE, exist_ok=True)
        names = " ".join(["/root/debs/" + os.path.basename(d) for d in debs]
                         + list(packages))
        self.nspawn_run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
                        "apt-get install -y -qq --no-install-recommends " + names)

    def nspawn_run(self, script, timeout=900):
        """Runs a shell script in the tree without booting it (host network)."""
        return run(["systemd-nspawn", "-q", "-D", self.root, "--register=no",
                    "--keep-unit", "--bind=%s:/var/cache/apt/archives" % APT_CACHE,
                    "/bin/sh", "-ec", script], timeout=timeout)

    def write(self, path, text):
        full = os.path.join(self.root, path.lstrip("/"))
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)

    def boot(self, timeout=60):
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["systemd-nspawn", "-q", "-D", self.root, "--boot", "--private-network",
             "--register=no", "--keep-unit", "--machine=" + self.name,
             "--bind=/dev/net/tun"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        ok = wait_for(lambda: self._state() in ("running", "degraded"), timeout, 0.5)
        if not ok:
            raise AssertionError("the container did not boot: %s\n%s" % (
                self._state(), self.console()[-3000:]))
        self._sys_module()

    def _sys_module(self):
        """With a private network nspawn mounts only some folders of
        /sys, and DPDK's EAL refuses to start without /sys/module (it
        looks there for vfio).  A machine of its own has it: mount it."""
        self.sh("mkdir -p /run/fullsys && mount -t sysfs sysfs /run/fullsys && "
                "mount -o remount,rw /sys && mkdir -p /sys/module && "
                "mount --bind /run/fullsys/module /sys/module && "
                "mount -o remount,ro /sys && umount /run/fullsys")

    def init_pid(self):
        """The container's PID 1 as the host sees it."""
        if not self.proc or self.proc.poll() is not None:
            return None
        for child in run(["pgrep", "-P", str(self.proc.pid)], check=False).stdout.split():
            with open("/proc/%s/comm" % child) as f:
                if f.read().strip() == "systemd":
                    return int(child)
        return None

    def _state(self):
        if self.init_pid() is None:
            return "no init"
        return self.sh("systemctl is-system-running", check=False).stdout.strip()

    def sh(self, script, check=True, timeout=120):
        """Runs a shell script inside the booted machine."""
        pid = self.init_pid()
        assert pid, "the container is not running"
        return run(["nsenter", "-t", str(pid), "-a", "/bin/sh", "-c", script],
                   check=check, timeout=timeout)

    def console(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # nspawn powers the machine off
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        # Anything still running from the tree (a DPDK process, say) goes too.
        for _ in range(20):
            left = run(["pgrep", "-f", "systemd-nspawn.*" + self.root], check=False).stdout
            if not left.split():
                break
            time.sleep(0.5)
        shutil.rmtree(self.root, ignore_errors=True)
        try:
            os.unlink(self.log_path)
        except OSError:
            pass
