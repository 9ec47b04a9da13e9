# SPDX-License-Identifier: GPL-2.0
"""A stand-in migration daemon for tests: claims the next request that
appears, reports three phases with growing byte counts, then done (or
failed with --fail).  Exits after one request or after 30 s."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from pwrmig_test import ynl  # noqa: E402

fail = "--fail" in sys.argv
y = ynl()
# Notifications on a socket of their own: YNL cannot take one in the
# middle of a request's reply.
listener = ynl()
listener.ntf_subscribe("migrate")
print("claimant: ready", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    listener.check_ntf()
    pending = [n["msg"] for n in listener.async_msg_queue
               if n["msg"].get("state") == "pending"]
    listener.async_msg_queue.clear()
    if not pending:
        time.sleep(0.05)
        continue
    m = y.do("migrate-claim", {"id": pending[0]["id"]})
    for i, phase in enumerate(("predump", "transfer", "restore")):
        time.sleep(0.2)
        y.do("migrate-status", {"id": m["id"], "phase": phase, "bytes": (i + 1) << 20,
                                "rounds": i + 1})
    if fail:
        y.do("migrate-status", {"id": m["id"], "state": "failed", "error": 5,
                                "error-msg": "restore failed at the target"})
    else:
        y.do("migrate-status", {"id": m["id"], "state": "done", "freeze-ms": 42})
    sys.exit(0)
sys.exit(1)
