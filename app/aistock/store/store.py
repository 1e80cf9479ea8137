"""Opening the local store: lock, check, back up, migrate — and refuse rather than damage.

A trader's database holds their orders, fills and settings, so ``open_store`` is deliberately
cautious. Before anything could write to the file it

1. takes the home's advisory lock (two workstations must never share one database);
2. checks that the file is a SQLite database at all (garbage is refused, never "repaired");
3. probes SQLite's own lock with ``BEGIN IMMEDIATE`` (another program may hold the file);
4. reads the schema revision and refuses one it does not know (written by a newer AIstock);
5. if an upgrade is due and the file holds anything, copies it to ``backups/`` with SQLite's
   online backup API and only then upgrades, in one transaction.

Steps 2–4 use a raw ``sqlite3`` connection that writes nothing, so a refused file is left
byte-for-byte as it was.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import Session

from aistock.core.errors import StoreError
from aistock.store.engine import IMMEDIATE, create_sqlite_engine
from aistock.store.errors import (
    NewerSchemaError,
    StoreClosedError,
    StoreCorruptError,
    StoreLockedError,
    StoreMigrationError,
)
from aistock.store.home import WorkstationHome
from aistock.store.locking import HomeLock
from aistock.store.schema import alembic_config, head_revision, known_revisions, read_revisions

SQLITE_MAGIC = b"SQLite format 3\x00"
"""The first 16 bytes of every SQLite database file."""

PROBE_TIMEOUT_S = 1.0
"""How long the lock probe waits: long enough to ride out a checkpoint, short enough for a UI."""


@dataclass(frozen=True)
class _Inspection:
    revisions: tuple[str, ...]
    has_tables: bool


def _read_write_uri(path: Path) -> str:
    # mode=rw: open an existing file for the probe without ever creating one.
    return f"{path.resolve().as_uri()}?mode=rw"


def _corrupt(path: Path, backups_dir: str, detail: str) -> StoreCorruptError:
    return StoreCorruptError(
        f"{path} is not a usable AIstock database ({detail}); nothing was changed",
        f"move the file away or restore a copy from {backups_dir}, or start AIstock with another --home",
    )


def _check_header(path: Path, backups_dir: Path) -> None:
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_MAGIC))
    # An empty file is a valid, empty SQLite database; anything else must carry the magic.
    if header and header != SQLITE_MAGIC:
        raise _corrupt(path, str(backups_dir), "it is not a SQLite file")


def _inspect(path: Path, backups_dir: Path) -> _Inspection:
    """Read the revision and whether the file holds tables, proving it is not locked on the way."""
    if not path.exists():
        return _Inspection(revisions=(), has_tables=False)
    _check_header(path, backups_dir)
    try:
        with closing(
            sqlite3.connect(_read_write_uri(path), uri=True, timeout=PROBE_TIMEOUT_S, isolation_level=None)
        ) as connection:
            # Ask for the write lock we will need later: another writer makes this fail within the timeout.
            connection.execute("BEGIN IMMEDIATE")
            try:
                revisions = read_revisions(connection)
                table = connection.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1"
                ).fetchone()
            finally:
                connection.execute("ROLLBACK")
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "")
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            raise StoreLockedError(
                f"The database {path} is locked by another program ({exc})",
                "close the other AIstock (or any tool that has this file open), or choose another --home",
            ) from exc
        if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
            raise _corrupt(path, str(backups_dir), str(exc)) from exc
        raise StoreError(
            f"The database {path} cannot be opened ({exc})",
            "check that the file and its folder are readable and writable, or choose another --home",
        ) from exc
    return _Inspection(revisions=revisions, has_tables=table is not None)


def _backup_target(backups_dir: Path, revision: str | None) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    stem = f"aistock-{stamp}-from-{revision or 'base'}"
    target = backups_dir / f"{stem}.db"
    counter = 1
    while target.exists():  # two upgrades within one second (tests) must not overwrite
        target = backups_dir / f"{stem}-{counter}.db"
        counter += 1
    return target


def backup_database(path: Path, backups_dir: Path, revision: str | None) -> Path:
    """Copy the database at ``path`` into ``backups_dir`` and return the copy's path.

    SQLite's online backup API copies a consistent snapshot including anything still in the
    WAL, which a plain file copy would miss. The copy is written under a ``.partial`` name and
    renamed only once complete and integrity-checked, so a file named ``aistock-*.db`` in
    ``backups/`` is always whole. It is switched to a rollback journal so it is one
    self-contained file a user can copy or open anywhere.
    """
    backups_dir.mkdir(parents=True, exist_ok=True)
    target = _backup_target(backups_dir, revision)
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            closing(sqlite3.connect(_read_write_uri(path), uri=True, timeout=PROBE_TIMEOUT_S)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            check = copy.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            detail = "; ".join(str(row[0]) for row in check[:3])
            raise _corrupt(path, str(backups_dir), f"it fails SQLite's integrity check: {detail}")
        partial.replace(target)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(
            f"Could not back up {path} to {target} before upgrading it ({exc}); nothing was changed",
            f"make sure {backups_dir} is writable and the disk has free space, then start AIstock again",
        ) from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


def _upgrade_to_head(engine: Engine) -> None:
    """Run every pending migration in one transaction (our engine makes SQLite DDL transactional)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _engine_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class Store:
    """An open local store: the engine, the schema revision and the lock that guards them.

    Use it as a context manager (or call :meth:`close`) so the home's lock is released and the
    pooled connections are closed; after ``close`` every use raises :class:`StoreClosedError`.
    """

    def __init__(
        self,
        *,
        home: WorkstationHome,
        engine: Engine,
        revision: str,
        backup_path: Path | None,
        lock: HomeLock,
    ) -> None:
        self.home = home
        self.revision = revision
        self.backup_path = backup_path
        """The backup made before this open's upgrade, or ``None`` if none was needed."""
        self._engine: Engine | None = engine
        self._lock = lock

    @property
    def path(self) -> Path:
        return self.home.database_path

    @property
    def closed(self) -> bool:
        return self._engine is None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise StoreClosedError(
                f"The store {self.path} was used after it was closed",
                "open it again with open_store()",
            )
        return self._engine

    def session(self) -> Session:
        """A new ORM session, to be used as ``with store.session() as session: ...``.

        ``expire_on_commit=False`` so objects read or written stay usable after the session
        ends (the UI and other threads receive them after commit; reloading them lazily from a
        closed session would fail).
        """
        return Session(self.engine, expire_on_commit=False)

    def write_session(self) -> Session:
        """A session whose transactions take the write lock at once (read-modify-write work).

        Use it wherever a transaction reads and then writes while other threads also write:
        a plain session would fail with "database is locked" instead of waiting its turn.
        """
        return Session(self.engine.execution_options(**IMMEDIATE), expire_on_commit=False)

    def close(self) -> None:
        """Close all connections and release the home's lock; calling it twice is harmless."""
        engine, self._engine = self._engine, None
        try:
            if engine is not None:
                engine.dispose()
        finally:
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"revision {self.revision}"
        return f"Store({self.path}, {state})"


def open_store(home: WorkstationHome) -> Store:
    """Open (creating or upgrading as needed) the database of ``home``.

    Raises :class:`StoreLockedError`, :class:`StoreCorruptError`, :class:`NewerSchemaError` or
    :class:`StoreMigrationError` (all :class:`StoreError`) with messages that name the file.
    """
    home.ensure()
    lock = HomeLock.acquire(home.database_path)
    try:
        return _open_locked(home, lock)
    except BaseException:
        lock.release()
        raise


def _open_locked(home: WorkstationHome, lock: HomeLock) -> Store:
    path = home.database_path
    inspection = _inspect(path, home.backups_dir)
    head = head_revision()
    unknown = [revision for revision in inspection.revisions if revision not in known_revisions()]
    if unknown:
        raise NewerSchemaError(
            f"{path} has schema revision {', '.join(unknown)}, written by a newer AIstock "
            f"(this one knows revisions up to {head}); the file was not changed",
            "upgrade AIstock to the version that wrote it, or start this one with another --home",
        )
    if len(inspection.revisions) > 1:
        raise _corrupt(
            path,
            str(home.backups_dir),
            f"it records several schema revisions at once ({', '.join(inspection.revisions)})",
        )
    current = inspection.revisions[0] if inspection.revisions else None

    backup_path: Path | None = None
    if current != head and inspection.has_tables:
        backup_path = backup_database(path, home.backups_dir, current)

    engine = create_sqlite_engine(path)
    try:
        if current != head:
            try:
                _upgrade_to_head(engine)
            except Exception as exc:
                raise _migration_error(path, current, head, backup_path, exc) from exc
        revision = _engine_revision(engine)
        if revision != head:  # pragma: no cover - would mean a broken migration script
            raise _migration_error(path, current, head, backup_path, f"it ended at revision {revision}")
    except BaseException:
        engine.dispose()
        raise
    return Store(home=home, engine=engine, revision=head, backup_path=backup_path, lock=lock)


def _migration_error(
    path: Path, current: str | None, head: str, backup_path: Path | None, cause: object
) -> StoreMigrationError:
    what = f"Upgrading {path} from schema revision {current or 'none'} to {head} failed: {cause}"
    if backup_path is not None:
        fix = (
            f"your data is safe: the upgrade was rolled back and a copy taken just before it is at "
            f"{backup_path}; please report this error"
        )
    else:
        fix = "please report this error; the database was empty, so no data is at risk"
    return StoreMigrationError(what, fix)
