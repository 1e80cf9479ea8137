"""Alembic environment for the local store.

``open_store`` runs migrations on a connection it already holds (passed in
``config.attributes["connection"]``) inside one transaction, so a failing upgrade rolls back
as a whole. Tests and developer tools may instead give a ``sqlalchemy.url``; we then build the
engine with the same pragmas the workstation uses. ``render_as_batch`` makes future
``ALTER``-style changes work on SQLite by copying tables, and ``transactional_ddl`` tells
Alembic that our engine really does wrap DDL in a transaction (see ``aistock.store.engine``).

Foreign keys are ON for every connection and ``PRAGMA foreign_keys`` cannot change inside a
transaction, so a future batch migration that rebuilds a *referenced* table must plan for it:
``PRAGMA defer_foreign_keys=ON`` (transaction-scoped, allowed here) postpones the checks to
commit, but ``ON DELETE CASCADE`` actions would still fire when the old table is dropped.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import make_url
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import aistock.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from aistock.store.engine import create_sqlite_engine

config = context.config
target_metadata = SQLModel.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        transactional_ddl=True,
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade --sql``), for reviewing a migration by eye."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("the Alembic config has neither a connection nor a sqlalchemy.url")
    database = make_url(url).database
    if not database:
        raise RuntimeError(f"{url} does not name a database file")
    engine = create_sqlite_engine(database)
    try:
        with engine.connect() as own_connection:
            _configure(own_connection)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
