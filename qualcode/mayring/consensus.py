"""Agreement on a check sample, and resolving its disagreements (the consensus step).

The units are exactly the sample's re-coded passages. The reference coder codes a passage
with X when their codings of X cover at least ``overlap`` of it (as in
:func:`qualcode.agreement.agreement`); the re-coder's codes are given per passage. The
result has the shape of ``qualcode agreement --json`` (``coders`` are the reference and the
re-coding, named ``anna`` and ``anna (check)`` in an intracoder check), plus the sample.
"""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import select
from sqlmodel import Session

from qualcode.agreement import NO_CODE, _figures, _merge, code_row, coder_codes
from qualcode.codebook import CodeTree
from qualcode.errors import InvalidInput, QualcodeError
from qualcode.mayring.samples import RESOLUTIONS, describe, resolve_sample, sample_passages
from qualcode.mayring.tables import CheckPassage
from qualcode.models import Coding
from qualcode.reports.frequency import code_levels
from qualcode.structure import NOT_RELEVANT


def _labels(info: dict) -> list[str]:
    ref, chk = info["reference"], info["coder"]
    return [ref, f"{chk} (check)"] if ref == chk else [ref, chk]


def sample_units(session: Session, name: str, overlap: float = 0.5, level: int | None = None):
    """``(info, tree, passages, values)``: per re-coded passage the reference codes and the
    check codes (as sets of code ids counted at ``level``), in the sample's order."""
    sample = resolve_sample(session, name)
    info = describe(session, sample)
    tree = CodeTree.load(session)
    _shown, target, _depth = code_levels(tree, level)
    scope: set[int] | None = None
    if sample.research_question_id is not None:
        from qualcode.mayring.questions import question_code_ids
        from qualcode.models import ResearchQuestion

        rq = session.get(ResearchQuestion, sample.research_question_id)
        scope = question_code_ids(session, rq, tree) if rq else None
    nr = tree.find(NOT_RELEVANT)
    skip = {nr.id} if nr is not None else set()

    def counted(code_id: int) -> int | None:
        if code_id in skip or (scope is not None and code_id not in scope):
            return None
        return target.get(code_id)

    passages = [p for p in sample_passages(session, name) if p["done"]]
    by_path = {tree.path(c): c.id for c in tree.by_id.values()}
    doc_ids = sorted({p["document_id"] for p in passages})
    live: dict[int, list[tuple[int, int, int]]] = {}
    if doc_ids:
        stmt = select(Coding.document_id, Coding.code_id, Coding.start, Coding.end).where(
            Coding.coder_id == sample.reference_coder_id,
            Coding.document_id.in_(doc_ids),  # type: ignore[attr-defined]
            Coding.orphaned.is_(False),  # type: ignore[attr-defined]
        )
        for did, cid, s, e in session.execute(stmt):
            live.setdefault(did, []).append((cid, s, e))
    values = []
    for p in passages:
        ps, pe = p["start"], p["end"]
        if p["reference_snapshot"]:  # adopted re-coding: compare with the coding as it was
            codings = [tuple(x) for x in json.loads(p["reference_snapshot"])]
        else:
            codings = [c for c in live.get(p["document_id"], []) if c[1] < pe and c[2] > ps]
        spans: dict[int, list[tuple[int, int]]] = {}
        for cid, s, e in codings:
            t = counted(cid)
            if t is not None:
                spans.setdefault(t, []).append((s, e))
        ref: set[int] = set()
        for t, sp in spans.items():
            cover = sum(max(0, min(e, pe) - max(s, ps)) for s, e in _merge(sp))
            if cover > 0 if overlap == 0 else cover >= overlap * (pe - ps) - 1e-9:
                ref.add(t)
        chk = {t for path in p["codes"] if (t := counted(by_path[path])) is not None}
        values.append((ref, chk))
    return info, tree, passages, values


def sample_agreement(
    session: Session, name: str, overlap: float = 0.5, level: int | None = None
) -> dict:
    """κ/α of the reference coding and the blind re-coding on exactly the sample."""
    if not 0 <= overlap <= 1:
        raise InvalidInput(f"--overlap must be between 0 and 1 (got {overlap})", "e.g. 0.5")
    info, tree, passages, values = sample_units(session, name, overlap, level)
    if not passages:
        raise QualcodeError(
            f"the check sample {info['name']!r} has not been re-coded yet ({info['passages']} passages)",
            f"open it in the workbench: `qualcode tui --sample {info['name']}` (or B there)",
        )
    names = _labels(info)
    order = {c.id: k for k, c in enumerate(tree.ordered())}
    used = sorted({t for r, c in values for t in r | c}, key=lambda t: order.get(t, 0))
    per_code = []
    for t in used:
        units: Counter = Counter((int(t in r), int(t in c)) for r, c in values)
        coded = [sum(t in r for r, _ in values), sum(t in c for _, c in values)]
        per_code.append(
            code_row(tree.path(t), _figures(units, names), names, coded, units.get((1, 1), 0))
        )

    def label(s: set[int]) -> str:
        return " + ".join(tree.path(t) for t in sorted(s, key=lambda t: order.get(t, 0))) or NO_CODE

    overall = _figures(Counter((label(r), label(c)) for r, c in values), names)
    dis = []
    for p, (r, c) in zip(passages, values, strict=True):
        if r != c:
            dis.append(
                {
                    "passage_id": p["id"],
                    "document": p["document"],
                    "start": p["start"],
                    "end": p["end"],
                    "text": p["text"],
                    "by_coder": coder_codes(
                        names,
                        [
                            [tree.path(t) for t in sorted(r, key=lambda t: order.get(t, 0))],
                            [tree.path(t) for t in sorted(c, key=lambda t: order.get(t, 0))],
                        ],
                    ),
                    "resolution": p["resolution"],
                }
            )
    docs = sorted({p["document"] for p in passages})
    how = "any overlap" if overlap == 0 else f"codings covering at least {overlap:.0%} of it"
    return {
        "check_sample": info["name"],
        "kind": info["kind"],
        "coders": names,
        "unit": info["unit"],
        "overlap": overlap,
        "code": None,
        "level": level,
        "rq": info["rq"],
        "document_names": docs,
        "excluded_documents": [],
        "units": len(passages),
        "all_units": len(passages),
        # the population a sample is drawn from has no headings, metadata blocks or
        # passages marked not relevant (samples.population)
        "excluded": {"structural": 0, "not_relevant": 0},
        "include_structural": False,
        "pending": info["passages"] - len(passages),
        "rows": per_code,
        "overall": overall,
        "disagreement_count": len(dis),
        "disagreements": dis,
        "rule": (
            f"units: the {len(passages)} re-coded passages of check sample {info['name']} "
            f"(seed {info['seed']}); {names[0]} codes a passage with X by {how}, "
            f"{names[1]} by the codes given to it blind"
        ),
    }


def resolve(session: Session, passage_id: int, choice: str) -> dict:
    """Settle a disagreement: ``reference`` keeps the original coding; ``check`` adopts the
    re-coding — the reference coder's codings on the passage are changed to the check codes
    (a coding reaching beyond the passage keeps its part outside). One audited step."""
    if choice not in RESOLUTIONS:
        raise InvalidInput(f"unknown resolution {choice!r}", "use reference or check")
    p = session.get(CheckPassage, passage_id)
    if p is None:
        raise InvalidInput(f"there is no sampled passage {passage_id}", "reopen the sample")
    from qualcode.mayring.tables import CheckSample

    sample = session.get(CheckSample, p.sample_id)
    assert sample is not None
    info, tree, passages, values = sample_units(session, sample.name)
    k = next((i for i, q in enumerate(passages) if q["id"] == passage_id), None)
    if k is None:
        raise InvalidInput(
            "this passage has not been re-coded yet", "re-code it in blind mode first"
        )
    ref, chk = values[k]
    if p.resolution == "check":
        raise InvalidInput(
            "the re-coding of this passage was adopted already", "`u` (`qualcode undo`) reverts it"
        )
    changed = {"added": [], "removed": []}  # type: dict[str, list[str]]
    if choice == "check" and p.reference_snapshot is None:
        p.reference_snapshot = json.dumps(
            [
                [c.code_id, c.start, c.end]
                for c in session.execute(
                    select(Coding).where(
                        Coding.document_id == p.document_id,
                        Coding.coder_id == sample.reference_coder_id,
                        Coding.start < p.end,
                        Coding.end > p.start,
                    )
                ).scalars()
            ]
        )
    if choice == "check":
        for t in chk - ref:
            session.add(
                Coding(document_id=p.document_id, start=p.start, end=p.end, code_id=t,
                       coder_id=sample.reference_coder_id, memo="consensus")  # type: ignore[arg-type]
            )  # fmt: skip
            changed["added"].append(tree.path(t))
        for t in ref - chk:
            ids = {t} | {d.id for d in tree.descendants(tree.by_id[t])}
            _cut(session, p, sample.reference_coder_id, ids)
            changed["removed"].append(tree.path(t))
    p.resolution = choice
    session.add(p)
    session.flush()
    return {"passage": p.id, "resolution": choice, **changed}


def _cut(session: Session, p: CheckPassage, coder_id: int, code_ids: set[int]) -> None:
    """Take ``[p.start, p.end)`` out of the coder's codings of these codes."""
    rows = session.execute(
        select(Coding).where(
            Coding.document_id == p.document_id,
            Coding.coder_id == coder_id,
            Coding.code_id.in_(code_ids),  # type: ignore[attr-defined]
            Coding.start < p.end,
            Coding.end > p.start,
        )
    ).scalars()
    for c in list(rows):
        left, right = (c.start, p.start), (p.end, c.end)
        if left[1] > left[0] and right[1] > right[0]:
            session.add(
                Coding(document_id=c.document_id, start=right[0], end=right[1], code_id=c.code_id,
                       coder_id=c.coder_id, memo=c.memo)  # type: ignore[arg-type]
            )  # fmt: skip
            c.end = left[1]
        elif left[1] > left[0]:
            c.end = left[1]
        elif right[1] > right[0]:
            c.start = right[0]
        else:
            session.delete(c)
            continue
        session.add(c)
    session.flush()
