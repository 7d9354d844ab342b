"""Polling and stopping helpers shared by the system tests."""
import subprocess
import time


def wait_for(pred, timeout=10, step=0.1):
    """True as soon as pred() is; False after timeout seconds."""
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return False


def terminate(proc, timeout=10):
    """SIGTERM, then SIGKILL after timeout seconds.  The exit status,
    "killed", or None for no process."""
    if proc is None:
        return None
    if proc.poll() is not None:
        return proc.returncode
    proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "killed"
