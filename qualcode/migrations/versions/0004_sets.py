"""Schema version 4: document sets (``doc_set``, ``doc_set_member``).

A set is chosen by hand (its members) or by an attribute rule stored with it
(``Format=Web AND Region=Görlitz``) and evaluated whenever the set is used.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from qualcode import models

    bind = op.get_bind()
    models.DocSet.__table__.create(bind, checkfirst=True)  # type: ignore[attr-defined]
    models.DocSetMember.__table__.create(bind, checkfirst=True)  # type: ignore[attr-defined]
    op.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")


def downgrade() -> None:
    op.drop_table("doc_set_member")
    op.drop_table("doc_set")
    op.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
