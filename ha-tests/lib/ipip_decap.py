"""User-space IP-in-IP decapsulation for a real server in a test namespace.

    ipip_decap.py TUNNAME [--v6]

The test kernel has no ipip module.  This reads IP-in-IP packets from a
raw socket and writes the inner packet to a TUN device, so the kernel
receives exactly what a tunnel endpoint would hand it.  --v6: IPv6-in-IPv6
(RFC 2473, next header 41), for which no ip6_tunnel is assumed either;
an IPv6 raw socket hands over the payload without the outer header.
"""
import fcntl
import os
import socket
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def main():
    name = sys.argv[1]
    tun = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", name.encode(),
                                             IFF_TUN | IFF_NO_PI))
    subprocess.run(["ip", "link", "set", name, "up"], check=True)
    for key in ("all", name):
        subprocess.run(["sysctl", "-qw", "net.ipv4.conf.%s.rp_filter=0" % key],
                       check=True)
    if "--v6" in sys.argv[2:]:
        subprocess.run(["sysctl", "-qw",
                        "net.ipv6.conf.%s.disable_ipv6=0" % name], check=True)
        raw = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_IPV6)
        print("ready", flush=True)
        while True:
            os.write(tun, raw.recv(65535))
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IPIP)
    print("ready", flush=True)
    while True:
        pkt = raw.recv(65535)
        ihl = (pkt[0] & 0x0F) * 4
        os.write(tun, pkt[ihl:])


if __name__ == "__main__":
    main()
