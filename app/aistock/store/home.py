"""Where the workstation keeps its files.

One directory holds everything a profile owns — the database, settings, backups and the demo
world — so that a user can move, back up or delete a profile as one folder. The platform's user
data directory is the default; ``AISTOCK_HOME`` or ``--home DIR`` choose another (tests and
side-by-side profiles rely on that).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV_VAR = "AISTOCK_HOME"


@dataclass(frozen=True)
class WorkstationHome:
    """The layout of one workstation home directory."""

    root: Path

    @property
    def database_path(self) -> Path:
        return self.root / "aistock.db"

    @property
    def settings_path(self) -> Path:
        return self.root / "settings.json"

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def demo_dir(self) -> Path:
        """The embedded demo world: a synthetic market as a qlib provider directory and more."""
        return self.root / "demo"

    @property
    def demo_provider_dir(self) -> Path:
        return self.demo_dir / "qlib_data"

    def ensure(self) -> WorkstationHome:
        for path in (self.root, self.backups_dir, self.logs_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self


def default_home_root() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("AIstock", "AIstock", roaming=True))


def resolve_home(explicit: Path | str | None = None) -> WorkstationHome:
    """Pick the home directory: ``--home`` beats ``AISTOCK_HOME`` beats the platform default."""
    if explicit is not None and str(explicit) != "":
        return WorkstationHome(Path(explicit).expanduser().resolve())
    env = os.environ.get(HOME_ENV_VAR, "").strip()
    if env:
        return WorkstationHome(Path(env).expanduser().resolve())
    return WorkstationHome(default_home_root())
