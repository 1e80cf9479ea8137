"""Inline styles for the read-outs that carry a safety meaning.

They are set on the widget itself rather than in a theme's style sheet: a widget's own style
sheet wins over the application's, so no theme (present or future) can make a LIVE account look
like a rehearsal or hide that the data is old. Each style also has a text cue (the badge says
LIVE, the freshness read-out says stale), so colour is never the only signal.
"""

from __future__ import annotations

from aistock.core.modes import AccountMode

_BADGE = "border-radius: 3px; padding: 1px 8px;"
NEUTRAL_BADGE = f"QLabel {{ background-color: #6b7280; color: #ffffff; {_BADGE} }}"
PAPER_BADGE = f"QLabel {{ background-color: #1565c0; color: #ffffff; {_BADGE} }}"
LIVE_BADGE = f"QLabel {{ background-color: #d50000; color: #ffffff; font-weight: bold; {_BADGE} }}"
LIVE_STATUS_BAR = "QStatusBar { border-top: 3px solid #d50000; }"
HALTED_BADGE = f"QLabel {{ background-color: #d50000; color: #ffffff; font-weight: bold; {_BADGE} }}"
REDUCING_BADGE = f"QLabel {{ background-color: #f0a020; color: #1a1a1a; font-weight: bold; {_BADGE} }}"
ACTIVE_BADGE = f"QLabel {{ background-color: #2e7d32; color: #ffffff; {_BADGE} }}"
STALE_DATA = "QLabel { background-color: #f0a020; color: #1a1a1a; border-radius: 3px; padding: 1px 6px; }"

_BANNER = "border-radius: 4px; padding: 8px 12px;"
_BANNERS: dict[AccountMode, str] = {
    AccountMode.BACKTEST: f"QFrame {{ background-color: #6b7280; {_BANNER} }} QLabel {{ color: #ffffff; }}",
    AccountMode.PREVIEW: f"QFrame {{ background-color: #6b7280; {_BANNER} }} QLabel {{ color: #ffffff; }}",
    AccountMode.PAPER: f"QFrame {{ background-color: #1565c0; {_BANNER} }} QLabel {{ color: #ffffff; }}",
    AccountMode.LIVE: f"QFrame {{ background-color: #d50000; {_BANNER} }} QLabel {{ color: #ffffff; }}",
}


def mode_badge_style(mode: AccountMode) -> str:
    """The status-bar badge style: neutral for rehearsals, blue for paper, red for LIVE."""
    if mode is AccountMode.LIVE:
        return LIVE_BADGE
    if mode is AccountMode.PAPER:
        return PAPER_BADGE
    return NEUTRAL_BADGE


def mode_banner_style(mode: AccountMode) -> str:
    """The Overview page banner in the same colours as the badge."""
    return _BANNERS[mode]
