"""The co-occurrence matrix without SQLAlchemy: assembling it, its sheets, and a SQLite fast path.

:func:`assemble` turns the code set of every unit into the matrix of
:func:`qualcode.reports.cooccurrence.cooccurrence`; :func:`fast_cooccurrence` feeds it
straight from a SQLite project file with :mod:`sqlite3` (like ``report freq``, see
:mod:`qualcode.reports.freqcore`) so that ``qualcode report cooc`` does not pay for
importing SQLAlchemy. It returns ``None`` whenever the full path is needed (another
backend, an unknown coder or unit, any error to report).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any

from qualcode.reports.freqcore import code_tree, fast_reader, levels

UNITS = ("passage", "document")


def normalize_unit(unit: str) -> str:
    unit = unit.strip().lower()
    return "passage" if unit == "paragraph" else unit


def passage_code_sets(
    rows: Iterable[tuple[int, int, int, int]],
    passages: dict[int, tuple[list[int], list[int]]],
    target: dict[int, int],
) -> dict[tuple[int, int], set[int]]:
    """``{(doc_id, paragraph index): {code ids}}`` from ``(doc, start, end, code)`` rows
    grouped by document and ``doc_id → (starts, ends)`` of the paragraphs sorted by start."""
    sets: dict[tuple[int, int], set[int]] = {}
    starts: list[int] = []
    ends: list[int] = []
    current, n_p = None, 0
    for did, s, e, cid in rows:
        t = target.get(cid)
        if t is None:
            continue
        if did != current:
            current = did
            starts, ends = passages.get(did, ([], []))
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
    return sets


def assemble(
    unit: str,
    sets: dict[tuple[int, int], set[int]],
    n_units: int,
    shown: Sequence[Any],
    paths: dict[int, str],
    coder: str | None,
    level: int | None,
) -> dict:
    """The co-occurrence dict (see ``cooccurrence``) from the code set of every coded unit."""
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
    cols = [c for c in shown if c.codable or diag.get(c.id)]
    index = {c.id: i for i, c in enumerate(cols)}
    col_paths = [paths[c.id] for c in cols]
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
        "codes": col_paths,
        "names": [c.name for c in cols],
        "matrix": matrix,
        "pairs": [
            {"a": col_paths[i], "b": col_paths[j], "count": n, "jaccard": jac}
            for i, j, n, jac in pairs
        ],
    }


def fast_cooccurrence(
    db: str | None,
    unit: str = "passage",
    coder: str | None = None,
    include_auto: bool = False,
    level: int | None = None,
) -> dict | None:
    """:func:`cooccurrence` of a SQLite project file via :mod:`sqlite3`, or None (use the full path)."""

    unit = normalize_unit(unit)
    if unit not in UNITS or (level is not None and level < 1):
        return None
    with fast_reader(db, coder, include_auto) as ctx:
        if ctx is None:
            return None
        conn, where = ctx
        ordered, paths = code_tree(conn)
        shown, target, _depth = levels(ordered, level)
        if unit == "document":
            sets: dict[tuple[int, int], set[int]] = {}
            for did, cid in conn.execute(
                "SELECT DISTINCT document_id, code_id FROM coding" + where
            ):
                if cid in target:
                    sets.setdefault((did, -1), set()).add(target[cid])
            (n_units,) = conn.execute("SELECT count(id) FROM document").fetchone()
        else:
            passages: dict[int, tuple[list[int], list[int]]] = {}
            n_units = 0
            for did, s, e in conn.execute(
                "SELECT document_id, start, end FROM passage WHERE unit = 'paragraph'"
                " ORDER BY document_id, start"
            ):
                p = passages.get(did)
                if p is None:
                    p = passages[did] = ([], [])
                p[0].append(s)
                p[1].append(e)
                n_units += 1
            sql = "SELECT document_id, start, end, code_id FROM coding" + (
                where + " AND orphaned IS 0" if where else " WHERE orphaned IS 0"
            )
            rows = conn.execute(sql + " ORDER BY document_id").fetchall()
            sets = passage_code_sets(rows, passages, target)  # type: ignore[arg-type]
        return assemble(unit, sets, n_units, shown, paths, coder, level)
    return None  # the data could not be read this way: the full path answers


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
