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
        """The coded segments of a main category with its sub-categories, as ``report
        segments --children`` lists them (a span coded with the same code by several coders
        is one segment)."""
        key = f"segments:{path}"
        if key not in self.cache:
            from qualcode.reports.segments import coded_segments

            self.cache[key] = coded_segments(
                self.session,
                path,
                children=True,
                coder=self.coder,
                include_auto=self.include_auto,
            )["segments"]
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


def chart_png(table: dict, title: str | None = None) -> bytes | None:
    """The bar chart of a frequency table (None when it has no codes)."""
    from qualcode.reports.chart import frequency_chart

    if not table["rows"]:
        return None

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chart.png"
        frequency_chart(table, path, title=title)
        return path.read_bytes()


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %".replace(".", ",")


def freq_table_block(table: dict) -> Block:
    """Segments, documents and share per code (with sub-codes); per group the column %."""
    groups = list(table["groups"])
    headers = ["Kategorie", "Segmente", "Dokumente", "% Dokumente"] + [
        f"{g} (n = {table['groups'][g]})" for g in groups
    ]
    rows = []
    for r in table["rows"]:
        rows.append(
            ["\u2003" * (r["depth"] - 1) + r["name"], r["total_codings"], r["total_documents"]]
            + [_pct(r["total_share"])]
            + [_pct(r["groups"][g]["total_share"]) for g in groups]
        )
    return ("table", headers, rows)


# --- sections -------------------------------------------------------------------------------


def title_page(ctx: Context) -> list[Block]:
    from qualcode.textutil import plural

    s = ctx.session
    from qualcode.reports.common import document_count

    docs = document_count(s)
    coders = [n for (n,) in s.execute(select(Coder.name).order_by(Coder.name))]
    scope = f"Dokumentgruppe „{ctx.set_name}“: " if ctx.set_name else ""
    # the same figures as the sections: segments of the categories below, summed
    return [
        ("title", ctx.title, f"Auswertung, Stand {date.today().isoformat()}"),
        (
            "p",
            f"{scope}{plural(docs, 'Dokument', 'Dokumente')}, "
            f"{plural(ctx.segment_total(), 'kodiertes Segment', 'kodierte Segmente')} in "
            f"{plural(ctx.category_count(), 'Kategorie', 'Kategorien')}; Kodierende: "
            + (", ".join(coders) or "—")
            + ". Ein Segment ist eine kodierte Stelle; von mehreren Kodierenden gleich "
            "kodiert, zählt sie einmal.",
        ),
        ("pagebreak",),
    ]


def method(ctx: Context) -> list[Block]:
    blocks: list[Block] = [
        ("h1", "Methode"),
        (
            "p",
            "Die Protokolle wurden mit der qualitativen Inhaltsanalyse nach Mayring ausgewertet: "
            "Absätze (bei Bedarf Sätze) wurden den Kategorien des Kategoriensystems zugeordnet, "
            "das deduktiv angelegt und am Material induktiv weiterentwickelt wurde. Gezählt werden "
            "kodierte Segmente (eine von mehreren Kodierenden gleich kodierte Stelle zählt einmal) "
            "und die Dokumente, in denen eine Kategorie vorkommt."
            + (
                " Automatisch kodierte Stellen (Kodierer „auto“) sind nicht enthalten."
                if not ctx.include_auto
                else ""
            ),
        ),
        ("h2", "Kodierleitfaden"),
    ]
    rows = []
    for c in ctx.tree.ordered():
        if c.parent_id is None and c.name == NOT_RELEVANT:
            continue
        depth = len(ctx.tree.path(c).split("/"))
        rows.append(["\u2003" * (depth - 1) + c.name, c.definition, c.anchor, c.rule])
    blocks.append(("table", ["Kategorie", "Definition", "Ankerbeispiel", "Kodierregel"], rows))
    return blocks


def overview(ctx: Context) -> list[Block]:
    blocks: list[Block] = [("h1", "Häufigkeiten im Überblick")]
    table = ctx.freq()
    blocks.append(freq_table_block(table))
    for by in ctx.by:
        t = ctx.freq(by=by)
        blocks += [("h2", f"Nach {t['by']}"), freq_table_block(t)]
        blocks += _image(chart_png(t), f"Anteil der Dokumente je Kategorie nach {t['by']}")
    if not ctx.by:
        blocks += _image(chart_png(table), "Anteil der Dokumente je Kategorie")
    return blocks


def _image(png: bytes | None, caption: str) -> list[Block]:
    return [] if png is None else [("image", png, caption)]


def _memos(ctx: Context, kind: str, ids: list[int]) -> list[str]:
    if not ids:
        return []
    stmt = select(Memo.text).where(Memo.target_type == kind, Memo.target_id.in_(ids))  # type: ignore[union-attr]
    return [t for (t,) in ctx.session.execute(stmt.order_by(Memo.id)) if t.strip()]


def categories(ctx: Context) -> list[Block]:
    blocks: list[Block] = []
    for c in ctx.main_categories():
        path = ctx.tree.path(c)
        blocks += [("pagebreak",), ("h1", c.name)]
        fields = [
            ("Definition", c.definition),
            ("Ankerbeispiel", c.anchor),
            ("Kodierregel", c.rule),
        ]
        if c.description:
            fields.insert(0, ("Beschreibung", c.description))
        blocks.append(("dl", [(k, v) for k, v in fields if v]))
        sub_ids = [c.id] + [d.id for d in ctx.tree.descendants(c)]
        for text in _memos(ctx, "code", sub_ids):  # type: ignore[arg-type]
            blocks.append(("note", "Memo", text))
        by = ctx.by[0] if ctx.by else None
        t = ctx.freq(by=by, code=path)
        blocks += [
            ("h2", "Häufigkeiten" + (f" nach {t['by']}" if t["by"] else "")),
            freq_table_block(t),
        ]
        if len(t["rows"]) > 1:
            title = c.name + (f" nach {t['by']}" if t["by"] else "")
            blocks += _image(chart_png(t, title=title), "")
        segs = ctx.segments(path)
        shown = segs if ctx.max_segments is None else segs[: ctx.max_segments]
        blocks.append(("h2", f"Kodierte Segmente ({len(segs)})"))
        if len(shown) < len(segs):
            blocks.append(
                ("p", f"Die ersten {len(shown)} von {len(segs)} Segmenten (nach Dokument).")
            )
        for s in shown:
            attrs = " · ".join(f"{k}: {v}" for k, v in s["attributes"].items())
            source = f"{s['document']}, Zeichen {s['start']}–{s['end']} · {s['code'].split('/')[-1]} · {s['coder']}"
            blocks.append(("quote", s["text"].strip(), source + (f" · {attrs}" if attrs else "")))
            if s["memo"]:
                blocks.append(("note", "Memo", s["memo"]))
    return blocks


def memos(ctx: Context) -> list[Block]:
    from qualcode.memos import list_memos

    rows = [
        m
        for m in list_memos(ctx.session)
        if m["on"] in ("project", "document") and m["text"].strip()
    ]
    if not rows:
        return []
    blocks: list[Block] = [("pagebreak",), ("h1", "Memos")]
    for m in rows:
        head = "Projekt" if m["on"] == "project" else f"Dokument {m['target']}"
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
