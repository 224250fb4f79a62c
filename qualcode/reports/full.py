"""One report for the whole analysis: the document a research team hands to its funders.

``qualcode report full --format html|docx``. The report is a list of blocks (headings,
paragraphs, tables, charts, quotations) built by **section builders**, one function per
section, in the order of :data:`SECTIONS`:

1. :func:`title_page` — project, date, what the report covers (the document set, coders);
2. :func:`method` — qualitative content analysis after Mayring, the units, the coders and
   the coding agenda (every category with definition, anchor example and coding rule);
3. :func:`overview` — the frequency table of all categories, by each grouping attribute
   (table and chart);
4. :func:`categories` — per main category its definition, memos, frequencies of its
   sub-categories by group (table and chart) and the coded segments with their source
   and attributes;
5. :func:`memos` — project and document memos.

**Hook:** :data:`OPTIONAL_SECTIONS` is a list of further builders (each
``builder(ctx) -> list[Block]``) that run after the method section: the research
questions of Mayring's steps; the case summaries (a summary per document × category)
come before the memos (:mod:`qualcode.reports.full_mayring`); both are empty when the
project has none. Renderers for HTML and DOCX are in
:mod:`qualcode.reports.render`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.models import Coder, Memo
from qualcode.structure import NOT_RELEVANT

Block = tuple[Any, ...]


@dataclass
class Context:
    """What the section builders share: the session, the options, cached data."""

    session: Session
    title: str
    by: list[str]
    coder: str | None = None
    include_auto: bool = False
    max_segments: int | None = None
    set_name: str | None = None
    rq: str | None = None  # a research question: its categories, summaries and description only
    rq_id: int | None = None
    lang: str = "de"  # the report language (qualcode.reports.lang)
    agreement: list[str] | None = None  # coders to compare (`--agreement anna,engine`)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def tree(self) -> CodeTree:
        if "tree" not in self.cache:
            self.cache["tree"] = CodeTree.load(self.session)
        return self.cache["tree"]

    def main_categories(self) -> list[Any]:
        """The main categories the report covers, in tree order: the top-level codes but
        the not-relevant mark (with ``rq``: the question's)."""
        return [
            c
            for c in self.tree.ordered()
            if c.parent_id is None
            and c.name != NOT_RELEVANT
            and (self.rq_id is None or c.research_question_id == self.rq_id)
        ]

    def segments(self, path: str) -> list[dict]:
        """The coded segments of a main category with its sub-categories: its distinct
        spans, as ``report freq`` counts the sub-tree. A span coded with the same code by
        several coders, or with several of the category's codes, is one segment
        (``codes``: the paths of its codes)."""
        key = f"segments:{path}"
        if key not in self.cache:
            from qualcode.reports.segments import coded_segments

            self.cache[key] = _one_per_span(
                coded_segments(
                    self.session,
                    path,
                    children=True,
                    coder=self.coder,
                    include_auto=self.include_auto,
                )["segments"]
            )
        return self.cache[key]

    def segment_total(self) -> int:
        """The coded segments of the report: the sum of its categories' sections."""
        return sum(len(self.segments(self.tree.path(c))) for c in self.main_categories())

    def category_count(self) -> int:
        """Codable categories under the main categories (not the not-relevant mark)."""
        n = 0
        for c in self.main_categories():
            n += sum(1 for d in [c, *self.tree.descendants(c)] if d.codable)
        return n

    def freq(self, by: str | None = None, code: str | None = None) -> dict:
        """The frequency table (one scan of the codings per grouping attribute): a code's
        table is the rows of its sub-tree, which have the same figures as in the whole."""
        if code is not None:
            whole = self.freq(by)
            path = self.tree.path(self.tree.resolve(code))
            rows = [
                r for r in whole["rows"] if r["code"] == path or r["code"].startswith(path + "/")
            ]
            return {**whole, "code": path, "rows": rows}
        key = f"freq:{by}"
        if key not in self.cache:
            from qualcode.reports.frequency import frequency_table

            self.cache[key] = frequency_table(
                self.session, by=by, coder=self.coder, include_auto=self.include_auto
            )
        return self.cache[key]


def _one_per_span(segments: list[dict]) -> list[dict]:
    """``segments`` (in document order) with each span once: a span coded with several
    codes lists them in ``codes`` and its coders and memos together."""
    from qualcode.reports.segcore import segment_memo

    out: list[dict] = []
    by_span: dict[tuple[str, int, int], dict] = {}
    for s in segments:
        span = (s["document"], s["start"], s["end"])
        same = by_span.get(span)
        if same is None:
            by_span[span] = {**s, "codes": [s["code"]], "coders": list(s["coders"])}
            out.append(by_span[span])
            continue
        same["codes"].append(s["code"])
        same["coders"] += [c for c in s["coders"] if c not in same["coders"]]
        same["coder"] = ", ".join(same["coders"])
        same["memo"] = segment_memo(same["memo"], [s["memo"]])
    return out


def chart_png(table: dict, title: str | None = None, lang: str = "de") -> bytes | None:
    """The bar chart of a frequency table (None when it has no codes)."""
    from qualcode.reports.chart import frequency_chart
    from qualcode.reports.freqcore import named_groups

    table = named_groups(table, lang)

    if not table["rows"]:
        return None

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chart.png"
        frequency_chart(table, path, title=title, lang=lang, also=False)
        return path.read_bytes()


def freq_table_block(table: dict, lang: str = "de") -> Block:
    """Segments, documents and share per code (with sub-codes); per group the column %."""
    from qualcode.reports.freqcore import named_groups
    from qualcode.reports.numbers import num, pct

    table = named_groups(table, lang)
    groups = list(table["groups"])
    headers = (
        ["Kategorie", "Segmente", "Dokumente", "% Dokumente"]
        if lang == "de"
        else ["Category", "Segments", "Documents", "% documents"]
    ) + [f"{g} (n = {num(table['groups'][g], 0, lang)})" for g in groups]
    rows = []
    for r in table["rows"]:
        rows.append(
            [
                "\u2003" * (r["depth"] - 1) + r["name"],
                num(r["total_segments"], 0, lang),
                num(r["total_documents"], 0, lang),
            ]
            + [pct(r["total_share"], 1, lang)]
            + [pct(r["groups"][g]["total_share"], 1, lang) for g in groups]
        )
    return ("table", headers, rows)


# --- sections -------------------------------------------------------------------------------


def _count(n: int, one: str, many: str, lang: str) -> str:
    from qualcode.reports.numbers import num

    return f"{num(n, 0, lang)} {one if n == 1 else many}"


def title_page(ctx: Context) -> list[Block]:
    from qualcode.reports.common import document_count

    s, lg = ctx.session, ctx.lang
    docs = document_count(s)
    coders = [n for (n,) in s.execute(select(Coder.name).order_by(Coder.name))]
    # the same figures as the sections: segments of the categories below, summed
    segs, cats = ctx.segment_total(), ctx.category_count()
    if lg == "de":
        scope = f"Dokumentgruppe „{ctx.set_name}“: " if ctx.set_name else ""
        text = (
            f"{scope}{_count(docs, 'Dokument', 'Dokumente', lg)}, "
            f"{_count(segs, 'kodiertes Segment', 'kodierte Segmente', lg)} in "
            f"{_count(cats, 'Kategorie', 'Kategorien', lg)}; Kodierende: "
            + (", ".join(coders) or "—")
            + ". Ein Segment ist eine kodierte Stelle; von mehreren Kodierenden gleich "
            "kodiert, zählt sie einmal."
        )
        sub = f"Auswertung, Stand {date.today().strftime('%d.%m.%Y')}"
    else:
        scope = f"Document set “{ctx.set_name}”: " if ctx.set_name else ""
        text = (
            f"{scope}{_count(docs, 'document', 'documents', lg)}, "
            f"{_count(segs, 'coded segment', 'coded segments', lg)} in "
            f"{_count(cats, 'category', 'categories', lg)}; coders: "
            + (", ".join(coders) or "—")
            + ". A segment is a coded passage; coded alike by several coders, it counts once."
        )
        sub = f"Analysis as of {date.today().isoformat()}"
    return [("title", ctx.title, sub), ("p", text), ("pagebreak",)]


def method(ctx: Context) -> list[Block]:
    lg = ctx.lang
    if lg == "de":
        text = (
            "Die Protokolle wurden mit der qualitativen Inhaltsanalyse nach Mayring ausgewertet: "
            "Absätze (bei Bedarf Sätze) wurden den Kategorien des Kategoriensystems zugeordnet, "
            "das deduktiv angelegt und am Material induktiv weiterentwickelt wurde. Gezählt werden "
            "kodierte Segmente (eine von mehreren Kodierenden gleich kodierte Stelle zählt einmal) "
            "und die Dokumente, in denen eine Kategorie vorkommt."
            + (
                " Automatisch kodierte Stellen (Kodierer „auto“) sind nicht enthalten."
                if not ctx.include_auto
                else ""
            )
        )
        head = ["Kategorie", "Definition", "Ankerbeispiel", "Kodierregel"]
    else:
        text = (
            "The documents were analysed with qualitative content analysis after Mayring: "
            "paragraphs (sentences where needed) were assigned to the categories of the category "
            "system, which was set up deductively and developed inductively on the material. "
            "The figures count coded segments (a passage coded alike by several coders counts "
            "once) and the documents in which a category occurs."
            + (
                " Passages coded automatically (coder “auto”) are not included."
                if not ctx.include_auto
                else ""
            )
        )
        head = ["Category", "Definition", "Anchor example", "Coding rule"]
    blocks: list[Block] = [
        ("h1", "Methode" if lg == "de" else "Method"),
        ("p", text),
        ("h2", "Kodierleitfaden" if lg == "de" else "Coding agenda"),
    ]
    rows = []
    for c in ctx.tree.ordered():
        if c.parent_id is None and c.name == NOT_RELEVANT:
            continue
        depth = len(ctx.tree.path(c).split("/"))
        rows.append(["\u2003" * (depth - 1) + c.name, c.definition, c.anchor, c.rule])
    blocks.append(("table", head, rows))
    return blocks


def _by(lang: str, by: str | None) -> str:
    return "" if not by else (f" nach {by}" if lang == "de" else f" by {by}")


def overview(ctx: Context) -> list[Block]:
    lg = ctx.lang
    blocks: list[Block] = [
        ("h1", "Häufigkeiten im Überblick" if lg == "de" else "Frequencies at a glance")
    ]
    table = ctx.freq()
    blocks.append(freq_table_block(table, lg))
    caption = (
        "Anteil der Dokumente je Kategorie" if lg == "de" else "Share of documents per category"
    )
    for by in ctx.by:
        t = ctx.freq(by=by)
        heading = (f"Nach {t['by']}") if lg == "de" else f"By {t['by']}"
        blocks += [("h2", heading), freq_table_block(t, lg)]
        blocks += _image(chart_png(t, lang=lg), caption + _by(lg, t["by"]))
    if not ctx.by:
        blocks += _image(chart_png(table, lang=lg), caption)
    return blocks


def _image(png: bytes | None, caption: str) -> list[Block]:
    return [] if png is None else [("image", png, caption)]


def _memos(ctx: Context, kind: str, ids: list[int]) -> list[str]:
    if not ids:
        return []
    stmt = select(Memo.text).where(Memo.target_type == kind, Memo.target_id.in_(ids))  # type: ignore[union-attr]
    return [t for (t,) in ctx.session.execute(stmt.order_by(Memo.id)) if t.strip()]


def categories(ctx: Context) -> list[Block]:
    from qualcode.reports.numbers import num, tr

    lg = ctx.lang
    blocks: list[Block] = []
    for c in ctx.main_categories():
        path = ctx.tree.path(c)
        blocks += [("pagebreak",), ("h1", c.name)]
        fields = [
            ("Definition", c.definition),
            (tr(lg, "Ankerbeispiel", "Anchor example"), c.anchor),
            (tr(lg, "Kodierregel", "Coding rule"), c.rule),
        ]
        if c.description:
            fields.insert(0, (tr(lg, "Beschreibung", "Description"), c.description))
        blocks.append(("dl", [(k, v) for k, v in fields if v]))
        sub_ids = [c.id] + [d.id for d in ctx.tree.descendants(c)]
        for text in _memos(ctx, "code", sub_ids):  # type: ignore[arg-type]
            blocks.append(("note", "Memo", text))
        by = ctx.by[0] if ctx.by else None
        t = ctx.freq(by=by, code=path)
        blocks += [
            ("h2", tr(lg, "Häufigkeiten", "Frequencies") + _by(lg, t["by"])),
            freq_table_block(t, lg),
        ]
        if len(t["rows"]) > 1:
            title = c.name + _by(lg, t["by"])
            blocks += _image(chart_png(t, title=title, lang=lg), "")
        segs = ctx.segments(path)
        shown = segs if ctx.max_segments is None else segs[: ctx.max_segments]
        blocks.append(
            ("h2", f"{tr(lg, 'Kodierte Segmente', 'Coded segments')} ({num(len(segs), 0, lg)})")
        )
        if len(shown) < len(segs):
            blocks.append(
                (
                    "p",
                    tr(
                        lg,
                        f"Die ersten {num(len(shown), 0, lg)} von {num(len(segs), 0, lg)} "
                        "Segmenten (nach Dokument).",
                        f"The first {num(len(shown), 0, lg)} of {num(len(segs), 0, lg)} "
                        "segments (by document).",
                    ),
                )
            )
        chars = tr(lg, "Zeichen", "characters")
        for s in shown:
            attrs = " · ".join(f"{k}: {v}" for k, v in s["attributes"].items())
            source = (
                f"{s['document']}, {chars} {num(s['start'], 0, lg)}–{num(s['end'], 0, lg)} · "
                f"{', '.join(c.split('/')[-1] for c in s['codes'])} · {s['coder']}"
            )
            blocks.append(("quote", s["text"].strip(), source + (f" · {attrs}" if attrs else "")))
            if s["memo"]:
                blocks.append(("note", "Memo", s["memo"]))
    return blocks


def memos(ctx: Context) -> list[Block]:
    from qualcode.memos import list_memos
    from qualcode.reports.numbers import tr

    lg = ctx.lang
    rows = [
        m
        for m in list_memos(ctx.session)
        if m["on"] in ("project", "document") and m["text"].strip()
    ]
    if not rows:
        return []
    blocks: list[Block] = [("pagebreak",), ("h1", "Memos")]
    for m in rows:
        head = (
            tr(lg, "Projekt", "Project")
            if m["on"] == "project"
            else f"{tr(lg, 'Dokument', 'Document')} {m['document']}"
        )
        blocks.append(("note", head + (f": {m['title']}" if m["title"] else ""), m["text"]))
    return blocks


Builder = Callable[[Context], list[Block]]
# Optional sections after the method (research questions, case summaries …): append builders.
OPTIONAL_SECTIONS: list[Builder] = []
SECTIONS: list[Builder] = [title_page, method, overview, categories, memos]


def build(ctx: Context) -> list[Block]:
    """All blocks of the report, section by section."""
    blocks: list[Block] = []
    for builder in SECTIONS:
        blocks += builder(ctx)
        if builder is method:
            for extra in OPTIONAL_SECTIONS:
                blocks += extra(ctx)
    return blocks


def default_by(session: Session) -> list[str]:
    """The attributes that group documents (not one value per document, like Datum): Format first."""
    from qualcode.models import DocumentAttribute

    value = DocumentAttribute.value
    keys = [
        k
        for k, values, docs in session.execute(
            select(DocumentAttribute.key, func.count(value.distinct()), func.count())
            .group_by(DocumentAttribute.key)
            .order_by(DocumentAttribute.key)
        )
        if values < docs and values <= 12
    ]
    if "Format" in keys:
        keys.remove("Format")
        keys.insert(0, "Format")
    return keys[:2]


from qualcode.reports.full_mayring import case_summaries, research_questions  # noqa: E402

OPTIONAL_SECTIONS.append(research_questions)

from qualcode.reports.full_agreement import agreement_section  # noqa: E402

OPTIONAL_SECTIONS.append(agreement_section)
SECTIONS.insert(SECTIONS.index(memos), case_summaries)
