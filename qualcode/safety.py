"""When a destructive command needs ``--force`` — one rule for the CLI and the workbench.

A command asks for ``--force`` (the workbench: for a confirmation) and changes nothing
without it when it would

- remove codings of **another coder** (`uncode`),
- remove **more than** :data:`MANY_CODINGS` codings at once (`uncode --overlapping`),
- remove a **document that has codings** (`docs remove`; `codes delete` of a code with
  codings or sub-codes, likewise),
- **undo** an action of another coder, or one that changed more than :data:`MANY_ROWS`
  rows (the initial import, a big recode or autocode run).

The refusal says what would go. ``qualcode undo`` brings back whatever was removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from qualcode.errors import NeedsForce
from qualcode.textutil import plural

__all__ = ["MANY_CODINGS", "MANY_ROWS", "by_coder", "check_coding_removal", "plural"]

MANY_CODINGS = 20
MANY_ROWS = 100


def by_coder(coders: Iterable[str]) -> str:
    """``"anna 20, ben 9"``: how many rows of each coder, most first."""
    return ", ".join(f"{name} {n}" for name, n in Counter(coders).most_common())


def check_coding_removal(what: str, coders: list[str], me: str, hint: str) -> None:
    """Refuse removing codings (their coders' names) of others or too many at once."""
    others = [c for c in coders if c != me]
    if not others and len(coders) <= MANY_CODINGS:
        return
    reason = (
        f"{len(others)} of them by other coders" if others else f"more than {MANY_CODINGS} at once"
    )
    raise NeedsForce(
        f"{what} would remove {plural(len(coders), 'coding')} ({by_coder(coders)}), {reason}",
        hint,
    )
