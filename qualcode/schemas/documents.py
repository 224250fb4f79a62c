"""Outputs of the document commands: import, docs list/show/set/remove/split."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

from qualcode.schemas.common import Attributes
from qualcode.schemas.vocabulary import Key


class ImportedFile(TypedDict):
    """A file of the import: what became of it. A failed file has ``error`` and ``hint``
    (and ``document`` null: no document was made); an updated file has
    ``orphaned_codings``, how many of its codings the new text left without their passage."""

    file: str
    document: str | None
    status: Literal["imported", "updated", "unchanged", "failed"]
    encoding: str | None
    error: NotRequired[str]
    hint: NotRequired[str]
    orphaned_codings: NotRequired[int]  # an updated file: the codings its new text orphaned


class Import(TypedDict):
    """`qualcode import`: the number of files imported, updated, unchanged and failed, and
    one row per file. When no file could be imported the output is an error instead;
    when some failed, the others are imported and the exit code is 2."""

    imported: int
    updated: int
    unchanged: int
    failed: int
    files: list[ImportedFile]
    project_created: NotRequired[str]


class DocumentRow(TypedDict):
    """A document of `docs list`: its attributes, passages (paragraphs), the passages
    coded and their share, its codings."""

    id: int
    document: str
    attributes: Attributes
    passages: int
    coded_passages: int
    coded_share: float
    codings: int
    imported_at: str


class DocumentDetail(TypedDict):
    """`qualcode docs show`: a document with its attributes and full text (``length`` in
    code points)."""

    id: int
    document: str
    attributes: Attributes
    sha256: str
    source_path: str | None
    imported_at: str
    codings: int
    length: int
    text: str


class DocsSet(TypedDict):
    """`qualcode docs set`: the attributes set (null or empty: removed)."""

    id: int
    document: str
    attributes: Attributes


class DocsRemove(TypedDict):
    """`qualcode docs remove`: the document removed, with its codings (their number)."""

    id: int
    document: str
    deleted: bool
    codings: int


class DocsSplit(TypedDict):
    """`qualcode docs split`: the documents whose sentences were stored now."""

    documents: int
    sentences: int


KEYS: dict[str, Key] = {
    "imported": Key("integer", "number of files imported as new documents"),
    "updated": Key("integer", "number of rows (documents, codes) the command updated"),
    "unchanged": Key("integer", "number of rows (documents, codes) left as they were"),
    "failed": Key("integer", "number of files that could not be imported"),
    "files": Key("array", "one row per file"),
    "status": Key("string", "what the command did with the row (imported, added, failed, …)"),
    "coded_passages": Key("integer", "number of passages (paragraphs) coded"),
    "sha256": Key("string", "the SHA-256 of the document's text"),
    "source_path": Key("string", "the file the document was imported from"),
    "length": Key("integer", "the length of the text in code points"),
}


COMMANDS: dict[str, Any] = {
    "import": Import,
    "docs list": list[DocumentRow],
    "docs show": DocumentDetail,
    "docs set": DocsSet,
    "docs remove": DocsRemove,
    "docs split": DocsSplit,
}
