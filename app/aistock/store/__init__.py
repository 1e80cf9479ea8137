"""The local SQLite store: one database file per workstation home, versioned by Alembic.

Open it with :func:`open_store`; it locks the home, refuses files it must not touch (locked,
corrupt, or written by a newer AIstock), backs up before upgrading, and migrates to the newest
schema. This package imports only ``aistock.core`` of our own code and never Qt.
"""

from __future__ import annotations

from aistock.core.errors import StoreError
from aistock.store.engine import BUSY_TIMEOUT_MS, create_sqlite_engine, sqlite_url
from aistock.store.errors import (
    NewerSchemaError,
    StoreClosedError,
    StoreCorruptError,
    StoreLockedError,
    StoreMigrationError,
)
from aistock.store.home import HOME_ENV_VAR, WorkstationHome, default_home_root, resolve_home
from aistock.store.journal import JournalRepository
from aistock.store.jsontypes import JsonInput, JsonValue
from aistock.store.preview_tables import (
    PREVIEW_TABLES,
    PreviewAccount,
    PreviewEvent,
    PreviewPosition,
    PreviewSignal,
    PreviewStrategy,
    PreviewTrade,
)
from aistock.store.risk_tables import (
    RISK_TABLES,
    AccountNav,
    MonitorEvent,
    OrderPlan,
    TradingStateChange,
    TradingStateRow,
)
from aistock.store.schema import alembic_config, current_revision, head_revision
from aistock.store.settings import SettingsRepository
from aistock.store.store import Store, backup_database, open_store
from aistock.store.tables import (
    ORDER_BOOK_TABLES,
    RDAGENT_TABLES,
    SELECTION_TABLES,
    STORE_TABLES,
    AccountAsset,
    AccountPosition,
    AccountReconcile,
    DataSourceRecord,
    Instrument,
    JournalEntry,
    OmsCursor,
    OrderEvent,
    RdagentArtifactFile,
    RdagentBundle,
    RdagentFactor,
    RdagentLoop,
    RdagentModel,
    RdagentStrategy,
    RdagentSyncItem,
    RdagentSyncRun,
    SelectionCandidate,
    SelectionRun,
    Setting,
    TradeFill,
    TradeOrder,
    UTCDateTime,
    utc_now,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "HOME_ENV_VAR",
    "ORDER_BOOK_TABLES",
    "PREVIEW_TABLES",
    "RDAGENT_TABLES",
    "RISK_TABLES",
    "SELECTION_TABLES",
    "STORE_TABLES",
    "AccountAsset",
    "AccountNav",
    "AccountPosition",
    "AccountReconcile",
    "DataSourceRecord",
    "Instrument",
    "JournalEntry",
    "JournalRepository",
    "JsonInput",
    "JsonValue",
    "MonitorEvent",
    "NewerSchemaError",
    "OmsCursor",
    "OrderEvent",
    "OrderPlan",
    "PreviewAccount",
    "PreviewEvent",
    "PreviewPosition",
    "PreviewSignal",
    "PreviewStrategy",
    "PreviewTrade",
    "RdagentArtifactFile",
    "RdagentBundle",
    "RdagentFactor",
    "RdagentLoop",
    "RdagentModel",
    "RdagentStrategy",
    "RdagentSyncItem",
    "RdagentSyncRun",
    "SelectionCandidate",
    "SelectionRun",
    "Setting",
    "SettingsRepository",
    "Store",
    "StoreClosedError",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "StoreMigrationError",
    "TradeFill",
    "TradeOrder",
    "TradingStateChange",
    "TradingStateRow",
    "UTCDateTime",
    "WorkstationHome",
    "alembic_config",
    "backup_database",
    "create_sqlite_engine",
    "current_revision",
    "default_home_root",
    "head_revision",
    "open_store",
    "resolve_home",
    "sqlite_url",
    "utc_now",
]
