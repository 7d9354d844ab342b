"""Fixtures for the system tests: real daemons, always torn down."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))

from dpvsd import Dpvs  # noqa: E402


@pytest.fixture
def dpvs_factory(tmp_path):
    """Creates Dpvs instances; every one is stopped after the test."""
    made = []

    def make(workdir=None, **kw):
        d = Dpvs(workdir or tmp_path, **kw)
        made.append(d)
        return d

    yield make
    problems = []
    for d in made:
        rc = d.stop()
        log = d.log_text()
        # Sanitizer builds: any report in a daemon's output fails the test.
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                       "runtime error:"):
            if marker in log:
                problems.append("%s: %s (exit %s)\n%s" % (d.dir, marker, rc, log[-4000:]))
    assert not problems, "\n".join(problems)


@pytest.fixture
def dpvs(dpvs_factory):
    """A running daemon with one net_null port served by two workers."""
    d = dpvs_factory(devices=[("dpdk0", "net_null0,no-rx=1", 2, 2)],
                     sections={"ctrl": ["client_timeout_ms = 1000;"]})
    return d.start()
