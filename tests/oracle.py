"""An independent oracle for the figures qualcode prints (issue 22's differential tests).

Reads a SQLite project with plain :mod:`sqlite3` — no qualcode module is imported — and
recomputes each figure from the raw tables, after the README's definitions:

- a **segment** is a distinct ``(code, document, start, end)``: a span coded with the same
  code by several coders counts once (``report freq``, ``matrix``, ``crosstab``); with
  ``--level N`` a code deeper than N is its ancestor at depth N, so a span coded with
  several codes that roll up to one category is one segment of it;
- a category's figure **with its sub-categories** (``total_*`` of ``report freq``,
  ``crosstab``, ``report agenda``, the sections of ``report full``) counts the distinct
  spans ``(document, start, end)`` coded with any code of its sub-tree, so a top-level
  category's figure equals its ``--level 1`` figure;
- codings by the automatic coder ``auto`` and orphaned codings are left out of reports;
  the reserved top-level code ``Nicht relevant`` (and anything below it) is no category;
- a paragraph is **touched** by a coding when they share a character;
- co-occurrence pairs codes **within one coder** (issue 22 b): two codes co-occur on a
  unit when one coder's codings of both touch it; its passage units are the content
  paragraphs (no headings or metadata blocks, as in agreement);
- agreement compares the paragraphs of the documents every listed coder has coded,
  leaving out headings/metadata blocks and paragraphs marked not relevant (issue 22 a);
  a coder codes a unit with X when the union of their codings of X covers at least
  ``overlap`` of its characters; per code the values are 0/1, overall each coder's set
  of codes is one nominal value.

What is structural (a heading or metadata block) is passed in: the generator's ground
truth for generated projects, :func:`demo_truth` (the demo's titles, metadata blocks
and headings, read through by hand) for the demo.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations

NOT_RELEVANT_KEY = "nicht relevant"
AUTO = "auto"
NONE_GROUP = "(none)"


def r4(x: float) -> float:
    return round(x, 4)


def share(part: int, whole: int) -> float:
    return r4(part / whole) if whole else 0.0


@dataclass
class Project:
    docs: dict[int, tuple[str, str]]  # id → (name, text)
    attrs: dict[int, dict[str, str]]  # id → {key: stored value}
    codes: dict[int, tuple[str, int | None, bool, int]]  # id → (name, parent, codable, position)
    coders: dict[int, str]
    # (id, doc, start, end, code, coder name, memo, orphaned)
    codings: list[tuple[int, int, int, int, int, str, str, bool]]
    paragraphs: dict[int, list[tuple[int, int]]]  # doc → sorted [start, end)
    paths: dict[int, str] = field(default_factory=dict)
    not_relevant: set[int] = field(default_factory=set)  # the reserved code and below

    @property
    def categories(self) -> list[int]:
        return [c for c in self.codes if c not in self.not_relevant]

    def doc_id(self, name: str) -> int:
        return next(i for i, (n, _t) in self.docs.items() if n == name)

    def subtree(self, cid: int) -> set[int]:
        out, todo = {cid}, [cid]
        while todo:
            p = todo.pop()
            kids = [c for c, (_n, par, _k, _p) in self.codes.items() if par == p]
            out.update(kids)
            todo.extend(kids)
        return out

    def report_codings(self, coders: Iterable[str] | None = None):
        """Codings that reports count: no ``auto``, not orphaned, no "not relevant" mark."""
        keep = None if coders is None else set(coders)
        for row in self.codings:
            _id, _d, _s, _e, code, coder, _m, orphaned = row
            if orphaned or code in self.not_relevant:
                continue
            if keep is None and coder == AUTO or keep is not None and coder not in keep:
                continue
            yield row

    def depth(self, cid: int) -> int:
        parent = self.codes[cid][1]
        return 1 if parent is None else self.depth(parent) + 1

    def counted_under(self, cid: int, level: int | None) -> int:
        """The code ``cid`` is counted under with ``--level``: its ancestor at that depth."""
        while level is not None and self.depth(cid) > level:
            cid = self.codes[cid][1]  # type: ignore[assignment]
        return cid

    def shown(self, level: int | None) -> list[int]:
        """The categories a report shows with ``--level``."""
        return [c for c in self.categories if level is None or self.depth(c) <= level]

    def segments(
        self, coders: Iterable[str] | None = None, level: int | None = None
    ) -> set[tuple[int, int, int, int]]:
        return {
            (self.counted_under(c, level), d, s, e)
            for _i, d, s, e, c, *_ in self.report_codings(coders)
        }

    def subtree_segments(self, cid: int, segs: set[tuple[int, int, int, int]]) -> Counter:
        """Document → segments of ``cid`` with its sub-codes: the distinct spans ``(document,
        start, end)`` coded with any code of the sub-tree (a passage coded with two
        sibling sub-codes, or with the category and a sub-code, is one segment)."""
        ids = self.subtree(cid)
        spans = {(d, s, e) for c, d, s, e in segs if c in ids}
        return Counter(d for d, _s, _e in spans)


def load(db: str) -> Project:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        docs = {i: (n, t) for i, n, t in con.execute("SELECT id, name, text FROM document")}
        attrs: dict[int, dict[str, str]] = defaultdict(dict)
        for did, k, v in con.execute("SELECT document_id, key, value FROM document_attribute"):
            attrs[did][k] = v
        codes = {
            i: (n, p, bool(k), pos)
            for i, n, p, k, pos in con.execute(
                "SELECT id, name, parent_id, codable, position FROM code"
            )
        }
        coders = dict(con.execute("SELECT id, name FROM coder"))
        codings = [
            (i, d, s, e, c, coders[k], m or "", bool(o))
            for i, d, s, e, c, k, m, o in con.execute(
                'SELECT id, document_id, start, "end", code_id, coder_id, memo, orphaned'
                " FROM coding"
            )
        ]
        paragraphs: dict[int, list[tuple[int, int]]] = {d: [] for d in docs}
        for d, s, e in con.execute(
            "SELECT document_id, start, \"end\" FROM passage WHERE unit = 'paragraph'"
        ):
            paragraphs[d].append((s, e))
    finally:
        con.close()
    for v in paragraphs.values():
        v.sort()
    p = Project(docs, dict(attrs), codes, coders, codings, paragraphs)

    def path(cid: int) -> str:
        name, parent, *_ = codes[cid]
        own = name.replace("/", "\\/")
        return own if parent is None else f"{path(parent)}/{own}"

    p.paths = {c: path(c) for c in codes}
    for cid, (name, parent, *_r) in codes.items():
        if parent is None and name.casefold() == NOT_RELEVANT_KEY:
            p.not_relevant = p.subtree(cid)
    return p


def touches(s: int, e: int, ps: int, pe: int) -> bool:
    return s < pe and e > ps


# --- report freq ------------------------------------------------------------------------


def freq(
    p: Project,
    by: str | None = None,
    coders: Iterable[str] | None = None,
    level: int | None = None,
) -> dict:
    """``{"documents", "groups", "rows": {path: {codings, documents, share, total_…,
    groups}}}`` as the README defines ``report freq`` (``--by``: per attribute value;
    ``level``: ``--level``)."""
    segs = p.segments(coders, level)
    own_docs: dict[int, Counter] = defaultdict(Counter)  # code → doc → segments
    for c, d, _s, _e in segs:
        own_docs[c][d] += 1
    n = len(p.docs)
    group_of = {d: p.attrs.get(d, {}).get(by, NONE_GROUP) for d in p.docs} if by else {}
    sizes = Counter(group_of.values())

    def figures(per_doc: Counter, docs_in: Callable[[int], bool], size: int) -> dict:
        mine = {d: k for d, k in per_doc.items() if docs_in(d)}
        return {
            "segments": sum(mine.values()),
            "documents": len(mine),
            "share": share(len(mine), size),
        }

    rows = {}
    for cid in p.shown(level):
        tot = p.subtree_segments(cid, segs)
        own = own_docs.get(cid, Counter())

        def row(docs_in, size, own=own, tot=tot):
            o, t = figures(own, docs_in, size), figures(tot, docs_in, size)
            return {
                **o,
                "total_segments": t["segments"],
                "total_documents": t["documents"],
                "total_share": t["share"],
            }

        r = row(lambda d: True, n)
        r["groups"] = {g: row(lambda d, g=g: group_of[d] == g, k) for g, k in sizes.items()}
        rows[p.paths[cid]] = r
    return {"documents": n, "groups": dict(sizes), "rows": rows}


# --- report cooc --------------------------------------------------------------------------


def content_paragraphs(
    p: Project, structural: Callable[[str, str, int, int], bool]
) -> dict[int, list[tuple[int, int]]]:
    """Per document the paragraphs that are no heading or metadata block."""
    out = {}
    for d, (name, text) in p.docs.items():
        out[d] = [(ps, pe) for ps, pe in p.paragraphs[d] if not structural(name, text, ps, pe)]
    return out


def unit_codes(
    p: Project, structural: Callable[[str, str, int, int], bool], unit: str = "passage"
) -> dict[tuple[int, int], dict[str, set[int]]]:
    """``{(doc, unit index): {coder: {codes}}}``: the codes each coder's codings touch
    (passage units: content paragraphs only, as in agreement)."""
    out: dict[tuple[int, int], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    paragraphs = content_paragraphs(p, structural)
    for _i, d, s, e, c, coder, _m, _o in p.report_codings():
        if unit == "document":
            out[(d, -1)][coder].add(c)
            continue
        for k, (ps, pe) in enumerate(paragraphs[d]):
            if touches(s, e, ps, pe):
                out[(d, k)][coder].add(c)
    return out


def cooc(
    p: Project, structural: Callable[[str, str, int, int], bool], unit: str = "passage"
) -> dict:
    """``{"units", "structural", "coded_units", "codes": [paths shown], "diagonal": {path:
    n}, "pairs": {(a, b): (count, jaccard)}}`` with pairs formed within one coder; passage
    units are the content paragraphs (``structural``: how many were left out)."""
    units = unit_codes(p, structural, unit)
    diag: Counter = Counter()
    pairs: Counter = Counter()
    for per_coder in units.values():
        every = set().union(*per_coder.values())
        for c in every:
            diag[c] += 1
        together = set()
        for codes in per_coder.values():
            together.update(combinations(sorted(codes), 2))
        for a, b in together:
            pairs[(a, b)] += 1
    shown = [c for c in p.categories if p.codes[c][2] or diag[c]]
    content = content_paragraphs(p, structural)
    n_units = len(p.docs) if unit == "document" else sum(len(v) for v in content.values())
    n_all = sum(len(v) for v in p.paragraphs.values())
    out_pairs = {}
    for (a, b), k in pairs.items():
        key = tuple(sorted((p.paths[a], p.paths[b])))
        out_pairs[key] = (k, r4(k / (diag[a] + diag[b] - k)))
    return {
        "units": n_units,
        "structural": 0 if unit == "document" else n_all - n_units,
        "coded_units": len(units),
        "codes": sorted(p.paths[c] for c in shown),
        "diagonal": {p.paths[c]: diag[c] for c in shown},
        "pairs": out_pairs,
    }


# --- report matrix, crosstab -------------------------------------------------------------


def matrix(p: Project, presence: bool = False, level: int | None = None) -> dict:
    """``{"codes": [paths], "cells": {document: {path: n}}, "totals": {path: n}}``:
    a code's own segments per document (``presence``: 0/1, totals count documents)."""
    segs = p.segments(level=level)
    per: dict[tuple[int, int], int] = Counter((d, c) for c, d, _s, _e in segs)
    used = {c for _d, c in per}
    shown = [c for c in p.shown(level) if p.codes[c][2] or c in used]
    cells = {}
    for d, (name, _t) in p.docs.items():
        cells[name] = {
            p.paths[c]: (min(1, per.get((d, c), 0)) if presence else per.get((d, c), 0))
            for c in shown
        }
    totals = {p.paths[c]: sum(row[p.paths[c]] for row in cells.values()) for c in shown}
    return {"codes": sorted(p.paths[c] for c in shown), "cells": cells, "totals": totals}


def crosstab(p: Project, keys: list[str]) -> dict:
    """``{"columns": {combo: documents}, "rows": {path: {"documents", "segments",
    "cells": {combo: {documents, segments, row_share, column_share}}}}}``; combo is the
    tuple of values (``(none)`` for a missing one); a code counts with its sub-codes."""
    combo = {d: tuple(p.attrs.get(d, {}).get(k, NONE_GROUP) for k in keys) for d in p.docs}
    sizes = Counter(combo.values())
    segs = p.segments()
    rows = {}
    for cid in p.categories:
        tot = p.subtree_segments(cid, segs)
        cells = {}
        for cb, size in sizes.items():
            docs = [d for d in tot if combo[d] == cb]
            cells[cb] = {
                "documents": len(docs),
                "segments": sum(tot[d] for d in docs),
                "row_share": share(len(docs), len(tot)),
                "column_share": share(len(docs), size),
            }
        rows[p.paths[cid]] = {
            "documents": len(tot),
            "segments": sum(tot.values()),
            "cells": cells,
        }
    return {"documents": len(p.docs), "columns": dict(sizes), "rows": rows}


def subtree_figures(p: Project) -> dict[str, tuple[int, int]]:
    """``{path: (segments, documents)}`` of every category with its sub-categories, as
    ``report agenda`` lists them and as the category sections of ``report full`` count
    their coded segments (distinct spans of the sub-tree)."""
    segs = p.segments()
    out = {}
    for cid in p.categories:
        per_doc = p.subtree_segments(cid, segs)
        out[p.paths[cid]] = (sum(per_doc.values()), len(per_doc))
    return out


# --- agreement ------------------------------------------------------------------------------


def kappa(values: list[tuple]) -> float | None:
    """Cohen's kappa of two coders from their values on each unit."""
    n = len(values)
    if not n:
        return None
    po = sum(a == b for a, b in values) / n
    ca, cb = Counter(a for a, _ in values), Counter(b for _, b in values)
    pe = sum(ca[v] * cb[v] for v in ca) / n**2
    return None if pe >= 1 - 1e-12 else (po - pe) / (1 - pe)


def alpha_nominal(values: list[tuple]) -> float | None:
    """Krippendorff's alpha (nominal, no missing values): 1 − D_o / D_e with
    D_o from the disagreeing pairs within units and D_e from all pairable values."""
    m = len(values[0]) if values else 0
    if m < 2:
        return None
    totals: Counter = Counter(v for unit in values for v in unit)
    n = sum(totals.values())
    # observed: per unit, ordered pairs of different values, weighted 1/(m-1)
    d_o = (
        sum(
            sum(1 for i in range(m) for j in range(m) if i != j and unit[i] != unit[j]) / (m - 1)
            for unit in values
        )
        / n
    )
    d_e = sum(totals[a] * totals[b] for a in totals for b in totals if a != b) / (n * (n - 1))
    if d_e == 0:
        return None
    return 1 - d_o / d_e


def agreement(
    p: Project,
    coders: list[str],
    structural: Callable[[str, str, int, int], bool],
    overlap: float = 0.5,
    exclude: bool = True,
) -> dict:
    """Per code and overall: units, agreements, percent, kappa (two coders) or pairwise
    kappas, alpha; ``structural(doc name, text, start, end)`` says what is a heading."""
    coded_by: dict[int, set[str]] = defaultdict(set)
    for _i, d, _s, _e, _c, coder, _m, _o in p.codings:
        if coder in coders:
            coded_by[d].add(coder)
    common = sorted(d for d, cs in coded_by.items() if cs == set(coders))
    spans: dict[tuple[str, int, int], list[tuple[int, int]]] = defaultdict(list)
    marks: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    used: set[int] = set()
    for _i, d, s, e, c, coder, _m, orphaned in p.codings:
        if coder not in coders or d not in common or orphaned:
            continue
        if c in p.not_relevant:
            marks[(coder, d)].append((s, e))
        else:
            spans[(coder, d, c)].append((s, e))
            used.add(c)

    def covered(sp: list[tuple[int, int]], ps: int, pe: int) -> bool:
        chars = set()
        for s, e in sp:
            chars.update(range(max(s, ps), min(e, pe)))
        return len(chars) > 0 if overlap == 0 else len(chars) >= overlap * (pe - ps) - 1e-9

    units = []
    for d in common:
        name, text = p.docs[d]
        for ps, pe in p.paragraphs[d]:
            if exclude and structural(name, text, ps, pe):
                continue
            if exclude and any(covered(marks[(k, d)], ps, pe) for k in coders):
                continue
            units.append((d, ps, pe))
    per_unit = [
        [frozenset(c for c in used if covered(spans[(k, d, c)], ps, pe)) for k in coders]
        for d, ps, pe in units
    ]

    def figures(values: list[tuple]) -> dict:
        n = len(values)
        agree = sum(len(set(v)) == 1 for v in values)
        out = {
            "units": n,
            "agreements": agree,
            "percent_agreement": r4(agree / n) if n else None,
            "alpha": _r(alpha_nominal(values)),
        }
        if len(coders) == 2:
            out["kappa"] = _r(kappa(values))
        else:
            out["pairwise_kappa"] = {
                (coders[i], coders[j]): _r(kappa([(v[i], v[j]) for v in values]))
                for i, j in combinations(range(len(coders)), 2)
            }
        return out

    per_code = {
        p.paths[c]: figures([tuple(int(c in s) for s in sets) for sets in per_unit]) for c in used
    }
    overall = figures(
        [tuple(tuple(sorted(p.paths[c] for c in s)) for s in sets) for sets in per_unit]
    )
    return {
        "documents": sorted(p.docs[d][0] for d in common),
        "units": len(units),
        "codes": per_code,
        "overall": overall,
    }


def _r(x: float | None) -> float | None:
    return None if x is None else r4(x)


# --- status, progress, research questions, check samples ------------------------------------


def status(db: str) -> dict:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:

        def one(sql: str) -> int:
            return con.execute(sql).fetchone()[0]

        return {
            "documents": one("SELECT count(*) FROM document"),
            "passages": one("SELECT count(*) FROM passage WHERE unit = 'paragraph'"),
            "sentences": one("SELECT count(*) FROM passage WHERE unit = 'sentence'"),
            "codes": one("SELECT count(*) FROM code"),
            "codings": one("SELECT count(*) FROM coding"),
            "orphaned_codings": one("SELECT count(*) FROM coding WHERE orphaned"),
            "memo_count": one("SELECT count(*) FROM memo"),
            "coders": {
                name: n
                for name, n in con.execute(
                    "SELECT coder.name, (SELECT count(*) FROM coding WHERE coder_id = coder.id)"
                    " FROM coder"
                )
            },
        }
    finally:
        con.close()


def progress(
    p: Project,
    structural: Callable[[str, str, int, int], bool],
    codes: set[int] | None = None,
) -> dict[str, tuple[int, int]]:
    """Per document ``(paragraphs to read, done)``: content paragraphs and any coded one;
    done = touched by a coding (of ``codes``, marks included; default any code)."""
    out = {}
    for d, (name, text) in p.docs.items():
        todo = done = 0
        for ps, pe in p.paragraphs[d]:
            coded = any(
                dd == d and touches(s, e, ps, pe) and (codes is None or c in codes)
                for _i, dd, s, e, c, *_ in p.codings
            )
            if coded or not structural(name, text, ps, pe):
                todo += 1
                done += coded
        out[name] = (todo, done)
    return out


def rq_figures(db: str, p: Project, structural) -> dict[str, dict]:
    """Per research question: ``codings`` (segments of its categories and their sub-codes,
    as ``report freq --rq`` counts), ``documents`` and ``coded_share`` (content paragraphs
    coded with its categories or marked not relevant)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rqs = list(con.execute("SELECT id, name FROM research_question"))
    finally:
        con.close()
    out = {}
    for rid, name in rqs:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        tops = [
            i
            for (i,) in con.execute(
                "SELECT id FROM code WHERE parent_id IS NULL AND research_question_id = ?", (rid,)
            )
        ]
        con.close()
        ids = set().union(*(p.subtree(t) for t in tops)) if tops else set()
        segs = {sg[1:] for sg in p.segments() if sg[0] in ids}  # a passage once
        prog = progress(p, structural, ids | p.not_relevant)
        total = sum(t for t, _ in prog.values())
        done = sum(k for _, k in prog.values())
        out[name] = {
            "codings": len(segs),
            "documents": len({d for d, _s, _e in segs}),
            "coded_share": share(done, total),
        }
    return out


def samples(db: str) -> dict[str, dict]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            name: {"passages": n, "done": k}
            for name, n, k in con.execute(
                "SELECT s.name, count(p.id),"
                " count(CASE WHEN p.done IN (1, 'true', 't') THEN 1 END)"
                " FROM check_sample s LEFT JOIN check_passage p ON p.sample_id = s.id"
                " GROUP BY s.id, s.name"
            )
        }
    finally:
        con.close()


# --- what is structural in the demo corpus ---------------------------------------------------


def demo_truth() -> set[tuple[str, int, int]]:
    """The demo's structural paragraphs, read through by hand (tests/data/demo_structural.tsv)."""
    from pathlib import Path

    rows = (Path(__file__).parent / "data" / "demo_structural.tsv").read_text(encoding="utf-8")
    out = set()
    for line in rows.splitlines():
        if line and not line.startswith("#"):
            name, start, end, _text = line.split("\t", 3)
            out.add((name, int(start), int(end)))
    return out


def by_truth(truth: set[tuple[str, int, int]]) -> Callable[[str, str, int, int], bool]:
    return lambda name, _text, start, end: (name, start, end) in truth


# --- report words: invariants -----------------------------------------------------------------


def coded_text(p: Project, top: int) -> str:
    """The text of the segments of a main category and its sub-codes (for invariants)."""
    ids = p.subtree(top)
    return "\n".join(p.docs[d][1][s:e] for c, d, s, e in sorted(p.segments()) if c in ids)


# --- agreement --sample ---------------------------------------------------------------------

FIG_KEYS = ("units", "agreements", "percent_agreement", "kappa", "alpha")


def sample_agreement(db: str, p: Project, name: str, overlap: float = 0.5) -> dict:
    """The reference coder's codes (coverage ≥ ``overlap``) against the blind re-coding on
    the re-coded passages of check sample ``name``: per code and overall."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        sid, ref = con.execute(
            "SELECT id, reference_coder_id FROM check_sample WHERE name = ?", (name,)
        ).fetchone()
        passages = list(
            con.execute(
                'SELECT id, document_id, start, "end" FROM check_passage'
                " WHERE sample_id = ? AND done IN (1, 'true', 't') ORDER BY ordinal",
                (sid,),
            )
        )
        check: dict[int, set[int]] = defaultdict(set)
        for pid, cid in con.execute(
            "SELECT passage_id, code_id FROM check_coding WHERE passage_id IN"
            " (SELECT id FROM check_passage WHERE sample_id = ?)",
            (sid,),
        ):
            check[pid].add(cid)
    finally:
        con.close()
    ref_name = p.coders[ref]
    values = []
    for pid, d, ps, pe in passages:
        cover: dict[int, set[int]] = defaultdict(set)
        for _i, dd, s, e, c, coder, _m, orphaned in p.codings:
            if dd == d and coder == ref_name and not orphaned and c not in p.not_relevant:
                cover[c].update(range(max(s, ps), min(e, pe)))
        mine = {
            c
            for c, chars in cover.items()
            if (len(chars) > 0 if overlap == 0 else len(chars) >= overlap * (pe - ps) - 1e-9)
        }
        values.append((mine, check[pid] - p.not_relevant))
    used = set().union(*(a | b for a, b in values)) if values else set()

    def figures(vals: list[tuple]) -> dict:
        n = len(vals)
        agree = sum(a == b for a, b in vals)
        return {
            "units": n,
            "agreements": agree,
            "percent_agreement": r4(agree / n) if n else None,
            "kappa": _r(kappa(vals)),
            "alpha": _r(alpha_nominal(vals)),
        }

    return {
        "units": len(values),
        "codes": {
            p.paths[c]: figures([(int(c in a), int(c in b)) for a, b in values]) for c in used
        },
        "overall": figures(
            [
                (tuple(sorted(p.paths[c] for c in a)), tuple(sorted(p.paths[c] for c in b)))
                for a, b in values
            ]
        ),
    }
