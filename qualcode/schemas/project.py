"""Outputs of the project commands: status, check, config, log, undo/redo, init, demo,
backup, db upgrade, users."""

from __future__ import annotations

from typing import Any

from typing_extensions import TypedDict


class CoderCount(TypedDict):
    """A coder of the project and the codings by that coder."""

    id: int
    coder: str
    codings: int


class Status(TypedDict):
    """`qualcode status`: what the project holds."""

    database: str
    backend: str
    schema_version: int
    documents: int
    passages: int
    sentences: int
    unsplit_documents: int
    codes: int
    codings: int
    orphaned_codings: int
    memo_count: int
    coders: list[str]
    by_coder: list[CoderCount]
    audit_entries: int
    nlp: str
    suggestions: dict[str, Any] | None


COMMANDS: dict[str, Any] = {
    "status": Status,
}
