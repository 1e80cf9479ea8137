"""A loop's folders (its log, its workspace) on this machine, and opening them.

RD-Agent records its own machine's paths (``/mnt/f/Dev/RD-Agent-main/log``); the saved path map
rewrites them (:mod:`aistock.rdagent.catalog.pathmap`). A folder that is not here is never a
silent no-op: :func:`open_folder` raises :class:`FolderNotHere` naming the RD-Agent path, where
it was looked for and the fix, and the page shows that.

The opener is injected (the default asks the desktop through ``QDesktopServices``) so a test can
see which path would have opened without a file manager appearing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QUrl
from PySide6.QtGui import QDesktopServices

from aistock.core.errors import AistockError
from aistock.rdagent.catalog.pathmap import raw_prefix
from aistock.rdagent.catalog.repository import LoopRecord, RdagentRepository

FolderOpener = Callable[[Path], bool]
"""Opens a local folder in the file manager; False when nothing could open it."""


def desktop_opener(path: Path) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class FolderNotHere(AistockError):
    """A loop's folder that is not on this machine (or that could not be opened)."""


@dataclass(frozen=True)
class FolderLocation:
    """Where a loop's folder is: RD-Agent's raw path and the local one it maps to (if any)."""

    raw: str | None
    local: Path | None

    @property
    def exists(self) -> bool:
        return self.local is not None and self.local.is_dir()


def log_folder(repository: RdagentRepository, loop: LoopRecord) -> FolderLocation:
    """The loop's ``log_dir`` through the saved path map."""
    raw = loop.log_dir.strip() if loop.log_dir else None
    return FolderLocation(raw or None, repository.path_map().resolve(raw) if raw else None)


def workspace_folder(repository: RdagentRepository, loop: LoopRecord) -> FolderLocation:
    """The loop's workspace as the model runtime finds it (path map, trusted roots, bundles)."""
    local = repository.local_workspace(loop)
    if local is None:
        local = repository.path_map().resolve(loop.workspace_path)
    return FolderLocation(loop.workspace_path, local)


def _fix(raw: str | None) -> str:
    prefix = raw_prefix(raw) if raw else None
    if prefix is None and raw:
        prefix = str(Path(raw).parent)
    return QCoreApplication.translate(
        "ResearchFolders",
        "Sync the catalog from a local copy of the RD-Agent folder (Research → Sync catalog…): the "
        "path map is inferred from it. Or map RD-Agent's path to your copy: "
        "aistock sync --from DIR --map {prefix}=LOCAL_DIR",
    ).format(prefix=prefix or "RD_AGENT_PREFIX")


def log_folder_error(loop: LoopRecord, location: FolderLocation) -> FolderNotHere:
    """Why the loop's log folder cannot be opened, and what to do about it."""
    translate = QCoreApplication.translate
    if location.raw is None:
        return FolderNotHere(
            translate("ResearchFolders", "Loop {loop} records no log folder.").format(loop=loop.key),
            translate(
                "ResearchFolders",
                "RD-Agent writes log_dir for the loops it ran: re-export the catalog on the RD-Agent "
                "side and sync again.",
            ),
        )
    if location.local is None:
        return FolderNotHere(
            translate(
                "ResearchFolders",
                "The log folder of loop {loop} is RD-Agent's path {raw}, which the path map does not "
                "cover on this machine.",
            ).format(loop=loop.key, raw=location.raw),
            _fix(location.raw),
        )
    return FolderNotHere(
        translate(
            "ResearchFolders",
            "The log folder of loop {loop} is not on this machine: {local} does not exist "
            "(RD-Agent's path {raw}).",
        ).format(loop=loop.key, local=location.local, raw=location.raw),
        _fix(location.raw),
    )


def workspace_folder_error(loop: LoopRecord, location: FolderLocation) -> FolderNotHere:
    return FolderNotHere(
        QCoreApplication.translate(
            "ResearchFolders",
            "The workspace of loop {loop} is not on this machine (RD-Agent's path {raw}; looked in {local}).",
        ).format(loop=loop.key, raw=location.raw or "—", local=location.local or "—"),
        _fix(location.raw),
    )


def open_folder(location: FolderLocation, opener: FolderOpener, missing: FolderNotHere) -> Path:
    """Open the folder with ``opener``; raise ``missing`` when it is not here, or if it will not open."""
    if location.local is None or not location.local.is_dir():
        raise missing
    if not opener(location.local):
        raise FolderNotHere(
            QCoreApplication.translate("ResearchFolders", "{path} could not be opened.").format(
                path=location.local
            ),
            QCoreApplication.translate(
                "ResearchFolders",
                "No file manager answered; open the folder by hand (the path is selectable).",
            ),
        )
    return location.local
