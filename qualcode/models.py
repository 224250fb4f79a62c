"""The tables of a qualcode project (SQLModel).

A project is one database: documents with typed attributes, their passages
(paragraphs and sentences), the code tree, codings (a span of a document linked
to a code, by a coder), memos, the audit log that makes every change undoable,
and a small key/value table for the schema version and settings.

Offsets are ``[start, end)`` in Unicode code points of ``Document.text``, which
is stored NFC-normalised with ``\\n`` line endings.

Foreign keys deliberately have no ``ON DELETE CASCADE``: every deletion goes
through the services, which delete dependants explicitly and record them in the
audit log, so nothing disappears without a trace.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Defined in qualcode.config (bump it there with a migration in qualcode/migrations/versions,
# revision NNNN = version NNNN) so that `qualcode status` can check it without loading SQLAlchemy.
from qualcode.config import SCHEMA_VERSION  # noqa: E402, F401


def utcnow() -> datetime:
    """Timezone-aware UTC timestamp (SQLModel stores it portably on SQLite and PostgreSQL)."""
    return datetime.now(UTC)


def new_guid() -> str:
    return str(uuid.uuid4())


class Meta(SQLModel, table=True):
    __tablename__ = "meta"
    key: str = Field(primary_key=True, max_length=200)
    value: str = Field(sa_column=Column(Text, nullable=False))


class Coder(SQLModel, table=True):
    __tablename__ = "coder"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    guid: str = Field(default_factory=new_guid, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class Document(SQLModel, table=True):
    __tablename__ = "document"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=500)
    text: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    source_path: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    imported_at: datetime = Field(default_factory=utcnow)
    guid: str = Field(default_factory=new_guid, max_length=36)


class DocumentAttribute(SQLModel, table=True):
    """A typed attribute (variable) of a document: text, integer, float, date or boolean."""

    __tablename__ = "document_attribute"
    __table_args__ = (UniqueConstraint("document_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    key: str = Field(max_length=200)
    value: str = Field(sa_column=Column(Text, nullable=False))
    type: str = Field(default="text", max_length=10)


class Passage(SQLModel, table=True):
    """A unit of the text: a paragraph or a sentence (sentences never cross paragraphs)."""

    __tablename__ = "passage"
    __table_args__ = (Index("ix_passage_doc_unit_start", "document_id", "unit", "start"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    start: int
    end: int
    ordinal: int
    unit: str = Field(default="paragraph", max_length=10)


class ResearchQuestion(SQLModel, table=True):
    """A research question (Mayring): technique, selection criterion, abstraction level, units.

    Each top category belongs to at most one question (``Code.research_question_id``)."""

    __tablename__ = "research_question"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)  # a short label: "F1", "Ziele"
    question: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    technique: str = Field(default="inductive", max_length=20)  # inductive | deductive
    criterion: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    abstraction: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    coding_unit: str = Field(default="paragraph", max_length=20)
    context_unit: str = Field(default="document", max_length=20)
    recording_unit: str = Field(default="document", max_length=20)
    position: int = Field(default=0)
    guid: str = Field(default_factory=new_guid, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class Code(SQLModel, table=True):
    __tablename__ = "code"
    __table_args__ = (Index("ix_code_parent_key", "parent_id", "name_key"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=500)
    # NFC + casefold of the name: names compare on this, siblings must differ in it.
    name_key: str = Field(max_length=500)
    parent_id: int | None = Field(default=None, foreign_key="code.id")
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    definition: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    anchor: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    rule: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    color: str = Field(default="#888888", max_length=7)
    # Categories that only group their children are not codable (REFI-QDA isCodable).
    codable: bool = Field(default=True)
    position: int = Field(default=0)
    guid: str = Field(default_factory=new_guid, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    # Mayring: the research question a top category belongs to; the coded segment chosen
    # as its anchor example (no foreign key: removing the coding falls back to `anchor`).
    research_question_id: int | None = Field(default=None, foreign_key="research_question.id")
    anchor_coding_id: int | None = Field(default=None)


class Coding(SQLModel, table=True):
    """A span ``[start, end)`` of a document coded with a code by a coder."""

    __tablename__ = "coding"
    __table_args__ = (
        Index("ix_coding_doc_start", "document_id", "start"),
        Index("ix_coding_code", "code_id"),
        Index("ix_coding_coder", "coder_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id")
    start: int
    end: int
    code_id: int = Field(foreign_key="code.id")
    coder_id: int = Field(foreign_key="coder.id")
    memo: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Set when the document text changed and the span could not be re-anchored.
    orphaned: bool = Field(default=False)
    # The text the coding pointed at when it was orphaned (for review), else None.
    orphan_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    guid: str = Field(default_factory=new_guid, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)


class Memo(SQLModel, table=True):
    """A memo on the project, a document, a code or a coding."""

    __tablename__ = "memo"
    __table_args__ = (Index("ix_memo_target", "target_type", "target_id"),)
    id: int | None = Field(default=None, primary_key=True)
    target_type: str = Field(max_length=10)  # project | document | code | coding
    target_id: int | None = None
    title: str = Field(default="", max_length=500)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    coder_id: int | None = Field(default=None, foreign_key="coder.id")
    guid: str = Field(default_factory=new_guid, max_length=36)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """One user action (a CLI command, a TUI action): who, when, what."""

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    coder: str = Field(max_length=200)
    command: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    state: str = Field(default="done", max_length=10)  # done | undone | dropped


class AuditChange(SQLModel, table=True):
    """One row-level change of an audit entry, with the row before and after (JSON)."""

    __tablename__ = "audit_change"
    __table_args__ = (Index("ix_audit_change_entry", "entry_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="audit_entry.id")
    seq: int
    table_name: str = Field(max_length=50)
    op: str = Field(max_length=12)  # insert | update | delete | update_many
    row_id: int | None = None
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DocSet(SQLModel, table=True):
    """A named set of documents: chosen by hand (members) or by an attribute rule."""

    __tablename__ = "doc_set"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    name_key: str = Field(unique=True, max_length=200)  # NFC + casefold
    # An attribute rule (`Format=Web AND Region=Görlitz`), evaluated when the set is used;
    # None for a set chosen by hand.
    rule: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class DocSetMember(SQLModel, table=True):
    """A document chosen by hand for a set."""

    __tablename__ = "doc_set_member"
    __table_args__ = (UniqueConstraint("set_id", "document_id"),)
    id: int | None = Field(default=None, primary_key=True)
    set_id: int = Field(foreign_key="doc_set.id", index=True)
    document_id: int = Field(foreign_key="document.id", index=True)


from qualcode.mayring.tables import (  # noqa: E402  (Mayring's steps; they need the tables above)
    CaseSummary,
    CheckCoding,
    CheckPassage,
    Checkpoint,
    CheckSample,
)

# Tables whose rows are user data, parents before children (restore order).
DATA_TABLES: tuple[type[SQLModel], ...] = (
    Coder,
    Document,
    DocumentAttribute,
    ResearchQuestion,
    Code,
    Passage,
    Coding,
    Memo,
    DocSet,
    DocSetMember,
    Checkpoint,
    CheckSample,
    CheckPassage,
    CheckCoding,
    CaseSummary,
)


class SuggestionDecision(SQLModel, table=True):
    """What a coder did with a code the workbench suggested for a passage: ``accepted`` (coded
    with it), ``coded_otherwise`` (coded, but not with it) or ``dismissed`` (moved on without
    coding). One row per shown suggestion (``rank`` 1 = the first); read by ``qualcode
    suggest --stats`` (:mod:`qualcode.suggest.decisions`).

    A record of what happened, not a change: not audited (undo leaves it), and without
    foreign keys, so that deleting a document or a code never needs it; rows of deleted
    documents or codes are left out of the statistics."""

    __tablename__ = "suggestion_decision"
    __table_args__ = (
        Index("ix_suggestion_decision_span", "document_id", "start", "end"),
        Index("ix_suggestion_decision_code", "code_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    document_id: int
    start: int
    end: int
    code_id: int  # the suggested code
    rank: int  # its place in the list shown (1 = the first suggestion)
    score: float  # its calibrated score
    outcome: str = Field(max_length=20)  # accepted | coded_otherwise | dismissed
    chosen_code_id: int | None = None  # coded_otherwise: the code the coder chose instead
    coder: str = Field(max_length=200)
    decided_at: datetime = Field(default_factory=utcnow)


class SuggestCache(SQLModel, table=True):
    """Derived data of the suggestions engine (text index, trained model), keyed by a content hash.

    Not user data: not audited, not exported; rebuilt whenever documents or codings change.
    """

    __tablename__ = "suggest_cache"
    key: str = Field(primary_key=True, max_length=100)
    content_hash: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
