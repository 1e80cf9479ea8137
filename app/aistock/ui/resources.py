"""Where the shipped resources (themes, translations, icons) live at run time.

Resources sit in the repository's top-level ``resources/`` folder, beside ``app/``. A frozen
Windows bundle (PyInstaller) unpacks them under ``sys._MEIPASS``; ``AISTOCK_RESOURCES`` overrides
both so a packager or a test can point somewhere else without patching code.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

RESOURCES_ENV = "AISTOCK_RESOURCES"


def resources_dir() -> Path:
    """The folder holding ``themes/``, ``i18n/`` and ``icons/``."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if isinstance(bundle, str):
        return Path(bundle) / "resources"
    packaged = Path(__file__).resolve().parents[1] / "resources"  # installed wheel: aistock/resources
    if packaged.is_dir():
        return packaged
    # A source checkout (editable install): app/aistock/ui/resources.py → repository root.
    return Path(__file__).resolve().parents[3] / "resources"


def themes_dir() -> Path:
    return resources_dir() / "themes"


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def icons_dir() -> Path:
    return resources_dir() / "icons"
