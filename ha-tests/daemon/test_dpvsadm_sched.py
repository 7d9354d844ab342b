"""Every scheduler by name through dpvsadm and a real daemon: accepted,
listed, saved and restored, and changed with -E (lblc, lblcr, ovf and
twos arrived with issue 15; conhash had no keepalived name before)."""
import subprocess

from dpvsd import DPVSADM

DEVICES = [("dpdk0", "net_null0,no-rx=1", 1, 1)]
SCHEDULERS = ("rr", "wrr", "lc", "wlc", "sed", "nq", "sh", "dh", "fo", "mh",
              "conhash", "lblc", "lblcr", "ovf", "twos")


def table(d):
    for port, name in enumerate(SCHEDULERS, 8000):
        d.adm("-A", "-t", "10.0.0.100:%d" % port, "-s", name)
        d.adm("-a", "-t", "10.0.0.100:%d" % port, "-r", "10.0.1.11", "-m",
              "-w", "2")
        d.adm("-a", "-t", "10.0.0.100:%d" % port, "-r", "10.0.1.12", "-m",
              "-x", "100")


def test_every_scheduler_is_listed_saved_and_restored(dpvs_factory):
    a = dpvs_factory(devices=DEVICES).start()
    table(a)
    listing = a.adm("-L", "-n").stdout
    saved = a.adm("-S").stdout
    for port, name in enumerate(SCHEDULERS, 8000):
        line = "TCP  10.0.0.100:%d %s" % (port, name)
        assert line in listing, (line, listing)
        assert "-A -t 10.0.0.100:%d -s %s\n" % (port, name) in saved, saved
    b = dpvs_factory(devices=DEVICES).start()
    r = subprocess.run([DPVSADM, "--ipc-file", b.ipc, "-R"], input=saved,
                       capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (0, "")
    assert b.adm("-S").stdout == saved
    assert b.adm("-L", "-n").stdout == listing


def test_edit_between_the_new_schedulers(dpvs_factory):
    d = dpvs_factory(devices=DEVICES).start()
    d.adm("-A", "-t", "10.0.0.100:80", "-s", "lblc")
    d.adm("-a", "-t", "10.0.0.100:80", "-r", "10.0.1.11", "-m")
    for name in ("lblcr", "ovf", "twos", "conhash", "lblc"):
        d.adm("-E", "-t", "10.0.0.100:80", "-s", name)
        assert d.adm("-S").stdout.startswith(
            "-A -t 10.0.0.100:80 -s %s\n" % name)
    r = d.adm("-E", "-t", "10.0.0.100:80", "-s", "lblcx", check=False)
    assert (r.returncode, r.stderr) == (
        1, "dpvsadm: edit-service: unknown scheduler 'lblcx'\n")
    assert "-s lblc\n" in d.adm("-S").stdout
