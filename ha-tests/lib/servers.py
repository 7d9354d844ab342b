"""Servers and clients the system tests run inside their namespaces:
HTTP backends, echo servers, and clients that hold a connection."""
import collections
import os
import subprocess
import threading
import time

from netns import sh
from waiting import wait_for

PY = "/usr/bin/python3"
LIB = os.path.dirname(os.path.abspath(__file__))
HTTPD = os.path.join(LIB, "httpd.py")
DECAP = os.path.join(LIB, "ipip_decap.py")
PKTTOOL = os.path.join(LIB, "pkttool.py")
VIP = "10.0.0.100"   # every topology's service address


class Backends:
    """Small HTTP servers, each answering with its own name."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.procs = []

    def start(self, ns, addr, name, port=80):
        root = self.tmp / name
        root.mkdir(exist_ok=True)
        (root / "index.html").write_text(name + "\n")
        p = subprocess.Popen(["ip", "netns", "exec", ns, PY, HTTPD, addr,
                              str(port), str(root)],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        self.procs.append(p)
        host = "[%s]" % addr if ":" in addr else addr
        assert wait_for(lambda: sh("curl", "-g", "-s", "-m", "1",
                                   "http://%s:%d/" % (host, port), ns=ns,
                                   check=False).stdout == name + "\n")

    def stop(self):
        for p in self.procs:
            p.kill()
            p.wait()


def curl_many(ns, url, n):
    got = collections.Counter()
    for _ in range(n):
        r = sh("curl", "-s", "-m", "3", url, ns=ns, check=False)
        got[r.stdout.strip() or "error:%d" % r.returncode] += 1
    return got


ECHO_SERVER = (
    "import socket, threading\n"
    "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('%s', %d)); s.listen(64); print('ready', flush=True)\n"
    "def serve(c):\n"
    "    while True:\n"
    "        d = c.recv(100)\n"
    "        if not d: break\n"
    "        c.sendall(b'%s:' + d)\n"
    "    c.close()\n"
    "while True:\n"
    "    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()\n")


def start_echo(ns, addr, port, name):
    p = subprocess.Popen(["ip", "netns", "exec", ns, PY, "-c",
                          ECHO_SERVER % (addr, port, name)],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


# An established connection to VIP:7000 echoing each stdin line; %d is
# how many seconds a reply is waited for.
PATIENT_CLIENT = (
    "import socket, sys, time\n"
    "s = socket.create_connection(('10.0.0.100', 7000), timeout=%d)\n"
    "for line in sys.stdin:\n"
    "    s.sendall(line.strip().encode()); print(s.recv(100).decode(), flush=True)\n")


class Echo:
    """An established connection through the VIP, idle between words."""

    def __init__(self, ns):
        # Frames lost before dpvs (a flood faster than af_packet receives)
        # delay a segment until TCP sends it again: the flow must survive
        # that, not answer within a few seconds.
        self.p = subprocess.Popen(["ip", "netns", "exec", ns, PY, "-c",
                                   PATIENT_CLIENT % 30],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)

    def send(self, word):
        self.p.stdin.write(word + "\n")
        self.p.stdin.flush()

    def reply(self):
        return self.p.stdout.readline().strip()

    def say(self, word):
        self.send(word)
        return self.reply()

    def close(self):
        self.p.kill()
        self.p.wait()


class Client(threading.Thread):
    """Requests to the VIP (or to each of urls by turns) one after
    another while the flood lasts."""

    def __init__(self, ns, urls=None):
        super().__init__(daemon=True)
        self.ns, self.ok, self.failed = ns, 0, []
        self.urls = urls or ["http://%s/" % VIP]
        self.done = threading.Event()

    def run(self):
        n = 0
        while not self.done.is_set():
            # A SYN lost in a full rx ring is sent again after 1 and 3 s:
            # slow, but served.  (-g: [v6] literals are no glob.)
            url = self.urls[n % len(self.urls)]
            n += 1
            r = sh("curl", "-g", "-s", "-m", "10", url, ns=self.ns,
                   check=False)
            if r.returncode == 0 and r.stdout.startswith("rs"):
                self.ok += 1
            else:
                self.failed.append(r.returncode)
            time.sleep(0.05)

    def stop(self):
        self.done.set()
        self.join(10)
        return self.ok, self.failed
