"""The one error family the workstation raises on purpose.

Every error a user can meet names the thing that is wrong and what to do about it, so that a
trader reading a dialog or an analyst reading a CLI message never has to open the source.
"""

from __future__ import annotations


class AistockError(Exception):
    """An error with two parts: what went wrong (naming the thing) and how to fix it."""

    def __init__(self, what: str, fix: str = "") -> None:
        self.what = what
        self.fix = fix
        super().__init__(f"{what} — {fix}" if fix else what)


class CodeFormatError(AistockError, ValueError):
    """An instrument code in a format we do not recognise."""


class DataError(AistockError):
    """Market data is missing, malformed or unreadable."""


class DataSourceUnavailable(DataError):
    """A data source cannot be used on this machine (e.g. xtdata without miniQMT)."""


class StoreError(AistockError):
    """The local SQLite store cannot be opened, migrated or written."""
