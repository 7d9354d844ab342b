"""A small real HTTP server for the tests: serves DIR on ADDR:PORT.

    httpd.py ADDR PORT DIR      (ADDR IPv4 or IPv6)

http.server's own start-up looks its address up in DNS (getfqdn), which
stalls for seconds in a namespace whose default route leads nowhere.
"""
import functools
import http.server
import socket
import socketserver
import sys


class Server(http.server.ThreadingHTTPServer):
    # Python's default listen backlog of 5 drops SYNs (a full accept
    # queue) whenever the server is slow to accept, as under a SYN flood
    # on a loaded machine.
    request_queue_size = 128

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    addr, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    cls = Server6 if ":" in addr else Server
    cls((addr, port), functools.partial(Handler, directory=root)).serve_forever()


if __name__ == "__main__":
    main()
