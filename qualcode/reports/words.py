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
import re
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
# Besides spaCy's German stop words: forms of address and agenda words of protocols, and
# conjunctions and abbreviations spaCy's list lacks.
PROTOCOL_STOPWORDS = frozenset(
    {"frau", "herr", "dr", "prof", "top", "uhr", "sodass", "bzw", "ggf", "usw", "ca", "z.b"}
)

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


_TOKEN = re.compile(r"[^\W\d_][\w-]*")


def surface_forms(pieces: list[str], lemmatize, wanted: set[str]) -> dict[str, str]:
    """lemma → how it is written in the text, for the ``wanted`` lemmas: its own most
    frequent spelling ("Zeit" for *zeit*), else capitalised when most of its inflected forms
    are (nouns: "Kind" from "Kinder"), else the lemma. Only tokens that share their first
    two letters with a wanted lemma are lemmatised again."""
    heads = {w[:2] for w in wanted}
    tokens: Counter = Counter(
        t for p in pieces for t in _TOKEN.findall(p) if t[:2].lower() in heads
    )
    uniq = list(tokens)
    forms: dict[str, Counter] = {}
    for tok, lems in zip(uniq, lemmatize(uniq), strict=True):
        if len(lems) == 1:
            forms.setdefault(lems[0], Counter())[tok] += tokens[tok]
    out = {}
    for lemma, c in forms.items():
        exact = [(n, f) for f, n in c.items() if f.lower() == lemma]
        if exact:
            out[lemma] = max(exact)[1]
        else:
            upper = sum(n for f, n in c.items() if f[:1].isupper())
            out[lemma] = lemma[:1].upper() + lemma[1:] if 2 * upper > c.total() else lemma
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
    "categories": [{"code", "segments", "lemma_count", "rows": [{"lemma", "form", "count",
    "per_1000", "rest", "rest_per_1000", "ll"}]}]}``; ``form`` is the lemma as the text
    writes it (:func:`surface_forms`), for charts and word clouds."""
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
                    "form": lemma,
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
        rows = rows[:top]
        forms = surface_forms(pieces, lemmatize, {r["lemma"] for r in rows})
        for r in rows:
            r["form"] = forms.get(r["lemma"], r["lemma"])
        out.append(
            {"code": tree.path(cat), "segments": n_segments, "lemma_count": n1, "rows": rows}
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
        else ["Category", "Lemma", "Count", "per 1,000", "Rest", "Rest per 1,000", "Log-likelihood"]
    )
    rows = [
        [c["code"], r["lemma"], r["count"], r["per_1000"], r["rest"], r["rest_per_1000"], r["ll"]]
        for c in data["categories"]
        for r in c["rows"]
    ]
    kinds = [TEXT, TEXT, INT, FLOAT, INT, FLOAT, FLOAT]
    return [Sheet("Wörter" if de else "Words", headers, rows, kinds, freeze_cols=2)]


def words_chart(
    data: dict,
    path: str | Path,
    *,
    bars: int = 20,
    lang: str = "de",
    colors: dict[str, str] | None = None,
    also: bool = True,
) -> Path:
    """One horizontal bar chart per category: the most frequent lemmas (as the text writes
    them), bars of over-represented lemmas (G² ≥ 3.84) in the category's colour, others grey."""
    from qualcode.reports import figures
    from qualcode.reports.chart import check_suffix

    path = Path(path)
    check_suffix(path)
    with figures.style() as plt:
        fig = words_figure(plt, data, bars=bars, lang=lang, colors=colors)
        figures.save(fig, path, also=also)
    return path


def _category_color(colors: dict[str, str] | None, code: str, k: int) -> str:
    from qualcode.reports import figures

    return figures.color_of((colors or {}).get(code), figures.OKABE_ITO[k % len(figures.OKABE_ITO)])


def words_figure(
    plt, data: dict, *, bars: int = 20, lang: str = "de", colors: dict[str, str] | None = None
):
    """The laid-out figure of :func:`words_chart` (two categories side by side)."""
    from qualcode.reports import figures
    from qualcode.reports.numbers import num, tr

    cats = data["categories"]
    n = len(cats)
    cols = min(n, 2)
    rows_n = -(-n // cols)
    shown = max((min(len(c["rows"]), bars) for c in cats), default=1)
    fig, axes = figures.figure(
        plt, (0.36 * shown + 1.6) * rows_n + 1.4, nrows=rows_n, ncols=cols, squeeze=False
    )
    for k, ax in enumerate(axes.flat):
        if k >= n:
            ax.axis("off")
            continue
        c = cats[k]
        rs = sorted(c["rows"], key=lambda r: -r["count"])[:bars][::-1]
        color = _category_color(colors, c["code"], k)
        ax.barh(
            [r.get("form", r["lemma"]) for r in rs],
            [r["count"] for r in rs],
            color=[color if r["ll"] >= 3.84 else figures.NEUTRAL for r in rs],
        )
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=7)
        ax.set_title(figures.wrap(c["code"].split("/")[-1], 7, 8.5), fontsize=8.5, loc="left")
    figures.title(
        fig,
        tr(
            lang,
            f"Häufigste Wörter je Kategorie (farbig: überrepräsentiert, G² ≥ {num(3.84, 2, lang)})",
            "Most frequent words per category (coloured: over-represented, "
            f"G² ≥ {num(3.84, 2, lang)})",
        ),
    )
    figures.layout(fig, lang)
    return fig


def word_cloud(
    data: dict,
    path: str | Path,
    *,
    lang: str = "de",
    colors: dict[str, str] | None = None,
    also: bool = True,
) -> Path:
    """A word cloud of the first category's words (sized by count, written as in the text;
    over-represented ones in the category's colour) as PNG, SVG and PDF."""
    from qualcode.reports import figures
    from qualcode.reports.chart import check_suffix

    path = Path(path)
    check_suffix(path, "a word cloud")
    if not data["categories"] or not data["categories"][0]["rows"]:
        raise InvalidInput("no words to draw", "the category has no coded text")
    with figures.style() as plt:
        fig = cloud_figure(plt, data, lang=lang, colors=colors)
        figures.save(fig, path, also=also)
    return path


CLOUD_W, CLOUD_H = 1600, 900  # layout canvas (pixels) of the cloud, 16 cm wide


def cloud_figure(plt, data: dict, *, lang: str = "de", colors: dict[str, str] | None = None):
    """The word cloud drawn with matplotlib text (vector, fonts embedded): wordcloud places
    the words (DejaVu Sans, horizontal, a margin between them) by their ink boxes; each
    word is drawn on the baseline of its box, and the canvas keeps a border for the parts
    of a line beyond the ink, so no word is cut at the edges."""
    from matplotlib import font_manager
    from PIL import ImageFont
    from wordcloud import WordCloud

    from qualcode.reports import figures
    from qualcode.reports.numbers import tr

    cat = data["categories"][0]
    rows = {r.get("form", r["lemma"]): r for r in cat["rows"]}
    freqs = {form: r["count"] for form, r in rows.items()}
    font = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    wc = WordCloud(
        font_path=font,
        width=CLOUD_W,
        height=CLOUD_H,
        margin=10,
        prefer_horizontal=1.0,
        random_state=1,
        max_words=len(freqs),
        min_font_size=14,
        relative_scaling=0.5,
        collocations=False,
        normalize_plurals=False,
    ).generate_from_frequencies(freqs)
    biggest = max((size for _w, size, _p, _o, _c in wc.layout_), default=20)
    pad, pad_top = 0.3 * biggest, 0.1 * biggest  # room for a text box's descent and ascent
    width_pt = figures.WIDTH_CM * figures.CM * 72
    scale = width_pt / (CLOUD_W + 2 * pad)  # points per canvas pixel, both ways
    title = figures.wrap(
        tr(
            lang,
            f"{cat['code'].split('/')[-1]}: häufigste Wörter (farbig: überrepräsentiert)",
            f"{cat['code'].split('/')[-1]}: most frequent words (coloured: over-represented)",
        ),
        15,
        9,
    )
    title_pt = 14 * (title.count("\n") + 1) + 8
    cloud_pt = (CLOUD_H + pad + pad_top) * scale
    fig = plt.figure(figsize=(width_pt / 72, (cloud_pt + title_pt) / 72))
    ax = fig.add_axes((0.0, 0.0, 1.0, cloud_pt / (cloud_pt + title_pt)))
    ax.set_xlim(-pad, CLOUD_W + pad)
    ax.set_ylim(CLOUD_H + pad, -pad_top)
    ax.axis("off")
    color = _category_color(colors, cat["code"], 0)
    for (word, _freq), size, (row, col), _orient, _color in wc.layout_:
        ink_top = -ImageFont.truetype(font, size).getbbox(word, anchor="ls")[1]
        ax.text(
            col,
            row + ink_top,
            word,
            fontsize=size * scale,
            ha="left",
            va="baseline",
            color=color if rows[word]["ll"] >= 3.84 else "#777777",
        )
    fig.text(0.01, 1 - 4 / (cloud_pt + title_pt), title, ha="left", va="top", fontsize=9)
    return fig
