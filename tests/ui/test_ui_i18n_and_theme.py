"""Translations (Chinese by default, English = no translator), themes and UI fonts."""

from __future__ import annotations

import ast
import datetime as dt
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication
from ui_helpers import MONDAY, SATURDAY, FakeClock, WindowFactory, at

from aistock.core.modes import AccountMode
from aistock.ui.app import resolve_language
from aistock.ui.fonts import apply_ui_font, pick_cjk_families
from aistock.ui.i18n import current_language, install_translator, installed_translators, normalize_language
from aistock.ui.main_window import KEY_LANGUAGE, KEY_THEME
from aistock.ui.resources import i18n_dir
from aistock.ui.theme import DARK, LIGHT, current_theme, load_style_sheet

TS_FILE = i18n_dir() / "aistock_zh_CN.ts"
UI_SOURCES = Path(__file__).resolve().parents[2] / "app" / "aistock" / "ui"


def test_chinese_translator_translates_the_shell(qapp: QApplication, make_window: WindowFactory) -> None:
    assert install_translator(qapp, "zh_CN") is True
    assert current_language(qapp) == "zh_CN"
    assert QCoreApplication.translate("MainWindow", "&File") == "文件(&F)"

    window = make_window(AccountMode.LIVE, clock=FakeClock(at(MONDAY, 14, 58)))
    assert "文件" in window.file_menu.title()
    assert "视图" in window.view_menu.title()
    assert "帮助" in window.help_menu.title()
    assert window.mode_badge.text() == "实盘"
    assert window.risk_state_label.text() == "交易: 状态未知"
    assert window.clock_label.text() == "14:58:00  收盘集合竞价"
    assert window.freshness_label.text() == "数据截至 2025-11-21"
    assert window.pages.tabText(0) == "概览"
    assert [a.text() for a in window.file_menu.actions()] == ["退出(&Q)"]


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (at(MONDAY, 9, 20), "开盘集合竞价"),
        (at(MONDAY, 10, 0), "连续竞价(上午)"),
        (at(MONDAY, 12, 0), "午间休市"),
        (at(MONDAY, 13, 30), "连续竞价(下午)"),
        (at(MONDAY, 14, 58), "收盘集合竞价"),
        (at(MONDAY, 16, 0), "已收盘"),
        (at(SATURDAY, 10, 0), "休市"),
    ],
)
def test_phases_in_chinese(
    qapp: QApplication, make_window: WindowFactory, moment: dt.datetime, words: str
) -> None:
    install_translator(qapp, "zh_CN")
    window = make_window(clock=FakeClock(moment))
    assert window.clock_label.text().endswith(f"  {words}")


def test_english_installs_no_translator(qapp: QApplication) -> None:
    install_translator(qapp, "zh_CN")
    assert installed_translators(qapp)
    assert install_translator(qapp, "en") is False
    assert installed_translators(qapp) == []
    assert current_language(qapp) == "en"
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"


def test_installing_twice_does_not_stack(qapp: QApplication) -> None:
    install_translator(qapp, "zh_CN")
    first = len(installed_translators(qapp))
    install_translator(qapp, "zh-CN")
    assert len(installed_translators(qapp)) == first


def test_language_names_are_normalised() -> None:
    assert normalize_language("zh") == "zh_CN"
    assert normalize_language("ZH-cn") == "zh_CN"
    assert normalize_language("en_US") == "en"
    with pytest.raises(ValueError, match="unknown UI language"):
        normalize_language("fr")


def _messages(path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(context, source) → (translation text, translation type) of a Qt .ts file."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for ctx in ET.parse(path).getroot().iter("context"):
        for message in ctx.iter("message"):
            translation = message.find("translation")
            text = (translation.text or "") if translation is not None else ""
            kind = translation.get("type", "") if translation is not None else "missing"
            out[(ctx.findtext("name") or "", message.findtext("source") or "")] = (text, kind)
    return out


def test_every_string_has_a_chinese_translation() -> None:
    messages = _messages(TS_FILE)
    assert len(messages) > 50
    untranslated = [key for key, (text, kind) in messages.items() if kind or not text.strip()]
    assert untranslated == []
    qm = TS_FILE.with_suffix(".qm")
    assert qm.exists() and qm.stat().st_size > 0


def _lupdate() -> str | None:
    beside_python = Path(sys.executable).parent / "pyside6-lupdate"
    return str(beside_python) if beside_python.exists() else shutil.which("pyside6-lupdate")


@pytest.mark.skipif(_lupdate() is None, reason="pyside6-lupdate not available")
def test_ts_file_covers_every_ui_string(tmp_path: Path) -> None:
    """A UI string added without re-running lupdate (and translating it) fails here."""
    tool = _lupdate()
    assert tool is not None
    fresh = tmp_path / "fresh.ts"
    subprocess.run(
        [tool, "-extensions", "py", str(UI_SOURCES), "-ts", str(fresh)], check=True, capture_output=True
    )
    missing = set(_messages(fresh)) - set(_messages(TS_FILE))
    assert missing == set(), "run pyside6-lupdate and translate the new strings (see aistock.ui.i18n)"


def _translate_calls_lupdate_cannot_read(path: Path) -> list[str]:
    """Calls whose strings ``pyside6-lupdate`` would miss or file under the wrong context.

    lupdate reads ``translate("Context", "text")`` (bare or as ``QCoreApplication.translate``)
    only with two string literals, and takes a bare ``tr("a", "b")`` for (text, disambiguation)
    with an empty context, so such a string is never found at run time and stays English.
    """
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        literal = all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args[:2])
        if name == "translate" and (len(node.args) < 2 or not literal):
            found.append(f"{path.name}:{node.lineno} translate() without two string literals")
        elif name == "tr" and isinstance(func, ast.Name):
            found.append(f"{path.name}:{node.lineno} bare tr() alias (lupdate loses its context)")
    return found


def test_every_ui_string_is_written_so_lupdate_can_collect_it() -> None:
    sources = sorted(UI_SOURCES.rglob("*.py"))
    assert len(sources) > 40
    offenders = [hit for path in sources for hit in _translate_calls_lupdate_cannot_read(path)]
    assert offenders == [], "write translate('Context', 'literal text') (alias it as `translate`)"


def test_no_collected_string_lost_its_context() -> None:
    empty = [source for (context, source) in _messages(TS_FILE) if not context]
    assert empty == []


def test_language_menu_remembers_the_choice_for_next_start(
    qapp: QApplication, make_window: WindowFactory, settings: QSettings
) -> None:
    window = make_window(show=True)
    action = window.language_actions["en"]
    assert "restart" in action.statusTip().lower()
    window.language_actions["zh_CN"].trigger()
    assert settings.value(KEY_LANGUAGE) == "zh_CN"
    assert window.language_actions["zh_CN"].isChecked()
    assert "restart" in window.message_label.text().lower()  # running in English, Chinese is pending

    assert resolve_language(None, settings) == "zh_CN"
    assert resolve_language("en", settings) == "en"  # an explicit --lang wins
    settings.remove(KEY_LANGUAGE)
    assert resolve_language(None, settings) == "zh_CN"  # the default


def test_theme_switch_changes_the_application_style_sheet(
    qapp: QApplication, make_window: WindowFactory, settings: QSettings, settings_path: Path
) -> None:
    window = make_window()
    light = qapp.styleSheet()
    assert light == load_style_sheet(LIGHT) and light
    assert current_theme(qapp) == LIGHT

    window.theme_actions[DARK].trigger()
    dark = qapp.styleSheet()
    assert dark != light
    assert dark == load_style_sheet(DARK)
    assert "#1f2227" in dark
    assert "@ICONS@" not in dark  # icon paths were resolved
    assert window.theme_actions[DARK].isChecked() and not window.theme_actions[LIGHT].isChecked()
    assert settings.value(KEY_THEME) == DARK

    # Remembered: a new window on the same settings starts dark.
    qapp.setStyleSheet("")
    make_window(settings_store=QSettings(str(settings_path), QSettings.Format.IniFormat))
    assert qapp.styleSheet() == load_style_sheet(DARK)

    with pytest.raises(ValueError, match="unknown theme"):
        window.set_theme("solarized")


def test_theme_files_exist_and_stay_modest() -> None:
    for theme in (LIGHT, DARK):
        sheet = load_style_sheet(theme)
        assert "QStatusBar" in sheet
        assert "#d50000" not in sheet  # LIVE red is reserved for the badge, never a theme colour


def test_cjk_font_choice_is_ordered_and_tolerant(qapp: QApplication) -> None:
    assert pick_cjk_families(["DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC"]) == [
        "Noto Sans CJK SC",
        "WenQuanYi Micro Hei",
    ]
    assert pick_cjk_families(["microsoft yahei", "Arial"]) == ["Microsoft YaHei"]
    assert pick_cjk_families(["DejaVu Sans"]) == []
    before = qapp.font()
    try:
        chosen = apply_ui_font(qapp)  # never raises, with or without a CJK font installed
        assert chosen is None or chosen in qapp.font().families()
    finally:
        qapp.setFont(before)
