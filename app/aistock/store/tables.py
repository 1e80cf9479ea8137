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


# --- RD-Agent catalogs (revision 0003) -------------------------------------------------------
#
# One row per catalog entry, keyed exactly like RD-Agent keys it. ``raw_json`` keeps the entry as
# exported (the importer compares it to tell "changed" from "unchanged"); the other columns are
# the few fields the workstation queries or shows, copied out so nobody has to parse JSON to list
# loops. ``first_seen_run``/``last_seen_run`` point at ``rdagent_sync_run.id`` (no foreign key:
# sync history may be pruned without touching the catalog).


class RdagentFactor(SQLModel, table=True):
    """A factor from ``factor_catalog.json`` or an alpha meta file, keyed by (name, source)."""

    __tablename__ = "rdagent_factor"
    __table_args__ = (UniqueConstraint("name", "source", name="uq_rdagent_factor_name_source"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    source: str
    expression: str | None = None
    description: str | None = None
    tags_json: str
    raw_json: str
    first_seen_run: int | None = None
    last_seen_run: int | None = None
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class RdagentStrategy(SQLModel, table=True):
    """A strategy from ``strategy_catalog.json`` (its id hashes the workspace's YAML templates)."""

    __tablename__ = "rdagent_strategy"

    strategy_id: str = Field(primary_key=True)
    action: str | None = None
    step_name: str | None = None
    portfolio_config_json: str
    raw_json: str
    first_seen_run: int | None = None
    last_seen_run: int | None = None
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class RdagentLoop(SQLModel, table=True):
    """One loop × workspace row of ``loop_catalog.json``.

    ``workspace_path`` and ``log_dir`` are kept raw (RD-Agent's ``/mnt/f/...`` or ``F:\\...``
    paths); the path map turns them into local paths when they are used, so changing the map
    never needs a re-import. ``metrics_json`` holds the cleaned metrics (junk keys recovered,
    keys stripped), ``raw_json`` the entry as exported.
    """

    __tablename__ = "rdagent_loop"
    __table_args__ = (
        UniqueConstraint("task_run_id", "loop_id", "workspace_id", name="uq_rdagent_loop_key"),
        Index("ix_rdagent_loop_run_loop", "task_run_id", "loop_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_run_id: str
    loop_id: int
    workspace_id: str
    workspace_path: str | None = None
    log_dir: str | None = None
    action: str | None = None
    status: str | None = None
    has_result: bool | None = None
    materialization_status: str | None = None
    is_solidified: bool | None = None
    asset_bundle_id: str | None = None
    strategy_id: str | None = None
    factor_names_json: str
    metrics_json: str
    paths_json: str
    decision: bool | None = None
    raw_json: str
    first_seen_run: int | None = None
    last_seen_run: int | None = None
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class RdagentModel(SQLModel, table=True):
    """A model from ``model_catalog.json`` (one per loop workspace; the id hashes its config)."""

    __tablename__ = "rdagent_model"
    __table_args__ = (Index("ix_rdagent_model_loop", "task_run_id", "loop_id", "workspace_id"),)

    model_id: str = Field(primary_key=True)
    task_run_id: str | None = None
    loop_id: int | None = None
    workspace_id: str | None = None
    model_type: str | None = None
    model_config_json: str
    dataset_config_json: str
    feature_schema_json: str
    flattened_feature_list_json: str
    model_artifacts_json: str
    raw_json: str
    first_seen_run: int | None = None
    last_seen_run: int | None = None
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class RdagentSyncRun(SQLModel, table=True):
    """One ``aistock sync``: where from, how it ended, and the counts per catalog.

    A refused run (a malformed file) is recorded too, in a transaction of its own, so the
    history shows why nothing changed.
    """

    __tablename__ = "rdagent_sync_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    origin_kind: str  # 'dir' | 'url' | 'zip'
    origin_location: str
    status: str  # 'ok' | 'partial' | 'refused'
    counts_json: str
    message: str = ""


class RdagentSyncItem(SQLModel, table=True):
    """What one sync did to one catalog entry, with the reason when it was rejected."""

    __tablename__ = "rdagent_sync_item"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="rdagent_sync_run.id", index=True)
    catalog: str
    key: str
    outcome: str  # 'added' | 'changed' | 'unchanged' | 'rejected'
    reason: str | None = None


class RdagentArtifactFile(SQLModel, table=True):
    """The expected SHA-256 of one file of a loop workspace.

    ``origin`` says who vouches for it: ``registry`` (RD-Agent's registry, via the results API)
    or ``pinned`` (hashed by us at the first sync that could see the file). A model pickle is
    only ever loaded after its bytes match this hash.
    """

    __tablename__ = "rdagent_artifact_file"
    __table_args__ = (
        UniqueConstraint(
            "task_run_id", "loop_id", "workspace_id", "relpath", name="uq_rdagent_artifact_file_key"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_run_id: str
    loop_id: int
    workspace_id: str
    relpath: str
    sha256: str
    size_bytes: int | None = None
    origin: str  # 'registry' | 'pinned'
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class RdagentBundle(SQLModel, table=True):
    """A solidified production bundle stored on this machine (``workspaces/<ws>/...``)."""

    __tablename__ = "rdagent_bundle"

    asset_bundle_id: str = Field(primary_key=True)
    task_run_id: str
    loop_id: int
    primary_workspace_id: str
    local_dir: str
    manifest_json: str
    synced_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


RDAGENT_TABLES: tuple[type[SQLModel], ...] = (
    RdagentFactor,
    RdagentStrategy,
    RdagentLoop,
    RdagentModel,
    RdagentSyncRun,
    RdagentSyncItem,
    RdagentArtifactFile,
    RdagentBundle,
)
"""The RD-Agent catalog tables (revision 0003)."""


class SelectionRun(SQLModel, table=True):
    """One selection: which loop, which days, which universe and top-k, which model file."""

    __tablename__ = "selection_run"
    __table_args__ = (Index("ix_selection_run_loop", "task_run_id", "loop_id", "workspace_id"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    task_run_id: str
    loop_id: int
    workspace_id: str
    start_date: date
    end_date: date
    universe_json: str = "null"
    topk: int
    candidates: int
    data_source: str
    model_path: str
    details_json: str = "{}"


class SelectionCandidate(SQLModel, table=True):
    """One scored name of a selection run on one day (top-k have a non-zero target weight)."""

    __tablename__ = "selection_candidate"
    __table_args__ = (Index("ix_selection_candidate_run_day", "run_id", "trade_date"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="selection_run.id", ondelete="CASCADE")
    trade_date: date
    code: str
    score: float
    rank: int
    target_weight: float


SELECTION_TABLES: tuple[type[SQLModel], ...] = (SelectionRun, SelectionCandidate)
"""The selection service's tables (revision 0004)."""

# --- The order book (revision 0005) ----------------------------------------------------------
#
# ``order_event`` is the OMS's own append-only journal of everything a gateway reported (and
# every send it made), written *before* the event is applied; ``oms_cursor.last_event_id`` is
# the high-water mark of what has been applied, moved in the same transaction as the change it
# stands for. After a crash the events above the mark are replayed, idempotently. Money is kept
# in integer fen where the book computes it, and as the broker's floats where the broker said it.


class OrderEvent(SQLModel, table=True):
    """One gateway event, journaled before it is applied; never updated or deleted."""

    __tablename__ = "order_event"
    __table_args__ = (Index("ix_order_event_account", "account_id", "id"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    account_id: str
    received_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    kind: str
    key: str | None = None
    payload_json: str


class OmsCursor(SQLModel, table=True):
    """Per account: the last applied journal event and the next client order number."""

    __tablename__ = "oms_cursor"

    account_id: str = Field(primary_key=True)
    last_event_id: int = 0
    next_order_seq: int = 1
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class TradeOrder(SQLModel, table=True):
    """An order of ours (or one placed outside the workstation, ``origin='external'``)."""

    __tablename__ = "trade_order"
    __table_args__ = (
        Index("ux_trade_order_broker_id", "account_id", "broker_order_id", unique=True),
        Index("ix_trade_order_account_day", "account_id", "trading_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: str
    client_order_id: str = Field(unique=True)
    broker_order_id: int | None = None
    order_sysid: str = ""
    code: str
    side: str
    volume: int
    price_type: str
    price: float
    strategy: str = ""
    origin: str = "workstation"
    parent_client_order_id: str | None = None
    """For a child order a smart-algo task placed: the task's own (parent) order (rev. 0006)."""
    algo_json: str | None = None
    """For a smart-algo parent: its :class:`~aistock.core.orders.AlgoSpec` as JSON (rev. 0006)."""
    algo_task_id: int | None = None
    """For a smart-algo parent: the broker's task id once it answered (rev. 0006)."""
    status: str
    broker_status: int | None = None
    status_msg: str = ""
    reject_source: str | None = None
    cancel_requested: bool = False
    filled_volume: int = 0
    filled_amount_fen: int = 0
    fees_fen: int = 0
    broker_traded_volume: int = 0
    trading_day: date
    run_id: str
    not_found_checks: int = 0
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class TradeFill(SQLModel, table=True):
    """One execution, counted once per (account, trade id)."""

    __tablename__ = "trade_fill"
    __table_args__ = (
        UniqueConstraint("account_id", "trade_id", name="uq_trade_fill_account_trade"),
        Index("ix_trade_fill_account_day", "account_id", "trading_day"),
        Index("ix_trade_fill_order", "account_id", "client_order_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: str
    trade_id: str
    client_order_id: str
    broker_order_id: int
    code: str
    side: str
    volume: int
    price: float
    amount_fen: int
    fees_fen: int
    traded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    trading_day: date
    source: str  # 'push' | 'query'
    event_id: int
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class AccountAsset(SQLModel, table=True):
    """The account's cash: our ledger (start of day + fills) beside the broker's last word."""

    __tablename__ = "account_asset"

    account_id: str = Field(primary_key=True)
    mode: str = "paper"
    trading_day: date | None = None
    sod_cash_fen: int = 0
    cash_fen: int = 0
    broker_cash: float | None = None
    broker_frozen_cash: float | None = None
    broker_market_value: float | None = None
    broker_total_asset: float | None = None
    broker_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reconcile_state: str = "pending"
    buy_blocked: bool = True
    block_reason: str = "not reconciled with the broker yet"
    reconciled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class AccountPosition(SQLModel, table=True):
    """One holding: start-of-day volume plus today's fills, beside the broker's last word."""

    __tablename__ = "account_position"

    account_id: str = Field(primary_key=True)
    code: str = Field(primary_key=True)
    sod_volume: int = 0
    bought_today: int = 0
    sold_today: int = 0
    volume: int = 0
    broker_volume: int | None = None
    broker_can_use: int | None = None
    avg_price: float = 0.0
    last_price: float = 0.0
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class AccountReconcile(SQLModel, table=True):
    """One comparison of the book with the broker, and what differed."""

    __tablename__ = "account_reconcile"
    __table_args__ = (Index("ix_account_reconcile_account", "account_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: str
    at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    trigger: str
    matched: bool
    details_json: str


ORDER_BOOK_TABLES: tuple[type[SQLModel], ...] = (
    OrderEvent,
    OmsCursor,
    TradeOrder,
    TradeFill,
    AccountAsset,
    AccountPosition,
    AccountReconcile,
)
"""The OMS's tables (revision 0005)."""

from aistock.store.preview_tables import PREVIEW_TABLES  # noqa: E402  (built on the helpers above)
from aistock.store.risk_tables import RISK_TABLES  # noqa: E402  (it builds on the helpers above)

STORE_TABLES: tuple[type[SQLModel], ...] = (
    Setting,
    Instrument,
    DataSourceRecord,
    JournalEntry,
    *RDAGENT_TABLES,
    *SELECTION_TABLES,
    *ORDER_BOOK_TABLES,
    *RISK_TABLES,
    *PREVIEW_TABLES,
)
"""Every table the store owns, in creation order."""
