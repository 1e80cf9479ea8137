"""How ``aistock demo`` opens the workstation on its demo world, in one place.

The command line and the screenshot tool (``aistock.ui.demo_screenshots``) both open the window
through :func:`open_demo_launch`, so the pictures in ``docs/`` show exactly the window a user gets:
the same session (paper account on the built-in miniQMT simulator, previews, catalogs, risk), the
same panels and the same status-bar read-outs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aistock.core.modes import AccountMode
from aistock.ui.shell_info import ShellInfo
from aistock.workflows.workstation_session import WorkstationSession, open_demo_session

if TYPE_CHECKING:
    from aistock.store import Store
    from aistock.ui.main_window import MainWindow
    from aistock.ui.workstation_ui import WorkstationUi
    from aistock.workflows.demo_world import DemoWorld

WindowScript = Callable[["MainWindow", "WorkstationUi"], None]
"""Run on the GUI thread once the window shows; the window closes when it returns."""


@dataclass
class DemoLaunch:
    """The demo world's session and the read-outs the window's status bar polls."""

    world: DemoWorld
    session: WorkstationSession
    info: ShellInfo

    @property
    def mode(self) -> AccountMode:
        return self.info.account_mode

    def trading_state(self) -> tuple[str, str]:
        snapshot = self.session.state.current()
        return snapshot.state.value, snapshot.describe()

    def gateway_state(self) -> tuple[str, str]:
        desk = self.session.desk
        return (desk.connection_state(), desk.account_id) if desk is not None else ("disconnected", "—")

    def populate(self, window: MainWindow) -> WorkstationUi:
        from aistock.ui.workstation_ui import WorkstationUi

        return WorkstationUi(window, self.session, account_mode=self.mode)

    def run(
        self,
        language: str | None,
        *,
        settings_path: Path | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        script: WindowScript | None = None,
    ) -> int:
        """Open the window and run the GUI until it closes; the session is closed afterwards."""
        from aistock.ui.app import run_workstation

        def after_shown(window: MainWindow, populated: object) -> None:
            from aistock.ui.workstation_ui import WorkstationUi

            assert script is not None and isinstance(populated, WorkstationUi)
            script(window, populated)

        try:
            return run_workstation(
                self.info,
                self.world.calendar(),
                language=language,
                settings_path=settings_path or self.world.home.root / "workstation.ini",
                trading_state=self.trading_state,
                gateway_state=self.gateway_state if self.session.desk is not None else None,
                populate=self.populate,
                clock=clock,
                after_shown=after_shown if script is not None else None,
            )
        finally:
            self.session.close()


def open_demo_launch(world: DemoWorld, store: Store, *, start_clocks: bool = True) -> DemoLaunch:
    """The demo session with its clocks running (kill-switch watcher, preview refresh)."""
    session = open_demo_session(
        world.home, store, world.data_service(), world.calendar(), rdagent_export=world.rdagent_export
    )
    if start_clocks:  # honour `aistock halt` / `aistock resume` from other shells; previews tick
        session.start_clocks()
    mode = AccountMode.PAPER if session.desk is not None else AccountMode.PREVIEW
    m = world.manifest
    info = ShellInfo(
        data_source_label=f"演示行情 demo · {m.stocks} · {m.start}…{m.end}",
        account_mode=mode,
        home_dir=world.home.root,
        database_path=store.path,
        provider_dir=world.provider_dir,
        data_as_of=m.end_date,
        demo_facts=world.facts(),
    )
    return DemoLaunch(world=world, session=session, info=info)
