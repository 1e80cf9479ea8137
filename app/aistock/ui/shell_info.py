"""What the workstation shell shows about the session it was opened on.

The window is built from this value and never goes looking for the facts itself (DESIGN §3:
constructors take what they need). Whoever starts the GUI — the CLI, a test, the screenshot
script — resolves the home directory, the data source and the account mode first, then hands
them over in one immutable bundle. No Qt here, so it can be built anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from aistock.core.modes import AccountMode


@dataclass(frozen=True)
class ShellInfo:
    """The session facts shown in the status bar and the Overview page.

    ``data_source_label`` is shown verbatim (e.g. ``"演示行情 demo · 300 只 · 2021-01-04…2025-11-21"``),
    so the caller decides its wording. ``summary_lines`` is free text for the Overview page.
    ``data_as_of`` is the last day the data covers; the shell compares it with the calendar's last
    completed session to flag stale data. ``provider_dir`` is ``None`` when no qlib provider
    directory is configured.
    """

    data_source_label: str
    account_mode: AccountMode
    home_dir: Path
    database_path: Path
    provider_dir: Path | None = None
    summary_lines: tuple[str, ...] = ()
    data_as_of: date | None = None
    demo_facts: Mapping[str, object] | None = None  # worded by aistock.ui.demo_summary
