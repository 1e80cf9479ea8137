"""Whatever the target and the account: plan → price → judge never approves a batch that breaks a cap.

The whole pure path a rebalance takes (planner, execution policy, risk rules) over random
accounts, quotes, targets and limits. The checks recompute every cap from the context, not
from the rules' internals.
"""

from __future__ import annotations

import math

from hypothesis import event, given, settings
from hypothesis import strategies as st

from aistock.core.boards import lot_rule_for
from aistock.core.codes import parse_code
from aistock.core.execution_policy import ExecutionPolicy, ExecutionPolicyConfig, Liquidity, PricingMode
from aistock.core.fees import FeeSchedule, Side
from aistock.core.planning import PlannerConfig, plan_orders
from aistock.core.risk import (
    AccountSnapshot,
    HeldPosition,
    Quote,
    RiskContext,
    RiskLimits,
    buy_cost,
    validate,
)

CODES = ["600000.SH", "600001.SH", "000001.SZ", "000002.SZ", "300001.SZ", "688001.SH", "830001.BJ"]
INDUSTRY = {c: ("bank" if i % 2 else "tech") for i, c in enumerate(CODES)}
FEES = FeeSchedule()


@st.composite
def worlds(
    draw: st.DrawFn,
) -> tuple[AccountSnapshot, dict[str, Quote], dict[str, float], RiskLimits, PricingMode]:
    quotes: dict[str, Quote] = {}
    for code in CODES:
        pre = draw(st.integers(200, 8_000)) / 100
        ratio = 0.2 if code.startswith(("300", "688")) else 0.3 if code.endswith(".BJ") else 0.1
        up, down = round(pre * (1 + ratio), 2), round(pre * (1 - ratio), 2)
        last = round(draw(st.floats(down, up)), 2)
        quotes[code] = Quote(
            code,
            last,
            pre,
            up,
            down,
            suspended=draw(st.integers(0, 9)) == 0,
            industry=INDUSTRY[code],
        )
    held = draw(st.lists(st.sampled_from(CODES), unique=True, max_size=4))
    positions = {}
    for code in held:
        volume = draw(st.integers(1, 60)) * 100 + draw(st.sampled_from([0, 0, 37]))
        positions[code] = HeldPosition(code, volume, draw(st.integers(0, volume)))
    cash = round(
        draw(st.sampled_from([0, 20_000, 200_000, 1_000_000, 5_000_000])) * draw(st.floats(0.5, 1.5)), 2
    )
    account = AccountSnapshot("P", cash, cash * draw(st.floats(0.5, 1.0)), positions)
    weights = draw(st.lists(st.floats(0.0, 0.5), min_size=len(CODES), max_size=len(CODES)))
    total = sum(weights)
    target = {c: w / max(1.0, total) for c, w in zip(CODES, weights, strict=True) if w > 0.01}
    limits = RiskLimits(
        max_single_weight=draw(st.floats(0.05, 1.0)),
        max_industry_weight=draw(st.floats(0.1, 1.0)),
        max_total_exposure=draw(st.floats(0.3, 1.0)),
        min_cash_ratio=draw(st.floats(0.0, 0.2)),
        max_order_notional=float(draw(st.integers(5_000, 1_000_000))),
    )
    return account, quotes, target, limits, draw(st.sampled_from(list(PricingMode)))


@settings(max_examples=150, deadline=None)
@given(worlds())
def test_no_approved_batch_breaks_a_cap(
    world: tuple[AccountSnapshot, dict[str, Quote], dict[str, float], RiskLimits, PricingMode],
) -> None:
    account, quotes, target, limits, pricing = world
    plan = plan_orders(account, quotes, target, fees=FEES, config=PlannerConfig(min_order_value=0.0))
    policy = ExecutionPolicy(ExecutionPolicyConfig(pricing=pricing, liquid_pricing=pricing, algo=None))
    scheduled = policy.schedule(plan.orders, quotes, {c: Liquidity() for c in CODES})
    verdict = validate([s.request for s in scheduled], RiskContext(account, quotes, fees=FEES), limits)
    approved = verdict.approved
    event(f"buys approved: {min(3, sum(o.side is Side.BUY for o in approved))}+")
    event(f"shrunk or denied: {bool(verdict.shrunk or verdict.denied)}")

    nav = account.cash + sum(p.volume * quotes[c].reference for c, p in account.positions.items())
    value = {c: p.volume * quotes[c].reference for c, p in account.positions.items()}
    spent = 0.0
    sold: dict[str, int] = {}
    for order in approved:
        quote = quotes[order.code]
        if order.side is Side.SELL:
            sold[order.code] = sold.get(order.code, 0) + order.volume
            continue
        price = order.price if not order.price_type.is_market else (quote.up_limit or math.nan)
        spent += buy_cost(order.volume, price, FEES)
        value[order.code] = value.get(order.code, 0.0) + order.volume * price
        assert order.volume * price <= limits.max_order_notional + 1e-6
        assert lot_rule_for(parse_code(order.code)).is_valid_buy(order.volume)
    for code, volume in sold.items():
        assert volume <= account.positions[code].sellable
    assert spent <= account.available + 1e-6  # never more cash than is free
    if any(o.side is Side.BUY for o in approved):
        assert spent <= account.available - limits.min_cash_ratio * nav + 1e-6
        for code in {o.code for o in approved if o.side is Side.BUY}:
            assert value[code] <= limits.max_single_weight * nav + 1e-6
        for industry in {INDUSTRY[o.code] for o in approved if o.side is Side.BUY}:
            total = sum(v for c, v in value.items() if INDUSTRY[c] == industry)
            assert total <= limits.max_industry_weight * nav + 1e-6
        assert sum(value.values()) <= limits.max_total_exposure * nav + 1e-6
