"""The tables of the local store, as SQLModel classes.

The schema itself is owned by the Alembic migrations in ``migrations/versions``; these classes
describe the same tables for the ORM and must stay in step with them (a test compares the two).
Adding a column therefore means adding a migration *and* editing the class here.

Times are stored as naive UTC in SQLite (which has no time zone type) and handed back as aware
UTC datetimes by :class:`UTCDateTime`, so nothing downstream ever has to guess whether a
timestamp is Beijing time or UTC. Free-form structures are stored as JSON text (``*_json``
columns) to keep the schema stable while their contents evolve.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, Dialect, Index, UniqueConstraint, false
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    """The current time as an aware UTC datetime (the default of every ``*_at`` column)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A DATETIME column that only accepts aware datetimes and returns them in UTC.

    A naive datetime is refused rather than assumed to be UTC: on a workstation in Beijing a
    naive ``datetime.now()`` is local time, and silently storing it as UTC would shift every
    record by eight hours.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (e.g. datetime.now(UTC))")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Setting(SQLModel, table=True):
    """One user or workstation setting; the value is JSON so any simple structure fits."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value_json: str
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Instrument(SQLModel, table=True):
    """A listed security (stock or index), keyed by its canonical code such as ``600000.SH``."""

    __tablename__ = "instrument"

    code: str = Field(primary_key=True)
    name: str
    board: str
    kind: str  # 'stock' | 'index'
    list_date: date | None = None
    delist_date: date | None = None
    is_st: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class DataSourceRecord(SQLModel, table=True):
    """A market-data source the workstation knows about: a qlib directory, xtdata or the demo.

    ``details_json`` keeps what differs per kind (the demo's seed, stock count and date range,
    a qlib directory's frequency...), so a new kind needs no migration.
    """

    __tablename__ = "data_source"
    __table_args__ = (UniqueConstraint("name", name="uq_data_source_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    kind: str  # 'qlib_dir' | 'xtdata' | 'demo'
    location: str
    built_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    details_json: str = Field(default="{}", sa_column_kwargs={"server_default": "{}"})


class JournalEntry(SQLModel, table=True):
    """One append-only journal record.

    The order manager writes every broker callback here *before* applying it, so that after a
    crash the state can be rebuilt by replaying the journal. Rows are never updated or deleted;
    ``AUTOINCREMENT`` guarantees ids are never reused, so ``id`` is the replay order even after
    the newest rows are rolled back.
    """

    __tablename__ = "journal"
    __table_args__ = (
        Index("ix_journal_source_kind", "source", "kind"),
        Index("ix_journal_key", "key"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    source: str
    kind: str
    key: str | None = None
    payload_json: str


STORE_TABLES: tuple[type[SQLModel], ...] = (Setting, Instrument, DataSourceRecord, JournalEntry)
"""Every table the store owns, in creation order."""
