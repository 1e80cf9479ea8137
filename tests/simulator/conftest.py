"""Fixtures for the miniQMT simulator tests: the demo market's minute days and a factory for
served counters with a connected, subscribed trader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sim_helpers import ACCOUNT, Recorder, Sim, new_session

from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.trading.gateways.simulator import (
    AccountSeed,
    DemoMinuteTape,
    FaultPlan,
    MiniQmtSimulator,
    SimCounter,
    SimMarket,
)


@pytest.fixture(scope="session")
def sim_data(small_demo: Path) -> DataService:
    return DataService(QlibProviderSource(small_demo))


@pytest.fixture(scope="session")
def minute_days(sim_data: DataService) -> list[dt.date]:
    return sorted({s.date() for s in sim_data.calendar(freq="1min")})  # type: ignore[union-attr]


@pytest.fixture(scope="session")
def tapes(sim_data: DataService, minute_days: list[dt.date]) -> list[DemoMinuteTape]:
    return [DemoMinuteTape(sim_data, day) for day in minute_days]


@pytest.fixture(scope="session")
def tape(tapes: list[DemoMinuteTape]) -> DemoMinuteTape:
    """The first minute day, so tests can roll forward onto the next two."""
    return tapes[0]


@pytest.fixture
def make_sim(tmp_path: Path, tape: DemoMinuteTape) -> Iterator[Callable[..., Sim]]:
    """Build a counter served at a fresh path with one connected, subscribed trader."""
    made: list[tuple[SimCounter, list[MiniQmtSimulator]]] = []

    def build(
        market: SimMarket | None = None,
        cash: float = 1_000_000.0,
        holdings: dict[str, tuple[int, float]] | None = None,
        *,
        participation: float = 0.25,
        state_path: Path | None = None,
        faults: FaultPlan | None = None,
        subscribe: bool = True,
        relaxed: bool = False,
        report_waiting: bool = False,
    ) -> Sim:
        counter = SimCounter(
            market or tape,
            {ACCOUNT: AccountSeed(cash, holdings or {})},
            participation=participation,
            state_path=state_path,
            faults=faults,
            report_waiting=report_waiting,
        )
        path = str(tmp_path / f"userdata_mini_{len(made)}")
        counter.serve(path)
        rec = Recorder()
        trader = MiniQmtSimulator(path, new_session(), rec)
        trader.set_relaxed_response_order_enabled(relaxed)
        trader.start()
        assert trader.connect() == 0
        sim = Sim(counter, trader, rec, path)
        if subscribe:
            assert trader.subscribe(sim.acc) == 0
        made.append((counter, [trader]))
        return sim

    yield build
    for counter, traders in made:
        for trader in traders:
            trader.stop()
        counter.shutdown()
