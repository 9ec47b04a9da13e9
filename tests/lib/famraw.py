#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Raw requests of the pwrmig family, built byte by byte, and what each
# gets back (errno, extack message, offset of the bad attribute, missing
# attribute), to check that a back end refuses bad input as the genetlink
# core does for the module.  The same checks run against the module
# (generic netlink) and against pwrmigd's family socket:
#
#   famraw.py netlink|PATH-OF-SOCKET
#
# Prints one line per check: "NAME: errno N msg '...' off N miss N".
import errno
import os
import socket
import struct
import sys
import time

NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_ACK_TLVS, NLM_F_CAPPED = 0x200, 0x100
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
JOIN = 0xf

# Values of include/uapi/linux/pwrmig.h (the spec's order).
CMD_INFO_GET, CMD_CGROUP_GET = 1, 2
CMD_SITE_GET, CMD_SITE_SET, CMD_SITE_DEL, CMD_PRICE_SET = 5, 6, 7, 8
CMD_ENERGY_REPORT, CMD_CGROUP_POLICY_SET, CMD_CGROUP_CARRY = 10, 11, 19
A_CGROUP_ID, A_CGROUP_PATH, A_CGROUP_GPU_UJ, A_CGROUP_CURRENCY = 1, 2, 7, 9
A_CGROUP_DEFERRABLE, A_CGROUP_DEADLINE, A_CGROUP_PRIORITY = 10, 12, 13
A_CGROUP_CARRIED_RUNTIME, A_CGROUP_CARRIED_COST, A_CGROUP_CARRY_ID = 14, 18, 19
A_ENERGY_CGROUP_ID, A_ENERGY_DEVICE, A_ENERGY_DOMAIN, A_ENERGY_UJ = 1, 2, 3, 4
DOMAIN_PKG, DOMAIN_GPU = 1, 3
CMD_MIGRATE_REQUEST, CMD_MIGRATE_CLAIM, CMD_MIGRATE_STATUS = 12, 13, 14
CMD_MIGRATE_GET, CMD_MIGRATE_CANCEL = 15, 16
A_MIG_ID, A_MIG_CGROUP_ID, A_MIG_SITE, A_MIG_MODE, A_MIG_REQUESTER = 1, 2, 3, 4, 5
A_MIG_STATE, A_MIG_PHASE, A_MIG_BYTES, A_MIG_ROUNDS, A_MIG_FREEZE_MS = 6, 7, 8, 9, 10
A_MIG_ERROR, A_MIG_ERROR_MSG, A_MIG_CONTAINER = 11, 12, 17
STATE_PENDING, STATE_RUNNING, STATE_DONE, STATE_FAILED = 1, 3, 4, 5
A_SITE_NAME, A_SITE_LOCAL, A_SITE_PRICE, A_SITE_CURRENCY = 1, 2, 3, 4
A_SITE_FORECAST = 7
A_FC_START, A_FC_DURATION, A_FC_PRICE = 1, 2, 3


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("<HH", n, t) + payload + b"\0" * (-n % 4)


class Link:
    """A generic netlink socket, or a connection to pwrmigd's socket."""

    def __init__(self, where):
        self.seq = 0
        if where == "netlink":
            self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
            self.s.bind((0, 0))
            self.s.setsockopt(270, 11, 1)       # NETLINK_EXT_ACK
            self.family = self.resolve()
        else:
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            self.s.connect(where)
            self.family = self.resolve()
        self.s.settimeout(10)

    def send(self, nl_type, flags, body):
        self.seq += 1
        packet = struct.pack("<IHHII", 16 + len(body), nl_type,
                             flags | NLM_F_REQUEST, self.seq, 0) + body
        # FAMRAW_RECORD=DIR keeps each request, as seeds for the fuzzer.
        if os.environ.get("FAMRAW_RECORD"):
            with open(os.path.join(os.environ["FAMRAW_RECORD"], "req-%02d" % self.seq), "wb") as f:
                f.write(packet)
        self.s.send(packet)

    def recv(self):
        return self.s.recv(65536)

    def resolve(self):
        self.send(GENL_ID_CTRL, 0, struct.pack("<BBH", CTRL_CMD_GETFAMILY, 1, 0) +
                  attr(CTRL_ATTR_FAMILY_NAME, b"pwrmig\0"))
        data = self.recv()
        off = 20
        while off < len(data):
            n, t = struct.unpack_from("<HH", data, off)
            if t == CTRL_ATTR_FAMILY_ID:
                return struct.unpack_from("<H", data, off + 4)[0]
            off += (n + 3) & ~3
        sys.exit("famraw: the family did not resolve")

    def request(self, cmd, attrs, flags=NLM_F_ACK, reserved=0, nl_type=None, raw=None):
        body = raw if raw is not None else struct.pack("<BBH", cmd, 1, reserved) + attrs
        self.send(self.family if nl_type is None else nl_type, flags, body)
        return self.answer()

    def answer(self):
        """The NLMSG_ERROR (or DONE) that ends the request, decoded."""
        self.replies = []
        while True:
            data = self.recv()
            off = 0
            while off + 16 <= len(data):
                n, t, fl = struct.unpack_from("<IHH", data, off)
                if t == NLMSG_ERROR:
                    return decode_err(data[off:off + n], fl)
                if t == NLMSG_DONE:
                    return (0, "", 0, 0)
                if t == self.family:
                    self.replies.append(attrs_of(data[off + 20:off + n]))
                off += (n + 3) & ~3


def attrs_of(body):
    """A reply's top-level attributes: {type: payload}."""
    out, off = {}, 0
    while off + 4 <= len(body):
        n, t = struct.unpack_from("<HH", body, off)
        if n < 4:
            break
        out[t & 0x3fff] = body[off + 4:off + n]
        off += (n + 3) & ~3
    return out


def decode_err(msg, flags):
    err = struct.unpack_from("<i", msg, 16)[0]
    # The request echoed whole (its header only when capped), then TLVs.
    off = 20 + (16 if flags & NLM_F_CAPPED else struct.unpack_from("<I", msg, 20)[0])
    off = (off + 3) & ~3
    text, bad, miss = "", 0, 0
    while flags & NLM_F_ACK_TLVS and off + 4 <= len(msg):
        n, t = struct.unpack_from("<HH", msg, off)
        if n < 4:
            break
        v = msg[off + 4:off + n]
        if t == 1:
            text = v.rstrip(b"\0").decode()
        elif t == 2:
            bad = struct.unpack("<I", v)[0]
        elif t == 5:
            miss = struct.unpack("<I", v)[0]
        off += (n + 3) & ~3
    return (-err, text, bad, miss)


def show(name, r):
    e, text, bad, miss = r
    print("%s: errno %s msg '%s' off %d miss %d" %
          (name, errno.errorcode.get(e, e) if e else 0, text, bad, miss))


def main():
    link = Link(sys.argv[1])
    u64 = struct.pack("<Q", 1)
    show("info-get", link.request(CMD_INFO_GET, b""))
    show("cgroup-get id as u32", link.request(CMD_CGROUP_GET, attr(A_CGROUP_ID, b"\1\0\0\0")))
    show("cgroup-get with path", link.request(CMD_CGROUP_GET, attr(A_CGROUP_ID, u64) +
                                              attr(A_CGROUP_PATH, b"/x\0")))
    show("cgroup-get attribute 200", link.request(CMD_CGROUP_GET, attr(200, u64)))
    show("cgroup-get without id", link.request(CMD_CGROUP_GET, b""))
    show("cgroup-get unknown id", link.request(CMD_CGROUP_GET,
                                               attr(A_CGROUP_ID, struct.pack("<Q", 2**63))))
    show("cgroup-get nested flag", link.request(CMD_CGROUP_GET,
                                                attr(A_CGROUP_ID | 0x8000, u64)))
    show("cgroup-get trailing bytes", link.request(CMD_CGROUP_GET,
                                                   attr(A_CGROUP_ID, u64) + b"\5\0"))
    show("reserved field", link.request(CMD_INFO_GET, b"", reserved=7))
    show("unknown command", link.request(250, b""))
    show("no genl header", link.request(0, b"", raw=b"\1"))
    show("dump of a do-only op", link.request(CMD_INFO_GET, b"", flags=NLM_F_DUMP))
    show("cgroup dump", link.request(CMD_CGROUP_GET, b"", flags=NLM_F_DUMP))
    show("getfamily nope", link.request(0, b"", nl_type=GENL_ID_CTRL,
                                        raw=struct.pack("<BBH", CTRL_CMD_GETFAMILY, 1, 0) +
                                        attr(CTRL_ATTR_FAMILY_NAME, b"nope\0")))
    sites(link)
    cgroups(link)
    show("info-get still served", link.request(CMD_INFO_GET, b""))


def slot(start, dur, price):
    return attr(A_SITE_FORECAST | 0x8000, attr(A_FC_START, struct.pack("<Q", start)) +
                attr(A_FC_DURATION, struct.pack("<I", dur)) +
                attr(A_FC_PRICE, struct.pack("<Q", price)))


def sites(link):
    name = lambda n: attr(A_SITE_NAME, n + b"\0")
    price = lambda p: attr(A_SITE_PRICE, struct.pack("<Q", p))
    cur = lambda c: attr(A_SITE_CURRENCY, c + b"\0")
    show("site-set rawtest", link.request(CMD_SITE_SET, name(b"rawtest") + price(5) + cur(b"EUR")))
    show("site-set bad name", link.request(CMD_SITE_SET, name(b"a/b") + price(5) + cur(b"EUR")))
    show("site-set bad currency", link.request(CMD_SITE_SET, name(b"rawtest") + cur(b"eur")))
    show("site-set long currency", link.request(CMD_SITE_SET, name(b"rawtest") + cur(b"EURO")))
    show("site-set new without price", link.request(CMD_SITE_SET, name(b"rawnew") + cur(b"EUR")))
    show("site-set price out of range", link.request(CMD_SITE_SET, name(b"rawtest") +
                                                     price(10**9 + 1)))
    show("price-set without price", link.request(CMD_PRICE_SET, name(b"rawtest")))
    show("price-set unknown site", link.request(CMD_PRICE_SET, name(b"nowhere") + price(1)))
    show("price-set overlapping slots", link.request(CMD_PRICE_SET, name(b"rawtest") +
                                                     slot(100, 60, 1) + slot(150, 60, 1)))
    show("price-set slot past the end of time", link.request(
        CMD_PRICE_SET, name(b"rawtest") + slot(2**64 - 10, 60, 1)))
    show("price-set slot without price", link.request(
        CMD_PRICE_SET, name(b"rawtest") + attr(A_SITE_FORECAST | 0x8000,
                                               attr(A_FC_START, struct.pack("<Q", 1)) +
                                               attr(A_FC_DURATION, struct.pack("<I", 1)))))
    show("price-set slot of duration 0", link.request(CMD_PRICE_SET, name(b"rawtest") +
                                                      slot(100, 0, 1)))
    show("price-set empty slot not alone", link.request(
        CMD_PRICE_SET, name(b"rawtest") + slot(100, 60, 1) + attr(A_SITE_FORECAST | 0x8000, b"")))
    show("price-set forecast", link.request(CMD_PRICE_SET, name(b"rawtest") +
                                            slot(100, 60, 1) + slot(160, 60, 2)))
    show("site-get without name", link.request(CMD_SITE_GET, b""))
    show("site-get unknown", link.request(CMD_SITE_GET, name(b"nowhere")))
    show("site-del unknown", link.request(CMD_SITE_DEL, name(b"nowhere")))
    show("site-set rawlocal local", link.request(CMD_SITE_SET, name(b"rawlocal") + price(1) +
                                                 cur(b"EUR") + attr(A_SITE_LOCAL, b"")))
    show("site-del the local site", link.request(CMD_SITE_DEL, name(b"rawlocal")))
    show("site-del rawtest", link.request(CMD_SITE_DEL, name(b"rawtest")))


def cgroups(link):
    """policy-set, carry and energy-report on a cgroup of its own."""
    with open("/proc/mounts") as f:
        v2 = next(m.split()[1] for m in f if m.split()[2] == "cgroup2")
    path = "%s/famraw-%d" % (v2, os.getpid())
    os.mkdir(path)
    try:
        cgroup_cases(link, os.stat(path).st_ino)
        migrate_cases(link, os.stat(path).st_ino)
    finally:
        os.rmdir(path)


def cgroup_cases(link, ino):
    q = lambda t, v: attr(t, struct.pack("<Q", v))
    u32 = lambda t, v: attr(t, struct.pack("<I", v))
    u8 = lambda t, v: attr(t, struct.pack("<B", v))
    cur = lambda c: attr(A_CGROUP_CURRENCY, c + b"\0")
    cid, nowhere = q(A_CGROUP_ID, ino), q(A_CGROUP_ID, 2**63)
    pol = lambda a: link.request(CMD_CGROUP_POLICY_SET, a)
    show("policy-set nothing to set", pol(cid))
    show("policy-set unknown cgroup", pol(nowhere + u8(A_CGROUP_DEFERRABLE, 1)))
    show("policy-set deferrable 2", pol(cid + u8(A_CGROUP_DEFERRABLE, 2)))
    show("policy-set deferrable, deadline", pol(cid + u8(A_CGROUP_DEFERRABLE, 1) +
                                                q(A_CGROUP_DEADLINE, 1700000000)))
    carry = lambda a: link.request(CMD_CGROUP_CARRY, a)
    show("carry nothing", carry(cid))
    show("carry cost without currency", carry(cid + q(A_CGROUP_CARRIED_COST, 5)))
    show("carry cost in another currency", carry(cid + q(A_CGROUP_CARRIED_COST, 5) + cur(b"USD")))
    once = cid + q(A_CGROUP_CARRIED_RUNTIME, 1000) + q(A_CGROUP_CARRY_ID, 7)
    show("carry runtime with an id", carry(once))
    show("carry the same id again", carry(once))
    show("carry past 2^64", carry(cid + q(A_CGROUP_CARRIED_RUNTIME, 2**64 - 1)))
    show("carry cost in the local currency", carry(cid + q(A_CGROUP_CARRIED_COST, 5) +
                                                    cur(b"EUR")))
    show("carry unknown cgroup", carry(nowhere + q(A_CGROUP_CARRIED_RUNTIME, 1)))
    rep = lambda a: link.request(CMD_ENERGY_REPORT, a)
    eid = q(A_ENERGY_CGROUP_ID, ino)
    show("energy-report without energy", rep(eid + u32(A_ENERGY_DEVICE, 0)))
    show("energy-report device 64", rep(eid + u32(A_ENERGY_DEVICE, 64) + q(A_ENERGY_UJ, 1)))
    show("energy-report domain pkg", rep(eid + u32(A_ENERGY_DEVICE, 0) +
                                         u32(A_ENERGY_DOMAIN, DOMAIN_PKG) + q(A_ENERGY_UJ, 1)))
    show("energy-report unknown cgroup", rep(q(A_ENERGY_CGROUP_ID, 2**63) +
                                             u32(A_ENERGY_DEVICE, 0) + q(A_ENERGY_UJ, 1)))
    show("energy-report past max-report-uj", rep(eid + u32(A_ENERGY_DEVICE, 0) +
                                                 q(A_ENERGY_UJ, 36 * 10**12 + 1)))
    show("energy-report", rep(eid + u32(A_ENERGY_DEVICE, 1) + u32(A_ENERGY_DOMAIN, DOMAIN_GPU) +
                              q(A_ENERGY_UJ, 2500)))
    # What the ledger then holds: the terms set, each carry once, the energy.
    show("cgroup-get", link.request(CMD_CGROUP_GET, cid))
    a = link.replies[0] if link.replies else {}
    get = lambda t, f: struct.unpack(f, a[t])[0] if t in a else None
    print("cgroup terms: deferrable %s deadline %s priority %s carried-runtime %s "
          "carried-cost %s gpu-uj %s" %
          (get(A_CGROUP_DEFERRABLE, "<B"), get(A_CGROUP_DEADLINE, "<Q"),
           get(A_CGROUP_PRIORITY, "<I"), get(A_CGROUP_CARRIED_RUNTIME, "<Q"),
           get(A_CGROUP_CARRIED_COST, "<Q"), get(A_CGROUP_GPU_UJ, "<Q")))


def migrate_cases(link, ino):
    """The broker: requests, claims, reports, their refusals, a release."""
    q = lambda t, v: attr(t, struct.pack("<Q", v))
    u32 = lambda t, v: attr(t, struct.pack("<I", v))
    s = lambda t, v: attr(t, v + b"\0")
    mid = lambda i: u32(A_MIG_ID, i)
    cg, far = q(A_MIG_CGROUP_ID, ino), s(A_MIG_SITE, b"rawfar")
    req = lambda a: link.request(CMD_MIGRATE_REQUEST, a)
    claim = lambda a: link.request(CMD_MIGRATE_CLAIM, a)
    status = lambda a: link.request(CMD_MIGRATE_STATUS, a)
    show("site-set rawfar", link.request(CMD_SITE_SET, attr(A_SITE_NAME, b"rawfar\0") +
                                         attr(A_SITE_PRICE, struct.pack("<Q", 1)) +
                                         attr(A_SITE_CURRENCY, b"EUR\0")))
    show("migrate-request without site", req(cg))
    show("migrate-request unknown cgroup", req(q(A_MIG_CGROUP_ID, 2**63) + far))
    show("migrate-request bad container", req(cg + far + s(A_MIG_CONTAINER, b"a/b")))
    show("migrate-request unknown site", req(cg + s(A_MIG_SITE, b"nowhere")))
    show("migrate-request to the local site", req(cg + s(A_MIG_SITE, b"rawlocal")))
    show("migrate-request mode 9", req(cg + far + u32(A_MIG_MODE, 9)))
    show("migrate-request", req(cg + far + s(A_MIG_REQUESTER, b"famraw")))
    show("migrate-request again", req(cg + far))
    show("migrate-claim unknown id", claim(mid(99)))
    show("migrate-get", link.request(CMD_MIGRATE_GET, mid(1)))
    show("migrate-status unclaimed", status(mid(1)))
    show("migrate-claim oldest pending", claim(b""))
    show("migrate-claim it again", claim(mid(1)))
    show("migrate-status state pending", status(mid(1) + u32(A_MIG_STATE, STATE_PENDING)))
    show("migrate-status failed without error", status(mid(1) + u32(A_MIG_STATE, STATE_FAILED)))
    show("migrate-status running", status(mid(1) + u32(A_MIG_STATE, STATE_RUNNING) +
                                          u32(A_MIG_PHASE, 2) + q(A_MIG_BYTES, 4096)))
    show("migrate-status done", status(mid(1) + u32(A_MIG_STATE, STATE_DONE)))
    show("migrate-cancel finished", link.request(CMD_MIGRATE_CANCEL, mid(1)))
    show("migrate-claim finished", claim(mid(1)))
    show("migrate-request after it", req(cg + far))
    show("migrate-cancel", link.request(CMD_MIGRATE_CANCEL, mid(2)))
    show("migrate-claim none pending", claim(b""))
    show("migrate-request third", req(cg + far))
    # A claim whose connection closes is released: claimed again by id.
    other = Link(sys.argv[1])
    show("migrate-claim from another socket", other.request(CMD_MIGRATE_CLAIM, mid(3)))
    show("migrate-claim while it is held", claim(mid(3)))
    other.s.close()
    time.sleep(0.5)
    show("migrate-claim after that socket closed", claim(mid(3)))
    show("migrate-cancel third", link.request(CMD_MIGRATE_CANCEL, mid(3)))
    show("migrate-get dump", link.request(CMD_MIGRATE_GET, b"", flags=NLM_F_DUMP))
    states = []
    for i in (1, 2, 3):
        link.request(CMD_MIGRATE_GET, mid(i))
        a = link.replies[0] if link.replies else {}
        states.append("%d:%s/%s/%s" % (i, *(struct.unpack("<I", a[t])[0] if t in a else None
                                           for t in (A_MIG_STATE, A_MIG_PHASE, A_MIG_ERROR))))
    print("migrate states (state/phase/error): %s" % " ".join(states))


if __name__ == "__main__":
    main()
