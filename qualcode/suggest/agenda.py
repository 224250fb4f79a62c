"""The coding agenda as training material (Mayring's deductive category assignment).

A researcher who writes the coding agenda first — per code a definition, anchor examples
and a coding rule (``qualcode codes edit``) — gets suggestions before the first coding:
each codable code with a definition (or an anchor example) becomes one or more *agenda
units* of the classifier, texts labelled with their code:

* ``"<name>: <definition> <rule>"`` — the category as the agenda describes it;
* each anchor example (one per line of the anchor field) — a passage as the researcher
  imagines it.

The agenda units are read by every feature block (the semantic block compares a passage's
meaning with the definition's; the heading block reads the code's name as their heading)
and are always on the training side of the cross-validation, never held out. Their weight
is a prior: with no codings the model is the agenda alone; as codings arrive the
cross-validation chooses how much the agenda still counts
(:data:`qualcode.suggest.tune.AGENDA_WEIGHTS`), and as each code gains examples its agenda
unit weighs less beside them (the class balance spreads a code's weight over its units).

Plain SQL (:data:`AGENDA_SQL`): the ORM path and the sqlite3 path
(:mod:`qualcode.suggest.fast`) fold the same rows into the model's key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

AGENDA_SQL = "SELECT id, name, definition, anchor, rule, codable, parent_id FROM code ORDER BY id"
NOT_RELEVANT = "Nicht relevant"  # :data:`qualcode.structure.NOT_RELEVANT` (kept light)


@dataclass
class Agenda:
    """The agenda units: per unit the code id, its text and its "heading" (the code's name)."""

    codes: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)  # each unit's own weight (1)
    keys: list[tuple[int, int, int] | None] = field(default_factory=list)  # a passage's span

    def add(self, code: int, text: str, context: str, weight: float = 1.0, key=None) -> None:
        self.codes.append(code)
        self.texts.append(text)
        self.contexts.append(context)
        self.weights.append(weight)
        self.keys.append(key)

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def code_ids(self) -> list[int]:
        return sorted(set(self.codes))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def units_of(rows) -> Agenda:
    """The agenda units of ``(id, name, definition, anchor, rule, codable, parent_id)`` rows.
    A category whose sub-categories have their own definition is described by them (Mayring's
    main categories are often containers): it gets no agenda unit of its own."""
    out = Agenda()
    rows = list(rows)
    parents = {r[6] for r in rows if r[6] is not None and r[5] and _clean(r[2])}
    for cid, name, definition, anchor, rule, codable, _parent in rows:
        if not codable or not name or name == NOT_RELEVANT or cid in parents:
            continue
        definition, rule = _clean(definition), _clean(rule)
        anchors = [_clean(a) for a in (anchor or "").splitlines() if _clean(a)]
        if not definition and not anchors:
            continue
        if definition:
            out.add(int(cid), " ".join(p for p in (f"{name}: {definition}", rule) if p), name)
        for a in anchors:
            out.add(int(cid), a, name)
    return out


def rows(conn) -> list[tuple]:
    """The code rows of :data:`AGENDA_SQL` through a SQLAlchemy connection."""
    from sqlalchemy import text

    return [tuple(r) for r in conn.execute(text(AGENDA_SQL)).all()]


def load(session) -> Agenda:
    return units_of(rows(session.connection()))


def fingerprint(code_rows) -> str:
    """What the model depends on in the agenda: the units' codes and texts."""
    a = units_of(code_rows)
    h = hashlib.sha256()
    for c, t, x in zip(a.codes, a.texts, a.contexts, strict=True):
        h.update(f"{c}\0{t}\0{x}\1".encode("utf-8", "surrogatepass"))
    return f"agenda={h.hexdigest() if len(a) else ''}"
