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
and are never held out. An anchor example copied from the project's material belongs to
the documents it was copied from (:func:`sources`): a fold that holds out one of them
leaves the anchor off its training side too — else the held-out passage would be
predicted from itself, labelled with its code —, while the final model learns from it.
The other agenda units are on the training side of every fold. Their weight
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

AGENDA_SQL = (
    "SELECT id, name, definition, anchor, rule, codable, parent_id, anchor_coding_id "
    "FROM code ORDER BY id"
)
NOT_RELEVANT = "Nicht relevant"  # :data:`qualcode.structure.NOT_RELEVANT` (kept light)


@dataclass
class Agenda:
    """The agenda units: per unit the code id, its text and its "heading" (the code's name)."""

    codes: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)  # each unit's own weight (1)
    keys: list[tuple[int, int, int] | None] = field(default_factory=list)  # a passage's span
    # the documents a unit was taken from: off the training side of a fold holding one out
    docs: list[frozenset[int]] = field(default_factory=list)

    def add(
        self, code: int, text: str, context: str, weight: float = 1.0, key=None, docs=()
    ) -> None:
        self.codes.append(code)
        self.texts.append(text)
        self.contexts.append(context)
        self.weights.append(weight)
        self.keys.append(key)
        self.docs.append(frozenset(docs) | (frozenset() if key is None else {key[0]}))

    def without(self, documents) -> Agenda:
        """The units that belong to none of ``documents`` (a model that must not see them)."""
        held = set(documents)
        out = Agenda()
        for i, c in enumerate(self.codes):
            if not self.docs[i] & held:
                out.add(c, self.texts[i], self.contexts[i], self.weights[i], self.keys[i])
                out.docs[-1] = self.docs[i]
        return out

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def code_ids(self) -> list[int]:
        return sorted(set(self.codes))


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def anchors_of(anchor: str | None) -> list[str]:
    """The anchor examples of a code's anchor field: one per line, whitespace-normalised."""
    return [_clean(a) for a in (anchor or "").splitlines() if _clean(a)]


def units_of(rows, where=None) -> Agenda:
    """The agenda units of ``(id, name, definition, anchor, rule, codable, parent_id)`` rows
    (an eighth column, the anchor coding, is not read here). A category whose
    sub-categories have their own definition is described by them (Mayring's main
    categories are often containers): it gets no agenda unit of its own. ``where(code,
    anchor)``: the documents an anchor example was copied from (:func:`sources`)."""
    out = Agenda()
    rows = [tuple(r)[:7] for r in rows]
    parents = {r[6] for r in rows if r[6] is not None and r[5] and _clean(r[2])}
    for cid, name, definition, anchor, rule, codable, _parent in rows:
        if not codable or not name or name == NOT_RELEVANT or cid in parents:
            continue
        definition, rule = _clean(definition), _clean(rule)
        anchors = anchors_of(anchor)
        if not definition and not anchors:
            continue
        if definition:
            out.add(int(cid), " ".join(p for p in (f"{name}: {definition}", rule) if p), name)
        for a in anchors:
            out.add(int(cid), a, name, docs=where(int(cid), a) if where else ())
    return out


ANCHOR_DOCS_SQL = (
    "SELECT c.id, k.document_id FROM code c JOIN coding k ON k.id = c.anchor_coding_id"
)


def sources(conn, code_rows):
    """``where(code, anchor)`` for :func:`units_of`: the documents whose whitespace-normalised
    text contains the anchor example, and the document of the code's anchor coding
    (``code.anchor_coding_id``, `qualcode codes anchor`) when one is set. Researchers copy
    anchor examples from their material; such an anchor is that document's passage."""
    from sqlalchemy import text

    wanted = {a for r in code_rows for a in anchors_of(r[3])}
    found: dict[str, set[int]] = {a: set() for a in wanted}
    if wanted:
        for doc_id, body in conn.execute(text("SELECT id, text FROM document ORDER BY id")):
            body = _clean(body)
            for a in wanted:
                if a in body:
                    found[a].add(int(doc_id))
    chosen = {int(c): int(d) for c, d in conn.execute(text(ANCHOR_DOCS_SQL))}

    def where(code: int, anchor: str) -> frozenset[int]:
        extra = {chosen[code]} if code in chosen else set()
        return frozenset(found.get(anchor, set()) | extra)

    return where


def rows(conn) -> list[tuple]:
    """The code rows of :data:`AGENDA_SQL` through a SQLAlchemy connection."""
    from sqlalchemy import text

    return [tuple(r) for r in conn.execute(text(AGENDA_SQL)).all()]


def load(session) -> Agenda:
    conn = session.connection()
    code_rows = rows(conn)
    return units_of(code_rows, sources(conn, code_rows))


def fingerprint(code_rows) -> str:
    """What the model depends on in the agenda: the units' codes and texts, and the codes'
    anchor codings (the documents' texts are in the model's key already)."""
    code_rows = [tuple(r) for r in code_rows]
    a = units_of(code_rows)
    h = hashlib.sha256()
    for c, t, x in zip(a.codes, a.texts, a.contexts, strict=True):
        h.update(f"{c}\0{t}\0{x}\1".encode("utf-8", "surrogatepass"))
    chosen = [(r[0], r[7]) for r in code_rows if len(r) > 7 and r[7] is not None]
    if any(c in a.codes for c, _ in chosen):  # they decide which folds leave the anchor out
        h.update(repr(sorted(k for k in chosen if k[0] in a.codes)).encode())
    return f"agenda={h.hexdigest() if len(a) else ''}"
