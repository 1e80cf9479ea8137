"""The ways opening the store can fail, each one a :class:`~aistock.core.errors.StoreError`.

They are separate classes because the shell reacts differently to each: a locked store means
"another AIstock is running", a corrupt file or a newer schema means "do not touch this file",
and a failed upgrade means "your data is in the backup named here". Every message names the
file (and the revision or backup when there is one) so the user never has to guess.
"""

from __future__ import annotations

from aistock.core.errors import StoreError


class StoreLockedError(StoreError):
    """The database (or its home) is in use by another process."""


class StoreCorruptError(StoreError):
    """The database file is not a SQLite database or fails an integrity check."""


class NewerSchemaError(StoreError):
    """The database was written by a newer AIstock: its schema revision is unknown to us."""


class StoreMigrationError(StoreError):
    """Upgrading the schema failed; the message names the backup taken just before."""


class StoreClosedError(StoreError):
    """The store was used after :meth:`Store.close` released its engine and lock."""
