"""Code co-occurrence: how often two codes occur in the same passage or document.

Passage unit: two codes co-occur when codings of both touch (overlap) the same
paragraph — a content paragraph: headings, titles, metadata blocks and the agenda are no
units of analysis (as in ``qualcode agreement``; ``structural`` says how many were left
out), so a coding that spans a heading and the paragraph below counts once — by default codings of one coder (``pairing`` ``within-coder``: anna's A and
ben's B on one passage are two opinions, maybe a disagreement, not a co-occurrence; a
consensus coder is a coder of its own); ``across_coders`` pairs codings of any coders. Every coding is mapped onto the paragraphs it overlaps with a binary
search over the sorted paragraph spans, so the cost is linear in the number of
codings, not quadratic. The diagonal holds the number of units with the code.
Orphaned codings (text gone after a re-import) are left out of the passage unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.errors import InvalidInput
from qualcode.models import Coding, Document
from qualcode.reports.common import coding_filter, raw_rows
from qualcode.reports.cooccore import (
    UNITS,
    UnitSets,
    assemble,
    content_passages,
    cooccurrence_sheets,
    normalize_unit,
    pairing_of,
    passage_code_sets,
)
from qualcode.reports.frequency import code_levels
from qualcode.reports.units import load_passages

if TYPE_CHECKING:
    from qualcode.schemas.reports import CoocReport

__all__ = ["UNITS", "cooccurrence", "cooccurrence_sheets", "unit_code_sets"]


def unit_code_sets(
    session: Session, unit: str, target: dict[int, int], coder: str | None, include_auto: bool
) -> tuple[UnitSets, int, int]:
    """``{(doc_id, passage index or -1): {coder id: {code ids}}}``, the number of units in
    the project and of the headings and metadata blocks left out of them
    (:func:`qualcode.reports.cooccore.content_passages`)."""
    stmt = select(Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.orphaned)
    where = coding_filter(session, coder, include_auto)
    if where is not None:
        stmt = stmt.where(where)
    sets: UnitSets = {}
    if unit == "document":
        from qualcode.reports.common import document_count

        for did, cid, who in raw_rows(
            session,
            stmt.with_only_columns(Coding.document_id, Coding.code_id, Coding.coder_id).distinct(),
        ):
            if cid in target:
                sets.setdefault((did, -1), {}).setdefault(who, set()).add(target[cid])
        return sets, document_count(session), 0
    passages = {did: (p.starts, p.ends) for did, p in load_passages(session, "paragraph").items()}
    texts: dict[int, str] = dict(
        raw_rows(
            session,
            select(Document.id, Document.text).where(Document.id.in_(list(passages))),  # type: ignore[attr-defined]
        )
    )
    passages, structural = content_passages(texts, passages)
    rows = raw_rows(
        session,
        stmt.with_only_columns(
            Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.coder_id
        )
        .where(Coding.orphaned.is_(False))  # type: ignore[attr-defined]
        .order_by(Coding.document_id),
    )
    sets = passage_code_sets(rows, passages, target)
    return sets, sum(len(p[0]) for p in passages.values()), structural


def cooccurrence(
    session: Session,
    unit: str = "passage",
    coder: str | None = None,
    include_auto: bool = False,
    level: int | None = None,
    across_coders: bool = False,
) -> CoocReport:
    """The co-occurrence matrix (the JSON of ``qualcode report cooc --json``).

    ``{"unit", "units", "pairing", "code_paths": [path…], "code_names": [name…], "matrix":
    [[n…]…], "pairs": [{"a", "b", "units", "jaccard"}]}``; ``matrix[i][i]`` is the number of units with code i,
    ``matrix[i][j]`` the number with both (given by one coder, or with ``across_coders``
    by any); pairs sorted by count (most first).
    """
    unit = normalize_unit(unit)
    if unit not in UNITS:
        raise InvalidInput(f"unknown unit {unit!r}", "use passage or document")
    tree = CodeTree.load(session)
    shown, target, _depth = code_levels(tree, level)
    sets, n_units, structural = unit_code_sets(session, unit, target, coder, include_auto)
    return assemble(
        unit,
        sets,
        n_units,
        shown,
        {c.id: tree.path(c) for c in shown if c.id is not None},
        coder,
        level,
        pairing_of(across_coders),
        structural,
    )
