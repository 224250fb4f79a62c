"""Schema version 3: Mayring's steps — research questions, checkpoints, check samples,
case summaries; ``code.research_question_id`` and ``code.anchor_coding_id``.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NEW = (
    "research_question",
    "checkpoint",
    "check_sample",
    "check_passage",
    "check_coding",
    "case_summary",
)


def upgrade() -> None:
    from qualcode import models

    bind = op.get_bind()
    tables = models.SQLModel.metadata.tables
    for name in _NEW:
        tables[name].create(bind, checkfirst=True)
    columns = {c["name"] for c in sa.inspect(bind).get_columns("code")}
    # Plain ADD COLUMN: a batch copy of `code` would drop the table that codings reference.
    if "research_question_id" not in columns:
        if bind.dialect.name == "sqlite":
            op.execute(
                "ALTER TABLE code ADD COLUMN research_question_id INTEGER "
                "REFERENCES research_question (id)"
            )
        else:
            op.add_column("code", sa.Column("research_question_id", sa.Integer(), nullable=True))
            op.create_foreign_key(
                "fk_code_research_question", "code", "research_question",
                ["research_question_id"], ["id"],
            )  # fmt: skip
    if "anchor_coding_id" not in columns:
        op.add_column("code", sa.Column("anchor_coding_id", sa.Integer(), nullable=True))
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # SQLite cannot drop a column with a foreign key
        raise NotImplementedError(
            "schema 3 → 2 on SQLite: restore the backup `qualcode db upgrade` made"
        )
    op.drop_constraint("fk_code_research_question", "code", type_="foreignkey")
    op.drop_column("code", "research_question_id")
    op.drop_column("code", "anchor_coding_id")
    for name in reversed(_NEW):
        op.drop_table(name)
    op.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
