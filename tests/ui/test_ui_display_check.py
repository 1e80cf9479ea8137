"""The pre-Qt display check names the fix instead of letting Qt abort the process."""

from __future__ import annotations

import pytest

from aistock.ui import display_check
from aistock.ui.display_check import DisplayUnavailable, check_display


def test_windows_and_offscreen_are_not_checked() -> None:
    check_display("win32", {})
    check_display("linux", {"QT_QPA_PLATFORM": "offscreen"})


def test_no_display_points_at_headless() -> None:
    with pytest.raises(DisplayUnavailable, match="--headless"):
        check_display("linux", {})


def test_missing_x_libraries_are_named_with_their_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    present = {"xcb-icccm", "xcb-keysyms", "xcb-image", "xcb-render-util", "xcb-shape", "xkbcommon-x11"}
    monkeypatch.setattr(
        display_check.ctypes.util, "find_library", lambda name: name if name in present else None
    )
    with pytest.raises(DisplayUnavailable) as info:
        check_display("linux", {"DISPLAY": ":0"})
    assert "libxcb-cursor0" in str(info.value) and "apt-get install libxcb-cursor0" in str(info.value)
