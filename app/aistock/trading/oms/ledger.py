"""The account ledger's arithmetic: start of day plus today's fills, compared with the broker.

Our book of an account is ``start-of-day + every fill of today``. The start of day is derived
once per trading day from the broker itself (its holdings minus what its own trade list says
happened today), so after that every later comparison is a real check: if our fills and the
broker's trades ever disagree, or something moved the account that no trade explains, the
difference shows up here to the share and to the fen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from aistock.core.fees import Side, yuan_to_fen


@dataclass(frozen=True, slots=True)
class LedgerTrade:
    """The part of a fill the ledger needs."""

    code: str
    side: Side
    volume: int
    amount_fen: int
    fees_fen: int


def amount_fen(volume: int, price: float) -> int:
    """Trade value in fen, the way the book prices it (price on the 0.01 grid × shares)."""
    return volume * yuan_to_fen(price)


def cash_effect_fen(trade: LedgerTrade) -> int:
    """What the trade did to cash: a buy pays value + fees, a sell receives value − fees."""
    if trade.side is Side.BUY:
        return -(trade.amount_fen + trade.fees_fen)
    return trade.amount_fen - trade.fees_fen


def volume_effect(trade: LedgerTrade) -> int:
    return trade.volume if trade.side is Side.BUY else -trade.volume


@dataclass(frozen=True, slots=True)
class StartOfDay:
    volumes: dict[str, int]
    cash_fen: int


def derive_start_of_day(
    broker_volumes: Mapping[str, int], broker_cash_fen: int, broker_trades: Iterable[LedgerTrade]
) -> StartOfDay:
    """Undo today's trades from the broker's current holdings and cash."""
    volumes = dict(broker_volumes)
    cash = broker_cash_fen
    for trade in broker_trades:
        volumes[trade.code] = volumes.get(trade.code, 0) - volume_effect(trade)
        cash -= cash_effect_fen(trade)
    return StartOfDay({code: v for code, v in volumes.items() if v != 0}, cash)


@dataclass(frozen=True, slots=True)
class Difference:
    """One thing the book and the broker disagree about."""

    what: str
    code: str
    ours: int
    broker: int

    def describe(self) -> str:
        unit = "fen" if self.what == "cash" else "shares"
        where = f" {self.code}" if self.code else ""
        return f"{self.what}{where}: book {self.ours} {unit}, broker {self.broker} {unit}"


def compare(
    our_volumes: Mapping[str, int],
    our_cash_fen: int,
    broker_volumes: Mapping[str, int],
    broker_cash_fen: int,
) -> list[Difference]:
    """Every holding and the cash, to the share and the fen; empty when they match."""
    out: list[Difference] = []
    for code in sorted(set(our_volumes) | set(broker_volumes)):
        ours, theirs = our_volumes.get(code, 0), broker_volumes.get(code, 0)
        if ours != theirs:
            out.append(Difference("position", code, ours, theirs))
    if our_cash_fen != broker_cash_fen:
        out.append(Difference("cash", "", our_cash_fen, broker_cash_fen))
    return out
