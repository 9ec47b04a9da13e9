# SPDX-License-Identifier: GPL-2.0
"""A stand-in migration daemon for tests: claims the next request that
appears, reports three phases with growing byte counts, then done (or
failed with --fail).  Exits after one request or after 60 s.  With
--socket PATH it does the same on pwrmigd's family socket (module-less
nodes), in raw messages (tests/lib/famraw.py)."""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))

fail = "--fail" in sys.argv
PHASES = ("predump", "transfer", "restore")


def on_socket(path):
    import famraw as fr
    u32 = lambda t, v: fr.attr(t, struct.pack("<I", v))
    y, listener = fr.Link(path), fr.Link(path)
    listener.send(fr.JOIN, fr.NLM_F_ACK, struct.pack("<I", 2))     # the migrate group
    if listener.answer()[0]:
        sys.exit("claimant: cannot join the migrate group")
    listener.s.settimeout(0.2)
    print("claimant: ready", flush=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            data = listener.recv()
        except OSError:
            continue
        a = fr.attrs_of(data[20:])
        if struct.unpack_from("<H", data, 4)[0] != listener.family or \
                struct.unpack("<I", a.get(fr.A_MIG_STATE, b"\0" * 4))[0] != fr.STATE_PENDING:
            continue
        mid = u32(fr.A_MIG_ID, struct.unpack("<I", a[fr.A_MIG_ID])[0])
        if y.request(fr.CMD_MIGRATE_CLAIM, mid)[0]:
            sys.exit("claimant: claim refused")
        for i, phase in enumerate(PHASES):
            time.sleep(0.2)
            y.request(fr.CMD_MIGRATE_STATUS, mid + u32(fr.A_MIG_PHASE, (1, 3, 4)[i]) +
                      fr.attr(fr.A_MIG_BYTES, struct.pack("<Q", (i + 1) << 20)) +
                      u32(fr.A_MIG_ROUNDS, i + 1))
        if fail:
            y.request(fr.CMD_MIGRATE_STATUS, mid + u32(fr.A_MIG_STATE, fr.STATE_FAILED) +
                      u32(fr.A_MIG_ERROR, 5) +
                      fr.attr(fr.A_MIG_ERROR_MSG, b"restore failed at the target\0"))
        else:
            y.request(fr.CMD_MIGRATE_STATUS, mid + u32(fr.A_MIG_STATE, fr.STATE_DONE) +
                      u32(fr.A_MIG_FREEZE_MS, 42))
        sys.exit(0)
    sys.exit(1)


if "--socket" in sys.argv:
    on_socket(sys.argv[sys.argv.index("--socket") + 1])

from pwrmig_test import ynl  # noqa: E402

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
    for i, phase in enumerate(PHASES):
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
