"""Key/value settings kept in the database, so they travel with the home and its backups.

Values are JSON, so a setting can be a number, a string or a small structure (a window
layout, a list of watched codes) without a schema change per setting.
"""

from __future__ import annotations

from sqlalchemy.dialects.sqlite import insert
from sqlmodel import col, select

from aistock.store.jsontypes import JsonInput, JsonValue, dump_json, load_json
from aistock.store.store import Store
from aistock.store.tables import Setting, utc_now


class SettingsRepository:
    """Read and write :class:`~aistock.store.tables.Setting` rows as JSON values."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, key: str, default: JsonValue = None) -> JsonValue:
        """The value of ``key``, or ``default`` if it was never set."""
        with self._store.session() as session:
            row = session.get(Setting, key)
        if row is None:
            return default
        return load_json(row.value_json, what=f"Setting {key!r}")

    def set(self, key: str, value: JsonInput) -> None:
        """Store ``value`` under ``key`` (an atomic upsert, safe from several threads)."""
        text = dump_json(value, what=f"Setting {key!r}")
        now = utc_now()
        statement = insert(Setting).values(key=key, value_json=text, updated_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=[col(Setting.key)],
            set_={"value_json": text, "updated_at": now},
        )
        with self._store.session() as session:
            session.execute(statement)
            session.commit()

    def all(self) -> dict[str, JsonValue]:
        """Every setting, by key."""
        with self._store.session() as session:
            rows = session.exec(select(Setting).order_by(col(Setting.key))).all()
        return {row.key: load_json(row.value_json, what=f"Setting {row.key!r}") for row in rows}
