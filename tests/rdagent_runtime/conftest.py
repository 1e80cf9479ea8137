"""Fixtures for the model runtime and the selection service: one demo RD-Agent export per session.

The export is built with the real generator — real qlib ``task_train`` on the small demo market,
four loops — so every test here runs against models qlib itself trained (about 35 s, once).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from aistock.rdagent.demo.build import DemoExport


@pytest.fixture
def export_copy(demo_export: DemoExport, tmp_path: Path) -> Callable[[], Path]:
    """A private copy of the export that a test may damage."""

    def copy() -> Path:
        target = tmp_path / "RD-Agent-copy"
        if not target.exists():
            shutil.copytree(demo_export.root, target)
        return target

    return copy
