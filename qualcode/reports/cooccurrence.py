"""Code co-occurrence: how often two codes occur in the same passage or document.

Passage unit: two codes co-occur when codings of both touch (overlap) the same
paragraph. Every coding is mapped onto the paragraphs it overlaps with a binary
search over the sorted paragraph spans, so the cost is linear in the number of
codings, not quadratic. The diagonal holds the number of units with the code.
Orphaned codings (text gone after a re-import) are left out of the passage unit.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import combinations

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.errors import InvalidInput
from qualcode.models import Coding
from qualcode.reports.common import coding_filter, raw_rows
from qualcode.reports.frequency import code_levels
from qualcode.reports.units import load_passages

UNITS = ("passage", "document")


def unit_code_sets(
    session: Session, unit: str, target: dict[int, int], coder: str | None, include_auto: bool
) -> tuple[dict[tuple[int, int], set[int]], int]:
    """``{(doc_id, passage index or -1): {code ids}}`` and the number of units in the project."""
    stmt = select(Coding.document_id, Coding.start, Coding.end, Coding.code_id, Coding.orphaned)
    where = coding_filter(session, coder, include_auto)
    if where is not None:
        stmt = stmt.where(where)
    sets: dict[tuple[int, int], set[int]] = {}
    if unit == "document":
        from qualcode.reports.common import document_count

        for did, cid in raw_rows(
            session, stmt.with_only_columns(Coding.document_id, Coding.code_id).distinct()
        ):
            if cid in target:
                sets.setdefault((did, -1), set()).add(target[cid])
        return sets, document_count(session)
    passages = load_passages(session, "paragraph")
    rows = raw_rows(session, stmt.where(Coding.orphaned.is_(False)).order_by(Coding.document_id))  # type: ignore[attr-defined]
    current, starts, ends, n_p = None, [], [], 0
    for did, s, e, cid, _o in rows:
        t = target.get(cid)
        if t is None:
            continue
        if did != current:
            current = did
            p = passages.get(did)
            starts, ends = (p.starts, p.ends) if p is not None else ([], [])
            n_p = len(starts)
        i = bisect_right(ends, s)  # first paragraph ending after the coding starts
        while i < n_p and starts[i] < e:
            key = (did, i)
            got = sets.get(key)
            if got is None:
                sets[key] = {t}
            else:
                got.add(t)
            i += 1
    return sets, sum(len(p.starts) for p in passages.values())


def cooccurrence(
    session: Session,
    unit: str = "passage",
    coder: str | None = None,
    include_auto: bool = False,
    level: int | None = None,
) -> dict:
    """The co-occurrence matrix (the JSON of ``qualcode report cooc --json``).

    ``{"unit", "units", "codes": [path…], "matrix": [[n…]…], "pairs": [{"a", "b",
    "count", "jaccard"}]}``; ``matrix[i][i]`` is the number of units with code i,
    ``matrix[i][j]`` the number with both; pairs sorted by count (most first).
    """
    unit = unit.strip().lower()
    if unit == "paragraph":
        unit = "passage"
    if unit not in UNITS:
        raise InvalidInput(f"unknown unit {unit!r}", "use passage or document")
    tree = CodeTree.load(session)
    shown, target, _depth = code_levels(tree, level)
    sets, n_units = unit_code_sets(session, unit, target, coder, include_auto)
    diag: dict[int, int] = {}
    pair: dict[tuple[int, int], int] = {}
    for codes in sets.values():
        ordered = sorted(codes)
        for a in ordered:
            diag[a] = diag.get(a, 0) + 1
        if len(ordered) > 1:
            for a, b in combinations(ordered, 2):
                pair[(a, b)] = pair.get((a, b), 0) + 1
    # Codes shown: codable ones and any that occur (pure grouping categories stay out).
    cols = [c for c in shown if c.codable or diag.get(c.id)]  # type: ignore[arg-type]
    index = {c.id: i for i, c in enumerate(cols)}
    paths = [tree.path(c) for c in cols]
    matrix = [[0] * len(cols) for _ in cols]
    for cid, n in diag.items():
        if cid in index:
            matrix[index[cid]][index[cid]] = n
    pairs = []
    for (a, b), n in pair.items():
        if a not in index or b not in index:
            continue
        i, j = index[a], index[b]
        matrix[i][j] = matrix[j][i] = n
        union = diag[a] + diag[b] - n
        pairs.append((min(i, j), max(i, j), n, round(n / union, 4) if union else 0.0))
    pairs.sort(key=lambda p: (-p[2], -p[3], p[0], p[1]))
    return {
        "unit": unit,
        "units": n_units,
        "coded_units": len(sets),
        "coder": coder,
        "level": level,
        "codes": paths,
        "names": [c.name for c in cols],
        "matrix": matrix,
        "pairs": [
            {"a": paths[i], "b": paths[j], "count": n, "jaccard": jac} for i, j, n, jac in pairs
        ],
    }


def cooccurrence_sheets(data: dict, *, lang: str = "de", numbered: bool = False):
    """Matrix sheet (codes × codes) and a sheet of pairs."""
    from qualcode.reports.export import FLOAT, INT, TEXT, Sheet

    de = lang == "de"
    n = len(data["codes"])
    labels = [str(i + 1) for i in range(n)] if numbered else list(data["names"])
    first = (f"{'Kategorie' if de else 'code'}") if not numbered else "#  code"
    headers = [first] + labels
    rows = []
    for i in range(n):
        name = f"{i + 1:>2} {data['codes'][i]}" if numbered else data["codes"][i]
        rows.append([name] + data["matrix"][i])
    unit_de = "Absätze" if data["unit"] == "passage" else "Dokumente"
    note = (
        f"Gemeinsames Vorkommen je {'Absatz' if data['unit'] == 'passage' else 'Dokument'}; Diagonale: {unit_de} mit der Kategorie ({data['units']} {unit_de} insgesamt)"
        if de
        else f"co-occurrence per {data['unit']}; diagonal: {data['unit']}s with the code ({data['units']} in all)"
    )
    matrix = Sheet(
        "Überschneidungen" if de else "Co-occurrence",
        headers,
        rows,
        [TEXT] + [INT] * n,
        note="" if not numbered else note,
    )
    pairs = Sheet(
        "Paare" if de else "Pairs",
        ["Kategorie A", "Kategorie B", unit_de, "Jaccard"]
        if de
        else ["code A", "code B", data["unit"] + "s", "Jaccard"],
        [[p["a"], p["b"], p["count"], p["jaccard"]] for p in data["pairs"]],
        [TEXT, TEXT, INT, FLOAT],
    )
    return [matrix, pairs]
