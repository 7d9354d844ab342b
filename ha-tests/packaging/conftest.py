"""The packages' tests share one `make deb` per run."""
import os
import subprocess

import pytest

from dpvsd import ROOT
from srctree import DPVS_VERSION as VERSION
PACKAGES = ("dpvs", "libdpvs1", "libdpvs-dev", "dpvs-keepalived", "dpvs-snmp",
            "dpvs-exporter")


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@pytest.fixture(scope="session")
def debs():
    """{package: path of its .deb}, built by `make deb` (about a minute)."""
    r = run("make", "-s", "-C", ROOT, "deb", timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = {}
    for pkg in PACKAGES:
        path = os.path.join(ROOT, "build", "deb", "%s_%s_%s.deb" % (
            pkg, VERSION, run("dpkg", "--print-architecture").stdout.strip()))
        assert os.path.isfile(path), path
        out[pkg] = path
    return out
