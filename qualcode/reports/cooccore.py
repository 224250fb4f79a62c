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
from typing import TYPE_CHECKING, Any

from qualcode.reports.freqcore import code_tree, fast_reader, levels

if TYPE_CHECKING:
    from qualcode.schemas.reports import CoocReport

UNITS = ("passage", "document")


def normalize_unit(unit: str) -> str:
    unit = unit.strip().lower()
    return "passage" if unit == "paragraph" else unit


PAIRINGS = ("within-coder", "across-coders")
PAIRING_TEXT = {"within-coder": "pairs within one coder", "across-coders": "pairs across coders"}
PAIRING_DE = {
    "within-coder": "Paare innerhalb derselben kodierenden Person",
    "across-coders": "Paare über Kodierende hinweg",
}

# {(doc_id, paragraph index or -1): {coder id: {code ids}}}
UnitSets = dict[tuple[int, int], dict[int, set[int]]]


def pairing_of(across_coders: bool) -> str:
    return "across-coders" if across_coders else "within-coder"


def content_passages(
    texts: dict[int, str], passages: dict[int, tuple[list[int], list[int]]]
) -> tuple[dict[int, tuple[list[int], list[int]]], int]:
    """The paragraphs that are units of analysis — headings, titles, metadata blocks and the
    agenda left out (:func:`qualcode.structure.content_flags`, as ``qualcode agreement``
    does) — and how many were left out. A coding that spans a heading and the paragraph
    below it is one unit with the code, not two."""
    from qualcode.structure import content_flags

    out: dict[int, tuple[list[int], list[int]]] = {}
    left = 0
    for did, (starts, ends) in passages.items():
        flags = content_flags(texts.get(did) or "", list(zip(starts, ends, strict=True)))
        keep = [i for i, content in enumerate(flags) if content]
        left += len(starts) - len(keep)
        out[did] = ([starts[i] for i in keep], [ends[i] for i in keep])
    return out, left


def passage_code_sets(
    rows: Iterable[tuple[int, int, int, int, int]],
    passages: dict[int, tuple[list[int], list[int]]],
    target: dict[int, int],
) -> UnitSets:
    """``{(doc_id, paragraph index): {coder id: {code ids}}}`` from ``(doc, start, end, code,
    coder)`` rows grouped by document and ``doc_id → (starts, ends)`` of the paragraphs
    sorted by start."""
    sets: UnitSets = {}
    starts: list[int] = []
    ends: list[int] = []
    current, n_p = None, 0
    for did, s, e, cid, who in rows:
        t = target.get(cid)
        if t is None:
            continue
        if did != current:
            current = did
            starts, ends = passages.get(did, ([], []))
            n_p = len(starts)
        i = bisect_right(ends, s)  # first paragraph ending after the coding starts
        while i < n_p and starts[i] < e:
            sets.setdefault((did, i), {}).setdefault(who, set()).add(t)
            i += 1
    return sets


def assemble(
    unit: str,
    sets: UnitSets,
    n_units: int,
    shown: Sequence[Any],
    paths: dict[int, str],
    coder: str | None,
    level: int | None,
    pairing: str = "within-coder",
    structural: int = 0,
) -> CoocReport:
    """The co-occurrence dict (see ``cooccurrence``) from the codes of every coder on every
    coded unit. The diagonal counts the units with the code (any coder). ``pairing``
    ``within-coder``: two codes co-occur on a unit when one coder gave both (a consensus
    coder is a coder of its own); ``across-coders``: when anybody gave each — anna's A and
    ben's B on one passage count, though they may be a disagreement. ``structural``: the
    headings and metadata blocks left out of the passage units."""
    if pairing not in PAIRINGS:
        raise ValueError(pairing)
    diag: dict[int, int] = {}
    pair: dict[tuple[int, int], int] = {}
    for per_coder in sets.values():
        codes = set().union(*per_coder.values())
        for a in codes:
            diag[a] = diag.get(a, 0) + 1
        together: set[tuple[int, int]] = set()
        if pairing == "across-coders":
            if len(codes) > 1:
                together.update(combinations(sorted(codes), 2))
        else:
            for own in per_coder.values():
                if len(own) > 1:
                    together.update(combinations(sorted(own), 2))
        for ab in together:  # a pair counts once per unit, however many coders gave it
            pair[ab] = pair.get(ab, 0) + 1
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
        "structural": structural,
        "coded_units": len(sets),
        "coder": coder,
        "level": level,
        "pairing": pairing,
        "code_paths": col_paths,
        "code_names": [c.name for c in cols],
        "matrix": matrix,
        "pairs": [
            {"a": col_paths[i], "b": col_paths[j], "units": n, "jaccard": jac}
            for i, j, n, jac in pairs
        ],
    }


def fast_cooccurrence(
    db: str | None,
    unit: str = "passage",
    coder: str | None = None,
    include_auto: bool = False,
    level: int | None = None,
    across_coders: bool = False,
) -> CoocReport | None:
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
            sets: UnitSets = {}
            for did, cid, who in conn.execute(
                "SELECT DISTINCT document_id, code_id, coder_id FROM coding" + where
            ):
                if cid in target:
                    sets.setdefault((did, -1), {}).setdefault(who, set()).add(target[cid])
            (n_units,) = conn.execute("SELECT count(id) FROM document").fetchone()
            structural = 0
        else:
            passages: dict[int, tuple[list[int], list[int]]] = {}
            for did, s, e in conn.execute(
                "SELECT document_id, start, end FROM passage WHERE unit = 'paragraph'"
                " ORDER BY document_id, start"
            ):
                p = passages.get(did)
                if p is None:
                    p = passages[did] = ([], [])
                p[0].append(s)
                p[1].append(e)
            texts = dict(conn.execute("SELECT id, text FROM document").fetchall())
            passages, structural = content_passages(texts, passages)
            n_units = sum(len(p[0]) for p in passages.values())
            sql = "SELECT document_id, start, end, code_id, coder_id FROM coding" + (
                where + " AND orphaned IS 0" if where else " WHERE orphaned IS 0"
            )
            rows = conn.execute(sql + " ORDER BY document_id").fetchall()
            sets = passage_code_sets(rows, passages, target)  # type: ignore[arg-type]
        return assemble(
            unit, sets, n_units, shown, paths, coder, level, pairing_of(across_coders), structural
        )
    return None  # the data could not be read this way: the full path answers


def cooccurrence_title(data: dict, lang: str = "de") -> str:
    pairing = data.get("pairing", "within-coder")
    if lang == "de":
        unit = "Absatz" if data["unit"] == "passage" else "Dokument"
        return f"Überschneidungen von Kategorien je {unit} ({PAIRING_DE[pairing]})"
    unit = "paragraph" if data["unit"] == "passage" else "document"
    return f"Co-occurring categories per {unit} ({PAIRING_TEXT[pairing]})"


def cooccurrence_sheets(data: dict, *, lang: str = "de", numbered: bool = False):
    """Matrix sheet (codes × codes) and a sheet of pairs."""
    from qualcode.reports.export import FLOAT, INT, TEXT, Sheet

    de = lang == "de"
    n = len(data["code_paths"])
    labels = [str(i + 1) for i in range(n)] if numbered else list(data["code_names"])
    first = ("Kategorie" if de else "Category") if not numbered else "#  code"
    headers = [first] + labels
    rows = []
    for i in range(n):
        name = f"{i + 1:>2} {data['code_paths'][i]}" if numbered else data["code_paths"][i]
        rows.append([name] + data["matrix"][i])
    unit_de = "Absätze" if data["unit"] == "passage" else "Dokumente"
    pairing = data.get("pairing", "within-coder")
    left = data.get("structural") or 0
    note = (
        f"Gemeinsames Vorkommen je {'Absatz' if data['unit'] == 'passage' else 'Dokument'}, "
        f"{PAIRING_DE[pairing]}; Diagonale: {unit_de} mit der Kategorie ({data['units']} {unit_de} insgesamt"
        + (f"; {left} Überschriften und Metadaten nicht gezählt)" if left else ")")
        if de
        else f"co-occurrence per {data['unit']}, {PAIRING_TEXT[pairing]}; diagonal: {data['unit']}s with the code ({data['units']} in all"
        + (f"; {left} headings and metadata blocks not counted)" if left else ")")
    )
    matrix = Sheet(
        "Überschneidungen" if de else "Co-occurrence",  # fmt: skip
        headers,
        rows,
        [TEXT] + [INT] * n,
        note=note,  # the units and what was left out: in the terminal and in every file
    )
    pairs = Sheet(
        "Paare" if de else "Pairs",
        ["Kategorie A", "Kategorie B", unit_de, "Jaccard"]
        if de
        else [
            "Category A" if not numbered else "code A",
            "Category B" if not numbered else "code B",
            ("paragraphs" if data["unit"] == "passage" else "documents")
            if not numbered
            else data["unit"] + "s",
            "Jaccard",
        ],
        [[p["a"], p["b"], p["units"], p["jaccard"]] for p in data["pairs"]],
        [TEXT, TEXT, INT, FLOAT],
    )
    return [matrix, pairs]
