"""Category frequency tables: codings, documents coded and share of documents per code.

One row per code in code-tree order. ``codings``/``documents`` count the code's
own codings; ``total_codings``/``total_documents`` roll up the whole sub-tree
(documents counted once even when several sub-codes occur in them). With
``by`` the same figures per value of a document attribute, plus the column
percentage (share of that group's documents).

All figures come from one ``GROUP BY code, document`` query; the roll-ups and
groups are computed in Python, so the cost does not grow with the tree depth.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.models import Code, Coding
from qualcode.reports.common import coding_filter, document_count, document_groups, raw_rows
from qualcode.reports.freqcore import HEADERS, assemble, frequency_sheets, levels

__all__ = ["HEADERS", "code_document_counts", "code_levels", "frequency_sheets", "frequency_table"]


def code_levels(
    tree: CodeTree, level: int | None
) -> tuple[list[Code], dict[int, int], dict[int, int]]:
    """``(codes shown, code id → id it is counted under, code id → depth)`` for ``level``."""
    return levels(tree.ordered(), level)


def code_document_counts(
    session: Session, coder: str | None = None, include_auto: bool = False
) -> list[tuple[int, int, int]]:
    """``(code_id, document_id, codings)`` for every code that occurs in a document.

    On SQLite a plain scan counted in Python beats ``GROUP BY`` (which walks the
    code index and sorts in a temporary B-tree); other databases group themselves."""
    where = coding_filter(session, coder, include_auto)
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        stmt = select(Coding.code_id, Coding.document_id)
        if where is not None:
            stmt = stmt.where(where)
        counts = Counter(raw_rows(session, stmt))
        return [(c, d, n) for (c, d), n in counts.items()]
    gstmt = select(Coding.code_id, Coding.document_id, func.count(Coding.id)).group_by(
        Coding.code_id, Coding.document_id
    )
    if where is not None:
        gstmt = gstmt.where(where)
    return raw_rows(session, gstmt)


def frequency_table(
    session: Session,
    by: str | None = None,
    coder: str | None = None,
    level: int | None = None,
    include_auto: bool = False,
    code: str | None = None,
) -> dict:
    """The frequency table as a dict (the JSON of ``qualcode report freq --json``).

    ``{"documents": N, "by": KEY|None, "groups": {value: n_docs}, "rows": [{"code",
    "codings", "documents", "share", "total_codings", "total_documents", "groups":
    {value: {"codings", "documents", …}}}]}``. Rows also carry ``name``, ``depth``,
    ``codable``, ``color``, ``total_share``; group cells also ``share``, ``total_*``.
    ``code`` limits the rows to that code and its sub-tree.
    """
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
    counts = code_document_counts(session, coder, include_auto)
    return assemble(
        shown,
        target,  # type: ignore[arg-type]
        depth,  # type: ignore[arg-type]
        {c.id: tree.path(c) for c in shown},  # type: ignore[misc]
        counts,
        document_count(session),
        key=key,
        group_of=group_of,
        group_sizes=group_sizes,
        coder=coder,
        level=level,
        code_path=code_path,
    )
