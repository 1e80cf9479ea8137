"""Shared fixtures: one small demo market per test session, built with the real builder."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from aistock.rdagent.demo.build import DemoExport

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

DEMO_END = dt.date(2025, 11, 21)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 60-stock, 300-day demo provider with 3 days of minute bars (about a second to build)."""
    from aistock.data.demo_market import build_demo_market

    out = tmp_path_factory.mktemp("demo") / "qlib_data"
    build_demo_market(out, seed=11, stocks=60, days=300, end=DEMO_END, minute_days=3)
    return out


@pytest.fixture(scope="session")
def demo_export(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> DemoExport:
    """The demo RD-Agent export on ``small_demo``: real qlib trains four loops (~35 s, once)."""
    from aistock.rdagent.demo.build import build_demo_export

    out = tmp_path_factory.mktemp("rdagent") / "RD-Agent-main"
    return build_demo_export(small_demo, out, seed=11)


@pytest.fixture(scope="session")
def demo_end() -> dt.date:
    return DEMO_END


_QLIB_PROBE = r"""
import os, sys, pickle
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
import qlib
from qlib.data import D
provider, instruments, fields, start, end, freq, out = pickle.loads(bytes.fromhex(sys.argv[1]))
qlib.init(provider_uri=provider, region="cn", kernels=1, logging_level="ERROR")
if isinstance(instruments, str):
    instruments = D.instruments(instruments)
frame = D.features(instruments, fields, start, end, freq=freq)
with open(out, "wb") as fh:
    pickle.dump(frame, fh)
"""


@pytest.fixture(scope="session")
def qlib_features(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Run real qlib's ``D.features`` in a fresh process (qlib.init is process-global).

    Returns a function ``(provider, instruments, fields, start, end, freq) -> DataFrame`` with
    qlib's own (instrument, datetime) index.
    """
    import pickle
    import subprocess
    import sys

    workdir = tmp_path_factory.mktemp("qlib_probe")
    counter = iter(range(10**6))

    def run(provider: Path, instruments: object, fields: list[str], start: str, end: str, freq: str = "day"):  # type: ignore[no-untyped-def]
        out = workdir / f"frame_{next(counter)}.pkl"
        payload = pickle.dumps((str(provider), instruments, fields, start, end, freq, str(out))).hex()
        done = subprocess.run(
            [sys.executable, "-c", _QLIB_PROBE, payload],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise AssertionError(f"qlib probe failed:\n{done.stderr[-3000:]}")
        with out.open("rb") as fh:
            return pickle.load(fh)

    return run
