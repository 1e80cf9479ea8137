"""The SQLAlchemy engine for one workstation database file.

Every connection is configured the same way, by a ``connect`` listener, because SQLite keeps
most of these settings per connection and a pooled connection that missed them would silently
behave differently (e.g. ignore foreign keys):

* ``journal_mode=WAL`` — readers (the UI) never block the writer (the order manager) and a
  crash never leaves a half-written page in the main file;
* ``foreign_keys=ON`` — SQLite enforces foreign keys only when asked, per connection;
* ``busy_timeout`` — a short wait instead of an immediate "database is locked" when two of our
  own threads write at once, but short enough that a genuinely stuck lock surfaces quickly;
* ``synchronous=NORMAL`` — with WAL this is durable against an application crash (what the
  journal-first rule needs) and only risks the last commits on power loss, at a fraction of the
  fsync cost of FULL.

The engine also takes over ``BEGIN`` from Python's ``sqlite3`` module (SQLAlchemy's documented
recipe). In its legacy mode ``sqlite3`` does not begin a transaction before DDL or SELECT, so a
schema migration that fails halfway would leave half of its tables behind; with our own
``BEGIN`` a failed migration rolls back completely and SAVEPOINTs nest correctly.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry

BUSY_TIMEOUT_MS = 2000
"""How long a connection waits for another writer before failing with "database is locked"."""

PRAGMAS: tuple[str, ...] = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous=NORMAL",
)


def sqlite_url(path: Path | str) -> str:
    """The SQLAlchemy URL of a database file (absolute, so the process's cwd never matters)."""
    return make_url("sqlite://").set(database=str(Path(path).absolute())).render_as_string()


def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # ``Any`` because SQLAlchemy types the DBAPI connection as a protocol without
    # ``isolation_level``; with the stock driver it is always a ``sqlite3.Connection``.
    assert isinstance(dbapi_connection, sqlite3.Connection)
    # Stop sqlite3 from issuing (or skipping) BEGIN itself; ``_on_begin`` does it instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


IMMEDIATE = {"aistock_begin": "BEGIN IMMEDIATE"}
"""Execution options for a transaction that will write: it takes the write lock at ``BEGIN``.

A deferred transaction that reads first and writes later cannot wait for another writer: SQLite
fails its upgrade at once with "database is locked" (busy_timeout does not apply), because its
snapshot is already stale. Writers that read-modify-write (the order manager) begin IMMEDIATE,
so they queue for the lock instead; readers keep the cheap deferred BEGIN.
"""


def _on_begin(connection: Connection) -> None:
    connection.exec_driver_sql(str(connection.get_execution_options().get("aistock_begin", "BEGIN")))


def create_sqlite_engine(path: Path | str) -> Engine:
    """Create the engine for the database at ``path`` with our pragmas on every connection.

    The file is created on first connection if it does not exist; callers that must not create
    or touch a file (``open_store`` checking for corruption or a newer schema) inspect it with
    a raw ``sqlite3`` connection first.
    """
    engine = create_engine(sqlite_url(path))
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    return engine
