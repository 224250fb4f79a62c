"""Research questions: the frame of Mayring's content analysis.

A question has a technique (inductive category formation or deductive category
application), a selection criterion (what material is considered at all), a level of
abstraction (how general the categories are) and its units (coding unit: the smallest
piece coded; context unit: the largest piece seen to decide; recording unit: the piece
analysed as one case). Each top category belongs to at most one question; reports and
the coding agenda can be limited to one question (:func:`question_code_ids`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.config import AUTO_CODER
from qualcode.errors import Conflict, InvalidInput, NotFound
from qualcode.models import Code, Coder, Coding, Document, Passage, ResearchQuestion
from qualcode.names import pick_by_name_or_id

if TYPE_CHECKING:
    from qualcode.schemas.mayring import RqRow

TECHNIQUES = {
    "inductive": "inductive",
    "induktiv": "inductive",
    "deductive": "deductive",
    "deduktiv": "deductive",
}
TECHNIQUE_DE = {
    "inductive": "induktive Kategorienbildung",
    "deductive": "deduktive Kategorienanwendung",
}
UNITS = {
    "paragraph": "paragraph",
    "absatz": "paragraph",
    "sentence": "sentence",
    "satz": "sentence",
    "document": "document",
    "dokument": "document",
}
UNIT_DE = {"paragraph": "Absatz", "sentence": "Satz", "document": "Dokument"}
FIELDS = (
    "question",
    "technique",
    "criterion",
    "abstraction",
    "coding_unit",
    "context_unit",
    "recording_unit",
)


def _technique(value: str) -> str:
    t = TECHNIQUES.get(value.strip().casefold())
    if t is None:
        raise InvalidInput(
            f"unknown technique {value!r}",
            "use inductive (category formation) or deductive (category application)",
        )
    return t


def _unit(value: str, what: str) -> str:
    u = UNITS.get(value.strip().casefold())
    if u is None:
        raise InvalidInput(f"unknown {what} {value!r}", "use paragraph, sentence or document")
    return u


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if value is None:
            continue
        if key == "technique":
            value = _technique(value)
        elif key.endswith("_unit"):
            value = _unit(value, key.replace("_", " "))
        out[key] = value.strip() if isinstance(value, str) else value
    return out


def resolve_question(session: Session, ref: str) -> ResearchQuestion:
    """A question by its name (case-insensitive) or id."""
    rqs = list(session.execute(select(ResearchQuestion)).scalars())
    found = pick_by_name_or_id(rqs, ref, "research question", casefold=True)
    if found is not None:
        return found
    raise NotFound(
        f"unknown research question {ref!r}",
        ("questions: " + ", ".join(q.name for q in rqs) + " (`qualcode rq list`)")
        if rqs
        else "add one with `qualcode rq add NAME --question …`",
    )


def _top_category(tree: CodeTree, path: str) -> Code:
    code = tree.resolve(path)
    if code.parent_id is not None:
        top = tree.names(code)[0]
        raise InvalidInput(
            f"{tree.path(code)!r} is not a top category",
            f"a question owns top categories with all their sub-categories — give {top!r}",
        )
    return code


def _assign(session: Session, rq: ResearchQuestion, categories: Sequence[str]) -> None:
    tree = CodeTree.load(session)
    for path in categories:
        code = _top_category(tree, path)
        if code.research_question_id not in (None, rq.id):
            other = session.get(ResearchQuestion, code.research_question_id)
            raise Conflict(
                f"{code.name!r} already belongs to research question {other.name if other else '?'!r}",
                f"a top category belongs to one question; remove it there first "
                f"(`qualcode rq edit {other.name if other else '?'} --remove-category '{code.name}'`)",
            )
        code.research_question_id = rq.id
        session.add(code)
    session.flush()


def add_question(
    session: Session, name: str, *, categories: Sequence[str] = (), **fields: Any
) -> dict:
    name = name.strip()
    if not name:
        raise InvalidInput("the question has no name", "give a short label, e.g. F1")
    if any(
        q.name.casefold() == name.casefold()
        for q in session.execute(select(ResearchQuestion)).scalars()
    ):
        raise Conflict(
            f"research question {name!r} exists", "choose another name, or `qualcode rq edit`"
        )
    values = _clean(fields)
    position = session.execute(select(func.count(ResearchQuestion.id))).scalar_one()  # type: ignore[arg-type]
    rq = ResearchQuestion(name=name, position=position, **values)
    session.add(rq)
    session.flush()
    _assign(session, rq, categories)
    return show_question(session, rq.name)


def edit_question(
    session: Session,
    ref: str,
    *,
    name: str | None = None,
    categories: Sequence[str] = (),
    remove_categories: Sequence[str] = (),
    **fields: Any,
) -> dict:
    rq = resolve_question(session, ref)
    values = _clean(fields)
    if name is not None and name.strip() and name.strip() != rq.name:
        if any(
            q.name.casefold() == name.strip().casefold() and q.id != rq.id
            for q in session.execute(select(ResearchQuestion)).scalars()
        ):
            raise Conflict(f"research question {name!r} exists", "choose another name")
        values["name"] = name.strip()
    for key, value in values.items():
        setattr(rq, key, value)
    session.add(rq)
    tree = CodeTree.load(session)
    for path in remove_categories:
        code = _top_category(tree, path)
        if code.research_question_id != rq.id:
            raise InvalidInput(
                f"{code.name!r} does not belong to {rq.name!r}",
                "`qualcode rq show` lists its categories",
            )
        code.research_question_id = None
        session.add(code)
    session.flush()
    _assign(session, rq, categories)
    return show_question(session, rq.name)


def delete_question(session: Session, ref: str) -> dict:
    """Remove a question; its categories stay (they belong to no question afterwards)."""
    rq = resolve_question(session, ref)
    codes = list(session.execute(select(Code).where(Code.research_question_id == rq.id)).scalars())
    for code in codes:
        code.research_question_id = None
        session.add(code)
    session.flush()
    session.delete(rq)
    session.flush()
    return {"id": rq.id, "name": rq.name, "categories": len(codes)}


def _as_dict(rq: ResearchQuestion, tree: CodeTree) -> dict:
    cats = [c for c in tree.children.get(None, []) if c.research_question_id == rq.id]
    return {
        "id": rq.id,
        "name": rq.name,
        "question": rq.question,
        "technique": rq.technique,
        "criterion": rq.criterion,
        "abstraction": rq.abstraction,
        "coding_unit": rq.coding_unit,
        "context_unit": rq.context_unit,
        "recording_unit": rq.recording_unit,
        "categories": [tree.path(c) for c in cats],
        "created_at": rq.created_at.isoformat(timespec="seconds"),
    }


def list_questions(session: Session) -> list[dict]:
    """All questions in their order, each with its top categories and counts
    (:func:`figures`)."""
    tree = CodeTree.load(session)
    rqs = session.execute(
        select(ResearchQuestion).order_by(ResearchQuestion.position, ResearchQuestion.id)
    ).scalars()  # type: ignore[arg-type]
    return [{**_as_dict(rq, tree), **figures(session, rq, tree)} for rq in rqs]


def figures(session: Session, rq: ResearchQuestion, tree: CodeTree) -> dict[str, Any]:
    """How much is coded for the question: ``segments`` (as `report freq --rq` counts a
    category with its sub-categories: a passage once, however many of the question's codes
    or coders coded it), ``codings``, ``documents`` (the automatic coder's codings left
    out) and ``coded_share`` (:func:`coded_share`)."""
    ids = question_code_ids(session, rq, tree)
    codings = session.execute(
        select(Coding.code_id, Coding.document_id, Coding.start, Coding.end)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(Coding.code_id.in_(ids), Coder.name != AUTO_CODER)  # type: ignore[attr-defined]
    ).all()
    segments = {(d, s, e) for _c, d, s, e in codings}
    return {
        "segments": len(segments),
        "codings": len(codings),
        "documents": len({d for d, _s, _e in segments}),
        "coded_share": coded_share(session, rq),
    }


def show_question(session: Session, ref: str) -> dict:
    rq = resolve_question(session, ref)
    tree = CodeTree.load(session)
    return {**_as_dict(rq, tree), **figures(session, rq, tree)}


def as_json(d: dict) -> RqRow:
    """A question of :func:`show_question` or :func:`list_questions` as ``rq --json``
    gives it (the vocabulary: ``rq`` its name, ``code_paths`` its top categories)."""
    return {
        "id": d["id"],
        "rq": d["name"],
        "question": d["question"],
        "technique": d["technique"],
        "criterion": d["criterion"],
        "abstraction": d["abstraction"],
        "coding_unit": d["coding_unit"],
        "context_unit": d["context_unit"],
        "recording_unit": d["recording_unit"],
        "code_paths": d["categories"],
        "created_at": d["created_at"],
        "segments": d["segments"],
        "codings": d["codings"],
        "documents": d["documents"],
        "coded_share": d["coded_share"],
    }


def question_code_ids(
    session: Session, rq: ResearchQuestion | str, tree: CodeTree | None = None
) -> set[int]:
    """The ids of the question's top categories and all their sub-categories."""
    if isinstance(rq, str):
        rq = resolve_question(session, rq)
    tree = tree or CodeTree.load(session)
    out: set[int] = set()
    for top in tree.children.get(None, []):
        if top.research_question_id == rq.id:
            out.add(top.id)  # type: ignore[arg-type]
            out.update(d.id for d in tree.descendants(top))  # type: ignore[misc]
    return out


def question_of_code(
    session: Session, code_id: int, tree: CodeTree | None = None
) -> ResearchQuestion | None:
    """The question the code (through its top category) belongs to."""
    tree = tree or CodeTree.load(session)
    code = tree.by_id.get(code_id)
    while code is not None and code.parent_id is not None:
        code = tree.by_id.get(code.parent_id)
    if code is None or code.research_question_id is None:
        return None
    return session.get(ResearchQuestion, code.research_question_id)


def coded_share(session: Session, rq: ResearchQuestion) -> float:
    """How much of the material has been worked through for the question: the share of
    content paragraphs (headings and metadata lines do not count, as in the progress)
    that are coded with one of its categories or marked not relevant."""
    from qualcode.structure import NOT_RELEVANT, progress
    from qualcode.textutil import coded_flags

    tree = CodeTree.load(session)
    ids = question_code_ids(session, rq, tree)
    nr = tree.find(NOT_RELEVANT)
    if nr is not None and nr.parent_id is None:
        ids.add(nr.id)  # type: ignore[arg-type]
    paras: dict[int, list[tuple[int, int]]] = {}
    for did, s, e in session.execute(
        select(Passage.document_id, Passage.start, Passage.end).where(Passage.unit == "paragraph")
    ):
        paras.setdefault(did, []).append((s, e))
    spans: dict[int, list[tuple[int, int]]] = {}
    if ids:
        for did, s, e in session.execute(
            select(Coding.document_id, Coding.start, Coding.end).where(Coding.code_id.in_(ids))  # type: ignore[attr-defined]
        ):
            spans.setdefault(did, []).append((s, e))
    total = done = 0
    for did, text in session.execute(select(Document.id, Document.text)):
        p = sorted(paras.get(did, []))
        n, k = progress(text, p, coded_flags(p, spans.get(did, [])))
        total += n
        done += k
    return round(done / total, 4) if total else 0.0


def question_paths(session: Session, ref: str) -> tuple[set[str], str]:
    """``(paths of the question's categories, the question's name)`` — to filter report rows."""
    rq = resolve_question(session, ref)
    tree = CodeTree.load(session)
    return {tree.path(i) for i in question_code_ids(session, rq, tree)}, rq.name
