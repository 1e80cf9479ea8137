"""The ``aistock`` command: the workstation's door for people and for scripts.

``aistock demo`` is the first thing a new user runs; the other commands are the headless halves
of what the window does, so that every job can also run in a terminal or a scheduled task.
Errors the workstation raises on purpose (:class:`AistockError`) are printed as what went wrong
and how to fix it — never as a traceback — and exit with status 2.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from aistock import __version__
from aistock.cli_feedback import feedback_app
from aistock.cli_paper import paper_app
from aistock.cli_preview import preview_app
from aistock.cli_risk import halt, resume, risk_app
from aistock.core.errors import AistockError

if TYPE_CHECKING:  # only for annotations: the commands import what they use when they run
    from aistock.data.service import DataService
    from aistock.store import Store

app = typer.Typer(
    name="aistock",
    help="AIstock Workstation — A-share research reproduction, strategy preview and supervised trading.",
    no_args_is_help=True,
    add_completion=False,
)
data_app = typer.Typer(help="Market data: build the demo market, inspect providers.", no_args_is_help=True)
app.add_typer(data_app, name="data")
factors_app = typer.Typer(
    help="Factors: compute qlib expressions and Alpha158/Alpha360.", no_args_is_help=True
)
app.add_typer(factors_app, name="factors")
rdagent_app = typer.Typer(
    help="RD-Agent research: the imported loops, models and factors (import them with `aistock sync`).",
    no_args_is_help=True,
)
app.add_typer(rdagent_app, name="rdagent")
app.add_typer(paper_app, name="paper")
app.add_typer(risk_app, name="risk")
app.add_typer(preview_app, name="preview")
app.add_typer(feedback_app, name="feedback")
app.command("halt")(halt)
app.command("resume")(resume)

console = Console()
err_console = Console(stderr=True)

HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="Workstation home directory (default: AISTOCK_HOME or the user data dir)."),
]


def _version(value: bool) -> None:
    if value:
        console.print(f"aistock {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """AIstock Workstation."""


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


@app.command()
def demo(
    home: HomeOption = None,
    headless: Annotated[
        bool, typer.Option(help="Prepare the demo world and print a summary; no window.")
    ] = False,
    lang: Annotated[
        str | None, typer.Option(help="UI language: zh_CN or en (default: the last choice, else Chinese).")
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the demo market even if one exists.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 7,
    stocks: Annotated[int, typer.Option(help="Number of synthetic stocks.")] = 300,
    days: Annotated[int, typer.Option(help="Trading days of daily history.")] = 1200,
) -> None:
    """Open the workstation on its embedded demo world (built on first run)."""
    from aistock.store import open_store, resolve_home
    from aistock.workflows.demo_world import DemoSettings, prepare_demo_world

    workstation_home = resolve_home(home).ensure()
    with open_store(workstation_home) as store:
        if store.backup_path is not None:
            console.print(f"Database upgraded to schema {store.revision}; backup: {store.backup_path}")
        with _progress() as bar:
            task = bar.add_task("Preparing the demo world", total=1.0)

            def report(stage: str, fraction: float) -> None:
                bar.update(task, completed=fraction, description=f"Demo market: {stage}")

            world = prepare_demo_world(
                workstation_home,
                store,
                DemoSettings(seed=seed, stocks=stocks, days=days),
                rebuild=rebuild,
                progress=report,
            )
            bar.update(task, completed=1.0, description="Demo world ready")
        if headless:
            _print_world(world, store.path, store.revision)
            return
        exit_code = _open_window(world, store, lang)
    raise typer.Exit(exit_code)


def _print_world(world: object, database: Path, revision: str) -> None:
    from aistock.workflows.demo_world import DemoWorld

    assert isinstance(world, DemoWorld)
    m = world.manifest
    table = Table(title="AIstock demo world", show_header=False)
    table.add_row("trading state", world.trading_state)
    table.add_row("home", str(world.home.root))
    table.add_row("database", f"{database} (schema {revision})")
    table.add_row("market data", f"{world.provider_dir} ({'built now' if world.built_now else 'reused'})")
    table.add_row("stocks", str(m.stocks))
    table.add_row("trading days", f"{m.days} ({m.start} … {m.end})")
    table.add_row("minute bars", f"last {m.minute_days} days from {m.minute_start}")
    table.add_row("indices", ", ".join(m.indices))
    table.add_row("instruments in store", str(world.instruments))
    for line in world.summary_lines()[3:]:
        table.add_row("", line)
    console.print(table)


def _open_window(world: object, store: Store, lang: str | None) -> int:
    """The workstation on the demo world: paper account on the simulator, previews, research."""
    from aistock.ui.display_check import check_display

    check_display()  # before Qt: a missing X library would otherwise abort the process
    from aistock.ui.demo_launch import open_demo_launch
    from aistock.workflows.demo_world import DemoWorld

    assert isinstance(world, DemoWorld)
    return open_demo_launch(world, store).run(lang)


@data_app.command("build-demo")
def build_demo(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the qlib provider into (replaced).")],
    seed: Annotated[int, typer.Option(help="Seed: the same seed and end date give the same bytes.")] = 7,
    stocks: Annotated[int, typer.Option(help="Number of synthetic stocks (>= 10).")] = 300,
    days: Annotated[int, typer.Option(help="Trading days of daily history (>= 60).")] = 1200,
    minute_days: Annotated[int, typer.Option(help="Most recent days that also get 1-minute bars.")] = 20,
    end: Annotated[
        str | None, typer.Option(help="Last trading day, YYYY-MM-DD (default: the last completed session).")
    ] = None,
) -> None:
    """Write the synthetic A-share market as a qlib provider directory."""
    from aistock.data.demo_market import build_demo_market

    end_date = _parse_date(end, "--end") if end else None
    with _progress() as bar:
        task = bar.add_task("Building the demo market", total=1.0)
        manifest = build_demo_market(
            out,
            seed=seed,
            stocks=stocks,
            days=days,
            end=end_date,
            minute_days=minute_days,
            progress=lambda stage, f: bar.update(task, completed=f, description=f"Demo market: {stage}"),
        )
    console.print(
        f"Built {manifest.stocks} stocks × {manifest.days} days ({manifest.start} … {manifest.end}) "
        f"into {out} in {manifest.build_seconds:.1f} s"
    )


@factors_app.command("compute")
def factors_compute(
    provider: Annotated[Path, typer.Option("--provider", help="qlib provider directory to read.")],
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last day, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="Parquet file to write (replaced only on success).")],
    expr: Annotated[
        list[str] | None,
        typer.Option("--expr", help="A qlib expression or factor name (KMID, LABEL0); repeatable."),
    ] = None,
    factor_set: Annotated[
        list[str] | None, typer.Option("--set", help="A named factor set: alpha158 or alpha360; repeatable.")
    ] = None,
    instruments: Annotated[
        str, typer.Option("--instruments", help="all, a market such as csi300, or codes 600000.SH,000001.SZ.")
    ] = "all",
) -> None:
    """Compute factors for a universe and date range into a parquet file."""
    from aistock.data import DataService, QlibProviderSource
    from aistock.factors.engine import FactorEngine
    from aistock.workflows.factor_export import export_factors, parse_day, parse_universe

    items = [*(factor_set or []), *(expr or [])]
    if not items:
        raise AistockError("no factors asked for", "add --expr EXPR (repeatable) or --set alpha158")
    engine = FactorEngine(DataService(QlibProviderSource(provider)))
    with _progress() as bar:
        task = bar.add_task("Computing factors", total=1.0)
        result = export_factors(
            engine,
            items,
            parse_universe(instruments),
            parse_day(start, "--start"),
            parse_day(end, "--end"),
            out,
            progress=lambda stage, f: bar.update(task, completed=f, description=stage),
        )
        bar.update(task, completed=1.0, description="Factors written")
    cells = max(1, result.rows * len(result.columns))
    console.print(
        f"Wrote {result.rows:,} rows × {len(result.columns)} columns to {result.path} "
        f"in {result.seconds:.1f} s ({result.nan_cells / cells:.1%} NaN)"
    )


@app.command()
def backtest(
    provider: Annotated[Path, typer.Option("--provider", help="qlib provider directory to trade on.")],
    signal: Annotated[Path, typer.Option("--signal", help="Scores: pred.pkl, signals.parquet or a CSV.")],
    start: Annotated[str, typer.Option("--start", help="First trading day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last trading day, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for report, positions, trades and metrics.")],
    topk: Annotated[int, typer.Option("--topk", help="Names to hold.")] = 50,
    n_drop: Annotated[int, typer.Option("--n-drop", help="Names replaced per day (TopkDropout).")] = 5,
    strategy: Annotated[
        str,
        typer.Option("--strategy", help="topk (qlib TopkDropout), equal, score or target (target_weight)."),
    ] = "topk",
    rules: Annotated[
        str, typer.Option("--rules", help="qlib (qlib's exchange) or ashare (lots, T+1, fees).")
    ] = "qlib",
    benchmark: Annotated[str, typer.Option("--benchmark", help="Benchmark index code.")] = "000300.SH",
    account: Annotated[float, typer.Option("--account", help="Initial cash in yuan.")] = 1e8,
    deal_price: Annotated[str, typer.Option("--deal-price", help="close, open or vwap.")] = "close",
    drop_unknown: Annotated[
        bool, typer.Option("--drop-unknown", help="Skip signal codes the provider does not know.")
    ] = False,
) -> None:
    """Backtest a signal with qlib's TopkDropout (or weights) and write the report and metrics."""
    from aistock.trading.backtest.engine import BacktestSettings
    from aistock.workflows.backtest_run import run_backtest_files, strategy_named
    from aistock.workflows.factor_export import parse_day

    if rules not in ("qlib", "ashare"):
        raise AistockError(f"--rules {rules!r} is unknown", "use --rules qlib or --rules ashare")
    settings = BacktestSettings(
        start=parse_day(start, "--start"),
        end=parse_day(end, "--end"),
        rules="qlib" if rules == "qlib" else "ashare",
        account=account,
        benchmark=benchmark,
        deal_price=deal_price.lstrip("$"),
        drop_unknown=drop_unknown,
    )
    config = strategy_named(strategy, topk=topk, n_drop=n_drop)
    with _progress() as bar:
        task = bar.add_task("Backtesting", total=1.0)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done / total)

        result, files = run_backtest_files(provider, signal, config, settings, out, progress=advance)
    _print_backtest(result, files)


def _print_backtest(result: object, files: list[Path]) -> None:
    from rich.table import Table

    from aistock.trading.backtest.result import BacktestResult

    assert isinstance(result, BacktestResult)
    risk = result.risk()
    table = Table(title=f"Excess return over the benchmark ({len(result.report)} days, qlib's risk_analysis)")
    table.add_column("metric")
    table.add_column("without cost", justify="right")
    table.add_column("with cost", justify="right")
    for key in risk.index:
        table.add_row(key, *(f"{risk.loc[key, c]:.4f}" for c in risk.columns))
    console.print(table)
    summary = result.summary()
    console.print(
        f"Account {result.report['account'].iloc[-1]:,.2f} · annual return {summary['annual_return']:.2%} · "
        f"Sharpe {summary['sharpe']:.2f} · max drawdown {summary['max_drawdown']:.2%} · "
        f"mean turnover {summary.get('mean_turnover', float('nan')):.2%}/day"
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    console.print("Wrote " + ", ".join(str(p) for p in files))


@app.command()
def sync(
    source: Annotated[
        str,
        typer.Option(
            "--from",
            help="RD-Agent's exports: its repo root or RDagentDB/aistock dir, a results-API URL "
            "(http://HOST:9000) or a ZIP of catalogs or of a bundle.",
        ),
    ],
    maps: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Rewrite RD-Agent paths: FROM=TO, e.g. /mnt/f/Dev/RD-Agent-main=/data/RD-Agent; repeatable. "
            "TO becomes a trusted root for model files.",
        ),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Import RD-Agent's catalogs (factors, strategies, loops, models) and bundles into the store."""
    from aistock.rdagent.catalog.pathmap import PathMap
    from aistock.rdagent.catalog.sync import CatalogSync
    from aistock.store import open_store, resolve_home

    explicit = PathMap.parse_rules(maps) if maps else None
    with open_store(resolve_home(home).ensure()) as store:
        report = CatalogSync(store).run(source, path_map=explicit)
    _print_sync(report)


def _print_sync(report: object) -> None:
    from aistock.rdagent.catalog.sync import REPORT_CATALOGS, SyncReport

    assert isinstance(report, SyncReport)
    status = "[green]ok[/green]" if report.status == "ok" else "[yellow]partial[/yellow] (entries rejected)"
    table = Table(title=f"RD-Agent sync #{report.run_id} from {report.kind} {report.location}: {status}")
    table.add_column("catalog")
    for column in ("added", "changed", "unchanged", "rejected"):
        table.add_column(column, justify="right")
    for name in REPORT_CATALOGS:
        counts = report.counts[name]
        if name in report.missing_catalogs and counts.total == 0:
            table.add_row(name, "[dim]not exported[/dim]", "", "", "")
            continue
        rejected = f"[red]{counts.rejected}[/red]" if counts.rejected else "0"
        table.add_row(name, str(counts.added), str(counts.changed), str(counts.unchanged), rejected)
    console.print(table)
    if report.rejected:
        rejected_table = Table(title="Rejected entries (skipped; the rest was imported)")
        rejected_table.add_column("catalog")
        rejected_table.add_column("key", overflow="fold")
        rejected_table.add_column("reason", overflow="fold")
        for item in report.rejected:
            rejected_table.add_row(item.catalog, item.key, item.reason or "")
        console.print(rejected_table)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if report.path_map.rules:
        map_table = Table(title="Path map (RD-Agent path → this machine)")
        map_table.add_column("RD-Agent prefix", overflow="fold")
        map_table.add_column("local directory", overflow="fold")
        for prefix, target in report.path_map.rules:
            map_table.add_row(prefix, target)
        console.print(map_table)
    if report.trusted_roots:
        roots_table = Table(title="Trusted roots (model files load only from these)")
        roots_table.add_column("directory", overflow="fold")
        roots_table.add_column("")
        for root in report.trusted_roots:
            roots_table.add_row(str(root), "new" if root in report.new_roots else "")
        console.print(roots_table)
    if report.registry_files or report.pinned_files:
        console.print(
            f"File hashes: {report.registry_files} from RD-Agent's registry, {report.pinned_files} pinned now"
        )
    for bundle_id in report.bundles_stored:
        confirmed = " (confirmed to RD-Agent)" if bundle_id in report.bundles_confirmed else ""
        console.print(f"Stored bundle {bundle_id}{confirmed}")


@rdagent_app.command("loops")
def rdagent_loops(
    home: HomeOption = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list loops that are not consumable (not materialized).")
    ] = False,
) -> None:
    """List the imported RD-Agent loops (consumable ones unless --all)."""
    from aistock.rdagent.catalog.repository import RdagentRepository
    from aistock.store import open_store, resolve_home

    with open_store(resolve_home(home).ensure()) as store:
        loops = RdagentRepository(store).loops()
    shown = loops if show_all else [loop for loop in loops if loop.consumable]
    table = Table(title=f"RD-Agent loops ({len(shown)} of {len(loops)})")
    table.add_column("key (task_run_id/loop_id/workspace_id)", overflow="fold")
    table.add_column("action")
    table.add_column("materialization")
    table.add_column("consumable")
    table.add_column("annualized return", justify="right")
    for loop in shown:
        annual = loop.annualized_return
        table.add_row(
            loop.key,
            loop.action or "",
            loop.materialization_status or "[dim]unknown[/dim]",
            "[green]yes[/green]" if loop.consumable else "[red]no[/red]",
            f"{annual:.2%}" if annual is not None else "",
        )
    console.print(table)
    hidden = len(loops) - len(shown)
    if not loops:
        console.print("No RD-Agent loops imported yet: run `aistock sync --from <RD-Agent dir|URL|ZIP>`.")
    elif hidden:
        reasons = {loop.consumable_reason for loop in loops if not loop.consumable}
        console.print(
            f"{hidden} loops hidden as not consumable (--all shows them): " + "; ".join(sorted(reasons))
        )


@rdagent_app.command("build-demo")
def rdagent_build_demo(
    provider: Annotated[
        Path, typer.Option("--provider", help="qlib provider to train on (the demo market).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Directory for the export (replaced only on success).")],
    seed: Annotated[int, typer.Option(help="Seed of the ids (the same seed gives the same ids).")] = 7,
    window: Annotated[
        int | None, typer.Option("--window", help="Train and test on the most recent N sessions only.")
    ] = None,
) -> None:
    """Train the demo RD-Agent loops with real qlib and write RD-Agent's export layout."""
    from aistock.rdagent.demo.build import build_demo_export

    with _progress() as bar:
        task = bar.add_task("Building the RD-Agent demo export", total=1.0)
        export = build_demo_export(
            provider,
            out,
            seed=seed,
            window_days=window,
            progress=lambda stage, f: bar.update(task, completed=f, description=stage),
        )
    table = Table(title=f"RD-Agent demo export: task run {export.task_run_id}")
    for column in ("loop", "action", "workspace", "factors", "top-k", "ann. excess", "IR", "IC"):
        table.add_column(
            column, justify="right" if column in ("factors", "top-k", "ann. excess", "IR", "IC") else "left"
        )
    for loop in export.loops:
        table.add_row(
            str(loop["loop_id"]),
            loop["action"],
            loop["workspace_id"],
            str(len(loop["factors"])),
            str(loop["topk"]),
            _fmt(loop.get("annualized_return"), "{:.2%}"),
            _fmt(loop.get("sharpe"), "{:.2f}"),
            _fmt(loop.get("ic"), "{:.4f}"),
        )
    console.print(table)
    console.print(
        f"Wrote {export.root} in {export.build_seconds:.1f} s; "
        f"import it with: aistock sync --from {export.root}"
    )


def _fmt(value: object, pattern: str) -> str:
    return pattern.format(value) if isinstance(value, (int, float)) else ""


@app.command()
def select(
    loop: Annotated[
        str, typer.Option("--loop", help="TASK_RUN_ID/LOOP_ID[/WORKSPACE_ID] (see: aistock rdagent loops).")
    ],
    date: Annotated[str, typer.Option("--date", help="Trading day, YYYY-MM-DD (the first one with --end).")],
    end: Annotated[str | None, typer.Option("--end", help="Last trading day of a range, YYYY-MM-DD.")] = None,
    topk: Annotated[
        int | None, typer.Option("--topk", help="Names to select (default: the loop's top-k).")
    ] = None,
    universe: Annotated[
        str | None, typer.Option("--universe", help="A market (csi300) or codes 600000.SH,000001.SZ.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write every scored name to .csv or .parquet.")
    ] = None,
    provider: Annotated[
        Path | None,
        typer.Option("--provider", help="qlib provider to read (default: the home's data source)."),
    ] = None,
    home: HomeOption = None,
) -> None:
    """Which stocks a synced RD-Agent loop picks on a day, from its model run on our data."""
    from aistock.store import open_store, resolve_home

    first = _parse_date(date, "--date")
    last = _parse_date(end, "--end") if end else first
    chosen = None if universe is None else (universe if "," not in universe and "." not in universe else
                                             [c for c in universe.split(",") if c.strip()])  # fmt: skip
    with open_store(resolve_home(home).ensure()) as store:
        from aistock.selection.service import SelectionService

        service = SelectionService(store, _data_service(store, provider))
        result = service.select(loop, start=first, end=last, topk=topk, universe=chosen)
    _print_selection(result, out)


def _data_service(store: Store, provider: Path | None) -> DataService:
    """The market data a command reads: ``--provider``, else the home's registered source."""
    from sqlmodel import select as sql_select

    from aistock.data import DataService, QlibProviderSource
    from aistock.store import DataSourceRecord

    if provider is not None:
        return DataService(QlibProviderSource(provider))
    with store.session() as session:
        sources = session.exec(sql_select(DataSourceRecord)).all()
    local = [s for s in sources if s.kind in ("demo", "qlib_dir")]
    if not local:
        raise AistockError(
            "this home has no market data source",
            "pass --provider DIR, or run aistock demo once to build the demo",
        )
    return DataService(QlibProviderSource(Path(local[0].location)))


def _print_selection(result: object, out: Path | None) -> None:
    from aistock.selection.service import SelectionResult

    assert isinstance(result, SelectionResult)
    last_day = result.end
    picks = result.selected(last_day)
    table = Table(title=f"Loop {result.loop_key} · {last_day} · top {result.topk}")
    for column in ("rank", "code", "score", "target weight"):
        table.add_column(column, justify="right" if column != "code" else "left")
    for row in picks.itertuples(index=False):
        table.add_row(str(row.rank), str(row.code), f"{row.score:.6f}", f"{row.target_weight:.2%}")
    console.print(table)
    days = result.candidates["trade_date"].nunique()
    t = result.timings
    console.print(
        f"{len(result.candidates):,} names scored over {days} day(s); run #{result.run_id} stored · "
        f"model {t.get('load_s', 0.0):.2f} s, features + predict {t.get('predict_s', 0.0):.2f} s"
    )
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if out is not None:
        frame = result.candidates
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(out, index=False)
        elif out.suffix.lower() == ".csv":
            frame.to_csv(out, index=False)
        else:
            raise AistockError(f"--out {out} has an unknown suffix", "use a .csv or .parquet file name")
        console.print(f"Wrote {out}")


@app.command()
def info(home: HomeOption = None) -> None:
    """Show where this workstation keeps its data and what its database holds."""
    from sqlmodel import select

    from aistock.store import DataSourceRecord, Instrument, open_store, resolve_home

    workstation_home = resolve_home(home).ensure()
    with open_store(workstation_home) as store, store.session() as session:
        sources = session.exec(select(DataSourceRecord)).all()
        instruments = len(session.exec(select(Instrument.code)).all())
        table = Table(title="AIstock workstation", show_header=False)
        table.add_row("version", __version__)
        table.add_row("home", str(workstation_home.root))
        table.add_row("database", f"{store.path} (schema {store.revision})")
        table.add_row("instruments", str(instruments))
        for source in sources:
            table.add_row(f"data source '{source.name}'", f"{source.kind}: {source.location}")
        console.print(table)


def _parse_date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AistockError(f"{option} {text!r} is not a date", "write dates as YYYY-MM-DD") from None


def main() -> None:
    """Console-script entry: run the app, turning our errors into a readable message."""
    try:
        app()
    except AistockError as error:
        err_console.print(f"[bold red]error:[/] {error.what}")
        if error.fix:
            err_console.print(f"[bold]fix:[/] {error.fix}")
        sys.exit(2)


if __name__ == "__main__":
    main()
