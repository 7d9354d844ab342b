"""The HA tests' backend: keep-alive HTTP/1.1 on ADDR:PORT.

    hahttpd.py ADDR PORT NAME [BIG_MB [BIG_SECONDS [proxy]]]

GET / answers NAME and a newline, and the connection stays open for the
next request (the idle clients of ha_pair.py).  GET /big answers
big_chunk(0) .. big_chunk(n - 1), BIG_MB MiB in all (32), paced to last
about BIG_SECONDS (4) so that a transfer spans a failover; /big/S makes
it last S seconds instead.  The body is
a function of the chunk numbers only: the client checks its sha256
against big_sha256() without a copy.  With "proxy", each connection
must start with a PROXY protocol v2 header (dpvs's FullNAT option), or
it is closed; GET / then answers NAME, a space and the client's
address:port from the header.
"""
import hashlib
import http.server
import socket
import socketserver
import struct
import sys
import time

PP2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"

CHUNK = 64 * 1024


def big_chunk(i):
    return hashlib.sha256(b"dpvs-ha-%d" % i).digest() * (CHUNK // 32)


def big_sha256(mb):
    h = hashlib.sha256()
    for i in range(mb * 1024 * 1024 // CHUNK):
        h.update(big_chunk(i))
    return h.hexdigest()


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass                 # a reset by a failover is the tests' business

    def server_bind(self):
        # No getfqdn(): DNS stalls in a namespace without a way out.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.pp_client = ""
        if self.server.proxy:
            head = self.rfile.read(16)
            if len(head) != 16 or head[:12] != PP2_SIG or head[12] != 0x21:
                raise ConnectionError("no PROXY v2 header")
            rest = self.rfile.read(struct.unpack("!H", head[14:16])[0])
            if head[13] != 0x11 or len(rest) < 12:
                raise ConnectionError("not TCP over IPv4")
            self.pp_client = " %s:%d" % (socket.inet_ntoa(rest[:4]),
                                         struct.unpack("!H", rest[8:10])[0])

    def do_GET(self):
        if self.path == "/big" or self.path.startswith("/big/"):
            secs = self.path[5:]
            return self.big(float(secs) if secs else self.server.big_s)
        body = (self.server.name + self.pp_client + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def big(self, secs):
        n = self.server.big_mb * 1024 * 1024 // CHUNK
        self.send_response(200)
        self.send_header("Content-Length", str(n * CHUNK))
        self.end_headers()
        t0, per = time.monotonic(), secs / n
        for i in range(n):
            ahead = t0 + i * per - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
            self.wfile.write(big_chunk(i))


def main():
    addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if ":" in addr:                  # an IPv6 backend (test_sync.py)
        Server.address_family = socket.AF_INET6
    srv = Server((addr, port), Handler)
    srv.name = name
    srv.big_mb = int(sys.argv[4]) if len(sys.argv) > 4 else 32
    srv.big_s = float(sys.argv[5]) if len(sys.argv) > 5 else 4.0
    srv.proxy = len(sys.argv) > 6 and sys.argv[6] == "proxy"
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
