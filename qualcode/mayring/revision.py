"""When to revise: the workbench offers a checkpoint once a question's coded share of the
material first passes the threshold (setting ``checkpoint.threshold``, default 25 %)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from qualcode.database import get_setting, set_setting
from qualcode.errors import InvalidInput
from qualcode.models import ResearchQuestion

THRESHOLD_KEY = "checkpoint.threshold"
DEFAULT_THRESHOLD = 0.25
_OFFERED = "checkpoint.offered."


def parse_threshold(value: str) -> float:
    """``0.25``, ``25 %`` or ``25`` → 0.25 (between 1 % and 100 %)."""
    text = value.strip().rstrip("%").strip().replace(",", ".")
    try:
        x = float(text)
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a share", "give e.g. 0.25 or 25% (Mayring: 10–50 %)"
        ) from None
    if x > 1 or value.strip().endswith("%"):
        x /= 100
    if not 0.01 <= x <= 1:
        raise InvalidInput(f"{value!r} is not between 1 % and 100 %", "give e.g. 0.25 or 25%")
    return x


def threshold(session: Session) -> float:
    value = get_setting(session, THRESHOLD_KEY)
    if not value:
        return DEFAULT_THRESHOLD
    try:
        return parse_threshold(value)
    except InvalidInput:
        return DEFAULT_THRESHOLD


def checkpoint_due(session: Session) -> dict | None:
    """The first question whose coded share has passed the threshold and that was not
    offered a checkpoint yet: ``{rq, rq_id, share, threshold, name}``; else None."""
    from qualcode.mayring.questions import coded_share

    t = threshold(session)
    rqs = session.execute(
        select(ResearchQuestion).order_by(ResearchQuestion.position, ResearchQuestion.id)  # type: ignore[arg-type]
    ).scalars()
    for rq in rqs:
        if get_setting(session, f"{_OFFERED}{rq.guid}"):
            continue
        share = coded_share(session, rq)
        if share >= t:
            return {
                "rq": rq.name,
                "rq_id": rq.id,
                "share": share,
                "threshold": t,
                "name": f"{rq.name}-{round(t * 100)}%",
                "guid": rq.guid,
            }
    return None


def mark_offered(session: Session, rq_guid: str) -> None:
    set_setting(session, f"{_OFFERED}{rq_guid}", "1")
