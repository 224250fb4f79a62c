"""The frequency table without SQLAlchemy: assembling rows, export sheets, and a SQLite fast path.

:func:`assemble` turns plain inputs (codes in tree order, ``(code, document, n)``
counts, document groups) into the table of :func:`qualcode.reports.frequency.frequency_table`.
:func:`fast_frequency_table` feeds it straight from a SQLite project file with
:mod:`sqlite3` — like ``qualcode status`` — so that ``qualcode report freq`` does not
pay for importing SQLAlchemy (most of its run time); it returns ``None`` whenever the
full path is needed (another backend, a filter it does not handle, any error to report).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.errors import InvalidInput
from qualcode.fastread import open_project
from qualcode.reports.lang import NONE_GROUP, group_label
from qualcode.structure import NOT_RELEVANT
from qualcode.textutil import join_path, name_key, typed_value

if TYPE_CHECKING:
    from qualcode.schemas.reports import FreqCell, FreqReport, FreqRow

AUTO_CODER = "auto"  # qualcode.config.AUTO_CODER


def ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def sort_key(value: str, type_: str) -> tuple:
    """Group order: numbers numerically, then booleans, then text (case-insensitive)."""
    v = typed_value(value, type_)
    if isinstance(v, bool):
        return (1, int(v), "")
    if isinstance(v, int | float):
        return (0, v, "")
    return (2, 0, name_key(str(v)))


def order_groups(
    values: dict[int, str], order: dict[str, tuple], doc_ids: Sequence[int]
) -> tuple[dict[int, str], dict[str, int]]:
    """``(doc_id → group, group → size)``: documents without a value form ``(none)``, listed last."""
    counts: dict[str, int] = {}
    group_of: dict[int, str] = {}
    for did in doc_ids:
        g = values.get(did, NONE_GROUP)
        group_of[did] = g
        counts[g] = counts.get(g, 0) + 1
    names = sorted((g for g in counts if g != NONE_GROUP), key=lambda g: order[g])
    if NONE_GROUP in counts:
        names.append(NONE_GROUP)
    return group_of, {g: counts[g] for g in names}


def levels(
    ordered: Sequence[Any], level: int | None
) -> tuple[list[Any], dict[int, int], dict[int, int]]:
    """``(codes shown, code id → id it is counted under, code id → depth)`` for ``level``.

    ``ordered``: codes (anything with ``id``, ``parent_id`` and ``name_key``) depth-first in
    tree order. The reserved code :data:`~qualcode.structure.NOT_RELEVANT` (passages
    outside the selection criterion) is left out: it is no category."""
    if level is not None and level < 1:
        raise InvalidInput(
            f"--level must be 1 or more (got {level})", "1 shows only the top categories"
        )
    depth: dict[int, int] = {}
    target: dict[int, int] = {}
    marks = name_key(NOT_RELEVANT)
    left_out: set[int] = set()  # "not relevant" marks are no category
    for c in ordered:  # parents come before their children
        if (c.parent_id is None and c.name_key == marks) or c.parent_id in left_out:
            left_out.add(c.id)
            continue
        d = 1 if c.parent_id is None or c.parent_id not in depth else depth[c.parent_id] + 1
        depth[c.id] = d
        target[c.id] = target[c.parent_id] if level is not None and d > level else c.id
    shown = [c for c in ordered if c.id in depth and (level is None or depth[c.id] <= level)]
    return shown, target, depth


def _figures(
    docs: dict[int, int], group_of: dict[int, str] | None
) -> tuple[int, int, dict[str, list[int]]]:
    codings = sum(docs.values())
    groups: dict[str, list[int]] = {}
    if group_of is not None:
        for did, n in docs.items():
            g = groups.setdefault(group_of[did], [0, 0])
            g[0] += n
            g[1] += 1
    return codings, len(docs), groups


Span = tuple[int, int, int, int]  # (code id, document id, start, end)


def rollup(
    shown: Sequence[Any], target: dict[int, int], spans: Iterable[Span]
) -> tuple[dict[int, dict[int, int]], dict[int, dict[int, int]]]:
    """``(own, total)``: code id → document id → segments, of the code itself and of its
    sub-tree among ``shown`` (codes in tree order).

    ``spans``: the coded spans ``(code, document, start, end)``. A sub-tree's segments are
    its distinct spans: a passage coded with a category and its sub-codes, or with two
    sibling sub-codes, counts once in every category above them (as it does with
    ``--level``)."""
    ids = {c.id for c in shown}
    parent = {c.id: c.parent_id for c in shown}
    own_spans: set[Span] = set()
    total_spans: set[Span] = set()
    for cid, did, start, end in spans:
        t = target.get(cid)
        if t is None:
            continue
        own_spans.add((t, did, start, end))
        while t is not None and t in ids:
            total_spans.add((t, did, start, end))
            t = parent[t]

    def per_document(found: set[Span]) -> dict[int, dict[int, int]]:
        out: dict[int, dict[int, int]] = {c.id: {} for c in shown}
        for (cid, did), n in Counter((c, d) for c, d, _s, _e in found).items():
            out.setdefault(cid, {})[did] = n
        return out

    return per_document(own_spans), per_document(total_spans)


def assemble(
    shown: Sequence[Any],
    target: dict[int, int],
    depth: dict[int, int],
    paths: dict[int, str],
    spans: Iterable[Span],
    n_docs: int,
    *,
    key: str | None = None,
    group_of: dict[int, str] | None = None,
    group_sizes: dict[str, int] | None = None,
    coder: str | None = None,
    level: int | None = None,
    code_path: str | None = None,
) -> FreqReport:
    """The frequency table from plain inputs (see ``frequency_table`` for the shape;
    ``spans``: the distinct coded spans ``(code, document, start, end)``; ``coders`` is
    left to the caller)."""
    group_sizes = group_sizes or {}
    own, total = rollup(shown, target, spans)
    rows: list[FreqRow] = []
    for c in shown:
        cid = c.id  # type: ignore[assignment]
        o_cod, o_docs, o_groups = _figures(own.get(cid, {}), group_of)
        t_cod, t_docs, t_groups = _figures(total[cid], group_of)
        row: FreqRow = {
            "code": paths[cid],
            "name": c.name,
            "depth": depth[cid],
            "codable": bool(c.codable),
            "color": c.color,
            "segments": o_cod,
            "documents": o_docs,
            "share": ratio(o_docs, n_docs),
            "total_segments": t_cod,
            "total_documents": t_docs,
            "total_share": ratio(t_docs, n_docs),
            "groups": {},
        }
        if group_of is not None:
            for g, size in group_sizes.items():
                oc, od = o_groups.get(g, [0, 0])
                tc, td = t_groups.get(g, [0, 0])
                cell: FreqCell = {
                    "segments": oc,
                    "documents": od,
                    "share": ratio(od, size),
                    "total_segments": tc,
                    "total_documents": td,
                    "total_share": ratio(td, size),
                }
                row["groups"][g] = cell
        rows.append(row)
    return {
        "documents": n_docs,
        "by": key,
        "coder": coder,
        "level": level,
        "code": code_path,
        "groups": group_sizes,
        "rows": rows,
        "coders": [],
    }


# --- what is counted: segments ---------------------------------------------------------------


def segment_counts(
    rows: Iterable[tuple[int, int, int, int, str]],
    target: dict[int, int] | None = None,
) -> tuple[set[Span], dict[str, set[Span]]]:
    """From ``(code_id, document_id, start, end, coder)`` rows: the distinct coded spans
    ``(code_id, document_id, start, end)`` over everybody — a span coded with the same code
    by several coders is one segment — and the same per coder (for ``--by-coder``).

    ``target`` (code id → id it is counted under, from :func:`levels`): with ``--level``
    a span coded with several codes that roll up to one category is one segment of it;
    the spans are then keyed by that category."""
    every: set[Span] = set()
    mine: dict[str, set[Span]] = {}
    for cid, did, start, end, coder in rows:
        span = (target.get(cid, cid) if target else cid, did, start, end)
        every.add(span)
        mine.setdefault(coder, set()).add(span)
    return every, dict(sorted(mine.items()))


def split_by_coder(
    data: FreqReport,
    per_coder: dict[str, set[Span]],
    table: Callable[[set[Span]], FreqReport],
) -> FreqReport:
    """``data`` with one group per coder: each coder's segments (``table(spans)`` makes the
    table of a coder's spans). As a ``--by`` group's n is its documents, a coder's n is the
    documents the coder coded (has any coding in, a not-relevant mark included), and the
    column % is the share of those."""
    groups: dict[str, int] = {}
    for name, spans in per_coder.items():
        own = table(spans)
        size = len({did for _cid, did, _s, _e in spans})
        groups[name] = size
        for row, mine in zip(data["rows"], own["rows"], strict=True):
            row["groups"][name] = {
                "segments": mine["segments"],
                "documents": mine["documents"],
                "share": ratio(mine["documents"], size),
                "total_segments": mine["total_segments"],
                "total_documents": mine["total_documents"],
                "total_share": ratio(mine["total_documents"], size),
            }
    data["by"], data["groups"] = "coder", groups
    return data


def counted(data: dict, split: str = "--by-coder") -> str:
    """The header line that says what the figures count (``split``: how to split by coder)."""
    coders = data.get("coders") or []
    if data.get("by") == "coder":
        return "counting each coder's coded segments, one column per coder"
    if len(coders) > 1:
        return (
            "counting segments: a passage coded with the same code by several coders ("
            + ", ".join(coders)
            + f") counts once; {split} splits them by coder"
        )
    return "counting coded segments" + (f" of {coders[0]}" if coders else "")


# --- SQLite fast path ---------------------------------------------------------------------


@dataclass
class _Code:
    id: int
    name: str
    name_key: str
    parent_id: int | None
    position: int
    codable: bool
    color: str


def _join_path(names: Sequence[str]) -> str:
    return join_path(names)


_READ_ERRORS = (sqlite3.Error, TypeError, ValueError, KeyError)


@contextmanager
def fast_reader(db: str | None, coder: str | None, include_auto: bool):
    """``(conn, coder WHERE clause)`` for a fast path, or None when the full path must answer.

    A read error inside the ``with`` block ends it quietly (the caller then returns None);
    the connection is always closed.
    """
    conn = open_project(db)
    if conn is None:
        yield None
        return
    try:
        try:
            where = coder_where(conn, coder, include_auto)
        except _READ_ERRORS:
            where = None
        try:
            yield None if where is None else (conn, where)
        except _READ_ERRORS:
            pass
    finally:
        conn.close()


def coder_where(conn, coder: str | None, include_auto: bool) -> str | None:
    """The ``WHERE`` clause (with a leading space, or "") on ``coding`` for the coder
    selection, or None when the full path must report an error (unknown coder)."""
    coders = dict(conn.execute("SELECT name, id FROM coder").fetchall())
    if coder:
        names = [n.strip() for n in coder.split(",") if n.strip()]
        if not names or any(n not in coders for n in names):
            return None  # the full path reports the error
        return f" WHERE coder_id IN ({','.join(str(int(coders[n])) for n in names)})"
    if not include_auto and AUTO_CODER in coders:
        return f" WHERE coder_id <> {int(coders[AUTO_CODER])}"
    return ""


def code_tree(conn) -> tuple[list[_Code], dict[int, str]]:
    """``(codes depth-first in tree order, code id → path)`` like :class:`qualcode.codebook.CodeTree`."""
    codes = [
        _Code(*r)
        for r in conn.execute(
            "SELECT id, name, name_key, parent_id, position, codable, color FROM code"
        )
    ]
    children: dict[int | None, list[_Code]] = {}
    for c in sorted(codes, key=lambda c: (c.position, c.name_key, c.id)):
        children.setdefault(c.parent_id, []).append(c)
    ordered: list[_Code] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        c = stack.pop()
        ordered.append(c)
        stack.extend(reversed(children.get(c.id, [])))
    paths: dict[int, str] = {}
    names_of: dict[int, list[str]] = {}
    for c in ordered:
        names_of[c.id] = (
            [*names_of.get(c.parent_id, []), c.name] if c.parent_id is not None else [c.name]
        )  # type: ignore[index]
        paths[c.id] = _join_path(names_of[c.id])
    return ordered, paths


def fast_frequency_table(
    db: str | None,
    by: str | None = None,
    coder: str | None = None,
    level: int | None = None,
    include_auto: bool = False,
    by_coder: bool = False,
) -> FreqReport | None:
    """:func:`frequency_table` of a SQLite project file via :mod:`sqlite3`, or None (use the full path)."""

    if (level is not None and level < 1) or (by and by_coder):
        return None
    with fast_reader(db, coder, include_auto) as ctx:
        if ctx is None:
            return None
        conn, where = ctx
        ordered, paths = code_tree(conn)
        shown, target, depth = levels(ordered, level)
        doc_ids = [d for (d,) in conn.execute("SELECT id FROM document")]
        key = group_of = None
        group_sizes: dict[str, int] = {}
        if by:
            keys = [k for (k,) in conn.execute("SELECT DISTINCT key FROM document_attribute")]
            matches = [k for k in keys if k == by] or [
                k for k in keys if name_key(k) == name_key(by)
            ]
            if len(matches) != 1:
                return None
            key = matches[0]
            values: dict[int, str] = {}
            order: dict[str, tuple] = {}
            for did, value, type_ in conn.execute(
                "SELECT document_id, value, type FROM document_attribute WHERE key = ?", (key,)
            ):
                values[did] = value
                order.setdefault(value, sort_key(value, type_))
            group_of, group_sizes = order_groups(values, order, doc_ids)
        every, per_coder = segment_counts(
            conn.execute(
                'SELECT code_id, document_id, start, "end", (SELECT name FROM coder '
                "WHERE coder.id = coding.coder_id) FROM coding" + where
            ).fetchall(),
            target,
        )

        def table(counts, **kw):
            return assemble(
                shown, target, depth, paths, counts, len(doc_ids), coder=coder, level=level, **kw
            )

        data = table(every, key=key, group_of=group_of, group_sizes=group_sizes)
        if by_coder:
            data = split_by_coder(data, per_coder, table)
        data["coders"] = list(per_coder)
        return data
    return None  # the data could not be read this way: the full path answers


# --- export sheets ------------------------------------------------------------------------------


HEADERS = {
    "de": {
        "code": "Kategorie",
        "path": "Kategorie (Pfad)",
        "codings": "Segmente",
        "coder_codings": "Kodierungen",
        "documents": "Dokumente",
        "share": "% Dokumente",
        "total_codings": "Segmente inkl. Unterkategorien",
        "total_documents": "Dokumente inkl. Unterkategorien",
        "total_share": "% Dokumente inkl. Unterkategorien",
        "total_coder_codings": "Kodierungen inkl. Unterkategorien",
        "group": "Gruppe",
        "sheet": "Häufigkeiten",
        "groups_sheet": "Gruppen",
    },
    "en": {
        "code": "code",
        "path": "code",
        "codings": "segments",
        "coder_codings": "codings",
        "documents": "docs",
        "share": "% docs",
        "total_codings": "Σ segments",
        "total_documents": "Σ docs",
        "total_share": "Σ %",
        "total_coder_codings": "Σ codings",
        "group": "group",
        "sheet": "Frequencies",
        "groups_sheet": "Groups",
    },
    # English files (Markdown, XLSX, CSV): whole words, as the German headers
    "en_file": {
        "code": "Category",
        "path": "Category (path)",
        "codings": "Segments",
        "coder_codings": "Codings",
        "documents": "Documents",
        "share": "% documents",
        "total_codings": "Segments incl. sub-categories",
        "total_documents": "Documents incl. sub-categories",
        "total_share": "% documents incl. sub-categories",
        "total_coder_codings": "Codings incl. sub-categories",
        "group": "Group",
        "sheet": "Frequencies",
        "groups_sheet": "Groups",
    },
}


def frequency_sheets(table: dict, *, lang: str = "de", paths: bool = False, compact: bool = False):
    """The frequency table as :class:`~qualcode.reports.export.Sheet` s.

    ``paths``: the first column holds the full code path (CSV) instead of the
    indented name. ``compact`` (terminal): per group only documents and column %.
    Group columns count each category together with its sub-categories (the
    rolled-up figures, as the Σ columns), and their headers say so. In files the
    documents without a value are the group :func:`~qualcode.reports.lang.group_label`.
    """
    from qualcode.reports.export import INT, PCT, TEXT, Sheet

    if not compact:
        table = named_groups(table, lang)
    h = HEADERS["en_file" if lang == "en" and not compact else lang]
    headers = [
        h["path"] if paths else h["code"],
        h["codings"],
        h["documents"],
        h["share"],
        h["total_codings"],
        h["total_documents"],
        h["total_share"],
    ]
    kinds = [TEXT, INT, INT, PCT, INT, INT, PCT]
    groups = table["groups"]
    coders = table.get("by") == "coder"  # per coder: the segments first
    # per coder a column counts the coder's own codings; per attribute value, segments;
    # both of the category with its sub-categories (as the Σ columns)
    counted = h["total_coder_codings"] if coders else h["total_codings"]
    for g, size in groups.items():
        label = f"{g} (n={size})"
        if compact and coders:
            headers += [f"{g} {counted}", f"{g} {h['total_documents']}"]
            kinds += [INT, INT]
        elif compact:
            headers += [f"{label} {h['total_documents']}", f"{g} {h['total_share']}"]
            kinds += [INT, PCT]
        else:
            headers += [
                f"{label}: {counted}",
                f"{label}: {h['total_documents']}",
                f"{label}: {h['total_share']}",
            ]
            kinds += [INT, INT, PCT]
    rows, indent = [], []
    for r in table["rows"]:
        row = [
            r["code"] if paths else r["name"],
            r["segments"],
            r["documents"],
            r["share"],
            r["total_segments"],
            r["total_documents"],
            r["total_share"],
        ]
        for g in groups:
            cell = r["groups"][g]
            if compact and coders:
                row += [cell["total_segments"], cell["total_documents"]]
            elif compact:
                row += [cell["total_documents"], cell["total_share"]]
            else:
                row += [cell["total_segments"], cell["total_documents"], cell["total_share"]]
        rows.append(row)
        indent.append(0 if paths else r["depth"] - 1)
    title = h["sheet"]
    sheets = [Sheet(title, headers, rows, kinds, indent)]
    if groups:
        n = table["documents"]
        sheets.append(
            Sheet(
                h["groups_sheet"],
                [f"{h['group']} ({table['by']})", h["documents"], h["share"]],
                [[g, size, (size / n if n else 0.0)] for g, size in groups.items()],
                [TEXT, INT, PCT],
            )
        )
    if not compact:
        sheets.append(_chart_sheet(table, lang))
    return sheets


def named_groups(table: dict, lang: str) -> dict:
    """``table`` with its groups named for a report in ``lang``: the documents without a
    value of the attribute are "(ohne Angabe)" in German (the data keeps ``(none)``)."""
    label = group_label(NONE_GROUP, lang)
    if label == NONE_GROUP or table.get("by") == "coder" or NONE_GROUP not in table["groups"]:
        return table

    def rename(d: dict) -> dict:
        return {(label if k == NONE_GROUP else k): v for k, v in d.items()}

    rows = [{**r, "groups": rename(r["groups"])} for r in table["rows"]]
    return {**table, "groups": rename(table["groups"]), "rows": rows}


def _chart_sheet(table: dict, lang: str = "de"):
    """The data of the chart (the leaves of the shown tree) with a native Excel bar chart."""
    from qualcode.reports.chart import _leaves
    from qualcode.reports.export import PCT, TEXT, Sheet

    de = lang == "de"
    leaves = _leaves(table["rows"])
    groups = list(table["groups"])
    first = "Kategorie" if de else "Category"
    if groups:
        headers = [first, *[f"{g} (n = {n})" for g, n in table["groups"].items()]]
        rows = [[r["name"], *[r["groups"][g]["total_share"] for g in groups]] for r in leaves]
        x_title = "Anteil der Dokumente der Gruppe" if de else "Share of the group's documents"
    else:
        headers = [first, "% Dokumente" if de else "% documents"]
        rows = [[r["name"], r["total_share"]] for r in leaves]
        x_title = (
            f"Anteil der Dokumente (von {table['documents']})"
            if de
            else f"Share of the documents (of {table['documents']})"
        )
    by = table.get("by")
    title = (
        ("Kategorienhäufigkeiten" + (f" nach {by}" if by else ""))
        if de
        else ("Category frequencies" + (f" by {by}" if by else ""))
    )
    return Sheet(
        "Diagramm" if de else "Chart",
        headers,
        rows,
        [TEXT, *[PCT] * (len(headers) - 1)],
        chart={"title": title, "x_title": x_title, "percent": True},
    )
