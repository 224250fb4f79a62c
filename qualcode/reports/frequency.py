"""Category frequency tables: coded segments, documents coded and share of documents per code.

One row per code in code-tree order. ``segments`` counts the code's own coded
segments — a span coded with the same code by several coders counts once —
and ``documents`` the documents it occurs in; ``total_segments``/``total_documents`` are
those of the whole sub-tree: its distinct spans (a passage coded with two sub-codes, or with
the category and a sub-code, counts once, as with ``--level``) and the documents they are in. With
``by`` the same figures per value of a document attribute, plus the column
percentage (share of that group's documents).

All figures come from one scan of the codings; the roll-ups and groups are
computed in Python, so the cost does not grow with the tree depth.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.errors import InvalidInput
from qualcode.models import Code, Coder, Coding
from qualcode.reports.common import coding_filter, document_count, document_groups, raw_rows
from qualcode.reports.freqcore import (
    HEADERS,
    Span,
    assemble,
    frequency_sheets,
    levels,
    segment_counts,
    split_by_coder,
)

if TYPE_CHECKING:
    from qualcode.schemas.reports import FreqReport

__all__ = [
    "HEADERS",
    "code_document_counts",
    "code_levels",
    "code_spans",
    "frequency_sheets",
    "frequency_table",
]


def code_levels(
    tree: CodeTree, level: int | None
) -> tuple[list[Code], dict[int, int], dict[int, int]]:
    """``(codes shown, code id → id it is counted under, code id → depth)`` for ``level``."""
    return levels(tree.ordered(), level)


def code_spans(
    session: Session,
    coder: str | None = None,
    include_auto: bool = False,
    target: dict[int, int] | None = None,
) -> set[Span]:
    """The distinct coded spans ``(code_id, document_id, start, end)``: a span coded with
    the same code by several coders is one segment (see :func:`segment_counts`).
    ``target`` (from :func:`code_levels`): codes are counted under the category they roll
    up to, a span coded with several of its codes once."""
    where = coding_filter(session, coder, include_auto)
    stmt = select(Coding.code_id, Coding.document_id, Coding.start, Coding.end).distinct()
    if where is not None:
        stmt = stmt.where(where)
    return {(target.get(c, c) if target else c, d, s, e) for c, d, s, e in raw_rows(session, stmt)}


def code_document_counts(
    session: Session,
    coder: str | None = None,
    include_auto: bool = False,
    target: dict[int, int] | None = None,
) -> list[tuple[int, int, int]]:
    """``(code_id, document_id, segments)`` for every code that occurs in a document, from
    :func:`code_spans`."""
    spans = code_spans(session, coder, include_auto, target)
    counts = Counter((c, d) for c, d, _s, _e in spans)
    return [(c, d, n) for (c, d), n in counts.items()]


def frequency_table(
    session: Session,
    by: str | None = None,
    coder: str | None = None,
    level: int | None = None,
    include_auto: bool = False,
    code: str | None = None,
    by_coder: bool = False,
) -> FreqReport:
    """The frequency table as a dict (the JSON of ``qualcode report freq --json``).

    ``{"documents": N, "by": KEY|None, "groups": {value: n_docs}, "rows": [{"code",
    "segments", "documents", "share", "total_segments", "total_documents", "groups":
    {value: {"segments", "documents", …}}}], "coders": [name…]}`` (a
    :class:`~qualcode.schemas.reports.FreqReport`). Rows also carry ``name``, ``depth``,
    ``codable``, ``color``, ``total_share``; group cells also ``share``, ``total_*``.
    ``code`` limits the rows to that code and its sub-tree.

    ``segments`` counts coded segments: a span coded with the same code by several
    coders counts once (``coders``: who was counted). With
    ``by_coder`` the groups are the coders, each with their own segments.
    """
    if by and by_coder:
        raise InvalidInput(
            "--by and --by-coder cannot be combined", "group by an attribute or by coder"
        )
    tree = CodeTree.load(session)
    shown, target, depth = code_levels(tree, level)
    code_path = None
    if code:  # only this code and its sub-tree
        root = tree.resolve(code)
        keep = {root.id} | {d.id for d in tree.descendants(root)}
        shown = [c for c in shown if c.id in keep]
        code_path = tree.path(root)
    key: str | None = None
    group_of: dict[int, str] | None = None
    group_sizes: dict[str, int] = {}
    if by:
        key, group_of, group_sizes = document_groups(session, by)
    stmt = select(Coding.code_id, Coding.document_id, Coding.start, Coding.end, Coder.name).join(
        Coder, Coder.id == Coding.coder_id
    )
    where = coding_filter(session, coder, include_auto)
    if where is not None:
        stmt = stmt.where(where)
    every, per_coder = segment_counts(raw_rows(session, stmt), target)
    paths = {c.id: tree.path(c) for c in shown}  # type: ignore[misc]
    n_docs = document_count(session)

    def table(counts, **kw):
        return assemble(
            shown,  # type: ignore[arg-type]
            target,  # type: ignore[arg-type]
            depth,  # type: ignore[arg-type]
            paths,
            counts,
            n_docs,
            coder=coder,
            level=level,
            code_path=code_path,
            **kw,
        )

    data = table(every, key=key, group_of=group_of, group_sizes=group_sizes)
    if by_coder:
        data = split_by_coder(data, per_coder, table)
    data["coders"] = list(per_coder)
    return data
