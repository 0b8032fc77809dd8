"""Alembic's environment: run from ``reporting.database.migrate`` with a connection."""

from __future__ import annotations

from alembic import context

from reporting.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the migrations with reporting.database.migrate(engine)")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
)
with context.begin_transaction():
    context.run_migrations()
