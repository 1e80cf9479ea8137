"""The counter's state file: written atomically, read back with every way it can be wrong named.

A real broker's books survive our process dying; the simulator's must too, or the crash tests
would test nothing. The file is replaced in one ``rename`` (a temp file in the same directory,
then ``Path.replace``), so a reader — or a process restarted after SIGKILL — sees the old state
or the new one, never half of each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from aistock.core.fees import FeeSchedule
from aistock.trading.gateways.simulator.desk import SimCounterError

STATE_VERSION: Final = 1


def fees_to_json(fees: FeeSchedule) -> dict[str, Any]:
    return {
        "commission_rate": str(fees.commission_rate),
        "min_commission_fen": fees.min_commission_fen,
        "stamp_duty_rate": str(fees.stamp_duty_rate),
        "transfer_fee_rate": str(fees.transfer_fee_rate),
    }


def fees_from_json(data: Mapping[str, Any]) -> FeeSchedule:
    return FeeSchedule(
        Decimal(data["commission_rate"]),
        int(data["min_commission_fen"]),
        Decimal(data["stamp_duty_rate"]),
        Decimal(data["transfer_fee_rate"]),
    )


def write_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Replace ``path`` with ``data`` as JSON in one step; no temp file is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with temp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        temp.replace(path)
    finally:
        if temp.exists():
            temp.unlink()


def read_state(path: Path, session_day: dt.date | None) -> dict[str, Any]:
    """The saved state at ``path``, checked to be ours and (unless None) of ``session_day``."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SimCounterError(f"no broker state at {path}", "start a new SimCounter instead") from None
    except ValueError as exc:
        raise SimCounterError(
            f"broker state at {path} is not valid JSON ({exc})", "restore a good copy"
        ) from exc
    if data.get("version") != STATE_VERSION:
        raise SimCounterError(
            f"broker state at {path} has version {data.get('version')}, expected {STATE_VERSION}",
            "start a new counter; this state was written by another simulator version",
        )
    saved_day = saved_day_of(data)
    if session_day is not None and saved_day != session_day:
        raise SimCounterError(
            f"the saved broker is on {saved_day} but the market given is {session_day}",
            f"load with the market of {saved_day}, then roll_day() to a later one",
        )
    return data


def saved_day_of(data: Mapping[str, Any]) -> dt.date:
    """The session day a saved state is on."""
    return dt.date.fromisoformat(data["session_day"])
