from decimal import Decimal

import pytest

from aistock.core.fees import Fees, FeeSchedule, QlibCostModel, Side, yuan_to_fen


def test_broker_schedule_defaults() -> None:
    schedule = FeeSchedule()
    # Buy ¥100,000: commission 25.00, no stamp duty, transfer 1.00.
    assert schedule.fees(Side.BUY, yuan_to_fen(100_000)) == Fees(2500, 0, 100)
    # Sell ¥100,000: stamp duty 50.00 on top.
    assert schedule.fees(Side.SELL, yuan_to_fen(100_000)) == Fees(2500, 5000, 100)


def test_minimum_commission_applies_to_small_trades() -> None:
    fees = FeeSchedule().fees(Side.BUY, yuan_to_fen(1_000))  # 0.25 < 5
    assert fees.commission == 500
    assert fees.transfer_fee == 1  # 0.01 yuan


def test_half_up_rounding_to_the_fen() -> None:
    schedule = FeeSchedule(commission_rate=Decimal("0.0003"), min_commission_fen=0)
    # 0.0003 * 1234.50 yuan = 0.37035 yuan -> 37.035 fen -> 37 fen
    assert schedule.fees(Side.BUY, 123450).commission == 37
    # 0.0003 * 1250 yuan = 0.375 yuan -> 37.5 fen -> 38 fen (half up)
    assert schedule.fees(Side.BUY, 125000).commission == 38


def test_zero_schedule_and_zero_amount() -> None:
    assert FeeSchedule.zero().fees(Side.SELL, 10**9).total == 0
    assert FeeSchedule().fees(Side.BUY, 0).total == 0


def test_bad_schedules_are_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        FeeSchedule(commission_rate=Decimal("-0.001"))
    with pytest.raises(ValueError, match="must not be negative"):
        FeeSchedule().fees(Side.BUY, -1)


def test_qlib_cost_model_matches_qlib_exchange_rule() -> None:
    model = QlibCostModel()
    assert model.cost(Side.BUY, 1_000_000.0) == pytest.approx(500.0)
    assert model.cost(Side.SELL, 1_000_000.0) == pytest.approx(1500.0)
    assert model.cost(Side.BUY, 1_000.0) == 5.0  # min_cost
    assert model.cost(Side.SELL, 0.0) == 0.0  # no deal, no cost


def test_qlib_cost_model_against_real_qlib_exchange_formula() -> None:
    """The same numbers as qlib's own Exchange._calc_trade_info_by_order would book."""
    import inspect

    from qlib.backtest.exchange import Exchange

    source = inspect.getsource(Exchange._calc_trade_info_by_order)
    assert "max(trade_val * cost_ratio, self.min_cost)" in source
    assert "if trade_val <= 1e-5" in source
