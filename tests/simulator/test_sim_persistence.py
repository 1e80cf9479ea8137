"""The broker's state survives the process: saved atomically after every mutation, restored exactly."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import ACCOUNT, scripted_session
from xtquant import xtconstant as xc

from aistock.trading.gateways.simulator import DemoMinuteTape, SimCounter, SimCounterError

HERE = Path(__file__).parent


def snapshot(counter: SimCounter) -> dict[str, Any]:
    """Everything a trader can ask, as plain data."""
    return {
        "asset": vars(counter.asset(ACCOUNT)),
        "orders": [vars(o) for o in counter.orders(ACCOUNT)],
        "trades": [vars(t) for t in counter.trades(ACCOUNT)],
        "positions": [vars(p) for p in counter.positions(ACCOUNT)],
        "tasks": counter.query_smart_algo_task(ACCOUNT),
        "minute": counter.minute,
    }


def test_a_loaded_counter_answers_exactly_like_the_saved_one(tmp_path: Path, tape: DemoMinuteTape) -> None:
    state = tmp_path / "broker.json"
    original = SimCounter(tape, {ACCOUNT: 1_000_000.0}, state_path=state)
    scripted_session(original)
    assert any(o.order_status == xc.ORDER_REPORTED_CANCEL for o in original.orders(ACCOUNT))
    copy = tmp_path / "copy.json"
    shutil.copy(state, copy)
    loaded = SimCounter.load(copy, tape)
    assert snapshot(loaded) == snapshot(original)
    assert loaded.state() == original.state()
    # Both go on identically: the pending cancel, the algo task and the clock were all restored.
    original.advance(30)
    loaded.advance(30)
    assert snapshot(loaded) == snapshot(original)
    next_ids = {
        original.place(ACCOUNT, tape.codes[0], xc.STOCK_BUY, 100, xc.LATEST_PRICE, 0.0),
        loaded.place(ACCOUNT, tape.codes[0], xc.STOCK_BUY, 100, xc.LATEST_PRICE, 0.0),
    }
    assert len(next_ids) == 1  # the id counter was saved too
    loaded.account(ACCOUNT).book.check_invariants()


def test_every_mutation_is_saved_atomically(tmp_path: Path, tape: DemoMinuteTape, monkeypatch: Any) -> None:
    state = tmp_path / "broker.json"
    counter = SimCounter(tape, {ACCOUNT: 1_000_000.0}, state_path=state)
    code = tape.codes[0]
    ref = tape.reference(code)
    assert ref is not None
    oid = counter.place(ACCOUNT, code, xc.STOCK_BUY, 100, xc.FIX_PRICE, ref.pre_close)
    assert [o["order_id"] for o in json.loads(state.read_text())["desk"]["accounts"][0]["orders"]] == [oid]
    counter.cancel(ACCOUNT, oid)
    assert json.loads(state.read_text())["desk"]["accounts"][0]["orders"][0]["cancel_requested"] is True
    before = state.read_bytes()

    def torn(self: Path, target: Any) -> Path:
        raise OSError("disk pulled out mid-write")

    monkeypatch.setattr(Path, "replace", torn)
    with pytest.raises(OSError, match="disk pulled"):
        counter.advance()
    monkeypatch.undo()
    assert state.read_bytes() == before  # the old state is intact, never half-written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broker.json"]  # no temp file left behind
    assert SimCounter.load(state, tape).orders(ACCOUNT)[0].order_status == xc.ORDER_REPORTED_CANCEL


def test_state_files_are_never_overwritten_or_misread(tmp_path: Path, tapes: list[DemoMinuteTape]) -> None:
    state = tmp_path / "broker.json"
    counter = SimCounter(tapes[0], {ACCOUNT: 1_000.0}, state_path=state)
    counter.roll_day(tapes[1])
    assert SimCounter.saved_session_day(state) == tapes[1].session_day  # pick the market to load with
    with pytest.raises(SimCounterError, match=r"SimCounter\.load"):
        SimCounter(tapes[0], {ACCOUNT: 1_000.0}, state_path=state)
    with pytest.raises(SimCounterError, match="load with the market of"):
        SimCounter.load(state, tapes[0])
    assert SimCounter.load(state, tapes[1]).session_day == tapes[1].session_day
    with pytest.raises(SimCounterError, match="no broker state"):
        SimCounter.load(tmp_path / "missing.json", tapes[0])
    state.write_text("{not json")
    with pytest.raises(SimCounterError, match="not valid JSON"):
        SimCounter.load(state, tapes[0])


def test_the_broker_survives_sigkill(tmp_path: Path, small_demo: Path, tape: DemoMinuteTape) -> None:
    state = tmp_path / "broker.json"
    script = (
        "import datetime as dt, os, signal, sys\n"
        "from pathlib import Path\n"
        "from aistock.data.qlib_provider import QlibProviderSource\n"
        "from aistock.data.service import DataService\n"
        "from aistock.trading.gateways.simulator import DemoMinuteTape, SimCounter\n"
        "from sim_helpers import ACCOUNT, scripted_session\n"
        "provider, day, state = sys.argv[1:4]\n"
        "tape = DemoMinuteTape(DataService(QlibProviderSource(provider)), dt.date.fromisoformat(day))\n"
        "counter = SimCounter(tape, {ACCOUNT: 1_000_000.0}, state_path=Path(state))\n"
        "scripted_session(counter)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path])}
    done = subprocess.run(
        [sys.executable, "-c", script, str(small_demo), tape.session_day.isoformat(), str(state)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    reference = SimCounter(tape, {ACCOUNT: 1_000_000.0})
    scripted_session(reference)
    restored = SimCounter.load(state, tape)
    assert snapshot(restored) == snapshot(reference)
    restored.advance()
    reference.advance()
    assert snapshot(restored) == snapshot(reference)
