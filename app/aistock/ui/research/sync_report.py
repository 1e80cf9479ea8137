"""What a catalog sync did, and the syncs before it.

The report answers the questions asked after a sync: did anything change (added / changed /
unchanged / rejected per catalog), what was skipped and why (each rejected entry with its
reason — the rest was imported), and what the sync learned about this machine (the path map,
the trusted roots model files may load from). The history below lists earlier syncs, refused
ones included, because "why is this loop missing?" is often answered by a sync that failed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from aistock.core.calendar import SHANGHAI
from aistock.rdagent.catalog.repository import RdagentRepository, SyncRunRecord
from aistock.rdagent.catalog.sync import REPORT_CATALOGS, SyncReport
from aistock.ui.monitor import WARN_COLOUR, Column, Kind
from aistock.ui.research.layout import fit_columns, monitor, section_title

HISTORY_LIMIT = 50


def catalog_title(name: str) -> str:
    translate = QCoreApplication.translate
    return {
        "factors": translate("SyncReport", "Factors"),
        "strategies": translate("SyncReport", "Strategies"),
        "loops": translate("SyncReport", "Loops"),
        "models": translate("SyncReport", "Models"),
        "bundles": translate("SyncReport", "Bundles"),
    }.get(name, name)


def count_rows(report: SyncReport) -> list[dict[str, Any]]:
    """One row per catalog; a catalog the source did not export says so instead of zeros."""
    rows: list[dict[str, Any]] = []
    for name in REPORT_CATALOGS:
        counts = report.counts[name]
        missing = name in report.missing_catalogs and counts.total == 0
        rows.append(
            {
                "catalog": name,
                "title": catalog_title(name),
                "added": None if missing else counts.added,
                "changed": None if missing else counts.changed,
                "unchanged": None if missing else counts.unchanged,
                "rejected": None if missing else counts.rejected,
                "note": QCoreApplication.translate("SyncReport", "not exported") if missing else "",
            }
        )
    return rows


def notes_text(report: SyncReport) -> str:
    """Warnings, the path map and the trusted roots, as plain lines."""
    translate = QCoreApplication.translate
    lines: list[str] = []
    if report.warnings:
        lines.append(translate("SyncReport", "Warnings:"))
        lines += [f"  {warning}" for warning in report.warnings]
    if report.path_map.rules:
        lines.append(translate("SyncReport", "Path map (RD-Agent path → this machine):"))
        lines += [f"  {source} → {target}" for source, target in report.path_map.rules]
    if report.trusted_roots:
        lines.append(translate("SyncReport", "Trusted roots (model files load only from these):"))
        new = translate("SyncReport", "(new)")
        lines += [f"  {root}{' ' + new if root in report.new_roots else ''}" for root in report.trusted_roots]
    if report.registry_files or report.pinned_files:
        lines.append(
            translate(
                "SyncReport", "File hashes: {registry} from RD-Agent's registry, {pinned} pinned now"
            ).format(registry=report.registry_files, pinned=report.pinned_files)
        )
    return "\n".join(lines)


def _history_total(run: SyncRunRecord, outcome: str) -> int | None:
    if run.status == "refused":
        return None
    total = 0
    for name in REPORT_CATALOGS:
        counts = run.counts.get(name)
        if isinstance(counts, dict):
            value = counts.get(outcome)
            total += value if isinstance(value, int) else 0
    return total


class SyncReportView(QWidget):
    """The last sync's report over the sync history."""

    def __init__(self, repository: RdagentRepository, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncReport")
        self._repository = repository
        self.report: SyncReport | None = None
        translate = QCoreApplication.translate

        self.title = QLabel(self)
        self.title.setObjectName("syncReportTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)

        self.counts_view = monitor(
            [
                Column("title", translate("SyncReport", "Catalog")),
                Column("added", translate("SyncReport", "Added"), Kind.INT),
                Column("changed", translate("SyncReport", "Changed"), Kind.INT),
                Column("unchanged", translate("SyncReport", "Unchanged"), Kind.INT),
                Column("rejected", translate("SyncReport", "Rejected"), Kind.INT),
                Column("note", translate("SyncReport", "Note")),
            ],
            name="syncCounts",
            row_key=lambda r: r["catalog"],
            row_colour=lambda r: WARN_COLOUR if r["rejected"] else None,
            show_filter=False,
        )
        self.rejected_view = monitor(
            [
                Column(
                    "catalog", translate("SyncReport", "Catalog"), getter=lambda i: catalog_title(i.catalog)
                ),
                Column("key", translate("SyncReport", "Entry")),
                Column("reason", translate("SyncReport", "Reason (the entry was skipped)")),
            ],
            name="syncRejected",
            row_key=lambda i: (i.catalog, i.key),
        )
        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("syncNotes")
        self.notes.setReadOnly(True)
        self.notes.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.history_view = monitor(
            [
                Column("id", translate("SyncReport", "Sync"), Kind.INT, getter=lambda r: r.id),
                Column(
                    "started_at",
                    translate("SyncReport", "Started"),
                    Kind.TIME,
                    getter=lambda r: _local(r.started_at),
                ),
                Column("status", translate("SyncReport", "Status"), getter=lambda r: r.status),
                Column(
                    "added",
                    translate("SyncReport", "Added"),
                    Kind.INT,
                    getter=lambda r: _history_total(r, "added"),
                ),
                Column(
                    "changed",
                    translate("SyncReport", "Changed"),
                    Kind.INT,
                    getter=lambda r: _history_total(r, "changed"),
                ),
                Column(
                    "rejected",
                    translate("SyncReport", "Rejected"),
                    Kind.INT,
                    getter=lambda r: _history_total(r, "rejected"),
                ),
                Column("kind", translate("SyncReport", "From"), getter=lambda r: r.origin_kind),
                Column("location", translate("SyncReport", "Source"), getter=lambda r: r.origin_location),
                Column(
                    "message",
                    translate("SyncReport", "Message"),
                    getter=lambda r: r.message.replace("\n", " · "),
                ),
            ],
            name="syncHistory",
            row_key=lambda r: r.id,
            row_colour=lambda r: WARN_COLOUR if r.status != "ok" else None,
        )

        top = QWidget(self)
        top_layout = QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(8)
        top_layout.addWidget(self._block(translate("SyncReport", "Counts"), self.counts_view), 1)
        top_layout.addWidget(self._block(translate("SyncReport", "Notes"), self.notes), 1)
        # Five catalogs: the counts need no more room than this, the rejected list gets the rest.
        rows = len(REPORT_CATALOGS) + 1
        top.setFixedHeight(self.counts_view.table.verticalHeader().defaultSectionSize() * rows + 80)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self._block(translate("SyncReport", "Rejected entries"), self.rejected_view))
        self.splitter.addWidget(self._block(translate("SyncReport", "Sync history"), self.history_view))
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(top)
        layout.addWidget(self.splitter, 1)
        self.show_report(None)

    def _block(self, title: str, body: QWidget) -> QWidget:
        block = QWidget(self)
        layout = QVBoxLayout(block)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(section_title(title, block))
        layout.addWidget(body, 1)
        return block

    def show_report(self, report: SyncReport | None) -> None:
        """Show ``report`` (``None``: only the history) and re-read the history."""
        translate = QCoreApplication.translate
        self.report = report
        if report is None:
            self.title.setText(
                translate("SyncReport", "No sync in this session yet; earlier syncs are listed below.")
            )
            self.counts_view.set_records([])
            self.rejected_view.set_records([])
            self.notes.clear()
        else:
            status = (
                translate("SyncReport", "ok")
                if report.status == "ok"
                else translate("SyncReport", "partial: some entries were rejected")
            )
            self.title.setText(
                translate("SyncReport", "Sync #{run} from {kind} {location}: {status}").format(
                    run=report.run_id, kind=report.kind, location=report.location, status=status
                )
            )
            self.counts_view.set_records(count_rows(report))
            fit_columns(self.counts_view, 160)
            self.rejected_view.set_records(list(report.rejected))
            self.notes.setPlainText(notes_text(report))
            fit_columns(self.rejected_view, 360)
        self.refresh_history()

    def refresh_history(self) -> None:
        self.history_view.set_records(self._repository.runs(HISTORY_LIMIT))
        fit_columns(self.history_view, 360)


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC time in exchange time (Shanghai), like every other time the workstation shows."""
    return moment.astimezone(SHANGHAI) if moment is not None and moment.tzinfo is not None else moment
