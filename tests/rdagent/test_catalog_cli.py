"""``aistock sync`` and ``aistock rdagent loops`` as a user types them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from aistock.cli import app
from aistock.rdagent.catalog.pathmap import PathMapError

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def test_sync_prints_counts_warnings_and_roots(tmp_path: Path, rd_repo: Callable[..., Path]) -> None:
    root = rd_repo()
    home = tmp_path / "home"
    result = runner.invoke(app, ["sync", "--from", str(root), "--home", str(home)], env=WIDE)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "RD-Agent sync #1 from dir" in out
    for row in ("factors", "strategies", "loops", "bundles"):
        assert row in out
    assert "not exported" in out  # models
    assert "30 loops not consumable" in out
    assert "/mnt/f/Dev/RD-Agent-main" in out and str(root.resolve()) in out
    assert "Trusted roots" in out and "new" in out
    assert "3 pinned now" in out

    again = runner.invoke(app, ["sync", "--from", str(root), "--home", str(home)], env=WIDE)
    assert again.exit_code == 0 and "RD-Agent sync #2" in again.output


def test_sync_reports_rejected_entries(tmp_path: Path, rd_catalog_dir: Path) -> None:
    path = rd_catalog_dir / "loop_catalog.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["loops"].append({"task_run_id": "r", "loop_id": "x", "workspace_id": "w"})
    path.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(
        app, ["sync", "--from", str(rd_catalog_dir), "--home", str(tmp_path / "h")], env=WIDE
    )
    assert result.exit_code == 0, result.output
    assert "partial" in result.output and "Rejected entries" in result.output
    assert "loop_id is 'x', not an integer" in result.output


def test_sync_with_explicit_maps(tmp_path: Path, rd_fixture_dir: Path) -> None:
    target = tmp_path / "rd"
    target.mkdir()
    args = ["sync", "--from", str(rd_fixture_dir), "--home", str(tmp_path / "h")]
    result = runner.invoke(app, [*args, "--map", f"F:\\Dev\\RD-Agent-main={target}"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "F:\\Dev\\RD-Agent-main" in result.output and str(target) in result.output
    bad = runner.invoke(app, [*args, "--map", "no-equals-sign"])
    assert isinstance(bad.exception, PathMapError)


def test_rdagent_loops_lists_consumable_loops_unless_all(tmp_path: Path, rd_catalog_dir: Path) -> None:
    path = rd_catalog_dir / "loop_catalog.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["loops"][0]["materialization_status"] = "done"
    path.write_text(json.dumps(document), encoding="utf-8")
    home = str(tmp_path / "h")
    empty = runner.invoke(app, ["rdagent", "loops", "--home", home], env=WIDE)
    assert empty.exit_code == 0 and "No RD-Agent loops imported yet" in empty.output
    assert runner.invoke(app, ["sync", "--from", str(rd_catalog_dir), "--home", home]).exit_code == 0

    result = runner.invoke(app, ["rdagent", "loops", "--home", home], env=WIDE)
    assert result.exit_code == 0, result.output
    key = "95fde9f8cec7490580a12a992457dfd7/0/462527f0ab3d4ccaa48fd8aad72284dc"
    assert key in result.output and "92.21%" in result.output and "done" in result.output
    assert "(1 of 30)" in result.output
    assert "29 loops hidden as not consumable" in result.output

    everything = runner.invoke(app, ["rdagent", "loops", "--home", home, "--all"], env=WIDE)
    assert everything.exit_code == 0
    assert "(30 of 30)" in everything.output and "unknown" in everything.output


def test_a_refused_sync_exits_2_with_what_and_fix(tmp_path: Path, rd_catalog_dir: Path) -> None:
    (rd_catalog_dir / "strategy_catalog.json").write_text(
        '{"version": "v1", "strategies": [', encoding="utf-8"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aistock",
            "sync",
            "--from",
            str(rd_catalog_dir),
            "--home",
            str(tmp_path / "h"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "400"},
    )
    assert done.returncode == 2, done.stderr
    assert "strategy_catalog.json" in done.stderr and "not valid JSON" in done.stderr
    assert "fix:" in done.stderr and "Traceback" not in done.stderr
