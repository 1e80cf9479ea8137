"""Opening the workstation must not pay for qlib, lightgbm, mlflow or numba (seconds of import time)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import aistock.cli, aistock.ui.app, aistock.ui.main_window, aistock.workflows.demo_world, aistock.data
heavy = sorted(m for m in ("qlib", "lightgbm", "mlflow", "numba", "xtquant.xtdata") if m in sys.modules)
print(",".join(heavy))
"""


def test_startup_path_defers_heavy_imports() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
