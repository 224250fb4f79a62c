"""Dry runs: do the whole operation inside a savepoint, report, and roll it back.

Running the real code path (instead of a separate estimate) means a dry run shows
exactly what the command would do — and the database is left exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

from qualcode import audit

T = TypeVar("T")


def run(session: Session, fn: Callable[[], T], *, dry_run: bool) -> T:
    """``fn()``; with ``dry_run`` its changes (and their audit rows) are rolled back afterwards."""
    if not dry_run:
        return fn()
    session.flush()
    ctx = audit.context(session)
    saved = (ctx.entry_id, ctx.seq, ctx.summary) if ctx is not None else None
    savepoint = session.begin_nested()
    try:
        return fn()
    finally:
        savepoint.rollback()
        session.expunge_all()
        if ctx is not None and saved is not None:
            ctx.entry_id, ctx.seq, ctx.summary = saved
