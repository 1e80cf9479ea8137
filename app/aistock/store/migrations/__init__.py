"""Alembic migrations of the local store (run programmatically by ``open_store``)."""
