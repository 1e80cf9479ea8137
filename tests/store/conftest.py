"""Shared fixtures for the store tests: real SQLite files under ``tmp_path``, no mocks.

Helpers are fixtures (not importable functions) because ``tests/`` has no packages: importing
from a ``conftest`` module by name would be ambiguous once other folders have their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command

from aistock.store import WorkstationHome, alembic_config


@pytest.fixture
def home(tmp_path: Path) -> WorkstationHome:
    """A workstation home that does not exist yet (``open_store`` must create it)."""
    return WorkstationHome(tmp_path / "home")


@pytest.fixture
def digest() -> Callable[[Path], str]:
    """The SHA-256 of a file, to prove a refused database was not touched."""

    def _digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    return _digest


@pytest.fixture
def build_database_at() -> Callable[[WorkstationHome, str], Path]:
    """Create a home's database migrated only up to a revision, as an older AIstock would."""

    def _build(home: WorkstationHome, revision: str) -> Path:
        home.ensure()
        command.upgrade(alembic_config(home.database_path), revision)
        return home.database_path

    return _build
