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


def research_questions(ctx: Context) -> list[Block]:
    from qualcode.mayring.questions import list_questions

    questions = list_questions(ctx.session)
    if ctx.rq is not None:
        questions = [q for q in questions if q["id"] == ctx.rq_id]
    if not questions:
        return []
    blocks: list[Block] = [("h1", "Fragestellungen")]
    for q in questions:
        blocks.append(("h2", f"{q['name']}: {q['question']}" if q["question"] else q["name"]))
        fields = [
            ("Technik", TECHNIQUE.get(q["technique"], q["technique"])),
            ("Selektionskriterium", q["criterion"]),
            ("Abstraktionsniveau", q["abstraction"]),
            ("Kodiereinheit", UNIT.get(q["coding_unit"], q["coding_unit"])),
            ("Kontexteinheit", UNIT.get(q["context_unit"], q["context_unit"])),
            ("Auswertungseinheit", UNIT.get(q["recording_unit"], q["recording_unit"])),
            ("Hauptkategorien", "; ".join(q["categories"])),
            ("Kodierte Segmente", _segments(ctx, q["categories"])),
        ]
        blocks.append(("dl", [(k, str(v)) for k, v in fields if v]))
    return blocks


def _segments(ctx: Context, categories: list[str]) -> str:
    """The question's coded segments and their documents, counted as the category sections
    count them (:meth:`Context.segments`)."""
    segs = [s for path in categories for s in ctx.segments(path)]
    return f"{len(segs)} in {len({s['document'] for s in segs})} Dokumenten"


def case_summaries(ctx: Context) -> list[Block]:
    from qualcode.mayring.summaries import summary_grid
    from qualcode.reports.summaries import summary_text

    grid = summary_grid(ctx.session, rq=ctx.rq)
    if not grid["summary_count"]:
        return []
    blocks: list[Block] = [
        ("pagebreak",),
        ("h1", "Fallzusammenfassungen"),
        ("p", "Zusammenfassung je Dokument und Kategorie (zusammenfassende Inhaltsanalyse)."),
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
