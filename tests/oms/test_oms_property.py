"""Property: under any order/cancel/fault sequence the book reconciles with the broker to the fen.

Hypothesis draws a sequence of actions — buys and sells of a few stocks, cancels, minutes of
trading, and the faults miniQMT is known for (lost, doubled and reordered pushes, disconnects,
-1 answers, lying cancels, rejections, overfill pushes) — and runs it through the real gateway
and order manager against the simulator. After every settle the ledger's cash and holdings must
equal the simulated counter's books exactly, and no client order id may ever be used twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oms_rig import ACCOUNT, Rig

from aistock.core.fees import Side
from aistock.core.orders import OrderRequest
from aistock.trading.gateways.simulator import FaultPlan
from aistock.trading.oms.manager import OrderRefused

ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("buy"), st.integers(0, 3), st.integers(1, 30), st.booleans()),
        st.tuples(st.just("sell"), st.integers(0, 3), st.integers(1, 30), st.booleans()),
        st.tuples(st.just("cancel"), st.integers(0, 20), st.just(0), st.just(False)),
        st.tuples(st.just("trade"), st.integers(1, 8), st.just(0), st.just(False)),
        st.tuples(
            st.just("fault"),
            st.sampled_from(
                [
                    "drop",
                    "duplicate",
                    "hold",
                    "release",
                    "disconnect",
                    "minus_one",
                    "lie",
                    "reject",
                    "overfill",
                ]
            ),
            st.integers(1, 4),
            st.just(False),
        ),
        st.tuples(st.just("settle"), st.just(0), st.just(0), st.just(False)),
    ),
    min_size=3,
    max_size=18,
)


def _arm(rig: Rig, fault: str, n: int) -> None:
    f = rig.counter.faults
    kind = ("trade", "order", "asset", "position")[n % 4]
    if fault == "drop":
        f.drop_pushes(kind, n)  # type: ignore[arg-type]
    elif fault == "duplicate":
        f.duplicate_pushes(kind, times=n + 1, n=n)  # type: ignore[arg-type]
    elif fault == "hold":
        f.hold_pushes(kind, n)  # type: ignore[arg-type]
    elif fault == "release":
        f.release_held(reverse=True)
    elif fault == "disconnect":
        f.disconnect()
    elif fault == "minus_one":
        f.order_returns_minus_one(1, async_mode="response" if n % 2 else "seq")
    elif fault == "lie":
        f.cancel_return_lies(1)
    elif fault == "reject":
        f.reject_next(1, "委托价格超出涨跌停范围")
    else:
        f.overfill_next_fill()


def _check(rig: Rig) -> None:
    report = rig.settle()
    assert report.matched, report.summary() + "\nfaults: " + "; ".join(rig.counter.faults.log)
    rig.assert_book_equals_broker()
    ids = [o.client_order_id for o in rig.service.get_orders(ACCOUNT)]
    assert len(ids) == len(set(ids))
    remarks = [o.order_remark for o in rig.counter.orders(ACCOUNT)]
    assert len(remarks) == len(set(remarks))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=ACTIONS, seed=st.integers(0, 10_000))
def test_random_orders_cancels_and_faults_always_reconcile(
    make_rig: Callable[..., Rig],
    liquid_codes: list[str],
    actions: list[tuple[str, object, int, bool]],
    seed: int,
) -> None:
    codes = liquid_codes[:4]
    rig = make_rig(
        cash=800_000.0,
        holdings={code: (3000, 10.0) for code in codes[:2]},
        faults=FaultPlan(seed=seed),
        participation=0.02,
    )
    placed: list[str] = []
    try:
        for action, arg, n, aggressive in actions:
            if action in ("buy", "sell"):
                code = codes[int(arg)]  # type: ignore[call-overload]
                ref = rig.counter.market.reference(code)
                assert ref is not None and ref.up_limit is not None and ref.down_limit is not None
                side = Side.BUY if action == "buy" else Side.SELL
                if aggressive:
                    price = ref.up_limit if side is Side.BUY else ref.down_limit
                else:
                    price = round(ref.pre_close * (0.97 if side is Side.BUY else 1.03), 2)
                # Refused when not connected or while buys wait for a match: nothing is sent then.
                with contextlib.suppress(OrderRefused):
                    placed.append(rig.place(OrderRequest(code, side, n * 100, price=price)))
            elif action == "cancel" and placed:
                with contextlib.suppress(OrderRefused):
                    rig.oms.cancel_order(placed[int(arg) % len(placed)])  # type: ignore[call-overload]
            elif action == "trade":
                rig.advance(int(arg))  # type: ignore[call-overload]
            elif action == "fault":
                _arm(rig, str(arg), n)
            elif action == "settle":
                rig.counter.faults.calm()
                _check(rig)
        rig.counter.faults.calm()
        _check(rig)
    finally:
        rig.close()
        rig.counter.shutdown()
