"""Outputs of the REFI-QDA exchange: ``refi export`` and ``refi import``.

The same nouns as everywhere: ``coders`` (names; REFI-QDA calls them users), memos
(REFI-QDA: notes) counted by ``memo_count``, ``attribute_names`` (REFI-QDA: variables).
``refi import`` gives the same keys with and without ``--dry-run``: what the file holds,
and what the import did (null on a dry run).
"""

from __future__ import annotations

from typing import Any, NotRequired

from typing_extensions import TypedDict

from qualcode.schemas.vocabulary import Key


class RefiExport(TypedDict):
    """`qualcode refi export`: what was written (a codebook .qdc holds only codes)."""

    file: str
    kind: str
    codes: int
    documents: NotRequired[int]
    codings: NotRequired[int]
    skipped_codings: NotRequired[int]
    coders: NotRequired[list[str]]
    memo_count: NotRequired[int]
    attribute_names: NotRequired[list[str]]


class DocumentRename(TypedDict):
    """A document imported under a new name (--rename): its name in the file, its new name."""

    document: str
    renamed_to: str


class RefiImport(TypedDict):
    """`qualcode refi import`: what the file holds (``documents``, ``codes``, ``codings``,
    ``memo_count``, ``coders``) and what the import did (``*_imported``, ``*_created`` …;
    null with --dry-run, which changes nothing). ``document_names``: the documents imported
    (new), ``new_coders`` the coders created."""

    file: str
    kind: str
    dry_run: bool
    offsets: str
    documents: int
    codes: int
    codings: int
    memo_count: int
    coders: list[str]
    changed: bool
    backup: str | None
    documents_imported: int | None
    document_names: list[str] | None
    documents_reused: int | None
    documents_renamed: list[DocumentRename] | None
    codes_created: int | None
    codes_merged: int | None
    codes_updated: int | None
    codings_imported: int | None
    codings_skipped: int | None
    attribute_values: int | None
    memos_imported: int | None
    new_coders: list[str] | None
    rqs_created: NotRequired[int]
    categories_assigned: NotRequired[int]
    rq_notes: NotRequired[list[str]]
    project_created: NotRequired[str]
    converted: list[str]
    renamed: list[str]
    left_out: list[str]
    warnings: list[str]


COMMANDS: dict[str, Any] = {
    "refi export": RefiExport,
    "refi import": RefiImport,
}

KEYS: dict[str, Key] = {
    "skipped_codings": Key("integer", "codings left out: their span lies outside the document"),
    "offsets": Key("string", "what the file's positions count: codepoints or utf16"),
    "changed": Key("boolean", "the command changed the project"),
    "documents_imported": Key("integer", "number of documents imported (new)"),
    "documents_reused": Key("integer", "number of the file's documents already in the project"),
    "documents_renamed": Key("array", "documents imported under a new name (--rename)"),
    "renamed_to": Key("string", "the new name a document was imported under"),
    "codes_merged": Key("integer", "number of the file's codes merged with existing codes"),
    "codes_updated": Key("integer", "number of existing codes updated (--update-codes)"),
    "codings_imported": Key("integer", "number of codings imported"),
    "codings_skipped": Key("integer", "number of the file's codings already in the project"),
    "attribute_values": Key("integer", "number of document attribute values written"),
    "memos_imported": Key("integer", "number of memos imported"),
    "new_coders": Key("array", "the names of the coders the command created"),
    "rqs_created": Key("integer", "number of research questions created (the file's sets)"),
    "categories_assigned": Key("integer", "number of top categories given a research question"),
    "rq_notes": Key("array", "notes on the research questions (categories left as they were)"),
    "converted": Key("array", "what was converted on the way in (one message each)"),
    "renamed": Key("array", "what was renamed on the way in (one message each)"),
    "left_out": Key("array", "what was left out (skipped) and why (one message each)"),
    "warnings": Key("array", "warnings (one message each)"),
}
