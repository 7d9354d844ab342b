"""Polling helper shared by the system tests."""
import time


def wait_for(pred, timeout=10, step=0.1):
    """True as soon as pred() is; False after timeout seconds."""
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(step)
    return False
