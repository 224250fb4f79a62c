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
from qualcode.errors import InvalidInput
from qualcode.models import Code, Coding
from qualcode.reports.common import coding_filter, document_count, document_groups, ratio, raw_rows


def code_levels(
    tree: CodeTree, level: int | None
) -> tuple[list[Code], dict[int, int], dict[int, int]]:
    """``(codes shown, code id → id it is counted under, code id → depth)`` for ``level``."""
    if level is not None and level < 1:
        raise InvalidInput(
            f"--level must be 1 or more (got {level})", "1 shows only the top categories"
        )
    ordered = tree.ordered()
    depth: dict[int, int] = {}
    target: dict[int, int] = {}
    for c in ordered:  # parents come before their children
        d = 1 if c.parent_id is None or c.parent_id not in depth else depth[c.parent_id] + 1
        depth[c.id] = d  # type: ignore[index]
        if level is not None and d > level:
            target[c.id] = target[c.parent_id]  # type: ignore[index]
        else:
            target[c.id] = c.id  # type: ignore[index]
    shown = [c for c in ordered if level is None or depth[c.id] <= level]  # type: ignore[index]
    return shown, target, depth


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
    ``codable``, ``total_share``; group cells also ``share``, ``total_*``.
    """
    tree = CodeTree.load(session)
    shown, target, depth = code_levels(tree, level)
    if code:  # only this code and its sub-tree
        root = tree.resolve(code)
        keep = {root.id} | {d.id for d in tree.descendants(root)}
        shown = [c for c in shown if c.id in keep]
    n_docs = document_count(session)
    key: str | None = None
    group_of: dict[int, str] | None = None
    group_sizes: dict[str, int] = {}
    if by:
        key, group_of, group_sizes = document_groups(session, by)

    own: dict[int, dict[int, int]] = {}
    for cid, did, n in code_document_counts(session, coder, include_auto):
        t = target.get(cid)
        if t is None:  # a code row without a tree entry cannot exist; be safe
            continue
        docs = own.setdefault(t, {})
        docs[did] = docs.get(did, 0) + n

    # Roll up the sub-trees: children are merged into parents in reverse tree order.
    total: dict[int, dict[int, int]] = {c.id: dict(own.get(c.id, {})) for c in shown}  # type: ignore[misc]
    for c in reversed(shown):
        if c.parent_id is not None and c.parent_id in total:
            parent = total[c.parent_id]
            for did, n in total[c.id].items():  # type: ignore[index]
                parent[did] = parent.get(did, 0) + n

    rows = []
    for c in shown:
        cid: int = c.id  # type: ignore[assignment]
        o_cod, o_docs, o_groups = _figures(own.get(cid, {}), group_of)
        t_cod, t_docs, t_groups = _figures(total[cid], group_of)
        row: dict = {
            "code": tree.path(c),
            "name": c.name,
            "depth": depth[cid],
            "codable": c.codable,
            "color": c.color,
            "codings": o_cod,
            "documents": o_docs,
            "share": ratio(o_docs, n_docs),
            "total_codings": t_cod,
            "total_documents": t_docs,
            "total_share": ratio(t_docs, n_docs),
        }
        if group_of is not None:
            cells = {}
            for g, size in group_sizes.items():
                oc, od = o_groups.get(g, [0, 0])
                tc, td = t_groups.get(g, [0, 0])
                cells[g] = {
                    "codings": oc,
                    "documents": od,
                    "share": ratio(od, size),
                    "total_codings": tc,
                    "total_documents": td,
                    "total_share": ratio(td, size),
                }
            row["groups"] = cells
        else:
            row["groups"] = {}
        rows.append(row)
    return {
        "documents": n_docs,
        "by": key,
        "coder": coder,
        "level": level,
        "code": tree.path(tree.resolve(code)) if code else None,
        "groups": group_sizes,
        "rows": rows,
    }


HEADERS = {
    "de": {
        "code": "Kategorie",
        "path": "Kategorie (Pfad)",
        "codings": "Kodierungen",
        "documents": "Dokumente",
        "share": "% Dokumente",
        "total_codings": "Kodierungen inkl. Unterkategorien",
        "total_documents": "Dokumente inkl. Unterkategorien",
        "total_share": "% Dokumente inkl. Unterkategorien",
        "group": "Gruppe",
        "sheet": "Häufigkeiten",
        "groups_sheet": "Gruppen",
    },
    "en": {
        "code": "code",
        "path": "code",
        "codings": "codings",
        "documents": "docs",
        "share": "% docs",
        "total_codings": "Σ codings",
        "total_documents": "Σ docs",
        "total_share": "Σ %",
        "group": "group",
        "sheet": "Frequencies",
        "groups_sheet": "Groups",
    },
}


def frequency_sheets(table: dict, *, lang: str = "de", paths: bool = False, compact: bool = False):
    """The frequency table as :class:`~qualcode.reports.export.Sheet` s.

    ``paths``: the first column holds the full code path (CSV) instead of the
    indented name. ``compact`` (terminal): per group only documents and column %.
    Group columns count each category together with its sub-categories (the
    rolled-up figures), so a grouping category shows its sub-tree's figures.
    """
    from qualcode.reports.export import INT, PCT, TEXT, Sheet

    h = HEADERS[lang]
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
    for g, size in groups.items():
        label = f"{g} (n={size})"
        if compact:
            headers += [f"{label} {h['documents']}", f"{g} %"]
            kinds += [INT, PCT]
        else:
            headers += [
                f"{label}: {h['codings']}",
                f"{label}: {h['documents']}",
                f"{label}: {h['share']}",
            ]
            kinds += [INT, INT, PCT]
    rows, indent = [], []
    for r in table["rows"]:
        row = [
            r["code"] if paths else r["name"],
            r["codings"],
            r["documents"],
            r["share"],
            r["total_codings"],
            r["total_documents"],
            r["total_share"],
        ]
        for g in groups:
            cell = r["groups"][g]
            if compact:
                row += [cell["total_documents"], cell["total_share"]]
            else:
                row += [cell["total_codings"], cell["total_documents"], cell["total_share"]]
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
    if lang == "de":
        sheets.append(_chart_sheet(table))
    return sheets


def _chart_sheet(table: dict):
    """The data of the chart (the leaves of the shown tree) with a native Excel bar chart."""
    from qualcode.reports.chart import _leaves
    from qualcode.reports.export import PCT, TEXT, Sheet

    leaves = _leaves(table["rows"])
    groups = list(table["groups"])
    if groups:
        headers = ["Kategorie", *[f"{g} (n = {n})" for g, n in table["groups"].items()]]
        rows = [[r["name"], *[r["groups"][g]["total_share"] for g in groups]] for r in leaves]
        x_title = "Anteil der Dokumente der Gruppe"
    else:
        headers = ["Kategorie", "% Dokumente"]
        rows = [[r["name"], r["total_share"]] for r in leaves]
        x_title = f"Anteil der Dokumente (von {table['documents']})"
    title = "Kategorienhäufigkeiten" + (f" nach {table['by']}" if table.get("by") else "")
    return Sheet(
        "Diagramm",
        headers,
        rows,
        [TEXT, *[PCT] * (len(headers) - 1)],
        chart={"title": title, "x_title": x_title, "percent": True},
    )
