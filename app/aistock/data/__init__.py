"""Market data: :class:`DataService` and the sources behind it (DESIGN §5)."""

from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DEFAULT_FIELDS, SNAPSHOT_COLUMNS, DataService
from aistock.data.sources import (
    InstrumentInfo,
    InstrumentSpan,
    MarketDataSource,
    UnknownFieldError,
    UnknownInstrumentError,
)
from aistock.data.xtdata_source import XtdataSource

__all__ = [
    "DEFAULT_FIELDS",
    "SNAPSHOT_COLUMNS",
    "DataService",
    "InstrumentInfo",
    "InstrumentSpan",
    "MarketDataSource",
    "QlibProviderSource",
    "UnknownFieldError",
    "UnknownInstrumentError",
    "XtdataSource",
]
