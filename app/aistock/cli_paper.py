"""``aistock paper``: the demo paper account at the built-in miniQMT, from the command line.

Each command is its own process: it resumes the simulated broker from its state file, connects
through the real gateway, lets the order manager reconcile, does its one thing and disconnects,
so the account persists between commands exactly as a broker account persists between launches.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aistock.core.errors import AistockError

if TYPE_CHECKING:
    from aistock.data import DataService
    from aistock.store import Store, WorkstationHome

paper_app = typer.Typer(
    help="The demo paper account on the built-in miniQMT simulator (status, order, cancel).",
    no_args_is_help=True,
)
console = Console()

HomeOpt = Annotated[str | None, typer.Option("--home", help="Workstation home (default: the user data dir).")]


def _session(home: str | None) -> tuple[WorkstationHome, Store, DataService]:
    from aistock.data import DataService, QlibProviderSource
    from aistock.store import open_store, resolve_home

    workstation_home = resolve_home(Path(home) if home else None).ensure()
    if not (workstation_home.demo_provider_dir / "calendars" / "day.txt").is_file():
        raise AistockError("this home has no demo market yet", "run `aistock demo --headless` once first")
    store = open_store(workstation_home)
    return workstation_home, store, DataService(QlibProviderSource(workstation_home.demo_provider_dir))


def _print_account(account: object) -> None:
    from aistock.trading.paper import BrokerAccount
    from aistock.workflows.paper_demo import DEMO_PAPER_ACCOUNT

    assert isinstance(account, BrokerAccount)
    service = account.service
    cash = service.get_cash_and_asset(DEMO_PAPER_ACCOUNT)
    summary = Table(title=f"paper account {DEMO_PAPER_ACCOUNT}", show_header=False)
    summary.add_row(
        "reconciliation", cash.reconcile_state + (f" — {cash.block_reason}" if cash.block_reason else "")
    )
    summary.add_row("cash (book)", f"¥{cash.cash:,.2f}  (available ¥{cash.available:,.2f})")
    summary.add_row("cash (broker)", f"¥{(cash.broker_cash or 0) + (cash.broker_frozen_cash or 0):,.2f}")
    summary.add_row("market value", f"¥{cash.market_value:,.2f}")
    console.print(summary)
    positions = Table(
        "code", "volume", "sellable", "bought today", "last", "broker volume", title="positions"
    )
    for p in service.get_current_positions(DEMO_PAPER_ACCOUNT):
        positions.add_row(
            p.code,
            str(p.volume),
            str(p.sellable),
            str(p.bought_today),
            f"{p.last_price:.2f}",
            str(p.broker_volume),
        )
    console.print(positions)
    orders = Table(
        "client id", "code", "side", "volume", "price", "filled", "status", "message", title="orders today"
    )
    for o in service.get_orders(DEMO_PAPER_ACCOUNT, day=cash.trading_day):
        orders.add_row(
            o.client_order_id,
            o.code,
            o.side.value,
            str(o.volume),
            f"{o.price:.2f}",
            str(o.filled_volume),
            o.status.value,
            o.status_msg,
        )
    console.print(orders)


@paper_app.command("status")
def status(home: HomeOpt = None) -> None:
    """Connect, reconcile with the simulated broker and show cash, positions and orders."""
    from aistock.workflows.paper_demo import demo_paper_account, wait_reconciled

    workstation_home, store, data = _session(home)
    with store, demo_paper_account(workstation_home, store, data) as (_counter, account):
        wait_reconciled(account)
        _print_account(account)


@paper_app.command("order")
def order(
    code: Annotated[str, typer.Argument(help="Stock code, e.g. 600000.SH")],
    side: Annotated[str, typer.Argument(help="buy or sell")],
    volume: Annotated[int, typer.Argument(help="Shares (buys in board lots)")],
    price: Annotated[
        float | None, typer.Option(help="Limit price in yuan; omit for the latest price.")
    ] = None,
    minutes: Annotated[int, typer.Option(help="Let the simulated market trade this many minutes.")] = 5,
    home: HomeOpt = None,
) -> None:
    """Place one order on the paper account and let the simulated market trade a few minutes."""
    from aistock.core.codes import to_canonical
    from aistock.core.fees import Side
    from aistock.core.orders import OrderRequest, PriceType
    from aistock.workflows.paper_demo import demo_paper_account, demo_router, wait_reconciled

    try:
        chosen = Side(side.lower())
    except ValueError:
        raise AistockError(f"side {side!r} is unknown", "write buy or sell") from None
    request = OrderRequest(
        to_canonical(code),
        chosen,
        volume,
        PriceType.LIMIT if price is not None else PriceType.LATEST,
        price or 0.0,
        strategy="cli",
    )
    workstation_home, store, data = _session(home)
    with store, demo_paper_account(workstation_home, store, data, poll_interval_s=0.2) as (counter, account):
        wait_reconciled(account)
        report = demo_router(workstation_home, store, data, counter, account).route([request], origin="cli")
        for decision in report.verdict.decisions:
            if decision.reasons:
                console.print(f"[yellow]risk:[/] {escape(decision.describe())}")
        for _, why in report.refused:
            console.print(f"[red]not sent:[/] {escape(why)}")
        for sent, client_order_id in report.sent:
            console.print(f"sent {client_order_id}: {sent.side.value} {sent.volume} {sent.code}")
        if not report.sent:
            raise typer.Exit(1)
        counter.advance(max(0, minutes))
        account.manager.wait_idle(10)
        account.manager.reconcile_now("cli")
        _print_account(account)


@paper_app.command("cancel")
def cancel(
    client_order_id: Annotated[
        str, typer.Argument(help="The order's client id (see `aistock paper status`).")
    ],
    home: HomeOpt = None,
) -> None:
    """Ask the simulated broker to cancel an open order."""
    from aistock.workflows.paper_demo import demo_paper_account, wait_reconciled

    workstation_home, store, data = _session(home)
    with store, demo_paper_account(workstation_home, store, data, poll_interval_s=0.2) as (counter, account):
        wait_reconciled(account)
        account.manager.cancel_order(client_order_id)
        counter.advance(1)
        account.manager.wait_idle(10)
        account.manager.reconcile_now("cli")
        _print_account(account)
