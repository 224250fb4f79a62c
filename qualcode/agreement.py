"""Intercoder agreement on passage units: percent agreement, Cohen's kappa, Krippendorff's alpha.

Units are the paragraph passages (or sentences) of the documents that **all**
compared coders have coded (each has at least one coding in the document);
documents only some of them coded are left out and listed, because an uncoded
document says nothing about agreement. Of these passages, headings and metadata blocks
(:func:`qualcode.structure.content_flags`) and passages a compared coder marked
**not relevant** (:data:`qualcode.structure.NOT_RELEVANT`, by the same ``overlap`` rule as
a code) are not units: nobody was to code them, and counting their agreement on "no code"
would raise every figure. Their numbers are reported (``excluded``); with
``include_structural`` they are units again. The mark itself is never a category value
(as in every report of categories).

A coder codes a passage with code X when that coder's codings of X — the
union of their spans, so overlapping codings are not counted twice — cover at
least ``overlap`` of the passage's characters (``overlap=0``: any overlap).

* Per code the data are binary (coded with X or not) for every unit, including
  units nobody coded with X: agreeing on absence is agreement.
* Overall, each coder's *set* of codes on a unit is one nominal value
  (``{A}``, ``{A, B}`` and "no code" are three different values).

Cohen's kappa is computed from the unit × coder table, ``κ = (po − pe) / (1 − pe)``
with ``pe`` from each coder's own marginals — not from counts of overlapping
codings or characters. When ``pe = 1`` (both coders used one value throughout)
kappa is undefined and reported as ``None`` with a note. Krippendorff's alpha
(nominal) uses the coincidence matrix: ``α = 1 − (n − 1) · Do / Σ_{c≠k} n_c n_k``;
it is verified against the ``krippendorff`` package in the tests.

**The engine as a coder.** The reserved coder name ``engine``
(:data:`qualcode.config.ENGINE_CODER`) stands for the suggestions engine: its value on a
unit is its out-of-sample first suggestion (:mod:`qualcode.suggest.engine_coder`: every
prediction comes from a model trained on the other documents), coded when its calibrated
score is at least ``engine_min_score``. The engine has "coded" every document, so the
units are those of the documents all compared *human* coders coded; everything else —
units, exclusions, figures, disagreements — is as between two humans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from itertools import chain, combinations
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.config import ENGINE_CODER
from qualcode.docsets import scope_ids
from qualcode.errors import InvalidInput, NotFound, QualcodeError
from qualcode.models import Coder, Coding, Document
from qualcode.reports.common import raw_rows
from qualcode.reports.frequency import code_levels
from qualcode.reports.units import (
    load_passages,
    passage_unit,
    structural_units,
    unit_statement,
)
from qualcode.structure import NOT_RELEVANT

if TYPE_CHECKING:
    from qualcode.schemas.reports import (
        Agreement,
        AgreementRow,
        CoderCodes,
        CoderUnits,
        Disagreement,
        Excluded,
        ExcludedDocument,
        Figures,
        PairKappa,
    )

NO_CODE = "(kein Code)"
ENGINE_ID = -1  # the engine's column (no coder row has this id)

KAPPA_UNDEFINED = (
    "kappa undefined: expected agreement pe = 1 (both coders gave every unit the same value)"
)
ALPHA_UNDEFINED = "alpha undefined: only one value occurs in all units (no variation to agree on)"


# ---------------------------------------------------------------------------
# coefficients


def cohen_kappa(pairs: Counter) -> tuple[float | None, float | None, float | None]:
    """``(kappa, po, pe)`` from a Counter of ``(value_A, value_B) → number of units``.

    ``kappa`` is None when undefined (no units, or ``pe = 1``)."""
    n = sum(pairs.values())
    if n == 0:
        return None, None, None
    agree = sum(k for (a, b), k in pairs.items() if a == b)
    ma: Counter = Counter()
    mb: Counter = Counter()
    for (a, b), k in pairs.items():
        ma[a] += k
        mb[b] += k
    po = agree / n
    pe = sum(ma[v] * mb.get(v, 0) for v in ma) / (n * n)
    if pe >= 1 - 1e-12:
        return None, po, pe
    return (po - pe) / (1 - pe), po, pe


def krippendorff_alpha_nominal(
    units: Iterable[tuple[Sequence[Hashable | None], int]],
) -> float | None:
    """Nominal alpha from ``(values of the coders on a unit, multiplicity)``; ``None`` = missing.

    Units with fewer than two values are not pairable and are skipped. Returns
    None when alpha is undefined (no pairable values, or only one value occurs)."""
    o: dict[tuple, float] = {}  # coincidences (c, k)
    for values, mult in units:
        present = [v for v in values if v is not None]
        m = len(present)
        if m < 2:
            continue
        counts = Counter(present)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nk - 1) if c == k else nc * nk
                if pairs:
                    o[(c, k)] = o.get((c, k), 0.0) + mult * pairs / (m - 1)
    n_c: dict[Hashable, float] = {}
    for (c, _k), v in o.items():
        n_c[c] = n_c.get(c, 0.0) + v
    n = sum(n_c.values())
    if n <= 1:
        return None
    d_o = sum(v for (c, k), v in o.items() if c != k)
    expected = n * n - sum(v * v for v in n_c.values())  # Σ_{c≠k} n_c·n_k
    if expected <= 0:
        return None
    return 1 - (n - 1) * d_o / expected


def _round(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(x, nd)


def _figures(units: Counter, coders: list[str]) -> Figures:
    """Agreement figures from a Counter ``tuple of the coders' values → number of units``."""
    n = sum(units.values())
    agree = sum(k for vals, k in units.items() if len(set(vals)) == 1)
    out: Figures = {
        "units": n,
        "agreements": agree,
        "percent_agreement": _round(agree / n if n else None),
        "kappa": None,
        "alpha": None,
        "notes": [],
    }
    notes = []
    if len(coders) == 2:
        pairs: Counter = Counter()
        for (a, b), k in units.items():
            pairs[(a, b)] += k
        kappa, po, pe = cohen_kappa(pairs)
        out["kappa"] = _round(kappa)
        out["expected_agreement"] = _round(pe)
        if kappa is None and n:
            notes.append(KAPPA_UNDEFINED)
    else:
        out["kappa"] = None
        pairwise: list[PairKappa] = []
        for i, j in combinations(range(len(coders)), 2):
            pairs = Counter()
            for vals, k in units.items():
                pairs[(vals[i], vals[j])] += k
            kappa, _po, _pe = cohen_kappa(pairs)
            pairwise.append({"coders": [coders[i], coders[j]], "kappa": _round(kappa)})
        out["pairwise_kappa"] = pairwise
        notes.append("Cohen's kappa compares two coders: see pairwise_kappa")
    alpha = krippendorff_alpha_nominal(units.items())
    out["alpha"] = _round(alpha)
    if alpha is None and n:
        notes.append(ALPHA_UNDEFINED)
    out["notes"] = notes
    return out


# ---------------------------------------------------------------------------
# units and who coded what


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans.sort()
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _resolve_coders(session: Session, coders: Sequence[str]) -> list[tuple[int, str]]:
    names = []
    for c in coders:
        c = c.strip()
        if c and c not in names:
            names.append(c)
    if len(names) < 2:
        raise InvalidInput(
            "agreement needs at least two different coders", "give --coders A,B (comma-separated)"
        )
    known = {n: i for i, n in session.execute(select(Coder.id, Coder.name))}
    out = []
    for n in names:
        if n.casefold() == ENGINE_CODER:
            from qualcode.suggest.engine_coder import check_no_such_coder

            check_no_such_coder(session)
            out.append((ENGINE_ID, ENGINE_CODER))
            continue
        from qualcode.codings import find_coder

        found = find_coder(session, n)  # case and accents ignored, as codes and sets match
        if found is None:
            raise NotFound(
                f"unknown coder {n!r}",
                f"coders in this project: {', '.join(sorted(known)) or 'none yet'}"
                f" (and {ENGINE_CODER!r}: the suggestions engine)",
            )
        out.append((found.id, found.name))
    if len({i for i, _ in out}) < 2:
        raise InvalidInput(
            "agreement needs at least two different coders", "give --coders A,B (comma-separated)"
        )
    return out


def agreement(
    session: Session,
    coders: Sequence[str],
    unit: str = "passage",
    overlap: float = 0.5,
    code: str | None = None,
    level: int | None = None,
    max_disagreements: int | None = None,
    include_structural: bool = False,
    engine_min_score: float | None = None,
) -> Agreement:
    """Intercoder agreement (the JSON of ``qualcode agreement --json``).

    ``code`` limits the comparison to that code and its sub-codes; ``level``
    compares on the categories of that depth (deeper codes count as their ancestor);
    ``include_structural`` keeps headings, metadata and passages marked not relevant
    as units (see the module doc). ``engine_min_score``: the score from which the engine
    (coder ``engine``) codes a unit with its first suggestion (default 0.5).
    """
    if not 0 <= overlap <= 1:
        raise InvalidInput(
            f"--overlap must be between 0 and 1 (got {overlap})",
            "0.5 = a coding must cover half of a passage; 0 = any overlap",
        )
    unit_kind = "document" if unit.strip().lower() == "document" else passage_unit(unit)
    if unit_kind == "document":
        overlap = 0.0  # a document is coded with X when it has any coding of X
    from qualcode.suggest.engine_coder import MIN_SCORE

    if engine_min_score is None:
        engine_min_score = MIN_SCORE
    if not 0 <= engine_min_score <= 1:
        raise InvalidInput(
            f"--engine-min-score must be between 0 and 1 (got {engine_min_score})",
            "0.5 = the engine codes a unit when its first suggestion is more likely than not",
        )
    coder_rows = _resolve_coders(session, coders)
    coder_ids = [i for i, _ in coder_rows]
    with_engine = ENGINE_ID in coder_ids
    humans = [i for i in coder_ids if i != ENGINE_ID]
    names = [n for _, n in coder_rows]
    col = {cid: k for k, cid in enumerate(coder_ids)}

    tree = CodeTree.load(session)
    shown, target, _depth = code_levels(tree, level)
    nr = tree.find(NOT_RELEVANT)
    nr_id = nr.id if nr is not None and nr.parent_id is None else None
    scope: set[int] | None = None
    if code:
        root = tree.resolve(code)
        scope = {root.id} | {d.id for d in tree.descendants(root)}  # type: ignore[assignment]

    # Documents: those every coder has coded (any coding).
    coded_by: dict[int, set[int]] = {}
    doc_scope = scope_ids(session)  # the command's document set (--set)
    in_set = None if doc_scope is None else set(doc_scope)
    for cid, did in session.connection().execute(
        select(Coding.coder_id, Coding.document_id).where(Coding.coder_id.in_(humans)).distinct()  # type: ignore[attr-defined]
    ):
        if in_set is not None and did not in in_set:
            continue
        coded_by.setdefault(did, set()).add(cid)
    doc_names = {i: n for i, n in session.execute(select(Document.id, Document.name))}
    # the engine has "coded" every document: the documents every human coder coded
    common = sorted(
        (d for d, cs in coded_by.items() if len(cs) == len(humans)), key=lambda d: doc_names[d]
    )
    excluded: list[ExcludedDocument] = sorted(
        (
            {"document": doc_names[d], "coders": [names[col[c]] for c in sorted(cs, key=col.get)]}
            for d, cs in coded_by.items()
            if len(cs) < len(humans)
        ),
        key=lambda x: x["document"],
    )
    if not common:
        raise QualcodeError(
            f"{', '.join(names)} have not all coded any common document",
            "agreement compares documents every listed coder has coded; let them code the same documents first",
        )
    if unit_kind == "document":
        from sqlalchemy import func

        from qualcode.reports.units import DocPassages

        lengths = select(Document.id, func.length(Document.text)).where(Document.id.in_(common))  # type: ignore[attr-defined]
        passages = {did: DocPassages([0], [max(n, 1)]) for did, n in raw_rows(session, lengths)}
    else:
        passages = load_passages(session, unit_kind, common)
    if not passages:
        raise QualcodeError(
            f"the compared documents have no {unit_kind} units (they are empty)",
            "re-import the documents with their text",
        )

    # Coverage of each passage by each coder's codings of each code (union of spans).
    spans: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
    stmt = select(
        Coding.coder_id, Coding.document_id, Coding.code_id, Coding.start, Coding.end
    ).where(
        Coding.coder_id.in_(coder_ids),  # type: ignore[attr-defined]
        Coding.document_id.in_(common),  # type: ignore[attr-defined]
        Coding.orphaned.is_(False),  # type: ignore[attr-defined]
    )
    engine_rows: list[tuple] = []
    engine_info = None
    if with_engine:
        engine_rows, engine_info = _engine_codings(
            session, unit_kind, common, passages, doc_names, engine_min_score
        )
    for cid, did, code_id, s, e in chain(raw_rows(session, stmt), engine_rows):
        if code_id == nr_id:  # the mark is no category value; it may leave a unit out
            if not include_structural and unit_kind != "document":
                spans.setdefault((cid, did, code_id), []).append((s, e))
            continue
        if scope is not None and code_id not in scope:
            continue
        t = target.get(code_id)
        if t is None:
            continue
        spans.setdefault((cid, did, t), []).append((s, e))
    sets: dict[tuple[int, int], list[set[int]]] = {}  # (doc, passage index) → per coder the codes
    for (cid, did, t), sp in spans.items():
        p = passages.get(did)
        if p is None:
            continue
        cover: dict[int, int] = {}
        for s, e in _merge(sp):
            for i in p.touched(s, e):
                cover[i] = cover.get(i, 0) + min(e, p.ends[i]) - max(s, p.starts[i])
        for i, chars in cover.items():
            length = p.ends[i] - p.starts[i]
            if chars > 0 if overlap == 0 else chars >= overlap * length - 1e-9:
                sets.setdefault((did, i), [set() for _ in coder_ids])[col[cid]].add(t)
    all_units = sum(len(passages[d].starts) for d in common if d in passages)
    excluded_units: Excluded = {"structural": 0, "not_relevant": 0}
    excluded_coded: Excluded = {"structural": 0, "not_relevant": 0}
    if not include_structural and unit_kind != "document":
        structural = structural_units(session, unit_kind, passages)
        for did, p in passages.items():
            for i in range(len(p.starts)):
                key = (did, i)
                per = sets.get(key)
                why: Literal["structural", "not_relevant"]
                if (did, i) in structural:
                    why = "structural"
                elif per is not None and nr_id is not None and any(nr_id in x for x in per):
                    why = "not_relevant"
                else:
                    continue
                excluded_units[why] += 1
                if per is not None:
                    if any(x - {nr_id} for x in per):
                        excluded_coded[why] += 1
                    del sets[key]
        spans = {k: v for k, v in spans.items() if k[2] != nr_id}
    n_units = all_units - sum(excluded_units.values())
    if not n_units:
        raise QualcodeError(
            f"the compared documents have no {unit_kind}s to compare: all {all_units} are "
            "headings, metadata or marked not relevant",
            "--include-structural counts them as units",
        )

    # Per code: binary values on every unit (units nobody coded with X agree on "no").
    order = {c.id: k for k, c in enumerate(shown)}
    # Codes any compared coder used in these documents (even below the threshold everywhere).
    codes_used = sorted({t for (_c, _d, t) in spans}, key=lambda t: order.get(t, 0))
    # One pass over the coded units: per code, a Counter of the coders' 0/1 values on the
    # units where somebody coded it; all other units are (0, 0, …) — agreement on absence.
    per_code_units: dict[int, Counter] = {t: Counter() for t in codes_used}
    for per in sets.values():
        for t in set().union(*per):
            per_code_units[t][tuple(int(t in s) for s in per)] += 1
    zeros, ones = tuple(0 for _ in coder_ids), tuple(1 for _ in coder_ids)
    per_code: list[AgreementRow] = []
    for t in codes_used:
        units = per_code_units[t]
        coded = [sum(k for vals, k in units.items() if vals[j]) for j in range(len(coder_ids))]
        untouched = n_units - sum(units.values())
        if untouched:
            units[zeros] += untouched
        per_code.append(
            code_row(tree.path(t), _figures(units, names), names, coded, units.get(ones, 0))
        )

    # Overall: the set of codes of each coder on a unit is one nominal value.
    paths = {t: tree.path(t) for t in codes_used}

    def label(s: set[int]) -> str:
        return (
            " + ".join(paths[t] for t in sorted(s, key=lambda t: order.get(t, 0))) if s else NO_CODE
        )

    overall_units: Counter = Counter()
    disagreements = []
    texts: dict[int, str] = {}
    for (did, i), per in sets.items():
        vals = tuple(label(s) for s in per)
        overall_units[vals] += 1
        if len(set(vals)) > 1:
            disagreements.append((doc_names[did], did, i, per))
    untouched = n_units - sum(overall_units.values())
    if untouched:
        overall_units[tuple(NO_CODE for _ in coder_ids)] += untouched
    overall = _figures(overall_units, names)
    for reason, k in excluded_coded.items():
        if k:
            what = "headings/metadata" if reason == "structural" else "passages marked not relevant"
            overall["notes"].append(
                f"{k} of the left-out {what} carry codings of the compared coders "
                "(--include-structural counts them)"
            )

    disagreements.sort(key=lambda x: (x[0], x[2]))
    listed = disagreements if max_disagreements is None else disagreements[:max_disagreements]
    if listed:
        ids = sorted({d for _, d, _, _ in listed})
        stmt_t = select(Document.id, Document.text).where(Document.id.in_(ids))  # type: ignore[attr-defined]
        texts = {i: t for i, t in session.execute(stmt_t)}
    out_dis: list[Disagreement] = []
    for dname, did, i, per in listed:
        p = passages[did]
        s, e = p.starts[i], p.ends[i]
        text = texts[did][s:e]
        # a whole document: list only the codes the coders differ on
        shared = set.intersection(*per) if unit_kind == "document" else set()
        if unit_kind == "document":
            s, e = 0, len(texts[did])
        out_dis.append(
            {
                "document": dname,
                "start": s,
                "end": e,
                # the whole passage: files are for the consensus discussion (a whole
                # document as the unit is only named by its beginning)
                "text": text if unit_kind != "document" or len(text) <= 240 else text[:239] + "…",
                "by_coder": coder_codes(
                    names,
                    [
                        [paths[t] for t in sorted(per[k] - shared, key=lambda t: order.get(t, 0))]
                        for k in range(len(names))
                    ],
                ),
            }
        )
    return {
        "coders": names,
        "unit": unit_kind,
        "overlap": overlap,
        "code": tree.path(tree.resolve(code)) if code else None,
        "level": level,
        "document_names": [doc_names[d] for d in common],
        "excluded_documents": excluded,
        "units": n_units,
        "all_units": all_units,
        "excluded": excluded_units,
        "excluded_coded": excluded_coded,
        "include_structural": include_structural,
        "rows": per_code,
        "overall": overall,
        "disagreement_count": len(disagreements),
        "disagreements": out_dis,
        "rule": _rule(
            unit_kind, [n for n in names if n != ENGINE_CODER], overlap, include_structural
        )
        + (_engine_rule(engine_info) if engine_info else ""),
        "engine": engine_info,
    }


def _engine_codings(session, unit_kind, common, passages, doc_names, min_score):
    """The engine's "codings": ``(ENGINE_ID, doc, code, start, end)`` for each unit whose
    out-of-sample first suggestion scores at least ``min_score``, and how they were made."""
    from qualcode.suggest.engine_coder import predictions

    if unit_kind == "document":  # the engine codes a document through its paragraphs
        paragraphs = load_passages(session, "paragraph", common)
        skip = structural_units(session, "paragraph", paragraphs)
        units = {
            d: [
                (s, e)
                for i, (s, e) in enumerate(zip(p.starts, p.ends, strict=True))
                if (d, i) not in skip
            ]
            for d, p in paragraphs.items()
        }
    else:
        units = {d: list(zip(p.starts, p.ends, strict=True)) for d, p in passages.items()}
    units = {d: u for d, u in units.items() if u}
    if not units:
        return [], None
    preds, info = predictions(session, units, doc_names)
    rows = [
        (ENGINE_ID, d, code, s, e)
        for (d, s, e), (code, score) in sorted(preds.items())
        if score >= min_score
    ]
    return rows, {
        "coder": ENGINE_CODER,
        "min_score": min_score,
        **info,
        "units_scored": sum(len(u) for u in units.values()),
        "units_coded": len(rows),
    }


def _engine_rule(info: dict) -> str:
    return (
        f"; {ENGINE_CODER}: the suggestions engine's first suggestion on each unit, from a "
        f"model trained without the unit's document ({info['folds']} groups of documents), "
        f"coded when its score is at least {info['min_score']:g}"
    )


def code_row(
    code: str, figures: Figures, coders: list[str], coded: list[int], coded_by_all: int
) -> AgreementRow:
    """A code's row of the agreement: its figures and the units each coder coded with it."""
    by_coder: list[CoderUnits] = [
        {"coder": c, "units": n} for c, n in zip(coders, coded, strict=True)
    ]
    return {"code": code, **figures, "by_coder": by_coder, "coded_by_all": coded_by_all}  # type: ignore[typeddict-item]


def coder_codes(coders: list[str], paths: list[list[str]]) -> list[CoderCodes]:
    """A disagreement's ``by_coder``: the codes each coder gave the unit."""
    return [{"coder": c, "code_paths": p} for c, p in zip(coders, paths, strict=True)]


def coded_units(row: AgreementRow, coder: str) -> int:
    """The units ``coder`` coded with the row's code."""
    return next((c["units"] for c in row["by_coder"] if c["coder"] == coder), 0)


def codes_of(unit: Disagreement, coder: str) -> list[str]:
    """The codes ``coder`` gave a disagreement's unit."""
    return next((c["code_paths"] for c in unit["by_coder"] if c["coder"] == coder), [])


def agreement_sheets(data: Agreement, lang: str = "de") -> list:
    """Per-code and overall figures, and the disagreements, as export sheets (headers and
    notes in ``lang``). With three coders or more, Cohen's kappa of every pair of coders
    has a column of its own (``pairwise_kappa`` in the JSON)."""
    from qualcode.reports.export import FLOAT, INT, PCT, TEXT, Sheet
    from qualcode.reports.units import note_text

    de = lang == "de"
    coders = data["coders"]
    two = len(coders) == 2
    pairs = [] if two else list(combinations(coders, 2))

    def pairwise(c) -> list:
        got = {tuple(p["coders"]): p["kappa"] for p in c.get("pairwise_kappa", [])}
        return [got.get(p) for p in pairs]

    def note(n: str) -> str:
        if n.startswith("Cohen's kappa compares two coders"):  # the columns, not the JSON key
            return (
                "Cohens Kappa vergleicht zwei Personen: siehe die Spalten der Personenpaare"
                if de
                else "Cohen's kappa compares two coders: see the columns of the pairs"
            )
        return note_text(n, lang)

    headers = [
        "Kategorie" if de else "Category",
        "Einheiten" if de else "Units",
        *[(f"kodiert von {c}" if de else f"coded by {c}") for c in coders],
        "von allen" if de else "by all",
        "Übereinstimmung" if de else "Agreement",
        *((["Cohens Kappa"] if de else ["Cohen's kappa"]) if two else []),
        *[(f"Cohens Kappa {a}–{b}" if de else f"Cohen's kappa {a}–{b}") for a, b in pairs],
        "Krippendorffs Alpha" if de else "Krippendorff's alpha",
        "Hinweis" if de else "Note",
    ]
    kinds = [
        TEXT,
        INT,
        *[INT] * len(coders),
        INT,
        PCT,
        *([FLOAT] if two else []),
        *[FLOAT] * len(pairs),
        FLOAT,
        TEXT,
    ]
    rows = []
    for c in data["rows"]:
        rows.append(
            [
                c["code"],
                c["units"],
                *[coded_units(c, n) for n in coders],
                c["coded_by_all"],
                c["percent_agreement"],
                *([c["kappa"]] if two else []),
                *pairwise(c),
                c["alpha"],
                "; ".join(note(n) for n in c["notes"]),
            ]
        )
    o = data["overall"]
    units = f"Einheiten: {unit_statement(data, 'de')}" if de else f"units: {unit_statement(data)}"
    rows.append(
        [
            "Gesamt (Menge der Kategorien je Einheit)" if de else "Overall (set of codes per unit)",
            o["units"],
            *[""] * len(coders),
            "",
            o["percent_agreement"],
            *([o["kappa"]] if two else []),
            *pairwise(o),
            o["alpha"],
            "; ".join([units, *(note(n) for n in o["notes"])]),
        ]
    )
    figures = Sheet("Übereinstimmung" if de else "Agreement", headers, rows, kinds)
    no_code = NO_CODE if de else "(no code)"
    dis = Sheet(
        "Abweichungen" if de else "Disagreements",
        ["Dokument", "Anfang", "Ende", "Text", *coders]
        if de
        else ["Document", "Start", "End", "Text", *coders],
        [
            [
                d["document"],
                d["start"],
                d["end"],
                d["text"],
                *["; ".join(codes_of(d, n)) or no_code for n in coders],
            ]
            for d in data["disagreements"]
        ],
        [TEXT, INT, INT, TEXT, *[TEXT] * len(coders)],
    )
    return [figures, dis]


def _rule(unit_kind: str, names: list[str], overlap: float, include_structural: bool) -> str:
    who = ", ".join(names)
    all_of = "all of " if len(names) > 1 else ""  # one human beside the engine: theirs
    if unit_kind == "document":
        return (
            f"units: the documents {all_of}{who} coded; a coder codes a document with X when it has a coding of X "
            "(disagreements list only the codes the coders differ on)"
        )
    how = (
        "when a coding of X overlaps it"
        if overlap == 0
        else f"when their codings of X cover at least {overlap:.0%} of it"
    )
    which = (
        "all the"
        if include_structural
        else "the content"  # headings, metadata, not-relevant passages left out
    )
    left = (
        ""
        if include_structural
        else " (not headings, metadata blocks or passages a compared coder marked not relevant)"
    )
    return (
        f"units: {which} {unit_kind}s of the documents {all_of}{who} coded{left}; "
        f"a coder codes a unit with X {how}"
    )
