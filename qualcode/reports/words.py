"""Word frequencies per category, with their over-representation against the rest of the corpus.

For each category (the main categories, or ``--code PATH``) the text of its coded
segments (sub-codes included; overlapping segments counted once) is split into lemmas
(spaCy's tokenizer and the lookup lemmatizer of spacy-lookups-data, or the configured
pipeline), stop words left out: spaCy's German list and forms of address (Frau, Herr,
Dr, …: :data:`PROTOCOL_STOPWORDS`), plus the project setting
``words.stopwords`` and ``--stop``. Each lemma gets its count and rate per 1,000 lemmas
in the category, the same in the rest of the corpus (all documents of the report
minus the category's segments), and Dunning's log-likelihood G² of the difference
(Rayson & Garside 2000): positive when the lemma is over-represented in the category,
negative when under-represented; |G²| ≥ 3.84 is p < 0.05, ≥ 6.63 p < 0.01.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.errors import InvalidInput
from qualcode.models import Coding, Document
from qualcode.reports.common import coding_filter, document_ids, raw_rows
from qualcode.reports.frequency import code_levels

SORTS = ("count", "ll")
# Besides spaCy's German stop words: forms of address and agenda words of protocols.
PROTOCOL_STOPWORDS = frozenset({"frau", "herr", "dr", "prof", "top", "uhr"})

if TYPE_CHECKING:
    from qualcode.schemas.reports import WordCategory, WordRow, WordsReport


def log_likelihood(a: int, b: int, n1: int, n2: int) -> float:
    """Signed G² of a lemma seen ``a`` times in ``n1`` lemmas and ``b`` times in ``n2``."""
    if n1 == 0 or n2 == 0 or a + b == 0:
        return 0.0
    e1 = n1 * (a + b) / (n1 + n2)
    e2 = n2 * (a + b) / (n1 + n2)
    g2 = 2 * ((a * math.log(a / e1) if a else 0.0) + (b * math.log(b / e2) if b else 0.0))
    return round(g2 if a / n1 >= b / n2 else -g2, 2)


def parse_stopwords(text: str | None) -> set[str]:
    return {w.strip().lower() for w in (text or "").replace(",", " ").split() if w.strip()}


def _lemmatizer(nlp_obj: Any):
    if nlp_obj.level == "pipeline":
        from qualcode.nlp import lemmas

        return lambda texts: lemmas(nlp_obj, texts)
    from qualcode.suggest.features import _analyse_lookup

    return lambda texts: _analyse_lookup(nlp_obj.nlp, texts)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def word_frequencies(
    session: Session,
    nlp_obj: Any,
    *,
    code: str | None = None,
    level: int = 1,
    top: int = 50,
    sort: str = "count",
    stopwords: set[str] | None = None,
    coder: str | None = None,
    include_auto: bool = False,
) -> WordsReport:
    """``{"code", "level", "top", "sort", "stopwords", "documents", "corpus_lemmas",
    "categories": [{"code", "segments", "lemma_count", "rows": [{"lemma", "count",
    "per_1000", "rest", "rest_per_1000", "ll"}]}]}``."""
    if top < 1:
        raise InvalidInput(f"--top must be 1 or more (got {top})", "e.g. --top 50")
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r}", "use count or ll")
    tree = CodeTree.load(session)
    shown, _target, depth = code_levels(tree, None)
    if code:
        root = tree.resolve(code)
        categories = [root]
    else:
        categories = [c for c in shown if depth[c.id] == level]  # type: ignore[index]
    if not categories:
        raise InvalidInput("there are no categories to count", "create codes, or give --code PATH")
    docs = document_ids(session)
    texts: dict[int, str] = dict(
        raw_rows(session, select(Document.id, Document.text).where(Document.id.in_(docs)))  # type: ignore[attr-defined]
    )
    lemmatize = _lemmatizer(nlp_obj)
    stop = set(PROTOCOL_STOPWORDS) | (stopwords or set())

    def count(pieces: list[str]) -> Counter:
        c: Counter = Counter()
        for lem in lemmatize(pieces):
            c.update(w for w in lem if w not in stop)
        return c

    order = sorted(texts)
    corpus = count([texts[d] for d in order])
    n_all = sum(corpus.values())
    where = coding_filter(session, coder, include_auto)
    out: list[WordCategory] = []
    for cat in categories:
        ids = [cat.id] + [d.id for d in tree.descendants(cat)]
        stmt = select(Coding.document_id, Coding.start, Coding.end).where(
            Coding.code_id.in_(ids),  # type: ignore[attr-defined]
            Coding.orphaned.is_(False),  # type: ignore[attr-defined]
        )
        if where is not None:
            stmt = stmt.where(where)
        spans: dict[int, list[tuple[int, int]]] = {}
        n_segments = 0
        for did, s, e in set(raw_rows(session, stmt)):
            spans.setdefault(did, []).append((s, e))
            n_segments += 1
        pieces = [texts[d][s:e] for d in sorted(spans) if d in texts for s, e in _merge(spans[d])]
        mine = count(pieces)
        n1 = sum(mine.values())
        n2 = max(n_all - n1, 0)
        rows: list[WordRow] = []
        for lemma, a in mine.items():
            b = max(corpus.get(lemma, 0) - a, 0)
            rows.append(
                {
                    "lemma": lemma,
                    "count": a,
                    "per_1000": round(1000 * a / n1, 2) if n1 else 0.0,
                    "rest": b,
                    "rest_per_1000": round(1000 * b / n2, 2) if n2 else 0.0,
                    "ll": log_likelihood(a, b, n1, n2),
                }
            )
        key = (
            (lambda r: (-r["count"], -r["ll"], r["lemma"]))
            if sort == "count"
            else (lambda r: (-r["ll"], -r["count"], r["lemma"]))
        )
        rows.sort(key=key)
        out.append(
            {"code": tree.path(cat), "segments": n_segments, "lemma_count": n1, "rows": rows[:top]}
        )
    return {
        "code": code and tree.path(tree.resolve(code)),
        "level": None if code else level,
        "top": top,
        "sort": sort,
        "stopwords": sorted(stop),
        "documents": len(docs),
        "corpus_lemmas": n_all,
        "categories": out,
    }


def words_sheets(data: dict, *, lang: str = "de"):
    from qualcode.reports.export import FLOAT, INT, TEXT, Sheet

    de = lang == "de"
    headers = (
        ["Kategorie", "Lemma", "Anzahl", "je 1000", "Rest", "Rest je 1000", "Log-Likelihood"]
        if de
        else ["code", "lemma", "count", "per 1000", "rest", "rest per 1000", "LL"]
    )
    rows = [
        [c["code"], r["lemma"], r["count"], r["per_1000"], r["rest"], r["rest_per_1000"], r["ll"]]
        for c in data["categories"]
        for r in c["rows"]
    ]
    kinds = [TEXT, TEXT, INT, FLOAT, INT, FLOAT, FLOAT]
    return [Sheet("Wörter" if de else "Words", headers, rows, kinds, freeze_cols=2)]


def words_chart(data: dict, path: str | Path, *, bars: int = 20) -> Path:
    """One horizontal bar chart per category: the most frequent lemmas, bars of
    over-represented lemmas (G² ≥ 3.84) in the category colour, others grey."""
    from qualcode.reports.chart import CHART_SUFFIXES, GROUP_COLORS

    path = Path(path)
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise InvalidInput(f"cannot draw a chart as {path.name!r}", "give FILE.png or FILE.svg")
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    cats = data["categories"]
    n = len(cats)
    cols = min(n, 3)
    rows_n = -(-n // cols)
    fig, axes = plt.subplots(
        rows_n, cols, figsize=(4.2 * cols, 0.22 * bars * rows_n + 1.2), dpi=150, squeeze=False
    )
    try:
        for k, ax in enumerate(axes.flat):
            if k >= n:
                ax.axis("off")
                continue
            c = cats[k]
            rs = sorted(c["rows"], key=lambda r: -r["count"])[:bars][::-1]
            color = GROUP_COLORS[k % len(GROUP_COLORS)]
            ax.barh(
                [r["lemma"] for r in rs],
                [r["count"] for r in rs],
                color=[color if r["ll"] >= 3.84 else "#BBBBBB" for r in rs],
            )
            ax.tick_params(labelsize=7)
            ax.set_title(c["code"].split("/")[-1][:40], fontsize=9, loc="left")
        fig.suptitle(
            "Häufigste Lemmata je Kategorie (farbig: überrepräsentiert, G² ≥ 3,84)", fontsize=10
        )
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path


def word_cloud(data: dict, path: str | Path) -> Path:
    """A word cloud (PNG) of the first category's lemmas, sized by count."""
    from wordcloud import WordCloud

    freqs = {r["lemma"]: r["count"] for r in data["categories"][0]["rows"]}
    if not freqs:
        raise InvalidInput("no words to draw", "the category has no coded text")
    WordCloud(
        width=1200,
        height=700,
        background_color="white",
        random_state=1,
        color_func=lambda *args, **kwargs: "#2F5597",
    ).generate_from_frequencies(freqs).to_file(str(path))
    return Path(path)
