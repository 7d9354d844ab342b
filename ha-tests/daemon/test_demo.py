"""`make demo`'s single-LB part, as a newcomer runs it: demo/demo.sh must
run to its end (a start-up check once refused its lcores, and only
`make demo` showed it), balance its requests and leave nothing behind."""
import os
import subprocess

from dpvsd import BUILD, ROOT


def test_demo_sh_runs_to_the_end_and_cleans_up():
    before = set(subprocess.run(["ip", "netns", "list"], capture_output=True,
                                text=True).stdout.split())
    env = dict(os.environ, BUILD=os.path.relpath(BUILD, ROOT))
    r = subprocess.run(["bash", "demo/demo.sh"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "dpvs exited cleanly; control socket removed: yes" in r.stdout, r.stdout[-2000:]
    # Its 30 requests went over the three backends, 10 each (rr).
    for h in (11, 12, 13):
        assert "10 hello from backend 10.0.1.%d" % h in r.stdout, r.stdout[-3000:]
    after = set(subprocess.run(["ip", "netns", "list"], capture_output=True,
                               text=True).stdout.split())
    assert after <= before, after - before
