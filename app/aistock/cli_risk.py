"""``aistock halt`` / ``aistock resume`` / ``aistock risk status``: the kill-switch from a shell.

The kill-switch must work whether or not a workstation is running. When one is, it holds the
home's lock, so these commands cannot open the store; they write a request file in the home
folder instead. The running workstation's very next order is refused because of that file
(the gate reads it), and its watcher engages the switch and cancels open orders within a
quarter second; ``halt`` waits to see the request taken. When no workstation is running,
``halt`` opens the store, records HALTED and cancels the demo paper account's open orders itself.
"""

from __future__ import annotations

import getpass
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from aistock.core.errors import AistockError

if TYPE_CHECKING:
    from aistock.store import Store, WorkstationHome

risk_app = typer.Typer(help="Trading state, risk events and limits.", no_args_is_help=True)
console = Console()

HomeOpt = Annotated[str | None, typer.Option("--home", help="Workstation home (default: the user data dir).")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded with the change).")]


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "cli"


def halt(
    reason: ReasonOpt = "halted from the command line",
    home: HomeOpt = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for a running workstation.")] = 5.0,
) -> None:
    """Engage the kill-switch: no new orders, every open order cancelled (cancels still pass)."""
    from aistock.store import StoreLockedError, open_store, resolve_home
    from aistock.trading.risk.state import HALT_REQUEST_FILE, write_request

    workstation_home = resolve_home(Path(home) if home else None).ensure()
    try:
        store = open_store(workstation_home)
    except StoreLockedError:
        path = workstation_home.root / HALT_REQUEST_FILE
        write_request(path, reason, _user())
        console.print(
            f"[bold red]HALT requested[/]: a workstation is running on {workstation_home.root}; "
            "its next order is refused from now on."
        )
        deadline = time.monotonic() + wait
        while path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if path.exists():
            console.print(
                "[yellow]The workstation has not taken the request yet[/] (its watcher may be busy); "
                "the request file stays in force and blocks every new order until it does."
            )
        else:
            console.print("The workstation engaged the kill-switch and is cancelling open orders.")
        return
    with store:
        report = _halt_here(workstation_home, store, reason)
    console.print(f"[bold red]HALTED[/] — {escape(report)}")


def _halt_here(home: WorkstationHome, store: Store, reason: str) -> str:
    from aistock.data import DataService, QlibProviderSource
    from aistock.trading.risk.kill_switch import KillSwitch
    from aistock.workflows.paper_demo import demo_broker_dir, demo_paper_account, trading_state_of

    state = trading_state_of(home, store)
    has_demo_account = (demo_broker_dir(home) / "counter.json").is_file()
    if not has_demo_account:
        kill = KillSwitch(state, [], monitoring=state.monitoring)
        return kill.engage(reason, by=_user(), source="cli").describe() + " (no broker account to cancel on)"
    data = DataService(QlibProviderSource(home.demo_provider_dir))
    with demo_paper_account(home, store, data, poll_interval_s=0.2, gate=state) as (_, account):
        from aistock.workflows.paper_demo import wait_reconciled

        wait_reconciled(account)
        kill = KillSwitch(state, [account.manager], monitoring=state.monitoring)
        report = kill.engage(reason, by=_user(), source="cli")
        account.manager.wait_idle(5)
    return report.describe()


def resume(
    reason: ReasonOpt = "released from the command line",
    home: HomeOpt = None,
    reducing: Annotated[
        bool, typer.Option("--reducing", help="Allow only orders that reduce exposure (sells).")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Release the kill-switch (to ACTIVE, or REDUCING with --reducing); asks for confirmation."""
    from aistock.core.trading_state import TradingState
    from aistock.store import StoreLockedError, open_store, resolve_home
    from aistock.trading.risk.kill_switch import KillSwitch
    from aistock.trading.risk.state import RESUME_REQUEST_FILE, write_request
    from aistock.workflows.paper_demo import trading_state_of

    target = TradingState.REDUCING if reducing else TradingState.ACTIVE
    workstation_home = resolve_home(Path(home) if home else None).ensure()
    if not yes and not typer.confirm(f"Release the kill-switch and move trading to {target.value.upper()}?"):
        console.print("Nothing changed; the trading state is as it was.")
        raise typer.Exit(1)
    try:
        store = open_store(workstation_home)
    except StoreLockedError:
        path = workstation_home.root / RESUME_REQUEST_FILE
        write_request(path, reason, _user(), to=target.value)
        console.print(f"Resume to {target.value.upper()} requested from the running workstation.")
        return
    with store:
        state = trading_state_of(workstation_home, store)
        before = state.current()
        snapshot = KillSwitch(state, monitoring=state.monitoring).release(
            reason=reason, by=_user(), confirmed=True, to=target, source="cli"
        )
    console.print(
        f"{before.state.value.upper()} → [bold]{snapshot.state.value.upper()}[/] ({escape(reason)})"
    )


@risk_app.command("status")
def risk_status(
    home: HomeOpt = None,
    events: Annotated[int, typer.Option(help="How many recent risk events to list.")] = 15,
) -> None:
    """The trading state, its recent changes and the latest risk and monitoring events."""
    from aistock.store import StoreLockedError, open_store, resolve_home
    from aistock.trading.monitoring import MonitoringService
    from aistock.workflows.paper_demo import trading_state_of

    workstation_home = resolve_home(Path(home) if home else None).ensure()
    try:
        store = open_store(workstation_home)
    except StoreLockedError as exc:
        raise AistockError(
            "a workstation is running on this home, so its store cannot be read from here",
            "look at the status bar of the running workstation, or close it first",
        ) from exc
    with store:
        state = trading_state_of(workstation_home, store)
        console.print(f"trading state: [bold]{escape(state.current().describe())}[/]")
        history = Table("when (UTC)", "from", "to", "by", "source", "reason", title="state changes")
        for change in state.history(10):
            history.add_row(
                f"{change.changed_at:%Y-%m-%d %H:%M:%S}",
                change.from_state,
                change.to_state,
                change.changed_by,
                change.source,
                escape(change.reason),
            )
        console.print(history)
        monitoring = MonitoringService(store)
        recent = monitoring.events(limit=100_000)[-events:]
        table = Table("when (UTC)", "kind", "severity", "account", "message", title="recent events")
        for event in recent:
            table.add_row(
                f"{event.at:%Y-%m-%d %H:%M:%S}",
                event.kind,
                event.severity,
                event.account_id,
                escape(event.message),
            )
        console.print(table)
