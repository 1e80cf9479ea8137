"""The schema's version history, read through Alembic configured entirely in code.

The migration scripts ship inside the package (``aistock/store/migrations``) so an installed or
bundled workstation can upgrade its database without an ``alembic.ini`` or a source checkout.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from aistock.store.engine import sqlite_url
from aistock.store.errors import StoreCorruptError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
"""Where ``env.py`` and ``versions/`` live (inside the installed package)."""

VERSION_TABLE = "alembic_version"


def _escape(value: str) -> str:
    # Alembic's Config is a ConfigParser: a literal '%' (possible in a Windows path) must be doubled.
    return value.replace("%", "%%")


def alembic_config(database_path: Path | str | None = None) -> Config:
    """An Alembic ``Config`` for our migrations, optionally pointing at one database file.

    ``open_store`` passes its own connection through ``config.attributes["connection"]``; the
    URL is for tools and tests that run Alembic commands against a file directly.
    """
    config = Config()
    config.set_main_option("script_location", _escape(str(MIGRATIONS_DIR)))
    config.set_main_option("path_separator", "os")
    if database_path is not None:
        config.set_main_option("sqlalchemy.url", _escape(sqlite_url(database_path)))
    return config


@cache
def _script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this version of AIstock knows."""
    head = _script_directory().get_current_head()
    if head is None:  # pragma: no cover - only if the versions directory were empty
        raise RuntimeError(f"no Alembic revisions found in {MIGRATIONS_DIR / 'versions'}")
    return head


@cache
def known_revisions() -> frozenset[str]:
    """Every revision id in our history; anything else was written by a newer AIstock."""
    return frozenset(script.revision for script in _script_directory().walk_revisions())


def read_only_uri(path: Path) -> str:
    """A ``sqlite3`` URI that opens an existing file without creating or writing it."""
    return f"{path.resolve().as_uri()}?mode=ro"


def read_revisions(connection: sqlite3.Connection) -> tuple[str, ...]:
    """The rows of ``alembic_version`` (empty if the table does not exist)."""
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
    ).fetchone()
    if exists is None:
        return ()
    rows = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()
    return tuple(str(row[0]) for row in rows)


def current_revision(path: Path | str) -> str | None:
    """The schema revision of the database at ``path``; ``None`` if it has none (or no file).

    The file is opened read-only, so this is safe on a database we may refuse to touch.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(read_only_uri(path), uri=True)) as connection:
            revisions = read_revisions(connection)
    except sqlite3.DatabaseError as exc:
        raise StoreCorruptError(
            f"{path} cannot be read as an AIstock database ({exc})",
            "choose another --home, or restore the file from a backup",
        ) from exc
    if len(revisions) > 1:
        raise StoreCorruptError(
            f"{path} records several schema revisions at once ({', '.join(revisions)})",
            "this AIstock never writes that; restore the file from a backup or choose another --home",
        )
    return revisions[0] if revisions else None
