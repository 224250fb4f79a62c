"""Outputs of the code commands: codes list/show/add/edit/rename/move/anchor/delete,
codebook import."""

from __future__ import annotations

from typing import Any, Literal

from typing_extensions import TypedDict

from qualcode.schemas.common import Memo
from qualcode.schemas.vocabulary import Key


class CodeRow(TypedDict):
    """A code of `codes list`, in tree order: its path, name, parent, depth (1: top
    level), colour, whether it is codable (false: a category that only groups), its
    codings and the documents they are in."""

    id: int
    code: str
    name: str
    parent: str | None
    depth: int
    color: str
    codable: bool
    codings: int
    documents: int


class CodeDetail(TypedDict):
    """`qualcode codes show`: a code with its definition, anchor example, coding rule,
    sub-codes, counts and memos."""

    id: int
    code: str
    name: str
    parent: str | None
    subcode_paths: list[str]
    description: str
    definition: str
    anchor: str
    rule: str
    color: str
    codable: bool
    guid: str
    created_at: str
    codings: int
    documents: int
    memos: list[Memo]


class CodeRef(TypedDict):
    """`qualcode codes add`: the code created (missing parents are created too)."""

    id: int
    code: str


class CodeEdited(TypedDict):
    """`qualcode codes edit`: the code and the fields given."""

    id: int
    code: str
    fields: list[str]


class CodeMoved(TypedDict):
    """`qualcode codes rename` and `codes move`: the code's new path and the old one."""

    id: int
    code: str
    old_code: str


class CodeAnchor(TypedDict):
    """`qualcode codes anchor`: the coded segment now the code's anchor example (with
    --clear: ``coding_id``, ``document``, ``start`` and ``end`` null and ``text`` the
    stored anchor text)."""

    id: int
    code: str
    coding_id: int | None
    document: str | None
    start: int | None
    end: int | None
    text: str


class CodeDeleted(TypedDict):
    """`qualcode codes delete`: the code deleted, with the codes (itself and its sub-codes)
    and codings deleted with it."""

    id: int
    code: str
    deleted: bool
    codes: int
    codings: int


class CodebookRow(TypedDict):
    """A code of the codebook that was added, or updated (``fields``: which)."""

    code: str
    status: Literal["added", "updated"]
    fields: list[str]


class CodebookImport(TypedDict):
    """`qualcode codebook import`: the number of codes added, updated and unchanged, a row
    per added or updated code, and the encoding the file was read in."""

    added: int
    updated: int
    unchanged: int
    rows: list[CodebookRow]
    dry_run: bool
    encoding: str | None


KEYS: dict[str, Key] = {
    # the keys of common.Memo (json-codings and json-reports define them alike: one place)
    "subcode_paths": Key("array", "the paths of a code's sub-codes"),
    "description": Key("string", "what a code is about"),
    "guid": Key("string", "the row's GUID (REFI-QDA exchange)"),
    "old_code": Key("string", "a code's path before the command"),
}


COMMANDS: dict[str, Any] = {
    "codes list": list[CodeRow],
    "codes show": CodeDetail,
    "codes add": CodeRef,
    "codes edit": CodeEdited,
    "codes rename": CodeMoved,
    "codes move": CodeMoved,
    "codes anchor": CodeAnchor,
    "codes delete": CodeDeleted,
    "codebook import": CodebookImport,
}
