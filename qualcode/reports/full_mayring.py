"""Sections of the full report from Mayring's steps: research questions and case summaries.

Registered in :data:`qualcode.reports.full.OPTIONAL_SECTIONS`; each returns no blocks when
the project has no research questions or no summaries, so a project that does not use
these steps gets the report without empty headings.
"""

from __future__ import annotations

from qualcode.reports.full import Block, Context

UNIT = {"paragraph": "Absatz", "sentence": "Satz", "document": "Dokument"}
TECHNIQUE = {
    "inductive": "induktive Kategorienbildung",
    "deductive": "deduktive Kategorienanwendung",
}
UNIT_EN = {"paragraph": "paragraph", "sentence": "sentence", "document": "document"}
TECHNIQUE_EN = {
    "inductive": "inductive category formation",
    "deductive": "deductive category application",
}
FIELDS = {
    "de": ("Technik", "Selektionskriterium", "Abstraktionsniveau", "Kodiereinheit",
           "Kontexteinheit", "Auswertungseinheit", "Hauptkategorien", "Kodierte Segmente"),
    "en": ("Technique", "Selection criterion", "Level of abstraction", "Coding unit",
           "Context unit", "Recording unit", "Main categories", "Coded segments"),
}  # fmt: skip


def research_questions(ctx: Context) -> list[Block]:
    from qualcode.mayring.questions import list_questions

    questions = list_questions(ctx.session)
    if ctx.rq is not None:
        questions = [q for q in questions if q["id"] == ctx.rq_id]
    if not questions:
        return []
    de = ctx.lang == "de"
    unit, technique = (UNIT, TECHNIQUE) if de else (UNIT_EN, TECHNIQUE_EN)
    names = FIELDS["de" if de else "en"]
    blocks: list[Block] = [("h1", "Fragestellungen" if de else "Research questions")]
    for q in questions:
        blocks.append(("h2", f"{q['name']}: {q['question']}" if q["question"] else q["name"]))
        values = [
            technique.get(q["technique"], q["technique"]),
            q["criterion"],
            q["abstraction"],
            unit.get(q["coding_unit"], q["coding_unit"]),
            unit.get(q["context_unit"], q["context_unit"]),
            unit.get(q["recording_unit"], q["recording_unit"]),
            "; ".join(q["categories"]),
            _segments(ctx, q["categories"]),
        ]
        blocks.append(("dl", [(k, str(v)) for k, v in zip(names, values, strict=True) if v]))
    return blocks


def _segments(ctx: Context, categories: list[str]) -> str:
    """The question's coded segments and their documents, counted as the category sections
    count them (:meth:`Context.segments`)."""
    from qualcode.reports.numbers import num

    segs = [s for path in categories for s in ctx.segments(path)]
    docs = len({s["document"] for s in segs})
    what = (
        ("Dokument" if docs == 1 else "Dokumenten")
        if ctx.lang == "de"
        else ("document" if docs == 1 else "documents")
    )
    return f"{num(len(segs), 0, ctx.lang)} in {num(docs, 0, ctx.lang)} {what}"


def case_summaries(ctx: Context) -> list[Block]:
    from qualcode.mayring.summaries import summary_grid
    from qualcode.reports.summaries import summary_text

    grid = summary_grid(ctx.session, rq=ctx.rq)
    if not grid["summary_count"]:
        return []
    de = ctx.lang == "de"
    blocks: list[Block] = [
        ("pagebreak",),
        ("h1", "Fallzusammenfassungen" if de else "Case summaries"),
        (
            "p",
            "Zusammenfassung je Dokument und Kategorie (zusammenfassende Inhaltsanalyse)."
            if de
            else "A summary per document and category (summarising content analysis).",
        ),
    ]
    for code in grid["code_paths"]:
        blocks.append(("h2", code))
        for row in grid["rows"]:
            text = summary_text(row, code)
            if text:
                attrs = ", ".join(f"{k}: {v}" for k, v in row["attributes"].items() if v)
                blocks.append(
                    ("quote", text.strip(), row["document"] + (f" · {attrs}" if attrs else ""))
                )
    return blocks
