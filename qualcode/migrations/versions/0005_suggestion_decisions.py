"""Schema version 5: what coders did with the workbench's suggestions (``suggestion_decision``).

One row per shown suggestion: accepted, coded otherwise or dismissed, with its rank and
calibrated score (``qualcode suggest --stats``). Not audited, no foreign keys.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from qualcode import models

    bind = op.get_bind()
    models.SuggestionDecision.__table__.create(bind, checkfirst=True)  # type: ignore[attr-defined]
    op.execute("UPDATE meta SET value = '5' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("suggestion_decision")
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
