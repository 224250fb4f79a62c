"""Which codings a batch operation touches: documents, coders, document attributes, text.

A :class:`Scope` narrows a recode or autocode run. Filters combine with AND; the
values given for one attribute key combine with OR (``Format=Hybrid`` and
``Format=Web`` select both formats). Attribute keys and values compare after
case-folding, so ``format=präsenz`` finds ``Format: Präsenz``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from qualcode.errors import InvalidInput, NotFound
from qualcode.matchers import compile_pattern
from qualcode.models import Coder, Coding, Document, DocumentAttribute
from qualcode.names import coder_id
from qualcode.textutil import name_key

CHUNK = 5000


@dataclass
class Scope:
    doc_ids: list[int] | None = None  # None: all documents
    coder_ids: list[int] | None = None  # None: all coders
    pattern: re.Pattern[str] | None = None  # only codings whose text matches
    description: list[str] = field(default_factory=list)
    _texts: dict[int, str] = field(default_factory=dict, repr=False)

    @property
    def active(self) -> bool:
        return self.doc_ids is not None or self.coder_ids is not None or self.pattern is not None

    def sql(self, table: Any = None) -> list[Any]:
        """SQL conditions on the coding table (or an alias of it)."""
        t = table if table is not None else Coding.__table__  # type: ignore[attr-defined]
        cond = []
        if self.doc_ids is not None:
            cond.append(t.c.document_id.in_(self.doc_ids))
        if self.coder_ids is not None:
            cond.append(t.c.coder_id.in_(self.coder_ids))
        return cond

    def text_of(self, session: Session, doc_id: int) -> str:
        if doc_id not in self._texts:
            self._texts[doc_id] = session.execute(
                select(Document.text).where(Document.id == doc_id)
            ).scalar_one()
        return self._texts[doc_id]


def parse_where(items: Iterable[str]) -> dict[str, list[str]]:
    """``["Format=Web", "Format=Hybrid", "Region=Ost"]`` → ``{"Format": ["Web", "Hybrid"], "Region": ["Ost"]}``."""
    out: dict[str, list[str]] = {}
    for item in items:
        if "=" not in item:
            raise InvalidInput(
                f"--where {item!r} is not KEY=VALUE", "write e.g. --where Format=Präsenz"
            )
        key, value = item.split("=", 1)
        if not key.strip():
            raise InvalidInput(
                f"--where {item!r} has an empty key", "write e.g. --where Format=Präsenz"
            )
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def make_scope(
    session: Session,
    *,
    doc: str | Sequence[str] | None = None,
    coder: str | Sequence[str] | None = None,
    where: Mapping[str, str | Sequence[str]] | None = None,
    match: str | re.Pattern[str] | None = None,
    case_sensitive: bool = False,
) -> Scope:
    """Resolve the filters once (unknown documents or coders are errors)."""
    from qualcode.documents import resolve_document

    scope = Scope()
    docs = [doc] if isinstance(doc, str) else list(doc or [])
    if docs:
        scope.doc_ids = sorted({resolve_document(session, d).id for d in docs})  # type: ignore[misc]
        scope.description.append("documents " + ", ".join(docs))
    coders = [coder] if isinstance(coder, str) else list(coder or [])
    if coders:
        ids = []
        known = dict(session.execute(select(Coder.name, Coder.id)).all())
        for name in coders:
            cid = coder_id(known, name)  # case and accents ignored
            if cid is None:
                raise NotFound(f"unknown coder {name!r}", "`qualcode status` lists the coders")
            ids.append(cid)
        scope.coder_ids = ids
        scope.description.append("coder " + ", ".join(coders))
    if where:
        wanted = {
            name_key(k): {name_key(v) for v in ([vs] if isinstance(vs, str) else vs)}
            for k, vs in where.items()
        }
        have: dict[int, dict[str, str]] = {}
        for did, key, value in session.execute(
            select(DocumentAttribute.document_id, DocumentAttribute.key, DocumentAttribute.value)
        ):
            have.setdefault(did, {})[name_key(key)] = name_key(value)
        known = {k for attrs in have.values() for k in attrs}
        for key in wanted:
            if key not in known:
                raise NotFound(
                    f"no document has the attribute {key!r}",
                    "`qualcode docs list --json` shows the attributes",
                )
        ids = {
            did
            for did, attrs in have.items()
            if all(attrs.get(k) in vs for k, vs in wanted.items())
        }
        scope.doc_ids = sorted(ids if scope.doc_ids is None else ids & set(scope.doc_ids))
        scope.description.append(
            "where "
            + " and ".join(
                f"{k}={'|'.join([vs] if isinstance(vs, str) else vs)}" for k, vs in where.items()
            )
        )
    if match is not None:
        scope.pattern = (
            match
            if isinstance(match, re.Pattern)
            else compile_pattern(match, case_sensitive=case_sensitive)
        )
        scope.description.append(f"text matching /{scope.pattern.pattern}/")
    return scope


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]
