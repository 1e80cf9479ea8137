"""LiveFeedback export (seed §7.9): what one strategy instance did over one period, as JSON for RD-Agent.

RD-Agent's design sketches a "LiveFeedback" document (contract notes §10) that tells the research
side how a strategy behaved once it left the backtest: its returns and drawdown, how its orders
were filled and refused, and which risk events it ran into. Nothing on RD-Agent's side consumes
it yet, so the shape is ours to keep stable: a JSON Schema (``live_feedback.schema.json``, shipped
in this package) describes it, and every export is validated against that schema *before* it is
handed out or written, so a file on disk is always one a consumer can rely on.

One function reads; another writes:

* :func:`export_live_feedback` reads the store only (preview tables for a preview instance, the
  order book, NAV marks and monitoring events for a paper or live account) and returns the
  validated document as a JSON-ready ``dict``;
* :func:`write_live_feedback` writes it atomically (temporary file, then rename), so a failed
  export never leaves a half-written file nor destroys an earlier one of the same name.

Instances are named as people type them: ``preview:<id>`` (or just the id) for a preview
instance, ``paper:<account>`` / ``live:<account>`` for a broker account. Numbers that cannot be
computed (a Sharpe ratio from one day, a fill ratio with nothing ordered) are ``null``, never NaN,
because NaN is not JSON and a consumer would otherwise read a made-up zero.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlmodel import Session, col, func, select

from aistock.core.calendar import SHANGHAI
from aistock.core.errors import AistockError
from aistock.core.metrics import performance_summary
from aistock.store import (
    AccountAsset,
    AccountNav,
    MonitorEvent,
    PreviewAccount,
    PreviewEvent,
    PreviewStrategy,
    PreviewTrade,
    Store,
    TradeFill,
    TradeOrder,
    utc_now,
)

__all__ = [
    "EVENT_TYPES",
    "SCHEMA_RESOURCE",
    "SCHEMA_VERSION",
    "InstanceRef",
    "LiveFeedbackError",
    "export_live_feedback",
    "live_feedback_schema",
    "parse_instance",
    "validate_live_feedback",
    "write_live_feedback",
]

SCHEMA_VERSION = "1.0"
"""The version of the document's shape; bumped whenever a consumer would have to change."""

SCHEMA_RESOURCE = "live_feedback.schema.json"
"""The schema's file name inside the ``aistock.workflows`` package."""

SOURCE = "aistock-workstation"
CURRENCY = "CNY"

Env = Literal["preview", "paper", "live"]
EventType = Literal["risk_limit_hit", "drawdown_alert", "kill_switch", "qmt_error"]
EVENT_TYPES: tuple[EventType, ...] = ("risk_limit_hit", "drawdown_alert", "kill_switch", "qmt_error")
"""The event types RD-Agent's sketch names; anything else a monitor records stays out of the export."""

# Preview events the engine writes, and what they mean to RD-Agent. ``order_rejected`` is the
# *virtual* exchange refusing an order, not a broker (QMT) error, so it is counted, not listed.
_PREVIEW_EVENT_TYPES: dict[str, EventType] = {
    "risk_denial": "risk_limit_hit",
    "risk_shrink": "risk_limit_hit",
    "drawdown": "drawdown_alert",
}
# Monitoring kinds of a broker account (``trading_state`` is handled apart: only a HALT counts).
_MONITOR_EVENT_TYPES: dict[str, EventType] = {
    "risk_denial": "risk_limit_hit",
    "risk_shrink": "risk_limit_hit",
    "drawdown": "drawdown_alert",
    "kill_switch": "kill_switch",
    "disconnect": "qmt_error",
    "reconnect": "qmt_error",
    "order_rejected": "qmt_error",
}
# The kill-switch is global: its rows carry no account, yet they stop every account.
_GLOBAL_MONITOR_KINDS = ("kill_switch", "trading_state")
_ALGO_CHILD = "algo_child"  # trade_order.origin of an order a smart-algo task placed for a parent
_INSTANCE_HINT = (
    "write preview:<id> (or just the id) for a preview instance, or paper:<account id> / "
    "live:<account id> for a broker account"
)


class LiveFeedbackError(AistockError):
    """A LiveFeedback export that cannot be made: bad instance or period, no data, or an invalid document."""


# --------------------------------------------------------------------------- instances


@dataclass(frozen=True, slots=True)
class InstanceRef:
    """A parsed instance name: the environment and the preview id or broker account id."""

    env: Env
    key: str

    @property
    def instance_id(self) -> str:
        """The canonical spelling written into ``meta.strategy_instance_id`` (``preview:3``, ``paper:X``)."""
        return f"{self.env}:{self.key}"

    @property
    def preview_id(self) -> int:
        """The ``preview_strategy.id`` of a preview instance."""
        if self.env != "preview":
            raise LiveFeedbackError(f"instance {self.instance_id} is a broker account, not a preview")
        return int(self.key)


def parse_instance(text: str) -> InstanceRef:
    """``preview:<id>`` or a bare integer → a preview; ``paper:<acct>`` / ``live:<acct>`` → a broker account.

    The environment comes from the prefix and nowhere else, so a live account can never be
    reported as a rehearsal because of a guess.
    """
    raw = text.strip()
    if raw.isdigit():
        raw = f"preview:{raw}"
    prefix, sep, rest = raw.partition(":")
    prefix, rest = prefix.strip().lower(), rest.strip()
    if not sep or not rest or prefix not in ("preview", "paper", "live"):
        raise LiveFeedbackError(f"instance {text!r} is not understood", _INSTANCE_HINT)
    if prefix == "preview":
        if not rest.isdigit() or int(rest) <= 0:
            raise LiveFeedbackError(
                f"preview instance id {rest!r} in {text!r} is not a positive number",
                "write preview:<id> with the instance's number, e.g. preview:3",
            )
        return InstanceRef("preview", str(int(rest)))
    if any(ch.isspace() for ch in rest):
        raise LiveFeedbackError(f"account id {rest!r} in {text!r} contains spaces", _INSTANCE_HINT)
    env: Env = "paper" if prefix == "paper" else "live"
    return InstanceRef(env, rest)


# --------------------------------------------------------------------------- schema


@cache
def _schema_text() -> str:
    return resources.files("aistock.workflows").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")


def live_feedback_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every export is checked against; a fresh copy each call."""
    schema = json.loads(_schema_text())
    if not isinstance(schema, dict):  # pragma: no cover - the shipped file is an object
        raise LiveFeedbackError(f"{SCHEMA_RESOURCE} is not a JSON object", "reinstall AIstock")
    return schema


@cache
def _validator() -> Any:
    """The compiled validator (checked once: a broken shipped schema must fail loudly, not pass all)."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    schema = live_feedback_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


_REQUIRED_NAME = re.compile(r"^'(?P<name>[^']+)' is a required property$")


def _field_name(error: Any) -> str:
    """Where an error is, as ``meta.env`` / ``events[2].type``; a missing field names itself."""
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    if error.validator == "required":
        match = _REQUIRED_NAME.match(error.message)
        if match:
            name = match.group("name")
            text = f"{text}.{name}" if text else name
    return text or "(document)"


def validate_live_feedback(document: object) -> None:
    """Check ``document`` against the shipped schema (and the period's order); raise naming every bad field.

    All problems are listed at once, so whoever fixes a hand-edited or foreign document does
    not have to go round the loop once per field.
    """
    errors = sorted(_validator().iter_errors(document), key=lambda e: (_field_name(e), e.message))
    problems = [f"{_field_name(e)}: {e.message}" for e in errors]
    if not problems:
        period = document["meta"]["period"]  # type: ignore[index]  # the schema guarantees it
        if period["start_date"] > period["end_date"]:  # ISO dates order as strings
            problems.append(
                f"meta.period: start_date {period['start_date']} is after end_date {period['end_date']}"
            )
    if problems:
        raise LiveFeedbackError(
            f"the LiveFeedback document does not match schema {SCHEMA_VERSION}: " + "; ".join(problems),
            "if AIstock wrote it, please report this as a bug; otherwise correct the fields named",
        )


# --------------------------------------------------------------------------- what an instance did


@dataclass
class _Collected:
    """What the two readers (preview, broker) hand to the common document builder."""

    trading_days: list[date]
    values: list[float]
    """End-of-day total value (NAV) per trading day."""
    base_value: float
    """The value the first day's return is measured against."""
    traded: list[float]
    """Yuan traded per trading day (for turnover)."""
    slippage: list[tuple[float, float]] = field(default_factory=list)
    """(amount, bps) per fill that has a reference price."""
    trade_count: int = 0
    traded_value: float = 0.0
    orders: int = 0
    fill_ratio: float | None = None
    order_reject_count: int = 0
    risk_block_count: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    experiment_id: str | None = None
    strategy_config_hash: str | None = None
    factor_set_hash: str | None = None


def _iso_day(day: date) -> str:
    return day.isoformat()


def _local_time(at: datetime) -> str:
    """An aware timestamp in Beijing time (the market's clock), ISO 8601 with its offset."""
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI).isoformat()


def _context(text: str) -> dict[str, Any]:
    """A ``context_json`` column as an object; unreadable text is kept raw rather than dropped."""
    try:
        value = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {"raw": text}
    return value if isinstance(value, dict) else {"value": value}


def _event(at: datetime, kind: EventType, message: str, code: str, detail: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"at": _local_time(at), "type": kind, "message": message}
    if code:
        item["code"] = code
    item["detail"] = detail
    return item


def _bps(price: float, reference: float, side: str) -> float:
    """Fill price against the reference in basis points, positive when it cost us (buy higher, sell lower)."""
    raw = (price - reference) / reference * 1e4
    return -raw if side.lower() == "sell" else raw


def _factor_set_hash(names: Iterable[str]) -> str | None:
    """SHA-256 of the sorted, de-duplicated factor names (order in a catalog is not meaningful)."""
    unique = sorted({name for name in names if name})
    if not unique:
        return None
    text = json.dumps(unique, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _loop_identity(store: Store, source_ref: str) -> tuple[str | None, str | None]:
    """(experiment id ``task_run_id/loop_id``, factor-set hash) of a loop-sourced preview, as far as known.

    The factor set is only known when the loop is in the imported catalog; a preview whose loop
    was never synced (or is ambiguous) still exports, with a null hash instead of a guess.
    """
    from aistock.rdagent.catalog.repository import RdagentRepository
    from aistock.selection.loop_ref import parse_loop_ref

    try:
        ref = parse_loop_ref(source_ref)
    except AistockError:
        return None, None
    experiment = f"{ref.task_run_id}/{ref.loop_id}"
    try:
        loop = RdagentRepository(store).find_loop(ref.task_run_id, ref.loop_id, ref.workspace_id)
    except AistockError:
        return experiment, None
    return experiment, _factor_set_hash(loop.factor_names)


def _day_range(session: Session, column: Any, *where: Any) -> tuple[date | None, date | None]:
    first, last = session.exec(select(func.min(column), func.max(column)).where(*where)).one()
    return first, last


def _collect_preview(store: Store, ref: InstanceRef, start: date, end: date) -> _Collected:
    """A preview instance from its virtual book: settled days only, so every block covers the same days."""
    preview_id = ref.preview_id
    with store.session() as session:
        strategy = session.get(PreviewStrategy, preview_id)
        if strategy is None:
            raise LiveFeedbackError(
                f"preview instance {preview_id} does not exist in {store.path}",
                "check the instance number on the Preview page, or " + _INSTANCE_HINT,
            )
        owned = col(PreviewAccount.preview_id) == preview_id
        settled = col(PreviewAccount.settled).is_(True)
        accounts = session.exec(
            select(PreviewAccount)
            .where(
                owned,
                settled,
                col(PreviewAccount.trading_day) >= start,
                col(PreviewAccount.trading_day) <= end,
            )
            .order_by(col(PreviewAccount.trading_day))
        ).all()
        if not accounts:
            first, last = _day_range(session, PreviewAccount.trading_day, owned, settled)
            where = f"settled days run from {first} to {last}" if first else "no day is settled yet"
            raise LiveFeedbackError(
                f"preview instance {preview_id} ({strategy.name}) has no settled day "
                f"between {start} and {end}",
                f"its {where}; pick a period inside them (a day counts once its end-of-day settlement ran)",
            )
        last_day = accounts[-1].trading_day
        before = session.exec(
            select(PreviewAccount)
            .where(owned, settled, col(PreviewAccount.trading_day) < start)
            .order_by(col(PreviewAccount.trading_day).desc())
            .limit(1)
        ).first()
        trades = session.exec(
            select(PreviewTrade)
            .where(
                col(PreviewTrade.preview_id) == preview_id,
                col(PreviewTrade.trading_day) >= start,
                col(PreviewTrade.trading_day) <= last_day,
            )
            .order_by(col(PreviewTrade.at), col(PreviewTrade.id))
        ).all()
        events = session.exec(
            select(PreviewEvent)
            .where(
                col(PreviewEvent.preview_id) == preview_id,
                col(PreviewEvent.trading_day) >= start,
                col(PreviewEvent.trading_day) <= last_day,
            )
            .order_by(col(PreviewEvent.at), col(PreviewEvent.id))
        ).all()

    orders = sum(a.orders for a in accounts)
    planned = orders + sum(a.rejected for a in accounts)
    collected = _Collected(
        trading_days=[a.trading_day for a in accounts],
        values=[a.total_value for a in accounts],
        base_value=before.total_value if before is not None else strategy.initial_capital,
        traded=[a.turnover for a in accounts],
        slippage=[
            (t.amount, _bps(t.price, t.reference_price, t.side)) for t in trades if t.reference_price > 0
        ],
        trade_count=len(trades),
        traded_value=sum(t.amount for t in trades),
        orders=orders,
        fill_ratio=orders / planned if planned else None,
        order_reject_count=sum(1 for e in events if e.kind == "order_rejected"),
        risk_block_count=sum(1 for e in events if e.kind == "risk_denial"),
        events=[
            _event(
                e.at,
                _PREVIEW_EVENT_TYPES[e.kind],
                e.message,
                e.code,
                {"kind": e.kind, "trading_day": _iso_day(e.trading_day), "context": _context(e.context_json)},
            )
            for e in events
            if e.kind in _PREVIEW_EVENT_TYPES
        ],
        strategy_config_hash=strategy.config_hash or None,
        experiment_id=strategy.experiment_id or None,
    )
    if strategy.source_kind == "loop":
        experiment, factor_hash = _loop_identity(store, strategy.source_ref)
        collected.experiment_id = collected.experiment_id or experiment
        collected.factor_set_hash = factor_hash
    return collected


def _monitor_type(event: MonitorEvent, context: Mapping[str, Any]) -> EventType | None:
    if event.kind == "trading_state":
        return "kill_switch" if str(context.get("to", "")).lower() == "halted" else None
    return _MONITOR_EVENT_TYPES.get(event.kind)


def _period_utc(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's Beijing calendar days as a half-open UTC interval (event times are stored in UTC)."""
    first = datetime.combine(start, time(0), SHANGHAI).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)
    return first, after


def _is_top_level(order: TradeOrder) -> bool:
    """Our own orders, not the child orders a smart-algo task placed (those roll up into the parent)."""
    return order.origin != _ALGO_CHILD and order.parent_client_order_id is None


def _collect_account(store: Store, ref: InstanceRef, start: date, end: date) -> _Collected:
    """A paper or live account from the order book, its NAV marks and the monitoring record."""
    account = ref.key
    with store.session() as session:
        asset = session.get(AccountAsset, account)
        mine_nav = col(AccountNav.account_id) == account
        known = (
            asset is not None
            or session.exec(select(col(AccountNav.trading_day)).where(mine_nav).limit(1)).first() is not None
            or session.exec(
                select(col(TradeOrder.id)).where(col(TradeOrder.account_id) == account).limit(1)
            ).first()
            is not None
        )
        if not known:
            raise LiveFeedbackError(
                f"broker account {account!r} has no records in {store.path}",
                "check the account id (`aistock paper status` shows the demo account's), or "
                + _INSTANCE_HINT,
            )
        if asset is not None and asset.mode in ("paper", "live") and asset.mode != ref.env:
            raise LiveFeedbackError(
                f"account {account} is a {asset.mode} account, not a {ref.env} one",
                f"write {asset.mode}:{account}",
            )
        navs = session.exec(
            select(AccountNav)
            .where(mine_nav, col(AccountNav.trading_day) >= start, col(AccountNav.trading_day) <= end)
            .order_by(col(AccountNav.trading_day))
        ).all()
        if not navs:
            first, last = _day_range(session, AccountNav.trading_day, mine_nav)
            where = f"its NAV marks run from {first} to {last}" if first else "it has no NAV marks yet"
            raise LiveFeedbackError(
                f"{ref.env} account {account} has no NAV mark between {start} and {end}",
                f"{where}; pick a period inside them (marks are written whenever the risk engine values "
                "the account)",
            )
        before = session.exec(
            select(AccountNav)
            .where(mine_nav, col(AccountNav.trading_day) < start)
            .order_by(col(AccountNav.trading_day).desc())
            .limit(1)
        ).first()
        in_period = (
            col(TradeOrder.account_id) == account,
            col(TradeOrder.trading_day) >= start,
            col(TradeOrder.trading_day) <= end,
        )
        orders = [o for o in session.exec(select(TradeOrder).where(*in_period)).all() if _is_top_level(o)]
        fills = session.exec(
            select(TradeFill)
            .where(
                col(TradeFill.account_id) == account,
                col(TradeFill.trading_day) >= start,
                col(TradeFill.trading_day) <= end,
            )
            .order_by(col(TradeFill.trading_day), col(TradeFill.id))
        ).all()
        wanted = {f.client_order_id for f in fills}
        by_id = {
            o.client_order_id: o
            for o in session.exec(
                select(TradeOrder).where(
                    col(TradeOrder.account_id) == account, col(TradeOrder.client_order_id).in_(wanted)
                )
            ).all()
        }
        parents = {o.parent_client_order_id for o in by_id.values() if o.parent_client_order_id} - set(by_id)
        if parents:
            by_id |= {
                o.client_order_id: o
                for o in session.exec(
                    select(TradeOrder).where(
                        col(TradeOrder.account_id) == account, col(TradeOrder.client_order_id).in_(parents)
                    )
                ).all()
            }
        first_at, after = _period_utc(start, end)
        monitors = session.exec(
            select(MonitorEvent)
            .where(
                col(MonitorEvent.at) >= first_at,
                col(MonitorEvent.at) < after,
                (col(MonitorEvent.account_id) == account)
                | ((col(MonitorEvent.account_id) == "") & col(MonitorEvent.kind).in_(_GLOBAL_MONITOR_KINDS)),
            )
            .order_by(col(MonitorEvent.at), col(MonitorEvent.id))
        ).all()

    traded_by_day: dict[date, float] = {}
    slippage: list[tuple[float, float]] = []
    for fill in fills:
        amount = fill.amount_fen / 100 if fill.amount_fen > 0 else fill.price * fill.volume
        traded_by_day[fill.trading_day] = traded_by_day.get(fill.trading_day, 0.0) + amount
        order = by_id.get(fill.client_order_id)
        if order is not None and order.parent_client_order_id:
            order = by_id.get(order.parent_client_order_id, order)
        # Only a limit price says what the sender was prepared to pay; a market order has none.
        if order is not None and order.price_type == "limit" and order.price > 0:
            slippage.append((amount, _bps(fill.price, order.price, fill.side)))
    ordered = sum(o.volume for o in orders)
    events: list[dict[str, Any]] = []
    for m in monitors:
        context = _context(m.context_json)
        kind = _monitor_type(m, context)
        if kind is not None:
            detail = {"kind": m.kind, "severity": m.severity, "account_id": m.account_id, "context": context}
            events.append(_event(m.at, kind, m.message, m.code, detail))
    return _Collected(
        trading_days=[n.trading_day for n in navs],
        values=[n.last_nav for n in navs],
        base_value=before.last_nav if before is not None else navs[0].sod_nav,
        traded=[traded_by_day.get(n.trading_day, 0.0) for n in navs],
        slippage=slippage,
        trade_count=len(fills),
        traded_value=sum(traded_by_day.values()),
        orders=len(orders),
        fill_ratio=sum(o.filled_volume for o in orders) / ordered if ordered > 0 else None,
        order_reject_count=sum(1 for o in orders if o.status == "rejected"),
        risk_block_count=sum(1 for m in monitors if m.kind == "risk_denial" and m.account_id == account),
        events=events,
    )


# --------------------------------------------------------------------------- the document


def _finite(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _performance(collected: _Collected) -> dict[str, float | None]:
    """The trader's numbers (``performance_summary``: compounded, 252 days) over the period's days.

    Each day's return is its value against the day before; the first against ``base_value``
    (the last value before the period, or the starting capital). With a single day only the
    total return, the drawdown and turnover mean anything; the rest stay null.
    """
    index = pd.DatetimeIndex([pd.Timestamp(day) for day in collected.trading_days])
    previous = [collected.base_value, *collected.values[:-1]]
    returns = pd.Series(
        [
            value / prior - 1.0 if prior > 0 else math.nan
            for value, prior in zip(collected.values, previous, strict=True)
        ],
        index=index,
        dtype=float,
    )
    turnover = pd.Series(
        [
            traded / value if value > 0 else math.nan
            for traded, value in zip(collected.traded, collected.values, strict=True)
        ],
        index=index,
        dtype=float,
    )
    has_turnover = bool(turnover.notna().any())
    performance: dict[str, float | None] = dict.fromkeys(
        ("total_return", "annual_return", "max_drawdown", "volatility", "sharpe", "win_rate", "turnover")
    )
    usable = returns.dropna()
    if len(usable) >= 2:
        summary = performance_summary(returns, turnover=turnover if has_turnover else None)
        return performance | {
            "total_return": _finite(summary["total_return"]),
            "annual_return": _finite(summary["annual_return"]),
            "max_drawdown": _finite(summary["max_drawdown"]),
            "volatility": _finite(summary["annual_volatility"]),
            "sharpe": _finite(summary["sharpe"]),
            "win_rate": _finite(summary["win_rate"]),
            "turnover": _finite(summary["mean_turnover"]) if has_turnover else None,
        }
    performance["turnover"] = _finite(float(turnover.mean())) if has_turnover else None
    if len(usable) == 1:
        only = float(usable.iloc[0])
        performance |= {"total_return": _finite(only), "max_drawdown": _finite(min(0.0, only))}
    return performance


def _slippage(collected: _Collected) -> float | None:
    """Amount-weighted mean bps; 0 with no trades at all, null when trades had no reference price."""
    if collected.trade_count == 0:
        return 0.0
    weight = sum(amount for amount, _ in collected.slippage)
    if weight <= 0:
        return None
    return _finite(sum(amount * bps for amount, bps in collected.slippage) / weight)


def _clean(value: Any) -> Any:
    """Non-finite floats anywhere (also inside event contexts) become null: NaN is not JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _build(ref: InstanceRef, start: date, end: date, collected: _Collected, now: datetime) -> dict[str, Any]:
    return {
        "meta": {
            "schema_version": SCHEMA_VERSION,
            "source": SOURCE,
            "generated_at": now.astimezone(UTC).isoformat(timespec="seconds"),
            "strategy_instance_id": ref.instance_id,
            "experiment_id": collected.experiment_id,
            "env": ref.env,
            "currency": CURRENCY,
            "period": {"start_date": _iso_day(start), "end_date": _iso_day(end)},
            "trading_days": len(collected.trading_days),
        },
        "performance": _performance(collected),
        "execution": {
            "avg_slippage_bps": _slippage(collected),
            "fill_ratio": _finite(collected.fill_ratio),
            "order_reject_count": collected.order_reject_count,
            "risk_block_count": collected.risk_block_count,
            "orders": collected.orders,
            "trades": collected.trade_count,
            "traded_value": round(collected.traded_value, 2),
        },
        "events": collected.events,
        "strategy_config_hash": collected.strategy_config_hash,
        "factor_set_hash": collected.factor_set_hash,
    }


def export_live_feedback(
    store: Store, instance: str, start: date, end: date, *, now: datetime | None = None
) -> dict[str, Any]:
    """The validated LiveFeedback document of ``instance`` over ``start``…``end`` (trading days, inclusive).

    Reads the store and nothing else. ``now`` (aware) stamps ``meta.generated_at``; it defaults
    to the current time. Raises :class:`LiveFeedbackError` for an unknown instance, a reversed
    period, a period without data, or (a bug) a document that fails its own schema.
    """
    ref = parse_instance(instance)
    if start > end:
        raise LiveFeedbackError(
            f"the period starts on {start}, after its end {end}",
            "swap --start and --end (both are inclusive)",
        )
    collect = _collect_preview if ref.env == "preview" else _collect_account
    collected = collect(store, ref, start, end)
    stamp = now if now is not None else utc_now()
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise LiveFeedbackError(f"generated_at {stamp!r} has no time zone", "pass an aware datetime")
    document: dict[str, Any] = _clean(_build(ref, start, end, collected, stamp))
    validate_live_feedback(document)
    return document


def write_live_feedback(
    store: Store, instance: str, start: date, end: date, out: Path, *, now: datetime | None = None
) -> Path:
    """Export and write ``out`` as UTF-8 JSON (indent 2) atomically; returns the path written.

    The document is built and validated before any file is touched, then written to a
    temporary file beside ``out``, flushed to disk and renamed over it: an earlier file of the
    same name survives any failure intact, and a reader never sees half a document.
    """
    target = Path(out).expanduser()
    if target.is_dir():
        raise LiveFeedbackError(f"output {target} is a folder", "name a file, e.g. feedback.json")
    if not target.parent.is_dir():
        raise LiveFeedbackError(
            f"output folder {target.parent} does not exist", "create it first or pick another --out"
        )
    document = export_live_feedback(store, instance, start, end, now=now)
    text = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    handle, partial_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    partial = Path(partial_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        partial.chmod(0o644)  # mkstemp's 0600 would hide the file from the consumer's account
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise LiveFeedbackError(
            f"could not write {target} ({exc})", "check that the folder is writable and the disk has space"
        ) from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target
