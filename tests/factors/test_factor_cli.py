"""``aistock factors compute`` as a user types it: a parquet file, or a clear error and no file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from aistock.cli import app
from aistock.data import DataService, QlibProviderSource
from aistock.factors.engine import FactorEngine

runner = CliRunner()


def _days(provider: Path) -> list[str]:
    return [str(d) for d in DataService(QlibProviderSource(provider)).calendar()]


def test_compute_writes_named_columns(small_demo: Path, tmp_path: Path) -> None:
    days = _days(small_demo)
    out = tmp_path / "f.parquet"
    args = ["factors", "compute", "--provider", str(small_demo), "--start", days[-30], "--end", days[-1]]
    args += ["--expr", "Mean($close, 5)/$close", "--expr", "KMID", "--set", "alpha158", "--out", str(out)]
    args += ["--instruments", "csi300"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    written = pd.read_parquet(out).sort_index()
    # Sets come first, then expressions; KMID is already in alpha158, so it is one column.
    assert written.shape[1] == 159 and written.columns[-1] == "Mean($close, 5)/$close"
    expected = FactorEngine(DataService(QlibProviderSource(small_demo))).compute_factor_set(
        ["alpha158", "Mean($close, 5)/$close"], "csi300", days[-30], days[-1]
    )
    pd.testing.assert_frame_equal(written[expected.columns], expected, check_freq=False)


def test_codes_universe(small_demo: Path, tmp_path: Path) -> None:
    days = _days(small_demo)
    out = tmp_path / "codes.parquet"
    args = ["factors", "compute", "--provider", str(small_demo), "--start", days[-5], "--end", days[-1]]
    args += ["--expr", "$close", "--instruments", "000300.SH,000001.SH", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    written = pd.read_parquet(out)
    assert set(written.index.get_level_values("instrument")) == {"000300.SH", "000001.SH"}
    assert len(written) == 10


def test_bad_expression_keeps_the_old_file(small_demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "keep.parquet"
    out.write_bytes(b"an earlier export")
    env = {**os.environ, "AISTOCK_HOME": str(tmp_path / "h")}
    cmd = [sys.executable, "-m", "aistock", "factors", "compute", "--provider", str(small_demo)]
    cmd += ["--start", "2025-01-02", "--end", "2025-03-31", "--expr", "KMID", "--expr", "Mean($close, 5"]
    cmd += ["--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "factor #2" in done.stderr and "expected ')'" in done.stderr
    assert "Traceback" not in done.stderr
    assert out.read_bytes() == b"an earlier export"
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_nothing_asked_and_wrong_suffix(small_demo: Path, tmp_path: Path) -> None:
    base = ["factors", "compute", "--provider", str(small_demo)]
    base += ["--start", "2025-01-02", "--end", "2025-03-31"]
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "a.parquet")])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception) and "--expr" in str(result.exception)
    result = runner.invoke(app, [*base, "--expr", "KMID", "--out", str(tmp_path / "a.csv")])
    assert "parquet" in str(result.exception)
