"""``aistock preview ...``: strategy previews from a shell (create, list, replay, stop, archive, nav).

The same PreviewService the workstation uses; errors are AistockErrors, which ``aistock``
prints as what went wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aistock.core.errors import AistockError

if TYPE_CHECKING:
    from aistock.store import Store
    from aistock.trading.preview.service import PreviewService

preview_app = typer.Typer(
    help="Strategy previews: loops trading on virtual books (no broker).", no_args_is_help=True
)
console = Console()

HomeOpt = Annotated[
    Path | None, typer.Option("--home", help="Workstation home (default: the user data dir).")
]
ProviderOpt = Annotated[
    Path | None, typer.Option("--provider", help="qlib provider to read (default: the home's data source).")
]
STRATEGIES = ("topk", "enhanced", "equal", "score")


def _date(text: str, option: str) -> dt.date:
    from aistock.cli import _parse_date

    return _parse_date(text, option)


def _service(store: Store, provider: Path | None) -> PreviewService:
    from aistock.cli import _data_service
    from aistock.selection.service import SelectionService
    from aistock.trading.preview.service import PreviewService

    data = _data_service(store, provider)
    return PreviewService(store, data, selection=lambda: SelectionService(store, data))


def _open(home: Path | None) -> Store:
    from aistock.store import open_store, resolve_home

    return open_store(resolve_home(home).ensure())


@preview_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="What to call it in lists and charts.")],
    start: Annotated[str, typer.Option("--start", help="First trading day, YYYY-MM-DD.")],
    loop: Annotated[
        str | None, typer.Option("--loop", help="TASK_RUN_ID/LOOP_ID: score with its model.")
    ] = None,
    signals: Annotated[
        Path | None, typer.Option("--signals", help="Or a signal file (.parquet/.pkl/.csv) of scores.")
    ] = None,
    capital: Annotated[float, typer.Option("--capital", help="Initial capital in yuan.")] = 1_000_000.0,
    strategy: Annotated[str, typer.Option("--strategy", help="topk | enhanced | equal | score.")] = "topk",
    topk: Annotated[int, typer.Option("--topk", help="Names held.")] = 10,
    n_drop: Annotated[int, typer.Option("--n-drop", help="Names replaced per day (topk strategies).")] = 2,
    bars: Annotated[str, typer.Option("--bars", help="Catch-up bars: minute | day.")] = "minute",
    rebalance: Annotated[
        str, typer.Option("--rebalance", help="Rebalance times, e.g. 14:50 or 09:35,14:50.")
    ] = "14:50",
    broker_fees: Annotated[
        bool,
        typer.Option("--broker-fees/--no-fees", help="Charge the broker's fee schedule (default: none)."),
    ] = False,
    home: HomeOpt = None,
    provider: ProviderOpt = None,
) -> None:
    """Create a running preview instance of a loop (or a signal file)."""
    from aistock.core.fees import FeeSchedule
    from aistock.trading.portfolio.config import (
        EnhancedTopkDropoutConfig,
        ScoreWeightConfig,
        StrategyConfig,
        TopkDropoutConfig,
    )
    from aistock.trading.preview.config import PreviewConfig
    from aistock.trading.rebalance import RebalanceRules

    if (loop is None) == (signals is None):
        raise AistockError("give exactly one of --loop or --signals", "e.g. --loop RUN/3")
    if strategy not in STRATEGIES:
        raise AistockError(f"--strategy {strategy!r} is unknown", f"use one of {', '.join(STRATEGIES)}")
    chosen: StrategyConfig
    if strategy == "topk":
        chosen = TopkDropoutConfig(topk=topk, n_drop=n_drop)
    elif strategy == "enhanced":
        chosen = EnhancedTopkDropoutConfig(base=TopkDropoutConfig(topk=topk, n_drop=n_drop))
    else:
        chosen = ScoreWeightConfig(topk=topk, method=strategy)  # type: ignore[arg-type]
    try:
        times = tuple(dt.time.fromisoformat(t.strip()) for t in rebalance.split(",") if t.strip())
    except ValueError:
        raise AistockError(
            f"--rebalance {rebalance!r} is not a list of times", "write e.g. 09:35,14:50"
        ) from None
    rules = RebalanceRules(fees=FeeSchedule() if broker_fees else FeeSchedule.zero())
    config = PreviewConfig(strategy=chosen, rules=rules, rebalance_times=times, bars=bars)  # type: ignore[arg-type]
    with _open(home) as store:
        service = _service(store, provider)
        if signals is not None and not signals.exists():
            raise AistockError(f"signal file {signals} does not exist", "check the path")
        row = service.create(
            name,
            source_kind="loop" if loop else "file",
            source_ref=loop or str(Path(str(signals)).resolve()),
            start=_date(start, "--start"),
            initial_capital=capital,
            config=config,
        )
    console.print(
        f"created preview [bold]{row.id}[/] {escape(row.name)}: trades from {row.start_date}, "
        f"¥{row.initial_capital:,.0f}. Build its history with: aistock preview replay {row.id} "
        f"--start {row.start_date} --end YYYY-MM-DD"
    )


def _pct(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:+.2%}"


@preview_app.command("list")
def list_instances(
    all_: Annotated[bool, typer.Option("--all", help="Include archived instances.")] = False,
    home: HomeOpt = None,
    provider: ProviderOpt = None,
) -> None:
    """Instances with their status, value and metrics."""
    with _open(home) as store:
        service = _service(store, provider)
        statuses = ("running", "stopped", "archived") if all_ else ("running", "stopped")
        rows = service.summaries(statuses=statuses)
        limit = service.max_active()
    table = Table(title=f"Preview instances (running limit {limit})")
    for column in (
        "id",
        "name",
        "status",
        "source",
        "from",
        "settled",
        "value",
        "annual",
        "max dd",
        "sharpe",
        "turnover",
    ):
        table.add_column(column, justify="right" if column in ("id", "value") else "left")
    for s in rows:
        m = s.metrics
        table.add_row(
            str(s.id),
            escape(s.name),
            s.status,
            escape(s.source if len(s.source) < 40 else "…" + s.source[-39:]),
            str(s.start_date),
            str(s.settled_through or "—"),
            "—" if s.total_value is None else f"¥{s.total_value:,.2f}",
            _pct(m.get("annual_return")),
            _pct(m.get("max_drawdown")),
            "—" if not math.isfinite(m.get("sharpe", math.nan)) else f"{m['sharpe']:.2f}",
            _pct(m.get("turnover")),
        )
    console.print(table)
    if not rows:
        console.print(
            "no preview instances yet: aistock preview create --name N --loop RUN/ID --start YYYY-MM-DD"
        )


@preview_app.command("replay")
def replay(
    preview_id: Annotated[int, typer.Argument(help="Instance id (see: aistock preview list).")],
    start: Annotated[str, typer.Option("--start", help="First trading day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last trading day, YYYY-MM-DD.")],
    bars: Annotated[
        str | None, typer.Option("--bars", help="day | minute (default: the instance's).")
    ] = None,
    home: HomeOpt = None,
    provider: ProviderOpt = None,
) -> None:
    """Rebuild an instance's history over a past range at once (replaces what it had)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with _open(home) as store:
        service = _service(store, provider)
        with Progress(TextColumn("replay"), BarColumn(), TextColumn("{task.completed}/{task.total} days"),
                      TimeElapsedColumn(), console=console) as bar:  # fmt: skip
            task = bar.add_task("replay", total=None)
            days = service.replay(
                preview_id,
                _date(start, "--start"),
                _date(end, "--end"),
                bars=bars,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        metrics = service.metrics(preview_id)
        frame = service.accounts(preview_id)
    final = float(frame["total_value"].iloc[-1]) if not frame.empty else math.nan
    console.print(
        f"replayed {days} day(s); value ¥{final:,.2f}, annual {_pct(metrics.get('annual_return'))}, "
        f"max drawdown {_pct(metrics.get('max_drawdown'))}"
    )


def _status_command(action: str, preview_id: int, home: Path | None, provider: Path | None) -> None:
    with _open(home) as store:
        service = _service(store, provider)
        row = getattr(service, action)(preview_id)
    console.print(f"preview {preview_id} {escape(row.name)} is now {row.status}")


@preview_app.command("stop")
def stop(
    preview_id: Annotated[int, typer.Argument()], home: HomeOpt = None, provider: ProviderOpt = None
) -> None:
    """Stop trading (keeps its history; resume later)."""
    _status_command("stop", preview_id, home, provider)


@preview_app.command("resume")
def resume(
    preview_id: Annotated[int, typer.Argument()], home: HomeOpt = None, provider: ProviderOpt = None
) -> None:
    """Run a stopped instance again (it catches up the days it missed)."""
    _status_command("resume", preview_id, home, provider)


@preview_app.command("archive")
def archive(
    preview_id: Annotated[int, typer.Argument()], home: HomeOpt = None, provider: ProviderOpt = None
) -> None:
    """Make an instance read-only and free its place under the running limit."""
    _status_command("archive", preview_id, home, provider)


@preview_app.command("delete")
def delete(
    preview_id: Annotated[int, typer.Argument()],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    home: HomeOpt = None,
    provider: ProviderOpt = None,
) -> None:
    """Delete an instance and every row it wrote."""
    if not yes and not typer.confirm(f"Delete preview {preview_id} and all its history?", default=False):
        console.print("nothing deleted")
        raise typer.Exit(1)
    with _open(home) as store:
        _service(store, provider).delete(preview_id)
    console.print(f"preview {preview_id} deleted")


@preview_app.command("nav")
def nav(
    ids: Annotated[str, typer.Option("--ids", help="Instance ids, e.g. 1,2,5.")],
    start: Annotated[str | None, typer.Option("--start", help="From YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="To YYYY-MM-DD.")] = None,
    bench: Annotated[str, typer.Option("--bench", help="Benchmarks, comma-separated.")] = "000001.SH",
    out: Annotated[Path | None, typer.Option("--out", help="Write the series to a .csv file.")] = None,
    home: HomeOpt = None,
    provider: ProviderOpt = None,
) -> None:
    """NAV curves of instances beside 000001.SH (normalised to 1.0 on the first common day)."""
    try:
        chosen = [int(x) for x in ids.split(",") if x.strip()]
    except ValueError:
        raise AistockError(f"--ids {ids!r} is not a list of ids", "write e.g. --ids 1,2") from None
    with _open(home) as store:
        frame = _service(store, provider).nav(
            chosen,
            start=_date(start, "--start") if start else None,
            end=_date(end, "--end") if end else None,
            benchmarks=[b.strip() for b in bench.split(",") if b.strip()],
        )
    if out is not None:
        frame.to_csv(out)
        console.print(f"wrote {len(frame)} day(s) to {out}")
    table = Table(title="NAV")
    table.add_column("day")
    for column in frame.columns:
        table.add_column(escape(str(column)), justify="right")
    shown = frame if len(frame) <= 12 else frame.iloc[[*range(5), *range(len(frame) - 6, len(frame))]]
    for day, values in shown.iterrows():
        table.add_row(str(day), *("—" if not math.isfinite(v) else f"{v:.4f}" for v in values))
    console.print(table)
