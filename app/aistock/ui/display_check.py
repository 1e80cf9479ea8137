"""Check, before Qt starts, that this machine can show a window at all.

When Qt cannot load its platform plugin it aborts the whole process with a cryptic "could not
load the Qt platform plugin xcb" — no exception to catch, no hint what to install. On Windows
that never happens; on a fresh Linux desktop it does (Qt ≥ 6.5 needs ``libxcb-cursor0`` and a
few other X libraries that minimal installs lack). So we look first and say what to do.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

from aistock.core.errors import AistockError

# Shared libraries Qt's xcb plugin links against that minimal Linux installs often lack,
# with the Debian/Ubuntu package that provides each.
_XCB_LIBRARIES: dict[str, str] = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


class DisplayUnavailable(AistockError):
    """No window can be shown on this machine as it is set up."""


def check_display(platform: str = sys.platform, environ: dict[str, str] | None = None) -> None:
    """Raise :class:`DisplayUnavailable` naming the fix if Qt could not open a window here."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return
    requested = env.get("QT_QPA_PLATFORM", "")
    if requested and not requested.startswith("xcb"):
        return  # offscreen, wayland, vnc...: the user chose; Qt will say if it fails
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        raise DisplayUnavailable(
            "no display: DISPLAY and WAYLAND_DISPLAY are not set, so no window can open",
            "run on a desktop session, or use `aistock demo --headless` for a summary without a window",
        )
    if env.get("WAYLAND_DISPLAY") and not requested:
        return
    missing = sorted({pkg for lib, pkg in _XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None})
    if missing:
        raise DisplayUnavailable(
            "Qt's X11 platform plugin needs system libraries this machine lacks: " + ", ".join(missing),
            "install them (Debian/Ubuntu: sudo apt-get install " + " ".join(missing) + "), "
            "or use `aistock demo --headless`",
        )
