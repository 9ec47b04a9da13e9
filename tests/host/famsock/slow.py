#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# A peer that asks much and reads late, against pwrmigd's family socket:
# N cgroups of its own in the ledger (policy-set makes their entries),
# then DUMPS cgroup dumps and an info-get in one packet, and nothing read
# for WAIT seconds, while another peer is served; then every dump comes
# whole (each of the N cgroups once, in id order), and the info-get's
# answer after them.
#
#   slow.py SOCKET CGROUP2-DIR N DUMPS WAIT
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
from famraw import (Link, attr, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE,
                    NLMSG_ERROR, CMD_CGROUP_GET, CMD_CGROUP_POLICY_SET, CMD_INFO_GET,
                    A_CGROUP_ID, A_CGROUP_PRIORITY)


def main():
    path, top, n, dumps, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4]), float(sys.argv[5])
    os.mkdir(top)
    dirs = []
    try:
        for i in range(n):
            dirs.append("%s/c%03d" % (top, i))
            os.mkdir(dirs[-1])
        run(path, [os.stat(d).st_ino for d in dirs], dumps, wait)
    finally:
        for d in reversed(dirs):
            os.rmdir(d)
        os.rmdir(top)


def run(path, ids, dumps, wait):
    link = Link(path)
    for i, cid in enumerate(ids):
        r = link.request(CMD_CGROUP_POLICY_SET, attr(A_CGROUP_ID, struct.pack("<Q", cid)) +
                         attr(A_CGROUP_PRIORITY, struct.pack("<I", i + 1)))
        if r[0]:
            sys.exit("policy-set %d: errno %d %s" % (cid, r[0], r[1]))
    # The slow peer: all its requests in one packet, none of it read yet.
    slow = Link(path)
    msgs, seq0 = b"", slow.seq
    for k in range(dumps + 1):
        cmd, flags = (CMD_CGROUP_GET, NLM_F_DUMP) if k < dumps else (CMD_INFO_GET, NLM_F_ACK)
        body = struct.pack("<BBH", cmd, 1, 0)
        msgs += struct.pack("<IHHII", 16 + len(body), slow.family, flags | NLM_F_REQUEST,
                            seq0 + 1 + k, 0) + body
    slow.s.send(msgs)
    t0 = time.monotonic()
    other = Link(path)
    r = other.request(CMD_INFO_GET, b"")
    print("another peer served while the slow one waits: errno %d in %s" %
          (r[0], "time" if time.monotonic() - t0 < wait else "too long"))
    time.sleep(max(0, wait - (time.monotonic() - t0)))
    check(slow, seq0, set(ids), dumps)


def check(slow, seq0, want, dumps):
    seen, order, whole, info = {}, [], 0, None
    slow.s.settimeout(10)
    while info is None:
        data = slow.recv()
        if not data:
            sys.exit("the slow peer was dropped")
        off = 0
        while off + 16 <= len(data):
            n, t, fl, seq = struct.unpack_from("<IHHI", data, off)
            if t == slow.family:
                a = struct.unpack_from("<HHQ", data, off + 20)
                seen.setdefault(seq, []).append(a[2])
            elif t == NLMSG_DONE:
                order.append(seq)
            elif t == NLMSG_ERROR:
                info = (seq, struct.unpack_from("<i", data, off + 16)[0])
            off += (n + 3) & ~3
    for seq in range(seq0 + 1, seq0 + 1 + dumps):
        ids = seen.get(seq, [])
        if want <= set(ids) and ids == sorted(set(ids)):
            whole += 1
    print("dumps ended in order: %s" % (order == list(range(seq0 + 1, seq0 + 1 + dumps))))
    print("dumps whole (each cgroup once, in id order): %d of %d" % (whole, dumps))
    print("the info-get answered after them: seq +%d errno %d" % (info[0] - seq0, info[1]))


if __name__ == "__main__":
    main()
