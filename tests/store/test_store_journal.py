"""The append-only journal: entries come back in the order they were written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from aistock.store import JournalRepository, Store, WorkstationHome, open_store


@pytest.fixture
def store(home: WorkstationHome) -> Iterator[Store]:
    with open_store(home) as opened:
        yield opened


def test_entries_append_and_read_back_in_order(store: Store) -> None:
    journal = JournalRepository(store)
    written = [
        journal.append("broker", "order", {"status": "submitted", "volume": 100}, key="o-1"),
        journal.append("broker", "trade", {"price": 10.5, "volume": 100}, key="o-1"),
        journal.append("user", "cancel", {"reason": "手动"}, key="o-2"),
        journal.append("broker", "order", {"status": "filled"}, key="o-1"),
    ]
    ids = [entry.id for entry in written if entry.id is not None]
    assert len(ids) == 4
    assert ids == sorted(ids) and len(set(ids)) == 4

    entries = journal.entries()
    assert [entry.id for entry in entries] == ids
    assert [journal.payload(entry) for entry in entries] == [
        {"status": "submitted", "volume": 100},
        {"price": 10.5, "volume": 100},
        {"reason": "手动"},
        {"status": "filled"},
    ]
    times = [entry.recorded_at for entry in entries]
    assert times == sorted(times) and all(t.utcoffset() is not None for t in times)


def test_entries_filter_and_resume(store: Store) -> None:
    journal = JournalRepository(store)
    first = journal.append("broker", "order", {"n": 1}, key="o-1")
    journal.append("broker", "trade", {"n": 2}, key="o-1")
    journal.append("user", "order", {"n": 3})
    journal.append("broker", "order", {"n": 4}, key="o-2")

    def payloads(**filters: object) -> list[object]:
        return [journal.payload(entry) for entry in journal.entries(**filters)]  # type: ignore[arg-type]

    assert payloads(source="broker", kind="order") == [{"n": 1}, {"n": 4}]
    assert payloads(key="o-1") == [{"n": 1}, {"n": 2}]
    assert first.id is not None
    assert payloads(after_id=first.id) == [{"n": 2}, {"n": 3}, {"n": 4}]
    assert payloads(after_id=first.id, limit=2) == [{"n": 2}, {"n": 3}]


def test_entries_survive_reopen(home: WorkstationHome) -> None:
    with open_store(home) as store:
        JournalRepository(store).append("broker", "order", {"n": 1})
    with open_store(home) as store:
        assert [JournalRepository.payload(e) for e in JournalRepository(store).entries()] == [{"n": 1}]


def test_ids_are_never_reused(store: Store) -> None:
    """AUTOINCREMENT: even if the newest row vanished, the next id is still larger."""
    journal = JournalRepository(store)
    last = journal.append("broker", "order", {})
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM journal WHERE id = :id"), {"id": last.id})
    again = journal.append("broker", "order", {})
    assert last.id is not None and again.id is not None
    assert again.id > last.id


def test_journal_indexes_exist(store: Store) -> None:
    from sqlalchemy import inspect

    indexes = {index["name"]: index["column_names"] for index in inspect(store.engine).get_indexes("journal")}
    assert indexes == {"ix_journal_source_kind": ["source", "kind"], "ix_journal_key": ["key"]}
