"""Alembic environment: runs on the connection (and transaction) that qualcode hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import qualcode.models  # noqa: F401  (registers the tables)

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only qualcode.migrations.upgrade() runs migrations
    raise RuntimeError("qualcode migrations run through `qualcode db upgrade`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
