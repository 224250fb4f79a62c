"""Shapes shared by several commands: the error, a memo, a coded segment, attributes.

Python 3.11: pydantic needs ``typing_extensions.TypedDict`` (the schemas are generated
from these types with pydantic; the commands build plain dicts of the same types).
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypeAlias

from typing_extensions import TypedDict

#: a document's attributes: name → value (text, number or date as text)
Attributes: TypeAlias = dict[str, str | int | float | bool | None]


class Error(TypedDict):
    """An expected error (exit code 2): what is wrong and what to do."""

    error: str
    hint: str


class Memo(TypedDict):
    """A memo of the memo table, one shape everywhere. ``on`` says what it is about; the
    reference to that (``document``, ``code`` or ``coding_id``) is set, the others null."""

    id: int
    on: Literal["project", "document", "code", "coding"]
    document: str | None
    code: str | None
    coding_id: int | None
    title: str
    text: str
    coder: NotRequired[str | None]
    created_at: NotRequired[str]
    updated_at: str


class Segment(TypedDict):
    """A coded segment: one span with one code, the codings of all coders on it merged."""

    document: str
    attributes: Attributes
    code: str
    coders: list[str]
    coding_ids: list[int]
    start: int
    end: int
    text: str
    memo: str
    memos: list[Memo]
    orphaned: bool


class Passage(TypedDict):
    """A passage (paragraph or sentence) of a document (``id`` null: a sentence of a
    document whose sentences are not stored yet)."""

    id: int | None
    document: str
    start: int
    end: int
    text: str
