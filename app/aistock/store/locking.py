"""An advisory lock that keeps two workstations from sharing one home.

SQLite's own locks only protect single transactions: two AIstock processes could both open the
same database and interleave their order books. So the store also holds an OS-level lock on a
small file next to the database for as long as it is open. The OS drops the lock when the
process dies, so a crash never leaves a stale lock behind (unlike a PID file). The lock file
itself is left in place on release: deleting it would race with another process opening it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import BinaryIO

from aistock.store.errors import StoreLockedError

if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: BinaryIO) -> bool:
        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(handle: BinaryIO) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: BinaryIO) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(handle: BinaryIO) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def lock_path_for(database_path: Path) -> Path:
    """The lock file that guards ``database_path`` (``aistock.db`` → ``aistock.db.lock``)."""
    return database_path.with_name(database_path.name + ".lock")


class HomeLock:
    """An exclusive, non-blocking lock held until :meth:`release` (or process exit)."""

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self._handle: BinaryIO | None = handle

    @classmethod
    def acquire(cls, database_path: Path) -> HomeLock:
        """Lock the home of ``database_path`` or raise :class:`StoreLockedError` at once."""
        path = lock_path_for(database_path)
        handle = path.open("a+b")
        if not _try_lock(handle):
            handle.close()
            raise StoreLockedError(
                f"The database {database_path} is already open in another AIstock (lock file {path})",
                "close the other AIstock, or start this one with another --home",
            )
        # The PID is for a curious user only (the lock, not the contents, is what counts); on
        # Windows the locked byte is unreadable to others, so this is best effort.
        with contextlib.suppress(OSError):
            handle.truncate(0)
            handle.write(f"{os.getpid()}\n".encode())
            handle.flush()
        return cls(path, handle)

    @property
    def held(self) -> bool:
        return self._handle is not None

    def release(self) -> None:
        """Release the lock; calling it twice is harmless."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        try:
            _unlock(handle)
        finally:
            handle.close()
