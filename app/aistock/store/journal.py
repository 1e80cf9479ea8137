"""The append-only journal: write what happened first, apply it second.

The order manager appends every broker callback (and every user command) here in its own
committed transaction *before* acting on it. After a crash the workstation replays the entries
in ``id`` order; applying them must therefore be idempotent, which the ``key`` (e.g. a broker
order id) makes possible to check. Nothing in this module updates or deletes entries.
"""

from __future__ import annotations

from sqlmodel import col, select

from aistock.store.jsontypes import JsonInput, JsonValue, dump_json, load_json
from aistock.store.store import Store
from aistock.store.tables import JournalEntry, utc_now


class JournalRepository:
    """Append to and read back the :class:`~aistock.store.tables.JournalEntry` table."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def append(self, source: str, kind: str, payload: JsonInput, *, key: str | None = None) -> JournalEntry:
        """Durably record one event and return it with its id (the replay order)."""
        entry = JournalEntry(
            recorded_at=utc_now(),
            source=source,
            kind=kind,
            key=key,
            payload_json=dump_json(payload, what=f"Journal payload ({source}/{kind})"),
        )
        with self._store.session() as session:
            session.add(entry)
            session.commit()
            session.refresh(entry)
        return entry

    def entries(
        self,
        *,
        source: str | None = None,
        kind: str | None = None,
        key: str | None = None,
        after_id: int = 0,
        limit: int | None = None,
    ) -> list[JournalEntry]:
        """Entries with ``id > after_id`` matching the given filters, oldest first."""
        statement = select(JournalEntry).where(col(JournalEntry.id) > after_id)
        if source is not None:
            statement = statement.where(col(JournalEntry.source) == source)
        if kind is not None:
            statement = statement.where(col(JournalEntry.kind) == kind)
        if key is not None:
            statement = statement.where(col(JournalEntry.key) == key)
        statement = statement.order_by(col(JournalEntry.id))
        if limit is not None:
            statement = statement.limit(limit)
        with self._store.session() as session:
            return list(session.exec(statement).all())

    @staticmethod
    def payload(entry: JournalEntry) -> JsonValue:
        """The decoded payload of ``entry``."""
        return load_json(entry.payload_json, what=f"Journal entry {entry.id}")
