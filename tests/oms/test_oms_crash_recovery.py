"""SIGKILL at every step between a broker callback's arrival and its application, then restart.

Each case runs a real workstation process (``crash_driver.py``) that trades on the simulated
paper account until the armed failpoint kills it with SIGKILL — no ``finally``, no flush. A
second process then starts on the same store and the same broker state, replays what was
journaled but not applied, reconciles with the broker and finishes the day. The book must then
equal the broker's to the share and the fen, with every broker trade counted exactly once.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("crash_driver.py")

POINTS = [
    "callback.received:XtTrade",  # the SDK handed us a trade; we died before copying it
    "callback.enqueued:trade",  # copied and queued in memory only
    "oms.journaled:trade",  # journaled and committed, not applied
    "oms.applying:trade",  # inside the apply transaction, before its commit
    "oms.applied:trade",  # applied and committed, nothing after
    "callback.received:XtOrder",  # an order status push, before copying
    "oms.journaled:order",
    "oms.order_recorded",  # our order row written, the broker never called
]


def _run(phase: str, root: Path, provider: Path, failpoint: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("AISTOCK_FAILPOINT", None)
    if failpoint:
        env["AISTOCK_FAILPOINT"] = failpoint
    return subprocess.run(
        [sys.executable, str(DRIVER), phase, str(root), str(provider)],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
@pytest.mark.parametrize("point", POINTS)
def test_killed_at_each_step_then_restarted(tmp_path: Path, small_demo: Path, point: str) -> None:
    died = _run("run", tmp_path, small_demo, point)
    assert died.returncode == -signal.SIGKILL, (
        f"the failpoint {point} was never reached:\n{died.stderr[-3000:]}"
    )
    back = _run("recover", tmp_path, small_demo, None)
    assert back.returncode == 0, back.stderr[-4000:]
    out = json.loads(back.stdout.strip().splitlines()[-1])
    assert out["matched"], out["summary"]
    assert out["book_positions"] == out["broker_positions"]
    assert out["book_cash_fen"] == out["broker_cash_fen"]
    assert out["fills"] == out["broker_trades"]  # each trade exactly once
    assert len(set(out["broker_remarks"])) == len(out["broker_remarks"])  # nothing resent
    for cid, (status, _filled) in out["orders"].items():
        # An order the broker never got is given up as rejected; one it has is never called so.
        assert (status == "rejected") == (cid not in out["broker_remarks"]), (cid, status)
    if point == "oms.order_recorded":
        assert len(out["orders"]) == 1 and not out["broker_remarks"]
