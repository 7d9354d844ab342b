"""The Debian packages (docs/packaging.md): `make deb` builds them once
for this module, then lintian, their control data, the layout against
`make install`, and dpkg installing them into a throwaway root where the
patched keepalived runs beside a keepalived holding Debian's keepalived
paths, and a program outside the tree builds against libdpvs-dev."""
import glob
import os
import subprocess

import pytest

from debroot import run_in_throwaway_root
from dpvsd import ROOT
from srctree import DPVS_VERSION as VERSION

# What dh adds to every package and `make install` has no reason to.
DH_ONLY = ("usr/share/doc/%s/copyright", "usr/share/doc/%s/changelog.gz",
           "usr/share/lintian/overrides/%s")


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def field(deb, name):
    return run("dpkg-deb", "-f", deb, name).stdout.strip()


def contents(deb):
    """Files and symlinks of a .deb, as paths without the leading ./"""
    lines = run("dpkg-deb", "-c", deb).stdout.splitlines()
    return {ln.split()[5][2:] for ln in lines if ln[0] in "-l"}


def test_lintian_reports_no_error_and_no_unexplained_warning(debs):
    changes = glob.glob(os.path.join(ROOT, "build", "deb", "*.changes"))
    assert len(changes) == 1, changes
    r = run("lintian", "--fail-on", "error,warning", changes[0], timeout=300)
    tags = [ln for ln in r.stdout.splitlines() if ln[:2] in ("E:", "W:")]
    assert not tags, r.stdout


def test_versions_depends_and_conffiles(debs):
    for pkg, deb in debs.items():
        assert field(deb, "Version") == VERSION, pkg
    # The tools, keepalived, the subagent and the exporter carry libdpvs
    # statically and speak the daemon's wire version: the same build.
    for pkg in ("dpvs-keepalived", "dpvs-snmp", "dpvs-exporter"):
        assert "dpvs (= %s)" % VERSION in field(debs[pkg], "Depends"), pkg
    assert "libdpvs1 (= %s)" % VERSION in field(debs["libdpvs-dev"], "Depends")
    conffiles = run("dpkg-deb", "--info", debs["dpvs"], "conffiles").stdout
    assert "/etc/dpvs/dpvs.conf" in conffiles.split()
    conffiles = run("dpkg-deb", "--info", debs["dpvs-keepalived"],
                    "conffiles").stdout
    assert "/etc/dpvs/keepalived.conf" in conffiles.split()
    symbols = run("dpkg-deb", "--info", debs["libdpvs1"], "symbols").stdout
    assert " dpvs_connect@LIBDPVS_1 " in symbols
    # Nothing of Debian's keepalived package's paths.
    files = contents(debs["dpvs-keepalived"])
    assert "usr/sbin/dpvs-keepalived" in files
    assert not {p for p in files if p.startswith("etc/keepalived/") or
                p.endswith(("sbin/keepalived", "/keepalived.service"))}


def test_make_install_installs_what_the_packages_do(debs, tmp_path):
    san = ["SAN=1"] if os.environ.get("BUILD") == "build-san" else []
    dest = tmp_path / "dest"
    r = run("make", "-s", "-C", ROOT, "install", "DESTDIR=%s" % dest,
            "PREFIX=/usr", *san, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    installed = set()
    for top, _dirs, files in os.walk(dest):
        for f in files:
            installed.add(os.path.relpath(os.path.join(top, f), dest))
    packaged = set()
    for pkg, deb in debs.items():
        packaged |= contents(deb) - {p % pkg for p in DH_ONLY}
    assert packaged == installed, (
        "only in the packages: %s\nonly from make install: %s" % (
            sorted(packaged - installed), sorted(installed - packaged)))
    # Again over an operator's configuration: it stays.
    conf = dest / "etc/dpvs/dpvs.conf"
    conf.write_text("# mine\n")
    r = run("make", "-s", "-C", ROOT, "install", "DESTDIR=%s" % dest,
            "PREFIX=/usr", *san, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert conf.read_text() == "# mine\n"


# Inside the throwaway root: install, run, build against, remove, purge.
# Each "ok NAME" line is one check the test looks for.
INSIDE = r"""
cd /tmp
dpkg -i ./*.deb > dpkg.log 2>&1 || { cat dpkg.log; exit 1; }
dpvs -v | grep -q "@VERSION@" && echo "ok dpvs-version"
# The patched keepalived's defaults: its own config (valid as shipped,
# and the one -t reads: a bad line there fails it) and pid files.
if dpvs-keepalived -t && cp /etc/dpvs/keepalived.conf good.conf && \
	echo bogus_keyword >> /etc/dpvs/keepalived.conf && \
	! dpvs-keepalived -t 2>/dev/null; then
	echo "ok dpvs-keepalived-default-config"
fi
cp good.conf /etc/dpvs/keepalived.conf
man -w dpvs-keepalived >/dev/null && man -w dpvs >/dev/null && echo "ok man"
# A keepalived holding Debian's keepalived's pid files (its unit runs
# it with the defaults: /run/keepalived.pid, vrrp.pid, checkers.pid).
mkdir -p /etc/keepalived
cp /etc/dpvs/keepalived.conf /etc/keepalived/keepalived.conf
dpvs-keepalived -f /etc/keepalived/keepalived.conf -p /run/keepalived.pid \
	-r /run/vrrp.pid -c /run/checkers.pid
dpvs-keepalived
for i in $(seq 50); do
	[ -s /run/keepalived.pid ] && [ -s /run/dpvs-keepalived/keepalived.pid ] && break
	sleep 0.1
done
sleep 1
kill -0 "$(cat /run/keepalived.pid)" && \
	kill -0 "$(cat /run/dpvs-keepalived/keepalived.pid)" && echo "ok both-keepaliveds"
# A program outside the tree, against libdpvs-dev, shared and static.
cat > prog.c <<'EOC'
#include <stdio.h>
#include <libdpvs.h>
int main(void)
{
	struct dpvs_handle *h;
	int rc = dpvs_connect("/tmp/no-dpvs.ipc", &h);
	printf("connect: %s\n", dpvs_strerror(rc));
	return rc == 0;
}
EOC
cc -o prog prog.c $(pkg-config --cflags --libs libdpvs)
./prog && ldd prog | grep -q "libdpvs.so.1 => /" && echo "ok pkg-config-shared"
cc -o prog-static prog.c $(pkg-config --cflags libdpvs) \
	"$(pkg-config --variable=libdir libdpvs)/libdpvs.a"
./prog-static && echo "ok static"
[ "$(pkg-config --modversion libdpvs)" = "@VERSION@" ] && echo "ok pc-version"
kill "$(cat /run/dpvs-keepalived/keepalived.pid)" "$(cat /run/keepalived.pid)"
dpkg -r @PACKAGES@ > dpkg.log 2>&1 || { cat dpkg.log; exit 1; }
[ -f /etc/dpvs/dpvs.conf ] && [ ! -e /usr/sbin/dpvs ] && echo "ok removed-keeps-conffiles"
dpkg -P @PACKAGES@ > dpkg.log 2>&1 || { cat dpkg.log; exit 1; }
[ ! -e /etc/dpvs ] && echo "ok purged"
"""


def test_installed_with_dpkg_beside_debian_keepalived_paths(debs, tmp_path):
    script = INSIDE.replace("@VERSION@", VERSION).replace(
        "@PACKAGES@", " ".join(debs))
    r = run_in_throwaway_root(tmp_path, script, debs.values(), timeout=300)
    oks = {ln[3:] for ln in r.stdout.splitlines() if ln.startswith("ok ")}
    want = {"dpvs-version", "dpvs-keepalived-default-config", "man",
            "both-keepaliveds", "pkg-config-shared", "static", "pc-version",
            "removed-keeps-conffiles", "purged"}
    assert oks == want, "missing %s\n%s\n%s" % (
        sorted(want - oks), r.stdout, r.stderr[-4000:])

