"""The HA tests' clients, run in the client's namespace (ha_pair.py).

    haclient.py probe OUT VIP PORT...   a new connection to each port every
                                         50 ms; one line per attempt in OUT
    haclient.py idle VIP PORT N         N keep-alive connections: a request
                                         on each now, and again per stdin line
    haclient.py get VIP PORT PATH       one download: sha256, longest gap
    haclient.py arp IFACE ADDR          the MACs that answer ARP for ADDR

Times are the wall clock (time.time()), so the test compares them with
the moment it caused a fault.
"""
import hashlib
import json
import resource
import socket
import sys
import threading
import time

PROBE_EVERY = 0.05
PROBE_TIMEOUT = 0.3
ROUND_TIMEOUT = 15


def request(s, path="/", close=False):
    s.sendall(("GET %s HTTP/1.1\r\nHost: vip\r\n%s\r\n" % (
        path, "Connection: close\r\n" if close else "")).encode())


def read_head(s):
    """Status code, Content-Length and the body bytes read past the head."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            raise ConnectionError("closed before the reply's head")
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    return int(lines[0].split()[1]), length, rest


def read_reply(s):
    code, length, body = read_head(s)
    while len(body) < length:
        d = s.recv(length - len(body))
        if not d:
            raise ConnectionError("closed in the body")
        body += d
    return code, body.decode("latin-1")


def probe_once(vip, port, out, lock):
    t0 = time.time()
    ok, t1 = False, 0.0
    try:
        with socket.create_connection((vip, port), timeout=PROBE_TIMEOUT) as s:
            t1 = time.time()
            s.settimeout(1.0)
            request(s, close=True)
            ok = read_reply(s)[0] == 200
    except OSError:
        pass
    with lock:
        out.write("%d %.4f %.4f %d\n" % (port, t0, t1, ok))
        out.flush()


def probe(path, vip, ports):
    """Until stdin closes."""
    lock, stop = threading.Lock(), threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()),
                     daemon=True).start()
    with open(path, "w") as out:
        while not stop.is_set():
            for p in ports:
                threading.Thread(target=probe_once, args=(vip, p, out, lock),
                                 daemon=True).start()
            stop.wait(PROBE_EVERY)
        time.sleep(1.5)        # the last attempts finish


def idle_round(socks):
    answers = []
    for s in socks:
        try:
            request(s)
        except OSError as e:
            answers.append("error: %s" % e)
            continue
        answers.append(None)
    # One budget for the round: dead connections must not add up.
    deadline = time.time() + ROUND_TIMEOUT
    for i, s in enumerate(socks):
        if answers[i] is not None:
            continue
        try:
            s.settimeout(max(0.1, deadline - time.time()))
            code, body = read_reply(s)
            answers[i] = body.strip() if code == 200 else "error: %d" % code
        except (OSError, ValueError) as e:
            answers[i] = "error: %s" % (e or type(e).__name__)
    lports = []
    for s in socks:
        try:
            lports.append(s.getsockname()[1])
        except OSError:
            lports.append(0)
    print(json.dumps({"lports": lports, "answers": answers}), flush=True)


def idle(vip, port, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n + 64, hard), hard))
    socks = []
    for _ in range(n):
        socks.append(socket.create_connection((vip, port), timeout=5))
    idle_round(socks)
    for _ in sys.stdin:
        idle_round(socks)


def get(vip, port, path):
    h = hashlib.sha256()
    got, gap, gap_at, err = 0, 0.0, 0.0, ""
    try:
        s = socket.create_connection((vip, port), timeout=5)
        s.settimeout(20)
        request(s, path, close=True)
        code, length, body = read_head(s)
        print(json.dumps({"started": time.time(), "code": code,
                          "lport": s.getsockname()[1]}), flush=True)
        h.update(body)
        got, last = len(body), time.monotonic()
        while got < length:
            d = s.recv(65536)
            if not d:
                err = "closed after %d bytes" % got
                break
            now = time.monotonic()
            if now - last > gap:
                gap, gap_at = now - last, time.time()
            last = now
            h.update(d)
            got += len(d)
    except OSError as e:
        err = "%s after %d bytes" % (e, got)
    print(json.dumps({"sha256": h.hexdigest(), "bytes": got, "max_gap": gap,
                      "gap_end": gap_at, "error": err, "end": time.time()}),
          flush=True)


def arp(iface, addr):
    """Three requests, every answer kept (srp's multi): two LBs that both
    answer show as two MACs."""
    from scapy.all import ARP, Ether, conf, srp
    conf.verb = 0
    macs = set()
    for _ in range(3):
        ans, _ = srp(Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=addr),
                     iface=iface, timeout=0.5, multi=True)
        macs |= {r.hwsrc for _, r in ans}
    print("\n".join(sorted(macs)))


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "probe":
        probe(args[0], args[1], [int(p) for p in args[2:]])
    elif mode == "idle":
        idle(args[0], int(args[1]), int(args[2]))
    elif mode == "get":
        get(args[0], int(args[1]), args[2])
    elif mode == "arp":
        arp(args[0], args[1])
    else:
        sys.exit("haclient.py: unknown mode %s" % mode)


if __name__ == "__main__":
    main()
