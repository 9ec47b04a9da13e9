# SPDX-License-Identifier: GPL-2.0
"""Every mutating operation is refused to an unprivileged user (nobody,
no capabilities) with EPERM and an extack message, and nothing changes.
Per-cgroup energy (cgroup-get, the telemetry group) is CAP_NET_ADMIN's
unless the module is loaded with open_reads=1; the rest reads open.  A
reader in a cgroup namespace sees its own cgroups only; network
namespaces the host's root made are served like the initial one
(notifications included), those of a container's user namespace are
refused, and a socket elsewhere with a claimant's port id does not release
its claim."""
import ctypes
import os
import pwd
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import CGROOT, SPEC, Tap, load, unload, ynl, cgroup, NlError  # noqa: E402

import yaml  # noqa: E402

t = Tap()
load()
root = ynl()
_, cg = cgroup("pwrmig-perm")
root.do("site-set", {"name": "east", "local": True, "price-uunits-per-kwh": 1000000,
                     "currency": "CNY"})
root.do("site-set", {"name": "west", "price-uunits-per-kwh": 400000, "currency": "CNY"})
mid = root.do("migrate-request", {"cgroup-id": cg, "site": "west"})["id"]
root.do("energy-report", {"cgroup-id": cg, "device": 0, "energy-uj": 1})
meter_before = root.do("meter-get", {})["interval-ms"]

calls = {
    "meter-set": {"interval-ms": 500},
    "site-set": {"name": "east", "price-uunits-per-kwh": 1},
    "site-del": {"name": "west"},
    "price-set": {"name": "east", "price-uunits-per-kwh": 2},
    "energy-report": {"cgroup-id": cg, "device": 0, "energy-uj": 1},
    "cgroup-policy-set": {"id": cg, "deferrable": 1},
    "cgroup-carry": {"id": cg, "carried-cpu-uj": 1},
    "migrate-request": {"cgroup-id": cg, "site": "west"},
    "migrate-claim": {"id": mid},
    "migrate-status": {"id": mid, "bytes": 1},
    "migrate-cancel": {"id": mid},
}
spec = yaml.safe_load(open(SPEC))
admin = {o["name"] for o in spec["operations"]["list"]
         if o.get("do", {}).get("pre") == "pwrmig-nl-admin-check"}
t.eq(sorted(admin), sorted(calls), "the test covers every op the spec gives the admin check")

nobody = pwd.getpwnam("nobody")
CLONE_NEWCGROUP, CLONE_NEWNET = 0x02000000, 0x40000000
libc = ctypes.CDLL(None, use_errno=True)


def in_child(fn, meanwhile=None):
    """FN() in a forked child, MEANWHILE() here; the child's lines come back."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 (reported, not raised)
            out = [f"child raised {e!r}"]
        os.write(w, "\n".join(out).encode())
        os._exit(0)
    os.close(w)
    if meanwhile:
        meanwhile()
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    return data.decode().splitlines()


def quiet_dumps(kind):
    """6.1 does not pass a dump's start callback the request's extack: the
    refusal of a dump comes without its message there."""
    return kind.endswith("dump") and os.uname().release.startswith("6.1.")


def nl_err(e):
    msg = e.nl_msg.extack.get("msg", "") if e.nl_msg.extack else ""
    return f"{e.error} {msg}"


READS = (("info-get", "do", {}), ("meter-get", "do", {}), ("site-get", "dump", {}),
         ("migrate-get", "dump", {}), ("cgroup-get", "dump", {}),
         ("cgroup-get", "do", {"id": cg}))


def reads(y):
    out = []
    for op, kind, attrs in READS:
        try:
            getattr(y, kind)(op, attrs)
            out.append(f"read-{op}-{kind} ok")
        except NlError as e:
            out.append(f"read-{op}-{kind} {nl_err(e)}")
    for grp in ("telemetry", "migrate"):
        try:
            ynl().ntf_subscribe(grp)	# a socket not bound yet
            out.append(f"join-{grp} ok")
        except OSError as e:
            out.append(f"join-{grp} {e.errno}")
    return out


def as_nobody(fn):
    def run():
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)	# drops every capability
        return fn()
    return in_child(run)


def nobody_calls():
    out = []
    y = ynl()
    for op, attrs in calls.items():
        try:
            y.do(op, attrs)
            out.append(f"{op} allowed")
        except NlError as e:
            msg = e.nl_msg.extack.get("msg", "") if e.nl_msg.extack else ""
            out.append(f"{op} {e.error} {'CAP_NET_ADMIN' in msg}")
    return out + reads(ynl())


got = dict(line.split(" ", 1) for line in as_nobody(nobody_calls))
for op in calls:
    t.eq("1 True", got.get(op), f"{op} refused to nobody with EPERM and an extack naming CAP_NET_ADMIN")
for op in ("info-get-do", "meter-get-do", "site-get-dump", "migrate-get-dump"):
    t.eq("ok", got.get(f"read-{op}"), f"{op} open to nobody")
for op in ("cgroup-get-dump", "cgroup-get-do"):
    got_op = got.get(f"read-{op}", "")
    t.check(got_op.startswith("1 ") and ("CAP_NET_ADMIN" in got_op or quiet_dumps(op)),
            f"{op} (per-cgroup energy) refused to nobody with EPERM, extack naming CAP_NET_ADMIN",
            got_op)
for grp in ("telemetry", "migrate"):
    t.eq("1", got.get(f"join-{grp}"), f"nobody cannot join the {grp} group (EPERM)")

t.eq(meter_before, root.do("meter-get", {})["interval-ms"], "refused meter-set changed nothing")
t.eq(1000000, root.do("site-get", {"name": "east"})["price-uunits-per-kwh"],
     "refused price-set changed nothing")
t.eq("pending", root.do("migrate-get", {"id": mid})["state"],
     "refused claim and cancel changed nothing")

# ---- other network namespaces ---------------------------------------------------------
CLONE_NEWUSER = 0x10000000


def container_net():
    """A network namespace of a user namespace of its own, as a container's."""
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET):
        return [f"unshare {ctypes.get_errno()}"]
    return reads(ynl())


got = dict((line.split(" ", 1) + [""])[:2] for line in in_child(container_net))
for op, kind, _ in READS:
    r = got.get(f"read-{op}-{kind}", "")
    t.check(r.startswith("95") and ("initial user namespace" in r or quiet_dumps(kind)),
            f"{op} {kind} from a container's netns: EOPNOTSUPP naming the initial user namespace", r)


ready_r, ready_w = os.pipe()
_, cg2 = cgroup("pwrmig-perm2")


def host_net():
    """A network namespace the host's root made, as "ip netns add" does."""
    if libc.unshare(CLONE_NEWNET):
        return [f"unshare {ctypes.get_errno()}"]
    out = reads(ynl())
    listener = ynl()
    listener.ntf_subscribe("migrate")
    os.write(ready_w, b"x")
    end = time.monotonic() + 20
    while time.monotonic() < end:
        listener.check_ntf()
        ids = [n["msg"].get("id") for n in listener.async_msg_queue]
        if ids:
            out.append(f"ntf {ids[0]}")
            break
        time.sleep(0.05)
    return out


def request_when_ready():
    os.read(ready_r, 1)
    box.append(root.do("migrate-request", {"cgroup-id": cg2, "site": "west"})["id"])


box = []
got = dict((line.split(" ", 1) + [""])[:2] for line in in_child(host_net, request_when_ready))
for op, kind, _ in READS:
    t.eq("ok", got.get(f"read-{op}-{kind}"), f"{op} {kind} works from a netns the host's root made")
t.eq(str(box[0]) if box else "no request", got.get("ntf"),
     "... and the notification of a request made meanwhile reaches it")
if box:
    root.do("migrate-cancel", {"id": box[0]})

claimer = ynl()
claimer.do("migrate-claim", {"id": mid})
portid = claimer.sock.getsockname()[0]


def same_portid_elsewhere():
    if libc.unshare(CLONE_NEWNET):
        return [f"unshare {ctypes.get_errno()}"]
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)	# NETLINK_GENERIC
    s.bind((portid, 0))
    bound = s.getsockname()[0]
    s.close()
    return [f"bound {bound}"]


out = in_child(same_portid_elsewhere)
t.eq([f"bound {portid}"], out, f"a socket in another netns takes the claimant's port id {portid}")
time.sleep(0.2)
m = root.do("migrate-get", {"id": mid})
t.check(m.get("claimant") == portid and m.get("state") == "claimed",
        "... and closing it leaves the claim in place", str(m))
claimer.sock.close()
del claimer
for _ in range(50):
    m = root.do("migrate-get", {"id": mid})
    if not m.get("claimant"):
        break
    time.sleep(0.1)
t.check(not m.get("claimant"), "closing the claimant's own socket releases the claim", str(m))

# ---- a cgroup namespace --------------------------------------------------------------
other, other_id = cgroup("pwrmig-perm-other")
for i in (cg, other_id):
    root.do("energy-report", {"cgroup-id": i, "device": 0, "energy-uj": 1000})
t.check({cg, other_id} <= {c["id"] for c in root.dump("cgroup-get", {})},
        "root sees both cgroups in the ledger")


def in_cgns():
    with open(os.path.join(CGROOT, "pwrmig-perm", "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
    if libc.unshare(CLONE_NEWCGROUP):
        return [f"unshare {ctypes.get_errno()}"]
    y = ynl()
    out = [f"entry {c['id']} {c.get('path', '-')} {c.get('flags', 0)}" for c in y.dump("cgroup-get", {})]
    try:
        y.do("cgroup-get", {"id": other_id})
        out.append("get-other ok")
    except NlError as e:
        out.append(f"get-other {nl_err(e)}")
    return out


out = in_child(in_cgns)
entries = {int(line.split()[1]): line.split()[2] for line in out if line.startswith("entry ")}
t.eq({cg: "/"}, {i: p for i, p in entries.items() if i in (cg, other_id)},
     "in a cgroup namespace: its own cgroup, by its path there; the other one not even as gone")
t.check(all(i not in entries or entries[i] != "-" for i in entries),
        "... and no entry without a path", str(out))
t.check(any(line.startswith("get-other 2 ") for line in out),
        "... and a get of the other one answers ENOENT", str(out))

del root
t.check(unload(), "module unloads")

# ---- open_reads=1 -------------------------------------------------------------------------
load("open_reads=1")
ynl().do("energy-report", {"cgroup-id": cg, "device": 0, "energy-uj": 1000})
got = dict(line.split(" ", 1) for line in as_nobody(lambda: reads(ynl())))
for op in ("cgroup-get-dump", "cgroup-get-do"):
    t.eq("ok", got.get(f"read-{op}"), f"open_reads=1: {op} open to nobody")
t.eq("ok", got.get("join-telemetry"), "open_reads=1: nobody may join the telemetry group")
t.eq("1", got.get("join-migrate"), "open_reads=1: ... but not the migrate group")
t.check(unload(), "module unloads")
os.rmdir(other)
os.rmdir(os.path.join("/sys/fs/cgroup", "pwrmig-perm2"))
t.done()
