# SPDX-License-Identifier: GPL-2.0
"""A migration peer for the guest tests: east's certificate, speaking to
west's migration endpoint (lib/sites.sh) in pwrmigd's framing (type and
length, big-endian, then the body)."""
import os
import socket
import ssl
import struct


def connect(timeout=20):
    w = os.environ["W"]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(w + "/pki/ca.crt")
    ctx.load_cert_chain(w + "/pki/east.crt", w + "/pki/east.key")
    return ctx.wrap_socket(socket.create_connection(("10.99.0.2", 9787), timeout=timeout),
                           server_hostname="west")


def send(s, msg_type, body=b""):
    s.sendall(struct.pack("!II", msg_type, len(body)) + body)


def exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit("closed after %d bytes" % len(b))
        b += c
    return b


def recv(s):
    """The next message: (type, body)."""
    t, n = struct.unpack("!II", exact(s, 8))
    return t, exact(s, n)
