"""The matchers of autocoding and text search: regex, phrase, fuzzy phrase, lemmas.

Light on imports (no SQLAlchemy at module level) so that `qualcode search` can run them
on a SQLite file read with :mod:`sqlite3`. :func:`find_hits` takes any rule object with
the attributes ``regex``, ``lemma``, ``phrase``, ``fuzzy``, ``unit`` and
``case_sensitive`` (:class:`qualcode.recode.autocode.AutoRule`, a search query).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qualcode.errors import InvalidInput


def compile_pattern(regex: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    try:
        return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise InvalidInput(
            f"invalid regular expression {regex!r}: {exc}", "check the pattern (Python `re` syntax)"
        ) from exc


@dataclass
class Query:
    """What to look for (the fields of an autocoding rule without code and scope)."""

    regex: str | None = None
    lemma: str | None = None
    phrase: str | None = None
    fuzzy: int | None = None
    unit: str = "match"
    case_sensitive: bool = False


@dataclass
class _Doc:
    id: int
    name: str
    text: str
    paragraphs: list[tuple[int, int]]
    sentences: list[tuple[int, int]] | None = None


def _load_docs(session: Any, doc_ids: list[int] | None) -> list[_Doc]:
    from sqlalchemy import select

    from qualcode.models import Document, Passage

    stmt = select(Document.id, Document.name, Document.text).order_by(Document.name)
    pstmt = (
        select(Passage.document_id, Passage.start, Passage.end)
        .where(Passage.unit == "paragraph")
        .order_by(Passage.document_id, Passage.start)
    )
    if doc_ids is not None:
        stmt = stmt.where(Document.id.in_(doc_ids))  # type: ignore[union-attr]
        pstmt = pstmt.where(Passage.document_id.in_(doc_ids))  # type: ignore[attr-defined]
    paras: dict[int, list[tuple[int, int]]] = {}
    for did, s, e in session.execute(pstmt):
        paras.setdefault(did, []).append((s, e))
    return [_Doc(did, name, text, paras.get(did, [])) for did, name, text in session.execute(stmt)]


def _sentences(session: Any, docs: list[_Doc]) -> None:
    """Stored sentence passages; split now for documents imported without them."""
    todo = [d for d in docs if d.sentences is None]
    if not todo:
        return
    from qualcode.reports.units import load_passages

    ids = [d.id for d in todo]
    stored = load_passages(session, "sentence", ids)
    for d in todo:
        p = stored.get(d.id)
        d.sentences = list(zip(p.starts, p.ends, strict=True)) if p else []


def _containing(
    spans: list[tuple[int, int]], starts: list[int], pos: int
) -> tuple[int, int] | None:
    i = bisect.bisect_right(starts, pos) - 1
    if i >= 0 and spans[i][0] <= pos < spans[i][1]:
        return spans[i]
    return None


def widen(
    d: _Doc, s: int, e: int, unit: str, starts: list[int] | None = None
) -> tuple[int, int] | None:
    """The span a hit ``[s, e)`` of ``d`` codes with ``unit``: the hit as found
    (``match``), widened to whole words within its paragraph (``word``: "Schulbegleit" →
    "Schulbegleitung"), its sentence or its paragraph (``passage``); None when no sentence
    or paragraph holds it. ``sentence`` needs ``d.sentences`` (:func:`_sentences`);
    ``starts``: the starts of the units, when the caller has them already. `qualcode
    search --code --unit`, autocoding and the workbench's search all widen hits here."""
    if unit == "match":
        return (s, e)
    units = (d.sentences or []) if unit == "sentence" else d.paragraphs
    if starts is None:
        starts = [u for u, _ in units]
    span = _containing(units, starts, s)
    if unit != "word":
        return span
    lo, hi = span if span is not None else (0, len(d.text))
    return _word_bounds(d.text, s, min(e, hi), lo, hi)


def _word_bounds(text: str, s: int, e: int, lo: int, hi: int) -> tuple[int, int]:
    """Widen ``[s, e)`` to whole words within ``[lo, hi)``."""
    while s > lo and text[s - 1].isalnum():
        s -= 1
    while e < hi and text[e].isalnum():
        e += 1
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _phrase_regex(phrase: str) -> str:
    words = phrase.split()
    if not words:
        raise InvalidInput("the phrase is empty", "give the words to look for")
    return r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"


def query_lemmas(nlp_obj: Any, query: str) -> list[str]:
    """Lower-cased lemmas of the query's words (stop words only when nothing else is left)."""
    doc = nlp_obj.nlp(query)
    words = [t for t in doc if not t.is_punct and not t.is_space]
    content = [t for t in words if not t.is_stop] or words
    out: list[str] = []
    for t in content:
        lemma = (t.lemma_ or t.text).lower()
        if lemma not in out:
            out.append(lemma)
    if not out:
        raise InvalidInput(f"no words in the lemma query {query!r}", "give one or more words")
    return out


def find_hits(
    session: Any,
    rule: Any,
    docs: list[_Doc],
    nlp_get: Callable[[], Any],
    tick: Callable[[], None] | None = None,
) -> list[tuple[_Doc, int, int]]:
    """``(document, start, end)`` of the units to code, in document order, without repeats."""
    hits: list[tuple[_Doc, int, int]] = []
    if rule.regex or (rule.phrase and rule.fuzzy is None):
        pattern = compile_pattern(
            rule.regex or _phrase_regex(rule.phrase or ""), case_sensitive=rule.case_sensitive
        )
        if rule.unit == "sentence":
            _sentences(session, docs)
        for d in docs:
            if tick:
                tick()
            units = (d.sentences or []) if rule.unit == "sentence" else d.paragraphs
            starts = [s for s, _ in units]
            seen: set[tuple[int, int]] = set()
            for m in pattern.finditer(d.text):
                if m.end() == m.start():
                    continue
                span = widen(d, m.start(), m.end(), rule.unit, starts)
                if span is not None and span not in seen:
                    seen.add(span)
                    hits.append((d, *span))
        return hits

    # lemma and fuzzy phrase: sentence by sentence
    _sentences(session, docs)
    for d in docs:
        if tick:
            tick()
        para_starts = [s for s, _ in d.paragraphs]
        sents = d.sentences or d.paragraphs
        seen = set()
        if rule.lemma:  # all lemmas within the unit that gets coded (paragraph or sentence)
            matched = _lemma_hits(
                nlp_get(), rule.lemma, d.text, d.paragraphs if rule.unit == "passage" else sents
            )
        else:
            matched = _fuzzy_hits(rule.phrase or "", int(rule.fuzzy or 100), d.text, sents)
        for (ss, se), (ms, me) in matched:
            if rule.unit == "match":
                span: tuple[int, int] | None = (ms, me)
            elif rule.unit == "word":
                span = _word_bounds(d.text, ms, me, ss, se)
            elif rule.unit == "sentence":
                span = (ss, se)
            else:
                span = _containing(d.paragraphs, para_starts, ss)
            if span is not None and span not in seen:
                seen.add(span)
                hits.append((d, *span))
    return hits


def _lemma_hits(
    nlp_obj: Any, query: str, text: str, sents: list[tuple[int, int]]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    wanted = query_lemmas(nlp_obj, query)
    nlp = nlp_obj.nlp
    out = []
    disable = [p for p in nlp.pipe_names if p in ("parser", "ner", "senter", "sentencizer")]
    with nlp.select_pipes(disable=disable):
        for (ss, se), doc in zip(
            sents, nlp.pipe((text[s:e] for s, e in sents), batch_size=256), strict=True
        ):
            found: dict[str, list[tuple[int, int]]] = {}
            for t in doc:
                for form in {(t.lemma_ or t.text).lower(), t.text.lower()}:
                    if form in wanted:
                        found.setdefault(form, []).append((t.idx, t.idx + len(t.text)))
            if all(w in found for w in wanted):
                spans = [sp for w in wanted for sp in found[w]]
                out.append(
                    ((ss, se), (ss + min(s for s, _ in spans), ss + max(e for _, e in spans)))
                )
    return out


def _fuzzy_hits(
    phrase: str, threshold: int, text: str, sents: list[tuple[int, int]]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    from rapidfuzz import fuzz

    needle = " ".join(phrase.split()).lower()
    out = []
    for ss, se in sents:
        hay = text[ss:se]
        low = hay.lower()
        if len(low) != len(hay):  # lower() changed the length: align on the original
            low = hay
        al = fuzz.partial_ratio_alignment(needle, low, score_cutoff=threshold)
        if al is None or al.score < threshold:
            continue
        ms, me = _word_bounds(text, ss + al.dest_start, ss + al.dest_end, ss, se)
        if me > ms:
            out.append(((ss, se), (ms, me)))
    return out
