"""The code matrix (Code Matrix Browser): documents, sets or attribute values × codes.

Rows are documents (with their attributes), or groups of documents: the values of an
attribute (``by``) or the document sets (``sets``). Cells count coded segments (a span
coded identically by several coders counts once), or with ``presence`` 0/1 per document
— for a group, the number of its documents with the code. The totals count every
document of the rows once: sets may overlap, so their total is that of the union of the
sets' documents, not the sum of the rows. :func:`matrix_chart` draws the heat map
(PNG/SVG); the XLSX shades the cells with a colour scale.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.docsets import scope_ids
from qualcode.documents import attributes_of
from qualcode.errors import InvalidInput
from qualcode.models import Document
from qualcode.reports.common import attribute_keys
from qualcode.reports.frequency import code_document_counts, code_levels

if TYPE_CHECKING:
    from qualcode.schemas.reports import MatrixReport, MatrixRow


def _groups(session: Session, by: str | None, sets: bool, docs: list[int]) -> dict[str, list[int]]:
    if by and sets:
        raise InvalidInput("--by and --sets cannot be combined", "choose one kind of rows")
    if by:
        from qualcode.reports.common import document_groups

        _key, group_of, sizes = document_groups(session, by)
        out: dict[str, list[int]] = {g: [] for g in sizes}
        for did in docs:
            out[group_of[did]].append(did)
        return out
    from qualcode.docsets import list_sets, session_execute, set_ids

    execute = session_execute(session)
    keep = set(docs)
    found = {
        s["set"]: [d for d in set_ids(execute, s["set"]) if d in keep] for s in list_sets(execute)
    }
    if not found:
        raise InvalidInput("no document sets yet", "create one with `qualcode set add NAME DOC…`")
    return found


def code_matrix(session: Session, **options) -> MatrixReport:
    """The matrix of :func:`matrix_report` (same options), without the number of documents
    of its total."""
    return matrix_report(session, **options)[0]


def matrix_report(
    session: Session,
    presence: bool = False,
    coder: str | None = None,
    include_auto: bool = False,
    level: int | None = None,
    by: str | None = None,
    sets: bool = False,
    code: str | None = None,
) -> tuple[MatrixReport, int]:
    """``(matrix, documents of the total row)``; the matrix is ``{"presence", "rows_are",
    "code_paths": [path…], "code_names": [name…], "attribute_names": [key…], "rows":
    [{"document", "document_id", "attributes" (or "group" and "documents"), "values":
    [n…], "total"}], "column_totals": [n…]}`` — rows in name order (groups in value order), one column per code (tree order;
    codable codes and any that occur). With ``presence`` the cells are 0/1 (a group: its
    documents with the code) and ``totals`` count documents. ``column_totals`` count every
    document of the rows once (the union of overlapping sets), as the total row does; its
    documents are the second value. ``code``: only the columns of this code and its
    sub-codes (as ``report freq --code``). With ``level`` a span coded with several codes
    that roll up to one category is one segment of it."""
    tree = CodeTree.load(session)
    shown, target, _depth = code_levels(tree, level)
    if code:  # only this code and its sub-tree
        root = tree.resolve(code)
        keep = {root.id} | {d.id for d in tree.descendants(root)}
        shown = [c for c in shown if c.id in keep]
    cells: dict[tuple[int, int], int] = {}
    occurring: set[int] = set()
    for cid, did, n in code_document_counts(session, coder, include_auto, target):
        t = target.get(cid)
        if t is None:
            continue
        cells[(did, t)] = cells.get((did, t), 0) + n
        occurring.add(t)
    cols = [c for c in shown if c.codable or c.id in occurring]
    stmt = select(Document.id, Document.name).order_by(func.lower(Document.name), Document.name)
    scope = scope_ids(session)
    if scope is not None:
        stmt = stmt.where(Document.id.in_(scope))  # type: ignore[attr-defined]
    docs = list(session.execute(stmt))

    def values_of(dids: list[int]) -> list[int]:
        out = []
        for c in cols:
            ns = [cells.get((d, c.id), 0) for d in dids]  # type: ignore[arg-type]
            out.append(sum(1 for n in ns if n) if presence else sum(ns))
        return out

    rows: list[MatrixRow] = []
    keys: list[str] = []
    union: list[int] = [d for d, _ in docs]  # the documents of the rows, each once
    if by or sets:
        groups = _groups(session, by, sets, union)
        members = set().union(*groups.values())
        union = [d for d in union if d in members]
        for label, dids in groups.items():
            values = values_of(dids)
            rows.append(
                {"group": label, "documents": len(dids), "values": values, "total": sum(values)}
            )
    else:
        attrs = attributes_of(session)
        keys = attribute_keys(session)
        for did, name in docs:
            values = values_of([did])
            rows.append(
                {
                    "document": name,
                    "document_id": did,
                    "attributes": {k: attrs.get(did, {}).get(k) for k in keys},  # type: ignore[misc]
                    "values": values,
                    "total": sum(values),
                }
            )
    totals = values_of(union)
    data: MatrixReport = {
        "presence": presence,
        "coder": coder,
        "level": level,
        "rows_are": "sets" if sets else (by or "documents"),
        "code_paths": [tree.path(c) for c in cols],
        "code_names": [c.name for c in cols],
        "attribute_names": keys,
        "rows": rows,
        "column_totals": totals,
    }
    return data, len(union)


def _label(r: dict) -> str:
    return r["document"] if "document" in r else f"{r['group']} (n = {r['documents']})"


def matrix_sheets(data: dict, *, documents: int, paths: bool = True, lang: str = "de"):
    """The matrix as a sheet; ``documents``: those of the total row (see :func:`matrix_report`)."""
    from qualcode.reports.export import INT, TEXT, Sheet

    de = lang == "de"
    keys = data["attribute_names"]
    grouped = data.get("rows_are", "documents") != "documents"
    labels = data["code_paths"] if paths else data["code_names"]
    # the row's sum: segments; with presence, a document's categories (a group's: a sum)
    total_label = (
        (("Summe" if grouped else "Kategorien") if data["presence"] else "Segmente")
        if de
        else "total"
    )
    first = ("Gruppe" if de else "group") if grouped else ("Dokument" if de else "document")
    headers = [
        first,
        *keys,
        *(["Dokumente" if de else "documents"] if grouped else []),
        *labels,
        total_label,
    ]
    extra = 1 if grouped else 0
    kinds = [TEXT] + [TEXT] * len(keys) + [INT] * extra + [INT] * len(labels) + [INT]
    rows = []
    for r in data["rows"]:
        rows.append(
            [
                r["group"] if grouped else r["document"],
                *[
                    "" if r.get("attributes", {}).get(k) is None else r["attributes"][k]
                    for k in keys
                ],
                *([r["documents"]] if grouped else []),
                *r["values"],
                r["total"],
            ]
        )
    rows.append(
        [
            "Summe" if de else "total",
            *[""] * len(keys),
            *([documents] if grouped else []),
            *data["column_totals"],
            sum(data["column_totals"]),
        ]
    )
    title = ("Matrix (vorhanden)" if data["presence"] else "Matrix") if de else "Matrix"
    c0 = 1 + len(keys) + extra
    heat = (c0, c0 + len(labels) - 1, len(data["rows"])) if labels else None
    return [Sheet(title, headers, rows, kinds, freeze_cols=1 + len(keys), heat=heat)]


def matrix_title(data: dict, lang: str = "de") -> str:
    if lang == "de":
        kind = {"documents": "Dokumente", "sets": "Dokumentgruppen"}.get(
            data["rows_are"], data["rows_are"]
        )
        return f"Matrix {kind} × Kategorien"
    kind = {"documents": "documents", "sets": "document sets"}.get(
        data["rows_are"], data["rows_are"]
    )
    return f"Matrix {kind} × categories"


def matrix_chart(
    data: dict, path: str | Path, *, title: str | None = None, lang: str = "de", also: bool = True
) -> Path:
    """The heat map of the matrix (rows × codes; cell colour and label = the count) as
    PNG, SVG and PDF."""
    from qualcode.reports import figures
    from qualcode.reports.chart import check_suffix

    path = Path(path)
    check_suffix(path)
    if not data["code_paths"] or not data["rows"]:
        raise InvalidInput(
            "there is nothing to chart: no codes or no rows", "code some passages first"
        )
    with figures.style() as plt:
        fig = matrix_figure(plt, data, title=title, lang=lang)
        figures.save(fig, path, also=also)
    return path


def matrix_figure(plt, data: dict, *, title: str | None = None, lang: str = "de"):
    """The laid-out figure of :func:`matrix_chart`."""
    from qualcode.reports import figures
    from qualcode.reports.numbers import num, tr

    values = [r["values"] for r in data["rows"]]
    small = len(data["code_names"]) > 24 or len(data["rows"]) > 40
    size = 5 if small else 6.5
    rows = [figures.wrap(_label(r), 5.0, size) for r in data["rows"]]  # wrapped, never cut
    cols = list(data["code_names"])  # slanted, in full: side by side, wrapping would collide
    top = max((v for row in values for v in row), default=0) or 1
    col_cm = max((figures.text_cm(c, size) for c in cols), default=0) * 0.87  # sin 60°
    row_lines = sum(r.count("\n") for r in rows)
    height = 0.42 * len(rows) + 0.25 * row_lines + 3.5 + col_cm
    fig, ax = figures.figure(plt, height)
    im = ax.imshow(
        values or [[0] * len(cols)], aspect="auto", cmap=figures.HEAT_CMAP, vmin=0, vmax=top
    )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows, fontsize=size)
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(cols, fontsize=size, rotation=60, ha="right", rotation_mode="anchor")
    if len(rows) * len(cols) <= 1500:
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                if v:
                    ax.text(
                        j,
                        i,
                        num(v, 0, lang),
                        ha="center",
                        va="center",
                        fontsize=4.5 if small else 5.5,
                        color="white" if v > 0.6 * top else "#333333",
                    )
    what = (
        tr(lang, "Dokumente mit Kategorie", "documents with the category")
        if data["presence"]
        else tr(lang, "kodierte Segmente", "coded segments")
    )
    from matplotlib.ticker import MaxNLocator

    cbar = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cbar.set_label(what)
    cbar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
    figures.title(fig, title or matrix_title(data, lang))
    figures.layout(fig, lang)
    return fig
