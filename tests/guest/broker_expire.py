# SPDX-License-Identifier: GPL-2.0
"""Claimed requests end when their daemon does: a claim whose socket
closed is released, and times out (with the reason) when no daemon claims
it again within the request's timeout; a claim whose daemon stays but
reports nothing for claim_silence_s times out too.  Either way the cgroup
takes a new request afterwards.  A daemon that keeps reporting keeps its
claim."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from pwrmig_test import Tap, load, unload, ynl, cgroup  # noqa: E402

t = Tap()
load()
root = ynl()
_, cg = cgroup("pwrmig-expire")
root.do("site-set", {"name": "east", "local": True, "price-uunits-per-kwh": 1000000,
                     "currency": "CNY"})
root.do("site-set", {"name": "west", "price-uunits-per-kwh": 400000, "currency": "CNY"})


def wait_state(mid, want, secs):
    end = time.monotonic() + secs
    while True:
        m = root.do("migrate-get", {"id": mid})
        if m["state"] == want or time.monotonic() > end:
            return m
        time.sleep(0.2)


# ---- the daemon dies: released, then timed out ------------------------------------------------
# Sockets first: reading the spec takes seconds of emulated CPU on a busy
# host, and the request gives its claimant 2 s.
daemon = ynl()
mid = root.do("migrate-request", {"cgroup-id": cg, "site": "west", "timeout-s": 2})["id"]
daemon.do("migrate-claim", {"id": mid})
daemon.do("migrate-status", {"id": mid, "state": "running", "phase": "predump"})
daemon.sock.close()
m = wait_state(mid, "timed-out", 10)
t.eq("timed-out", m["state"], "a running claim whose daemon went away times out")
t.check("went away" in m.get("error-msg", ""), f"... saying why: {m.get('error-msg')!r}")
t.eq(None, m.get("claimant"), "... and has no claimant")
daemon, again = ynl(), ynl()
mid2 = root.do("migrate-request", {"cgroup-id": cg, "site": "west", "timeout-s": 5})["id"]
t.check(mid2 != mid, "the cgroup takes a new request afterwards")

# ---- a restarted daemon claims again in time: no time-out --------------------------------------
daemon.do("migrate-claim", {"id": mid2})
daemon.sock.close()
time.sleep(0.5)
again.do("migrate-claim", {"id": mid2})
for _ in range(25):		# 10 s, twice the timeout, reporting as it goes
    again.do("migrate-status", {"id": mid2, "phase": "transfer", "bytes": 1 << 20})
    time.sleep(0.4)
m = root.do("migrate-get", {"id": mid2})
t.check(m["state"] in ("claimed", "running") and m.get("claimant"),
        "a claim taken again by a restarted daemon that reports stays", str(m))
again.do("migrate-status", {"id": mid2, "state": "done"})

# ---- the daemon hangs: silent past claim_silence_s ------------------------------------------
with open("/sys/module/pwrmig/parameters/claim_silence_s", "w") as f:
    f.write("2")
mid3 = root.do("migrate-request", {"cgroup-id": cg, "site": "west"})["id"]
hung = ynl()
hung.do("migrate-claim", {"id": mid3})
m = wait_state(mid3, "timed-out", 10)
t.eq("timed-out", m["state"], "a claim whose daemon reports nothing for claim_silence_s times out")
t.check("reported nothing" in m.get("error-msg", ""), f"... saying why: {m.get('error-msg')!r}")
try:
    hung.do("migrate-status", {"id": mid3, "state": "done"})
    t.fail("... and its daemon's late report is refused")
except Exception as e:  # noqa: BLE001 (NlError: the errno is what counts)
    t.ok(f"... and its daemon's late report is refused ({e.__class__.__name__})")
mid4 = root.do("migrate-request", {"cgroup-id": cg, "site": "west"})["id"]
t.check(mid4 > mid3, "the cgroup takes a new request afterwards")
root.do("migrate-cancel", {"id": mid4})

del root, daemon, again, hung
t.check(unload(), "module unloads")
os.rmdir(os.path.join("/sys/fs/cgroup", "pwrmig-expire"))
t.done()
