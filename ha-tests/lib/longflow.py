"""Long-lived TCP flows for the soak: an echo server, and a client that
keeps N connections open and exchanges a line on each every second.

    longflow.py serve ADDR PORT
    longflow.py client ADDR PORT N

The client runs until SIGTERM, then closes its connections and prints
one JSON line: per flow the lines echoed intact and the first error, if
any.  A flow is intact if it never failed, never got a wrong echo and
exchanged a line at least every few seconds.
"""
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import time

MAX_GAP = 30.0   # seconds without an echo that count as a stall


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(addr, port):
    Server((addr, port), Echo).serve_forever()


def flow(addr, port, n, stop, out):
    r = {"flow": n, "echoed": 0, "error": None, "max_gap": 0.0}
    out.append(r)
    try:
        s = socket.create_connection((addr, port), timeout=MAX_GAP)
        f = s.makefile("rwb")
        last = time.time()
        while not stop.is_set():
            msg = b"%d %d %s\n" % (n, r["echoed"], os.urandom(24).hex().encode())
            f.write(msg)
            f.flush()
            if f.readline() != msg:
                r["error"] = "wrong or no echo after %d lines" % r["echoed"]
                break
            r["echoed"] += 1
            now = time.time()
            r["max_gap"] = max(r["max_gap"], round(now - last, 2))
            last = now
            stop.wait(1.0)
        s.close()
    except OSError as e:
        r["error"] = "%s after %d lines" % (e, r["echoed"])


def client(addr, port, n):
    stop, out = threading.Event(), []
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    threads = [threading.Thread(target=flow, args=(addr, port, i, stop, out))
               for i in range(n)]
    for t in threads:
        t.start()
    while not stop.is_set():
        stop.wait(0.5)
    for t in threads:
        t.join(MAX_GAP + 5)
    print(json.dumps(sorted(out, key=lambda r: r["flow"])), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
