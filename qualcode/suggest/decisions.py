"""What coders did with the workbench's suggestions, and how well the scores foretold it.

The workbench records every code it suggested for a passage (``suggestion_decision``,
:class:`qualcode.models.SuggestionDecision`) once the coder has decided on that passage:

* ``accepted`` — the coder coded the passage with the suggested code (with ``A``, from the
  panel, or any other way);
* ``coded_otherwise`` — the coder coded the passage, but not with this code;
* ``dismissed`` — the coder moved on without coding it.

Only the **first** decision on a passage counts: suggestions shown for a passage the coder
has already coded (or decided on) are not recorded, and a dismissal is replaced by the
decision when the coder comes back and codes the passage.

:func:`decision_stats` (``qualcode suggest --stats``) reports per code how often its first
suggestion was taken, and the calibration on the project's own decisions: of the
suggestions on passages the coder coded, the share accepted beside the mean score, in
bins of the score (reliability table), with the expected calibration error (ECE: the
bins' |accepted share − mean score|, weighted by their size) and the Brier score (mean of
(score − accepted)²). Dismissed passages are counted, but not in the calibration: moving
on says nothing about which code a passage has.

Core module: no UI imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

ACCEPTED, OTHERWISE, DISMISSED = "accepted", "coded_otherwise", "dismissed"
OUTCOMES = (ACCEPTED, OTHERWISE, DISMISSED)
BINS = 10


def _table():
    from qualcode.models import SuggestionDecision

    return SuggestionDecision.__table__  # type: ignore[attr-defined]


def _name(session: Session, coder: str) -> str:
    """The coder's name as the project writes it (``Root`` is the coder ``root``)."""
    from qualcode.codings import find_coder
    from qualcode.errors import QualcodeError

    try:
        found = find_coder(session, coder)
    except QualcodeError:  # two coders differ from it only by case: the name as given
        return coder
    return found.name if found is not None else coder


def _span_rows(session: Session, coder: str, document_id: int, start: int, end: int):
    coder = _name(session, coder)
    t = _table()
    from sqlalchemy import select

    return session.execute(
        select(t.c.outcome).where(
            t.c.coder == coder,
            t.c.document_id == document_id,
            t.c.start == start,
            t.c.end == end,
        )
    ).all()


def coder_codes_on(
    session: Session, coder: str, document_id: int, start: int, end: int
) -> list[int]:
    """The codes of ``coder``'s codings that overlap the span (any overlap)."""
    from sqlalchemy import select

    coder = _name(session, coder)
    from qualcode.models import Coder, Coding

    rows = session.execute(
        select(Coding.code_id)
        .join(Coder, Coder.id == Coding.coder_id)
        .where(
            Coder.name == coder,
            Coding.document_id == document_id,
            Coding.start < end,
            Coding.end > start,
            Coding.orphaned.is_(False),  # type: ignore[attr-defined]
        )
        .order_by(Coding.id)
    ).all()
    return list(dict.fromkeys(c for (c,) in rows))


def is_open(session: Session, coder: str, document_id: int, start: int, end: int) -> bool:
    """True when a decision on the span would be the coder's first: no coding of theirs
    overlaps it and no decision but a dismissal is recorded for it."""
    if coder_codes_on(session, coder, document_id, start, end):
        return False
    return all(o == DISMISSED for (o,) in _span_rows(session, coder, document_id, start, end))


def record(
    session: Session,
    coder: str,
    document_id: int,
    start: int,
    end: int,
    shown: Sequence[dict],
) -> str | None:
    """Record the coder's decision on the span for the suggestions ``shown``
    (``[{"code": path, "score": p}, …]`` in the order shown), read from the codings: coded
    (some coding of the coder overlaps the span) or dismissed. Returns the decision
    (``"coded"``/``"dismissed"``) or None when nothing was recorded (nothing shown, a
    code no longer there, or the passage decided before)."""
    from sqlalchemy import delete, insert

    from qualcode.codebook import CodeTree

    if not shown:
        return None
    coder = _name(session, coder)
    earlier = [o for (o,) in _span_rows(session, coder, document_id, start, end)]
    if any(o != DISMISSED for o in earlier):
        return None  # decided before: only the first decision counts
    codes_now = coder_codes_on(session, coder, document_id, start, end)
    if not codes_now and earlier:
        return None  # dismissed again: the first dismissal stands
    tree = CodeTree.load(session)
    ids = []
    for item in shown:
        code = tree.find(str(item["code"]))
        if code is None:
            return None
        ids.append(code.id)
    t = _table()
    if earlier:  # dismissed before, coded now: the decision replaces the dismissal
        session.execute(
            delete(t).where(
                t.c.coder == coder,
                t.c.document_id == document_id,
                t.c.start == start,
                t.c.end == end,
            )
        )
    chosen = next((c for c in codes_now if c not in ids), None)
    rows = []
    for rank, (item, cid) in enumerate(zip(shown, ids, strict=True), start=1):
        if not codes_now:
            outcome = DISMISSED
        else:
            outcome = ACCEPTED if cid in codes_now else OTHERWISE
        rows.append(
            {
                "document_id": document_id,
                "start": start,
                "end": end,
                "code_id": cid,
                "rank": rank,
                "score": float(item["score"]),
                "outcome": outcome,
                "chosen_code_id": chosen if outcome == OTHERWISE else None,
                "coder": coder,
            }
        )
    session.execute(insert(t), rows)
    return "coded" if codes_now else "dismissed"


def _bins(pairs: list[tuple[float, int]], n_bins: int = BINS) -> tuple[list[dict], float | None]:
    """Reliability table and ECE of ``(score, accepted)`` pairs."""
    if not pairs:
        return [], None
    table = []
    ece = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        inside = [(p, y) for p, y in pairs if lo <= p < hi or (b == n_bins - 1 and p == hi)]
        if not inside:
            continue
        mean = sum(p for p, _ in inside) / len(inside)
        share = sum(y for _, y in inside) / len(inside)
        ece += len(inside) / len(pairs) * abs(share - mean)
        table.append(
            {
                "score_from": round(lo, 2),
                "score_to": round(hi, 2),
                "suggestion_count": len(inside),
                "mean_score": round(mean, 4),
                "accepted_share": round(share, 4),
            }
        )
    return table, round(ece, 4)


def _brier(pairs: list[tuple[float, int]]) -> float | None:
    return round(sum((p - y) ** 2 for p, y in pairs) / len(pairs), 4) if pairs else None


def _rate(a: int, n: int) -> float | None:
    return round(a / n, 4) if n else None


def decision_stats(session: Session, coder: str | None = None) -> dict:
    """The JSON of ``qualcode suggest --stats`` (see the module doc)."""
    from sqlalchemy import select

    from qualcode.models import Code, Document
    from qualcode.suggest import code_paths

    t = _table()
    stmt = select(
        t.c.document_id,
        t.c.start,
        t.c.end,
        t.c.code_id,
        t.c.rank,
        t.c.score,
        t.c.outcome,
        t.c.coder,
    )
    if coder:
        from qualcode.codings import find_coder
        from qualcode.errors import NotFound

        found = find_coder(session, coder)  # `Anna` is anna, as everywhere
        if found is None:
            raise NotFound(f"unknown coder {coder!r}", "`qualcode status` lists the coders")
        coder = found.name
        stmt = stmt.where(t.c.coder == coder)
    paths = code_paths(session.execute(select(Code.id, Code.parent_id, Code.name)))
    docs = {d for (d,) in session.execute(select(Document.id))}
    rows = []
    gone = 0
    for d, s, e, c, rank, score, outcome, who in session.execute(stmt.order_by(t.c.id)):
        if c not in paths or d not in docs:
            gone += 1
            continue
        rows.append((d, s, e, c, rank, float(score), outcome, who))
    # a decision is a coder's on a passage: anna's and ben's on one passage are two
    passages: dict[tuple[str, int, int, int], str] = {}
    for d, s, e, _c, _rank, _score, outcome, who in rows:
        passages[(who, d, s, e)] = "dismissed" if outcome == DISMISSED else "coded"
    per: dict[int, dict] = {}
    decided: list[tuple[float, int]] = []
    for _d, _s, _e, c, rank, score, outcome, _who in rows:
        x = per.setdefault(
            c,
            {
                "first": 0,
                "first_taken": 0,
                "first_dismissed": 0,
                "suggested": 0,
                "accepted": 0,
                "pairs": [],
            },
        )
        if outcome == DISMISSED:
            if rank == 1:
                x["first_dismissed"] += 1
            continue
        y = int(outcome == ACCEPTED)
        x["suggested"] += 1
        x["accepted"] += y
        x["pairs"].append((score, y))
        decided.append((score, y))
        if rank == 1:
            x["first"] += 1
            x["first_taken"] += y
    codes = []
    for c in sorted(per, key=lambda c: paths[c]):
        x = per[c]
        pairs = x.pop("pairs")
        codes.append(
            {
                "code": paths[c],
                "first": x["first"],
                "first_taken": x["first_taken"],
                "first_taken_rate": _rate(x["first_taken"], x["first"]),
                "first_dismissed": x["first_dismissed"],
                "suggested": x["suggested"],
                "accepted": x["accepted"],
                "mean_score": round(sum(p for p, _ in pairs) / len(pairs), 4) if pairs else None,
                "accepted_share": _rate(x["accepted"], x["suggested"]),
                "brier": _brier(pairs),
            }
        )
    first = sum(x["first"] for x in codes)
    first_taken = sum(x["first_taken"] for x in codes)
    table, ece = _bins(decided)
    return {
        "coder": coder,
        "passages": len(passages),
        "coded": sum(1 for v in passages.values() if v == "coded"),
        "dismissed": sum(1 for v in passages.values() if v == "dismissed"),
        "first_taken": first_taken,
        "first_taken_rate": _rate(first_taken, first),
        "rows": codes,
        "reliability": {
            "suggestion_count": len(decided),
            "accepted": sum(y for _, y in decided),
            "mean_score": round(sum(p for p, _ in decided) / len(decided), 4) if decided else None,
            "ece": ece,
            "brier": _brier(decided),
            "bins": table,
        },
        "decisions_left_out": gone,
    }
