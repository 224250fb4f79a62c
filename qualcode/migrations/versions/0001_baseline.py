"""Baseline: schema version 1, the tables of the first release.

Projects of version 1 were created from the models (``create_all``) and carry no
``alembic_version`` table; ``qualcode db upgrade`` stamps them with this revision and
upgrades from here. New projects are created from the current models and stamped at
the head revision, so this revision never has to build tables itself.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
