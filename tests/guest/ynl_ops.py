# SPDX-License-Identifier: GPL-2.0
"""The kernel's own YNL client (tools/net/ynl/cli.py from linux-source-6.12)
performs every do and dump operation of the spec against the module and
decodes the replies; notifications arrive on both multicast groups."""
import json
import os
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import TOP, SPEC, SCHEMA, Tap, load, unload, ynl, cgroup  # noqa: E402

CLI = os.path.join(TOP, "build/ksrc/tools/net/ynl/cli.py")
t = Tap()
load()
done = set()


def cli(kind, op, attrs=None):
    args = ["python3", CLI, "--spec", SPEC, "--schema", SCHEMA,
            f"--{kind}", op, "--output-json"]
    if attrs is not None:
        args += ["--json", json.dumps(attrs)]
    r = subprocess.run(args, capture_output=True, text=True)
    done.add((kind, op))
    if r.returncode:
        t.fail(f"cli.py --{kind} {op}", r.stdout + r.stderr)
        return None
    out = r.stdout.strip()
    return json.loads(out) if out else {}


def expect(kind, op, attrs, check, what):
    r = cli(kind, op, attrs)
    if r is None:
        return None
    t.check(check(r), f"cli.py --{kind} {op}: {what}", json.dumps(r))
    return r


_, cg = cgroup("pwrmig-ynl")
version = open(os.path.join(TOP, "VERSION")).read().strip()

expect("do", "info-get", None,
       lambda r: r["version"] == version and r["meter-kind"] in ("rapl", "model"),
       "version and meter decoded")
expect("do", "meter-get", None,
       lambda r: r["interval-ms"] == 100 and r["domain"][0]["domain"] == "pkg",
       "interval and per-domain totals decoded")
expect("do", "meter-set", {"interval-ms": 250, "model-idle-mw": 1500},
       lambda r: r["interval-ms"] == 250 and r["model-idle-mw"] == 1500,
       "interval and model changed")
expect("do", "site-set", {"name": "east", "local": True, "price-uunits-per-kwh": 1219500,
                          "currency": "CNY", "pue-milli": 1300, "carbon-g-per-kwh": 581},
       lambda r: r["local"] is True and r["price-uunits-per-kwh"] == 1219500 and
       r["carbon-g-per-kwh"] == 581, "local site created")
expect("do", "site-set", {"name": "west", "price-uunits-per-kwh": 379300,
                          "currency": "CNY", "pue-milli": 1120},
       lambda r: r["name"] == "west" and "local" not in r, "remote site created")
expect("do", "price-set", {"name": "west", "price-uunits-per-kwh": 668900,
                           "forecast": [{"start": 1800000000, "duration-s": 3600,
                                         "price-uunits-per-kwh": 379300},
                                        {"start": 1800003600, "duration-s": 3600,
                                         "price-uunits-per-kwh": 958500}]},
       lambda r: r["price-uunits-per-kwh"] == 668900 and len(r["forecast"]) == 2 and
       r["forecast"][1]["price-uunits-per-kwh"] == 958500, "price and forecast set")
expect("do", "site-get", {"name": "west"},
       lambda r: r["pue-milli"] == 1120 and len(r["forecast"]) == 2, "one site decoded")
expect("dump", "site-get", None,
       lambda r: sorted(s["name"] for s in r) == ["east", "west"], "both sites listed")
expect("do", "site-set", {"name": "north", "price-uunits-per-kwh": 1, "currency": "EUR"},
       lambda r: r["currency"] == "EUR", "a third site")
expect("do", "site-del", {"name": "north"}, lambda r: r == {}, "site deleted, empty ack")
expect("dump", "site-get", None, lambda r: "north" not in [s["name"] for s in r],
       "deleted site gone")
expect("do", "energy-report", {"cgroup-id": cg, "device": 3, "energy-uj": 3600000000},
       lambda r: True, "GPU energy accepted")
expect("do", "cgroup-policy-set", {"id": cg, "deferrable": 1, "migratable": 1,
                                   "deadline": 1900000000, "priority": 7},
       lambda r: r["gpu-uj"] == 3600000000 and r["cost-uunits"] == 1585 and
       r["currency"] == "CNY" and {"deferrable", "migratable"} <= set(r["flags"]),
       "policy set; 1 Wh of GPU energy at 1.2195 CNY/kWh, PUE 1.3 cost 1585 uCNY")
expect("do", "cgroup-carry", {"id": cg, "carried-runtime-ns": 5000000000,
                              "carried-cpu-uj": 7000000, "carried-dram-uj": 1000000,
                              "carried-gpu-uj": 20000000, "carried-cost-uunits": 9000,
                              "currency": "CNY"},
       lambda r: r["carried-cpu-uj"] == 7000000 and r["carried-cost-uunits"] == 9000 and
       r["gpu-uj"] == 3600000000 and r["cost-uunits"] == 1585,
       "a migrated job's ledger carried, apart from what was metered here")
expect("do", "cgroup-get", {"id": cg},
       lambda r: r["path"] == "/pwrmig-ynl" and r["priority"] == 7 and
       r["carried-runtime-ns"] == 5000000000, "cgroup decoded")
expect("dump", "cgroup-get", None,
       lambda r: cg in [c["id"] for c in r] and 1 in [c["id"] for c in r],
       "ledger lists our cgroup and the root")
m = expect("do", "migrate-request", {"cgroup-id": cg, "site": "west", "mode": "live",
                                     "requester": "ynl-test", "timeout-s": 600,
                                     "container": "job-1"},
           lambda r: r["state"] == "pending" and r["mode"] == "live", "request queued")
mid = m["id"] if m else 0
expect("do", "migrate-get", {"id": mid},
       lambda r: r["requester"] == "ynl-test" and r["container"] == "job-1",
       "request decoded")
expect("dump", "migrate-get", None, lambda r: [x["id"] for x in r] == [mid], "requests listed")
expect("do", "migrate-cancel", {"id": mid},
       lambda r: r["state"] == "cancelled", "request cancelled")
m = expect("do", "migrate-request", {"cgroup-id": cg, "site": "west", "mode": "cold"},
           lambda r: r["state"] == "pending", "second request queued")
mid = m["id"] if m else 0
# claim and status must come from one socket (the claimant): use the
# library cli.py is built on, in this process.
y = ynl()
try:
    r = y.do("migrate-claim", {})
    done.add(("do", "migrate-claim"))
    t.check(r["id"] == mid and r["state"] == "claimed", "migrate-claim takes the oldest pending",
            json.dumps(r))
    r = y.do("migrate-status", {"id": mid, "phase": "transfer", "bytes": 4096,
                                "rounds": 2})
    done.add(("do", "migrate-status"))
    t.check(r["state"] == "running" and r["phase"] == "transfer" and r["bytes"] == 4096,
            "migrate-status reports progress", json.dumps(r))
    r = y.do("migrate-status", {"id": mid, "state": "done", "freeze-ms": 120})
    t.check(r["state"] == "done" and r["freeze-ms"] == 120, "migrate-status reports done",
            json.dumps(r))
except Exception as e:  # noqa: BLE001
    t.fail("claim and report a migration", e)

# Notifications on both groups (one socket per group: YNL binds on subscribe).
listeners = {g: ynl() for g in ("telemetry", "migrate")}
for g, lst in listeners.items():
    lst.ntf_subscribe(g)
y.do("price-set", {"name": "east", "price-uunits-per-kwh": 1058000})
r = y.do("migrate-request", {"cgroup-id": cg, "site": "west"})
deadline = time.monotonic() + 5
seen, site_ntf = set(), {}
while time.monotonic() < deadline and len(seen) < 3:
    for lst in listeners.values():
        lst.check_ntf()
        for n in lst.async_msg_queue:
            seen.add(n["name"])
            if n["name"] == "site-ntf":
                site_ntf = n["msg"]
        lst.async_msg_queue.clear()
    time.sleep(0.05)
t.check(site_ntf.get("price-uunits-per-kwh") == 1058000,
        "site-ntf carries the new price", seen)
t.check("migrate-ntf" in seen, "migrate-ntf announces the request", seen)
t.check("telemetry-ntf" in seen, "telemetry-ntf arrives after a sample", seen)

# Every do and dump of the spec was exercised.
spec = yaml.safe_load(open(SPEC))
want = set()
for op in spec["operations"]["list"]:
    for kind in ("do", "dump"):
        if kind in op:
            want.add((kind, op["name"]))
missing = sorted(f"--{k} {o}" for k, o in want - done)
t.check(not missing, f"all {len(want)} do and dump operations of the spec exercised",
        "not exercised: " + ", ".join(missing))

del y, listeners
t.check(unload(), "module unloads")
t.done()
