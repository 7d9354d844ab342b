"""The start-up checks (docs/dpvs.md, "Start-up checks") on this machine:
each problem that can be produced without a NIC, through `dpvs -t` and a
real start, both of which must name the problem and its fix and exit 1.

The tests only read the host: they never reserve hugepages, load modules
or touch a device's binding (a start refused by the checks never reaches
the EAL, so the PCI device named is not even probed).
"""
import glob
import os
import shutil
import subprocess

import pytest

from dpvsd import DPVS, conf_text

NO_HUGE = '"--no-huge", "-m", "256", "--no-pci", '


def write(tmp_path, text, name="dpvs.conf"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def conf(tmp_path, eal=None, **kw):
    """A test config; eal replaces the harness's --no-huge/-m/--no-pci."""
    prefix = "hapf%d_%s" % (os.getpid(), tmp_path.name[-12:])
    text = conf_text(prefix, str(tmp_path / "dpvs.ipc"), **kw)
    if eal is not None:
        assert NO_HUGE in text
        text = text.replace(NO_HUGE, eal)
    return write(tmp_path, text), prefix


def check_and_start(tmp_path, path, prefix, *extra):
    """dpvs -t, then a real start: both results."""
    t = subprocess.run([DPVS, "-t", "-c", path] + list(extra),
                       capture_output=True, text=True, timeout=30)
    try:
        s = subprocess.run([DPVS, "-c", path, "-p", str(tmp_path / "pid")]
                           + list(extra), capture_output=True, text=True,
                           timeout=30)
    finally:
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    return t, s


def assert_refused(t, s, *lines):
    assert t.returncode == 1, t.stdout + t.stderr
    assert "start-up check" in t.stderr and "failed" in t.stderr
    assert s.returncode == 1, s.stdout + s.stderr
    for line in lines:
        assert line in t.stderr, t.stderr
        assert line in s.stderr, s.stderr
    # Refused before the EAL: none of its cryptic text.
    assert "EAL:" not in s.stderr, s.stderr


def free_hugepages_kb():
    total = 0
    for d in glob.glob("/sys/kernel/mm/hugepages/hugepages-*kB"):
        kb = int(d.rsplit("-", 1)[1][:-2])
        with open(d + "/free_hugepages") as f:
            total += int(f.read()) * kb
    return total


def test_hugepages_missing(tmp_path):
    if free_hugepages_kb() >= 256 * 1024:
        pytest.skip("this machine has hugepages reserved")
    path, prefix = conf(tmp_path, eal='"-m", "256", "--no-pci", ')
    t, s = check_and_start(tmp_path, path, prefix)
    with open("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") as f:
        nr = int(f.read())
    with open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") as f:
        free = int(f.read())
    assert_refused(t, s, "error: hugepages: the configuration needs 256 MB "
                   "(-m 256), 128 pages of 2048 kB; %d are reserved, %d free: "
                   "echo %d > /sys/kernel/mm/hugepages/hugepages-2048kB/"
                   "nr_hugepages" % (nr, free, nr - free + 128))
    with open("/proc/mounts") as f:
        if " hugetlbfs " not in f.read():
            assert "error: hugepages: no hugetlbfs is mounted, the EAL " \
                   "cannot use any: mount -t hugetlbfs none /dev/hugepages" \
                   in t.stderr
    assert not os.path.exists(tmp_path / "pid"), "pid file left behind"


def kernel_bound_pci_device():
    """A PCI device the kernel's own driver (not a DPDK one) holds."""
    for dev in sorted(glob.glob("/sys/bus/pci/devices/*")):
        drv = os.path.join(dev, "driver")
        if os.path.islink(drv):
            name = os.path.basename(os.readlink(drv))
            if name not in ("vfio-pci", "igb_uio", "uio_pci_generic",
                            "mlx5_core", "mlx4_core"):
                return os.path.basename(dev), name
    return None, None


def test_pci_device_not_bound_to_dpdk(tmp_path):
    addr, drv = kernel_bound_pci_device()
    if not addr:
        pytest.skip("no PCI device held by a kernel driver here")
    path, prefix = conf(tmp_path, eal='"--no-huge", "-m", "256", "-a", "%s", '
                        % addr)
    t, s = check_and_start(tmp_path, path, prefix)
    devbind = shutil.which("dpdk-devbind.py") or "dpdk-devbind.py (Debian"
    lines = ["error: PCI device %s (-a) is bound to the kernel's %s, not to "
             "a DPDK driver: %s --bind=vfio-pci %s" % (addr, drv, devbind,
                                                       addr)]
    if not os.path.exists("/sys/module/vfio_pci"):
        lines.append("error: vfio: the vfio-pci module is not loaded: "
                     "modprobe vfio-pci")
    if not os.listdir("/sys/kernel/iommu_groups"):
        lines.append("error: vfio: no IOMMU (/sys/kernel/iommu_groups is "
                     "empty): add intel_iommu=on iommu=pt")
    assert_refused(t, s, *lines)


def test_pci_device_missing(tmp_path):
    addr = "0000:7f:1f.7"
    if os.path.exists("/sys/bus/pci/devices/" + addr):
        pytest.skip("%s exists here" % addr)
    path, prefix = conf(tmp_path, eal='"--no-huge", "-m", "256", '
                        '"--allow=%s", ' % addr)
    t, s = check_and_start(tmp_path, path, prefix)
    assert_refused(t, s, "error: PCI device %s (--allow) does not exist on "
                   "this machine" % addr)


def test_more_lcores_than_cpus(tmp_path):
    cpus = os.sched_getaffinity(0)
    n = max(cpus) + 3           # workers on lcores 1..n: some beyond the CPUs
    path, prefix = conf(tmp_path, workers=[(i, []) for i in range(1, n + 1)])
    t, s = check_and_start(tmp_path, path, prefix)
    gone = ", ".join(str(i) for i in range(n + 1) if i not in cpus)
    assert_refused(t, s, "error: lcores: %s run on CPUs this process may "
                   "not run on (it has CPU %s;" % (
                       gone, ", ".join(map(str, sorted(cpus)))))
    # The fix the message gives: map the lcores onto the CPUs.
    t = subprocess.run([DPVS, "-t", "-c", path, "--", "--lcores",
                        "0@%d,(1-%d)@%d" % (min(cpus), n, max(cpus))],
                       capture_output=True, text=True, timeout=30)
    assert t.returncode == 0 and "is OK" in t.stdout, t.stderr


def test_a_taskset_around_dpvs_does_not_bind_its_lcores(tmp_path):
    """EAL pins each lcore itself: make bench runs dpvs from a script
    pinned to one CPU, with --lcores naming the other."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two CPUs")
    path, _ = conf(tmp_path, workers=[(1, [])])
    t = subprocess.run(["taskset", "-c", str(cpus[0]), DPVS, "-t", "-c", path, "--",
                        "--lcores", "0@%d,1@%d" % (cpus[0], cpus[1])],
                       capture_output=True, text=True, timeout=30)
    assert t.returncode == 0 and "is OK" in t.stdout, t.stderr


def test_conn_pool_does_not_fit_in_m(tmp_path, dpvs_factory):
    path, prefix = conf(tmp_path, sections={
        "ipvs": ["conn_pool_size = 4194304;"]})
    t, s = check_and_start(tmp_path, path, prefix)
    assert_refused(t, s, "error: memory: the pools need about",
                   "ipvs.conn_pool_size 4194304), -m 256 gives 256 MB: "
                   "lower ipvs.conn_pool_size to about")
    # The pool it names fits.
    fit = int(t.stderr.split("lower ipvs.conn_pool_size to about ")[1]
              .split(",")[0])
    assert 1024 <= fit < 4194304
    path, prefix = conf(tmp_path, sections={
        "ipvs": ["conn_pool_size = %d;" % fit]})
    t = subprocess.run([DPVS, "-t", "-c", path], capture_output=True,
                       text=True, timeout=30)
    assert t.returncode == 0, t.stderr
    # And really starts in -m 256.
    d = dpvs_factory(sections={"ipvs": ["conn_pool_size = %d;" % fit]})
    d.start(timeout=60)
    assert "started" in d.log_text()


def test_every_problem_is_listed(tmp_path):
    """Not only the first: lcores and memory together."""
    cpus = os.sched_getaffinity(0)
    n = max(cpus) + 2
    path, prefix = conf(tmp_path, workers=[(i, []) for i in range(1, n + 1)],
                        sections={"ipvs": ["conn_pool_size = 4194304;"]})
    t, s = check_and_start(tmp_path, path, prefix)
    assert_refused(t, s, "error: lcores: ", "error: memory: ")
    assert "2 start-up checks failed" in t.stderr


def test_failed_eal_is_followed_by_the_findings(tmp_path):
    """A start the checks let through (warnings only) that EAL refuses:
    EAL's own text, then the findings that explain it."""
    path, prefix = conf(tmp_path, eal='"--no-huge", "-m", "256", '
                        '"--no-pci", "--lcores", "0@0,(1@1", ')
    t, s = check_and_start(tmp_path, path, prefix)
    assert t.returncode == 0, t.stderr
    warning = ('warning: EAL option --lcores "0@0,(1@1": not understood, '
               'the lcore check is skipped')
    assert warning in t.stderr
    assert s.returncode == 1
    err = s.stderr
    assert "EAL initialisation failed" in err, err
    assert err.index("EAL initialisation failed") < err.index(
        "the start-up checks found:") < err.rindex(warning), err
    # Nothing found: said so.
    path, prefix = conf(tmp_path, eal='"--no-huge", "-m", "256", '
                        '"--no-pci", "--no-such-eal-option", ')
    t, s = check_and_start(tmp_path, path, prefix)
    assert s.returncode == 1
    assert "the start-up checks found nothing that explains it" in s.stderr
