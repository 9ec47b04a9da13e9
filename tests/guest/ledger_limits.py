# SPDX-License-Identifier: GPL-2.0
"""Bounds of what the ledger accepts: an energy report above the spec's
maximum, carried totals that would wrap, a carried cost without its
currency or in a too-long one, a forecast slot that ends past 2^64, a
hand-over carried twice under one id, a cgroup whose path is near
PATH_MAX, and a site deletion's own notification."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import CGROOT, Tap, load, unload, ynl, cgroup, NlError  # noqa: E402

U64_MAX = (1 << 64) - 1
t = Tap()
load()
y = ynl()
_, cg = cgroup("pwrmig-limits")
y.do("site-set", {"name": "east", "local": True, "price-uunits-per-kwh": 1000000,
                  "currency": "EUR"})
y.do("cgroup-policy-set", {"id": cg, "priority": 1})	# its ledger entry


def refused(op, attrs, want_errno, want_msg, name):
    """OP with ATTRS fails with WANT_ERRNO and an extack naming why."""
    try:
        r = y.do(op, attrs)
        t.fail(name, f"accepted: {r}")
    except NlError as e:
        msg = e.nl_msg.extack.get("msg", "") if e.nl_msg.extack else ""
        bad = e.nl_msg.extack.get("bad-attr", "") if e.nl_msg.extack else ""
        t.check(e.error == want_errno and want_msg in f"{msg} {bad}", name,
                f"errno {e.error}, extack '{msg}' {bad}")


def cg_get():
    return y.do("cgroup-get", {"id": cg})


# energy-report: at most max-report-uj (10 kWh) a report.
refused("energy-report", {"cgroup-id": cg, "device": 0, "energy-uj": 36000000000001},
        34, "", "energy-report above 10 kWh refused with ERANGE")
before = cg_get()
y.do("energy-report", {"cgroup-id": cg, "device": 0, "energy-uj": 36000000000000})
after = cg_get()
t.eq(before["gpu-uj"] + 36000000000000, after["gpu-uj"], "energy-report of exactly 10 kWh taken")
t.eq(before["cost-uunits"] + 10000000, after["cost-uunits"],
     "10 kWh at 1 EUR/kWh, PUE 1 cost 10 EUR")

# cgroup-carry: nothing wraps, and nothing is half applied.
y.do("cgroup-carry", {"id": cg, "carried-cpu-uj": U64_MAX - 10})
before = cg_get()
refused("cgroup-carry", {"id": cg, "carried-runtime-ns": 5, "carried-cpu-uj": 100},
        75, "overflow", "carried cpu energy that would wrap refused with EOVERFLOW")
after = cg_get()
t.check(after["carried-cpu-uj"] == U64_MAX - 10 and
        after["carried-runtime-ns"] == before["carried-runtime-ns"],
        "a refused carry changes no carried total", f"{before} -> {after}")
refused("cgroup-carry", {"id": cg, "carried-cost-uunits": 5},
        22, "currency", "carried cost without its currency refused")
refused("cgroup-carry", {"id": cg, "carried-cost-uunits": 5, "currency": "EURO"},
        22, "", "carried cost in a 4-letter currency refused")

# cgroup-carry under one id counts once.
before = cg_get()
for _ in range(3):
    y.do("cgroup-carry", {"id": cg, "carried-gpu-uj": 1000, "carried-cost-uunits": 7,
                          "currency": "EUR", "carry-id": 0x1234500000042})
mid = cg_get()
t.check(mid["carried-gpu-uj"] == before["carried-gpu-uj"] + 1000 and
        mid["carried-cost-uunits"] == before["carried-cost-uunits"] + 7,
        "cgroup-carry three times under one carry-id counts once", f"{before} -> {mid}")
y.do("cgroup-carry", {"id": cg, "carried-gpu-uj": 1000, "carry-id": 0x1234500000043})
after = cg_get()
t.eq(mid["carried-gpu-uj"] + 1000, after["carried-gpu-uj"], "another carry-id counts again")
y.do("cgroup-carry", {"id": cg, "carried-gpu-uj": 1, "currency": "EUR"})
y.do("cgroup-carry", {"id": cg, "carried-gpu-uj": 1, "currency": "EUR"})
t.eq(after["carried-gpu-uj"] + 2, cg_get()["carried-gpu-uj"], "carries without an id all count")

# A forecast slot that ends past 2^64 seconds.
refused("price-set", {"name": "east", "forecast": [
    {"start": U64_MAX - 10, "duration-s": 3600, "price-uunits-per-kwh": 1}]},
    34, "overflow", "forecast slot whose end overflows refused with ERANGE")
t.check("forecast" not in y.do("site-get", {"name": "east"}),
        "the refused forecast was not kept")

# A cgroup whose path is nearly PATH_MAX: its reply holds the whole path.
path, name = CGROOT, "d" * 250
while len(path) - len(CGROOT) + len(name) + 1 < 4000:
    path = os.path.join(path, name)
    os.mkdir(path)
deep, plen = os.stat(path).st_ino, len(path) - len(CGROOT)
for op, attrs in (("cgroup-policy-set", {"id": deep, "priority": 3}),
                  ("cgroup-get", {"id": deep})):
    try:
        r = y.do(op, attrs)
        t.check(r.get("path") == path[len(CGROOT):] and r.get("priority") == 3,
                f"{op} replies with a {plen}-byte path", r.get("path", "")[:40])
    except NlError as e:
        t.fail(f"{op} replies with a {plen}-byte path", f"errno {e.error}")
while path != CGROOT:
    os.rmdir(path)
    path = os.path.dirname(path)

# Deleting a site has its own notification.
lst = ynl()
lst.ntf_subscribe("telemetry")
y.do("site-set", {"name": "north", "price-uunits-per-kwh": 1, "currency": "EUR"})
y.do("site-del", {"name": "north"})
seen, deadline = [], time.monotonic() + 5
while time.monotonic() < deadline and not any(n["name"] == "site-del-ntf" for n in seen):
    lst.check_ntf()
    seen += [n for n in lst.async_msg_queue if n["name"].startswith("site")]
    lst.async_msg_queue.clear()
    time.sleep(0.05)
dels = [n["msg"] for n in seen if n["name"] == "site-del-ntf"]
t.check(dels == [{"name": "north"}], "site-del sends site-del-ntf with the name",
        [(n["name"], n["msg"].get("name")) for n in seen])
t.check(any(n["name"] == "site-ntf" and n["msg"]["name"] == "north" for n in seen),
        "site-set sends site-ntf", [n["name"] for n in seen])

del y, lst
t.check(unload(), "module unloads")
t.done()
