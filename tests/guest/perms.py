# SPDX-License-Identifier: GPL-2.0
"""Every mutating operation is refused to an unprivileged user (nobody,
no capabilities) with EPERM and an extack message, and nothing changes;
reads are open."""
import os
import pwd
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import SPEC, Tap, load, unload, ynl, cgroup, NlError  # noqa: E402

import yaml  # noqa: E402

t = Tap()
load()
root = ynl()
_, cg = cgroup("pwrmig-perm")
root.do("site-set", {"name": "east", "local": True, "price-uunits-per-kwh": 1000000,
                     "currency": "CNY"})
root.do("site-set", {"name": "west", "price-uunits-per-kwh": 400000, "currency": "CNY"})
mid = root.do("migrate-request", {"cgroup-id": cg, "site": "west"})["id"]
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
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.setgroups([])
    os.setgid(nobody.pw_gid)
    os.setuid(nobody.pw_uid)	# drops every capability
    out = []
    y = ynl()
    for op, attrs in calls.items():
        try:
            y.do(op, attrs)
            out.append(f"{op} allowed")
        except NlError as e:
            msg = e.nl_msg.extack.get("msg", "") if e.nl_msg.extack else ""
            out.append(f"{op} {e.error} {'CAP_NET_ADMIN' in msg}")
    for op, kind, attrs in (("info-get", "do", {}), ("meter-get", "do", {}),
                            ("cgroup-get", "dump", {}), ("site-get", "dump", {}),
                            ("migrate-get", "dump", {})):
        try:
            getattr(y, kind)(op, attrs)
            out.append(f"read-{op} ok")
        except NlError as e:
            out.append(f"read-{op} {e.error}")
    os.write(w, "\n".join(out).encode())
    os._exit(0)
os.close(w)
lines = os.read(r, 65536).decode().splitlines()
os.waitpid(pid, 0)
got = dict(line.split(" ", 1) for line in lines)
for op in calls:
    t.eq("1 True", got.get(op), f"{op} refused to nobody with EPERM and an extack naming CAP_NET_ADMIN")
for op in ("info-get", "meter-get", "cgroup-get", "site-get", "migrate-get"):
    t.eq("ok", got.get(f"read-{op}"), f"{op} open to nobody")

t.eq(meter_before, root.do("meter-get", {})["interval-ms"], "refused meter-set changed nothing")
t.eq(1000000, root.do("site-get", {"name": "east"})["price-uunits-per-kwh"],
     "refused price-set changed nothing")
t.eq("pending", root.do("migrate-get", {"id": mid})["state"],
     "refused claim and cancel changed nothing")
del root
t.check(unload(), "module unloads")
t.done()
