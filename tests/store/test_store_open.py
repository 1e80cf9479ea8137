"""``open_store``: create, upgrade with a backup, and refuse what it must not touch."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text
from sqlmodel import select

from aistock.store import (
    STORE_TABLES,
    Instrument,
    NewerSchemaError,
    Setting,
    Store,
    StoreClosedError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreMigrationError,
    WorkstationHome,
    alembic_config,
    current_revision,
    head_revision,
    open_store,
    utc_now,
)

Digest = Callable[[Path], str]
Builder = Callable[[WorkstationHome, str], Path]

RDAGENT_TABLE_NAMES = {
    "rdagent_factor",
    "rdagent_strategy",
    "rdagent_loop",
    "rdagent_model",
    "rdagent_sync_run",
    "rdagent_sync_item",
    "rdagent_artifact_file",
    "rdagent_bundle",
}
SELECTION_TABLE_NAMES = {"selection_run", "selection_candidate"}
ORDER_BOOK_TABLE_NAMES = {
    "order_event",
    "oms_cursor",
    "trade_order",
    "trade_fill",
    "account_asset",
    "account_position",
    "account_reconcile",
}
RISK_TABLE_NAMES = {"trading_state", "trading_state_change", "monitor_event", "account_nav", "order_plan"}
PREVIEW_TABLE_NAMES = {
    "preview_strategy",
    "preview_trade",
    "preview_position",
    "preview_account",
    "preview_event",
    "preview_signal",
}
ALL_TABLES = {
    "alembic_version",
    "setting",
    "instrument",
    "data_source",
    "journal",
    *RDAGENT_TABLE_NAMES,
    *SELECTION_TABLE_NAMES,
    *ORDER_BOOK_TABLE_NAMES,
    *RISK_TABLE_NAMES,
    *PREVIEW_TABLE_NAMES,
}


@pytest.fixture
def store(home: WorkstationHome) -> Iterator[Store]:
    with open_store(home) as opened:
        yield opened


def _seed_revision_0001(path: Path) -> None:
    """Rows an AIstock at revision 0001 could have written (raw SQL: today's models are newer)."""
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "INSERT INTO setting (key, value_json, updated_at) VALUES (?, ?, ?)",
            ("ui.theme", '"dark"', "2024-06-01 08:00:00.000000"),
        )
        connection.execute(
            "INSERT INTO instrument (code, name, board, kind, list_date, is_st, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("600000.SH", "浦发银行", "main", "stock", "1999-11-10", 0, "2024-06-01 08:00:00.000000"),
        )


def _table_names(path: Path) -> set[str]:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {str(row[0]) for row in rows} - {"sqlite_sequence"}


# --- a fresh home ----------------------------------------------------------------------------


def test_fresh_home_is_created_at_head_without_backup(home: WorkstationHome) -> None:
    with open_store(home) as store:
        assert home.backups_dir.is_dir()
        assert store.revision == head_revision() == "0007"
        assert store.backup_path is None
        assert set(inspect(store.engine).get_table_names()) == ALL_TABLES
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert list(home.backups_dir.iterdir()) == []
    assert current_revision(home.database_path) == head_revision()


def test_an_empty_file_counts_as_fresh(home: WorkstationHome) -> None:
    home.ensure()
    home.database_path.write_bytes(b"")
    with open_store(home) as store:
        assert store.revision == head_revision()
        assert store.backup_path is None
    assert list(home.backups_dir.iterdir()) == []


def test_models_match_the_migrations(store: Store) -> None:
    """``tables.py`` and ``migrations/versions`` describe the same schema (no drift)."""
    metadata = MetaData()
    for model in STORE_TABLES:
        model.__table__.to_metadata(metadata)  # type: ignore[attr-defined]  # set by SQLModel at class creation
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_reopening_an_up_to_date_database_makes_no_backup(home: WorkstationHome) -> None:
    with open_store(home):
        pass
    with open_store(home) as again:
        assert again.backup_path is None
        assert again.revision == head_revision()
    assert list(home.backups_dir.iterdir()) == []


# --- upgrading an older database -------------------------------------------------------------


def test_older_database_is_backed_up_then_upgraded(home: WorkstationHome, build_database_at: Builder) -> None:
    path = build_database_at(home, "0001")
    _seed_revision_0001(path)
    assert current_revision(path) == "0001"
    assert _table_names(path) == {"alembic_version", "setting", "instrument"}

    with open_store(home) as store:
        assert store.revision == head_revision()
        assert set(inspect(store.engine).get_table_names()) == ALL_TABLES
        with store.session() as session:
            setting = session.get(Setting, "ui.theme")
            instrument = session.get(Instrument, "600000.SH")
        assert setting is not None and setting.value_json == '"dark"'
        assert setting.updated_at.tzinfo is not None
        assert instrument is not None
        assert (instrument.name, instrument.list_date, instrument.is_st) == (
            "浦发银行",
            date(1999, 11, 10),
            False,
        )

        backup = store.backup_path
        assert backup is not None
        assert backup.parent == home.backups_dir
        assert backup.name.startswith("aistock-") and backup.name.endswith("-from-0001.db")
        assert list(home.backups_dir.iterdir()) == [backup]  # no .partial left behind

    # The backup is a whole database at the old revision, with the user's rows.
    assert current_revision(backup) == "0001"
    assert _table_names(backup) == {"alembic_version", "setting", "instrument"}
    with closing(sqlite3.connect(backup)) as connection:
        assert connection.execute("SELECT value_json FROM setting WHERE key = 'ui.theme'").fetchone() == (
            '"dark"',
        )
        assert connection.execute("SELECT name FROM instrument").fetchall() == [("浦发银行",)]
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_backup_names_do_not_collide(home: WorkstationHome, build_database_at: Builder) -> None:
    backups = []
    for _ in range(2):
        path = build_database_at(home, "0001")
        with open_store(home) as store:
            assert store.backup_path is not None
            backups.append(store.backup_path)
        path.unlink()
    assert backups[0] != backups[1]
    assert all(backup.exists() for backup in backups)


def test_failed_migration_rolls_back_and_names_the_backup(
    home: WorkstationHome, build_database_at: Builder
) -> None:
    path = build_database_at(home, "0001")
    _seed_revision_0001(path)
    # A stray table that makes 0002 fail after it has already created ``data_source``.
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE journal (whatever TEXT)")

    with pytest.raises(StoreMigrationError) as caught:
        open_store(home)

    backups = list(home.backups_dir.glob("aistock-*-from-0001.db"))
    assert len(backups) == 1
    message = str(caught.value)
    assert str(backups[0]) in message
    assert "0001" in message and head_revision() in message
    # Rolled back as a whole: still at 0001, no half-created table, the user's rows intact.
    assert current_revision(path) == "0001"
    assert "data_source" not in _table_names(path)
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT count(*) FROM instrument").fetchone() == (1,)
    assert current_revision(backups[0]) == "0001"
    # The failure released the home: the next attempt fails the same way, not as "locked".
    with pytest.raises(StoreMigrationError):
        open_store(home)


def test_migrations_downgrade_cleanly(home: WorkstationHome) -> None:
    with open_store(home):
        pass
    command.downgrade(alembic_config(home.database_path), "0001")
    assert current_revision(home.database_path) == "0001"
    assert _table_names(home.database_path) == {"alembic_version", "setting", "instrument"}


# --- refusing what must not be touched -------------------------------------------------------


def test_newer_schema_is_refused_untouched(
    home: WorkstationHome, build_database_at: Builder, digest: Digest
) -> None:
    path = build_database_at(home, "0002")
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    before = digest(path)

    with pytest.raises(NewerSchemaError) as caught:
        open_store(home)

    assert "ffff9999" in str(caught.value)
    assert str(path) in str(caught.value)
    assert "upgrade AIstock" in caught.value.fix
    assert digest(path) == before
    assert list(home.backups_dir.iterdir()) == []
    # The lock was released: a second try reports the same problem.
    with pytest.raises(NewerSchemaError):
        open_store(home)


@pytest.mark.parametrize(
    "garbage",
    [
        b"this is not a database, it is a shopping list\n" * 50,
        b"SQLite format 3\x00" + bytes(range(256)) * 16,  # right magic, wrong everything else
        b"\x00\x01",
    ],
    ids=["text", "bad-body", "tiny"],
)
def test_garbage_file_is_refused_untouched(home: WorkstationHome, digest: Digest, garbage: bytes) -> None:
    home.ensure()
    home.database_path.write_bytes(garbage)
    before = digest(home.database_path)

    with pytest.raises(StoreCorruptError) as caught:
        open_store(home)

    assert str(home.database_path) in str(caught.value)
    assert digest(home.database_path) == before
    assert home.database_path.stat().st_size == len(garbage)
    assert list(home.backups_dir.iterdir()) == []


def test_database_locked_by_another_connection_is_refused(home: WorkstationHome) -> None:
    with open_store(home):
        pass
    holder = sqlite3.connect(home.database_path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreLockedError) as caught:
            open_store(home)
        assert str(home.database_path) in str(caught.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_store(home) as store:  # usable again once the other program lets go
        assert store.revision == head_revision()


def test_rollback_journal_database_locked_exclusively_is_refused(home: WorkstationHome) -> None:
    """A database in the classic journal mode, where EXCLUSIVE blocks even readers."""
    home.ensure()
    with closing(sqlite3.connect(home.database_path)) as connection, connection:
        connection.execute("CREATE TABLE foreign_stuff (x INTEGER)")
    holder = sqlite3.connect(home.database_path, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreLockedError, match=r"aistock\.db"):
            open_store(home)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_second_store_on_the_same_home_is_refused(home: WorkstationHome) -> None:
    with open_store(home) as first:
        with pytest.raises(StoreLockedError) as caught:
            open_store(home)
        assert str(home.database_path) in str(caught.value)
        assert "another --home" in caught.value.fix
        assert not first.closed
    with open_store(home) as second:  # released by close()
        assert second.revision == head_revision()


def test_home_locked_by_another_process_is_refused(home: WorkstationHome) -> None:
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from aistock.store import WorkstationHome, open_store

        with open_store(WorkstationHome(Path(sys.argv[1]))):
            print("ready", flush=True)
            sys.stdin.readline()
        """
    )
    with subprocess.Popen(
        [sys.executable, "-c", script, str(home.root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None and child.stdin is not None
            assert child.stdout.readline().strip() == "ready"
            with pytest.raises(StoreLockedError, match="another AIstock"):
                open_store(home)
            child.stdin.write("\n")
            child.stdin.flush()
            assert child.wait(timeout=30) == 0
        finally:
            if child.poll() is None:
                child.kill()
    with open_store(home) as store:  # the other process has exited and let go
        assert store.revision == head_revision()


# --- the Store object ------------------------------------------------------------------------


def test_closed_store_refuses_use(home: WorkstationHome) -> None:
    store = open_store(home)
    store.close()
    store.close()  # idempotent
    assert store.closed
    with pytest.raises(StoreClosedError):
        store.session()
    assert isinstance(StoreClosedError("x"), StoreError)


def test_rows_round_trip_with_utc_times(store: Store) -> None:
    stamp = utc_now()
    with store.session() as session:
        session.add(
            Instrument(code="000300.SH", name="沪深300", board="index", kind="index", updated_at=stamp)
        )
        session.commit()
    with store.session() as session:
        rows = session.exec(select(Instrument)).all()
    assert [(row.code, row.is_st, row.list_date) for row in rows] == [("000300.SH", False, None)]
    assert rows[0].updated_at == stamp
    assert rows[0].updated_at.utcoffset() is not None


def test_naive_datetimes_are_refused(store: Store) -> None:
    from datetime import datetime

    with store.session() as session:
        session.add(Setting(key="k", value_json="1", updated_at=datetime(2024, 1, 1, 9, 30)))
        with pytest.raises(Exception, match="naive datetime"):
            session.commit()
