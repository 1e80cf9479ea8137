"""The Overview page: what this session is — account mode, data, and where things are stored.

The first thing a trader sees when the window opens, so it answers the questions asked before
anything else: *which account am I on* (a banner in the badge's colours, with a sentence saying
whether orders use real money), *which data am I looking at*, and *where are my files*. Paths
are selectable so they can be copied into a terminal or a bug report.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from aistock import __version__
from aistock.ui.badges import mode_banner_style
from aistock.ui.demo_summary import demo_summary_lines
from aistock.ui.shell_info import ShellInfo
from aistock.ui.texts import mode_description, mode_name


def _value_label(text: str, object_name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _field_name(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("fieldName")
    return label


class OverviewPage(QScrollArea):
    """A read-only summary of a :class:`ShellInfo`; scrolls when the window is small."""

    def __init__(self, info: ShellInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overviewPage")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._info = info

        body = QWidget()
        body.setObjectName("overviewBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(10)

        title = QLabel(QCoreApplication.translate("Overview", "AIstock Workstation"))
        title.setObjectName("overviewTitle")
        subtitle = QLabel(
            QCoreApplication.translate(
                "Overview",
                "China A-share research reproduction, strategy preview and supervised trading "
                "beside miniQMT · version {version}",
            ).format(version=__version__)
        )
        subtitle.setObjectName("overviewSubtitle")
        subtitle.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(subtitle)

        layout.addWidget(self._mode_banner(info))
        layout.addWidget(self._session_group(info))
        layout.addWidget(self._summary_group(info))
        layout.addStretch(1)
        self.setWidget(body)

    # -- sections -----------------------------------------------------------------------------------
    def _mode_banner(self, info: ShellInfo) -> QFrame:
        banner = QFrame()
        banner.setObjectName("modeBanner")
        banner.setProperty("mode", info.account_mode.value)
        banner.setStyleSheet(mode_banner_style(info.account_mode))
        row = QHBoxLayout(banner)
        row.setContentsMargins(0, 0, 0, 0)
        name = QLabel(mode_name(info.account_mode))
        name.setObjectName("modeBannerName")
        font = name.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        name.setFont(font)
        text = QLabel(mode_description(info.account_mode))
        text.setObjectName("modeBannerText")
        text.setWordWrap(True)
        row.addWidget(name)
        row.addSpacing(12)
        row.addWidget(text, 1)
        self.mode_banner_text = text
        return banner

    def _session_group(self, info: ShellInfo) -> QGroupBox:
        box = QGroupBox(QCoreApplication.translate("Overview", "Session"))
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(8)
        not_set = QCoreApplication.translate("Overview", "Not configured")
        as_of = (
            info.data_as_of.isoformat()
            if info.data_as_of
            else QCoreApplication.translate("Overview", "No data yet")
        )
        rows: list[tuple[str, QWidget]] = [
            (
                QCoreApplication.translate("Overview", "Account mode"),
                _value_label(mode_name(info.account_mode), "overviewMode"),
            ),
            (
                QCoreApplication.translate("Overview", "Data source"),
                _value_label(info.data_source_label, "overviewDataSource"),
            ),
            (QCoreApplication.translate("Overview", "Data as of"), _value_label(as_of, "overviewDataAsOf")),
            (
                QCoreApplication.translate("Overview", "Home directory"),
                self._path_row(info.home_dir, "overviewHomeDir"),
            ),
            (
                QCoreApplication.translate("Overview", "Database"),
                _value_label(str(info.database_path), "overviewDatabase"),
            ),
            (
                QCoreApplication.translate("Overview", "Provider directory"),
                _value_label(str(info.provider_dir) if info.provider_dir else not_set, "overviewProviderDir"),
            ),
        ]
        for name, value in rows:
            form.addRow(_field_name(name), value)
        return box

    def _path_row(self, path: Path, object_name: str) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(_value_label(str(path), object_name), 1)
        button = QPushButton(QCoreApplication.translate("Overview", "Open folder"))
        button.setObjectName("openHomeButton")
        button.setToolTip(QCoreApplication.translate("Overview", "Open this folder in the file manager"))
        button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
        row.addWidget(button, 0)
        return holder

    def _summary_group(self, info: ShellInfo) -> QGroupBox:
        box = QGroupBox(QCoreApplication.translate("Overview", "Summary"))
        column = QVBoxLayout(box)
        column.setSpacing(4)
        lines = info.summary_lines
        if info.demo_facts is not None:
            lines = demo_summary_lines(info.demo_facts) + lines
        lines = lines or (QCoreApplication.translate("Overview", "Nothing to report yet."),)
        for line in lines:
            label = _value_label(line, "overviewSummaryLine")
            column.addWidget(label)
        return box
