"""After a dpvs stall or error, libdpvs and keepalived get back in step:
the next libdpvs call after a timeout works, and keepalived converges
dpvs back to its configuration."""
import os
import signal
import subprocess
import sys

from dpvsd import BUILD

# libdpvs through ctypes, in a child process: a sanitizer build's library
# needs its runtime loaded first (LD_PRELOAD), which only a new process
# can have.
CLIENT = r"""
import ctypes, os, signal, sys, time
lib = ctypes.CDLL(sys.argv[1])
ipc, pid = sys.argv[2].encode(), int(sys.argv[3])
h = ctypes.c_void_p()
assert lib.dpvs_connect(ipc, ctypes.byref(h)) == 0
lib.dpvs_set_timeout(h, 300)
lib.dpvs_errmsg.restype = ctypes.c_char_p
info = ctypes.create_string_buffer(4096)
print("before", lib.dpvs_get_version(h, info), flush=True)
os.kill(pid, signal.SIGSTOP)
try:
    rc = lib.dpvs_get_version(h, info)
    print("stalled", rc, lib.dpvs_errmsg(h).decode(), flush=True)
finally:
    os.kill(pid, signal.SIGCONT)
time.sleep(1)    # the late reply is in the old stream by now
rc = lib.dpvs_get_version(h, info)
print("after", rc, lib.dpvs_errmsg(h).decode(), flush=True)
print("echo", lib.dpvs_echo(h, 200000), lib.dpvs_errmsg(h).decode(), flush=True)
lib.dpvs_close(h)
"""


def sanitizer_env(lib):
    """LD_PRELOAD of the sanitizer runtime a library is linked with."""
    env = dict(os.environ)
    ldd = subprocess.run(["ldd", lib], capture_output=True, text=True).stdout
    for line in ldd.splitlines():
        if "libasan" in line and "=>" in line:
            env["LD_PRELOAD"] = line.split("=>")[1].split()[0]
            env["ASAN_OPTIONS"] = "detect_leaks=0"
    return env


def test_the_call_after_a_timeout_succeeds(dpvs):
    """dpvs is stopped past the client's timeout: that call times out; once
    dpvs runs again, the next calls on the same handle succeed (before,
    the late reply stayed in the stream and they failed with EPROTO)."""
    lib = os.path.join(BUILD, "libdpvs.so")
    try:
        r = subprocess.run([sys.executable, "-c", CLIENT, lib, dpvs.ipc,
                            str(dpvs.proc.pid)], capture_output=True,
                           text=True, timeout=30, env=sanitizer_env(lib))
    finally:
        os.kill(dpvs.proc.pid, signal.SIGCONT)
    out = r.stdout.splitlines()
    assert r.returncode == 0, r.stdout + r.stderr
    assert out[0] == "before 0", out
    assert out[1].startswith("stalled 7 no answer from dpvs within 300 ms"), out
    assert out[2] == "after 0 ", out
    assert out[3] == "echo 0 ", out
