"""The plan of a REFI-QDA import: everything read from the file and checked, nothing written.

:mod:`.import_` builds a :class:`Plan`; :mod:`.apply` writes it into a project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from qualcode.errors import InvalidInput

UNKNOWN_CODER = "import"
MAX_ERRORS = 10


# --- the plan: everything read from the file, checked, nothing written ----------------------------


@dataclass
class PCode:
    guid: str
    name: str
    names: tuple[str, ...]  # path from the top
    parent: str | None
    color: str | None
    codable: bool
    fields: dict[str, str]
    notes: list[str] = field(default_factory=list)


@dataclass
class PCoding:
    guid: str
    start: int
    end: int
    code: str
    user: str | None
    memo: str
    created: datetime | None
    notes: list[str] = field(default_factory=list)


@dataclass
class PSource:
    guid: str
    name: str
    text: str
    attrs: dict[str, tuple[str, str]]  # key → (value, type)
    codings: list[PCoding]
    notes: list[str] = field(default_factory=list)
    created: datetime | None = None


@dataclass
class PNote:
    guid: str
    title: str
    text: str
    user: str | None
    created: datetime | None


@dataclass
class PSet:
    """A REFI ``<Set>`` of sources, imported as a document set chosen by hand."""

    guid: str
    name: str
    sources: list[str]  # source guids


@dataclass
class Plan:
    kind: str  # codebook | project
    source: str
    codes: list[PCode] = field(default_factory=list)  # parents before children
    users: dict[str, str] = field(default_factory=dict)  # guid → name
    extra_users: list[str] = field(default_factory=list)  # names whose guid another user has
    sources: list[PSource] = field(default_factory=list)
    notes: dict[str, PNote] = field(default_factory=dict)
    project_notes: list[str] = field(default_factory=list)
    doc_sets: list[PSet] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the import changes on the way in, for its summary: (kind, what and why);
    # kind is converted | renamed | skipped. Each is also one of the ``warnings``.
    changes: list[tuple[str, str]] = field(default_factory=list)
    offsets: str = "codepoints"  # the unit the file's positions were read in

    def note(self, kind: str, message: str) -> None:
        self.changes.append((kind, message))
        self.warnings.append(message)

    def summary(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"converted": [], "renamed": [], "skipped": []}
        for kind, message in self.changes:
            out[kind].append(message)
        return out

    def counts(self) -> dict[str, int]:
        return {
            "codes": len(self.codes),
            "users": len(self.users),
            "documents": len(self.sources),
            "codings": sum(len(s.codings) for s in self.sources),
            "notes": len(self.notes),
        }


class _Errors:
    def __init__(self, what: str) -> None:
        self.what = what
        self.items: list[str] = []
        self.warnings: list[str] = []

    def add(self, msg: str) -> None:
        self.items.append(msg)

    def check(self) -> None:
        if self.items:
            more = (
                f" (and {len(self.items) - MAX_ERRORS} more)"
                if len(self.items) > MAX_ERRORS
                else ""
            )
            raise InvalidInput(
                f"{self.what}: nothing imported; " + "; ".join(self.items[:MAX_ERRORS]) + more,
                "the file is damaged or uses features qualcode cannot read",
            )


def unique_name(name: str, taken: set[str]) -> str:
    if name.casefold() not in taken:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > 5:
        stem, suffix, dot = name, "", ""
    n = 2
    while True:
        cand = f"{stem} ({n}){dot}{suffix}"
        if cand.casefold() not in taken:
            return cand
        n += 1
