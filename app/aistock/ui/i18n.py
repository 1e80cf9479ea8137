"""UI language: Qt's own translation system, Chinese by default.

Source strings in code are English, wrapped in ``QCoreApplication.translate(context, text)``
with a literal context (PySide's ``self.tr`` takes the context from the *runtime* class, so a
subclass would silently lose every translation). ``pyside6-lupdate`` collects them into
``resources/i18n/aistock_zh_CN.ts`` and ``pyside6-lrelease`` compiles the ``.qm`` the app loads.
English is the source language, so choosing it simply means installing no translator.

Regenerate after changing UI strings (then translate the new entries in Qt Linguist or by hand;
``tests/ui`` fails while any string is missing or unfinished). No source locations are stored, so
editing code elsewhere in a file does not churn the ``.ts``::

    .venv/bin/pyside6-lupdate -extensions py app/aistock/ui -locations none -no-obsolete \
        -ts resources/i18n/aistock_zh_CN.ts
    .venv/bin/pyside6-lrelease resources/i18n/aistock_zh_CN.ts -qm resources/i18n/aistock_zh_CN.qm
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from aistock.ui.resources import i18n_dir

log = logging.getLogger(__name__)

CHINESE = "zh_CN"
ENGLISH = "en"
LANGUAGES: tuple[str, ...] = (CHINESE, ENGLISH)
DEFAULT_LANGUAGE = CHINESE

_TRANSLATOR_NAME = "aistock_translator"
_LANGUAGE_PROPERTY = "aistockLanguage"
_ALIASES = {
    "zh": CHINESE,
    "zh_cn": CHINESE,
    "zh-cn": CHINESE,
    "cn": CHINESE,
    "chinese": CHINESE,
    "中文": CHINESE,
    "en": ENGLISH,
    "en_us": ENGLISH,
    "en-us": ENGLISH,
    "en_gb": ENGLISH,
    "english": ENGLISH,
}


def normalize_language(language: str) -> str:
    """Map what a user may type (``zh``, ``zh-CN``, ``en_US`` …) onto one of :data:`LANGUAGES`."""
    key = language.strip().lower()
    try:
        return _ALIASES[key]
    except KeyError:
        raise ValueError(f"unknown UI language {language!r} — use one of {', '.join(LANGUAGES)}") from None


def installed_translators(app: QCoreApplication) -> list[QTranslator]:
    """The translators :func:`install_translator` put on ``app`` (ours and Qt's own)."""
    return [t for t in app.findChildren(QTranslator) if t.objectName() == _TRANSLATOR_NAME]


def current_language(app: QCoreApplication) -> str:
    """The language last installed on ``app``; English when none was (the source language)."""
    value = app.property(_LANGUAGE_PROPERTY)
    return value if isinstance(value, str) and value in LANGUAGES else ENGLISH


def install_translator(app: QCoreApplication, language: str) -> bool:
    """Make ``app`` speak ``language``; True when a translator was installed.

    Removes any translator installed by an earlier call first, so calling it twice (tests, a
    future live switch) never stacks translations. English installs nothing and returns False.
    A missing ``.qm`` is logged and leaves the UI in English rather than failing to start.
    Qt's own strings (dialog buttons such as OK/Cancel) are translated too when Qt ships them.
    """
    lang = normalize_language(language)
    for old in installed_translators(app):
        app.removeTranslator(old)
        old.setParent(None)
        old.deleteLater()
    app.setProperty(_LANGUAGE_PROPERTY, ENGLISH)
    if lang == ENGLISH:
        return False

    ours = QTranslator(app)  # parented: the app keeps it alive
    ours.setObjectName(_TRANSLATOR_NAME)
    folder = i18n_dir()
    if not ours.load(f"aistock_{lang}", str(folder)):
        log.warning("UI translation aistock_%s.qm not found in %s; the UI stays in English", lang, folder)
        ours.setParent(None)
        ours.deleteLater()
        return False
    app.installTranslator(ours)

    qt_own = QTranslator(app)
    qt_own.setObjectName(_TRANSLATOR_NAME)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt_own.load(QLocale(lang), "qtbase", "_", qt_dir):
        app.installTranslator(qt_own)
    else:
        qt_own.setParent(None)
        qt_own.deleteLater()
    app.setProperty(_LANGUAGE_PROPERTY, lang)
    return True
