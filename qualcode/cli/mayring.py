"""`qualcode rq …` (research questions) and `qualcode codes anchor` (anchor segment)."""

from __future__ import annotations

import typer

from qualcode.cli.app import JsonOpt, app, emit_json, output, shorten, table
from qualcode.cli.app import state as _state
from qualcode.cli.codes import codes_app

rq_app = typer.Typer(
    help="Research questions: technique, selection criterion, abstraction level, units, categories.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(rq_app, name="rq")

_Question = typer.Option(None, "--question", "-q", help="The research question itself.")
_Technique = typer.Option(
    None,
    "--technique",
    help="inductive (category formation) or deductive (category application) [default: inductive].",
)
_Criterion = typer.Option(
    None, "--criterion", help="Selection criterion: what material is considered for the question."
)
_Abstraction = typer.Option(None, "--abstraction", help="Level of abstraction of the categories.")
_CodingUnit = typer.Option(
    None, "--coding-unit", help="Smallest piece coded: paragraph, sentence or document."
)
_ContextUnit = typer.Option(
    None, "--context-unit", help="Largest piece seen to decide: paragraph, sentence or document."
)
_RecordingUnit = typer.Option(
    None, "--recording-unit", help="Piece analysed as one case: paragraph, sentence or document."
)
_Category = typer.Option(
    None, "--category", "-c", help="A top category that belongs to the question (repeatable)."
)


def _emit(d: dict, as_json: bool, human) -> None:
    """A question: as ``rq --json`` gives it (:func:`qualcode.mayring.questions.as_json`),
    or in words."""
    from qualcode.mayring.questions import as_json as rq_json

    output(rq_json(d) if as_json else d, as_json, human)


def _human(d: dict) -> str:
    from qualcode.mayring.questions import TECHNIQUE_DE

    lines = [
        f"{d['name']}: {d['question'] or '(no question text)'}  (id {d['id']})",
        f"technique    {d['technique']} ({TECHNIQUE_DE[d['technique']]})",
    ]
    if d["criterion"]:
        lines.append(f"criterion    {d['criterion']}")
    if d["abstraction"]:
        lines.append(f"abstraction  {d['abstraction']}")
    lines.append(
        f"units        coding {d['coding_unit']}, context {d['context_unit']}, recording {d['recording_unit']}"
    )
    lines.append("categories   " + (", ".join(d["categories"]) or "none yet (--category PATH)"))
    if "coded_share" in d:
        lines.append(f"coded        {d['coded_share']:.0%} of the material (content paragraphs)")
    return "\n".join(lines)


@rq_app.command("add")
def rq_add(
    name: str = typer.Argument(..., help="A short label, e.g. F1 or Ziele."),
    question: str = _Question,
    technique: str = _Technique,
    criterion: str = _Criterion,
    abstraction: str = _Abstraction,
    coding_unit: str = _CodingUnit,
    context_unit: str = _ContextUnit,
    recording_unit: str = _RecordingUnit,
    category: list[str] = _Category,
    as_json: bool = JsonOpt,
) -> None:
    """Add a research question; --category assigns top categories to it."""
    from qualcode.mayring.questions import add_question

    with _state().write() as session:
        d = add_question(
            session,
            name,
            categories=category or [],
            question=question,
            technique=technique,
            criterion=criterion,
            abstraction=abstraction,
            coding_unit=coding_unit,
            context_unit=context_unit,
            recording_unit=recording_unit,
        )
    _emit(d, as_json, lambda d: "added research question\n" + _human(d))


@rq_app.command("list")
def rq_list(as_json: bool = JsonOpt) -> None:
    """The research questions with technique, categories and counts."""
    from qualcode.mayring.questions import as_json as rq_json
    from qualcode.mayring.questions import list_questions

    with _state().read() as session:
        rows = list_questions(session)
    if as_json:
        emit_json([rq_json(r) for r in rows])
        return
    output(
        rows,
        as_json,
        lambda rs: (
            table(
                [
                    [
                        r["id"],
                        r["name"],
                        r["technique"],
                        len(r["categories"]),
                        r["segments"],
                        r["documents"],
                        shorten(r["question"], 60),
                    ]
                    for r in rs
                ],
                ["id", "name", "technique", "categories", "segments", "documents", "question"],
                align="rllrrrl",
            )
            if rs
            else "no research questions yet — `qualcode rq add NAME --question …`"
        ),
    )


@rq_app.command("show")
def rq_show(
    name: str = typer.Argument(..., help="Name or id of the question."), as_json: bool = JsonOpt
) -> None:
    """A question with its criterion, units, categories and how much is coded."""
    from qualcode.mayring.questions import show_question

    with _state().read() as session:
        d = show_question(session, name)
    _emit(d, as_json, _human)


@rq_app.command("edit")
def rq_edit(
    name: str = typer.Argument(..., help="Name or id of the question."),
    new_name: str = typer.Option(None, "--name", help="A new name."),
    question: str = _Question,
    technique: str = _Technique,
    criterion: str = _Criterion,
    abstraction: str = _Abstraction,
    coding_unit: str = _CodingUnit,
    context_unit: str = _ContextUnit,
    recording_unit: str = _RecordingUnit,
    category: list[str] = _Category,
    remove_category: list[str] = typer.Option(
        None, "--remove-category", help="A top category that no longer belongs to it (repeatable)."
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Change a question's fields; add or remove its top categories."""
    from qualcode.mayring.questions import edit_question

    with _state().write() as session:
        d = edit_question(
            session,
            name,
            name=new_name,
            categories=category or [],
            remove_categories=remove_category or [],
            question=question,
            technique=technique,
            criterion=criterion,
            abstraction=abstraction,
            coding_unit=coding_unit,
            context_unit=context_unit,
            recording_unit=recording_unit,
        )
    _emit(d, as_json, lambda d: "changed research question\n" + _human(d))


@rq_app.command("delete")
def rq_delete(
    name: str = typer.Argument(..., help="Name or id of the question."), as_json: bool = JsonOpt
) -> None:
    """Remove a question; its categories stay and belong to no question."""
    from qualcode.mayring.questions import delete_question

    with _state().write() as session:
        d = delete_question(session, name)
    output(
        {"id": d["id"], "rq": d["name"], "codes": d["categories"]},
        as_json,
        lambda d: f"deleted research question {d['rq']} ({d['codes']} categories kept)",
    )


@codes_app.command("anchor")
def codes_anchor(
    path: str = typer.Argument(..., help="Code path."),
    coding: int = typer.Option(
        None, "--coding", help="Id of a coded segment of this code (`qualcode codings --json`)."
    ),
    clear: bool = typer.Option(False, "--clear", help="Use the stored anchor text again."),
    as_json: bool = JsonOpt,
) -> None:
    """Choose a real coded segment as the code's anchor example (coding agenda)."""
    from qualcode.mayring.anchors import set_anchor_coding

    if (coding is None) == (not clear):
        from qualcode.errors import InvalidInput

        raise InvalidInput("give --coding ID or --clear", "see `qualcode codes anchor --help`")
    with _state().write() as session:
        d = set_anchor_coding(session, path, None if clear else coding)
    output(
        d,
        as_json,
        lambda d: (
            f"anchor example of {d['code']}: {d['document']} {d['start']}-{d['end']} "
            f"„{shorten(d['text'], 60)}“"
            if d["coding_id"]
            else f"anchor example of {d['code']}: the stored text again"
        ),
    )
