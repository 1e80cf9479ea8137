"""Three preview instances for the demo world, replayed once so the comparison chart opens full.

An analyst's first look at the preview page should be a comparison, not an empty chart: the
demo seeds three instances from three of the demo export's loops, each scored by its own
qlib-trained model through the SelectionService (the real path, no demo shortcut), with
different book sizes, and replays them over the last months of the demo market on daily bars.
Seeding happens once: when the store holds any preview instance, nothing is touched, so an
analyst's own instances (and deletions) are never overwritten on the next launch.
"""

from __future__ import annotations

from collections.abc import Callable

from aistock.data.service import DataService
from aistock.rdagent.catalog.repository import RdagentRepository
from aistock.selection.service import SelectionService
from aistock.store import Store
from aistock.trading.portfolio.config import TopkDropoutConfig
from aistock.trading.preview.config import PreviewConfig
from aistock.trading.preview.service import PreviewService

DEMO_PREVIEW_SESSIONS = 120
"""How far back the seeded instances start: about six months of sessions."""
DEMO_BOOK_SIZES = (10, 20, 30)

ProgressCallback = Callable[[str, float], None]


def seed_demo_previews(
    store: Store,
    data: DataService,
    *,
    sessions: int = DEMO_PREVIEW_SESSIONS,
    progress: ProgressCallback | None = None,
) -> str:
    """Create and replay the demo's preview instances unless the store has some; returns a note."""
    repository = RdagentRepository(store)
    service = PreviewService(
        store, data, selection=lambda: SelectionService(store, data, repository=repository)
    )
    existing = service.instances(statuses=("running", "stopped", "archived"))
    if existing:
        return f"previews: {len(existing)} instance(s) kept"
    loops = repository.loops(consumable_only=True)[: len(DEMO_BOOK_SIZES)]
    if not loops:
        return "previews: no consumable loop to preview"
    calendar = service.calendar
    end = calendar.last
    start = calendar.previous_session(end, sessions - 1)
    created: list[str] = []
    for number, (loop, topk) in enumerate(zip(loops, DEMO_BOOK_SIZES, strict=False)):
        config = PreviewConfig(strategy=TopkDropoutConfig(topk=topk, n_drop=max(1, topk // 5)), bars="day")
        row = service.create(
            f"Loop {loop.loop_id} · top {topk}",
            source_kind="loop",
            source_ref=f"{loop.task_run_id}/{loop.loop_id}/{loop.workspace_id}",
            start=start,
            config=config,
            strategy_id=loop.strategy_id or "",
        )
        assert row.id is not None

        def step(done: int, total: int, number: int = number) -> None:
            if progress is not None:
                fraction = (number + done / max(total, 1)) / len(loops)
                progress(f"previews: replaying {number + 1} of {len(loops)}", fraction)

        service.replay(row.id, start, end, progress=step)
        created.append(row.name)
    return f"previews: {len(created)} instance(s) replayed from {start} to {end}: {', '.join(created)}"
