"""``aistock feedback export``: one instance's LiveFeedback JSON for one period, from a shell.

The export is meant to be scheduled (a nightly task writing into a folder RD-Agent reads), so
it behaves like a good batch job: it either writes a complete, schema-valid file or writes
nothing and exits 1 with a message naming what was wrong and how to fix it. An earlier file at
``--out`` is replaced only by a complete new one.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from aistock.core.errors import AistockError

feedback_app = typer.Typer(
    help="LiveFeedback: what a preview instance or broker account did over a period, as JSON for RD-Agent.",
    no_args_is_help=True,
)
# soft_wrap: paths and numbers stay on one line, whatever the terminal width (scripts grep them).
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

HomeOpt = Annotated[str | None, typer.Option("--home", help="Workstation home (default: the user data dir).")]


def _fail(error: AistockError) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {escape(error.what)}")
    if error.fix:
        err_console.print(f"[bold]fix:[/] {escape(error.fix)}")
    raise typer.Exit(1)


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise AistockError(f"{option} {text!r} is not a date", "write dates as YYYY-MM-DD") from None


def _percent(value: object) -> str:
    return f"{value:+.2%}" if isinstance(value, int | float) else "n/a"


def _number(value: object, spec: str) -> str:
    return format(value, spec) if isinstance(value, int | float) else "n/a"


def _summary(path: Path, document: dict[str, Any]) -> None:
    meta, perf, execution = document["meta"], document["performance"], document["execution"]
    events: list[dict[str, Any]] = document["events"]
    by_type: dict[str, int] = {}
    for event in events:
        by_type[event["type"]] = by_type.get(event["type"], 0) + 1
    period = meta["period"]
    console.print(f"Wrote [bold]{escape(str(path))}[/]")
    console.print(
        f"  instance   {escape(meta['strategy_instance_id'])} (env {meta['env']})"
        + (f" · experiment {escape(meta['experiment_id'])}" if meta["experiment_id"] else "")
    )
    console.print(
        f"  period     {period['start_date']} … {period['end_date']} · {meta['trading_days']} trading day(s)"
    )
    console.print(
        f"  return     {_percent(perf['total_return'])} total · max drawdown {_percent(perf['max_drawdown'])}"
        f" · sharpe {_number(perf['sharpe'], '.2f')}"
    )
    console.print(
        f"  execution  {execution['orders']} order(s), {execution['trades']} trade(s), "
        f"{execution['order_reject_count']} rejected, {execution['risk_block_count']} risk block(s) · "
        f"fill ratio {_number(execution['fill_ratio'], '.1%')} · "
        f"slippage {_number(execution['avg_slippage_bps'], '.1f')} bps"
    )
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(by_type.items()))
    console.print(f"  events     {len(events)}" + (f" ({kinds})" if kinds else ""))


@feedback_app.command("export")
def export(
    instance: Annotated[
        str,
        typer.Option(
            "--instance", help="preview:<id> (or just the id), paper:<account id> or live:<account id>."
        ),
    ],
    start: Annotated[str, typer.Option("--start", help="First trading day, YYYY-MM-DD (inclusive).")],
    end: Annotated[str, typer.Option("--end", help="Last trading day, YYYY-MM-DD (inclusive).")],
    out: Annotated[Path, typer.Option("--out", help="The JSON file to write (replaced atomically).")],
    home: HomeOpt = None,
) -> None:
    """Export one instance's LiveFeedback for a period, validated against the shipped schema."""
    from aistock.store import open_store, resolve_home
    from aistock.workflows.live_feedback import write_live_feedback

    try:
        first, last = _date(start, "--start"), _date(end, "--end")
        workstation_home = resolve_home(Path(home) if home else None).ensure()
        with open_store(workstation_home) as store:
            path = write_live_feedback(store, instance, first, last, out)
    except AistockError as error:
        _fail(error)
    # The summary is read back from the file, so it shows exactly what the consumer will read.
    _summary(path, json.loads(path.read_text(encoding="utf-8")))
