"""The ``aistock`` command as a user types it (typer's runner, real files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from aistock.cli import app

runner = CliRunner()


def test_demo_headless_prepares_and_summarises(tmp_path: Path) -> None:
    home = tmp_path / "home"
    args = ["demo", "--headless", "--home", str(home), "--stocks", "20", "--days", "80", "--seed", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "stocks" in result.output and "20" in result.output
    assert (home / "aistock.db").is_file()
    assert (home / "demo" / "qlib_data" / "calendars" / "day.txt").is_file()
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "reused" in again.output


def test_aistock_home_env_var_is_honoured(tmp_path: Path) -> None:
    home = tmp_path / "from_env"
    result = runner.invoke(app, ["info"], env={"AISTOCK_HOME": str(home)})
    assert result.exit_code == 0, result.output
    assert (home / "aistock.db").is_file()


def test_build_demo_writes_a_provider(tmp_path: Path) -> None:
    out = tmp_path / "provider"
    result = runner.invoke(
        app,
        [
            "data",
            "build-demo",
            "--out",
            str(out),
            "--stocks",
            "12",
            "--days",
            "70",
            "--end",
            "2025-11-21",
            "--minute-days",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (out / "calendars" / "day.txt").read_text().split()[-1] == "2025-11-21"


def test_errors_are_messages_not_tracebacks(tmp_path: Path) -> None:
    """Through the real console script: exit 2, what went wrong and how to fix it."""
    env = {**os.environ, "AISTOCK_HOME": str(tmp_path / "h")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aistock",
            "data",
            "build-demo",
            "--out",
            str(tmp_path / "x"),
            "--end",
            "2025-13-01",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert "is not a date" in done.stderr and "YYYY-MM-DD" in done.stderr
    assert "Traceback" not in done.stderr
    garbage = tmp_path / "g"
    garbage.mkdir()
    (garbage / "aistock.db").write_bytes(b"this is not a database" * 10)
    done = subprocess.run(
        [sys.executable, "-m", "aistock", "info", "--home", str(garbage)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "aistock.db" in done.stderr
    assert (garbage / "aistock.db").read_bytes() == b"this is not a database" * 10
