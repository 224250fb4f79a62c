"""The engine as a coder: its out-of-sample first suggestion for every unit.

``qualcode agreement --coders anna,engine`` compares a human coder with the suggestions
engine in the same terms as two humans (:mod:`qualcode.agreement`). The engine's value on
a unit is its **first suggestion**, and every suggestion comes from a model that did not
see the unit's document: the compared documents are split into ``FOLDS`` groups (by
document, round robin in name order; fewer groups when there are fewer documents), and
for each group a model is trained — and tuned, calibrated and given its "no code"
paragraphs exactly as the project's own model — on the human codings of every *other*
document (and the coding agenda, less the anchor examples copied from the group's
documents: :mod:`qualcode.suggest.agenda`), then scores the group's units without knowing
any of their codings (the sequence stage sees no coded neighbours). A unit gets the code
when its first suggestion's calibrated score is at least ``min_score`` (default 0.5: the
code is more likely than not; 0 = the first suggestion on every unit); otherwise the
engine leaves it uncoded, as a coder would.

``engine`` is a reserved coder name (:data:`qualcode.config.ENGINE_CODER`): no coder can be
created under it. The predictions are cached beside the project under a hash of the
documents, the human codings, the code tree and the embeddings, so a second report on an
unchanged project costs no training.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlmodel import Session

from qualcode.config import ENGINE_CODER
from qualcode.errors import Conflict, QualcodeError

FOLDS = 5
MIN_SCORE = 0.5
VERSION = "1"

# (document, start, end) → (code id, calibrated score) of the first suggestion
Predictions = dict[tuple[int, int, int], tuple[int, float]]


def is_engine(name: str) -> bool:
    return name.strip().casefold() == ENGINE_CODER


def check_no_such_coder(session: Session) -> None:
    """A project made before the name was reserved may have a human coder "engine": then
    the name is ambiguous, and the comparison is refused with what to do."""
    from sqlalchemy import func, select

    from qualcode.models import Coder

    found = session.execute(
        select(Coder.name).where(func.lower(Coder.name) == ENGINE_CODER)
    ).scalar_one_or_none()
    if found is not None:
        raise Conflict(
            f"this project has a coder named {found!r}, and {ENGINE_CODER!r} is the reserved "
            "name of the suggestions engine as a coder",
            "rename that coder in the project first (no command for it: in SQLite, "
            "UPDATE coder SET name = 'engine (human)' WHERE name = 'engine')",
        )


def folds_of(doc_ids: list[int], names: dict[int, str], folds: int = FOLDS) -> list[list[int]]:
    """The compared documents in ``min(folds, n)`` groups, round robin in name order."""
    order = sorted(doc_ids, key=lambda d: (names.get(d, ""), d))
    k = max(1, min(folds, len(order)))
    return [order[i::k] for i in range(k)]


def predictions(
    session: Session,
    units: dict[int, list[tuple[int, int]]],
    names: dict[int, str],
    folds: int = FOLDS,
) -> tuple[Predictions, dict]:
    """The out-of-sample first suggestion for each unit ``units[doc] = [(start, end), …]``,
    and how they were made (``{"folds", "documents", "trained_on"}``)."""
    from qualcode.suggest.index import cached, documents_hash
    from qualcode.suggest.model import codings_hash, semantic_state

    groups = folds_of(sorted(units), names, folds)
    h = hashlib.sha256(
        codings_hash(session, documents_hash(session, "model"), semantic_state(session)).encode()
    )
    h.update(f";engine-coder={VERSION};folds={folds};".encode())
    for g in groups:
        for d in g:
            h.update(f"{d}:{','.join(f'{s}-{e}' for s, e in units[d])};".encode())
        h.update(b"|")
    return cached(session, "engine-coder", h.hexdigest(), lambda: _predict(session, units, groups))


def _predict(
    session: Session, units: dict[int, list[tuple[int, int]]], groups: list[list[int]]
) -> tuple[Predictions, dict]:
    from qualcode.suggest import agenda as agenda_mod
    from qualcode.suggest.layout import load_layouts
    from qualcode.suggest.model import (
        Coded,
        _none_paragraphs,
        _read_in_order,
        human_codings,
        score_spans,
        train,
    )

    codings = human_codings(session)
    agenda = agenda_mod.load(session)
    out: Predictions = {}
    trained_on = []
    for group in groups:
        held = set(group)
        train_cod = [c for c in codings if c[0] not in held]
        if not train_cod:
            raise QualcodeError(
                f"the engine has nothing to learn from outside the compared document"
                f"{'s' if len(held) > 1 else ''}: every suggestion must come from a model "
                "that did not see the unit's document",
                "code at least two documents (the engine is compared on each with a model "
                "trained on the others)",
            )
        # the "no code" paragraphs as the project's own model finds them (reading order)
        covered: dict[int, list[tuple[int, int]]] = {}
        for d, s, e, _c in train_cod:
            covered.setdefault(d, []).append((s, e))
        layouts = load_layouts(session, set(covered))
        negatives = _none_paragraphs(layouts, covered, _read_in_order(session, set(covered)))
        # an anchor example copied from a held-out document would teach the model that unit
        # (the agenda read once: its anchors' sources read every document's text)
        model = train(session, codings=train_cod, negatives=negatives, agenda=agenda.without(held))
        keys = [(d, s, e) for d in group for s, e in units[d]]
        codes, M = score_spans(session, model, keys, Coded([]))
        for k, row in zip(keys, M, strict=True):
            if len(row) and row.max() > 0:
                j = int(row.argmax())
                out[k] = (int(codes[j]), float(row[j]))
        trained_on.append(len({d for d, *_ in train_cod}))
    info = {
        "folds": len(groups),
        "documents": sum(len(g) for g in groups),
        "trained_on": {"min_documents": min(trained_on), "max_documents": max(trained_on)},
    }
    return out, info
