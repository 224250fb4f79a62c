"""The coding agenda (Kodierleitfaden): one row per category — definition, anchor
example, coding rule, counts — grouped by research question and level.

The anchor example is the coded segment the researcher chose (`qualcode codes anchor
PATH --coding ID`, with its source), else the stored anchor text. Counts are those of
the category with its sub-categories, as `report freq`'s "incl. sub-categories" columns:
segments (distinct spans — a passage several coders coded identically, or coded with two of
its sub-categories, counts once) and documents;
codings of the automatic coder are left out. The reserved code "Nicht relevant" is no
category and is not listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.config import AUTO_CODER
from qualcode.models import Coder, Coding, ResearchQuestion
from qualcode.reports.docwriters import Section
from qualcode.structure import NOT_RELEVANT

if TYPE_CHECKING:
    from qualcode.schemas.reports import AgendaReport, AgendaRow

NO_QUESTION = "(ohne Forschungsfrage)"
NO_QUESTION_EN = "(no research question)"
# the counts column: segments (documents) of the category with its sub-categories
COUNT_DE = "n (Dok.) inkl. Unterkat."
COUNT_EN = "n (docs) incl. sub-categories"
TECHNIQUE_EN = {
    "inductive": "inductive category formation",
    "deductive": "deductive category application",
}


def _counts(session: Session, tree: CodeTree) -> dict[int, dict[int, int]]:
    """Code id → document id → segments of the category with its sub-categories: their
    distinct spans (a passage coded with two sub-categories counts once)."""
    from qualcode.reports.freqcore import levels, rollup

    auto = session.execute(select(Coder.id).where(Coder.name == AUTO_CODER)).scalar_one_or_none()
    stmt = select(Coding.code_id, Coding.document_id, Coding.start, Coding.end).distinct()
    if auto is not None:
        stmt = stmt.where(Coding.coder_id != auto)
    shown, target, _depth = levels(tree.ordered(), None)
    _own, total = rollup(shown, target, session.execute(stmt))  # type: ignore[arg-type]
    return total


def agenda_rows(session: Session, rq: str | None = None) -> list[AgendaRow]:
    """One dict per category, in question order and code-tree order within a question:
    ``rq``, ``number`` (1, 1.1, …), ``level``, ``code``, ``name``, ``definition``,
    ``anchor``, ``anchor_source``, ``rule``, ``segments``, ``documents``."""
    from qualcode.mayring.anchors import anchor_segments
    from qualcode.mayring.questions import resolve_question

    tree = CodeTree.load(session)
    rqs = list(
        session.execute(
            select(ResearchQuestion).order_by(ResearchQuestion.position, ResearchQuestion.id)  # type: ignore[arg-type]
        ).scalars()
    )
    only = resolve_question(session, rq).id if rq else None
    counts = _counts(session, tree)
    anchors = anchor_segments(session, list(tree.by_id.values()))
    groups: list[tuple[ResearchQuestion | None, list]] = [
        (q, [t for t in tree.children.get(None, []) if t.research_question_id == q.id]) for q in rqs
    ]
    rest = [
        t
        for t in tree.children.get(None, [])
        if t.research_question_id is None and t.name != NOT_RELEVANT
    ]
    if rest and only is None:
        groups.append((None, rest))
    rows: list[AgendaRow] = []
    for q, tops in groups:
        if only is not None and (q is None or q.id != only):
            continue

        def walk(codes: list, prefix: str, level: int, rq_name: str | None) -> None:
            for i, c in enumerate(codes, start=1):
                number = f"{prefix}{i}"
                seg = anchors.get(c.id)
                rows.append(
                    {
                        "rq": rq_name,
                        "number": number,
                        "level": level,
                        "code": tree.path(c),
                        "name": c.name,
                        "definition": c.definition,
                        "anchor": seg["text"] if seg else c.anchor,
                        "anchor_source": (
                            f"{seg['document']}, {seg['start']}–{seg['end']}" if seg else None
                        ),
                        "rule": c.rule,
                        "segments": sum(counts.get(c.id, {}).values()),
                        "documents": len(counts.get(c.id, {})),
                    }
                )
                walk(tree.children.get(c.id, []), number + ".", level + 1, rq_name)

        walk(tops, "", 1, q.name if q else None)
    return rows


def agenda(session: Session, rq: str | None = None) -> AgendaReport:
    """The agenda as JSON: the questions (with their fields) and the rows."""
    from qualcode.mayring.questions import list_questions

    rows = agenda_rows(session, rq)
    wanted = {r["rq"] for r in rows}
    questions = [q for q in list_questions(session) if q["name"] in wanted]
    return {"questions": questions, "rows": rows}


def agenda_title(rq: str | None, lang: str = "de") -> str:
    return ("Kodierleitfaden" if lang == "de" else "Coding agenda") + (f" – {rq}" if rq else "")


def agenda_sections(data: dict, lang: str = "de") -> list[Section]:
    """The three-column Mayring table (category | definition | anchor example | coding rule)
    per research question, with the counts in a last column."""
    from qualcode.mayring.questions import TECHNIQUE_DE, UNIT_DE
    from qualcode.reports.numbers import num

    de = lang == "de"
    unit_name = UNIT_DE if de else {k: k for k in UNIT_DE}
    technique = TECHNIQUE_DE if de else TECHNIQUE_EN

    by_name = {q["name"]: q for q in data["questions"]}
    order = [q["name"] for q in data["questions"]]
    if any(r["rq"] is None for r in data["rows"]):
        order.append(None)
    sections = []
    for name in order:
        rows = [r for r in data["rows"] if r["rq"] == name]
        q = by_name.get(name) if name else None
        lines = []
        if q and de:
            lines.append(f"Technik: {technique[q['technique']]}")
            if q["criterion"]:
                lines.append(f"Selektionskriterium: {q['criterion']}")
            if q["abstraction"]:
                lines.append(f"Abstraktionsniveau: {q['abstraction']}")
            lines.append(
                f"Einheiten: Kodiereinheit {unit_name[q['coding_unit']]}, Kontexteinheit "
                f"{unit_name[q['context_unit']]}, Auswertungseinheit "
                f"{unit_name[q['recording_unit']]}"
            )
        elif q:
            lines.append(f"Technique: {technique[q['technique']]}")
            if q["criterion"]:
                lines.append(f"Selection criterion: {q['criterion']}")
            if q["abstraction"]:
                lines.append(f"Level of abstraction: {q['abstraction']}")
            lines.append(
                f"Units: coding unit {unit_name[q['coding_unit']]}, context unit "
                f"{unit_name[q['context_unit']]}, recording unit "
                f"{unit_name[q['recording_unit']]}"
            )
        sections.append(
            Section(
                heading=(f"{q['name']}: {q['question']}" if q["question"] else q["name"])
                if q
                else (NO_QUESTION if de else NO_QUESTION_EN),
                lines=lines,
                headers=["Kategorie", "Definition", "Ankerbeispiel", "Kodierregel", COUNT_DE]
                if de
                else ["Category", "Definition", "Anchor example", "Coding rule", COUNT_EN],
                rows=[
                    [
                        f"{r['number']} {r['name']}",
                        r["definition"],
                        (
                            f"„{r['anchor']}“ ({r['anchor_source']})"
                            if r["anchor_source"]
                            else r["anchor"]
                        ),
                        r["rule"],
                        f"{num(r['segments'], 0, lang)} ({num(r['documents'], 0, lang)})",
                    ]
                    for r in rows
                ],
                strong=[r["level"] == 1 for r in rows],
                indent=[r["level"] - 1 for r in rows],
                widths=[2.2, 4, 4, 4, 1.1],
            )
        )
    return sections


def agenda_sheets(data: dict, lang: str = "de") -> list:
    """One XLSX sheet: every category with its question and level."""
    from qualcode.reports.export import INT, TEXT, Sheet

    de = lang == "de"
    headers = (
        ["Forschungsfrage", "Nr.", "Ebene", "Kategorie", "Definition", "Ankerbeispiel",
         "Fundstelle", "Kodierregel", "Segmente inkl. Unterkategorien",
         "Dokumente inkl. Unterkategorien"]
        if de
        else ["Research question", "No.", "Level", "Category", "Definition", "Anchor example",
              "Source", "Coding rule", "Segments incl. sub-categories",
              "Documents incl. sub-categories"]
    )  # fmt: skip
    kinds = [TEXT, TEXT, INT, TEXT, TEXT, TEXT, TEXT, TEXT, INT, INT]
    rows = [
        [r["rq"] or (NO_QUESTION if de else NO_QUESTION_EN), r["number"], r["level"], r["name"], r["definition"], r["anchor"],
         r["anchor_source"] or "", r["rule"], r["segments"], r["documents"]]
        for r in data["rows"]
    ]  # fmt: skip
    return [Sheet(agenda_title(None, lang), headers, rows, kinds, freeze_cols=4)]
