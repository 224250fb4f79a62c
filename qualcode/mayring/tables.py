"""The tables of Mayring's steps: revision checkpoints, check samples, case summaries.

Imported by :mod:`qualcode.models` (which lists them among the audited data tables), so
this module must not import ``qualcode.models`` itself. Research questions live in
``models`` next to the codes that reference them.

References to documents and codes carry no foreign key (as memos do): removing a code or
a document never fails because a summary or a check sample mentions it; such rows are
left out where they are listed, and `undo` of the removal brings them back into view.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _now() -> datetime:
    return datetime.now(UTC)


def _guid() -> str:
    return str(uuid.uuid4())


class Checkpoint(SQLModel, table=True):
    """A named snapshot of the category system (Mayring's revision after 10–50 % of the
    material): tree, definitions, anchors, rules, counts and where every coding was."""

    __tablename__ = "checkpoint"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    coder: str = Field(default="", max_length=200)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    data: str = Field(sa_column=Column(Text, nullable=False))  # JSON, see mayring.checkpoints
    created_at: datetime = Field(default_factory=_now)


class CheckSample(SQLModel, table=True):
    """A reproducible sample of passages for an intracoder (or intercoder) check."""

    __tablename__ = "check_sample"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    coder_id: int = Field(foreign_key="coder.id")  # who re-codes, blind
    reference_coder_id: int = Field(foreign_key="coder.id")  # whose codings are compared
    share: float
    seed: int
    unit: str = Field(default="paragraph", max_length=10)
    research_question_id: int | None = Field(default=None)
    guid: str = Field(default_factory=_guid, max_length=36)
    created_at: datetime = Field(default_factory=_now)


class CheckPassage(SQLModel, table=True):
    """One drawn passage of a sample; ``resolution`` records the consensus decision."""

    __tablename__ = "check_passage"
    __table_args__ = (Index("ix_check_passage_sample", "sample_id", "ordinal"),)
    id: int | None = Field(default=None, primary_key=True)
    sample_id: int = Field(foreign_key="check_sample.id")
    document_id: int
    start: int
    end: int
    ordinal: int
    done: bool = Field(default=False)  # re-coded (possibly with no code)
    resolution: str | None = Field(default=None, max_length=12)  # reference | check
    # The reference coder's codings of the passage as they were when the re-coding was
    # adopted (JSON ``[[code_id, start, end], …]``): agreement stays that of the two
    # independent codings, not of the consensus.
    reference_snapshot: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class CheckCoding(SQLModel, table=True):
    """A code the re-coder gave a sampled passage (kept apart from the analysis' codings)."""

    __tablename__ = "check_coding"
    __table_args__ = (UniqueConstraint("passage_id", "code_id"),)
    id: int | None = Field(default=None, primary_key=True)
    passage_id: int = Field(foreign_key="check_passage.id")
    code_id: int
    created_at: datetime = Field(default_factory=_now)


class CaseSummary(SQLModel, table=True):
    """Mayring's summarising step per case: a summary of a category in one document."""

    __tablename__ = "case_summary"
    __table_args__ = (UniqueConstraint("document_id", "code_id"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int
    code_id: int
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    coder_id: int | None = Field(default=None, foreign_key="coder.id")
    guid: str = Field(default_factory=_guid, max_length=36)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)
