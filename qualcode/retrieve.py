"""Boolean retrieval of coded segments: ``A AND B``, ``A OR B``, ``A NOT B``, ``A NEAR/2 B``.

An operand is a code (full path, its name, or any end of its path made of whole names)
with its sub-codes; it stands for the code's coded segments (as in ``report segments``:
a span coded identically by several coders is one segment; orphaned codings are left
out). The operators work on segments of the same document:

- ``A OR B``: the segments of either;
- ``A AND B``: the segments of A that meet a segment of B, and those of B that meet one
  of A (both quotations are listed);
- ``A NOT B``: the segments of A that are not B's and meet no segment of B;
- ``A NEAR/n B``: as AND, where two segments meet when they lie within n paragraphs
  of each other (``NEAR/0``: in the same paragraph).

"Meet" for AND and NOT is set by ``unit``: ``overlap`` (the default; the spans share a
character) or ``passage`` (they touch the same paragraph). Paragraphs are the units of
analysis of ``report cooc`` and ``agreement``: headings, titles, metadata blocks and the
agenda are none (:func:`qualcode.structure.content_flags`), so two segments that touch
only on a heading do not meet, and NEAR counts content paragraphs. Two segments meet only when
**one coder** coded both (``pairing`` ``within-coder``: anna's A and ben's B on the same
passage are two opinions, maybe a disagreement, not a passage that is A and B; a consensus
coder is a coder of its own); ``across_coders`` lets the segments of any coders meet. Results are in document-name
and text order and have the shape of :func:`qualcode.reports.segments.coded_segments`,
so the segment exporters (table, JSON, CSV, XLSX, DOCX, Markdown) write them.

Reads with any ``execute(sql) -> rows`` (a :mod:`sqlite3` connection on the fast path,
a session's connection otherwise).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from qualcode import boolexpr
from qualcode.config import AUTO_CODER
from qualcode.errors import InvalidInput, NotFound
from qualcode.names import coder_id, names_by_id, resolve_code_path
from qualcode.reports.segcore import SEGMENT_COLUMNS, merge_segments, segment_json
from qualcode.search import code_paths
from qualcode.textutil import join_path, typed_value

if TYPE_CHECKING:
    from qualcode.schemas.analysis import Retrieve

Execute = Callable[[str], list[tuple]]


class _Paras:
    """Sorted paragraph spans of a document (as :class:`qualcode.reports.units.DocPassages`,
    without importing SQLAlchemy)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def touched(self, start: int, end: int) -> range:
        first = bisect.bisect_right(self.ends, start)
        return range(first, max(first, bisect.bisect_left(self.starts, end)))


Key = tuple[int, int, int, int, str]  # document, start, end, code, coder
UNITS = ("overlap", "passage")


def resolve_code_ids(execute: Execute, term: str) -> tuple[str, list[int]]:
    """``(path, ids of the code and its sub-codes)`` for a code named like the CLI's ``--code``."""
    rows = execute("SELECT id, name, parent_id FROM code")
    names_of = names_by_id(rows)
    paths = {cid: join_path(names) for cid, names in names_of.items()}
    ordered = dict(sorted(names_of.items(), key=lambda kv: paths[kv[0]]))
    try:
        hits = [resolve_code_path(ordered, term, hint="`qualcode codes list` shows all")]
    except NotFound as exc:
        from rapidfuzz import fuzz, process

        best = process.extractOne(term, list(paths.values()), scorer=fuzz.WRatio, score_cutoff=70)
        if best:
            raise NotFound(exc.message, f"did you mean {best[0]!r}? ({exc.hint})") from None
        raise
    kids: dict[int | None, list[int]] = {}
    for cid, _name, parent in rows:
        kids.setdefault(parent, []).append(cid)
    ids, stack = [], [hits[0]]
    while stack:
        c = stack.pop()
        ids.append(c)
        stack.extend(kids.get(c, []))
    return paths[hits[0]], sorted(ids)


def _coder_clause(execute: Execute, coder: str | None, include_auto: bool) -> str:
    coders = dict(execute("SELECT name, id FROM coder"))
    if coder:
        ids = []
        for n in (n.strip() for n in coder.split(",") if n.strip()):
            cid = coder_id(coders, n)  # case and accents ignored
            if cid is None:
                raise NotFound(
                    f"unknown coder {n!r}", f"coders in this project: {', '.join(sorted(coders))}"
                )
            ids.append(cid)
        return f" AND coding.coder_id IN ({','.join(str(int(i)) for i in ids)})"
    if not include_auto and AUTO_CODER in coders:
        return f" AND coding.coder_id <> {int(coders[AUTO_CODER])}"
    return ""


def retrieve(
    execute: Execute,
    query: str,
    *,
    unit: str = "overlap",
    coder: str | None = None,
    include_auto: bool = False,
    doc_ids: Sequence[int] | None = None,
    across_coders: bool = False,
) -> dict:
    """The segments the query retrieves (see the module doc), as ``coded_segments`` gives them."""
    unit = unit.strip().lower()
    if unit not in UNITS:
        raise InvalidInput(f"unknown unit {unit!r}", "use overlap or passage")
    tree = boolexpr.parse(query, "query")
    resolved = {t: resolve_code_ids(execute, t) for t in boolexpr.terms(tree)}
    all_ids = sorted({i for _, ids in resolved.values() for i in ids})
    where = f"coding.code_id IN ({','.join(map(str, all_ids))}) AND NOT coding.orphaned"
    where += _coder_clause(execute, coder, include_auto)
    if doc_ids is not None:
        where += f" AND coding.document_id IN ({','.join(str(int(i)) for i in doc_ids) or 'NULL'})"
    rows = execute(
        f"SELECT {SEGMENT_COLUMNS} FROM coding"
        " JOIN coder ON coder.id = coding.coder_id"
        " JOIN document ON document.id = coding.document_id"
        f' WHERE {where} ORDER BY document.name, coding.start, coding."end", coding.id'
    )
    by_code: dict[int, set[Key]] = {}
    for did, s, e, cid, _memo, _orphaned, who, _dname, _id in rows:
        by_code.setdefault(cid, set()).add((did, s, e, cid, who))
    docs = sorted({r[0] for r in rows})
    passages: dict[int, _Paras] = {}
    if docs and (unit == "passage" or "NEAR/" in query):
        for did, s, e in execute(
            "SELECT document_id, start, \"end\" FROM passage WHERE unit = 'paragraph'"
            f" AND document_id IN ({','.join(map(str, docs))}) ORDER BY document_id, start"
        ):
            p = passages.setdefault(did, _Paras())
            p.starts.append(s)
            p.ends.append(e)
        _content_only(execute, passages)

    cache: dict[Key, tuple[int, int]] = {}

    def para(k: Key) -> tuple[int, int]:
        """The first and last paragraph index the segment touches."""
        if k not in cache:
            p = passages.get(k[0])
            r = p.touched(k[1], k[2]) if p else range(0)
            cache[k] = (r.start, r.stop - 1) if len(r) else (-1, -1)
        return cache[k]

    def combine(left: set[Key], right: set[Key], dist: int | None) -> tuple[set[Key], set[Key]]:
        """The segments of ``left`` and of ``right`` that meet one of the other side (a
        segment never meets itself): overlapping spans (``dist`` None) or paragraphs at
        most ``dist`` apart — of the same coder unless ``across_coders``."""
        out_l, out_r = set(), set()
        rights: dict[int, list[Key]] = {}
        for k in sorted(right, key=lambda k: k[1]):
            rights.setdefault(k[0], []).append(k)
        starts = {d: [k[1] for k in ks] for d, ks in rights.items()}
        for lk in left:
            rs = rights.get(lk[0])
            if not rs:
                continue
            if dist is None:
                cands = [r for r in rs[: bisect.bisect_left(starts[lk[0]], lk[2])] if r[2] > lk[1]]
            else:
                f, last = para(lk)
                if f < 0:  # on no content paragraph: it meets nothing by paragraph
                    continue
                cands = [
                    r
                    for r in rs
                    if para(r)[0] >= 0 and max(para(r)[0] - last, f - para(r)[1], 0) <= dist
                ]
            for r in cands:
                if r != lk and (across_coders or r[4] == lk[4]):
                    out_l.add(lk)
                    out_r.add(r)
        return out_l, out_r

    unit_dist = None if unit == "overlap" else 0

    def ev(node: boolexpr.Node) -> set[Key]:
        kind = node[0]
        if kind == "term":
            return {k for cid in resolved[node[1]][1] for k in by_code.get(cid, ())}
        if kind == "not":
            raise InvalidInput(
                f"NOT needs segments to take away from in {query!r}", "write A NOT B"
            )
        left, right = ev(node[1]), ev(node[2])
        if kind == "or":
            return left | right
        if kind == "minus":
            kept, _ = combine(left, right, unit_dist)
            return left - right - kept
        dist = node[3] if kind == "near" else unit_dist
        a, b = combine(left, right, dist)
        return a | b

    keep = ev(tree)
    chosen = [r for r in rows if (r[0], r[1], r[2], r[3], r[6]) in keep]
    texts, attrs = _texts_attrs(execute, sorted({r[0] for r in chosen}))
    paths = code_paths(execute)
    segments = merge_segments(chosen, texts, attrs, paths, execute)
    return {
        "query": query,
        "code": query,
        "codes": {t: p for t, (p, _) in resolved.items()},
        "unit": unit,
        "pairing": "across-coders" if across_coders else "within-coder",
        "children": True,
        "coder": coder,
        "documents": len({s["document"] for s in segments}),
        "definition": "",
        "segments": segments,
    }


def as_json(data: dict) -> Retrieve:
    """What :func:`retrieve` found, as ``retrieve --json`` gives it: the query's ``terms``
    (each as written and the code it names), the number of ``segments`` and ``documents``,
    and the segments as ``rows``."""
    return {
        "query": data["query"],
        "terms": [{"term": t, "code": p} for t, p in data["codes"].items()],
        "unit": data["unit"],
        "pairing": data["pairing"],
        "children": data["children"],
        "coder": data["coder"],
        "documents": data["documents"],
        "segments": len(data["segments"]),
        "rows": [segment_json(s) for s in data["segments"]],
    }


def _content_only(execute: Execute, passages: dict[int, _Paras]) -> None:
    """Leave the headings, titles, metadata blocks and the agenda out of ``passages``."""
    from qualcode.structure import content_flags

    if not passages:
        return
    idl = ",".join(map(str, passages))
    texts = dict(execute(f"SELECT id, text FROM document WHERE id IN ({idl})"))
    for did, p in passages.items():
        flags = content_flags(texts.get(did) or "", list(zip(p.starts, p.ends, strict=True)))
        p.starts = [s for s, keep in zip(p.starts, flags, strict=True) if keep]
        p.ends = [e for e, keep in zip(p.ends, flags, strict=True) if keep]


def _texts_attrs(execute: Execute, ids: list[int]):
    if not ids:
        return {}, {}
    idl = ",".join(map(str, ids))
    texts = dict(execute(f"SELECT id, text FROM document WHERE id IN ({idl})"))
    attrs: dict[int, dict[str, object]] = {}
    for did, key, value, type_ in execute(
        f"SELECT document_id, key, value, type FROM document_attribute WHERE document_id IN ({idl}) ORDER BY id"
    ):
        attrs.setdefault(did, {})[key] = typed_value(value, type_)
    return texts, attrs
