"""Check samples: a reproducible draw of passages, re-coded blind, compared, resolved.

Mayring's intracoder check has a coder re-code part of the material after a while
without seeing the earlier codings; the intercoder check has a second coder do the same.
:func:`draw_sample` draws a share of the passages (seeded, so the same seed draws the
same passages) from the documents the reference coder has coded — content passages only:
headings, metadata lines and passages marked not relevant are never drawn. The re-coding
(:func:`set_check_codes`) is stored apart from the analysis' codings, so reports do not
count it. :mod:`.agreement` compares the two on exactly the drawn passages, and
:func:`resolve` settles a disagreement (keep the reference coding, or adopt the re-coding).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import case, func, select
from sqlmodel import Session

from qualcode.codebook import CodeTree
from qualcode.codings import find_coder, get_coder
from qualcode.errors import Conflict, InvalidInput, NotFound
from qualcode.mayring.tables import CheckCoding, CheckPassage, CheckSample
from qualcode.models import Coder, Coding, Document, ResearchQuestion
from qualcode.names import pick_by_name_or_id
from qualcode.structure import NOT_RELEVANT

if TYPE_CHECKING:
    from qualcode.schemas.mayring import SampleRow

RESOLUTIONS = ("reference", "check")


def population(session: Session, reference_id: int, unit: str) -> list[tuple[str, int, int, int]]:
    """``(document name, document id, start, end)`` of every passage that may be drawn, in
    reading order: content passages of the documents the reference coder has coded, none
    that a not-relevant mark touches."""
    from qualcode.reports.units import load_passages, structural_units

    tree = CodeTree.load(session)
    nr = tree.find(NOT_RELEVANT)
    nr_id = nr.id if nr is not None and nr.parent_id is None else None
    doc_ids = sorted(
        set(
            session.execute(
                select(Coding.document_id).where(Coding.coder_id == reference_id).distinct()
            ).scalars()
        )
    )
    if not doc_ids:
        return []
    marks: dict[int, list[tuple[int, int]]] = {}
    if nr_id is not None:
        for did, s, e in session.execute(
            select(Coding.document_id, Coding.start, Coding.end).where(Coding.code_id == nr_id)
        ):
            marks.setdefault(did, []).append((s, e))
    passages = load_passages(session, unit, doc_ids)
    # headings, the title and metadata blocks seen in their document, as agreement sees them
    structural = structural_units(session, unit, passages)
    out = []
    docs = session.execute(
        select(Document.id, Document.name).where(Document.id.in_(doc_ids))  # type: ignore[attr-defined]
    ).all()
    for did, name in docs:
        p = passages.get(did)
        if p is None:
            continue
        for i, (s, e) in enumerate(zip(p.starts, p.ends, strict=True)):
            if (did, i) in structural:
                continue
            if any(ms < e and me > s for ms, me in marks.get(did, [])):
                continue
            out.append((name, did, s, e))
    out.sort()
    return out


def draw_sample(
    session: Session,
    coder: str,
    *,
    name: str | None = None,
    reference: str | None = None,
    share: float = 0.1,
    seed: int | None = None,
    unit: str = "paragraph",
    rq: str | None = None,
) -> dict:
    """Draw and store a sample for ``coder`` to re-code blind (reference: whose codings it
    is compared with; default the same coder — an intracoder check)."""
    from qualcode.reports.units import passage_unit

    if not 0 < share <= 1:
        raise InvalidInput(
            f"--share must be above 0 and at most 1 (got {share})", "e.g. --share 0.1"
        )
    unit = passage_unit(unit)
    check = get_coder(session, coder)
    ref_name = (reference or coder).strip()
    ref = find_coder(session, ref_name)
    if ref is None:
        known = ", ".join(session.execute(select(Coder.name).order_by(Coder.name)).scalars())
        raise NotFound(
            f"unknown coder {ref_name!r}", f"coders in this project: {known or 'none yet'}"
        )
    rq_id = None
    if rq:
        from qualcode.mayring.questions import resolve_question

        rq_id = resolve_question(session, rq).id
    n_samples = session.execute(select(func.count(CheckSample.id))).scalar_one()  # type: ignore[arg-type]
    name = (name or "").strip() or f"{check.name}-{n_samples + 1}"
    if session.execute(select(CheckSample).where(CheckSample.name == name)).scalar_one_or_none():
        raise Conflict(
            f"check sample {name!r} exists", "give another --name (`qualcode check-sample --list`)"
        )
    pop = population(session, ref.id, unit)  # type: ignore[arg-type]
    if not pop:
        raise InvalidInput(
            f"{ref.name} has coded no passages that could be drawn",
            "the sample is drawn from the documents the reference coder has coded (--against)",
        )
    if seed is None:
        seed = secrets.randbelow(10**6)
    k = max(1, round(share * len(pop)))
    picked = sorted(random.Random(seed).sample(range(len(pop)), k))
    sample = CheckSample(
        name=name,
        coder_id=check.id,  # type: ignore[arg-type]
        reference_coder_id=ref.id,  # type: ignore[arg-type]
        share=share,
        seed=seed,
        unit=unit,
        research_question_id=rq_id,
    )
    session.add(sample)
    session.flush()
    for i, j in enumerate(picked):
        _name, did, s, e = pop[j]
        session.add(CheckPassage(sample_id=sample.id, document_id=did, start=s, end=e, ordinal=i))  # type: ignore[arg-type]
    session.flush()
    return {**describe(session, sample), "population": len(pop)}


def resolve_sample(session: Session, name: str) -> CheckSample:
    samples = list(session.execute(select(CheckSample).order_by(CheckSample.id)).scalars())  # type: ignore[arg-type]
    found = pick_by_name_or_id(samples, name, "check sample")
    if found is not None:
        return found
    raise NotFound(
        f"unknown check sample {name!r}",
        ("samples: " + ", ".join(s.name for s in samples))
        if samples
        else "draw one with `qualcode check-sample --coder NAME --share 0.1`",
    )


def describe(session: Session, sample: CheckSample) -> dict:
    coders: dict = dict(session.execute(select(Coder.id, Coder.name)).all())
    # count the re-coded passages: a SUM over the boolean column comes back as a boolean
    # (5 re-coded passages read as True, i.e. 1)
    n, done = session.execute(
        select(
            func.count(CheckPassage.id),  # type: ignore[arg-type]
            func.count(case((CheckPassage.done.is_(True), 1))),  # type: ignore[attr-defined]
        ).where(CheckPassage.sample_id == sample.id)
    ).one()
    rq = (
        session.get(ResearchQuestion, sample.research_question_id)
        if sample.research_question_id
        else None
    )
    return {
        "id": sample.id,
        "name": sample.name,
        "coder": coders.get(sample.coder_id),
        "reference": coders.get(sample.reference_coder_id),
        "kind": "intracoder" if sample.coder_id == sample.reference_coder_id else "intercoder",
        "share": sample.share,
        "seed": sample.seed,
        "unit": sample.unit,
        "rq": rq.name if rq else None,
        "passages": int(n or 0),
        "done": int(done or 0),
        "created_at": sample.created_at.isoformat(timespec="seconds"),
    }


def as_json(d: dict) -> SampleRow:
    """A sample of :func:`describe` as ``check-sample --json`` gives it (the vocabulary:
    ``check_sample`` its name, ``units`` its paragraphs or sentences, ``units_done``)."""
    row: SampleRow = {
        "id": d["id"],
        "check_sample": d["name"],
        "coder": d["coder"],
        "reference": d["reference"],
        "kind": d["kind"],
        "share": d["share"],
        "seed": d["seed"],
        "unit": d["unit"],
        "rq": d["rq"],
        "units": d["passages"],
        "units_done": d["done"],
        "created_at": d["created_at"],
    }
    if "population" in d:
        row["population"] = d["population"]
    return row


def list_samples(session: Session, coder: str | None = None) -> list[dict]:
    samples = session.execute(select(CheckSample).order_by(CheckSample.id)).scalars()  # type: ignore[arg-type]
    rows = [describe(session, s) for s in samples]
    return [r for r in rows if coder is None or r["coder"] == coder]


def sample_passages(session: Session, name: str) -> list[dict]:
    """The drawn passages in order with their text and the re-coder's codes (paths) only."""
    sample = resolve_sample(session, name)
    tree = CodeTree.load(session)
    rows = list(
        session.execute(
            select(CheckPassage, Document.name, Document.text)
            .join(Document, Document.id == CheckPassage.document_id)  # type: ignore[arg-type]
            .where(CheckPassage.sample_id == sample.id)
            .order_by(CheckPassage.ordinal)  # type: ignore[arg-type]
        )
    )
    codes: dict[int, list[str]] = {}
    ids = [p.id for p, _n, _t in rows]
    if ids:
        for pid, cid in session.execute(
            select(CheckCoding.passage_id, CheckCoding.code_id)
            .where(CheckCoding.passage_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(CheckCoding.id)  # type: ignore[arg-type]
        ):
            if cid in tree.by_id:
                codes.setdefault(pid, []).append(tree.path(cid))
    return [
        {
            "id": p.id,
            "document": dname,
            "document_id": p.document_id,
            "start": p.start,
            "end": p.end,
            "text": text[p.start : p.end],
            "done": p.done,
            "codes": codes.get(p.id, []),
            "resolution": p.resolution,
            "reference_snapshot": p.reference_snapshot,
        }
        for p, dname, text in rows
    ]


def _passage(session: Session, passage_id: int) -> CheckPassage:
    p = session.get(CheckPassage, passage_id)
    if p is None:
        raise NotFound(f"there is no sampled passage {passage_id}", "reopen the sample")
    return p


def set_check_codes(session: Session, passage_id: int, paths: Sequence[str]) -> list[str]:
    """The re-coder's codes of a passage (replacing earlier ones); the passage is done."""
    p = _passage(session, passage_id)
    tree = CodeTree.load(session)
    codes = []
    for path in paths:
        code = tree.resolve(path)
        if not code.codable:
            raise InvalidInput(
                f"{tree.path(code)!r} only groups codes", "choose one of its sub-codes"
            )
        if code.id not in codes:
            codes.append(code.id)
    old = list(session.execute(select(CheckCoding).where(CheckCoding.passage_id == p.id)).scalars())
    keep = {c.code_id for c in old if c.code_id in codes}
    for c in old:
        if c.code_id not in codes:
            session.delete(c)
    for cid in codes:
        if cid not in keep:
            session.add(CheckCoding(passage_id=p.id, code_id=cid))  # type: ignore[arg-type]
    p.done = True
    session.add(p)
    session.flush()
    return [tree.path(c) for c in codes]


def reset_sample(session: Session, name: str) -> int:
    """Forget the re-coding of a sample (undoable); returns the passages reset."""
    sample = resolve_sample(session, name)
    ids = list(
        session.execute(
            select(CheckPassage.id).where(CheckPassage.sample_id == sample.id)
        ).scalars()
    )
    for c in session.execute(select(CheckCoding).where(CheckCoding.passage_id.in_(ids))).scalars():  # type: ignore[attr-defined]
        session.delete(c)
    for p in session.execute(select(CheckPassage).where(CheckPassage.id.in_(ids))).scalars():  # type: ignore[attr-defined]
        p.done, p.resolution = False, None
        session.add(p)
    session.flush()
    return len(ids)


def delete_sample(session: Session, name: str) -> dict:
    sample = resolve_sample(session, name)
    out = describe(session, sample)
    ids = list(
        session.execute(
            select(CheckPassage.id).where(CheckPassage.sample_id == sample.id)
        ).scalars()
    )
    for c in session.execute(select(CheckCoding).where(CheckCoding.passage_id.in_(ids))).scalars():  # type: ignore[attr-defined]
        session.delete(c)
    session.flush()
    for p in session.execute(select(CheckPassage).where(CheckPassage.id.in_(ids))).scalars():  # type: ignore[attr-defined]
        session.delete(p)
    session.flush()
    session.delete(sample)
    session.flush()
    return out
