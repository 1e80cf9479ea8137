"""LiveFeedback export: real SQLite stores, numbers recomputed here from the rows inserted.

Each scenario inserts rows straight into the tables the preview engine and the OMS write, then
recomputes every exported number in the test from those rows with plain arithmetic (``math``
and ``statistics``, not the metrics module the exporter uses), so a wrong window, a wrong base
value, a swapped sign or a missed filter makes a test fail.
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from aistock.cli_feedback import feedback_app
from aistock.core.calendar import SHANGHAI
from aistock.store import (
    AccountAsset,
    AccountNav,
    MonitorEvent,
    PreviewAccount,
    PreviewEvent,
    PreviewStrategy,
    PreviewTrade,
    RdagentLoop,
    Store,
    TradeFill,
    TradeOrder,
    WorkstationHome,
    open_store,
)
from aistock.workflows.live_feedback import (
    LiveFeedbackError,
    export_live_feedback,
    live_feedback_schema,
    parse_instance,
    validate_live_feedback,
    write_live_feedback,
)

NOW = datetime(2025, 11, 24, 8, 0, tzinfo=UTC)
DAYS = [date(2025, 11, 17), date(2025, 11, 18), date(2025, 11, 19), date(2025, 11, 20), date(2025, 11, 21)]
ACCOUNT = "PAPER1"


def _bj(day: date, hour: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as an aware UTC datetime (how the tables store it)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def home(tmp_path: Path) -> WorkstationHome:
    return WorkstationHome(tmp_path / "home").ensure()


@pytest.fixture
def store(home: WorkstationHome) -> Iterator[Store]:
    with open_store(home) as opened:
        yield opened


def _add(store: Store, *rows: Any) -> None:
    with store.session() as session:
        for row in rows:
            session.add(row)
            session.flush()
        session.commit()


# --------------------------------------------------------------------------- preview scenario


@dataclass
class PreviewSeed:
    preview_id: int
    initial: float
    accounts: list[PreviewAccount]
    """Settled days only, oldest first."""
    trades: list[PreviewTrade]
    """Trades of settled days only."""
    events: list[PreviewEvent]
    """Events of settled days only."""
    extra: list[Any] = field(default_factory=list)


def _seed_preview(store: Store, *, source_kind: str = "loop", with_catalog: bool = True) -> PreviewSeed:
    initial = 1_000_000.0
    strategy = PreviewStrategy(
        name="loop preview",
        source_kind=source_kind,
        source_ref="abc123/2/ws1" if source_kind == "loop" else "/tmp/signals.csv",
        strategy_id="s-1",
        experiment_id="",
        initial_capital=initial,
        config_hash="cfg-5f3a" if source_kind == "loop" else "",
        start_date=DAYS[0],
        settled_through=DAYS[3],
    )
    _add(store, strategy)
    assert strategy.id is not None
    pid = strategy.id
    if with_catalog:
        _add(
            store,
            RdagentLoop(
                task_run_id="abc123",
                loop_id=2,
                workspace_id="ws1",
                factor_names_json=json.dumps(["MOM_5D", "VOL_20D", "MOM_5D"]),
                metrics_json="{}",
                paths_json="{}",
                raw_json="{}",
            ),
        )
    totals = [1_004_000.0, 996_500.0, 1_012_000.0, 1_009_000.0]  # settled; a loss day, a drawdown
    turnovers = [300_000.0, 120_000.0, 0.0, 210_000.0]
    orders = [3, 1, 0, 2]
    rejected = [2, 0, 0, 1]  # refusals by risk rules and the virtual exchange together
    accounts = [
        PreviewAccount(
            preview_id=pid,
            trading_day=day,
            cash_fen=0,
            realized_pnl_fen=0,
            fees_paid_fen=0,
            cash=100_000.0,
            market_value=total - 100_000.0,
            total_value=total,
            daily_pnl=0.0,
            cum_pnl=total - initial,
            peak_value=total,
            turnover=turnover,
            orders=n,
            rejected=r,
            settled=True,
        )
        for day, total, turnover, n, r in zip(DAYS[:4], totals, turnovers, orders, rejected, strict=True)
    ]
    today = PreviewAccount(  # the running day: marked every minute, not settled — must not count
        preview_id=pid,
        trading_day=DAYS[4],
        cash_fen=0,
        realized_pnl_fen=0,
        fees_paid_fen=0,
        cash=1.0,
        market_value=2_000_000.0,
        total_value=2_000_001.0,
        daily_pnl=0.0,
        cum_pnl=0.0,
        peak_value=2_000_001.0,
        turnover=9_999_999.0,
        orders=50,
        rejected=50,
        settled=False,
    )

    def trade(day: date, code: str, side: str, price: float, volume: int, ref: float) -> PreviewTrade:
        return PreviewTrade(
            preview_id=pid,
            trading_day=day,
            at=_bj(day, 9, 31),
            code=code,
            side=side,
            price=price,
            volume=volume,
            amount=price * volume,
            reference_price=ref,
        )

    trades = [
        trade(DAYS[0], "600000.SH", "buy", 10.02, 10_000, 10.00),
        trade(DAYS[0], "000001.SZ", "buy", 12.00, 8_000, 12.01),
        trade(DAYS[0], "600519.SH", "sell", 1500.0, 100, 1503.0),
        trade(DAYS[1], "600000.SH", "sell", 10.10, 5_000, 10.05),
        trade(DAYS[3], "000001.SZ", "buy", 12.50, 8_000, 12.40),
        trade(DAYS[3], "300750.SZ", "sell", 200.0, 400, 0.0),  # no reference price: out of slippage
    ]
    late_trade = trade(DAYS[4], "600000.SH", "buy", 99.0, 100_000, 1.0)  # unsettled day

    def event(day: date, hour: int, kind: str, code: str = "", message: str = "") -> PreviewEvent:
        return PreviewEvent(
            preview_id=pid,
            at=_bj(day, hour),
            trading_day=day,
            kind=kind,
            code=code,
            message=message or f"{kind} on {day}",
            context_json=json.dumps({"limit": 0.1, "seen": kind}),
        )

    events = [
        event(DAYS[0], 10, "risk_denial", "600000.SH"),
        event(DAYS[0], 11, "order_rejected", "000001.SZ"),
        event(DAYS[1], 10, "risk_shrink", "600519.SH"),
        event(DAYS[1], 14, "drawdown", message="drawdown 0.75% from peak"),
        event(DAYS[2], 9, "catch_up"),
        event(DAYS[2], 10, "note"),
        event(DAYS[3], 10, "risk_denial", "300750.SZ"),
        event(DAYS[3], 13, "order_rejected", "600000.SH"),
    ]
    late_event = event(DAYS[4], 10, "risk_denial", "600000.SH")
    _add(store, *accounts, today, *trades, late_trade, *events, late_event)
    return PreviewSeed(pid, initial, accounts, trades, events, [today, late_trade, late_event])


def _expected_performance(base: float, values: list[float], traded: list[float]) -> dict[str, float]:
    """The trader's numbers by hand: compounded NAV from ``base``, 252-day annualisation."""
    prior = [base, *values[:-1]]
    returns = [v / p - 1 for v, p in zip(values, prior, strict=True)]
    nav, peak, worst = 1.0, 1.0, 0.0
    for r in returns:
        nav *= 1 + r
        peak = max(peak, nav)
        worst = min(worst, nav / peak - 1)
    total = values[-1] / base - 1
    stdev = statistics.stdev(returns)
    return {
        "total_return": total,
        "annual_return": (1 + total) ** (252 / len(returns)) - 1,
        "max_drawdown": worst,
        "volatility": stdev * math.sqrt(252),
        "sharpe": statistics.mean(returns) / stdev * math.sqrt(252),
        "win_rate": sum(r > 0 for r in returns) / len(returns),
        "turnover": statistics.mean(t / v for t, v in zip(traded, values, strict=True)),
    }


def _weighted_bps(pairs: list[tuple[float, float, float, str]]) -> float:
    """(amount, price, reference, side) → amount-weighted bps, positive = paid more / received less."""
    total = sum(amount for amount, *_ in pairs)
    signed = 0.0
    for amount, price, ref, side in pairs:
        bps = (price - ref) / ref * 10_000
        signed += amount * (bps if side == "buy" else -bps)
    return signed / total


def _assert_close(actual: dict[str, Any], expected: dict[str, float]) -> None:
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def test_preview_export_matches_the_rows(store: Store) -> None:
    seed = _seed_preview(store)
    doc = export_live_feedback(store, f"preview:{seed.preview_id}", DAYS[0], DAYS[4], now=NOW)
    validate_live_feedback(doc)  # what the exporter returns is valid as it stands

    meta = doc["meta"]
    assert meta["strategy_instance_id"] == f"preview:{seed.preview_id}"
    assert meta["env"] == "preview" and meta["currency"] == "CNY" and meta["schema_version"] == "1.0"
    assert meta["period"] == {"start_date": "2025-11-17", "end_date": "2025-11-21"}
    assert meta["generated_at"] == "2025-11-24T08:00:00+00:00"
    assert meta["trading_days"] == len(seed.accounts)
    assert meta["experiment_id"] == "abc123/2"  # no experiment_id stored: the loop's task_run_id/loop_id

    _assert_close(
        doc["performance"],
        _expected_performance(
            seed.initial, [a.total_value for a in seed.accounts], [a.turnover for a in seed.accounts]
        ),
    )
    assert doc["performance"]["total_return"] == pytest.approx(
        seed.accounts[-1].total_value / seed.initial - 1
    )

    execution = doc["execution"]
    filled, refused = sum(a.orders for a in seed.accounts), sum(a.rejected for a in seed.accounts)
    assert execution["fill_ratio"] == pytest.approx(filled / (filled + refused))
    assert execution["orders"] == filled
    assert execution["trades"] == len(seed.trades)
    assert execution["traded_value"] == pytest.approx(sum(t.amount for t in seed.trades), abs=0.01)
    assert execution["order_reject_count"] == sum(e.kind == "order_rejected" for e in seed.events)
    assert execution["risk_block_count"] == sum(e.kind == "risk_denial" for e in seed.events)
    priced = [(t.amount, t.price, t.reference_price, t.side) for t in seed.trades if t.reference_price > 0]
    assert execution["avg_slippage_bps"] == pytest.approx(_weighted_bps(priced))

    expected_types = {
        "risk_denial": "risk_limit_hit",
        "risk_shrink": "risk_limit_hit",
        "drawdown": "drawdown_alert",
    }
    listed = [e for e in seed.events if e.kind in expected_types]
    assert [e["type"] for e in doc["events"]] == [expected_types[e.kind] for e in listed]
    assert [e["message"] for e in doc["events"]] == [e.message for e in listed]
    for item, row in zip(doc["events"], listed, strict=True):
        at = datetime.fromisoformat(item["at"])
        assert at.utcoffset() == timedelta(hours=8) and at == row.at  # Beijing time, same instant
        assert item.get("code", "") == row.code
        assert item["detail"]["kind"] == row.kind and item["detail"]["context"] == json.loads(
            row.context_json
        )

    assert doc["strategy_config_hash"] == "cfg-5f3a"
    names = json.dumps(["MOM_5D", "VOL_20D"], separators=(",", ":"))
    assert doc["factor_set_hash"] == hashlib.sha256(names.encode()).hexdigest()


def test_preview_period_inside_history_uses_the_previous_settled_value(store: Store) -> None:
    seed = _seed_preview(store)
    doc = export_live_feedback(store, str(seed.preview_id), DAYS[2], DAYS[3], now=NOW)  # a bare id
    inside = seed.accounts[2:4]
    base = seed.accounts[1].total_value
    _assert_close(
        doc["performance"],
        _expected_performance(base, [a.total_value for a in inside], [a.turnover for a in inside]),
    )
    assert doc["meta"]["trading_days"] == 2
    kinds = [e.kind for e in seed.events if e.trading_day in (DAYS[2], DAYS[3])]
    assert doc["execution"]["risk_block_count"] == kinds.count("risk_denial") == 1
    assert len(doc["events"]) == 1 and doc["events"][0]["code"] == "300750.SZ"


def test_a_single_day_leaves_dispersion_metrics_null(store: Store) -> None:
    seed = _seed_preview(store)
    doc = export_live_feedback(store, f"preview:{seed.preview_id}", DAYS[1], DAYS[1], now=NOW)
    perf = doc["performance"]
    day_return = seed.accounts[1].total_value / seed.accounts[0].total_value - 1
    assert day_return < 0
    assert perf["total_return"] == pytest.approx(day_return)
    assert perf["max_drawdown"] == pytest.approx(day_return)
    assert perf["turnover"] == pytest.approx(seed.accounts[1].turnover / seed.accounts[1].total_value)
    assert perf["annual_return"] is None and perf["volatility"] is None and perf["sharpe"] is None
    assert perf["win_rate"] is None


def test_file_preview_without_catalog_has_null_hashes(store: Store) -> None:
    seed = _seed_preview(store, source_kind="file", with_catalog=False)
    doc = export_live_feedback(store, f"preview:{seed.preview_id}", DAYS[0], DAYS[3], now=NOW)
    assert doc["meta"]["experiment_id"] is None
    assert doc["strategy_config_hash"] is None and doc["factor_set_hash"] is None


def test_loop_preview_missing_from_catalog_keeps_experiment_but_no_factor_hash(store: Store) -> None:
    seed = _seed_preview(store, with_catalog=False)
    doc = export_live_feedback(store, f"preview:{seed.preview_id}", DAYS[0], DAYS[3], now=NOW)
    assert doc["meta"]["experiment_id"] == "abc123/2"
    assert doc["factor_set_hash"] is None and doc["strategy_config_hash"] == "cfg-5f3a"


# --------------------------------------------------------------------------- broker account scenario


@dataclass
class AccountSeed:
    navs: list[AccountNav]
    orders: list[TradeOrder]
    fills: list[TradeFill]
    events: list[MonitorEvent]


def _order(
    cid: str, side: str, volume: int, price: float, status: str, filled: int, **extra: Any
) -> TradeOrder:
    fields: dict[str, Any] = {
        "account_id": ACCOUNT,
        "client_order_id": cid,
        "code": "600000.SH",
        "side": side,
        "volume": volume,
        "price_type": "limit",
        "price": price,
        "status": status,
        "filled_volume": filled,
        "trading_day": DAYS[2],
        "run_id": "run-1",
    } | extra
    return TradeOrder(**fields)


def _seed_account(store: Store, mode: str = "paper") -> AccountSeed:
    navs = [
        AccountNav(
            account_id=ACCOUNT,
            trading_day=day,
            sod_nav=sod,
            high_nav=hi,
            low_nav=lo,
            last_nav=last,
            peak_nav=pk,
        )
        for day, sod, hi, lo, last, pk in [
            (DAYS[0], 500_000.0, 501_000.0, 499_000.0, 500_500.0, 501_000.0),
            (DAYS[1], 500_400.0, 503_000.0, 500_000.0, 502_000.0, 503_000.0),
            (DAYS[2], 502_100.0, 502_500.0, 494_000.0, 495_000.0, 503_000.0),
            (DAYS[3], 495_200.0, 499_800.0, 495_000.0, 499_000.0, 503_000.0),
        ]
    ]
    orders = [
        _order("o1", "buy", 1000, 10.00, "filled", 1000, broker_order_id=1),
        _order("o2", "sell", 500, 20.00, "cancelled", 300, broker_order_id=2),
        _order("o3", "buy", 200, 5.00, "rejected", 0, broker_order_id=3),
        _order("o4", "buy", 100, 0.0, "filled", 100, price_type="latest", broker_order_id=4),
        _order("p1", "buy", 2000, 15.00, "cancelled", 1500, algo_json="{}", trading_day=DAYS[3]),
        _order(
            "p1/11",
            "buy",
            1000,
            15.02,  # the price the algo's child went out at; slippage is against the parent's limit
            "filled",
            1000,
            origin="algo_child",
            parent_client_order_id="p1",
            broker_order_id=11,
            trading_day=DAYS[3],
        ),
        _order(
            "p1/12",
            "buy",
            1000,
            15.04,
            "cancelled",
            500,
            origin="algo_child",
            parent_client_order_id="p1",
            broker_order_id=12,
            trading_day=DAYS[3],
        ),
        _order(
            "old", "buy", 700, 9.00, "rejected", 0, broker_order_id=20, trading_day=DAYS[0]
        ),  # before period
        _order(
            "x1", "buy", 900, 9.00, "rejected", 0, account_id="OTHER", broker_order_id=30
        ),  # other account
    ]

    def fill(tid: str, cid: str, side: str, volume: int, price: float, day: date, **extra: Any) -> TradeFill:
        fields: dict[str, Any] = {
            "account_id": ACCOUNT,
            "trade_id": tid,
            "client_order_id": cid,
            "broker_order_id": 0,
            "code": "600000.SH",
            "side": side,
            "volume": volume,
            "price": price,
            "amount_fen": round(price * volume * 100),
            "fees_fen": 500,
            "trading_day": day,
            "source": "push",
            "event_id": 1,
        } | extra
        return TradeFill(**fields)

    fills = [
        fill("t1", "o1", "buy", 600, 10.00, DAYS[2]),
        fill("t2", "o1", "buy", 400, 9.99, DAYS[2]),
        fill("t3", "o2", "sell", 300, 20.02, DAYS[2]),
        fill("t4", "o4", "buy", 100, 8.00, DAYS[2]),
        fill("t5", "p1/11", "buy", 1000, 15.01, DAYS[3]),
        fill("t6", "p1/12", "buy", 500, 15.03, DAYS[3]),
    ]
    other_fills = [
        fill("t0", "old", "buy", 100, 9.00, DAYS[0]),  # before the period
        fill("tx", "x1", "buy", 100, 9.00, DAYS[2], account_id="OTHER"),
    ]

    def monitor(at: datetime, kind: str, account: str = ACCOUNT, **context: Any) -> MonitorEvent:
        return MonitorEvent(
            at=at,
            kind=kind,
            severity="warning",
            account_id=account,
            code="600000.SH" if account else "",
            message=f"{kind} at {at:%H:%M}",
            context_json=json.dumps(context),
        )

    events = [
        monitor(_bj(DAYS[2], 0, 30), "risk_denial"),  # 16:30 UTC the day before: inside in Beijing time
        monitor(_bj(DAYS[2], 10), "risk_shrink"),
        monitor(_bj(DAYS[2], 10, 5), "risk_denial"),
        monitor(_bj(DAYS[2], 10, 6), "stale_quote"),
        monitor(_bj(DAYS[2], 11), "drawdown"),
        monitor(_bj(DAYS[2], 13), "disconnect", oms_kind="connection"),
        monitor(_bj(DAYS[2], 13, 1), "reconnect", oms_kind="reconnected"),
        monitor(_bj(DAYS[3], 9, 40), "order_rejected", oms_kind="order_rejected"),
        monitor(_bj(DAYS[3], 9, 45), "reconcile_mismatch"),
        monitor(_bj(DAYS[3], 10), "kill_switch", account="", by="cli"),  # global: stops every account
        monitor(_bj(DAYS[3], 10), "trading_state", account="", to="halted"),
        monitor(_bj(DAYS[3], 14), "trading_state", account="", to="active"),  # a release is no event
    ]
    outside = [
        monitor(_bj(DAYS[1], 23, 59), "risk_denial"),  # the evening before the period (Beijing)
        monitor(_bj(DAYS[2], 10), "risk_denial", account="OTHER"),
        monitor(_bj(DAYS[4], 10), "kill_switch", account=""),  # after the period
    ]
    _add(
        store,
        AccountAsset(account_id=ACCOUNT, mode=mode),
        *navs,
        *orders,
        *fills,
        *other_fills,
        *events,
        *outside,
    )
    return AccountSeed(navs, orders, fills, events)


def test_paper_account_export_matches_the_rows(store: Store) -> None:
    seed = _seed_account(store)
    doc = export_live_feedback(store, f"paper:{ACCOUNT}", DAYS[2], DAYS[3], now=NOW)
    validate_live_feedback(doc)
    assert doc["meta"]["env"] == "paper" and doc["meta"]["strategy_instance_id"] == f"paper:{ACCOUNT}"
    assert doc["meta"]["experiment_id"] is None and doc["meta"]["trading_days"] == 2

    inside = [n for n in seed.navs if DAYS[2] <= n.trading_day <= DAYS[3]]
    base = seed.navs[1].last_nav  # the last mark before the period
    traded = [sum(f.amount_fen for f in seed.fills if f.trading_day == n.trading_day) / 100 for n in inside]
    _assert_close(doc["performance"], _expected_performance(base, [n.last_nav for n in inside], traded))

    top = [
        o
        for o in seed.orders
        if o.account_id == ACCOUNT
        and DAYS[2] <= o.trading_day <= DAYS[3]
        and o.parent_client_order_id is None
    ]
    assert {o.client_order_id for o in top} == {"o1", "o2", "o3", "o4", "p1"}
    execution = doc["execution"]
    assert execution["orders"] == len(top)
    assert execution["fill_ratio"] == pytest.approx(
        sum(o.filled_volume for o in top) / sum(o.volume for o in top)
    )
    assert execution["order_reject_count"] == sum(o.status == "rejected" for o in top) == 1
    assert execution["trades"] == len(seed.fills)
    assert execution["traded_value"] == pytest.approx(sum(f.amount_fen for f in seed.fills) / 100)

    limit_of = {"o1": 10.00, "o2": 20.00, "p1/11": 15.00, "p1/12": 15.00}  # o4 is a market order
    priced = [
        (f.amount_fen / 100, f.price, limit_of[f.client_order_id], f.side)
        for f in seed.fills
        if f.client_order_id in limit_of
    ]
    assert execution["avg_slippage_bps"] == pytest.approx(_weighted_bps(priced))

    mapping = {
        "risk_denial": "risk_limit_hit",
        "risk_shrink": "risk_limit_hit",
        "drawdown": "drawdown_alert",
        "kill_switch": "kill_switch",
        "disconnect": "qmt_error",
        "reconnect": "qmt_error",
        "order_rejected": "qmt_error",
    }
    expected = []
    for e in seed.events:
        context = json.loads(e.context_json)
        if e.kind == "trading_state":
            if context.get("to") == "halted":
                expected.append((e.kind, "kill_switch"))
        elif e.kind in mapping:
            expected.append((e.kind, mapping[e.kind]))
    assert [(e["detail"]["kind"], e["type"]) for e in doc["events"]] == expected
    assert execution["risk_block_count"] == sum(kind == "risk_denial" for kind, _ in expected) == 2
    first = datetime.fromisoformat(doc["events"][0]["at"])
    assert first.isoformat().startswith("2025-11-19T00:30:00") and first == seed.events[0].at


def test_account_period_from_its_first_mark_uses_that_days_sod_nav(store: Store) -> None:
    seed = _seed_account(store)
    doc = export_live_feedback(store, f"paper:{ACCOUNT}", DAYS[0], DAYS[1], now=NOW)
    inside = seed.navs[:2]
    _assert_close(
        doc["performance"],
        _expected_performance(inside[0].sod_nav, [n.last_nav for n in inside], [900.0, 0.0]),
    )
    # The one order of the period was rejected and nothing is filled by it; its fill row (t0) still trades.
    assert doc["execution"]["orders"] == 1 and doc["execution"]["fill_ratio"] == 0.0
    assert doc["execution"]["order_reject_count"] == 1
    assert [e["type"] for e in doc["events"]] == ["risk_limit_hit"]  # the evening event of DAYS[1]


def test_live_prefix_on_a_paper_account_is_refused(store: Store) -> None:
    _seed_account(store)
    with pytest.raises(LiveFeedbackError) as caught:
        export_live_feedback(store, f"live:{ACCOUNT}", DAYS[0], DAYS[3])
    assert "paper account" in caught.value.what and caught.value.fix == f"write paper:{ACCOUNT}"


def test_live_account_exports_as_live(store: Store) -> None:
    _seed_account(store, mode="live")
    doc = export_live_feedback(store, f"live:{ACCOUNT}", DAYS[2], DAYS[3], now=NOW)
    assert doc["meta"]["env"] == "live" and doc["meta"]["strategy_instance_id"] == f"live:{ACCOUNT}"


# --------------------------------------------------------------------------- schema


def test_shipped_schema_is_valid_and_closed() -> None:
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

    schema = live_feedback_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    props = schema["properties"]
    for part in (schema, props["meta"], props["performance"], props["execution"]):
        assert part["additionalProperties"] is False
    assert props["meta"]["properties"]["env"]["enum"] == ["preview", "paper", "live"]
    types = props["events"]["items"]["properties"]["type"]["enum"]
    assert types == ["risk_limit_hit", "drawdown_alert", "kill_switch", "qmt_error"]


@pytest.fixture
def valid_doc(store: Store) -> dict[str, Any]:
    seed = _seed_preview(store)
    return export_live_feedback(store, f"preview:{seed.preview_id}", DAYS[0], DAYS[3], now=NOW)


def _rejected(doc: dict[str, Any]) -> str:
    with pytest.raises(LiveFeedbackError) as caught:
        validate_live_feedback(doc)
    return caught.value.what


def test_tampered_env_is_named(valid_doc: dict[str, Any]) -> None:
    valid_doc["meta"]["env"] = "prod"
    message = _rejected(valid_doc)
    assert "meta.env" in message and "'prod'" in message


def test_missing_performance_is_named(valid_doc: dict[str, Any]) -> None:
    del valid_doc["performance"]
    assert "performance: 'performance' is a required property" in _rejected(valid_doc)


def test_every_problem_is_listed_at_once(valid_doc: dict[str, Any]) -> None:
    valid_doc["events"][0]["type"] = "meltdown"
    valid_doc["execution"]["fill_ratio"] = 1.5
    valid_doc["meta"]["period"]["end_date"] = "2025-13-01"
    valid_doc["meta"]["generated_at"] = "2025-11-24T08:00:00"  # no time zone
    valid_doc["surprise"] = 1
    del valid_doc["meta"]["currency"]
    message = _rejected(valid_doc)
    for name in (
        "events[0].type",
        "execution.fill_ratio",
        "meta.period.end_date",
        "meta.generated_at",
        "'surprise' was unexpected",
        "meta.currency",
    ):
        assert name in message, name


def test_reversed_period_in_a_document_is_named(valid_doc: dict[str, Any]) -> None:
    valid_doc["meta"]["period"] = {"start_date": "2025-11-21", "end_date": "2025-11-17"}
    assert "meta.period: start_date 2025-11-21 is after end_date 2025-11-17" in _rejected(valid_doc)


def test_nan_is_not_a_number_the_schema_accepts(valid_doc: dict[str, Any]) -> None:
    valid_doc["performance"]["sharpe"] = "NaN"
    assert "performance.sharpe" in _rejected(valid_doc)


# --------------------------------------------------------------------------- errors and files


@pytest.mark.parametrize(
    ("instance", "fragment"),
    [
        ("preview:999", "preview instance 999 does not exist"),
        ("paper:NOPE", "broker account 'NOPE' has no records"),
        ("demo:1", "instance 'demo:1' is not understood"),
        ("preview:abc", "is not a positive number"),
        ("", "is not understood"),
    ],
)
def test_bad_instance_is_named_and_writes_nothing(
    store: Store, tmp_path: Path, instance: str, fragment: str
) -> None:
    _seed_preview(store)
    out = tmp_path / "feedback.json"
    with pytest.raises(LiveFeedbackError) as caught:
        write_live_feedback(store, instance, DAYS[0], DAYS[3], out)
    assert fragment in caught.value.what and caught.value.fix
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "home"]


def test_reversed_period_is_refused(store: Store) -> None:
    seed = _seed_preview(store)
    with pytest.raises(LiveFeedbackError, match="starts on 2025-11-21, after its end 2025-11-17"):
        export_live_feedback(store, f"preview:{seed.preview_id}", DAYS[4], DAYS[0])


def test_empty_period_names_the_days_that_exist(store: Store) -> None:
    seed = _seed_preview(store)
    _seed_account(store)
    with pytest.raises(LiveFeedbackError) as caught:
        export_live_feedback(store, f"preview:{seed.preview_id}", DAYS[4], DAYS[4])  # only unsettled rows
    assert "no settled day between 2025-11-21 and 2025-11-21" in caught.value.what
    assert "2025-11-17 to 2025-11-20" in caught.value.fix
    with pytest.raises(LiveFeedbackError) as caught:
        export_live_feedback(store, f"paper:{ACCOUNT}", date(2025, 12, 1), date(2025, 12, 5))
    assert "no NAV mark between 2025-12-01 and 2025-12-05" in caught.value.what
    assert "2025-11-17 to 2025-11-20" in caught.value.fix


def test_write_produces_the_exported_document(store: Store, tmp_path: Path) -> None:
    seed = _seed_preview(store)
    out = tmp_path / "feedback.json"
    out.write_text("an older export", encoding="utf-8")
    written = write_live_feedback(store, f"preview:{seed.preview_id}", DAYS[0], DAYS[3], out, now=NOW)
    assert written == out
    text = out.read_text(encoding="utf-8")
    document = export_live_feedback(store, f"preview:{seed.preview_id}", DAYS[0], DAYS[3], now=NOW)
    assert json.loads(text) == document
    assert text == json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback.json", "home"]  # no temp file left


def test_failed_export_keeps_the_earlier_file(store: Store, tmp_path: Path) -> None:
    seed = _seed_preview(store)
    out = tmp_path / "feedback.json"
    out.write_text("the earlier export", encoding="utf-8")
    with pytest.raises(LiveFeedbackError):
        write_live_feedback(store, f"preview:{seed.preview_id}", DAYS[4], DAYS[4], out)  # no settled day
    assert out.read_text(encoding="utf-8") == "the earlier export"


def test_failed_rename_keeps_the_earlier_file_and_no_partial(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = _seed_preview(store)
    out = tmp_path / "feedback.json"
    out.write_text("the earlier export", encoding="utf-8")

    def refuse(self: Path, target: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", refuse)
    with pytest.raises(LiveFeedbackError, match="could not write"):
        write_live_feedback(store, f"preview:{seed.preview_id}", DAYS[0], DAYS[3], out)
    monkeypatch.undo()
    assert out.read_text(encoding="utf-8") == "the earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feedback.json", "home"]


def test_missing_output_folder_is_refused(store: Store, tmp_path: Path) -> None:
    seed = _seed_preview(store)
    with pytest.raises(LiveFeedbackError, match="does not exist"):
        write_live_feedback(
            store, f"preview:{seed.preview_id}", DAYS[0], DAYS[3], tmp_path / "nope" / "f.json"
        )


def test_parse_instance_spellings() -> None:
    assert parse_instance("7").instance_id == "preview:7"
    assert parse_instance(" PREVIEW:07 ").instance_id == "preview:7"
    assert parse_instance("live:8881234").env == "live"
    assert parse_instance("paper:demo-1").key == "demo-1"


# --------------------------------------------------------------------------- CLI

runner = CliRunner()


def _cli() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(feedback_app, name="feedback")
    return root


def test_cli_exports_and_summarises(home: WorkstationHome, tmp_path: Path) -> None:
    with open_store(home) as opened:
        seed = _seed_preview(opened)
    out = tmp_path / "fb.json"
    args = [
        "feedback",
        "export",
        "--instance",
        f"preview:{seed.preview_id}",
        "--start",
        "2025-11-17",
        "--end",
        "2025-11-21",
        "--out",
        str(out),
        "--home",
        str(home.root),
    ]
    result = runner.invoke(_cli(), args)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text(encoding="utf-8"))
    validate_live_feedback(document)
    total = seed.accounts[-1].total_value / seed.initial - 1
    assert str(out) in result.output and "env preview" in result.output
    assert f"{total:+.2%} total" in result.output and "4 trading day(s)" in result.output
    assert f"{len(document['events'])} (drawdown_alert 1, risk_limit_hit 3)" in result.output


def test_cli_error_is_red_with_a_fix_and_exit_1(home: WorkstationHome, tmp_path: Path) -> None:
    out = tmp_path / "fb.json"
    base = ["feedback", "export", "--out", str(out), "--home", str(home.root)]
    result = runner.invoke(
        _cli(), [*base, "--instance", "preview:42", "--start", "2025-11-17", "--end", "2025-11-21"]
    )
    assert result.exit_code == 1
    assert "error:" in result.stderr and "preview instance 42 does not exist" in result.stderr
    assert "fix:" in result.stderr and not out.exists()
    bad_date = runner.invoke(
        _cli(), [*base, "--instance", "1", "--start", "2025/11/17", "--end", "2025-11-21"]
    )
    assert bad_date.exit_code == 1 and "is not a date" in bad_date.stderr
