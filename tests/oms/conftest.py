"""Fixtures for the order-book tests: a real store, the simulator on the demo market's minutes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from oms_rig import ACCOUNT, Rig

from aistock.data.qlib_provider import QlibProviderSource
from aistock.data.service import DataService
from aistock.store import WorkstationHome, open_store
from aistock.trading.gateways.simulator import AccountSeed, DemoMinuteTape, FaultPlan, SimCounter


@pytest.fixture(scope="session")
def oms_tape(small_demo: Path) -> DemoMinuteTape:
    """The demo market's last minute day, replayed by the simulated exchange."""
    return DemoMinuteTape(DataService(QlibProviderSource(small_demo)))


@pytest.fixture(scope="session")
def liquid_codes(oms_tape: DemoMinuteTape) -> list[str]:
    """Main-board stocks that trade all day (no suspension, no limit lock), cheap enough to buy."""
    out = []
    for code in oms_tape.codes:
        ref = oms_tape.reference(code)
        bars = [oms_tape.bar(code, i) for i in range(0, 240, 20)]
        if ref is None or ref.suspended or any(b is None or b.volume < 20_000 for b in bars):
            continue
        if code.startswith(("60", "00")) and ref.pre_close < 60 and ref.up_limit is not None:
            out.append(code)
    assert len(out) >= 5, out
    return out


@pytest.fixture
def make_rig(tmp_path: Path, oms_tape: DemoMinuteTape) -> Iterator[Callable[..., Rig]]:
    made: list[Rig] = []
    stores = []

    def build(
        cash: float = 1_000_000.0,
        holdings: dict[str, tuple[int, float]] | None = None,
        *,
        faults: FaultPlan | None = None,
        connect: bool = True,
        participation: float = 0.25,
        poll: float = 0.05,
    ) -> Rig:
        n = len(made)
        root = tmp_path / f"rig{n}"
        root.mkdir()
        counter = SimCounter(
            oms_tape,
            {ACCOUNT: AccountSeed(cash, holdings or {})},
            state_path=root / "counter.json",
            faults=faults or FaultPlan(seed=n),
            participation=participation,
        )
        userdata = str(root / "userdata_mini")
        counter.serve(userdata)
        store = open_store(WorkstationHome(root / "home"))
        stores.append(store)
        rig = Rig(counter, store, userdata)
        made.append(rig)
        if connect:
            rig.connect(poll=poll)
        return rig

    yield build
    for rig in made:
        rig.close()
        rig.counter.shutdown()
    for store in stores:
        store.close()
