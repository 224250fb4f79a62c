"""The code matrix: documents × codes (counts or 0/1 presence) with document attributes."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.docsets import scope_ids
from qualcode.documents import attributes_of
from qualcode.models import Document
from qualcode.reports.common import attribute_keys
from qualcode.reports.frequency import code_document_counts, code_levels


def code_matrix(
    session: Session,
    presence: bool = False,
    coder: str | None = None,
    include_auto: bool = False,
    level: int | None = None,
) -> dict:
    """``{"presence", "codes": [path…], "attributes": [key…], "rows": [{"document",
    "attributes", "values": [n…], "total"}], "totals": [n…]}`` — one row per document
    (name order), one column per code (tree order; codable codes and any that occur).
    With ``presence`` the cells are 0/1 and ``totals`` count documents."""
    tree = CodeTree.load(session)
    shown, target, _depth = code_levels(tree, level)
    cells: dict[tuple[int, int], int] = {}
    occurring: set[int] = set()
    for cid, did, n in code_document_counts(session, coder, include_auto):
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
    attrs = attributes_of(session)
    keys = attribute_keys(session)
    rows = []
    totals = [0] * len(cols)
    for did, name in docs:
        values = []
        for i, c in enumerate(cols):
            n = cells.get((did, c.id), 0)  # type: ignore[arg-type]
            v = (1 if n else 0) if presence else n
            values.append(v)
            totals[i] += v
        rows.append(
            {
                "document": name,
                "attributes": {k: attrs.get(did, {}).get(k) for k in keys},
                "values": values,
                "total": sum(values),
            }
        )
    return {
        "presence": presence,
        "coder": coder,
        "level": level,
        "codes": [tree.path(c) for c in cols],
        "names": [c.name for c in cols],
        "attributes": keys,
        "rows": rows,
        "totals": totals,
    }


def matrix_sheets(data: dict, *, paths: bool = True, lang: str = "de"):
    from qualcode.reports.export import INT, TEXT, Sheet

    de = lang == "de"
    keys = data["attributes"]
    labels = data["codes"] if paths else data["names"]
    total_label = ("Kategorien" if data["presence"] else "Kodierungen") if de else "total"
    headers = ["Dokument" if de else "document", *keys, *labels, total_label]
    kinds = [TEXT] + [TEXT] * len(keys) + [INT] * len(labels) + [INT]
    rows = []
    for r in data["rows"]:
        rows.append(
            [
                r["document"],
                *["" if r["attributes"].get(k) is None else r["attributes"][k] for k in keys],
                *r["values"],
                r["total"],
            ]
        )
    rows.append(
        ["Summe" if de else "total", *[""] * len(keys), *data["totals"], sum(data["totals"])]
    )
    title = ("Matrix (vorhanden)" if data["presence"] else "Matrix") if de else "Matrix"
    return [Sheet(title, headers, rows, kinds, freeze_cols=1 + len(keys))]
