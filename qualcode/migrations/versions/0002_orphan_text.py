"""Schema version 2: ``coding.orphan_text`` keeps the text an orphaned coding had.

When ``import --update`` cannot find a coded passage in the new text of a document,
the coding is kept for review (``orphaned``); from version 2 on it also keeps the text
it pointed at, so ``qualcode check`` and the TUI can show what was coded. The
``suggest_cache`` table (derived data) is created where an early version 1 lacked it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    columns = {c["name"] for c in sa.inspect(bind).get_columns("coding")}
    if "orphan_text" not in columns:
        with op.batch_alter_table("coding") as batch:
            batch.add_column(sa.Column("orphan_text", sa.Text(), nullable=True))
    from qualcode import models

    cache = getattr(models, "SuggestCache", None)
    if cache is not None:
        cache.__table__.create(bind, checkfirst=True)
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")


def downgrade() -> None:
    with op.batch_alter_table("coding") as batch:
        batch.drop_column("orphan_text")
    op.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
