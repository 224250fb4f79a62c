"""Text search: keyword in context (KWIC) over the documents, with the codes on each hit.

The matchers are autocoding's (:func:`qualcode.recode.autocode.find_hits` with the unit
``match``): plain text (the default; case-insensitive, also inside words), a regular
expression, a phrase (the words in this order, whole words, any whitespace; with
``fuzzy`` rapidfuzz's partial ratio per sentence) or lemmas (every lemma of the query
within one sentence). Coding all hits is autocoding with the same rule, see
:func:`as_autocode_rule`; coding some of them (the workbench's marked hits) is
:func:`code_hits`. Both widen a hit to its unit with :func:`qualcode.matchers.widen`: as
found, the whole words, the sentence or the paragraph.

The plain, regex and phrase searches need no sentences and no spaCy: they run on any
``execute(sql) -> rows`` reader, so the CLI reads a SQLite project with :mod:`sqlite3`
(no SQLAlchemy start-up); lemma and fuzzy searches go through a session.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from typing import Any

from qualcode.errors import InvalidInput
from qualcode.matchers import Query, _Doc, compile_pattern, find_hits
from qualcode.textutil import join_path

MODES = ("text", "regex", "phrase", "lemma")
# What coding a hit codes (`--unit`), in the workbench's order, with its name there.
UNITS = {"match": "as found", "word": "word", "sentence": "sentence", "passage": "paragraph"}
Execute = Callable[[str], list[tuple]]


def search_rule(
    pattern: str,
    mode: str = "text",
    *,
    fuzzy: int | None = None,
    case_sensitive: bool = False,
    unit: str = "match",
) -> Query:
    """What the search looks for; :func:`as_autocode_rule` makes the rule that codes it."""
    if not pattern.strip():
        raise InvalidInput("the search pattern is empty", "give a word, phrase or --regex PATTERN")
    if mode not in MODES:
        raise InvalidInput(f"unknown search mode {mode!r}", f"use one of {', '.join(MODES)}")
    if fuzzy is not None and mode != "phrase":
        raise InvalidInput("--fuzzy works with --phrase only", "add --phrase, or leave out --fuzzy")
    unit = _unit(unit)
    if fuzzy is not None and not 0 < fuzzy <= 100:
        raise InvalidInput(f"--fuzzy must be between 1 and 100 (got {fuzzy})", "e.g. --fuzzy 85")
    q = Query(
        regex=re.escape(pattern) if mode == "text" else pattern if mode == "regex" else None,
        lemma=pattern if mode == "lemma" else None,
        phrase=pattern if mode == "phrase" else None,
        fuzzy=fuzzy,
        unit=unit,
        case_sensitive=case_sensitive,
    )
    if q.regex:
        compile_pattern(q.regex, case_sensitive=case_sensitive)
    return q


def _unit(unit: str) -> str:
    unit = {"paragraph": "passage", "as-found": "match"}.get(unit, unit)
    if unit not in UNITS:
        raise InvalidInput(
            f"unknown unit {unit!r}", "use match (as found), word, sentence or paragraph"
        )
    return unit


def as_autocode_rule(q: Query, code: str, doc: list[str] | None = None):
    """The autocoding rule that codes what ``q`` finds (same matchers, same units)."""
    from qualcode.recode.autocode import AutoRule

    return AutoRule(
        code=code,
        regex=q.regex,
        lemma=q.lemma,
        phrase=q.phrase,
        fuzzy=q.fuzzy,
        unit=q.unit,
        case_sensitive=q.case_sensitive,
        doc=list(doc or []),
        origin="search",
    )


def needs_session(mode: str, fuzzy: int | None) -> bool:
    """Lemma and fuzzy searches split sentences (spaCy): they need the session path."""
    return mode == "lemma" or fuzzy is not None


def load_docs(execute: Execute, doc_ids: Sequence[int] | None) -> list[_Doc]:
    sql = "SELECT id, name, text FROM document"
    if doc_ids is not None:
        if not doc_ids:
            return []
        sql += f" WHERE id IN ({','.join(str(int(i)) for i in doc_ids)})"
    rows = execute(sql)
    rows.sort(key=lambda r: (r[1].lower(), r[1]))
    return [_Doc(i, n, t, []) for i, n, t in rows]


def _paragraphs(execute: Execute, docs: list[_Doc]) -> None:
    ids = ",".join(str(d.id) for d in docs)
    by_id = {d.id: d for d in docs}
    for did, s, e in execute(
        "SELECT document_id, start, \"end\" FROM passage WHERE unit = 'paragraph'"
        f" AND document_id IN ({ids}) ORDER BY document_id, start"
    ):
        by_id[did].paragraphs.append((s, e))


def code_paths(execute: Execute) -> dict[int, str]:
    info = {i: (n, p) for i, n, p in execute("SELECT id, name, parent_id FROM code")}
    out: dict[int, str] = {}
    for cid in info:
        names, cur, seen = [], cid, set()
        while cur is not None and cur in info and cur not in seen:
            seen.add(cur)
            names.append(info[cur][0])
            cur = info[cur][1]
        out[cid] = join_path(names[::-1])
    return out


_BREAKS = re.compile(r"\s*[\r\n\t\f\v]\s*")


def _one_line(text: str) -> str:
    """Line breaks and tabs as one space; the spaces at either end stay (the context of a
    hit keeps the space between it and the hit: "Lehrkräften, " + "Schulbegleit")."""
    return _BREAKS.sub(" ", text)


def kwic(
    execute: Execute,
    docs: list[_Doc],
    hits: list[tuple[_Doc, int, int]],
    context: int = 60,
) -> list[dict]:
    """KWIC rows of the hits with the paragraph each begins in (``passage_id``) and the
    codes whose codings overlap it (``code_paths``)."""
    rows: list[dict] = []
    if not hits:
        return rows
    ids = sorted({d.id for d, _, _ in hits})
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for did, s, e, cid in execute(
        'SELECT document_id, start, "end", code_id FROM coding WHERE NOT orphaned'
        f" AND document_id IN ({','.join(map(str, ids))}) ORDER BY document_id, start"
    ):
        spans.setdefault(did, []).append((s, e, cid))
    paths = code_paths(execute) if spans else {}
    paras: dict[int, tuple[list[int], list[int]]] = {}  # document → paragraph starts, ids
    for pid, did, s in execute(
        "SELECT id, document_id, start FROM passage WHERE unit = 'paragraph'"
        f" AND document_id IN ({','.join(map(str, ids))}) ORDER BY document_id, start"
    ):
        starts_ids = paras.setdefault(did, ([], []))
        starts_ids[0].append(s)
        starts_ids[1].append(pid)
    for d, s, e in hits:
        mine = spans.get(d.id, [])
        starts = [x[0] for x in mine]
        stop = bisect.bisect_left(starts, e)
        codes = sorted({paths[c] for cs, ce, c in mine[:stop] if ce > s and c in paths})
        p_starts, p_ids = paras.get(d.id, ([], []))
        i = bisect.bisect_right(p_starts, s) - 1  # the paragraph the hit begins in
        rows.append(
            {
                "document": d.name,
                "passage_id": p_ids[i] if i >= 0 else None,
                "start": s,
                "end": e,
                "left": _one_line(d.text[max(0, s - context) : s]),
                "text": d.text[s:e],
                "right": _one_line(d.text[e : e + context]),
                "code_paths": codes,
            }
        )
    return rows


def search(
    execute: Execute,
    rule: Query,
    *,
    doc_ids: Sequence[int] | None = None,
    context: int = 60,
    session: Any = None,
    nlp_get: Callable[[], Any] | None = None,
) -> list[dict]:
    """KWIC rows of every hit of ``rule`` in the documents ``doc_ids`` (None: all), in
    document-name and text order. Lemma and fuzzy rules need ``session`` and ``nlp_get``."""
    if context < 0:
        raise InvalidInput(f"--context must be 0 or more (got {context})", "e.g. --context 60")
    docs = load_docs(execute, doc_ids)
    if rule.unit != "match" and docs:
        _paragraphs(execute, docs)
    hits = find_hits(session, rule, docs, nlp_get or (lambda: None))
    return kwic(execute, docs, hits, context)


def code_hits(
    session: Any,
    hits: Sequence[tuple[int, int, int]],
    code: str,
    coder: str,
    unit: str = "match",
) -> dict:
    """Code some hits ``(document id, start, end)`` of a search with ``code`` as ``coder``,
    each widened to ``unit`` as `qualcode search --code --unit` widens them
    (:func:`qualcode.matchers.widen`); a unit two hits share is coded once, identical
    codings are skipped. ``{"unit", "hits", "spans": [(document id, start, end)], "added"}``."""
    from qualcode.codings import add_coding
    from qualcode.matchers import _load_docs, _sentences, widen

    unit = _unit(unit)
    docs = {d.id: d for d in _load_docs(session, sorted({h[0] for h in hits}))}
    if unit == "sentence":
        _sentences(session, list(docs.values()))
    spans: list[tuple[int, int, int]] = []
    for did, s, e in hits:
        span = widen(docs[did], s, e, unit)
        if span is not None and (did, *span) not in spans:
            spans.append((did, *span))
    added = sum(add_coding(session, did, s, e, code, coder)[1] for did, s, e in spans)
    return {"unit": unit, "hits": len(hits), "spans": spans, "added": added}
