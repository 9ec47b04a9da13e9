#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Write a capture (pcap, DLT_NETLINK) of the controller naming the pwrmig
# family, then one cgroup-get reply carrying cgroup attribute ATTR (a u32,
# 7), for "pwrmigctl capture -r".
#
#   pcap.py OUT.pcap CMD ATTR
import struct
import sys

FAMILY_ID = 0x20


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("<HH", n, t) + payload + b"\0" * (-n % 4)


def msg(nl_type, cmd, attrs):
    body = struct.pack("<BBH", cmd, 1, 0) + attrs
    return struct.pack("<IHHII", 16 + len(body), nl_type, 0, 1, 0) + body


def frame(nl):
    sll = struct.pack(">HHH8sH", 4, 824, 0, b"", 16)   # NETLINK_GENERIC
    data = sll + nl
    return struct.pack("<IIII", 0, 0, len(data), len(data)) + data


out, cmd, a = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ctrl = msg(0x10, 1, attr(1, struct.pack("<H", FAMILY_ID)) + attr(2, b"pwrmig\0"))
reply = msg(FAMILY_ID, cmd, attr(1, struct.pack("<Q", 42)) +
            attr(a, struct.pack("<I", 7)))
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 253))
    f.write(frame(ctrl) + frame(reply))
