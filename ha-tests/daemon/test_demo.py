"""`make demo`'s single-LB part, as a newcomer runs it: demo/demo.sh must
run to its end (a start-up check once refused its lcores, and only
`make demo` showed it), balance its requests and leave nothing behind."""
import os
import re
import subprocess

from dpvsd import BUILD, ROOT


def namespaces():
    """Names only: `ip netns list` adds "(id: N)" to some."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def test_demo_sh_runs_to_the_end_and_cleans_up():
    before = namespaces()
    env = dict(os.environ, BUILD=os.path.relpath(BUILD, ROOT))
    r = subprocess.run(["bash", "demo/demo.sh"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "dpvs exited cleanly; control socket removed: yes" in r.stdout, r.stdout[-2000:]
    # Its 30 requests went over the three backends (rr per worker: about
    # 10 each, each backend some).
    got = {int(m.group(2)): int(m.group(1)) for m in
           re.finditer(r"^\s*(\d+) hello from backend 10\.0\.1\.(\d+)$", r.stdout, re.M)}
    assert sorted(got) == [11, 12, 13] and sum(got.values()) == 30, r.stdout[-3000:]
    after = namespaces()
    assert after <= before, after - before
