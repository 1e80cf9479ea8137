"""The engine's per-connection pragmas and its transactional DDL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from aistock.store import BUSY_TIMEOUT_MS, create_sqlite_engine


def test_every_connection_gets_the_pragmas(tmp_path: Path) -> None:
    engine = create_sqlite_engine(tmp_path / "a.db")
    try:
        # Two connections checked out at once: the pool must configure each of them.
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
                assert connection.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS
                assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        engine.dispose()


def test_ddl_is_rolled_back_with_its_transaction(tmp_path: Path) -> None:
    """Why the engine emits its own BEGIN: a half-applied migration must vanish on error."""
    engine = create_sqlite_engine(tmp_path / "a.db")
    try:
        with pytest.raises(OperationalError), engine.begin() as connection:
            connection.execute(text("CREATE TABLE first (x INTEGER)"))
            connection.execute(text("CREATE TABLE first (x INTEGER)"))  # fails: already exists
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = create_sqlite_engine(tmp_path / "a.db")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
            connection.execute(text("CREATE TABLE child (parent_id INTEGER REFERENCES parent(id))"))
        with pytest.raises(Exception, match="FOREIGN KEY"), engine.begin() as connection:
            connection.execute(text("INSERT INTO child (parent_id) VALUES (42)"))
    finally:
        engine.dispose()
